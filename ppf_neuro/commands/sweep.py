"""``ppf-neuro sweep``: a grid of configurations trained (resumable) and tabulated."""

from __future__ import annotations

from ppf_neuro.atomic import check_writable
from ppf_neuro.processes.pools import check_ray_address
from ppf_neuro.training.sweep import load_sweep_file, make_trials, run_sweep


def run(args) -> None:
    check_writable(args.out, "--out", directory=True)
    check_ray_address(args.ray)
    base, grid = load_sweep_file(args.sweep_file)
    trials = make_trials(base, grid)
    print(f"sweep of {len(trials)} runs over {list(grid)} into {args.out} ({args.workers} workers)")
    run_sweep(trials, args.out, args.workers, progress=not args.quiet, ray_address=args.ray)
    print((args.out / "table.md").read_text())
    print(f"results: {args.out / 'results.csv'}, plot: {args.out / 'accuracy.png'}")
