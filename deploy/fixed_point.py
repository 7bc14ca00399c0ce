r"""A reference SNN rebuilt from a netx file alone: netx's fixed-point arithmetic in PyTorch, no Lava.

This is what the file says the network computes, per sample window of T steps
(states start at zero; every layer sees step t of the sample after the layer
before it has, which is what staggered resets give on Lava):

* synaptic input ``a``: the exact integer sum of the file's weights over the
  spikes that arrive (dense: ``W s``; conv: PyTorch's cross-correlation with the
  file's kernel, stride, padding, dilation, groups); an input neuron layer takes
  ``weight * x + bias`` of its input transform;
* CUBA/LOIHI neuron in Loihi's 24-bit state arithmetic (Lava's ``LIF`` fixed-point
  model, Davies et al. 2018), with decays of 12 bits rounding towards zero:

  .. math::

     u &\leftarrow \mathrm{wrap}_{24}\big(\mathrm{rtz}(u\,(4096-\mathrm{iDecay})/4096) + 64\,a\big)\\
     v &\leftarrow \mathrm{clip}_{24}\big(\mathrm{rtz}(v\,(4096-\mathrm{vDecay})/4096) + u + 64\,\mathrm{bias}\big)\\
     s &= v > 64\,\mathrm{vThMant},\qquad v \leftarrow 0 \text{ where } s

Where Lava's processes compute something else (weights clipped or truncated to
fewer bits, an input layer whose port is not connected, an overflow), the
counts part and :mod:`deploy.divergence` says where.
"""

from __future__ import annotations

import numpy as np
import torch

from ppf_neuro.formats.fixed_point import DECAY_BITS, DECAY_SCALE, STATE_MAX, WEIGHT_EXP
from ppf_neuro.formats.netx import DenseLayer, InputLayer, NetxFile, NetxLayer


def _decay(x: torch.Tensor, decay: int) -> torch.Tensor:
    """x * (4096 - decay) / 4096, rounded towards zero (sign-magnitude shift, as Lava does)."""
    y = x * (DECAY_SCALE - decay)
    return torch.sign(y) * (torch.abs(y) >> DECAY_BITS)


def _synaptic_input(layer: NetxLayer, s: torch.Tensor) -> torch.Tensor:
    """Integer input current (N, neurons) for input spikes ``s`` (N, *in_shape)."""
    if isinstance(layer, InputLayer):
        weight, bias = layer.transform
        return (weight * s + bias).reshape(len(s), -1)
    x = s.double()
    w = torch.from_numpy(layer.weight).double()
    if isinstance(layer, DenseLayer):
        a = x.reshape(len(s), -1) @ w.T
    else:
        a = torch.nn.functional.conv2d(x.reshape(len(s), *layer.in_shape), w, stride=layer.stride,
                                       padding=layer.padding, dilation=layer.dilation, groups=layer.groups)
    return torch.round(a).long().reshape(len(s), -1)


class FixedPointSNN:
    """``net`` evaluated in integer arithmetic (module docstring); outputs in CHW order."""

    def __init__(self, net: NetxFile):
        self.net = net

    @torch.no_grad()
    def run(self, spikes: np.ndarray, trace: int | None = None) -> tuple[list[np.ndarray], dict | None]:
        """Spikes (N, *input, T) -> per layer spikes (N, neurons, T) int8; with ``trace`` = a layer
        index, also that layer's current ``u`` and voltage ``v`` (after the spike reset, as Lava
        holds them at the end of a step) (N, neurons, T) int64. ``self.last_input_steps`` keeps,
        per layer, the steps (N, neurons) in which each neuron received nonzero synaptic input."""
        n, steps = spikes.shape[0], spikes.shape[-1]
        x = torch.from_numpy(np.ascontiguousarray(spikes)).long()
        states = [(torch.zeros(n, layer.neurons, dtype=torch.long), torch.zeros(n, layer.neurons, dtype=torch.long))
                  for layer in self.net.layers]
        out = [torch.zeros(n, layer.neurons, steps, dtype=torch.int8) for layer in self.net.layers]
        received = [torch.zeros(n, layer.neurons, dtype=torch.long) for layer in self.net.layers]
        traces = None if trace is None else {"u": torch.zeros(n, self.net.layers[trace].neurons, steps, dtype=torch.long),
                                             "v": torch.zeros(n, self.net.layers[trace].neurons, steps, dtype=torch.long)}
        for t in range(steps):
            s = x[..., t]
            for i, (layer, (u, v)) in enumerate(zip(self.net.layers, states)):
                a = _synaptic_input(layer, s)
                received[i] += a != 0
                u = _decay(u, layer.neuron.current_decay) + (a << WEIGHT_EXP)
                u = torch.where(u > STATE_MAX, u - 2 * STATE_MAX, u)
                u = torch.where(u <= -STATE_MAX, u + 2 * STATE_MAX, u)
                bias = 0 if layer.bias is None else torch.from_numpy(layer.bias) << WEIGHT_EXP
                v = (_decay(v, layer.neuron.voltage_decay) + u + bias).clamp(-STATE_MAX + 1, STATE_MAX - 1)
                fired = v > layer.neuron.threshold_state
                v = torch.where(fired, torch.zeros_like(v), v)
                if traces is not None and i == trace:
                    traces["u"][..., t], traces["v"][..., t] = u, v
                states[i] = (u, v)
                out[i][..., t] = fired.to(torch.int8)
                s = fired.long().reshape(n, *layer.shape)
        self.last_input_steps = [r.numpy() for r in received]
        return [o.numpy() for o in out], None if traces is None else {k: t.numpy() for k, t in traces.items()}

    def counts(self, spikes: np.ndarray, batch_size: int = 256) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per-layer spike counts and synaptic-input step counts (N, neurons) each, in batches."""
        spikes_parts, input_parts = [], []
        for b in range(0, len(spikes), batch_size):
            spikes_parts.append([o.sum(-1).astype(np.int64) for o in self.run(spikes[b:b + batch_size])[0]])
            input_parts.append(self.last_input_steps)
        return ([np.concatenate(layer) for layer in zip(*spikes_parts)],
                [np.concatenate(layer) for layer in zip(*input_parts)])


def fixed_point_stepper(net: NetxFile):
    """The rebuilt reference's step-by-step view of one sample (see ``deploy.divergence.Stepper``)."""
    model = FixedPointSNN(net)

    def step(spikes: np.ndarray, layer: int) -> tuple[list[np.ndarray], dict]:
        out, traces = model.run(spikes, trace=layer)
        return [o[0] for o in out], {k: v[0] for k, v in traces.items()}

    return step
