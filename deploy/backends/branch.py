"""What every deployed branch and every reference hands on: one small interface.

A backend runs a branch, ``run(inputs) -> BranchResult`` (``ppf_neuro.deployment.backends.lava_backend.LavaBackend``: the
SNN as Lava processes; ``ppf_neuro.deployment.backends.pennylane_backend.PennyLaneBackend``: the VQC on a PennyLane device);
a reference computes the same outputs independently (``ReferenceResult``). The pipeline loops over
a model's branches and calls ``run``; it never asks which backend it holds. The fuser sees only
the branches' logits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ppf_neuro.deployment.backends.counts import SpikeCounts


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


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


class Backend(Protocol):
    phase: str  # what the deployment's timing calls this stage

    def run(self, inputs: np.ndarray) -> BranchResult: ...


@dataclass(frozen=True)
class ReferenceResult:
    """Scores of the decision (``output``) and of every branch, (N, classes) each; the SNN's counts."""

    scores: dict[str, np.ndarray]
    counts: SpikeCounts | None
    info: dict
    #: the output layer's states (N, neurons, T) the readout read (voltages or graded payloads), if any
    readout: np.ndarray | None = None
