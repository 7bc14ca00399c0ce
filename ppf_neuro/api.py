"""The Python API: objects in, objects out, one import.

A whole round trip, small enough to run as a doctest (``tests/test_api.py`` runs it)::

    >>> import tempfile, pathlib
    >>> import ppf_neuro as ppf
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> run = ppf.train({"model": "ppf", "data": {"spec": "digits", "train_limit": 300, "test_limit": 40},
    ...                  "snn": {"hidden": [16]}, "quantum": {"qubits": 3, "layers": 1},
    ...                  "train": {"epochs": 2}}, progress=False)   # or a RunConfig, or a JSON file
    >>> type(run.model).__name__, run.config.model                  # a torch nn.Module, both branches
    ('PPFClassifier', 'ppf')
    >>> bundle = ppf.export(run, out / "model.h5")                  # netx SNN + circuit + fusion, one file
    >>> report = ppf.deploy(bundle, "digits", samples=20, progress=False)  # or (images, labels), a DataLoader
    >>> report.samples, report.outputs["output"].agreement          # Lava + PennyLane, checked
    (20, 1.0)
    >>> sorted(report.to_dict())[:3]                                # what deploy --report writes
    ['activity', 'compared', 'config']

The command line calls the same functions (``ppf_neuro.commands``); nothing here parses flags.
Heavy packages (torch, Lava, PennyLane) load on the first call, not on ``import ppf_neuro``.
"""

from __future__ import annotations

from pathlib import Path



def _config(config):
    from ppf_neuro.config import RunConfig

    if config is None:
        return RunConfig()
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, dict):
        return RunConfig.from_dict(config)
    return RunConfig.from_file(config)


def train(config=None, data=None, *, progress: bool = True):
    """Train the model a config describes (a ``RunConfig``, a dict or a JSON file; defaults when None)
    on ``data`` (a ``ppf_neuro.data.Dataset``; by default the one the config names). Returns a
    ``TrainedRun``: its config, the trained ``model`` at the epoch selected on validation, and its
    ``metrics`` (every epoch, and the test split scored once)."""
    from ppf_neuro.data import load_dataset
    from ppf_neuro.training.run_dir import TrainedRun
    from ppf_neuro.training.trainer import train_model

    cfg = _config(config)
    data = load_dataset(cfg.data) if data is None else data
    model, metrics = train_model(cfg, data, progress)
    return TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, metrics)


def load(run_dir: str | Path):
    """A run directory written by ``ppf-neuro train`` (or :func:`save`) as a ``TrainedRun``."""
    from ppf_neuro.training.run_dir import load_run

    return load_run(run_dir)


def save(run, run_dir: str | Path) -> Path:
    """Write a ``TrainedRun`` as a run directory (config, checkpoint, metrics, learning curve)."""
    from ppf_neuro.training.run_dir import save_run

    save_run(run_dir, run)
    return Path(run_dir)


def export(run, path: str | Path) -> Path:
    """Write a ``TrainedRun`` (or a run directory) as one deployable HDF5 bundle at ``path``."""
    from ppf_neuro.exporters.run_to_bundle import export_bundle

    return export_bundle(load(run) if isinstance(run, (str, Path)) else run, path)


def deploy_request(model, data=None, *, inputs=None, labels=None, layout: str = "chw", input_as: str = "spikes",
                   input_shape: tuple | None = None, encoding: str | None = None, steps: int | None = None,
                   encoder: dict | None = None, samples: int | None = None, readout: str = "counts",
                   record: str = "windows", replicas: int | None = None, timing: str = "aligned",
                   lava_synapse: str = "batched", qdevice: str | None = None, qbackend: str | None = None,
                   qdevice_options: dict | None = None, shots: int | None = None, seed: int | None = None,
                   noise: float = 0.0, noise_model=None, expect=None, save_spikes=None, workers: int = 1,
                   ray: str | None = None,
                   divergence_plot=None, progress: bool = True):
    """The ``DeployRequest`` of :func:`deploy`'s keywords (the command line builds its own through this too),
    every cheap check made: output places writable, the Ray address answering, encoder fields valid."""
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.config import check_encoding
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.options import DeployOptions
    from ppf_neuro.deployment.request import DeployRequest
    from ppf_neuro.errors import argument
    from ppf_neuro.processes.pools import check_ray_address

    for path, what in ((divergence_plot, "divergence plot"), (save_spikes, argument("save_spikes"))):
        if path is not None:
            check_writable(Path(path), what)
    check_ray_address(ray)
    fields = {k: v for k, v in {"kind": encoding, "steps": steps}.items() if v is not None}
    lava = LavaMode(replicas=replicas, synapse=lava_synapse, input_as=input_as, readout=readout,
                    keep_rasters=save_spikes is not None, record=record, timing=timing)
    if noise_model is not None:  # a file, or its rules as a dict
        from ppf_neuro.quantum.noise_model import check_noise_model, read_noise_model

        noise_model = check_noise_model(noise_model) if isinstance(noise_model, dict) else read_noise_model(noise_model)
    options = DeployOptions(samples=samples, qdevice=qdevice, shots=shots, noise=noise, noise_model=noise_model,
                            seed=seed, qbackend=qbackend,
                            qdevice_options=dict(qdevice_options or {}), lava=lava, workers=workers,
                            ray_address=ray, progress=progress,
                            divergence_plot=None if divergence_plot is None else Path(divergence_plot),
                            save_spikes=None if save_spikes is None else Path(save_spikes))
    return DeployRequest(model, data, options, inputs=inputs, labels=labels, layout=layout,
                         encoding=check_encoding({**(encoder or {}), **fields}), expect=expect,
                         input_shape=input_shape)


