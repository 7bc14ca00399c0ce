"""The ``ppf-neuro`` command line: train, export, deploy.

Errors in the user's input print one line and exit with status 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from ppf_neuro import choices
from ppf_neuro.errors import PPFError, check_input_file, read_json_file


def _override(cfg_dict: dict, assignment: str) -> None:
    """Apply ``section.key=JSON`` (e.g. ``snn.hidden=[256]``) to a config dict."""
    from ppf_neuro.config import set_value

    key, sep, value = assignment.partition("=")
    if not sep:
        raise PPFError(f"--set '{assignment}': expected SECTION.KEY=VALUE, e.g. snn.hidden=[256]")
    try:
        value = json.loads(value)
    except json.JSONDecodeError:
        pass  # a bare string such as idx:/data/mnist
    set_value(cfg_dict, key, value)


def _config_from_args(args):
    from ppf_neuro.config import RunConfig

    cfg = RunConfig.from_file(args.config) if args.config else RunConfig()
    d = cfg.to_dict()
    if args.data:
        d["data"]["spec"] = args.data
    if args.epochs is not None:
        d["train"]["epochs"] = args.epochs
    if args.seed is not None:
        d["train"]["seed"] = args.seed
    if args.model:
        d["model"] = args.model
    for assignment in args.set or []:
        _override(d, assignment)
    return RunConfig.from_dict(d)


def cmd_train(args) -> None:
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.data import load_dataset
    from ppf_neuro.training.run_dir import (
        TRAINING_STATE,
        TrainedRun,
        read_config,
        save_run,
        write_config,
    )
    from ppf_neuro.training.trainer import train_model

    check_writable(args.out, "run directory", directory=True)
    state = args.out / TRAINING_STATE
    if args.resume:
        if not state.is_file():
            raise PPFError(f"--resume: '{args.out}' has no {TRAINING_STATE} (nothing interrupted to resume)")
        cfg = read_config(args.out)
        if args.config or args.data or args.epochs is not None or args.seed is not None or args.model or args.set:
            raise PPFError("--resume continues with the run's own config.json; drop the other options")
    else:
        cfg = _config_from_args(args)
    data = load_dataset(cfg.data)
    print(f"training '{cfg.model}' on {data.name}: {len(data.train)} train / {len(data.val)} validation / "
          f"{len(data.test)} test samples")
    if not args.resume:
        state.unlink(missing_ok=True)
        write_config(args.out, cfg, data.name, data.image_shape, data.num_classes)
    model, metrics = train_model(cfg, data, progress=not args.quiet, state_path=state)
    save_run(args.out, TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, metrics))
    test = metrics["test"]
    branches = "".join(f", {b} branch {100 * test[f'acc_{b}']:.2f} %" for b in ("snn", "qnn") if f"acc_{b}" in test)
    ratio = f", a = {test['ratio']:.3f}" if "ratio" in test else ""
    print(f"selected epoch {metrics['selected_epoch']} ({metrics['selection']}): test accuracy "
          f"{100 * test['acc']:.2f} %, test loss {test['loss']:.4f}{branches}{ratio}; run saved to {args.out}")


def _netx_of(source: Path):
    """The netx network of a run directory's SNN, or of a netx or bundle file."""
    import io

    import h5py

    from deploy.netx_file import load_netx_file, parse_netx_group
    from ppf_neuro.training.run_dir import load_run

    if source.is_file():
        return load_netx_file(source)
    run = load_run(source)
    if not hasattr(run.model, "snn"):
        raise PPFError(f"{source}: a '{run.config.model}' run has no spiking branch to export as NIR")
    with h5py.File(io.BytesIO(), "w") as f:
        run.model.snn.export_hdf5(f.create_group("layer"))
        return parse_netx_group(f["layer"], source)


def cmd_export(args) -> None:
    from exporters.bundle import export_bundle
    from exporters.nir import write_nir
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.training.run_dir import load_run

    check_writable(args.output, "--output")
    if args.format == "nir":
        path = write_nir(_netx_of(args.run_dir), args.output)
    else:
        path = export_bundle(load_run(args.run_dir), args.output)
    print(f"wrote {path}")


