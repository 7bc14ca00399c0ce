"""The paper's parameter study at a scale that finishes on a 2-core machine.

Xu et al. vary one factor of PPF-QSNN at a time: the fusion ratio, the number
of qubits, the circuit depth and the SNN's time steps. This runs one
resumable sweep per factor around a common base (``ppf_neuro.training.sweep``),
over two seeds, and writes ``OUT/<factor>/{table.md,results.csv,accuracy.png}``
and all four tables in ``OUT/study.md``.

    python examples/paper_study.py --data idx:../shared/datasets/mnist-10k --out out/paper_study
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ppf_neuro.atomic import write_text
from ppf_neuro.config import RunConfig
from ppf_neuro.training.sweep import make_trials, run_sweep

FACTORS = {
    "fusion ratio a (SNN share)": {"fusion.ratio": [0.2, 0.4, 0.6, 0.8, None]},
    "qubits": {"quantum.qubits": [6, 8, 10]},
    "circuit layers": {"quantum.layers": [1, 2, 3]},
    "SNN time steps": {"encoding.steps": [4, 8, 16]},
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="digits")
    p.add_argument("--train-limit", type=int, default=2000)
    p.add_argument("--test-limit", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("out/paper_study"))
    args = p.parse_args()

    base = {"model": "ppf", "data": {"spec": args.data, "train_limit": args.train_limit, "test_limit": args.test_limit},
            "snn": {"hidden": [128]}, "train": {"epochs": args.epochs}}
    defaults = RunConfig()
    sections = [f"PPF on {args.data} ({args.train_limit} training / {args.test_limit} test images, "
                f"{args.epochs} epochs, {args.seeds} seeds; other factors at their defaults: "
                f"a {'learned' if defaults.fusion.ratio is None else defaults.fusion.ratio}, "
                f"{defaults.quantum.qubits} qubits, {defaults.quantum.layers} layers, "
                f"{defaults.encoding.steps} steps)"]
    for title, grid in FACTORS.items():
        out = args.out / next(iter(grid)).replace(".", "_")
        run_sweep(make_trials(base, {**grid, "train.seed": list(range(args.seeds))}), out, args.workers)
        sections.append(f"### {title}\n\n" + (out / "table.md").read_text())
    text = "\n\n".join(sections)
    write_text(args.out / "study.md", text + "\n")
    print(text)


if __name__ == "__main__":
    main()
