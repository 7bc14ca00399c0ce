"""What every deployed branch and every reference hands on: one small interface.

A backend runs a branch, ``run(inputs) -> BranchResult`` (``ppf_neuro.deployment.backends.lava_backend.LavaBackend``: the
SNN as Lava processes; ``ppf_neuro.deployment.backends.pennylane_backend.PennyLaneBackend``: the VQC on a PennyLane device);
a reference computes the same outputs independently (``ReferenceResult``). The pipeline loops over
a model's branches and calls ``run``; it never asks which backend it holds. The fuser sees only
the branches' logits.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ppf_neuro.deployment.results import BranchResult


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class Backend(Protocol):
    phase: str  # what the deployment's timing calls this stage

    def run(self, inputs: np.ndarray) -> BranchResult: ...
