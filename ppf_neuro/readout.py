"""How the SNN's output spikes become class scores, defined once.

Training, the PyTorch reference and the Lava deployment all pass output
spike counts through these functions, so the deployed decision rule is the
trained one by construction.
"""

from __future__ import annotations

import torch


def spike_logits(counts: torch.Tensor, steps: int, scale: float) -> torch.Tensor:
    """Logits from output spike counts (N, classes): ``scale * counts / steps``.

    The rate ``counts / steps`` lies in [0, 1]; ``scale`` sets how confident
    a full-rate neuron makes the softmax.
    """
    return scale * counts / steps
