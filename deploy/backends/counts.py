"""Per-sample spike counts: what every SNN backend (Lava, the PyTorch reference) hands the report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpikeCounts:
    """Per-sample spike counts from one backend.

    ``layers[i]`` is (N, neurons_i) in the PyTorch (C, H, W) neuron order, so
    counts from Lava and from PyTorch compare element by element.
    """

    layers: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1]

    def per_layer_totals(self) -> np.ndarray:
        """(N, layers): spikes per sample in each layer."""
        return np.stack([c.sum(axis=1) for c in self.layers], axis=1)
