"""The paper's comparison: snn, qnn, serial and ppf under one training budget, over several seeds.

It is one sweep over ``train.seed`` x ``model`` (see ``ppf_neuro.training.sweep``):
every run trains in its own process into ``OUT/runs/``, saves its state after every
epoch (a stopped comparison continues where it stopped when run again), and
``OUT/table.md`` holds mean and standard deviation over seeds, ``OUT/welch.md`` Welch's t-test of ppf
against every other model with two seeds or more. Runs go seed by
seed, so every finished seed compares all models; ``--seeds-for qnn=1`` gives a
model fewer seeds where the machine's time is short.

    python examples/compare_models.py --config examples/mnist_full.json --seeds-for qnn=1 serial=1 --out out/mnist_compare
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ppf_neuro.atomic import write_text
from ppf_neuro.choices import MODELS
from ppf_neuro.config import RunConfig
from ppf_neuro.training.sweep import SEED_KEY, make_trials, run_sweep


def _seeds_for(text: str) -> tuple[str, int]:
    model, _, n = text.partition("=")
    if model not in MODELS or not n.isdigit() or int(n) < 1:
        raise argparse.ArgumentTypeError(f"expected MODEL=N with MODEL in {list(MODELS)} and N >= 1, got '{text}'")
    return model, int(n)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--config", type=Path, help="base JSON config (model and seed are set per run)")
    p.add_argument("--data", help="dataset spec (default: the config's, else digits)")
    p.add_argument("--epochs", type=int, help="epochs of every run (default: the config's)")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 for every model")
    p.add_argument("--seeds-for", nargs="+", type=_seeds_for, default=[], metavar="MODEL=N",
                   help="fewer seeds for some models")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    p.add_argument("--workers", type=int, default=2, help="runs trained at once, one process and thread each")
    p.add_argument("--out", type=Path, default=Path("out/compare"))
    args = p.parse_args()

    base = RunConfig.from_file(args.config).to_dict() if args.config else RunConfig().to_dict()
    if args.data:
        base["data"]["spec"] = args.data
    if args.epochs:
        base["train"]["epochs"] = args.epochs
    seeds = dict(args.seeds_for)
    trials = [t for t in make_trials(base, {"model": args.models, SEED_KEY: list(range(args.seeds))})
              if t.values[SEED_KEY] < seeds.get(t.values["model"], args.seeds)]
    trials.sort(key=lambda t: t.values[SEED_KEY])  # seed by seed; names stay model=M_seed=S
    rows = run_sweep(trials, args.out, args.workers)
    print((args.out / "table.md").read_text())
    welch = welch_table(rows)
    write_text(args.out / "welch.md", welch + "\n")
    print(welch)


def welch_table(rows: list[dict], against: str = "ppf") -> str:
    """Welch's t-test (unequal variances) of ``against``'s test accuracy over seeds against every other model's
    with at least two seeds: the difference, t, degrees of freedom and two-sided p, as measured."""
    from scipy import stats

    by_model: dict[str, list[float]] = {}
    for r in rows:
        by_model.setdefault(r["model"], []).append(100 * r["test_acc"])
    lines = [f"| {against} against | seeds | difference (points) | Welch t | df | p (two-sided) |", "|---|---|---|---|---|---|"]
    mine = by_model.get(against, [])
    for model, accs in by_model.items():
        if model == against or len(accs) < 2 or len(mine) < 2:
            continue
        t, p = stats.ttest_ind(mine, accs, equal_var=False)
        va, vb = stats.tstd(mine) ** 2 / len(mine), stats.tstd(accs) ** 2 / len(accs)
        df = (va + vb) ** 2 / (va ** 2 / (len(mine) - 1) + vb ** 2 / (len(accs) - 1))
        lines.append(f"| {model} | {len(mine)} vs {len(accs)} | {sum(mine) / len(mine) - sum(accs) / len(accs):+.2f} "
                     f"| {t:.2f} | {df:.1f} | {p:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
