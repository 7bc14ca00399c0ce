"""Run the bundle's quantum branch on any PennyLane device, batched where the device broadcasts."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ppf_neuro.quantum import QuantumNet


@dataclass(frozen=True)
class QuantumResult:
    logits: np.ndarray  # (N, classes)
    seconds: float


@torch.no_grad()
def run_quantum(qnet: QuantumNet, features: np.ndarray, batch_size: int = 256, progress: bool = True) -> QuantumResult:
    """Class logits for features (N, D); each batch is one broadcast QNode call."""
    start = time.perf_counter()
    out = []
    bar = tqdm(total=len(features), desc=f"quantum ({qnet.qnode.device.name})", unit="sample",
               disable=not progress, leave=False)
    for b in range(0, len(features), batch_size):
        out.append(qnet(torch.from_numpy(features[b:b + batch_size]).float()).numpy())
        bar.update(min(batch_size, len(features) - b))
    bar.close()
    return QuantumResult(np.concatenate(out), time.perf_counter() - start)
