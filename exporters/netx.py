"""The spiking branch in lava-dl's netx layout, checked by loading it with netx."""

from __future__ import annotations

import math
from pathlib import Path

import h5py

from ppf_neuro.bundle_schema import NETX_GROUP
from ppf_neuro.errors import PPFError
from ppf_neuro.models import SpikingNet


def write_netx(f: h5py.File, snn: SpikingNet) -> None:
    snn.export_hdf5(f.create_group(NETX_GROUP))


def verify_netx(path: Path, snn: SpikingNet) -> None:
    """Load the file with netx and compare its layers with the PyTorch model's."""
    from ppf_neuro.lava_dl import netx

    try:
        net = netx.hdf5.Network(net_config=str(path))
    except Exception as e:  # netx raises bare exceptions for layouts it cannot deploy
        raise PPFError(f"netx cannot load the exported network: {type(e).__name__}: {e}") from None
    expected = snn.layer_sizes()
    got = [math.prod(layer.out.shape) for layer in net.layers]
    if got != expected:
        raise PPFError(f"netx loaded layer sizes {got}, the PyTorch model has {expected}")
