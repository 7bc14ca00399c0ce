"""``ppf-neuro robustness``: accuracy of trained runs under input noise and quantum device noise."""

from __future__ import annotations

from ppf_neuro.atomic import check_writable
from ppf_neuro.config import DataConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError
from ppf_neuro.robustness import (
    default_conditions,
    markdown,
    robustness_table,
    write_robustness,
)
from ppf_neuro.training.run_dir import load_run


def _runs(paths) -> dict:
    runs = {}
    for run_dir in paths:
        run_ = load_run(run_dir)
        name = run_.config.model if run_.config.model not in runs else f"{run_.config.model} ({run_dir.name})"
        runs[name] = run_
    return runs


def run(args) -> None:
    check_writable(args.out, "--out", directory=True)
    conditions = default_conditions(args.levels, args.depolarizing, args.shots, args.noise, args.qbackend,
                                    args.qbackend_shots)
    if len(conditions) == 1:
        raise PPFError("no condition besides the clean one: give noise kinds (--noise), --depolarizing, --shots or "
                       "--qbackend")
    runs = _runs(args.runs)
    if args.qbackend:  # every snapshot named and runnable by every circuit, before the data loads
        from ppf_neuro.quantum.device_target import check_target, device_backend

        for target in args.qbackend:
            device_backend(target)
        for run_ in runs.values():
            if hasattr(run_.model, "qnn"):
                for target in args.qbackend:
                    check_target(run_.config.quantum, target, args.qbackend_shots)
    data = load_dataset(DataConfig(spec=args.data or next(iter(runs.values())).config.data.spec, test_limit=args.samples))
    for name, run_ in runs.items():
        if run_.image_shape != data.image_shape:
            raise PPFError(f"{name}: trained on images {run_.image_shape}, '{data.name}' has {data.image_shape}")
    rows = robustness_table(runs, data.test, conditions, progress=not args.quiet, seed=args.seed)
    write_robustness(rows, list(runs), args.out)
    print(markdown(rows, list(runs)))
    print(f"table, CSV and plot written to {args.out}")
