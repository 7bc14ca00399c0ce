"""The paper's robustness claim on real devices' calibrations: qnn, serial and ppf (and snn, which
has no quantum branch) on MNIST test images, clean, with 1,000 shots on an ideal simulator, and with
the quantum branch compiled for and run with the noise of each ``--targets`` calibration snapshot
(``ppf-neuro robustness --qbackend``), over the seeds of ``examples/compare_models.py``'s runs.

Each (seed, target) is one ``ppf.robustness`` call written to ``OUT/seed=S_TARGET/`` and skipped when
it is there, so an interrupted study resumes; the table (mean ± sample std over the seeds each cell
has, and each model's loss against its own clean accuracy, paired by seed) is written from whatever
is done:

    python examples/device_robustness.py --runs out/mnist_compare/runs --out out/device_robustness
    python examples/device_robustness.py --runs out/mnist_compare/runs --out out/device_robustness --table-only
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import ppf_neuro as ppf
from ppf_neuro.atomic import write_json, write_text

#: The models with a quantum branch that device noise reaches, and the SNN beside them.
MODELS = ("qnn", "serial", "ppf", "snn")


def run_missing(runs: Path, out: Path, seeds: list[int], targets: list[str], samples: int, shots: int) -> None:
    """One robustness call per (seed, target) not yet written."""
    for seed in seeds:
        for target in targets:
            where = out / f"seed={seed}_{target}"
            if (where / "robustness.json").exists():
                continue
            print(f"seed {seed}, {target}: {samples} images", flush=True)
            ppf.robustness([runs / f"model={m}_seed={seed}" for m in MODELS], samples=samples, noise=[], shots=[shots],
                           qbackend=[target], qbackend_shots=shots, seed=0, out=where)


def collect(out: Path) -> dict[tuple[str, int], dict]:
    """Accuracy by (condition, seed) and model from every finished call; the clean and ideal-shots
    rows of one seed are the same in each target's call (same runs, images and seed), kept once."""
    rows: dict[tuple[str, int], dict] = {}
    for path in sorted(out.glob("seed=*_*/robustness.json")):
        seed = int(path.parent.name.split("_")[0].removeprefix("seed="))
        for row in json.loads(path.read_text()):
            key = (row["noise"] if row["noise"] != "shots" else f"shots {row['level']:g}", seed)
            rows.setdefault(key, {m: row.get(f"accuracy_{m}") for m in MODELS})
    return rows


def _cell(values: list[float]) -> str:
    if not values:
        return "n/a"
    v = 100 * np.array(values)
    return f"{v.mean():.2f} ± {v.std(ddof=1):.2f} ({len(v)})" if len(v) > 1 else f"{v[0]:.2f} (1)"


def table(rows: dict[tuple[str, int], dict]) -> tuple[str, list[dict]]:
    """Markdown and records: each condition's accuracy, then each model's loss against its clean
    accuracy of the same seed (points), over the seeds that have the condition."""
    conditions = sorted({c for c, _ in rows}, key=lambda c: (c != "clean", c.startswith("device"), c))
    lines = ["| condition | " + " | ".join(f"{m} (%)" for m in MODELS) + " |", "|---|" + "---|" * len(MODELS)]
    records = []
    for condition in conditions:
        seeds = sorted(s for c, s in rows if c == condition)
        acc = {m: [rows[condition, s][m] for s in seeds if rows[condition, s][m] is not None] for m in MODELS}
        loss = {m: [rows["clean", s][m] - rows[condition, s][m] for s in seeds
                    if rows[condition, s][m] is not None and ("clean", s) in rows] for m in MODELS}
        lines.append(f"| {condition} | " + " | ".join(_cell(acc[m]) for m in MODELS) + " |")
        if condition != "clean":
            lines.append("| loss against clean, same seed (points) | " + " | ".join(_cell(loss[m]) for m in MODELS)
                         + " |")
        records.append({"condition": condition, "seeds": seeds, "accuracy": acc, "loss_against_clean": loss})
    return "\n".join(lines), records


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=Path, required=True, help="the runs/ folder of examples/compare_models.py")
    p.add_argument("--out", type=Path, default=Path("out/device_robustness"))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--targets", nargs="+", default=["fake_brisbane", "fake_torino"])
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--shots", type=int, default=1000)
    p.add_argument("--table-only", action="store_true", help="only the table of the calls already done")
    args = p.parse_args()
    if not args.table_only:
        run_missing(args.runs, args.out, args.seeds, args.targets, args.samples, args.shots)
    markdown, records = table(collect(args.out))
    write_text(args.out / "device_robustness.md", markdown + "\n")
    write_json(args.out / "device_robustness.json", records)
    print(markdown)


if __name__ == "__main__":
    main()
