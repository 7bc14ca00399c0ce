"""What a deployment's parts hand on, per sample: a backend's branch result, a reference's result, the
spike counts inside both, and the whole deployment's outcome. Neutral ground: the backends, the
references and the report all import it, and it imports none of them."""

from __future__ import annotations

from dataclasses import dataclass, field

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



@dataclass(frozen=True)
class BranchResult:
    """One branch's output for every sample.

    ``logits`` feed the fuser; ``scores`` are what the report compares with the
    reference and takes the argmax of (class probabilities, or output spike counts
    for a plain netx network); ``info`` says what ran and how long it took.
    """

    logits: np.ndarray
    scores: np.ndarray
    info: dict
    counts: SpikeCounts | None = None
    #: backend-specific results: the Lava run's ``input_steps``, ``readout`` states, ``rasters`` file
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceResult:
    """Scores of the decision (``output``) and of every branch, (N, classes) each; the SNN's counts."""

    scores: dict[str, np.ndarray]
    counts: SpikeCounts | None
    info: dict
    #: the output layer's states (N, neurons, T) the readout read (voltages or graded payloads), if any
    readout: np.ndarray | None = None


@dataclass(frozen=True)
class Deployment:
    """What one deployment produced, handed whole to the report: every branch's result, the
    decision's scores, the reference's twin of each; where Lava and the reference parted
    (``divergence``, if they did) and how the trained model's own outputs compare (``expected``, if
    asked)."""

    deployed: dict[str, BranchResult]
    decision: np.ndarray
    reference: ReferenceResult
    divergence: dict | None = None
    expected: dict | None = None
