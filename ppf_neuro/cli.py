"""The ``ppf-neuro`` command line: train, export, deploy.

Errors in the user's input print one line and exit with status 2; ``--debug``
shows the traceback instead. This module only parses: one parser function per
subcommand, shared options through argparse ``parents``; what a command does is
in ``ppf_neuro.commands``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from pathlib import Path

from ppf_neuro import choices
from ppf_neuro.analysis.profiles import shipped as shipped_profiles
from ppf_neuro.atomic import output_locks, reading
from ppf_neuro.errors import EXPECTATION_UNMET, PPFError, on_command_line, one_line_warnings
from ppf_neuro.processes.interrupts import interruptible
from ppf_neuro.formats.nir_time import CONVENTIONS, DEFAULT_DT


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows every default that is a value (not None, not a switch's False) and every numeric
    option's range."""

    def _get_help_string(self, action):
        text = action.help
        if action.default not in (None, False) and "default" not in (action.help or ""):
            text = super()._get_help_string(action)
        if isinstance(action.type, choices.Range):  # the allowed values, from the one table of them
            text += f" [{action.type.describe()}{'; ' + action.type.note if action.type.note else ''}]"
        return text


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line with the hint where to look, exit status 2 (like every input error)."""

    def error(self, message: str):
        self.exit(2, f"ppf-neuro: error: {message}; see '{self.prog} --help'\n")


def _common_flags() -> argparse.ArgumentParser:
    """--debug and --quiet, accepted before or after the subcommand (SUPPRESS keeps either from
    overwriting the other)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks for input errors")
    common.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    return common


def _chw(text: str) -> tuple[int, int, int]:
    """``C,H,W`` as three positive sizes."""
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"expected C,H,W (three positive sizes), got '{text}'")
    return tuple(int(p) for p in parts)


