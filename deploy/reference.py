"""The trained PyTorch model, run on exactly the inputs given to the deployment: the reference.

It is an independent computation of everything the deployment produces: SLAYER
in PyTorch instead of Lava for the spiking layers, the training simulator
(ppf-neuro's fast path where training used it, else the QNode) instead of the
deployment device for the circuit, and the training-time fusion instead of the
host fuser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from deploy.counts import SpikeCounts
from ppf_neuro.formats.fixed_point import WEIGHT_SCALE
from ppf_neuro.models import Classifier, SpikingNet


@dataclass(frozen=True)
class ReferenceResult:
    """Scores of the decision (``output``) and of every branch, (N, classes) each; the SNN's counts."""

    scores: dict[str, np.ndarray]
    counts: SpikeCounts | None
    info: dict


def spike_counts(layers: list[torch.Tensor]) -> list[np.ndarray]:
    """Per-sample counts (N, neurons) of every layer's spikes (N, *shape, T), CHW order."""
    return [o.sum(-1).flatten(1).numpy().astype(np.int64) for o in layers]


@torch.no_grad()
def run_classifier(model: Classifier, images: np.ndarray, spikes: np.ndarray | None,
                   batch_size: int = 256) -> ReferenceResult:
    """Class probabilities of the output and every branch, and per-layer SNN counts; the SNN runs once."""
    model.eval()
    scores: dict[str, list[np.ndarray]] = {}
    batches: list[list[np.ndarray]] = []  # per batch, per layer
    for b in range(0, len(images), batch_size):
        x = torch.from_numpy(images[b:b + batch_size])
        snn_layers = model.snn.forward_layers(torch.from_numpy(spikes[b:b + batch_size]).float()) \
            if model.uses_spikes else None
        for name, logp in model.combine(x, None if snn_layers is None else snn_layers[-1]).items():
            scores.setdefault(name, []).append(logp.exp().double().numpy())
        if snn_layers is not None:
            batches.append(spike_counts(snn_layers))
    counts = SpikeCounts([np.concatenate(layer) for layer in zip(*batches)]) if batches else None
    qnn = getattr(model, "qnn", None)
    info = {"backend": "PyTorch: the trained model (SLAYER for the SNN" +
            (f"; circuit by {qnn.backend}" if qnn is not None else "") + ")"}
    return ReferenceResult({k: np.concatenate(v) for k, v in scores.items()}, counts, info)


def slayer_stepper(snn: SpikingNet):
    """SLAYER's step-by-step view of one sample (see ``deploy.divergence.Stepper``): spikes from
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
