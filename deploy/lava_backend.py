"""The SNN of a parsed netx network as Lava processes: spikes in, per-layer counts out."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from deploy.branch import BranchResult
from deploy.lava import LavaMode, run_on_lava, run_on_lava_sharded
from ppf_neuro.formats.netx import NetxFile


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
    phase = "Lava"

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
