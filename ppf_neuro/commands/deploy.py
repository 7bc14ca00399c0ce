"""``ppf-neuro deploy`` (every output against its reference, a report) and ``ppf-neuro diff``
(where Lava and the reference part ways)."""

from __future__ import annotations

from pathlib import Path

from deploy.divergence import describe
from deploy.lava import LavaMode
from deploy.pipeline import deploy
from deploy.plan import DeployOptions
from deploy.report import summary_table
from ppf_neuro.atomic import check_writable, write_json
from ppf_neuro.config import encoding_overrides
from ppf_neuro.errors import PPFError


def _deploy(args, plot: Path | None):
    if plot is not None:
        check_writable(plot, "divergence plot")
    options = DeployOptions(samples=args.samples, qdevice=args.qdevice, shots=args.shots, noise=args.noise,
                            lava=LavaMode(replicas=args.replicas, synapse=args.lava_synapse), workers=args.workers,
                            ray_address=args.ray, progress=not args.quiet, divergence_plot=plot)
    return deploy(args.model, args.data, options, spikes=args.spikes, labels=args.labels,
                  encoding_overrides=encoding_overrides(args.encoding, args.steps, args.set or []))


def run_deploy(args) -> None:
    if args.report:
        check_writable(args.report, "--report")
    plot = args.report.with_name(args.report.stem + "_divergence.png") if args.report else None
    report = _deploy(args, plot)
    if args.report:
        write_json(args.report, report.to_dict())
    print(summary_table(report))
    if args.report:
        print(f"report written to {args.report}")


def run_diff(args) -> int:
    """Exit status 0 when Lava and the reference agree on every neuron of every layer, 1 when they part."""
    report = _deploy(args, args.plot)
    d = report.divergence
    if report.lava is None:
        raise PPFError(f"{args.model}: the model has no spiking branch to compare")
    if d is None:
        agree = report.lava.spike_agreement
        print(f"Lava and the reference agree: identical per-neuron counts in all {len(agree['layers'])} layers on "
              f"all {report.samples} samples")
        return 0
    print(describe(d) + (f"; plot written to {d['plot']}" if "plot" in d else ""))
    return 1
