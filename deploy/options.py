"""Where and how a deployment runs (:class:`DeployOptions`, with the Lava run's layout :class:`LavaMode`),
apart from what it runs on: one value that the plan, the backends and the report take whole (every
rule between its fields checked where it is built). The backends import these options; the options
import no backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ppf_neuro.choices import (
    INPUT_MODES,
    LAVA_RECORDERS,
    LAVA_SYNAPSES,
    OUTPUT_READOUTS,
    RANGES,
    RECORD_TIMES,
    TIMINGS,
)
from ppf_neuro.errors import PPFError, argument


@dataclass(frozen=True)
class LavaMode:
    """How the SNN is laid out in Lava.

    ``replicas``: copies of the network side by side in one run; 1 is netx's own
    ``Network`` (the reference mode); ``None`` chooses from the network's size
    (``ppf_neuro.deployment.backends.lava.replicas.auto_replicas``). ``synapse``: for replicated runs, ``batched``
    (ppf-neuro's ReplicaDense/ReplicaConv ProcessModels, tested identical to
    Lava's Dense and Conv models) or ``sparse`` (Lava's own ``Sparse`` process with
    block-diagonal weights). ``recorder``: ``counts`` (in-run counters) or ``ringbuffer``
    (Lava's RingBuffer sinks read with ``Var.get``, the slow independent check). ``input_as``:
    how the inputs enter the first layer (``ppf_neuro.deployment.inputs.stimulus``); ``readout``: what is read from the
    output layer besides the counts (``voltage``: the output neurons' voltage at every step;
    ``graded``: an SDNN output's payloads at every step). ``record``: how recorded steps are laid out
    in time (``ppf_neuro.choices.RECORD_TIMES``); ``lava`` runs netx's own network (one replica).
    ``timing``: which steps of each window count (``ppf_neuro.deployment.windows.counted_steps``).
    """

    replicas: int | None = None
    synapse: str = "batched"
    recorder: str = "counts"
    input_as: str = "spikes"
    readout: str = "counts"
    keep_rasters: bool = False  # keep every step of every layer (``--save-spikes``)
    record: str = "windows"
    timing: str = "aligned"

    def __post_init__(self):
        RANGES["replicas"].check("replicas", self.replicas)
        if self.synapse not in LAVA_SYNAPSES:
            raise PPFError(f"Lava synapse must be one of {list(LAVA_SYNAPSES)}, got {self.synapse!r}")
        if self.recorder not in LAVA_RECORDERS:
            raise PPFError(f"Lava recorder must be one of {list(LAVA_RECORDERS)}, got {self.recorder!r}")
        if self.recorder == "ringbuffer" and self.replicas not in (None, 1):
            raise PPFError("the ringbuffer recorder runs the plain netx network only (replicas=1)")
        if self.input_as not in INPUT_MODES:
            raise PPFError(f"--input-as must be one of {list(INPUT_MODES)}, got {self.input_as!r}")
        if self.readout not in OUTPUT_READOUTS:
            raise PPFError(f"--readout must be one of {list(OUTPUT_READOUTS)}, got {self.readout!r}")
        if self.record not in RECORD_TIMES:
            raise PPFError(f"--record must be one of {list(RECORD_TIMES)}, got {self.record!r}")
        if self.timing not in TIMINGS:
            raise PPFError(f"--timing must be one of {list(TIMINGS)}, got {self.timing!r}")
        if self.timing != "aligned" and self.readout != "counts":
            raise PPFError(f"--timing {self.timing} chooses the steps whose spikes count; --readout {self.readout} "
                           "reads the output layer at every step")
        if self.record == "lava" and (self.replicas not in (None, 1) or self.recorder == "ringbuffer"):
            raise PPFError("--record lava records one run of netx's own network from its first step: it takes "
                           "--replicas 1 and the counts recorder")
        if self.record == "lava" and not self.keep_rasters and self.readout == "counts":
            raise PPFError("--record lava lays out what a run keeps in Lava time: give --save-spikes (or a voltage "
                           "or graded --readout)")
        if self.recorder == "ringbuffer" and (self.input_as, self.readout, self.keep_rasters) != ("spikes", "counts",
                                                                                                 False):
            raise PPFError("the ringbuffer recorder takes spike inputs and reads counts only")


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