def deploy(model: str | Path, data=None, *, report: str | Path | None = None, **options):
    """Run a bundle (or any netx HDF5 network) on ``data``: the SNN on Lava, the circuit on a PennyLane
    device, the fusion on the host, and every output compared with the trained model. Returns a
    ``Report`` (``report.to_dict()`` is what ``deploy --report`` writes, docs/report.md; with ``report=PATH``
    it is written there with its per-sample arrays beside it, as the command line does).

    Every option of ``ppf-neuro deploy`` is a keyword (``tests/test_api.py`` checks that none is
    missing):

    * what it runs on: ``data``: a dataset spec (``"digits"``, ``"idx:DIR"``), images in memory (an
      array or tensor (N, C, H, W) or (N, H, W) in [0, 1] or 8-bit grey, or an ``(images, labels)``
      pair), or an iterable of ``(images, labels)`` batches such as a ``DataLoader``; by default a
      bundle's own test split. Or recorded ``inputs`` (``.npy``) with ``labels``, ``layout`` (``chw``
      or lava-dl's ``whc``) and ``input_as`` (``spikes``, ``graded``, ``bias``); ``input_shape``
      (C, H, W) for a conv-first netx file that states none; a netx file's ``encoding`` (encoder kind),
      ``steps`` and other ``encoder`` fields (``{"blank": 1}``); ``samples`` (the first N).
    * the spiking branch on Lava: ``readout`` (``counts``, ``voltage``, ``graded``), ``record``
      (``windows``, ``lava``), ``replicas``, ``timing`` (``aligned``, or ``delay-shift`` for a lava-dl
      net trained with SLAYER's default), ``lava_synapse``.
    * the quantum branch: ``qdevice`` (a PennyLane device), ``qbackend`` (a real device's calibration
      snapshot, ``"fake_brisbane"``, ...; needs ``shots`` and the ``device`` extra; ``report.quantum
      ["target"]`` describes it), ``qdevice_options`` (the device's own keywords), ``shots``,
      ``seed`` (the sampling, so that a rerun is identical), ``noise`` (depolarising, on a mixed-state
      device), ``noise_model`` (a noise-model JSON file or its rules, ``ppf_neuro.quantum.noise_model``).
    * the trained model: ``expect``, an ``.npy`` of its own outputs on the same inputs
      (``report.expected`` compares them).
    * outputs and scale-out: ``report``, ``save_spikes`` (every layer's raster, ``.npz``), ``workers``,
      ``ray``, ``progress``.

    Example::

        report = ppf.deploy("examples/models/mnist_ppf.h5", "idx:../shared/datasets/mnist", samples=100,
                            qbackend="fake_torino", shots=1000, seed=0)
        report.outputs["output"].accuracy_deployed, report.quantum["target"]["native_depth"]
    """
    from ppf_neuro.deployment.pipeline import deploy as run_deployment

    if report is not None:
        from ppf_neuro.atomic import check_writable

        from ppf_neuro.errors import argument

        check_writable(Path(report), argument("report"))
    plot = None if report is None else Path(report).with_name(Path(report).stem + "_divergence.png")
    result = run_deployment(deploy_request(model, data, divergence_plot=plot, **options))
    if report is not None:
        write_report(result, Path(report))
    return result


def write_report(report, path: Path) -> None:
    """``report`` as ``deploy --report`` writes it: the JSON, and its per-sample arrays beside it."""
    from ppf_neuro.atomic import write_json
    from ppf_neuro.formats.report import write_per_sample

    side = path.with_name(path.stem + ".per_sample.npz")
    write_per_sample(report, side)
    write_json(path, report.to_dict(side.name))


def diff(model: str | Path, data=None, *, inputs: str | Path | None = None, samples: int | None = None,
         timing: str = "aligned", plot: str | Path | None = None, progress: bool = True) -> dict | None:
    """Where the spiking branch of ``model`` (a bundle or netx file) on Lava and its reference part: only the
    spiking branch runs (no circuit, no decision). ``data`` or recorded ``inputs`` as for :func:`deploy`;
    ``plot``: where to draw both neurons' traces. Returns None when every neuron of every layer agrees on
    every sample, else the first divergence (sample, layer, neuron, time step, both traces), as ``diff``
    prints it."""
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.options import DeployOptions
    from ppf_neuro.deployment.pipeline import diff as find
    from ppf_neuro.deployment.request import DeployRequest

    options = DeployOptions(samples=samples, lava=LavaMode(timing=timing), progress=progress,
                            divergence_plot=None if plot is None else Path(plot))
    return find(DeployRequest(model, data, options, inputs=inputs))[0]


