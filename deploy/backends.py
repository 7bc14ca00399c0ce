"""Where a deployed branch runs: one small interface, ``run(inputs) -> BranchResult``.

* :class:`LavaBackend`: the SNN as Lava processes (spikes in, per-layer counts out);
* :class:`PennyLaneBackend`: the VQC executed on a PennyLane device (features in,
  circuit readout through the trained head out), counted with ``qml.Tracker``.

The pipeline loops over a model's branches and calls ``run``; it never asks
which backend it holds. The fuser sees only the branches' logits.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol

import numpy as np
import pennylane as qml
import torch
from tqdm.auto import tqdm

from deploy.counts import SpikeCounts
from deploy.lava import LavaMode, run_on_lava, run_on_lava_sharded
from ppf_neuro.formats.netx import NetxFile
from ppf_neuro.quantum import QuantumNet


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
    raster: list[np.ndarray] | None = None
    extra: dict = field(default_factory=dict)


class Backend(Protocol):
    def run(self, inputs: np.ndarray) -> BranchResult: ...


@dataclass
class LavaBackend:
    """The parsed netx network ``net`` on Lava; ``logits`` turns output counts into class logits
    and ``scores`` logits into the compared scores."""

    net: NetxFile
    mode: LavaMode
    logits: Callable[[np.ndarray], np.ndarray]
    scores: Callable[[np.ndarray], np.ndarray]
    workers: int = 1
    ray_address: str | None = None
    progress: bool = True

    def run(self, spikes: np.ndarray) -> BranchResult:
        if self.workers > 1 or self.ray_address:
            lava = run_on_lava_sharded(self.net, spikes, self.workers, self.mode, self.ray_address, self.progress)
        else:
            lava = run_on_lava(self.net, spikes, self.mode, self.progress)
        logits = self.logits(lava.counts.output)
        setup = {k: v for k, v in asdict(lava.setup).items() if v is not None}
        info = {"backend": "lava", **setup, "mode": asdict(self.mode), "seconds": lava.seconds,
                "time_steps": lava.steps, "steps_per_second": lava.steps / lava.seconds,
                "samples_per_second": len(spikes) / lava.seconds}
        return BranchResult(logits, self.scores(logits), info, lava.counts, lava.raster,
                            {"input_steps": lava.input_steps})


@dataclass
class PennyLaneBackend:
    """The trained quantum branch executed on its PennyLane device, ``batch_size`` samples per
    broadcast call; device executions counted by ``qml.Tracker``."""

    qnet: QuantumNet
    shots: int | None = None
    noise: float = 0.0
    batch_size: int = 256
    progress: bool = True

    @torch.no_grad()
    def run(self, features: np.ndarray) -> BranchResult:
        device = self.qnet.qnode.device
        start = time.perf_counter()
        out = []
        bar = tqdm(total=len(features), desc=f"quantum ({device.name})", unit="sample", disable=not self.progress,
                   leave=False)
        with qml.Tracker(device) as tracker:
            for b in range(0, len(features), self.batch_size):
                out.append(self.qnet(torch.from_numpy(features[b:b + self.batch_size]).float()).numpy())
                bar.update(min(self.batch_size, len(features) - b))
        bar.close()
        seconds = time.perf_counter() - start
        logits = np.concatenate(out)
        info = {"backend": "pennylane" if self.qnet.fast is None else "ppf-neuro fast path",
                "device": device.name, "evaluated_by": self.qnet.backend, "shots": self.shots,
                "noise": self.noise, "device_executions": int(tracker.totals.get("executions", 0)),
                "device_batches": int(tracker.totals.get("batches", 0)), "seconds": seconds,
                "samples_per_second": len(features) / seconds,
                "resources_per_sample": self.qnet.resources(torch.from_numpy(features[:1]).float())}
        return BranchResult(logits, softmax(logits), info)
