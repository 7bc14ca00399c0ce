"""The trained model's own outputs (``--expect FILE``): what the user's network gave on the same inputs.

A deployment's own check compares Lava with a reference rebuilt from the file (netx's semantics); the
network a user trained in lava-dl, snnTorch or Norse may compute something else (SLAYER's
``delay_shift``, quantisation, another neuron model). Its outputs, given here per sample, are the
comparison the user cares about (``ppf_neuro.deployment.report.expected``). Three kinds, told apart by shape and
values:

* ``spikes``: per-step output spikes (N, outputs, T), nonzero = an event;
* ``counts``: output spike counts (N, outputs), whole numbers >= 0 (float arrays of whole numbers,
  what ``out.sum(-1).numpy()`` gives, count as counts);
* ``scores``: any other float scores (N, outputs), compared by their argmax and their distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ppf_neuro.deployment.inputs.read import load_npy
from ppf_neuro.errors import PPFError, argument

@dataclass(frozen=True)
class Expected:
    """The user's model's outputs: ``values`` as given (first axis the samples), their ``kind``."""

    source: str
    values: np.ndarray
    kind: str

    @property
    def counts(self) -> np.ndarray | None:
        """Output spike counts (N, outputs), or None for float scores."""
        if self.kind == "spikes":
            return (self.values != 0).sum(-1, dtype=np.int64)
        return self.values.astype(np.int64) if self.kind == "counts" else None

    def first(self, n: int) -> "Expected":
        return Expected(self.source, self.values[:n], self.kind)


def read_expected(path: Path) -> Expected:
    """The file at ``path`` as :class:`Expected`, checked for what can be checked without the model."""
    what = argument("expect")
    values = load_npy(path, what)
    numeric = np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_
    if not numeric or values.ndim not in (2, 3) or 0 in values.shape:
        raise PPFError(f"{what} '{path}': expected the trained model's outputs per sample, (N, outputs) counts or "
                       f"scores or (N, outputs, T) spikes, got {values.dtype} {values.shape}")
    finite = np.isfinite(values.astype(np.float64))
    if not finite.all():
        raise PPFError(f"{what} '{path}': {int((~finite).sum())} value(s) are NaN or infinite")
    values = values.astype(np.float64) if values.dtype == np.bool_ else values
    whole = bool((values == np.round(values)).all() and values.min() >= 0)
    kind = "spikes" if values.ndim == 3 else "counts" if whole else "scores"
    return Expected(str(path), values, kind)


def check_expected(expected: Expected, samples: int, outputs: int, steps: int | None) -> Expected:
    """``expected`` cut to the ``samples`` deployed, once their number and the model's ``outputs`` (and
    for per-step spikes the window's ``steps``) are known: before any branch runs."""
    what = f"{argument('expect')} '{expected.source}'"
    if len(expected.values) < samples:
        raise PPFError(f"{what}: {len(expected.values)} samples, the deployment runs {samples} (give the trained "
                       f"model's outputs for every input, in the same order)")
    if expected.values.shape[1] != outputs:
        raise PPFError(f"{what}: {expected.values.shape[1]} outputs per sample, the model has {outputs}")
    if expected.kind == "spikes" and steps is not None and expected.values.shape[2] != steps:
        raise PPFError(f"{what}: {expected.values.shape[2]} steps per sample, the inputs have {steps}")
    return expected.first(samples)
