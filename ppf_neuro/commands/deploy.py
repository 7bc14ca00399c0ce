"""``ppf-neuro deploy`` (every output against its reference, a report) and ``ppf-neuro diff``
(where Lava and the reference part ways)."""

from __future__ import annotations

import sys
from pathlib import Path

from ppf_neuro.api import deploy_request
from ppf_neuro.formats.report import write_report
from ppf_neuro.deployment.diagnosis.divergence import describe
from ppf_neuro.deployment.pipeline import deploy, diff
from ppf_neuro.deployment.report.build import summary_table
from ppf_neuro.atomic import check_writable
from ppf_neuro.commands.assignments import encoding_overrides
from ppf_neuro.errors import DISAGREES, EXPECTATION_UNMET, PPFError
from ppf_neuro.kinds import KINDS
from ppf_neuro.phases import PhaseClock, format_rate, process_age


def _request(args, plot: Path | None):
    """The command line's deployment: the API's request of the same options (``ppf_neuro.api``)."""
    return deploy_request(args.model, args.data, inputs=args.inputs, labels=args.labels, layout=args.layout,
                          input_as=args.input_as, input_shape=args.input_shape,
                          encoder=encoding_overrides(args.encoding, args.steps, args.set or []), samples=args.samples, readout=args.readout,
                          record=args.record, replicas=args.replicas, timing=args.timing,
                          lava_synapse=args.lava_synapse, qdevice=args.qdevice, qbackend=args.qbackend,
                          qdevice_options=dict(args.qdevice_option or []), shots=args.shots, seed=args.seed,
                          noise=args.noise, noise_model=args.noise_model, expect=args.expect, save_spikes=args.save_spikes, workers=args.workers,
                          ray=args.ray, divergence_plot=plot, progress=not args.quiet)


def _whole_command(report, clock: PhaseClock) -> str:
    """The command's own time (start-up and imports included) beside the Lava stage's rate."""
    age = process_age()
    line = f"whole command: {age:.2f} s" if age is not None else f"deployment and writing: {clock.total:.2f} s"
    line += f" ({format_rate(report.samples / (age or clock.total))})"
    if age is not None:
        line += f", of which start-up and imports {age - clock.total:.2f} s"
    if report.lava is not None:
        line += f"; the Lava run alone: {format_rate(report.lava.timing['samples_per_second'])}"
    return line


def disagreement(report) -> str | None:
    """What of the deployment differs from its reference beyond tolerance, in words, or None. With
    shots or device noise the circuit's outputs differ by design, so only outputs that do not
    depend on the circuit count then."""
    if report.divergence:
        return "Lava's spike counts differ from the reference's (see DIVERGENCE above)"
    if report.readout is not None and report.readout["max_abs_state_diff"]:
        return f"Lava's {report.readout['kind']} readout differs from the reference's at some step"
    exact = report.exact_circuit
    no_circuit = {"snn"} | ({"output"} if not KINDS[report.model].has_circuit else set())
    parted = [k for k, o in report.outputs.items() if not o.allclose and (exact or k in no_circuit)]
    return f"outputs {parted} differ from the reference beyond tolerance" if parted else None


def run_deploy(args) -> int:
    if args.expect_min is not None and args.expect is None:
        raise PPFError("--expect-min is judged against --expect: give both")
    if args.report:
        check_writable(args.report, "--report")
    plot = args.report.with_name(args.report.stem + "_divergence.png") if args.report else None
    clock = PhaseClock(announce=not args.quiet)
    report = deploy(_request(args, plot), clock)
    if args.report:
        with clock.phase("write"):
            write_report(report, args.report)
    print(summary_table(report))
    if args.report:
        print(f"report written to {args.report} ({clock.seconds['write']:.2f} s)")
    print(_whole_command(report, clock))
    problem = disagreement(report)
    if problem:
        print(f"ppf-neuro: the deployment does not reproduce its reference: {problem} (exit status {DISAGREES})",
              file=sys.stderr)
        return DISAGREES
    agreement = None if report.expected is None else report.expected["argmax_agreement"]
    if args.expect_min is not None and agreement < args.expect_min:
        print(f"ppf-neuro: the deployment's argmax agrees with --expect on {100 * agreement:.2f} % of samples, below "
              f"--expect-min {args.expect_min} (exit status {EXPECTATION_UNMET})", file=sys.stderr)
        return EXPECTATION_UNMET
    return 0


def run_diff(args) -> int:
    """Exit status 0 when Lava and the reference agree on every neuron of every layer, 1 when they part. Only
    the spiking branch runs (no circuit, no decision)."""
    d, samples, layers = diff(_request(args, args.plot))
    if d is None:
        print(f"Lava and the reference agree: identical per-neuron counts in all {layers} layers on "
              f"all {samples} samples (no plot written: there is no divergence to show)")
        return 0
    print(describe(d) + (f"; plot written to {d['plot']}" if "plot" in d else ""))
    return 1
