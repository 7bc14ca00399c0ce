"""The host-side fuser: the one place where the two deployed branches are combined.

It sees only per-sample branch outputs (logits from the Lava run's spike
counts and from the quantum device), never a backend, and applies the rule
the model was trained with (``ppf_neuro.fusion.fuse``) at the bundle's ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ppf_neuro.choices import FusionRule
from ppf_neuro.errors import PPFError
from ppf_neuro.fusion import fuse


@dataclass(frozen=True)
class Fuser:
    """``p = a * p_snn + (1 - a) * p_qnn`` (rule ``prob``) or the logit-space variant."""

    ratio: float
    rule: str = FusionRule.PROB

    def __post_init__(self):
        if not 0.0 <= self.ratio <= 1.0:
            raise PPFError(f"fusion ratio must lie in [0, 1], got {self.ratio}")
        FusionRule.check(self.rule, "fusion rule")

    def __call__(self, snn_logits: np.ndarray, qnn_logits: np.ndarray) -> np.ndarray:
        """Fused class probabilities (N, classes) from per-sample branch logits."""
        snn_logits, qnn_logits = np.asarray(snn_logits), np.asarray(qnn_logits)
        if snn_logits.shape != qnn_logits.shape or snn_logits.ndim != 2:
            raise PPFError(
                f"fuser needs two (N, classes) arrays of one shape, got {snn_logits.shape} and {qnn_logits.shape}"
            )
        s = torch.from_numpy(snn_logits).double()
        q = torch.from_numpy(qnn_logits).double()
        return fuse(s, q, self.ratio, self.rule).exp().numpy()