def cmd_import_nir(args) -> None:
    import nir

    from deploy.netx_file import load_netx_file
    from exporters.nir import nir_to_netx
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.lava_dl import load_netx_network

    check_writable(args.output, "--output")
    check_input_file(args.graph, "NIR file")
    try:
        graph = nir.read(args.graph, type_check=False)  # shapes are checked by the mapping itself
    except Exception as e:  # nir raises OSError, KeyError, ValueError ... for files that are not NIR graphs
        raise PPFError(f"{args.graph}: not a readable NIR graph: {type(e).__name__}: {e}") from None
    notes = nir_to_netx(graph, args.output, approximate=args.approximate, steps=args.steps)
    load_netx_network(args.output)  # netx builds it: it deploys
    net = load_netx_file(args.output)
    for note in notes:
        print(f"approximated: {note}")
    print(f"wrote {args.output}: {len(net.layers)} layers {[layer.kind for layer in net.layers]}, "
          f"input {net.input_shape}" + (f"; {len(notes)} approximation(s), listed in the file" if notes else
                                         "; mapped exactly"))


def _encoding_overrides(args) -> dict:
    """--encoding, --steps and --set encoding.KEY=VALUE for a plain netx file's spike encoder."""
    from ppf_neuro.config import EncodingConfig

    d = {}
    if args.encoding:
        d["kind"] = args.encoding
    if args.steps is not None:
        d["steps"] = args.steps
    for assignment in args.set or []:
        key, sep, value = assignment.partition("=")
        if not sep or not key.startswith("encoding."):
            raise PPFError(f"--set '{assignment}': deploy takes only encoding.KEY=VALUE")
        wrapper = {"encoding": {}}
        _override(wrapper, assignment)
        d.update(wrapper["encoding"])
    if d:
        from ppf_neuro.config import _from_dict

        _from_dict(EncodingConfig, d, "encoding")  # refuse bad values now, by name
    return d


def _deploy_from_args(args, plot: Path | None) -> dict:
    from deploy.lava_runner import LavaMode
    from deploy.pipeline import deploy
    from deploy.plan import DeployOptions
    from ppf_neuro.atomic import check_writable

    if plot is not None:
        check_writable(plot, "divergence plot")
    options = DeployOptions(samples=args.samples, qdevice=args.qdevice, shots=args.shots, noise=args.noise,
                            lava=LavaMode(replicas=args.replicas, synapse=args.lava_synapse), workers=args.workers,
                            ray_address=args.ray, progress=not args.quiet, divergence_plot=plot)
    return deploy(args.model, args.data, options, spikes=args.spikes, labels=args.labels,
                  encoding_overrides=_encoding_overrides(args))


def cmd_deploy(args) -> None:
    from deploy.report import summary_table
    from ppf_neuro.atomic import check_writable, write_json

    if args.report:
        check_writable(args.report, "--report")
    plot = args.report.with_name(args.report.stem + "_divergence.png") if args.report else None
    report = _deploy_from_args(args, plot)
    if args.report:
        write_json(args.report, report)
    print(summary_table(report))
    if args.report:
        print(f"report written to {args.report}")


def cmd_diff(args) -> int:
    """Exit status 0 when Lava and the reference agree on every neuron of every layer, 1 when they part."""
    from deploy.divergence import describe

    report = _deploy_from_args(args, args.plot)
    d = report.get("divergence")
    if "lava" not in report:
        raise PPFError(f"{args.model}: the model has no spiking branch to compare")
    if d is None:
        agree = report["lava"]["spike_agreement"]
        print(f"Lava and the reference agree: identical per-neuron counts in all {len(agree['layers'])} layers on "
              f"all {report['samples']} samples")
        return 0
    print(describe(d) + (f"; plot written to {d['plot']}" if "plot" in d else ""))
    return 1


