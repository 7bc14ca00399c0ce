r"""Input noise on pixels in [0, 1], as in the paper's code lineage.

* ``gaussian``: :math:`x + \mathcal N(0, \sigma^2)` with variance :math:`\sigma^2` = intensity
* ``uniform``: :math:`x + U(0, \text{intensity})`
* ``salt_pepper``: a share "intensity" of pixels set to 0 or 1 with equal odds

Results are clipped back to [0, 1] (the encoder's domain).
"""

from __future__ import annotations

import math

import torch

from ppf_neuro.choices import InputNoise
from ppf_neuro.errors import PPFError


def check_intensity(kind: str, intensity: float) -> None:
    """Intensities from 0; a salt-and-pepper share at most 1 (checked when the conditions are made,
    before any run is loaded)."""
    high = 1 if kind == InputNoise.SALT_PEPPER else math.inf
    if not 0 <= intensity <= high:
        raise PPFError(f"noise intensity for {kind} must lie in [0, {'1]' if high == 1 else 'inf)'}, got {intensity}")


def corrupt(images: torch.Tensor, kind: str, intensity: float, generator: torch.Generator) -> torch.Tensor:
    check_intensity(kind, intensity)
    if kind == InputNoise.GAUSSIAN:
        noisy = images + math.sqrt(intensity) * torch.randn(images.shape, generator=generator)
    elif kind == InputNoise.UNIFORM:
        noisy = images + intensity * torch.rand(images.shape, generator=generator)
    elif kind == InputNoise.SALT_PEPPER:
        hit = torch.rand(images.shape, generator=generator) < intensity
        salt = torch.rand(images.shape, generator=generator) < 0.5
        noisy = torch.where(hit, salt.to(images.dtype), images)
    else:
        raise PPFError(f"unknown noise kind '{kind}'; expected one of {list(InputNoise.values())}")
    return noisy.clamp(0.0, 1.0)
