"""The Python API: objects in, objects out, one import.

A whole round trip, small enough to run as a doctest (``tests/system/test_api.py`` runs it)::

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
    """Train the model a config describes.

    Parameters
    ----------
    config : RunConfig, dict, str or Path, optional
        The run's configuration, or a JSON file of it; the defaults when None.
    data : ppf_neuro.data.Dataset, optional
        The images to train on; by default the dataset the config names.
    progress : bool
        Progress bars (plain lines in a log).

    Returns
    -------
    TrainedRun
        Its config, the trained ``model`` (a ``torch.nn.Module``) at the epoch selected on validation,
        and its ``metrics`` (every epoch, and the test split scored once).

    Examples
    --------
    >>> run = ppf.train({"model": "ppf", "data": {"spec": "digits"}, "train": {"epochs": 5}})  # doctest: +SKIP
    """
    from ppf_neuro.data import load_dataset
    from ppf_neuro.training.run_dir import TrainedRun
    from ppf_neuro.training.trainer import train_model

    cfg = _config(config)
    data = load_dataset(cfg.data) if data is None else data
    model, metrics = train_model(cfg, data, progress)
    return TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, metrics)


def load(run_dir: str | Path):
    """A run directory written by ``ppf-neuro train`` (or :func:`save`).

    Returns
    -------
    TrainedRun
    """
    from ppf_neuro.training.run_dir import load_run

    return load_run(run_dir)


def save(run, run_dir: str | Path) -> Path:
    """Write a ``TrainedRun`` as a run directory (config, checkpoint, metrics, learning curve).

    Returns
    -------
    Path
        The run directory.
    """
    from ppf_neuro.training.run_dir import save_run

    save_run(run_dir, run)
    return Path(run_dir)


def export(run, path: str | Path) -> Path:
    """Write a trained run as one deployable HDF5 bundle (netx SNN, circuit, fusion).

    Parameters
    ----------
    run : TrainedRun, str or Path
        A trained run, or a run directory.
    path : str or Path
        The bundle to write.

    Returns
    -------
    Path
        The bundle.
    """
    from ppf_neuro.exporters.export_bundle import export_bundle

    return export_bundle(load(run) if isinstance(run, (str, Path)) else run, path)


def deploy_request(model, data=None, *, inputs=None, labels=None, layout: str = "chw", input_as: str = "spikes",
                   input_shape: tuple | None = None, encoding: str | None = None, steps: int | None = None,
                   encoder: dict | None = None, samples: int | None = None, readout: str = "counts",
                   record: str = "windows", replicas: int | None = None, timing: str = "aligned",
                   lava_synapse: str = "batched", qdevice: str | None = None, qbackend: str | None = None,
                   qdevice_options: dict | None = None, shots: int | None = None, seed: int | None = None,
                   noise: float = 0.0, noise_model=None, expect=None, save_spikes=None, workers: int = 1,
                   ray: str | None = None, divergence_plot=None, progress: bool = True):
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
                            seed=seed, qbackend=qbackend, qdevice_options=dict(qdevice_options or {}), lava=lava,
                            workers=workers, ray_address=ray, progress=progress,
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

    Every option of ``ppf-neuro deploy`` is a keyword (``tests/system/test_api.py`` checks that none is
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
        from ppf_neuro.formats.report import write_report

        write_report(result, Path(report))
    return result


def diff(model: str | Path, data=None, *, inputs: str | Path | None = None, samples: int | None = None,
         timing: str = "aligned", plot: str | Path | None = None, progress: bool = True) -> dict | None:
    """Where the spiking branch on Lava and its reference part (no circuit, no decision runs).

    Parameters
    ----------
    model : str or Path
        A bundle or a netx file.
    data, inputs, samples, timing
        As for :func:`deploy`.
    plot : str or Path, optional
        Where to draw both neurons' traces.

    Returns
    -------
    dict or None
        None when every neuron of every layer agrees on every sample; else the first divergence
        (sample, layer, neuron, time step, both traces), as ``ppf-neuro diff`` prints it.
    """
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.options import DeployOptions
    from ppf_neuro.deployment.pipeline import diff as find
    from ppf_neuro.deployment.request import DeployRequest

    options = DeployOptions(samples=samples, lava=LavaMode(timing=timing), progress=progress,
                            divergence_plot=None if plot is None else Path(plot))
    return find(DeployRequest(model, data, options, inputs=inputs))[0]


def export_nir(source, path: str | Path, dt: float | None = None) -> Path:
    """The SNN of a model as a NIR graph (``ppf-neuro export --format nir``).

    Parameters
    ----------
    source : TrainedRun, str or Path
        A trained run, a run directory, a bundle or a netx file.
    path : str or Path
        The ``.nir`` file to write.
    dt : float, optional
        Seconds per time step, the unit of the graph's time constants (default 1e-4, snnTorch's).

    Returns
    -------
    Path
        The graph.
    """
    from ppf_neuro.exporters.export_nir import export_nir as write
    from ppf_neuro.formats.nir_time import DEFAULT_DT

    if not isinstance(source, (str, Path)):  # a TrainedRun: written as a run directory beside the graph first
        import tempfile

        with tempfile.TemporaryDirectory(prefix=".ppf-run-", dir=Path(path).parent) as tmp:
            return write(save(source, Path(tmp) / "run"), Path(path), DEFAULT_DT if dt is None else dt)
    return write(Path(source), Path(path), DEFAULT_DT if dt is None else dt)


def import_nir(graph: str | Path, path: str | Path, *, approximate: bool = False, steps: int | None = None,
               dt: float | None = None, convention: str = "nir") -> dict:
    """A NIR graph as a netx file that deploys on Lava (``ppf-neuro import-nir``).

    Parameters
    ----------
    graph : str or Path
        A ``.nir`` file (CubaLIF, LIF or IF chains).
    path : str or Path
        The netx HDF5 file to write.
    approximate : bool
        Approximate what has no exact netx equivalent (each approximation listed) instead of refusing.
    steps : int, optional
        Time steps per sample, stored as the file's ``/simulation/tSample``.
    dt : float, optional
        Seconds per step where the graph's metadata has none.
    convention : {"nir", "norse"}
        How the graph's time constants are meant.

    Returns
    -------
    dict
        ``file``, ``layers`` (netx layer kinds), ``input_shape``, ``dt``, ``convention``,
        ``approximations`` (empty when exact) and ``quantisation`` (per layer: scale and relative errors).
    """
    from ppf_neuro.exporters.import_nir import import_nir as convert

    net, made = convert(Path(graph), Path(path), approximate=approximate, steps=steps, dt=dt, convention=convention)
    return {"file": Path(path), "layers": [layer.kind for layer in net.layers], "input_shape": net.input_shape,
            "dt": made.dt, "convention": made.convention, "approximations": list(made.approximations),
            "quantisation": [q.to_dict() for q in made.quantisation]}


def analyze(reports, *, plots: str | Path | None = None, profile: str = "loihi", cmos: str = "cmos45",
            qpu: str = "sycamore", raster_samples=(0,), tables: bool = True, figures: bool = True) -> list:
    """Spikes, synaptic operations, energy, latency and quantum resources of deployments.

    Parameters
    ----------
    reports : list
        Paths of ``deploy --report`` files, or ``Report`` objects from :func:`deploy`.
    plots : str or Path, optional
        A directory for summary.json, the CSV tables and the PNG figures; nothing is written without it.
    profile, cmos, qpu : str
        Energy and QPU-time profiles: shipped names or JSON files (``ppf-neuro analyze --help``).
    raster_samples : sequence of int
        The deployed samples the raster figure shows (from ``deploy(save_spikes=...)``).
    tables, figures : bool
        Whether to make the tables (pandas DataFrames: ``pip install 'ppf-neuro[notebook]'``) and the
        figures (matplotlib ``Figure`` objects).

    Returns
    -------
    list of ppf_neuro.analysis.frames.Analysis
        One per report: ``summary`` (as summary.json: ``activity``, ``energy``, ``spread_over_samples``,
        ``hybrid_total_per_inference``, ``quantum``, ...), ``tables`` (``layers``, ``energy``,
        ``spread``) and ``figures`` (``layer_spikes``, ``raster``, ``energy``), those the deployment has.

    Examples
    --------
    >>> [a] = ppf.analyze([ppf.deploy("m.h5", "digits", samples=50)])  # doctest: +SKIP
    >>> a.tables["layers"][["spikes_per_sample", "synops_per_sample"]]  # doctest: +SKIP
    """
    from ppf_neuro.analysis.reports import analyses

    return analyses(reports, None if plots is None else Path(plots), profile, cmos, qpu, tuple(raster_samples),
                    with_tables=tables, with_figures=figures)


def robustness(runs, data: str | None = None, *, samples: int | None = 500, noise=None,
               levels=(0.01, 0.05, 0.1, 0.3, 0.5, 0.9), depolarizing=(), shots=(100, 1000), qbackend=(),
               qbackend_shots: int = 1000, seed: int = 0, out: str | Path | None = None,
               progress: bool = True) -> list[dict]:
    """Accuracy of trained runs under input noise and quantum device noise (``ppf-neuro robustness``).

    Parameters
    ----------
    runs : list
        ``TrainedRun`` objects or run directories.
    data : str, optional
        A dataset spec (default: the first run's).
    samples : int, optional
        Test samples per condition.
    noise : list of str, optional
        Input-noise kinds (default: all), at every one of ``levels``.
    depolarizing : sequence of float
        Depolarising rates after every gate on ``default.mixed``.
    shots : sequence of int
        Finite shot counts on ``default.qubit``.
    qbackend : sequence of str
        Device calibrations (``"fake_brisbane"``, ...), each a condition at ``qbackend_shots``.
    seed : int
        Seeds the input noise and the devices' sampling: a rerun gives the same table.
    out : str or Path, optional
        A directory for the CSV, JSON, Markdown and plot; nothing is written without it.

    Returns
    -------
    list of dict
        One row per condition: ``noise``, ``level`` and each model's accuracy (a fraction; None where
        device noise has no quantum branch to act on).
    """
    from ppf_neuro.choices import InputNoise
    from ppf_neuro.training.robustness import RobustnessStudy, run_robustness

    study = RobustnessStudy(samples, tuple(InputNoise.values() if noise is None else noise), tuple(levels),
                            tuple(depolarizing), tuple(shots), tuple(qbackend), qbackend_shots, seed)
    return run_robustness(list(runs), data, study, None if out is None else Path(out), progress)


def sweep(sweep_file: str | Path, out: str | Path, *, workers: int = 2, ray: str | None = None,
          progress: bool = True) -> list[dict]:
    """Train a grid of configurations, resumably (``ppf-neuro sweep``).

    Parameters
    ----------
    sweep_file : str or Path
        JSON: ``{"base": {...partial config...}, "grid": {"KEY": [values]}}``.
    out : str or Path
        The sweep's directory (runs/, results.csv, table.md, accuracy.png).
    workers : int
        Parallel training processes (bounded by the trials and the cores).
    ray : str, optional
        Run the trials as Ray tasks: ``auto``, ``HOST:PORT`` or ``local``.

    Returns
    -------
    list of dict
        One row of metrics per trial, as results.csv holds them.
    """
    from ppf_neuro.training.sweep import load_sweep_file, make_trials, run_sweep

    base, grid = load_sweep_file(Path(sweep_file))
    return run_sweep(make_trials(base, grid), Path(out), workers, progress=progress, ray_address=ray)