def export_nir(source, path: str | Path, dt: float | None = None) -> Path:
    """The SNN of ``source`` (a ``TrainedRun``, a run directory, a bundle or a netx file) as a NIR graph
    at ``path``, its time constants in seconds at ``dt`` seconds per step (default 1e-4, snnTorch's)."""
    from ppf_neuro.exporters.run_to_nir import export_nir as write
    from ppf_neuro.formats.nir_time import DEFAULT_DT

    if not isinstance(source, (str, Path)):  # a TrainedRun: written as a run directory beside the graph first
        import tempfile

        with tempfile.TemporaryDirectory(prefix=".ppf-run-", dir=Path(path).parent) as tmp:
            return write(save(source, Path(tmp) / "run"), Path(path), DEFAULT_DT if dt is None else dt)
    return write(Path(source), Path(path), DEFAULT_DT if dt is None else dt)


def import_nir(graph: str | Path, path: str | Path, *, approximate: bool = False, steps: int | None = None,
               dt: float | None = None, convention: str = "nir") -> dict:
    """A NIR graph as a netx file at ``path`` that deploys on Lava (``import-nir``). Returns what the
    import made: ``file``, ``layers`` (netx layer kinds), ``input_shape``, ``dt``, ``convention``,
    ``approximations`` (empty when exact) and ``quantisation`` (per layer: scale and relative errors)."""
    from ppf_neuro.exporters.run_to_nir import import_nir as convert

    net, made = convert(Path(graph), Path(path), approximate=approximate, steps=steps, dt=dt, convention=convention)
    return {"file": Path(path), "layers": [layer.kind for layer in net.layers], "input_shape": net.input_shape,
            "dt": made.dt, "convention": made.convention, "approximations": list(made.approximations),
            "quantisation": [q.to_dict() for q in made.quantisation]}


def analyze(reports, *, plots: str | Path | None = None, profile: str = "loihi", cmos: str = "cmos45",
            qpu: str = "sycamore", raster_samples=(0,)) -> list[dict]:
    """Spikes, synaptic operations, energy, latency and quantum resources of deployment reports (paths
    of ``deploy --report`` files, or ``Report`` objects from :func:`deploy`), one summary dict each (what
    ``analyze`` writes to summary.json; ``ppf_neuro.analysis.summary.layer_rows(summary)`` and
    ``energy_rows(summary)`` are its tables, as rows).
    Files (CSV, JSON, plots; the rasters of ``raster_samples``, from ``deploy(save_spikes=...)``) are
    written only when ``plots`` names a directory."""
    from ppf_neuro.commands.analyze import analyze_reports

    return analyze_reports(reports, None if plots is None else Path(plots), profile, cmos, qpu, printing=False,
                           raster_samples=tuple(raster_samples))


def robustness(runs, data: str | None = None, *, samples: int | None = 500, noise=None,
               levels=(0.01, 0.05, 0.1, 0.3, 0.5, 0.9), depolarizing=(), shots=(100, 1000), qbackend=(),
               qbackend_shots: int = 1000, seed: int = 0, out: str | Path | None = None,
               progress: bool = True) -> list[dict]:
    """Accuracy of trained runs (``TrainedRun`` objects or run directories) under input noise (``noise``
    kinds at ``levels``; default every kind) and quantum device noise (``depolarizing`` rates on
    default.mixed, finite ``shots``, device calibrations ``qbackend`` at ``qbackend_shots``), seeded.
    Returns the table's rows (``noise``, ``level`` and one accuracy per model); writes it to ``out``
    (CSV, JSON, Markdown, plot) when given."""
    from ppf_neuro.choices import NOISE_KINDS
    from ppf_neuro.robustness import run_robustness

    return run_robustness(list(runs), data, samples, list(NOISE_KINDS if noise is None else noise), list(levels),
                          list(depolarizing), list(shots), list(qbackend), qbackend_shots, seed,
                          None if out is None else Path(out), progress)


def sweep(sweep_file: str | Path, out: str | Path, *, workers: int = 2, ray: str | None = None,
          progress: bool = True) -> list[dict]:
    """Train a grid of configurations (``{"base": {...}, "grid": {"KEY": [values]}}`` in a JSON file)
    into ``out`` (resumable), and return one row of metrics per trial (``results.csv``)."""
    from ppf_neuro.training.sweep import load_sweep_file, make_trials, run_sweep

    base, grid = load_sweep_file(Path(sweep_file))
    return run_sweep(make_trials(base, grid), Path(out), workers, progress=progress, ray_address=ray)

