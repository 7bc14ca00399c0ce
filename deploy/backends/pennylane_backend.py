"""The trained quantum branch executed on its PennyLane device: features in, circuit readout through
the trained head out, device executions counted by ``qml.Tracker``."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pennylane as qml
import torch

from ppf_neuro.deployment.backends.branch import softmax

from ppf_neuro.deployment.results import BranchResult
from ppf_neuro.processes.progress import announce_estimate, progress_bar
from ppf_neuro.quantum import QuantumNet

#: Seconds one broadcast call should take at most, once the device's speed is known.
BATCH_SECONDS = 2.0


@dataclass
class PennyLaneBackend:
    """The trained quantum branch executed on its PennyLane device, up to ``batch_size`` samples per
    broadcast call; device executions counted by ``qml.Tracker``. Batches start at one sample and
    grow (at most 8x per call) towards :data:`BATCH_SECONDS` each, so that the progress bar moves
    every few seconds also on a slow device (``default.mixed`` takes seconds per sample on 10 qubits).
    The first call, which compiles, is left out of the time estimate (the second sample times it)."""

    qnet: QuantumNet
    shots: int | None = None
    noise: float = 0.0
    batch_size: int = 256
    progress: bool = True
    phase = "quantum"

    @torch.no_grad()
    def run(self, features: np.ndarray) -> BranchResult:
        device = self.qnet.qnode.device
        start = time.perf_counter()
        out = []
        bar = progress_bar(total=len(features), desc=f"quantum ({device.name})", unit="sample", disable=not self.progress,
                   leave=False)
        # The classical layers run once on all samples, the circuit in batches: a batch's size follows the
        # device's speed (below), and a matrix product's rounding follows its shape, so a reduction or head
        # run per batch would make a rerun differ in the last float32 bits.
        reduced = self.qnet.reduction(torch.from_numpy(features).float())
        with qml.Tracker(device) as tracker:
            done, size = 0, 1
            while done < len(features):
                tick = time.perf_counter()
                out.append(self.qnet.circuit(reduced[done:done + size]))
                bar.update(len(out[-1]))
                done += len(out[-1])
                per_sample = (time.perf_counter() - tick) / len(out[-1])
                if done == 1:  # the first call pays for compiling and caching: it says nothing of the rest
                    continue
                if done == 2 and self.progress:  # the second sample, timed alone: the rest's estimate
                    announce_estimate(f"quantum ({device.name})", per_sample, len(features) - 2)
                size = max(1, min(self.batch_size, 8 * size, int(BATCH_SECONDS / max(per_sample, 1e-9))))
        bar.close()
        seconds = time.perf_counter() - start
        logits = self.qnet.head(torch.cat(out)).numpy()
        info = {"backend": "pennylane" if self.qnet.fast is None else "ppf-neuro fast path",
                "device": device.name, "evaluated_by": self.qnet.backend, "shots": self.shots,
                "noise": self.noise, "device_executions": int(tracker.totals.get("executions", 0)),
                "device_batches": int(tracker.totals.get("batches", 0)), "seconds": seconds,
                "samples_per_second": len(features) / seconds,
                "resources_per_sample": self.qnet.resources(torch.from_numpy(features[:1]).float())}
        if self.qnet.target is not None:
            info["target"] = self.qnet.target
        return BranchResult(logits, softmax(logits), info)
