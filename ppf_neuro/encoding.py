"""Pixels to spike trains: the one encoder used by training and by deployment.

Lava must see exactly the spikes PyTorch saw, so deployment calls this same
function once and feeds its output to both the Lava run and the PyTorch
reference. Output layout is SLAYER's: time is the last axis.
"""

from __future__ import annotations

import torch

from ppf_neuro.config import EncodingConfig


def encode(
    images: torch.Tensor, cfg: EncodingConfig, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Encode images (N, C, H, W) in [0, 1] as binary spikes (N, C, H, W, T).

    ``regular`` (deterministic): with :math:`r = \mathrm{gain}\cdot x`, a pixel
    spikes at step t iff :math:`\lfloor (t+1) r \rfloor > \lfloor t r \rfloor`,
    i.e. :math:`\lfloor T r \rfloor` evenly spaced spikes.

    ``rate`` (stochastic): each step spikes independently with probability
    :math:`r`. Pass a seeded ``generator`` for reproducible spikes; training
    passes its own so every epoch sees fresh samples.

    Example::

        >>> encode(torch.tensor([[[[0.5]]]]), EncodingConfig(steps=4)).flatten()
        tensor([0., 1., 0., 1.])
    """
    rate = (cfg.gain * images.float()).clamp(0.0, 1.0).unsqueeze(-1)
    t = torch.arange(cfg.steps, dtype=torch.float32, device=images.device)
    if cfg.kind == "regular":
        return (torch.floor((t + 1) * rate) > torch.floor(t * rate)).float()
    noise = torch.rand(rate.shape[:-1] + (cfg.steps,), generator=generator, device=images.device)
    return (noise < rate).float()


def seeded_generator(cfg: EncodingConfig) -> torch.Generator:
    """The generator deployment uses, so one config always yields the same spikes."""
    return torch.Generator().manual_seed(cfg.seed)