def _key_value(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` with VALUE as JSON where it parses (numbers, true, null), else the text itself."""
    import json

    key, sep, value = text.partition("=")
    if not sep or not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got '{text}'")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def _deployment_flags() -> argparse.ArgumentParser:
    """What ``deploy`` and ``diff`` share: the model, its inputs and how the SNN runs on Lava."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("model", type=Path, help="a ppf-neuro bundle, or a netx HDF5 file (lava-dl export_hdf5)")
    inputs = p.add_argument_group("inputs")
    inputs.add_argument("--data", help="dataset spec, its test split is used: digits or idx:PATH (default: a "
                                       "bundle's training dataset)")
    inputs.add_argument("--inputs", "--spikes", dest="inputs", type=Path, metavar="FILE.npy",
                        help="recorded inputs instead of --data: .npy, (N, inputs[, T]) or (N, C, H, W[, T]); "
                             "without T each sample is held for --steps (or the file's tSample) steps")
    inputs.add_argument("--input-as", choices=choices.InputMode.values(), default=choices.InputMode.SPIKES,
                        help="how --inputs enter the first layer: 0/1 spikes; graded integers into the input "
                             "neurons (64 = 1.0); or each sample's values as the input neurons' bias, as lava-dl's "
                             "tests do")
    inputs.add_argument("--labels", type=Path, help="labels .npy for --inputs: (N,) classes, or floats (N[, outputs]) "
                                                    "for a regression readout")
    inputs.add_argument("--layout", choices=choices.InputLayout.values(), default=choices.InputLayout.CHW,
                        help="order of 5-D --inputs (N, ., ., ., T): C, H, W or W, H, C (lava-dl's own arrays)")
    inputs.add_argument("--encoding", choices=choices.SpikeEncoder.values(), help="spike encoder for a netx file's --data "
                                                                      "(a bundle uses its own)")
    inputs.add_argument("--steps", type=choices.RANGES["steps"], help="time steps per sample for a netx file's --data, or for which "
                                                  "--inputs without a time axis are held")
    inputs.add_argument("--set", action="append", metavar="encoding.KEY=VALUE",
                        help="encoder setting for a netx file, e.g. encoding.blank=1; repeatable")
    inputs.add_argument("--samples", type=choices.RANGES["samples"], help="first N test samples (default: all)")
    inputs.add_argument("--input-shape", type=_chw, metavar="C,H,W",
                        help="input shape of a netx file that starts with a convolution and states none (lava-dl "
                             "writes none for a conv-first net); 4-D and 5-D --inputs give it themselves")
    lava = p.add_argument_group("the spiking branch on Lava")
    lava.add_argument("--readout", choices=choices.LavaReadout.values(), default=choices.LavaReadout.COUNTS,
                      help="what is read of the output layer: spike counts; its voltage at every step (regression "
                           "nets); an SDNN output's graded payloads at every step")
    lava.add_argument("--record", choices=choices.RecordTime.values(), default=choices.RecordTime.WINDOWS,
                      help="time axis of what --save-spikes (and a readout) keeps: each sample's window per layer, "
                           "or every Lava step of the run from the first, unaligned, as netx's RingBuffer/Monitor "
                           "record it (one netx Network: --replicas 1, --workers 1)")
    lava.add_argument("--replicas", type=choices.RANGES["replicas"], help="copies of the SNN side by side in one Lava run (default: chosen "
                                                   "from the network's size; 1 = netx's own Network, the reference "
                                                   "mode)")
    lava.add_argument("--timing", choices=choices.Timing.values(), default=choices.Timing.ALIGNED,
                      help="which steps of each window count: every step (aligned: SLAYER with delay_shift=False, "
                           "ppf-neuro's bundles), or what SLAYER's blocks output with delay_shift=True, lava-dl's "
                           "own setting unless changed (layer i: the first T-1-i steps)")
    lava.add_argument("--lava-synapse", choices=choices.ReplicaSynapse.values(), default=choices.ReplicaSynapse.BATCHED,
                      help="synapses of a replicated run: batched (ppf-neuro, tested identical to Lava's) or sparse "
                           "(Lava's own Sparse, block-diagonal)")
    return p


def _deploy(p: argparse.ArgumentParser) -> None:
    quantum = p.add_argument_group("the quantum branch on PennyLane")
    quantum.add_argument("--qdevice", help="PennyLane device (default: the training device); "
                                           f"'{choices.FAST_DEVICE}' runs ppf-neuro's own simulator instead")
    quantum.add_argument("--qbackend", metavar="NAME",
                         help="a real device's calibration snapshot from qiskit-ibm-runtime's fake provider "
                              "(fake_brisbane, fake_torino, ...): the circuit is compiled once for its gates and "
                              "couplers and runs with its noise on PennyLane's qiskit.aer (needs --shots; pip "
                              "install 'ppf-neuro[device]')")
    quantum.add_argument("--qdevice-option", action="append", type=_key_value, metavar="KEY=VALUE",
                         help="a keyword argument of the PennyLane device (VALUE read as JSON where it parses, "
                              "else text), e.g. method=density_matrix for --qbackend; repeatable")
    quantum.add_argument("--shots", type=choices.RANGES["shots"], help="finite shots (default: analytic expectation values)")
    quantum.add_argument("--seed", type=choices.RANGES["seed"], help="seeds the quantum device's sampling (shots, sampled noise): a rerun "
                                                  "gives the same outputs (default: unseeded)")
    quantum.add_argument("--noise", type=choices.RANGES["noise"], default=0.0,
                         help="depolarising probability after every gate (needs a mixed-state device, e.g. "
                              "default.mixed)")
    quantum.add_argument("--noise-model", type=Path, metavar="FILE.json",
                         help="a PennyLane noise model as rules (channel and probability after named gates on named "
                              "wires; format: ppf_neuro/quantum/noise_model.py, example: examples/noise_model.json), on "
                              "a mixed-state device")
    trained = p.add_argument_group("the trained model")
    trained.add_argument("--expect", type=Path, metavar="FILE.npy",
                         help="the trained model's own outputs on the same inputs, in order: output spike counts (N, "
                              "outputs), output spikes (N, outputs, T) or float scores (N, outputs); the report's "
                              "'expected' section compares the deployment with them")
    trained.add_argument("--expect-min", type=choices.RANGES["expect_min"], metavar="FRACTION",
                         help=f"exit with status {EXPECTATION_UNMET} when the deployment's argmax agrees with "
                              "--expect on less than this fraction of samples (0 to 1)")
    out = p.add_argument_group("outputs and scale-out")
    out.add_argument("--report", type=Path, help="write the JSON report here (fields: docs/report.md)")
    out.add_argument("--save-spikes", type=Path, metavar="OUT.npz",
                     help="write every step of every layer of every sample (and read-out voltages) to this .npz")
    out.add_argument("--workers", type=choices.RANGES["workers"], default=1, help="shard the samples over N Lava runs in parallel "
                                                            "processes")
    out.add_argument("--ray", metavar="ADDRESS", help="run the shards as Ray tasks: auto, HOST:PORT, or local")


def _diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plot", type=Path, default=Path("divergence.png"), help="where to plot the neuron's traces")
    # diff compares the spiking branch in one local run: the quantum and output options do not apply
    p.set_defaults(qdevice=None, qbackend=None, qdevice_option=None, shots=None, noise=0.0, noise_model=None, seed=None,
                   report=None, save_spikes=None, workers=1, ray=None,
                   expect=None, expect_min=None)


def _train(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="JSON config file (defaults otherwise)")
    p.add_argument("--model", choices=choices.MODELS, help="architecture (default: the config's model, ppf)")
    p.add_argument("--data", help="dataset spec: digits or idx:PATH")
    p.add_argument("--epochs", type=choices.RANGES["epochs"], help="training epochs (default: the config's train.epochs)")
    p.add_argument("--seed", type=choices.RANGES["seed"], help="random seed of initialisation, batches and encoders (default: the "
                                            "config's train.seed)")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="override one config value (JSON), e.g. snn.hidden=[256]; repeatable")
    p.add_argument("-o", "--out", type=Path, default=Path("runs/latest"), help="run directory")
    p.add_argument("--force", action="store_true", help="replace a finished run in --out (refused otherwise)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out from its last "
                                                         "finished epoch")


def _export(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", type=Path, help="a run directory (or, with --format nir, also a netx or bundle file)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the file to write (.h5 bundle, or .nir)")
    p.add_argument("--format", choices=choices.ExportFormat.values(), default=choices.ExportFormat.BUNDLE,
                   help="bundle: netx SNN + quantum branch + fusion, what deploy runs; nir: the SNN as a NIR graph")
    p.add_argument("--dt", type=choices.RANGES["dt"], default=DEFAULT_DT,
                   help="NIR only: seconds per time step, the unit of the graph's time constants (snnTorch reads "
                        "0.0001; written into the graph's metadata)")


def _import_nir(p: argparse.ArgumentParser) -> None:
    p.add_argument("graph", type=Path, help="a .nir file (NIR's HDF5)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the netx HDF5 file to write")
    p.add_argument("--steps", type=choices.RANGES["steps"], help="time steps per sample, stored as the file's /simulation/tSample")
    p.add_argument("--approximate", action="store_true",
                   help="approximate what has no exact netx equivalent (listed in the file) instead of refusing")
    p.add_argument("--dt", type=choices.RANGES["dt"], help=f"seconds per time step where the graph's metadata has no dt "
                                            f"(default {DEFAULT_DT:g}, snnTorch's; "
                                            f"{CONVENTIONS['norse'].default_dt:g} with --convention norse)")
    p.add_argument("--convention", choices=choices.NirConvention.values(), default=choices.NirConvention.NIR,
                   help="how the graph's time constants are meant: as NIR defines them (ppf-neuro, snnTorch, "
                        "NIR's API), or as Norse 1.1's to_nir writes them (dt x tau)")


def _analyze(p: argparse.ArgumentParser) -> None:
    p.add_argument("reports", type=Path, nargs="+", help="report JSON files written by deploy --report")
    p.add_argument("--plots", type=Path, default=Path("out/analysis"), help="directory for summary and PNGs")
    p.add_argument("--profile", default="loihi", help="neuromorphic energy profile: a shipped name "
                                                      f"({', '.join(shipped_profiles())}) or a JSON file")
    p.add_argument("--cmos", default="cmos45", help="conventional-chip profile for the dense baselines (a shipped "
                                                    "name or a JSON file)")
    p.add_argument("--raster-samples", nargs="+", type=choices.RANGES["raster_samples"], default=[0], metavar="K",
                   help="deployed samples whose spikes the raster plot shows, one row each (from deploy --save-spikes)")
    p.add_argument("--qpu", default="sycamore", help="quantum hardware profile for the QPU-time estimate (a shipped "
                                                     "name or a JSON file)")


def _robustness(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+", help="run directories (e.g. one per model)")
    p.add_argument("--data", help="dataset spec (default: the first run's)")
    p.add_argument("--samples", type=choices.RANGES["samples"], default=500, help="test samples per condition")
    p.add_argument("--noise", nargs="*", default=list(choices.InputNoise.values()), choices=choices.InputNoise.values(),
                   help="input-noise kinds (none: device noise only)")
    p.add_argument("--levels", nargs="+", type=choices.RANGES["levels"], default=[0.01, 0.05, 0.1, 0.3, 0.5, 0.9],
                   help="input-noise intensities (Gaussian variance, uniform range, salt-and-pepper fraction)")
    p.add_argument("--depolarizing", nargs="*", type=choices.RANGES["depolarizing"], default=[],
                   help="depolarising probabilities for the quantum branch on default.mixed, e.g. 0.01 0.05 (none "
                        "by default: seconds per sample and level for 10 qubits, docs/measurements.md; keep --samples small)")
    p.add_argument("--shots", nargs="*", type=choices.RANGES["shots"], default=[100, 1000], help="finite shot counts for the quantum branch")
    p.add_argument("--qbackend", nargs="*", default=[], metavar="NAME",
                   help="device calibrations as conditions: the circuit compiled for each snapshot and run with its "
                        "noise (as deploy --qbackend; under a second per sample and snapshot for 10 qubits on an idle 2-core "
                        "machine, docs/measurements.md)")
    p.add_argument("--qbackend-shots", type=choices.RANGES["qbackend_shots"], default=1000, help="shots on each --qbackend")
    p.add_argument("--seed", type=choices.RANGES["seed"], default=0, help="seeds the input noise and the quantum device's sampling: a "
                                                      "rerun gives the same table")
    p.add_argument("-o", "--out", type=Path, default=Path("out/robustness"),
                   help="directory for robustness.csv/.json/.md and robustness.png")


def _sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep_file", type=Path, help='JSON: {"base": {...partial config...}, "grid": {"KEY": [values]}}')
    p.add_argument("-o", "--out", type=Path, default=Path("out/sweep"),
                   help="directory for runs/, results.csv, table.md and accuracy.png")
    p.add_argument("--workers", type=choices.RANGES["workers"], default=2, help="parallel training processes")
    p.add_argument("--ray", metavar="ADDRESS", help="run trials as Ray tasks: auto, HOST:PORT, or local")


#: name -> (help, options, shares deploy's options, "module:function" in ppf_neuro.commands that runs it)
SUBCOMMANDS = {
    "train": ("train a model and write a run directory", _train, False, "train:run"),
    "export": ("write a run as one HDF5 bundle (netx SNN, quantum branch, fusion), or its SNN (or a netx "
               "file's) as a NIR graph", _export, False, "export:run_export"),
    "import-nir": ("turn a NIR graph (CubaLIF/LIF/IF chains) into a netx HDF5 that deploys on Lava", _import_nir,
                   False, "export:run_import_nir"),
    "deploy": ("run a bundle or any netx HDF5 network (SNN on Lava, VQC on PennyLane, host fuser) and compare "
               "every output with a reference; exit status 3 when they disagree", _deploy, True,
               "deploy:run_deploy"),
    "diff": ("where Lava and the reference part ways: first sample, layer, neuron, step (exit 1), or that they "
             "agree (exit 0)", _diff, True, "deploy:run_diff"),
    "analyze": ("spikes, synaptic ops, energy and quantum resources from deploy reports", _analyze, False,
                "analyze:run"),
    "robustness": ("accuracy of trained runs under input noise and quantum device noise", _robustness, False,
                   "robustness:run"),
    "sweep": ("train a grid of configurations (resumable) and tabulate them", _sweep, False, "sweep:run"),
}


def build_parser() -> argparse.ArgumentParser:
    common, deployment = _common_flags(), _deployment_flags()
    p = _Parser(prog="ppf-neuro", description=__doc__.splitlines()[0], parents=[common],
                epilog="'ppf-neuro COMMAND --help' lists a command's options; docs/usage.md has the guide")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (help_text, add_options, deploys, target) in SUBCOMMANDS.items():
        parser = sub.add_parser(name, help=help_text, description=help_text, formatter_class=_HelpFormatter,
                                parents=[common, deployment] if deploys else [common])
        add_options(parser)
        parser.set_defaults(target=target)
    return p


def _command(target: str):
    module, function = target.split(":")
    return getattr(importlib.import_module(f"ppf_neuro.commands.{module}"), function)


#: The options that name what a command writes: each is locked while the command runs.
OUTPUT_ARGS = ("out", "output", "report", "plots", "plot", "save_spikes")


def _outputs(args) -> list:
    """The paths the command writes; two options naming one file are refused (one would overwrite
    the other)."""
    named = {a: getattr(args, a) for a in OUTPUT_ARGS if getattr(args, a, None) is not None}
    seen: dict = {}
    for option, path in named.items():
        key = os.path.abspath(path)
        if key in seen:
            flag = lambda name: "--" + name.replace("_", "-")  # noqa: E731
            raise PPFError(f"{flag(seen[key])} and {flag(option)} name the same file '{path}'")
        seen[key] = option
    return list(named.values())


#: The options that name what a command reads (files, or run directories it reads from).
INPUT_ARGS = ("model", "inputs", "labels", "expect", "run_dir", "graph", "reports", "runs", "sweep_file", "config")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)  # hard links and symlinks too
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _inputs(args) -> list[tuple[str, str]]:
    """(option, path) of everything the command reads: the files and run directories its options name,
    and every file of an ``idx:DIR`` dataset it reads (``--data``)."""
    inputs = []
    for name in INPUT_ARGS:
        value = getattr(args, name, None)
        inputs += [(name, v) for v in (value if isinstance(value, list) else [value]) if v is not None]
    data = getattr(args, "data", None)
    if isinstance(data, str) and data.startswith("idx:") and os.path.isdir(data[4:]):
        inputs += [("data", os.path.join(data[4:], f)) for f in sorted(os.listdir(data[4:]))
                   if os.path.isfile(os.path.join(data[4:], f))]
    return inputs


def _check_inputs_spared(args, outputs: list) -> list[tuple[str, str]]:
    """No output may be one of the command's inputs, or lie inside an input run directory: writing it
    would destroy what the command reads, or corrupt the run for later commands. Returns the inputs
    (every write of the command is also checked against them: ``ppf_neuro.atomic.reading``)."""
    inputs = _inputs(args)
    for output in outputs:
        for name, path in inputs:
            if _same_file(output, path):
                raise PPFError(f"the output '{output}' is also an input ({name.replace('_', ' ')}): give another "
                               "output path")
            in_run = os.path.isfile(os.path.join(path, "config.json"))  # a run directory the command reads
            if in_run and os.path.realpath(output).startswith(os.path.realpath(path) + os.sep):
                raise PPFError(f"the output '{output}' is inside the run directory '{path}' that it reads "
                               f"({name.replace('_', ' ')}): write it elsewhere")
    return inputs


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2, already printed as one line)
        return int(e.code or 0)
    args.debug = getattr(args, "debug", False)
    args.quiet = getattr(args, "quiet", False)
    try:
        with interruptible(), on_command_line(), one_line_warnings():
            outputs = _outputs(args)
            inputs = _check_inputs_spared(args, outputs)
            with output_locks(outputs), reading(path for _, path in inputs if os.path.isfile(path)):
                code = _command(args.target)(args) or 0
    except PPFError as e:
        if args.debug:
            raise
        print("ppf-neuro: error: " + " ".join(str(e).split()), file=sys.stderr)  # always one line
        return 2
    except KeyboardInterrupt:
        print("ppf-neuro: interrupted", file=sys.stderr)
        return 130
    return code


def run() -> None:
    """The console entry point: ``main``, then a normal exit (atexit handlers, Ray's included, run).

    The interpreter's teardown used to take ~1.3 s after a deployment: not atexit handlers (they
    take milliseconds) but the garbage collector's last passes over every object torch, lava-dl
    and PennyLane created at import. ``gc.freeze()`` moves those objects out of the collector's
    generations, so the exit skips them; every output is written, synced and closed by then."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
