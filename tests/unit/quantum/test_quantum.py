"""The quantum branch on real PennyLane devices, and the hybrid models' training step."""

import numpy as np
import pytest
import torch
from conftest import tiny_config

from ppf_neuro.config import QuantumConfig
from ppf_neuro.encoding import encode
from ppf_neuro.errors import PPFError
from ppf_neuro.models import build_model
from ppf_neuro.quantum import QuantumNet
from ppf_neuro.training.trainer import param_groups

X = torch.rand(6, 20, generator=torch.Generator().manual_seed(0))


def _twin(cfg, device, **kw):
    torch.manual_seed(0)
    a = QuantumNet(cfg, 20, 4)
    a.fit_reduction(np.random.default_rng(0).random((30, 20)))
    b = QuantumNet(cfg, 20, 4, device=device, **kw)
    b.load_state_dict(a.state_dict())
    return a, b


@pytest.mark.parametrize("device", ["lightning.qubit", "default.mixed"])
@pytest.mark.parametrize("kw", [{"qubits": 4}, {"qubits": 4, "reduction": "pca", "ansatz": "basic"},
                                {"qubits": 4, "reupload": True}, {"qubits": 4, "measurement": "zz"},
                                {"qubits": 4, "measurement": "probs", "measured_wires": 2},
                                {"feature_map": "amplitude", "qubits": 3, "reduction": "pool"}])
def test_same_outputs_on_other_devices(device, kw):
    a, b = _twin(QuantumConfig(layers=2, **kw), device)
    assert a.fast is not None and b.fast is None  # training's fast path against the device's QNode
    with torch.no_grad():
        np.testing.assert_allclose(a(X).numpy(), b(X).numpy(), atol=1e-5)


def test_batch_is_broadcast_not_looped():
    a, _ = _twin(QuantumConfig(qubits=3), "default.qubit")
    with torch.no_grad():
        batched = a(X)
        single = torch.cat([a(X[i:i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(batched.numpy(), single.numpy(), atol=1e-6)


def test_shots_approach_analytic_values():
    a, b = _twin(QuantumConfig(qubits=3), "default.qubit", shots=20000)
    with torch.no_grad():
        np.testing.assert_allclose(a.expectations(X).numpy(), b.expectations(X).numpy(), atol=0.05)


def test_depolarising_noise_shrinks_expectations():
    a, b = _twin(QuantumConfig(qubits=3), "default.mixed", noise=0.1)
    with torch.no_grad():
        clean, noisy = a.expectations(X).abs().mean(), b.expectations(X).abs().mean()
    assert noisy < 0.9 * clean


def test_device_errors():
    with pytest.raises(PPFError, match="nope.qubit"):
        QuantumNet(QuantumConfig(qubits=2), 4, 2, device="nope.qubit")
    with pytest.raises(PPFError, match="mixed-state"):
        QuantumNet(QuantumConfig(qubits=2), 4, 2, device="default.qubit", noise=0.1)
    with pytest.raises(PPFError, match="shots"):
        QuantumNet(QuantumConfig(qubits=2), 4, 2, shots=0)
    with pytest.raises(PPFError, match="diff_method"):
        QuantumNet(QuantumConfig(qubits=2, diff_method="nonsense"), 4, 2)
    with pytest.raises(PPFError, match="fast quantum path"):
        QuantumNet(QuantumConfig(qubits=2), 4, 2, device="default.mixed", simulator="fast")


@pytest.mark.parametrize("model", ["ppf", "serial", "qnn", "snn"])
def test_every_parameter_of_every_branch_changes_in_one_step(model):
    cfg = tiny_config(model=model)
    net = build_model(cfg, (1, 8, 8), 10)
    net.prepare(np.random.default_rng(0).random((50, 1, 8, 8)).astype(np.float32))
    images = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    labels = torch.arange(16) % 10
    before = {k: v.detach().clone() for k, v in net.named_parameters() if v.requires_grad}
    opt = torch.optim.Adam(param_groups(net, cfg))
    out = net(images, encode(images, cfg.encoding) if net.uses_spikes else None)
    torch.nn.functional.nll_loss(out["output"], labels).backward()
    opt.step()
    unchanged = [k for k, v in net.named_parameters() if k in before and torch.equal(v, before[k])]
    assert not unchanged, f"parameters that did not train: {unchanged}"
    prefixes = {k.split(".")[0] for k in before}
    assert prefixes == {"ppf": {"snn", "qnn", "ratio_logit"}, "serial": {"snn", "qnn"},
                        "qnn": {"qnn"}, "snn": {"snn"}}[model]


def test_ppf_ratio_fixed_or_learned_has_one_source():
    import dataclasses

    cfg = tiny_config(model="ppf")
    learned = build_model(cfg, (1, 8, 8), 10)
    assert float(learned.ratio) == pytest.approx(cfg.fusion.init_ratio) and learned.ratio_logit.requires_grad
    with torch.no_grad():
        learned.ratio_logit.fill_(-2.0)
    assert float(learned.ratio) == pytest.approx(1 / (1 + np.exp(2.0)))
    fixed = build_model(cfg.replace(fusion=dataclasses.replace(cfg.fusion, ratio=0.2)), (1, 8, 8), 10)
    assert float(fixed.ratio) == pytest.approx(0.2) and "ratio_logit" not in fixed.state_dict()


def test_a_density_matrix_runs_with_its_temporaries_reused_and_the_same_outputs(monkeypatch):
    """default.mixed's large temporaries come from the heap while it runs (ppf_neuro.quantum.heap):
    the outputs are the same bits as with glibc's defaults, and only a mixed-state device asks for it."""
    import contextlib

    from ppf_neuro.quantum import circuit
    from ppf_neuro.quantum.heap import heap_reuse

    _, mixed = _twin(QuantumConfig(qubits=6, layers=2), "default.mixed", noise=0.02)
    _, pure = _twin(QuantumConfig(qubits=6, layers=2), "default.qubit", simulator="qnode")
    with torch.no_grad():
        with monkeypatch.context() as m:  # glibc's defaults throughout
            m.setattr(circuit, "heap_reuse", contextlib.nullcontext)
            default = mixed.expectations(X)
        reused = mixed.expectations(X)
        with heap_reuse():  # nested: the inner block leaves the outer's settings alone
            nested = mixed.expectations(X)
    assert torch.equal(default, reused) and torch.equal(default, nested)
    calls = []

    @contextlib.contextmanager
    def spy():
        calls.append(1)
        yield

    monkeypatch.setattr(circuit, "heap_reuse", spy)
    with torch.no_grad():
        mixed.expectations(X)
        pure.expectations(X)
    assert calls == [1], "the density matrix, not the state vector"