def cmd_sweep(args) -> None:
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.training.sweep import load_sweep_file, make_trials, run_sweep

    check_writable(args.out, "--out", directory=True)
    base, grid = load_sweep_file(args.sweep_file)
    trials = make_trials(base, grid)
    print(f"sweep of {len(trials)} runs over {list(grid)} into {args.out} ({args.workers} workers)")
    run_sweep(trials, args.out, args.workers, progress=not args.quiet, ray_address=args.ray)
    print((args.out / "table.md").read_text())
    print(f"results: {args.out / 'results.csv'}, plot: {args.out / 'accuracy.png'}")


def cmd_analyze(args) -> None:
    from ppf_neuro.analysis.plots import (
        accuracy_vs_energy,
        energy_breakdown,
        layer_activity,
        raster,
    )
    from ppf_neuro.analysis.profiles import load_profile
    from ppf_neuro.analysis.summary import (
        energy_rows,
        layer_rows,
        markdown_table,
        summarize,
        write_summaries,
    )
    from ppf_neuro.atomic import check_writable

    check_writable(args.plots, "--plots", directory=True)
    chip, cmos, qpu = (load_profile(p, kind) for p, kind in ((args.profile, "neuromorphic"), (args.cmos, "cmos"),
                                                               (args.qpu, "qpu")))
    reports = [(path, _read_report(path)) for path in args.reports]  # every report is read before any work
    summaries = []
    for path, report in reports:
        summary = summarize(report, str(path), chip, cmos, qpu)
        summaries.append(summary)
        accuracy = "-" if summary["accuracy"] is None else f"{100 * summary['accuracy']:.2f} %"
        print(f"{path}: {summary['model']}, {summary['samples']} samples, accuracy {accuracy}")
        if "activity" in report:
            prefix = f"{path.stem}_" if len(args.reports) > 1 else ""
            layer_activity(summary, args.plots / f"{prefix}layer_spikes.png")
            raster(report, args.plots / f"{prefix}raster.png")
            energy_breakdown(summary, args.plots / f"{prefix}energy.png")
            print(markdown_table(layer_rows(summary)))
            print("energy per inference (nJ), low ... high end:")
            print(markdown_table(energy_rows(summary)))
            print(f"NeuroBench: {json.dumps(summary['neurobench'])}")
        if summary.get("quantum"):
            q = summary["quantum"]
            t = q["qpu_time"]
            print(f"quantum branch per sample: {q['resources_per_sample']['qubits']} qubits, "
                  f"{q['resources_per_sample']['gates']} gates, depth {q['resources_per_sample']['depth']}; "
                  f"QPU time on {t['label']} (estimate): {t['per_inference_ms']:.1f} ms for {t['shots']} shots"
                  + (" (assumed; the deployment was analytic)" if t["shots_assumed"] else ""))
    accuracy_vs_energy(summaries, args.plots / "accuracy_vs_energy.png")
    write_summaries(summaries, args.plots)
    print(f"summary.json, layers.csv, energy.csv and plots written to {args.plots}")


def cmd_robustness(args) -> None:
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.config import DataConfig
    from ppf_neuro.data import load_dataset
    from ppf_neuro.robustness import (
        default_conditions,
        markdown,
        robustness_table,
        write_robustness,
    )
    from ppf_neuro.training.run_dir import load_run

    check_writable(args.out, "--out", directory=True)
    runs = {}
    for run_dir in args.runs:
        run = load_run(run_dir)
        name = run.config.model if run.config.model not in runs else f"{run.config.model} ({run_dir.name})"
        runs[name] = run
    data = load_dataset(DataConfig(spec=args.data or next(iter(runs.values())).config.data.spec, test_limit=args.samples))
    for name, run in runs.items():
        if run.image_shape != data.image_shape:
            raise PPFError(f"{name}: trained on images {run.image_shape}, '{data.name}' has {data.image_shape}")
    conditions = default_conditions(args.levels, args.depolarizing, args.shots, args.noise)
    rows = robustness_table(runs, data.test, conditions, progress=not args.quiet)
    write_robustness(rows, list(runs), args.out)
    print(markdown(rows, list(runs)))
    print(f"table, CSV and plot written to {args.out}")


