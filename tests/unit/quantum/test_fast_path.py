"""The fast quantum path equals the QNode in outputs and gradients, and is chosen automatically."""

import pytest
import torch

from ppf_neuro.config import QuantumConfig
from ppf_neuro.quantum import QuantumNet
from ppf_neuro.quantum.circuit import make_qnode, run_circuit, weight_shape
from ppf_neuro.quantum.fast import FastCircuit


@pytest.mark.parametrize("kw", [
    {"qubits": 5, "layers": 2},
    {"qubits": 8, "layers": 3},
    {"qubits": 4, "layers": 2, "ansatz": "basic"},
    {"qubits": 3, "layers": 2, "feature_map": "amplitude"},
    {"qubits": 2, "layers": 3},
    {"qubits": 4, "layers": 3, "reupload": True},
    {"qubits": 5, "layers": 2, "measurement": "zz"},
    {"qubits": 4, "layers": 2, "measurement": "probs"},
    {"qubits": 5, "layers": 2, "measurement": "probs", "measured_wires": 3, "reupload": True},
])
def test_outputs_and_gradients_match_the_qnode(kw):
    cfg = QuantumConfig(**kw)
    gen = torch.Generator().manual_seed(0)
    w = torch.rand(weight_shape(cfg), dtype=torch.float64, generator=gen, requires_grad=True)
    x = torch.rand(16, cfg.features, dtype=torch.float64, generator=gen, requires_grad=True)
    probe = torch.linspace(-1, 1, cfg.measurement_size, dtype=torch.float64)

    fast = FastCircuit(cfg)(x, w)
    (fast * probe).sum().backward()
    fast_grads = x.grad.clone(), w.grad.clone()
    x.grad = w.grad = None
    qnode = run_circuit(make_qnode(cfg), x, w).double()
    (qnode * probe).sum().backward()

    assert (fast - qnode).abs().max() < 1e-6
    assert (fast_grads[0] - x.grad).abs().max() < 1e-6
    assert (fast_grads[1] - w.grad).abs().max() < 1e-6


def test_selected_only_where_it_holds():
    cfg = QuantumConfig(qubits=3, layers=1)
    assert QuantumNet(cfg, 8, 2).fast is not None
    assert QuantumNet(QuantumConfig(qubits=3, layers=2, reupload=True), 8, 2).fast is not None
    assert QuantumNet(QuantumConfig(qubits=3, layers=2, diff_method="adjoint"), 8, 2).fast is None
    assert QuantumNet(cfg, 8, 2, simulator="qnode").fast is None
    assert QuantumNet(cfg, 8, 2, shots=100).fast is None
    assert QuantumNet(cfg, 8, 2, device="default.mixed", noise=0.01).fast is None
    assert QuantumNet(cfg, 8, 2, device="lightning.qubit").fast is None
    assert QuantumNet(QuantumConfig(qubits=1, layers=2), 8, 2).fast is None


def test_module_with_fast_path_equals_module_on_qnode():
    cfg = QuantumConfig(qubits=4, layers=2)
    torch.manual_seed(0)
    fast = QuantumNet(cfg, 30, 5)
    slow = QuantumNet(cfg, 30, 5)
    slow.load_state_dict(fast.state_dict())
    slow.fast = None
    x = torch.rand(10, 30)
    for net in (fast, slow):
        net(x).sum().backward()
    assert torch.allclose(fast(x), slow(x), atol=1e-6)
    assert torch.allclose(fast.weights.grad, slow.weights.grad, atol=1e-6)
    assert torch.allclose(fast.reduction.linear.weight.grad, slow.reduction.linear.weight.grad, atol=1e-6)
