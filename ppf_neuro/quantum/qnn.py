"""The quantum branch as an ``nn.Module``: reduction -> circuit -> measurement -> linear head."""

from __future__ import annotations

import numpy as np
import pennylane as qml
import torch

from ppf_neuro.choices import Simulator
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
        target: a real device's calibration snapshot (``fake_brisbane``, ...) that the
            circuit is compiled for and run on with its noise
            (:mod:`ppf_neuro.quantum.device_target`); needs ``shots``, excludes ``device``
            and ``noise``.
        device_options: the PennyLane device's own keyword arguments.
        noise_model: the checked rules of a noise-model file (:mod:`ppf_neuro.quantum.noise_model`).
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
                 simulator: str | None = None, differentiable: bool = True, seed: int | None = None,
                 target: str | None = None, device_options: dict | None = None, noise_model: dict | None = None):
        super().__init__()
        self.cfg = cfg
        self.in_features = in_features
        self.reduction = make_reduction(cfg, in_features)
        self.weights = torch.nn.Parameter(torch.empty(weight_shape(cfg)).uniform_(0, 2 * np.pi))
        self.head = torch.nn.Linear(cfg.measurement_size, num_classes)
        if target is not None:
            from ppf_neuro.quantum.device_target import TargetCircuit

            self.qnode = TargetCircuit(cfg, target, shots, seed, device_options)
        else:
            self.qnode = make_qnode(cfg, device, shots, noise, differentiable, seed, device_options, noise_model)
        simulator = simulator or cfg.simulator
        applies = target is None and not noise_model and fast_path_applies(cfg, device, shots, noise)
        if simulator == Simulator.FAST and not applies:
            raise PPFError("the fast quantum path needs an analytic, noiseless default.qubit with 2+ qubits and "
                           "diff_method backprop")
        fast = simulator == Simulator.FAST or (simulator == Simulator.AUTO and applies)
        self.fast = FastCircuit(cfg) if fast else None

    @property
    def backend(self) -> str:
        """What evaluates the circuit, in words (reports name it)."""
        if self.fast is not None:
            return "ppf-neuro fast path (state vector in torch, exact to the default.qubit QNode)"
        if hasattr(self.qnode, "native"):
            return f"PennyLane qiskit.aer, the circuit compiled for {self.qnode.name} with its calibration's noise"
        return f"PennyLane QNode on {self.qnode.device.name} (diff_method {self.qnode.diff_method})"

    def fit_reduction(self, features: np.ndarray) -> None:
        """Fit data-dependent reductions (PCA) on training inputs; others ignore it."""
        if isinstance(self.reduction, PCA):
            self.reduction.fit(features)

    def expectations(self, x: torch.Tensor) -> torch.Tensor:
        """The circuit's measurement per sample, (N, measurement_size)."""
        return self.circuit(self.reduction(x))

    def circuit(self, reduced: torch.Tensor) -> torch.Tensor:
        """The circuit's measurement of already reduced features (N, qubits' inputs)."""
        if self.fast is not None:
            return self.fast(reduced, self.weights).float()
        return run_circuit(self.qnode, reduced, self.weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.expectations(x))

    def classical_macs(self) -> int:
        """Multiply-accumulates per sample of the branch's classical layers: the reduction (a dressed
        reduction's linear layers, or PCA's projection; a pool reduction only averages) and the head.
        A hybrid's cost is not the circuit's alone."""
        linear = sum(m.weight.numel() for m in self.modules() if isinstance(m, torch.nn.Linear))
        return int(linear + (self.reduction.components.numel() if isinstance(self.reduction, PCA) else 0))

    def prepare(self) -> "QuantumNet":
        """Compile a device target for the loaded weights, before any sample runs (nothing otherwise)."""
        if hasattr(self.qnode, "native"):
            self.qnode.compile(self.weights.detach().double().numpy())
        return self

    @property
    def target(self) -> dict | None:
        """The device target's description (the report's ``quantum.target``) once it has run, else None."""
        summary = getattr(self.qnode, "summary", None)
        return summary() if summary is not None and self.qnode.native is not None else None

    @torch.no_grad()
    def resources(self, x: torch.Tensor) -> dict:
        """Gate-level resources of one sample's circuit on this device (PennyLane's ``specs``; on a
        device target, the native circuit it compiled).

        One circuit execution per sample (analytic or ``shots`` repetitions);
        gradients are not needed at deployment.
        """
        features = self.reduction(torch.as_tensor(x)[:1])[0].double()
        if hasattr(self.qnode, "native"):
            gates = self.qnode.gate_resources(features.numpy())
        else:
            res = qml.specs(self.qnode, level="device")(features, self.weights.double())["resources"]
            gates = {"qubits": int(res.num_wires), "gates": int(res.num_gates), "gate_types": dict(res.gate_types),
                     "depth": int(res.depth), "two_qubit_gates": int(res.gate_sizes.get(2, 0)),
                     "shots": res.shots.total_shots,
                     "operations": [[op.name, [int(w) for w in op.wires]] for op in
                                    qml.workflow.construct_tape(self.qnode, level="device")(
                                        features, self.weights.double()).operations]}
        return {
            **{k: v for k, v in gates.items() if k != "operations"},
            "measurement": self.cfg.measurement,
            "measurement_size": self.cfg.measurement_size,
            "circuit_executions": 1,
            "trainable_circuit_parameters": int(self.weights.numel()),
            "classical_macs": self.classical_macs(),
            "classical_parameters": int(sum(p.numel() for p in self.parameters()) - self.weights.numel()
                                        + sum(b.numel() for b in self.buffers())),
            "operations": gates["operations"],
        }
