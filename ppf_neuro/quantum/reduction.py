r"""Feature reductions: an input vector (N, D) to the circuit's features (N, k).

For angle encoding the outputs are rotation angles in :math:`[-\pi/2, \pi/2]`
(``pool``: :math:`[0, \pi]`); for amplitude encoding they are raw amplitudes,
normalised by the embedding itself.

* ``dressed`` — :math:`\tanh(Wx + b)\,\pi/2`, trainable (Mari et al. 2020, the
  paper's reference code), optionally after classical hidden layers (ReLU)
  ``quantum.hidden``, as the paper's code has a hidden (spiking) layer there.
* ``pca`` — :math:`\tanh(P(x-\mu)/\sigma)\,\pi/2` with the top-k principal
  components :math:`P` and their standard deviations :math:`\sigma` fitted on
  the training set; fixed afterwards (buffers, so they travel in the state_dict).
* ``pool`` — PyTorch's adaptive average pooling of the input to k values, times
  :math:`\pi`: no parameters at all. Window i covers inputs
  :math:`\lfloor iD/k \rfloor .. \lceil (i+1)D/k \rceil - 1`, so the windows are equal and
  disjoint only when k divides D; otherwise neighbouring windows may share one input and
  their lengths may differ by one.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ppf_neuro.choices import FeatureMap, Reduction
from ppf_neuro.config import QuantumConfig
from ppf_neuro.errors import PPFError


class Dressed(torch.nn.Module):
    def __init__(self, in_features: int, out_features: int, squash: bool, hidden: tuple[int, ...] = ()):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
            width = h
        self.hidden = torch.nn.Sequential(*layers)
        self.linear = torch.nn.Linear(width, out_features)
        self.squash = squash

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(self.hidden(x))
        return torch.tanh(z) * (math.pi / 2) if self.squash else z


class PCA(torch.nn.Module):
    def __init__(self, in_features: int, out_features: int, squash: bool):
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_features))
        self.register_buffer("components", torch.zeros(out_features, in_features))
        self.register_buffer("scale", torch.ones(out_features))
        self.squash = squash

    def fit(self, x: np.ndarray) -> None:
        """Fit on training inputs (N, D) by SVD of the centred data."""
        k = self.components.shape[0]
        if len(x) < k:
            raise PPFError(f"PCA with {k} components needs at least {k} training samples, got {len(x)}")
        x = torch.as_tensor(x, dtype=torch.float64)
        mean = x.mean(0)
        _, s, vt = torch.linalg.svd(x - mean, full_matrices=False)
        self.mean.copy_(mean.float())
        self.components.copy_(vt[:k].float())
        self.scale.copy_((s[:k] / math.sqrt(max(len(x) - 1, 1))).clamp_min(1e-6).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.mean) @ self.components.T / self.scale
        return torch.tanh(z) * (math.pi / 2) if self.squash else z


class Pool(torch.nn.Module):
    def __init__(self, in_features: int, out_features: int, squash: bool):
        super().__init__()
        if out_features > in_features:
            raise PPFError(f"pool reduction cannot make {out_features} features from {in_features} inputs")
        self.out_features = out_features
        self.squash = squash

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.nn.functional.adaptive_avg_pool1d(x.unsqueeze(1), self.out_features).squeeze(1)
        return z * math.pi if self.squash else z


def make_reduction(cfg: QuantumConfig, in_features: int) -> torch.nn.Module:
    squash = cfg.feature_map == FeatureMap.ANGLE
    if cfg.reduction == Reduction.DRESSED:
        return Dressed(in_features, cfg.features, squash, cfg.hidden)
    return {Reduction.PCA: PCA, Reduction.POOL: Pool}[cfg.reduction](in_features, cfg.features, squash)
