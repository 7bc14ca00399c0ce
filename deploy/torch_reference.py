"""The trained PyTorch model run on exactly the inputs given to the deployment: the reference."""

from __future__ import annotations

import numpy as np
import torch

from deploy.lava_runner import SpikeCounts
from ppf_neuro.models import Classifier, SpikingNet


@torch.no_grad()
def run_on_torch(model: SpikingNet, spikes: np.ndarray, batch_size: int = 256) -> SpikeCounts:
    """Per-sample spike counts of every layer, (N, neurons) each, CHW order."""
    model.eval()
    per_layer: list[list[np.ndarray]] = []
    for start in range(0, len(spikes), batch_size):
        outs = model.forward_layers(torch.from_numpy(spikes[start:start + batch_size]).float())
        for i, o in enumerate(outs):
            if len(per_layer) <= i:
                per_layer.append([])
            per_layer[i].append(o.sum(-1).flatten(1).numpy().astype(np.int64))
    return SpikeCounts([np.concatenate(c) for c in per_layer])


@torch.no_grad()
def predict(model: Classifier, images: np.ndarray, spikes: np.ndarray | None, batch_size: int = 256) -> dict[str, np.ndarray]:
    """Log-probabilities of the output and every branch, (N, classes) each."""
    model.eval()
    parts: dict[str, list[np.ndarray]] = {}
    for b in range(0, len(images), batch_size):
        s = None if spikes is None else torch.from_numpy(spikes[b:b + batch_size]).float()
        for name, logp in model(torch.from_numpy(images[b:b + batch_size]), s).items():
            parts.setdefault(name, []).append(logp.numpy())
    return {name: np.concatenate(v) for name, v in parts.items()}
