"""The paper's comparison: snn, qnn, serial and ppf under one training budget, over several seeds.

It is one sweep over ``model`` x ``train.seed`` (see ``ppf_neuro.training.sweep``):
every run trains in its own process into ``OUT/runs/``, finished runs are not
trained again, and ``OUT/table.md`` holds mean and standard deviation over seeds.

    python examples/compare_models.py --data idx:../shared/datasets/mnist-10k --epochs 15 --out out/compare
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ppf_neuro.choices import MODELS
from ppf_neuro.config import RunConfig
from ppf_neuro.training.sweep import make_trials, run_sweep


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="digits")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--config", type=Path, help="base JSON config (model and seed are set per run)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("out/compare"))
    args = p.parse_args()

    base = RunConfig.from_file(args.config).to_dict() if args.config else RunConfig().to_dict()
    base["data"]["spec"] = args.data
    base["train"]["epochs"] = args.epochs
    trials = make_trials(base, {"model": args.models, "train.seed": list(range(args.seeds))})
    run_sweep(trials, args.out, args.workers)
    print((args.out / "table.md").read_text())


if __name__ == "__main__":
    main()
