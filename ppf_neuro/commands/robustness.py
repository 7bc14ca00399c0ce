"""``ppf-neuro robustness``: accuracy of trained runs under input noise and quantum device noise."""

from __future__ import annotations

from ppf_neuro.training.robustness import RobustnessStudy, markdown, run_robustness


def run(args) -> None:
    study = RobustnessStudy(args.samples, tuple(args.noise), tuple(args.levels), tuple(args.depolarizing),
                            tuple(args.shots), tuple(args.qbackend), args.qbackend_shots, args.seed)
    rows = run_robustness(args.runs, args.data, study, args.out, progress=not args.quiet)
    print(markdown(rows, [k for k in rows[0] if k not in ("noise", "level")]))
    print(f"table, CSV and plot written to {args.out}")
