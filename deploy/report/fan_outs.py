"""Per presynaptic neuron of every layer: how many synapses its spike drives (the synaptic ops of
a spike), from a parsed netx file."""

from __future__ import annotations

import numpy as np
import torch

from ppf_neuro.formats.netx import ConvLayer, DenseLayer, InputLayer, NetxFile


def fan_outs(net: NetxFile) -> list[dict]:
    """Per presynaptic neuron of every layer's input (CHW order): its nonzero and dense fan-out.

    A spike of presynaptic neuron j costs one synaptic operation per nonzero synapse it
    drives; convolutions count their real per-position fan-out (borders, stride, dilation,
    groups included), by differentiating the sum of a convolution with the 0/1 kernel.
    An input neuron layer's transform is one operation per input spike.
    """
    out = []
    for layer in net.layers:
        if isinstance(layer, InputLayer):
            ones = np.ones(layer.neurons)
            fan = {"kind": "input", "nonzero": ones, "dense": ones, "parameters": 1, "nonzero_weights": 1}
        elif isinstance(layer, DenseLayer):
            mask = layer.weight != 0
            fan = {"kind": "dense", "nonzero": mask.sum(0).astype(float),
                   "dense": np.full(mask.shape[1], float(mask.shape[0]))}
        else:
            mask = torch.from_numpy((layer.weight != 0).astype(np.float64))
            fan = {"kind": "conv", "nonzero": _conv_fan_out(layer, mask),
                   "dense": _conv_fan_out(layer, torch.ones_like(mask))}
        if not isinstance(layer, InputLayer):
            fan.update(parameters=int(layer.weight.size), nonzero_weights=int(np.count_nonzero(layer.weight)))
        fan["biases"] = 0 if layer.bias is None else int(layer.bias.size)
        fan["layer"] = layer.index  # the file's numbering, as everywhere in the report
        out.append(fan)
    return out


def _conv_fan_out(layer: ConvLayer, kernel: torch.Tensor) -> np.ndarray:
    x = torch.zeros(1, *layer.in_shape, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(x, kernel, stride=layer.stride, padding=layer.padding,
                                   dilation=layer.dilation, groups=layer.groups)
    y.sum().backward()
    return x.grad.flatten().numpy()
