"""Where and how a deployment runs (:class:`DeployOptions`), apart from what it runs on: one value that
the plan, the backends and the report take whole (every rule between its fields checked where it is
built)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ppf_neuro.choices import RANGES
from ppf_neuro.deployment.backends.lava.mode import LavaMode
from ppf_neuro.errors import PPFError, argument


@dataclass(frozen=True)
class DeployOptions:
    """Everything about where and how a deployment runs (not what it runs on)."""

    samples: int | None = None
    qdevice: str | None = None
    shots: int | None = None
    noise: float = 0.0
    seed: int | None = None  # the quantum device's sampling (shots, sampled noise): a rerun repeats it
    qbackend: str | None = None  # a real device's calibration snapshot (ppf_neuro.quantum.device_target)
    qdevice_options: dict = field(default_factory=dict)  # the PennyLane device's own keyword arguments
    noise_model: dict | None = None  # the rules of a noise-model file (ppf_neuro.quantum.noise_model)
    lava: LavaMode = LavaMode()
    workers: int = 1
    ray_address: str | None = None
    progress: bool = True
    divergence_plot: Path | None = None  # where to plot the first divergence, if Lava and the reference part
    save_spikes: Path | None = None  # where to write every layer's raster (ppf_neuro.deployment.backends.lava.rasters)

    def __post_init__(self):
        RANGES["seed"].check("seed", self.seed)
        if self.qbackend is not None and (self.qdevice is not None or self.noise or self.noise_model):
            raise PPFError(f"{argument('qbackend')} is the device and its noise: give it without "
                           f"{argument('qdevice')} and {argument('noise')}")
        if self.ray_address and (self.save_spikes is not None or self.lava.readout != "counts"):
            raise PPFError("--save-spikes and --readout voltage|graded keep files on this machine; Ray's workers may run "
                           "elsewhere (use --workers)")
        if self.lava.record == "lava" and (self.workers > 1 or self.ray_address):
            raise PPFError("--record lava records one Lava run from its first step; shards (--workers, --ray) are "
                           "several runs")
