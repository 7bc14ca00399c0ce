"""The quantum branch as an ``nn.Module``: reduction -> circuit -> readout -> linear head."""

from __future__ import annotations

import numpy as np
import pennylane as qml
import torch

from ppf_neuro.config import QuantumConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.quantum.circuit import make_qnode, run_circuit, weight_shape
from ppf_neuro.quantum.fast import FastCircuit, fast_path_applies
from ppf_neuro.quantum.reduction import PCA, make_reduction


class QuantumNet(torch.nn.Module):
    """Features (N, D) -> class logits (N, classes) through a variational circuit.

    Args:
        cfg: the branch configuration.
        in_features: D, e.g. 784 pixels or the SNN's hidden size.
        num_classes: outputs of the classical head.
        device, shots, noise: where the circuit runs; by default the training
            simulator. Deployment rebuilds the module with another device and
            loads the same ``state_dict``.
        simulator: ``auto``, ``qnode`` or ``fast`` (see ``QuantumConfig``); by
            default the config's. Deployment passes ``qnode``: it executes the
            PennyLane device, never the fast path, unless asked for it by name.
        differentiable: False builds the QNode without gradient machinery
            (deployment only evaluates).

    ``self.qnode`` is always built (drawings, resource counts); ``self.fast`` is
    :class:`~ppf_neuro.quantum.fast.FastCircuit` where the circuit is evaluated
    by it (same outputs and gradients as the QNode within float64 rounding; the tests
    check 1e-6), else None.
    """

    def __init__(self, cfg: QuantumConfig, in_features: int, num_classes: int,
                 device: str | None = None, shots: int | None = None, noise: float = 0.0,
                 simulator: str | None = None, differentiable: bool = True, seed: int | None = None):
        super().__init__()
        self.cfg = cfg
        self.in_features = in_features
        self.reduction = make_reduction(cfg, in_features)
        self.weights = torch.nn.Parameter(torch.empty(weight_shape(cfg)).uniform_(0, 2 * np.pi))
        self.head = torch.nn.Linear(cfg.readout_size, num_classes)
        self.qnode = make_qnode(cfg, device, shots, noise, differentiable, seed)
        simulator = simulator or cfg.simulator
        applies = fast_path_applies(cfg, device, shots, noise)
        if simulator == "fast" and not applies:
            raise PPFError("the fast quantum path needs an analytic, noiseless default.qubit with 2+ qubits and "
                           "diff_method backprop")
        self.fast = FastCircuit(cfg) if (simulator == "fast" or (simulator == "auto" and applies)) else None

    @property
    def backend(self) -> str:
        """What evaluates the circuit, in words (reports name it)."""
        if self.fast is not None:
            return "ppf-neuro fast path (state vector in torch, exact to the default.qubit QNode)"
        return f"PennyLane QNode on {self.qnode.device.name} (diff_method {self.qnode.diff_method})"

    def fit_reduction(self, features: np.ndarray) -> None:
        """Fit data-dependent reductions (PCA) on training inputs; others ignore it."""
        if isinstance(self.reduction, PCA):
            self.reduction.fit(features)

    def expectations(self, x: torch.Tensor) -> torch.Tensor:
        """The circuit's readout per sample, (N, readout_size)."""
        if self.fast is not None:
            return self.fast(self.reduction(x), self.weights).float()
        return run_circuit(self.qnode, self.reduction(x), self.weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.expectations(x))

    def classical_macs(self) -> int:
        """Multiply-accumulates per sample of the branch's classical layers: the reduction (a dressed
        reduction's linear layers, or PCA's projection; a pool reduction only averages) and the head.
        A hybrid's cost is not the circuit's alone."""
        linear = sum(m.weight.numel() for m in self.modules() if isinstance(m, torch.nn.Linear))
        return int(linear + (self.reduction.components.numel() if isinstance(self.reduction, PCA) else 0))

    @torch.no_grad()
    def resources(self, x: torch.Tensor) -> dict:
        """Gate-level resources of one sample's circuit on this device (PennyLane's ``specs``).

        One circuit execution per sample (analytic or ``shots`` repetitions);
        gradients are not needed at deployment.
        """
        features = self.reduction(torch.as_tensor(x)[:1])[0].double()
        specs = qml.specs(self.qnode, level="device")(features, self.weights.double())
        res = specs["resources"]
        return {
            "qubits": int(res.num_wires),
            "gates": int(res.num_gates),
            "gate_types": dict(res.gate_types),
            "depth": int(res.depth),
            "two_qubit_gates": int(res.gate_sizes.get(2, 0)),
            "shots": res.shots.total_shots,
            "readout": self.cfg.readout,
            "readout_size": self.cfg.readout_size,
            "circuit_executions": 1,
            "trainable_circuit_parameters": int(self.weights.numel()),
            "classical_macs": self.classical_macs(),
            "classical_parameters": int(sum(p.numel() for p in self.parameters()) - self.weights.numel()
                                        + sum(b.numel() for b in self.buffers())),
            "operations": [[op.name, [int(w) for w in op.wires]] for op in
                           qml.workflow.construct_tape(self.qnode, level="device")(features, self.weights.double())
                           .operations],
        }
