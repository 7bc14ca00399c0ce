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


def deploy(model: str | Path, data=None, *, samples: int | None = None, qdevice: str | None = None,
           shots: int | None = None, noise: float = 0.0, seed: int | None = None, qbackend: str | None = None,
           qdevice_options: dict | None = None, replicas: int | None = None,
           workers: int = 1,
           expect: str | Path | None = None, timing: str = "aligned", input_shape: tuple | None = None,
           progress: bool = True):
    """Run a bundle (or any netx HDF5 network) on ``data``: the SNN on Lava, the circuit on the
    PennyLane device ``qdevice`` (default: the training device), the fusion on the host, and every
    output compared with the trained model. ``data``: a dataset spec (``"digits"``,
    ``"idx:DIR"``), images in memory (an array or tensor (N, C, H, W) or (N, H, W) in [0, 1] or
    8-bit grey, or an ``(images, labels)`` pair), or an iterable of ``(images, labels)`` batches
    such as a ``DataLoader``; by default a bundle's own test split. Returns a ``Report``
    (``report.to_dict()`` is what ``deploy --report`` writes, docs/report.md). ``expect``: an ``.npy``
    of the trained model's own outputs on the same inputs (``report.expected`` compares them);
    ``seed``: seeds the quantum device's sampling (with ``shots``), so that a rerun is identical;
    ``qbackend``: a real device's calibration snapshot (``"fake_brisbane"``, ...; needs ``shots``
    and the ``device`` extra), the circuit compiled for it once and run with its noise on PennyLane's
    ``qiskit.aer`` (``report.quantum["target"]`` describes it); ``qdevice_options``: the PennyLane
    device's own keyword arguments; ``timing``: which window steps count (``ppf_neuro.choices.TIMINGS``; ``delay-shift`` for a
    lava-dl net trained with SLAYER's default ``delay_shift=True``); ``input_shape`` (C, H, W): for a
    netx file that starts with a convolution and states none."""
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.pipeline import deploy as run_deployment
    from ppf_neuro.deployment.model_files.plan import DeployOptions
    from ppf_neuro.deployment.request import DeployRequest

    options = DeployOptions(samples=samples, qdevice=qdevice, shots=shots, noise=noise, seed=seed, qbackend=qbackend,
                            qdevice_options=dict(qdevice_options or {}), lava=LavaMode(replicas=replicas, timing=timing), workers=workers, progress=progress)
    return run_deployment(DeployRequest(model, data, options, expect=expect, input_shape=input_shape))


def diff(model: str | Path, data=None, *, inputs: str | Path | None = None, samples: int | None = None,
         timing: str = "aligned", plot: str | Path | None = None, progress: bool = True) -> dict | None:
    """Where the spiking branch of ``model`` (a bundle or netx file) on Lava and its reference part: only the
    spiking branch runs (no circuit, no decision). ``data`` or recorded ``inputs`` as for :func:`deploy`;
    ``plot``: where to draw both neurons' traces. Returns None when every neuron of every layer agrees on
    every sample, else the first divergence (sample, layer, neuron, time step, both traces), as ``diff``
    prints it."""
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.model_files.plan import DeployOptions
    from ppf_neuro.deployment.pipeline import diff as find
    from ppf_neuro.deployment.request import DeployRequest

    options = DeployOptions(samples=samples, lava=LavaMode(timing=timing), progress=progress,
                            divergence_plot=None if plot is None else Path(plot))
    return find(DeployRequest(model, data, options, inputs=inputs))[0]
