"""A NIR layer's float parameters as netx's integers (8-bit even weights as lava-dl writes them,
17-bit thresholds, integer bias mantissas, 12-bit decays) at one scale per layer, and what that cost
(:class:`LayerQuantisation`, kept in the netx file)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ppf_neuro.conversion.nir_neurons import Neurons
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.loihi_units import DECAY_SCALE, THRESHOLD_MAX, WEIGHT_MAX, WEIGHT_SCALE


@dataclass(frozen=True)
class LayerQuantisation:
    """How one imported layer was quantised, and the errors that made (all relative)."""

    layer: str
    #: Integers per float unit of weight, threshold and bias (64 = netx's own scale, exact).
    scale: float
    #: The largest weight error, relative to the largest weight magnitude.
    weight_error: float
    #: The threshold's error, relative to the threshold.
    threshold_error: float
    #: The largest per-step voltage bias error, relative to the threshold.
    bias_error: float
    #: The largest relative error of dt/tau_syn and dt/tau_mem as 12-bit decays.
    decay_error: float

    def to_dict(self) -> dict:
        return asdict(self)


def _integral(x) -> bool:
    x = np.asarray(x, dtype=float)
    return bool(np.all(np.abs(x - np.round(x)) < 1e-6))


def _layer_scale(weight: np.ndarray, threshold: float, bias: np.ndarray) -> float:
    """netx's own 64 where it is exact (even 8-bit weights), else the largest that fits weights and threshold."""
    exact = weight * WEIGHT_SCALE
    if (_integral(exact / 2) and np.abs(exact).max(initial=0) <= WEIGHT_MAX and _integral(threshold * WEIGHT_SCALE)
            and _integral(bias * WEIGHT_SCALE)):
        return float(WEIGHT_SCALE)
    peak = float(np.abs(weight).max(initial=0))
    return min(WEIGHT_MAX / peak if peak else math.inf, THRESHOLD_MAX / max(threshold, 1e-12))


def _relative(error: float, reference: float) -> float:
    return float(error / reference) if reference else 0.0


def quantise(weight: np.ndarray, p: Neurons, bias: np.ndarray, where: str) -> tuple:
    """Integer weights (even, 8 bits), vThMant and bias mantissas at one scale for the layer, and the
    :class:`LayerQuantisation` that says what that cost."""
    scale = _layer_scale(weight, p.threshold, bias)
    w = (2 * np.round(weight * scale / 2)).astype(np.int64)
    vth = int(round(p.threshold * scale))
    if vth < 1:
        raise PPFError(f"{where}: threshold {p.threshold:.4g} rounds to 0 at weight scale {scale:.4g} (its weights "
                       "are too large next to it for 8 bits)")
    mantissa = np.round(np.asarray(bias, dtype=float) * scale).astype(np.int64)
    decays = [(rate, round(rate * DECAY_SCALE) / DECAY_SCALE) for rate in (p.alpha, p.beta)]
    quantisation = LayerQuantisation(
        layer=where, scale=scale,
        weight_error=_relative(np.abs(w / scale - weight).max(initial=0), np.abs(weight).max(initial=0)),
        threshold_error=_relative(abs(vth / scale - p.threshold), p.threshold),
        bias_error=_relative(np.abs(mantissa / scale - bias).max(initial=0), p.threshold),
        decay_error=max(_relative(abs(q - rate), rate) for rate, q in decays))
    return w, vth, mantissa, quantisation
