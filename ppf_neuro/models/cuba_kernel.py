"""SLAYER's CUBA neuron dynamics on the CPU as one compiled loop: lava-dl's arithmetic, bit for bit.

Why: on the CPU lava-dl steps a layer's fixed-point current and voltage through time with about
13 int64 tensor operations per step (``leaky_integrator._li_dynamics_fwd``), each a pass over the
whole layer plus a zero-filled output per integrator; in a conv PPF epoch on MNIST those passes
are a third of the time. Here a compiled loop (numba) runs both integrators of a tile of neurons
in cache, one pass over the input and one over each output. Training turns it on for its
duration (:func:`compiled_dynamics`); deployment's reference check keeps lava-dl's own code, so
that what checks a deployment is not ppf-neuro's.

It runs on one thread: cutting the rows between torch's threads was slower here (42.9 against 35.4
ms per conv PPF batch), since torch's OpenMP workers spin between operations.

Why it is exact (``tests/unit/deployment/test_cuba_kernel.py`` compares outputs and gradients bit for bit with
lava-dl's, with and without spikes, and fails on a changed rounding):

* lava-dl's int64 state is held in float64: a state times a 12-bit decay is an integer below
  2**53 while the state is below 2**41 (Loihi's is 24-bit), so it is exact, and truncating
  ``p / 4096`` toward zero is lava-dl's ``right_shift_to_zero(p, 12)``;
* an input is scaled by ``w_scale`` in float32 and truncated, a state is compared with the scaled
  threshold in float32 and divided by ``w_scale`` in float32: what torch's type promotion does
  in lava-dl's ``(w_scale * x).to(int64)``, ``state >= threshold`` and ``state / w_scale``;
* the backward pass is lava-dl's float32 recurrence ``g[n] = d * g[n + 1] + g_out[n]`` (a
  multiply, then an add: numba contracts nothing into a fused multiply-add without fastmath).

The neuron falls back to lava-dl's own dynamics wherever these conditions do not hold (learned or
per-channel decays, persistent state, a norm, graded spikes, CUDA, float64 inputs, its first call,
which learns its shape): :class:`CompiledCubaNeuron` counts the calls of each kind, and a training run records
which code ran.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Iterator

import numba
import numpy as np
import torch

from ppf_neuro.formats.loihi_units import DECAY_SCALE
from ppf_neuro.lava_dl import slayer

#: Neurons per tile: a tile's input and both outputs, time-major, stay in cache (48 KB at 8 steps).
TILE = 512


@numba.njit(cache=True, nogil=True)
def _forward(x, current, voltage, current_keep, voltage_keep, w_scale, threshold):  # pragma: no cover (compiled)
    """Current and voltage (M, T) of M neurons from their input (M, T); voltage resets at a spike."""
    m, steps = x.shape
    scale = np.float32(w_scale)
    limit = np.float32(threshold)
    spiking = threshold > 0
    c_keep, v_keep, inv = np.float64(current_keep), np.float64(voltage_keep), 1.0 / DECAY_SCALE
    c_state = np.zeros(TILE, np.float64)
    v_state = np.zeros(TILE, np.float64)
    xt = np.empty((steps, TILE), np.float32)
    ct = np.empty((steps, TILE), np.float32)
    vt = np.empty((steps, TILE), np.float32)
    for start in range(0, m, TILE):
        k = min(TILE, m - start)
        for j in range(k):
            for n in range(steps):
                xt[n, j] = x[start + j, n]
        c_state[:] = 0.0
        v_state[:] = 0.0
        for n in range(steps):
            for j in range(k):
                c = np.trunc(c_state[j] * c_keep * inv) + np.trunc(np.float64(scale * xt[n, j]))
                c_state[j] = c
                c32 = np.float32(c) / scale
                ct[n, j] = c32
                v = np.trunc(v_state[j] * v_keep * inv) + np.trunc(np.float64(scale * c32))
                v32 = np.float32(v)
                v_state[j] = 0.0 if spiking and v32 >= limit else v
                vt[n, j] = v32 / scale
        for j in range(k):
            for n in range(steps):
                current[start + j, n] = ct[n, j]
                voltage[start + j, n] = vt[n, j]


@numba.njit(cache=True, nogil=True)
def _backward(grad_voltage, grad_current, grad_input, voltage_decay, current_decay):  # pragma: no cover
    """The input's gradient (M, T): back through the voltage integrator, then the current's (plus
    the gradient of the current itself where it was used, ``grad_current`` with M rows, else 0).
    Time runs backwards outside the neurons of a tile, so that their recurrences overlap."""
    m, steps = grad_voltage.shape
    with_current = grad_current.shape[0] == m
    to_voltage = np.empty(TILE, np.float32)
    to_current = np.empty(TILE, np.float32)
    for start in range(0, m, TILE):
        k = min(TILE, m - start)
        for n in range(steps - 1, -1, -1):
            last = n == steps - 1
            for j in range(k):
                i = start + j
                a = grad_voltage[i, n] if last else voltage_decay * to_voltage[j] + grad_voltage[i, n]
                to_voltage[j] = a
                if with_current:
                    a = a + grad_current[i, n]
                b = a if last else current_decay * to_current[j] + a
                to_current[j] = b
                grad_input[i, n] = b


def _rows(t: torch.Tensor) -> np.ndarray:
    return t.detach().contiguous().reshape(-1, t.shape[-1]).numpy()


class _CubaDynamics(torch.autograd.Function):
    """(input, quantised current and voltage decays, w_scale, threshold) -> (current, voltage)."""

    @staticmethod
    def forward(ctx, x, current_decay, voltage_decay, w_scale, threshold):
        ctx.set_materialize_grads(False)
        rows = _rows(x)
        current, voltage = np.empty_like(rows), np.empty_like(rows)
        _forward(rows, current, voltage, DECAY_SCALE - int(current_decay), DECAY_SCALE - int(voltage_decay),
                 float(w_scale), float(threshold * w_scale))
        # lava-dl's backward decay, computed as lava-dl does (float32 tensors)
        ctx.decays = [np.float32((1 - d / DECAY_SCALE).item()) for d in (voltage_decay, current_decay)]
        return torch.from_numpy(current).reshape(x.shape), torch.from_numpy(voltage).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad_current, grad_voltage):
        if grad_voltage is None:
            grad_voltage = torch.zeros_like(grad_current)
        shape = grad_voltage.shape
        grad_input = np.empty((int(np.prod(shape[:-1])), shape[-1]), np.float32)
        extra = _rows(grad_current) if grad_current is not None else np.empty((0, shape[-1]), np.float32)
        _backward(_rows(grad_voltage), extra, grad_input, *ctx.decays)
        return torch.from_numpy(grad_input).reshape(shape), None, None, None, None


class CompiledCubaNeuron(slayer.neuron.cuba.Neuron):
    """lava-dl's CUBA neuron whose ``dynamics`` runs the compiled loop where it is exact (module
    docstring) and lava-dl's own code elsewhere; ``calls`` counts each ("compiled", "lava-dl")."""

    calls: Counter

    def _compiled_applies(self, x: torch.Tensor) -> bool:
        return (self.shape is not None and x.shape[1:-1] == self.shape and x.dtype == torch.float32
                and not x.is_cuda and self.shared_param and not self.persistent_state and self.norm is None
                and not self.requires_grad and not self.debug and not self.graded_spike)

    def dynamics(self, input):
        if not self._compiled_applies(input):
            self.calls["lava-dl"] += 1
            return super().dynamics(input)
        self.calls["compiled"] += 1
        quantize = slayer.utils.quantize
        return _CubaDynamics.apply(input, quantize(self.current_decay), quantize(self.voltage_decay),
                                   self.s_scale, self.threshold + self.threshold_eps)


@contextlib.contextmanager
def compiled_dynamics(module: torch.nn.Module) -> Iterator[Counter]:
    """Every lava-dl CUBA neuron in ``module`` runs :class:`CompiledCubaNeuron`'s dynamics inside the
    block; yields the calls of each kind, summed over the neurons when the block ends.

    The neurons keep their identity (their class is switched, then switched back): the blocks'
    weight hooks are bound methods of these very objects, and nothing is copied."""
    neurons = [m for m in module.modules() if type(m) is slayer.neuron.cuba.Neuron]
    calls: Counter = Counter()
    for n in neurons:
        n.__class__, n.calls = CompiledCubaNeuron, Counter()
    try:
        yield calls
    finally:
        for n in neurons:
            calls.update(n.calls)
            n.__class__ = slayer.neuron.cuba.Neuron
            del n.calls
