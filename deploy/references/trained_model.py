"""The trained PyTorch model, run on exactly the inputs given to the deployment: the reference.

It is computed independently of the deployment: for the spiking layers, the trained model's own
quantised weights and neuron parameters (``pre_hook_fx(w, descale=True)``, ``device_params``,
taken from the PyTorch modules, not from the exported file) run in Loihi's integer arithmetic
(``ppf_neuro.deployment.references.netx_fixed_point``, vectorised over samples and steps) instead of Lava, and SLAYER's own
forward pass on the first samples checks that this is what SLAYER computes (if it ever is not,
SLAYER itself becomes the reference for every sample, and the report says so); for the circuit,
the training simulator (ppf-neuro's fast path where training used it, else the QNode) instead
of the deployment device; for the decision, the training-time fusion (the same rule as the host
fuser: not independent, see ``ppf_neuro.kinds``).
"""

from __future__ import annotations

import numpy as np
import torch

from ppf_neuro.deployment.results import ReferenceResult
from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.formats.loihi_units import WEIGHT_SCALE
from ppf_neuro.formats.netx import NetxFile
from ppf_neuro.models import Classifier, SpikingNet

#: Samples on which SLAYER's own forward pass checks the integer reference.
SLAYER_CHECK_SAMPLES = 256


def spike_counts(layers: list[torch.Tensor]) -> list[np.ndarray]:
    """Per-sample counts (N, neurons) of every layer's spikes (N, *shape, T), CHW order."""
    return [o.sum(-1).flatten(1).numpy().astype(np.int64) for o in layers]


def integer_snn(snn: SpikingNet) -> FixedPointSNN:
    """The trained SNN in Loihi's integer arithmetic, from the PyTorch modules' own quantised weights
    (what SLAYER trains with) and neuron parameters (``SpikingNet.netx_layers``)."""
    return FixedPointSNN(NetxFile(None, tuple(snn.input_shape), snn.netx_layers()))


def _slayer_counts(snn: SpikingNet, spikes: np.ndarray, batch_size: int = 256) -> list[np.ndarray]:
    batches = [spike_counts(snn.forward_layers(torch.from_numpy(spikes[b:b + batch_size]).float()))
               for b in range(0, len(spikes), batch_size)]
    return [np.concatenate(layer) for layer in zip(*batches)]


@torch.no_grad()
def spiking_reference(snn: SpikingNet, spikes: np.ndarray) -> tuple[list[np.ndarray], dict]:
    """Every layer's counts (N, neurons) and the output layer's spikes (N, classes, T), in integer
    arithmetic, checked against SLAYER's own forward on the first samples; SLAYER for every sample
    if the check finds any difference."""
    counts = integer_snn(snn).counts(spikes)[0]
    checked = spikes[:SLAYER_CHECK_SAMPLES]
    agree = all(np.array_equal(a[:len(checked)], b) for a, b in zip(counts, _slayer_counts(snn, checked)))
    info = {"samples": len(checked), "identical_counts_in_every_layer": agree,
            "used_for_all_samples": "integer arithmetic (SLAYER agreed)" if agree else
            "SLAYER (the integer arithmetic disagreed with it)"}
    return (counts if agree else _slayer_counts(snn, spikes)), info


@torch.no_grad()
def run_classifier(model: Classifier, images: np.ndarray, spikes: np.ndarray | None,
                   batch_size: int = 1024) -> ReferenceResult:
    """Class probabilities of the output and every branch, and per-layer SNN counts; the SNN runs once
    (module docstring), the rest of the model in batches on its output counts."""
    model.eval()
    counts, info = None, {}
    if model.uses_spikes:
        layers, info["slayer_check"] = spiking_reference(model.snn, spikes)
        counts = SpikeCounts(layers)
    scores: dict[str, list[np.ndarray]] = {}
    for b in range(0, len(images), batch_size):
        x = torch.from_numpy(images[b:b + batch_size])
        snn_out = None if counts is None else torch.from_numpy(counts.output[b:b + batch_size]).float()[..., None]
        for name, logp in model.combine(x, snn_out).items():
            scores.setdefault(name, []).append(logp.exp().double().numpy())
    qnn = getattr(model, "qnn", None)
    parts = ["its SNN in integer arithmetic from the model's quantised parameters, checked against SLAYER"
             if model.uses_spikes else "", f"circuit by {qnn.backend}" if qnn is not None else ""]
    info["backend"] = f"PyTorch: the trained model ({'; '.join(p for p in parts if p)})"
    return ReferenceResult({k: np.concatenate(v) for k, v in scores.items()}, counts, info)


def slayer_stepper(snn: SpikingNet):
    """SLAYER's step-by-step view of one sample (see ``ppf_neuro.deployment.diagnosis.divergence.Stepper``): spikes from
    ``forward_layers``; current and voltage from the neuron's own dynamics, in Lava's units
    (x 64 * w_scale) and with the voltage reset at a spike, as Lava holds it."""
    @torch.no_grad()
    def step(spikes: np.ndarray, layer: int) -> tuple[list[np.ndarray], dict]:
        x = torch.from_numpy(spikes).float()
        outs = snn.forward_layers(x)
        rasters = [o[0].reshape(-1, o.shape[-1]).numpy().astype(np.int8) for o in outs]
        block = snn.spiking_layers[layer]
        current, voltage = block.neuron.dynamics(block.synapse(snn.layer_inputs(x)[layer]))
        scale = WEIGHT_SCALE * block.neuron.w_scale
        voltage = torch.where(outs[layer] > 0, torch.zeros_like(voltage), voltage)
        traces = {k: torch.round(t[0] * scale).reshape(-1, t.shape[-1]).numpy().astype(np.int64)
                  for k, t in (("u", current), ("v", voltage))}
        return rasters, traces

    return step
