"""The read-back check: a written netx file holds the layers it was written from."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx.layers import NetxFile
from ppf_neuro.formats.netx.neurons import CubaNeuron, Neuron


def verify_layers(net: NetxFile, expected: list[tuple[np.ndarray, Neuron]]) -> None:
    """The written file's layers against what the model holds: (weights, neurons) per layer with
    neurons, compared exactly. Raises a PPFError naming the first difference."""
    if len(net.layers) != len(expected):
        raise PPFError(f"exported {len(net.layers)} netx layers with neurons, the PyTorch model has {len(expected)}")
    for i, (layer, (weight, neuron)) in enumerate(zip(net.layers, expected)):
        written = getattr(layer, "weight", None)
        if written is None or written.shape != weight.shape or not np.array_equal(written, weight):
            raise PPFError(f"netx layer {i}: written weights differ from the quantised PyTorch weights")
        for f in fields(neuron):
            got, want = getattr(layer.neuron, f.name), getattr(neuron, f.name)
            if got != want:
                key = CubaNeuron.KEYS.get(f.name, f.name)
                raise PPFError(f"netx layer {i}: neuron parameter {key} written as {got!r}, the model has {want!r}")
