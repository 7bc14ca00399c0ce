"""The compiled CUBA dynamics against lava-dl's own CPU dynamics: outputs and gradients bit for bit."""

import numpy as np
import pytest
import torch

from ppf_neuro.lava_dl import slayer
from ppf_neuro.models import cuba_kernel
from ppf_neuro.models.cuba_kernel import compiled_dynamics

NEURONS = [  # (threshold, current_decay, voltage_decay): ppf-neuro's defaults, fast and slow decays
    (1.25, 0.25, 0.03), (0.5, 1.0, 0.0), (3.0, 0.0, 0.9), (0.1, 0.6, 0.6)]


def neuron(threshold, current_decay, voltage_decay):
    return slayer.neuron.cuba.Neuron(threshold=threshold, current_decay=current_decay,
                                     voltage_decay=voltage_decay, tau_grad=1, scale_grad=1, requires_grad=False)


def lava_dl_and_compiled(params, x):
    """Spikes, current, voltage and the input's gradient by lava-dl, then by the compiled kernel, on
    the same neuron (its first call learns the shape and runs lava-dl's code: made before)."""
    n = neuron(*params)
    with torch.no_grad():
        n(x[:1])
    results = []
    for compiled in (False, True):
        with (compiled_dynamics(n) if compiled else _lava_dl()) as calls:
            xi = x.clone().requires_grad_()
            current, voltage = n.dynamics(xi)
            spikes = n.spike(voltage)
            weights = torch.linspace(-1, 1, spikes.numel()).reshape(spikes.shape)
            ((spikes * weights).sum() + (current * weights.flip(0)).sum()).backward()
        results.append((spikes.detach(), current.detach(), voltage.detach(), xi.grad, dict(calls)))
    return results


class _lava_dl:
    def __enter__(self):
        return {}

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("params", NEURONS)
@pytest.mark.parametrize("steps", [1, 8, 33])
def test_outputs_and_gradients_are_lava_dls_bit_for_bit(params, steps):
    gen = torch.Generator().manual_seed(steps)
    x = torch.rand(5, 3, 7, 11, steps, generator=gen) * 4 - 1  # 5 x 231 neurons: a partial last tile
    x[0, 0, 0, 0] = 1e4  # a large state, a saturating spike train
    (s0, c0, v0, g0, _), (s1, c1, v1, g1, calls) = lava_dl_and_compiled(params, x)
    assert calls == {"compiled": 1}
    assert 0 < s0.mean() < 1, "the case must have spikes and silences"
    for a, b in ((s0, s1), (c0, c1), (v0, v1), (g0, g1)):
        assert a.dtype == b.dtype and torch.equal(a, b)
    assert g0.abs().sum() > 0


def test_many_tiles_and_a_conv_layer_shape():
    x = torch.rand(9, 8, 14, 14, 8, generator=torch.Generator().manual_seed(1)) * 3  # 14,112 neurons
    (s0, c0, v0, g0, _), (s1, c1, v1, g1, _) = lava_dl_and_compiled(NEURONS[0], x)
    assert torch.equal(v0, v1) and torch.equal(c0, c1) and torch.equal(g0, g1)


def test_a_changed_rounding_is_caught(monkeypatch):
    """The comparison can fail: rounding the decayed state to nearest instead of toward zero."""
    source = cuba_kernel._forward.py_func
    monkeypatch.setattr(cuba_kernel, "_forward", lambda *a: _with_round(source)(*a))
    x = torch.rand(4, 50, 8, generator=torch.Generator().manual_seed(2)) * 3 - 1
    (_, c0, v0, *_), (_, c1, v1, *_) = lava_dl_and_compiled(NEURONS[0], x)
    assert not torch.equal(v0, v1)


def _with_round(source):
    """``source`` (the kernel's Python function) with np.trunc of the decayed states replaced by rounding."""
    g = dict(source.__globals__, np=_RoundingNumpy())
    return type(source)(source.__code__, g, source.__name__, source.__defaults__, source.__closure__)


class _RoundingNumpy:
    def __getattr__(self, name):
        return np.round if name == "trunc" else getattr(np, name)


def test_where_it_does_not_apply_lava_dls_code_runs():
    n = slayer.neuron.cuba.Neuron(threshold=1.0, current_decay=0.1, voltage_decay=0.1, requires_grad=True)
    x = torch.rand(2, 4, 8)
    with compiled_dynamics(n) as calls:
        n(x)  # learns the shape
        n(x)  # learned decays: lava-dl's own code
    assert calls == {"lava-dl": 2}
    assert type(n) is slayer.neuron.cuba.Neuron and not hasattr(n, "calls")


def test_a_model_trains_to_the_same_weights_either_way():
    """Two optimiser steps of a small conv SNN, once with each dynamics: the same weights bit for bit."""
    from ppf_neuro.config import ConvSpec, SNNConfig
    from ppf_neuro.models import SpikingNet

    def trained(compiled):
        torch.manual_seed(0)
        snn = SpikingNet(SNNConfig(conv=(ConvSpec(channels=4, kernel=3, stride=2, padding=1),), hidden=(16,)),
                         (1, 12, 12), 3)
        snn(torch.zeros(1, 1, 12, 12, 4))
        opt = torch.optim.Adam(snn.parameters(), lr=0.01)
        x = (torch.rand(6, 1, 12, 12, 6, generator=torch.Generator().manual_seed(3)) < 0.4).float()
        with (compiled_dynamics(snn) if compiled else _lava_dl()) as calls:
            for _ in range(2):
                opt.zero_grad()
                snn(x).sum(-1).logsumexp(-1).sum().backward()
                opt.step()
        return [p.detach().clone() for p in snn.parameters()], dict(calls)

    (a, _), (b, calls) = trained(False), trained(True)
    assert calls == {"compiled": 6}
    assert all(torch.equal(p, q) for p, q in zip(a, b))
