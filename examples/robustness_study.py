"""Robustness of the paper's four models over seeds: input noise, device noise and shots.

Reads the runs of ``examples/compare_models.py`` (``RUNS/model=M_seed=S``), evaluates every
model of every seed it has under the input-noise conditions and under finite shots on the first
``--samples`` test images, and under device noise (a depolarising channel after every gate on
``default.mixed``) on the first ``--noisy-samples`` of the ``--noisy-seeds`` (a 10-qubit
density-matrix simulation costs ~20 s per sample and noise level here), then writes the mean
and standard deviation over seeds:

    python examples/robustness_study.py --runs out/compare/runs --out out/robustness_study
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ppf_neuro.atomic import write_json, write_text
from ppf_neuro.choices import MODELS, InputNoise
from ppf_neuro.config import DataConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.figures import robustness_plot
from ppf_neuro.training.robustness import Condition, default_conditions, robustness_table
from ppf_neuro.training.run_dir import load_run


def _table(per_seed: dict[int, list[dict]], models: list[str]) -> str:
    """Mean ± sample std (ddof 1) over the seeds each model has, with their number."""
    lines = ["| noise | level | " + " | ".join(models) + " |", "|---|---|" + "---|" * len(models)]
    for rows in zip(*per_seed.values()):
        cells = []
        for m in models:
            acc = 100 * np.array([r[m] for r in rows if r.get(m) is not None])  # None: no quantum branch to noise
            std = acc.std(ddof=1) if len(acc) > 1 else 0.0
            cells.append(f"{acc.mean():.2f} ± {std:.2f} ({len(acc)})" if len(acc) else "-")
        lines.append(f"| {rows[0]['noise']} | {rows[0]['level']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _means(per_seed: dict[int, list[dict]], models: list[str]) -> list[dict]:
    """One row per condition with each model's mean accuracy over its seeds."""
    return [{"noise": rows[0]["noise"], "level": rows[0]["level"],
             **{m: _mean([r[m] for r in rows if r.get(m) is not None]) for m in models}}
            for rows in zip(*per_seed.values())]


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _evaluate(runs_dir: Path, seeds: list[int], models: list[str], samples: int, conditions: list[Condition],
              parts: Path) -> dict[int, list[dict]]:
    """Rows per seed for the models that have a run of that seed (compare_models' --seeds-for gives
    some models fewer seeds). Each seed's rows are kept in ``parts``: a stopped study resumes."""
    per_seed = {}
    for seed in seeds:
        part = parts / f"seed={seed}_{len(conditions)}x{samples}.json"
        if part.is_file():
            per_seed[seed] = json.loads(part.read_text())
            continue
        runs = {m: load_run(runs_dir / f"model={m}_seed={seed}") for m in models
                if (runs_dir / f"model={m}_seed={seed}").is_dir()}
        if not runs:
            continue
        data = load_dataset(DataConfig(spec=next(iter(runs.values())).config.data.spec, test_limit=samples))
        per_seed[seed] = robustness_table(runs, data.test, conditions)
        write_json(part, per_seed[seed])
    return per_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=Path, required=True, help="the runs/ folder of examples/compare_models.py")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--samples", type=int, default=500, help="test images for input noise and shots")
    p.add_argument("--noisy-samples", type=int, default=10, help="test images for the depolarising channel")
    p.add_argument("--noisy-seeds", type=int, nargs="+", default=[0], help="seeds for the depolarising channel")
    p.add_argument("--levels", type=float, nargs="+", default=[0.01, 0.05, 0.1, 0.3, 0.5, 0.9])
    p.add_argument("--depolarizing", type=float, nargs="*", default=[0.01, 0.05])
    p.add_argument("--shots", type=int, nargs="*", default=[100, 1000])
    p.add_argument("--out", type=Path, default=Path("out/robustness_study"))
    args = p.parse_args()

    inputs = _evaluate(args.runs, args.seeds, args.models, args.samples,
                       default_conditions(args.levels, [], args.shots, list(InputNoise.values())), args.out / "parts" / "inputs")
    noisy = _evaluate(args.runs, args.noisy_seeds, args.models, args.noisy_samples,
                      default_conditions([], args.depolarizing, [], []), args.out / "parts" / "device")
    text = (f"Input noise and shots: first {args.samples} test images, seeds {args.seeds} (mean ± std over seeds (ddof 1), %; seeds per model in brackets)\n\n"
            + _table(inputs, args.models)
            + f"\n\nDepolarising channel after every gate (default.mixed): first {args.noisy_samples} test "
              f"images, seeds {args.noisy_seeds} (mean ± std over seeds (ddof 1), %; seeds per model in brackets)\n\n" + _table(noisy, args.models))
    write_json(args.out / "robustness_study.json", {"input_noise_and_shots": list(inputs.values()),
                                                     "depolarizing": list(noisy.values()), "args": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}})
    write_text(args.out / "robustness_study.md", text + "\n")
    robustness_plot(_means(inputs, args.models), args.models, args.out / "robustness.png")  # means over seeds
    print(text)


if __name__ == "__main__":
    main()
