"""Pixels to spike trains: the one encoder used by training and by deployment.

Lava must see exactly the spikes PyTorch saw, so deployment calls this same
function once and feeds its output to both the Lava run and the PyTorch
reference. Output layout is SLAYER's: time is the last axis.
"""

from __future__ import annotations

import torch

from ppf_neuro.choices import SpikeEncoder
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

    ``integrate`` (deterministic, lava-dl's netx MNIST tutorial): per step
    :math:`v \leftarrow v + \mathrm{gain}\cdot x + \mathrm{bias}`, a spike when
    :math:`v > \mathrm{threshold}`, then :math:`v = 0`.

    The first ``blank`` steps of every window are silent; the code fills the rest.

    Example::

        >>> encode(torch.tensor([[[[0.5]]]]), EncodingConfig(steps=4)).flatten()
        tensor([0., 1., 0., 1.])
    """
    steps = cfg.steps - cfg.blank
    x = images.float()
    if cfg.kind == SpikeEncoder.INTEGRATE:
        v, out = torch.zeros_like(x), []
        for _ in range(steps):
            v = v + cfg.gain * x + cfg.bias
            spike = v > cfg.threshold
            out.append(spike.float())
            v = torch.where(spike, torch.zeros_like(v), v)
        spikes = torch.stack(out, -1)
    else:
        rate = (cfg.gain * x).clamp(0.0, 1.0).unsqueeze(-1)
        if cfg.kind == SpikeEncoder.REGULAR:
            spikes = _regular(rate, steps)
        else:
            noise = torch.rand(rate.shape[:-1] + (steps,), generator=generator, device=images.device)
            spikes = (noise < rate).float()
    return torch.nn.functional.pad(spikes, (cfg.blank, 0)) if cfg.blank else spikes


def _regular(rate: torch.Tensor, steps: int) -> torch.Tensor:
    """Regular spikes of the rates (..., 1): floor(t r) for t = 0 .. T once, step t comparing t + 1 with
    t; computed only where r > 0 (a zero rate never spikes), which most pixels of a digit are."""
    flat = rate.reshape(-1)
    spikes = torch.zeros(flat.numel(), steps, device=rate.device)
    lit = torch.nonzero(flat).squeeze(1)
    floors = torch.floor(torch.arange(steps + 1, dtype=torch.float32, device=rate.device) * flat[lit, None])
    spikes[lit] = (floors[:, 1:] > floors[:, :-1]).float()
    return spikes.reshape(*rate.shape[:-1], steps)


def seeded_generator(cfg: EncodingConfig) -> torch.Generator:
    """The generator deployment uses, so one config always yields the same spikes."""
    return torch.Generator().manual_seed(cfg.seed)
