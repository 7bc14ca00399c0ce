"""Export a trained run as one self-describing HDF5 bundle (layout: ``ppf_neuro.formats.bundle``).

The file is written to a temporary path, its SNN (if any) is read back and
compared layer by layer with the PyTorch model and loaded with
``lava.lib.dl.netx.hdf5.Network``, and only then is it renamed into place: a
failed export leaves no file and keeps a previous bundle intact. A SHA-256 of
the whole content lets the reader refuse a damaged file.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pennylane as qml
import torch

from ppf_neuro.exporters.verify_netx import verify_netx
from ppf_neuro.version import __version__
from ppf_neuro.atomic import atomic_path, hdf5_bytes
from ppf_neuro.data.datasets import class_names
from ppf_neuro.formats.bundle import BundleFile, write_bundle
from ppf_neuro.training.run_dir import TrainedRun

_PACKAGES = ("lava-nc", "lava-dl", "torch", "numpy", "h5py", "pennylane")


def package_versions() -> dict[str, str]:
    return {"ppf-neuro": __version__, **{p: version(p) for p in _PACKAGES}}


def circuit_drawing(run: TrainedRun) -> str:
    """A text drawing of the trained circuit on one sample, for people reading the bundle."""
    qnn = run.model.qnn
    features = torch.ones(qnn.cfg.features)  # any valid input: amplitudes cannot all be zero
    return qml.draw(qnn.qnode, decimals=2, max_length=200, level="device")(features, qnn.weights.detach())


def bundle_contents(run: TrainedRun, path: Path) -> BundleFile:
    """What the bundle of ``run`` holds."""
    model = run.model
    return BundleFile(
        path=path, model=run.config.model, config=run.config.to_dict(), versions=package_versions(),
        dataset=run.dataset, image_shape=tuple(run.image_shape), num_classes=run.num_classes,
        class_names=class_names(run.config.data.spec, run.num_classes),
        state={name: t.detach().cpu().numpy() for name, t in model.state_dict().items()},
        has_snn=hasattr(model, "snn"), quantum_circuit=circuit_drawing(run) if hasattr(model, "qnn") else None)


def export_bundle(run: TrainedRun, path: str | Path) -> Path:
    """Write ``run`` as a bundle at ``path`` atomically; verify its SNN against the model and with netx."""
    path = Path(path)
    snn = getattr(run.model, "snn", None)
    contents = bundle_contents(run, path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(hdf5_bytes(lambda f: write_bundle(f, contents, None if snn is None else snn.export_hdf5)))
        if snn is not None:
            verify_netx(tmp, snn)
    return path
