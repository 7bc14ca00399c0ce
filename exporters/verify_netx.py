"""The spiking branch in lava-dl's netx layout, read back and checked before a bundle is kept."""

from __future__ import annotations

import math
from pathlib import Path

from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import load_netx_file, verify_layers
from ppf_neuro.models import SpikingNet


def expected_layers(snn: SpikingNet) -> list[tuple]:
    """What each netx layer of ``snn`` must hold: the model's weights and neurons (``netx_layers``)."""
    return [(layer.weight, layer.neuron) for layer in snn.netx_layers()]


def verify_netx(path: Path, snn: SpikingNet) -> None:
    """Read the written layers back and compare them with the PyTorch model, then load the file
    with netx and compare its layer sizes."""
    from ppf_neuro.lava_dl import load_netx_network

    verify_layers(load_netx_file(path), expected_layers(snn))
    net = load_netx_network(path)
    sizes = [math.prod(layer.out.shape) for layer in net.layers]
    if sizes != snn.layer_sizes():
        raise PPFError(f"netx loaded layer sizes {sizes}, the PyTorch model has {snn.layer_sizes()}")
