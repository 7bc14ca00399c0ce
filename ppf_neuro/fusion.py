r"""Proportional fusion of the two branches: the rule, defined once.

Training (:class:`~ppf_neuro.models.classifiers.PPFClassifier`) and the
deployment fuser (``deploy/backends/fuser.py``) both call :func:`fuse`, so the deployed
decision is the trained one.

``prob`` (default): :math:`p = a\,\mathrm{softmax}(z_\mathrm{snn}) + (1-a)\,\mathrm{softmax}(z_\mathrm{qnn})`.
``logit`` (the paper's code): :math:`p = \mathrm{softmax}(a z_\mathrm{snn} + (1-a) z_\mathrm{qnn})`.
At :math:`a=1` both reduce to the SNN alone, at :math:`a=0` to the quantum branch alone.
"""

from __future__ import annotations

import torch

from ppf_neuro.choices import FusionRule


def fuse(snn_logits: torch.Tensor, qnn_logits: torch.Tensor, ratio: torch.Tensor | float, rule: str) -> torch.Tensor:
    """Fused log-probabilities (N, classes) from the two branches' logits."""
    if rule == FusionRule.PROB:
        p = ratio * torch.softmax(snn_logits, -1) + (1 - ratio) * torch.softmax(qnn_logits, -1)
        return torch.log(p.clamp_min(torch.finfo(p.dtype).tiny))
    if rule == FusionRule.LOGIT:
        return torch.log_softmax(ratio * snn_logits + (1 - ratio) * qnn_logits, -1)
    raise ValueError(f"unknown fusion rule {rule!r}; expected one of {FusionRule.values()}")