def _read_report(path: Path) -> dict:
    return read_json_file(path, "report")


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


def build_parser() -> argparse.ArgumentParser:
    common = _common_flags()
    p = _Parser(prog="ppf-neuro", description=__doc__.splitlines()[0], parents=[common])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add = sub.add_parser

    def add_parser(name, **kw):
        return _add(name, parents=[common], **kw)

    sub.add_parser = add_parser

    t = sub.add_parser("train", help="train a model and write a run directory")
    t.add_argument("--config", type=Path, help="JSON config file (defaults otherwise)")
    t.add_argument("--model", choices=choices.MODELS, help="architecture (default: config's, ppf)")
    t.add_argument("--data", help="dataset spec: digits or idx:PATH")
    t.add_argument("--epochs", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="override one config value (JSON), e.g. snn.hidden=[256]; repeatable")
    t.add_argument("-o", "--out", type=Path, default=Path("runs/latest"), help="run directory")
    t.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out from its last finished epoch")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("export", help="write a run as one HDF5 bundle (netx SNN, quantum branch, fusion), "
                                      "or its SNN (or a netx file's) as a NIR graph")
    e.add_argument("run_dir", type=Path, help="a run directory (or, with --format nir, also a netx or bundle file)")
    e.add_argument("-o", "--output", type=Path, required=True)
    e.add_argument("--format", choices=["bundle", "nir"], default="bundle")
    e.set_defaults(func=cmd_export)

    n = sub.add_parser("import-nir", help="turn a NIR graph (CubaLIF/LIF/IF chains) into a netx HDF5 that deploys "
                                          "on Lava")
    n.add_argument("graph", type=Path, help="a .nir file (NIR's HDF5)")
    n.add_argument("-o", "--output", type=Path, required=True)
    n.add_argument("--steps", type=int, help="time steps per sample, stored as the file's /simulation/tSample")
    n.add_argument("--approximate", action="store_true",
                   help="approximate what has no exact netx equivalent (listed in the file) instead of refusing")
    n.set_defaults(func=cmd_import_nir)

    d = sub.add_parser("deploy", help="run a bundle or any netx HDF5 network (SNN on Lava, VQC on PennyLane, "
                                      "host fuser) and compare every output with a reference")
    f = sub.add_parser("diff", help="where Lava and the reference part ways: first sample, layer, neuron, step "
                                    "(exit 1), or that they agree (exit 0)")
    d.add_argument("model", type=Path, help="a ppf-neuro bundle, or a netx HDF5 file (lava-dl export_hdf5)")
    d.add_argument("--data", help="dataset spec, its test split is used: digits or idx:PATH")
    d.add_argument("--spikes", type=Path, help="recorded input spikes instead of --data: .npy, int, (N, inputs, T) "
                                               "or (N, C, H, W, T)")
    d.add_argument("--labels", type=Path, help="labels (N,) .npy for --spikes (optional)")
    d.add_argument("--encoding", choices=choices.ENCODINGS, help="spike encoder for a netx file's --data "
                                                                 "(a bundle uses its own)")
    d.add_argument("--steps", type=int, help="time steps per sample for a netx file's --data")
    d.add_argument("--set", action="append", metavar="encoding.KEY=VALUE",
                   help="encoder setting for a netx file, e.g. encoding.blank=1; repeatable")
    d.add_argument("--samples", type=int, help="first N test samples (default: all)")
    d.add_argument("--report", type=Path, help="write the JSON report here")
    d.add_argument("--qdevice", help="PennyLane device for the quantum branch (default: the training device); "
                                     f"'{choices.FAST_DEVICE}' runs ppf-neuro's own simulator instead")
    d.add_argument("--shots", type=int, help="finite shots (default: analytic expectation values)")
    d.add_argument("--noise", type=float, default=0.0,
                   help="depolarising probability after every gate (needs a mixed-state device, e.g. default.mixed)")
    d.add_argument("--replicas", type=int, help="copies of the SNN side by side in one Lava run (default: chosen "
                                                "from the network's size; 1 = netx's own Network, the reference mode)")
    d.add_argument("--lava-synapse", choices=choices.LAVA_SYNAPSES, default="batched",
                   help="synapses of a replicated run: batched (ppf-neuro, tested identical to Lava's) or sparse "
                        "(Lava's own Sparse, block-diagonal)")
    d.add_argument("--workers", type=int, default=1, help="shard the samples over N Lava runs in parallel processes")
    d.add_argument("--ray", metavar="ADDRESS", help="run the shards as Ray tasks: auto, HOST:PORT, or local")
    d.set_defaults(func=cmd_deploy)
    for action in d._actions:  # diff takes deploy's inputs and Lava options
        if action.dest not in ("help", "report", "debug", "quiet"):
            f._add_action(action)
    f.add_argument("--plot", type=Path, default=Path("divergence.png"), help="where to plot the neuron's traces")
    f.set_defaults(func=cmd_diff)
    a = sub.add_parser("analyze", help="spikes, synaptic ops, energy and quantum resources from deploy reports")
    a.add_argument("reports", type=Path, nargs="+", help="report JSON files written by deploy --report")
    a.add_argument("--plots", type=Path, default=Path("out/analysis"), help="directory for summary and PNGs")
    a.add_argument("--profile", default="loihi", help="neuromorphic energy profile: a shipped name "
                                                      "(ppf_neuro/analysis/profiles/) or a JSON file")
    a.add_argument("--cmos", default="cmos45", help="conventional-chip profile for the dense baselines (name or file)")
    a.add_argument("--qpu", default="sycamore", help="quantum hardware profile for the QPU-time estimate (name or file)")
    a.set_defaults(func=cmd_analyze)

    r = sub.add_parser("robustness", help="accuracy of trained runs under input noise and quantum device noise")
    r.add_argument("runs", type=Path, nargs="+", help="run directories (e.g. one per model)")
    r.add_argument("--data", help="dataset spec (default: the first run's)")
    r.add_argument("--samples", type=int, default=500, help="test samples per condition (default 500)")
    r.add_argument("--noise", nargs="+", default=list(choices.NOISE_KINDS), choices=choices.NOISE_KINDS)
    r.add_argument("--levels", nargs="+", type=float, default=[0.01, 0.05, 0.1, 0.3, 0.5, 0.9])
    r.add_argument("--depolarizing", nargs="*", type=float, default=[0.01, 0.05],
                   help="depolarising probabilities for the quantum branch (default.mixed)")
    r.add_argument("--shots", nargs="*", type=int, default=[100, 1000], help="finite shot counts for the quantum branch")
    r.add_argument("-o", "--out", type=Path, default=Path("out/robustness"))
    r.set_defaults(func=cmd_robustness)

    w = sub.add_parser("sweep", help="train a grid of configurations (resumable) and tabulate them")
    w.add_argument("sweep_file", type=Path, help='JSON: {"base": {...partial config...}, "grid": {"KEY": [values]}}')
    w.add_argument("-o", "--out", type=Path, default=Path("out/sweep"))
    w.add_argument("--workers", type=int, default=2, help="parallel training processes (default 2)")
    w.add_argument("--ray", metavar="ADDRESS", help="run trials as Ray tasks: auto, HOST:PORT, or local")
    w.set_defaults(func=cmd_sweep)
    return p


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2, already printed as one line)
        return int(e.code or 0)
    args.debug = getattr(args, "debug", False)
    args.quiet = getattr(args, "quiet", False)
    # SIGTERM unwinds like Ctrl-C, so every ``finally`` runs: Lava runs are stopped, temp files removed.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = args.func(args) or 0
    except PPFError as e:
        if args.debug:
            raise
        print("ppf-neuro: error: " + " ".join(str(e).split()), file=sys.stderr)  # always one line
        return 2
    except KeyboardInterrupt:
        print("ppf-neuro: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return code


if __name__ == "__main__":
    sys.exit(main())
