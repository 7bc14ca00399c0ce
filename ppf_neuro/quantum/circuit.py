r"""The variational circuit, as one template used for training and for every deployment device.

.. math::

    |\psi(x, \theta)\rangle = \prod_{l=1}^{L} U_l(\theta_l)\, E_l(x)\; H^{\otimes n} |0\rangle

with :math:`E_l(x) = \bigotimes_i R_Y(x_i)` (angle encoding; applied before every
layer with re-uploading, before the first one otherwise) or amplitude
embedding of the normalised :math:`2^n` features (first layer only), and
:math:`U_l` one layer of StronglyEntanglingLayers (``strong``: Rot on every
qubit, CNOT ring) or BasicEntanglerLayers (``basic``: RX on every qubit,
CNOT ring). The Hadamard layer precedes angle encoding as in the paper's code.

The measurement (``quantum.measurement``) is what the linear head sees:

* ``z``: :math:`y_i = \langle Z_i \rangle`, n numbers (the paper's);
* ``zz``: those and the correlators :math:`\langle Z_i Z_j \rangle,\ i<j`: n + n(n-1)/2;
* ``probs``: :math:`|\langle b|\psi\rangle|^2` summed over the other wires, for the
  :math:`2^k` basis states b of the first k wires (wire 0 the most significant bit).

Inputs broadcast: ``x`` of shape (B, k) runs B circuits in one call.
"""

from __future__ import annotations

from contextlib import nullcontext

import pennylane as qml
import torch
from pennylane.exceptions import DeviceError, QuantumFunctionError

from ppf_neuro.choices import RANGES, Ansatz, FeatureMap, Measurement
from ppf_neuro.config import QuantumConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.quantum.heap import heap_reuse


def weight_shape(cfg: QuantumConfig) -> tuple[int, ...]:
    """Shape of the trainable ansatz weights."""
    if cfg.ansatz == Ansatz.STRONG:
        return qml.StronglyEntanglingLayers.shape(n_layers=cfg.layers, n_wires=cfg.qubits)
    return qml.BasicEntanglerLayers.shape(n_layers=cfg.layers, n_wires=cfg.qubits)


def measurements(cfg: QuantumConfig) -> list:
    """The PennyLane measurements of ``cfg.measurement``, in the order the head reads them."""
    wires = range(cfg.qubits)
    if cfg.measurement == Measurement.PROBS:
        return [qml.probs(wires=list(wires)[: cfg.measured_wires or cfg.qubits])]
    out = [qml.expval(qml.PauliZ(w)) for w in wires]
    if cfg.measurement == Measurement.ZZ:
        out += [qml.expval(qml.PauliZ(i) @ qml.PauliZ(j)) for i in wires for j in wires if i < j]
    return out


def circuit_template(cfg: QuantumConfig):
    """The quantum function ``(features, weights) -> measurements`` for this config."""
    wires = list(range(cfg.qubits))
    ansatz = qml.StronglyEntanglingLayers if cfg.ansatz == Ansatz.STRONG else qml.BasicEntanglerLayers

    def circuit(features, weights):
        if cfg.feature_map == FeatureMap.AMPLITUDE:
            qml.AmplitudeEmbedding(features, wires=wires, normalize=True, pad_with=0.0)
        else:
            for w in wires:
                qml.Hadamard(w)
        for layer in range(cfg.layers):
            if cfg.feature_map == FeatureMap.ANGLE and (layer == 0 or cfg.reupload):
                qml.AngleEmbedding(features, wires=wires, rotation="Y")
            ansatz(weights[layer : layer + 1], wires=wires)
        return measurements(cfg)

    return circuit


def make_device(name: str, wires: int, shots: int | None = None, seed: int | None = None,
                options: dict | None = None):
    """A PennyLane device by name, with a clear error for unknown names; ``seed`` seeds its sampling
    (shots, sampled noise), so that a rerun gives the same outputs; ``options``: the device's own
    keyword arguments (``--qdevice-option``)."""
    RANGES["shots"].check("shots", shots)
    try:
        return qml.device(name, wires=wires, shots=shots, **({} if seed is None else {"seed": seed}), **(options or {}))
    except DeviceError as e:
        raise PPFError(f"PennyLane device '{name}': {e}") from None
    except TypeError as e:  # an option the device does not take
        raise PPFError(f"PennyLane device '{name}' with options {options}: {e}") from None


def make_qnode(cfg: QuantumConfig, device: str | None = None, shots: int | None = None,
               noise: float = 0.0, differentiable: bool = True, seed: int | None = None,
               options: dict | None = None, noise_model: dict | None = None):
    """A torch QNode of the template on ``device`` (default: the training device).

    ``noise`` > 0 inserts a depolarising channel of that probability after
    every gate, which needs a mixed-state device such as ``default.mixed``.
    A differentiable QNode uses the config's ``diff_method`` on the training
    device (PennyLane's ``best`` elsewhere); ``differentiable=False`` (deployment)
    executes without any gradient machinery. ``seed`` seeds the device's sampling. ``noise_model``:
    checked rules of a noise-model file (``ppf_neuro.quantum.noise_model``), applied at the device level.
    """
    RANGES["noise"].check("noise", noise)
    dev = make_device(device or cfg.device, cfg.qubits, shots, seed, options)
    if (noise > 0 or noise_model) and not supports_noise(dev):
        raise PPFError(f"noise needs a mixed-state device such as default.mixed, not '{dev.name}'")
    method = None if not differentiable else (
        cfg.diff_method if device in (None, cfg.device) and shots is None else "best")
    try:
        qnode = qml.QNode(circuit_template(cfg), dev, interface="torch", diff_method=method)
    except (QuantumFunctionError, ValueError) as e:
        raise PPFError(f"quantum.diff_method '{method}' on '{dev.name}': {e}") from None
    if noise > 0:
        qnode = qml.transforms.insert(qnode, qml.DepolarizingChannel, noise, position="all")
    if noise_model:
        from ppf_neuro.quantum.noise_model import noise_model as build

        qnode = qml.add_noise(qnode, build(noise_model), level="device")
    return qnode


def supports_noise(device) -> bool:
    """Whether a device simulates mixed states (depolarising channels)."""
    return "mixed" in device.name or "density" in str(type(device)).lower()


def run_circuit(qnode, features: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Evaluate a batch: features (B, k) -> the measurement (B, measurement_size) as float32.

    The circuit itself runs in float64: in float32 a density matrix's
    probabilities can miss 1 by more than samplers accept (default.mixed with shots).
    A density matrix's large temporaries are reused from the heap (``heap_reuse``).
    """
    with heap_reuse() if supports_noise(qnode.device) else nullcontext():
        out = qnode(features.double(), weights.double())
    parts = out if isinstance(out, (list, tuple)) else [out]
    return torch.cat([torch.as_tensor(o).reshape(len(features), -1) for o in parts], dim=-1).float()
