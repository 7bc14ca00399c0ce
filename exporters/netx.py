"""The spiking branch in lava-dl's netx layout, read back and checked before a bundle is kept."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np

from ppf_neuro.bundle_schema import NETX_GROUP
from ppf_neuro.errors import PPFError
from ppf_neuro.models import SpikingNet


def write_netx(f: h5py.File, snn: SpikingNet) -> None:
    snn.export_hdf5(f.create_group(NETX_GROUP))


def expected_layers(snn: SpikingNet) -> list[dict]:
    """What each netx layer of ``snn`` must hold: the 8-bit weights SLAYER trained with
    (``pre_hook_fx(w, descale=True)``) and the neuron's device parameters."""
    out = []
    for block in snn.spiking_layers:
        w = block.synapse.pre_hook_fx(block.synapse.weight, descale=True).detach().numpy()
        out.append({"weight": w.reshape(w.shape[:2] if w.shape[2:] == (1, 1, 1) else w.shape[:4]),
                    "neuron": dict(block.neuron.device_params)})
    return out


def verify_netx(path: Path, snn: SpikingNet) -> None:
    """Read the written layers back (h5py) and compare them with the PyTorch model, then
    load the file with netx and compare its layer sizes."""
    from ppf_neuro.lava_dl import load_netx_network

    with h5py.File(path, "r") as f:
        group = f[NETX_GROUP]
        written = [group[k] for k in sorted(group, key=int) if group[k]["type"][0] not in (b"input", b"flatten")]
        expected = expected_layers(snn)
        if len(written) != len(expected):
            raise PPFError(f"exported {len(written)} netx layers with neurons, the PyTorch model has {len(expected)}")
        for i, (layer, want) in enumerate(zip(written, expected)):
            weight = np.asarray(layer["weight"][()])
            if weight.shape != want["weight"].shape or not np.array_equal(weight, want["weight"]):
                raise PPFError(f"netx layer {i}: written weights differ from the quantised PyTorch weights")
            for key, value in want["neuron"].items():
                got = layer["neuron"][key][()]
                got = got.decode() if isinstance(got, bytes) else got
                if not np.array_equal(np.asarray(got), np.asarray(value)):
                    raise PPFError(f"netx layer {i}: neuron parameter {key} written as {got!r}, the model has {value!r}")
    net = load_netx_network(path)
    sizes = [math.prod(layer.out.shape) for layer in net.layers]
    if sizes != snn.layer_sizes():
        raise PPFError(f"netx loaded layer sizes {sizes}, the PyTorch model has {snn.layer_sizes()}")
