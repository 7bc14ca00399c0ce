"""Export a trained run as an HDF5 bundle whose ``layer`` group is a netx network.

The file is written to a temporary path, checked by loading it with
``lava.lib.dl.netx.hdf5.Network`` (layer count and shapes must be what the
PyTorch model has), and only then renamed into place: a failed export leaves
no file, and a previous bundle at the same path stays intact.
"""

from __future__ import annotations

import json
import math
from importlib.metadata import version
from pathlib import Path

import h5py
import numpy as np

from ppf_neuro import __version__
from ppf_neuro.atomic import atomic_path
from ppf_neuro.bundle_schema import FORMAT, FORMAT_VERSION, META_GROUP, NETX_GROUP, SNN_STATE_GROUP
from ppf_neuro.errors import PPFError
from ppf_neuro.training.run_dir import TrainedRun

_PACKAGES = ("lava-nc", "lava-dl", "torch", "numpy", "h5py", "pennylane")


def package_versions() -> dict[str, str]:
    return {"ppf-neuro": __version__, **{p: version(p) for p in _PACKAGES}}


def write_snn(f: h5py.File, run: TrainedRun) -> None:
    """Write the netx layers, the metadata and the SNN state into an open file."""
    run.model.export_hdf5(f.create_group(NETX_GROUP))
    meta = f.create_group(META_GROUP)
    meta.attrs["format"] = FORMAT
    meta.attrs["format_version"] = FORMAT_VERSION
    meta.attrs["config"] = json.dumps(run.config.to_dict())
    meta.attrs["versions"] = json.dumps(package_versions())
    meta.attrs["dataset"] = run.dataset
    meta.attrs["image_shape"] = np.asarray(run.image_shape, dtype=np.int64)
    meta.attrs["num_classes"] = run.num_classes
    state = f.create_group(SNN_STATE_GROUP)
    for name, tensor in run.model.state_dict().items():
        state.create_dataset(name, data=tensor.detach().cpu().numpy())


def verify_netx(path: Path, run: TrainedRun) -> None:
    """Load the file with netx and compare its layers with the PyTorch model's."""
    from ppf_neuro.lava_dl import netx

    try:
        net = netx.hdf5.Network(net_config=str(path))
    except Exception as e:  # netx raises bare exceptions for layouts it cannot deploy
        raise PPFError(f"netx cannot load the exported network: {type(e).__name__}: {e}") from None
    expected = run.model.layer_sizes()
    got = [math.prod(layer.out.shape) for layer in net.layers]
    if got != expected:
        raise PPFError(f"netx loaded layer sizes {got}, the PyTorch model has {expected}")


def export_bundle(run: TrainedRun, path: str | Path) -> Path:
    """Write ``run`` as a bundle at ``path`` atomically and verify it with netx."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            write_snn(f, run)
        verify_netx(tmp, run)
    return path
