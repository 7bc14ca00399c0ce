"""Export a trained run as one self-describing HDF5 bundle (layout: ``ppf_neuro.bundle_schema``).

The file is written to a temporary path, its SNN (if any) is read back and
compared layer by layer with the PyTorch model and loaded with
``lava.lib.dl.netx.hdf5.Network``, and only then is it renamed into place: a
failed export leaves no file and keeps a previous bundle intact. A SHA-256 of
the whole content lets the reader refuse a damaged file.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import h5py
import numpy as np
import pennylane as qml
import torch

from exporters.netx import verify_netx, write_netx
from ppf_neuro import __version__
from ppf_neuro.atomic import atomic_path
from ppf_neuro.bundle_schema import (
    DIGEST_ATTR,
    FORMAT,
    FORMAT_VERSION,
    META_GROUP,
    STATE_GROUP,
    content_digest,
)
from ppf_neuro.training.run_dir import TrainedRun

_PACKAGES = ("lava-nc", "lava-dl", "torch", "numpy", "h5py", "pennylane")


def package_versions() -> dict[str, str]:
    return {"ppf-neuro": __version__, **{p: version(p) for p in _PACKAGES}}


def circuit_drawing(run: TrainedRun) -> str:
    """A text drawing of the trained circuit on one sample, for people reading the bundle."""
    qnn = run.model.qnn
    features = torch.ones(qnn.cfg.features)  # any valid input: amplitudes cannot all be zero
    return qml.draw(qnn.qnode, decimals=2, max_length=200, level="device")(features, qnn.weights.detach())


def write_bundle(f: h5py.File, run: TrainedRun) -> None:
    model = run.model
    if hasattr(model, "snn"):
        write_netx(f, model.snn)
    meta = f.create_group(META_GROUP)
    meta.attrs["format"] = FORMAT
    meta.attrs["format_version"] = FORMAT_VERSION
    meta.attrs["model"] = run.config.model
    meta.attrs["config"] = json.dumps(run.config.to_dict())
    meta.attrs["versions"] = json.dumps(package_versions())
    meta.attrs["dataset"] = run.dataset
    meta.attrs["image_shape"] = np.asarray(run.image_shape, dtype=np.int64)
    meta.attrs["num_classes"] = run.num_classes
    meta.attrs["class_names"] = json.dumps([str(c) for c in range(run.num_classes)])
    if hasattr(model, "qnn"):
        meta.attrs["quantum_circuit"] = circuit_drawing(run)
    state = f.create_group(STATE_GROUP)
    for name, tensor in model.state_dict().items():
        state.create_dataset(name, data=tensor.detach().cpu().numpy())
    meta.attrs[DIGEST_ATTR] = content_digest(f)


def export_bundle(run: TrainedRun, path: str | Path) -> Path:
    """Write ``run`` as a bundle at ``path`` atomically; verify its SNN against the model and with netx."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            write_bundle(f, run)
        if hasattr(run.model, "snn"):
            verify_netx(tmp, run.model.snn)
    return path
