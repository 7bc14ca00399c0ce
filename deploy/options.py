"""Where and how a deployment runs (:class:`DeployOptions`, with the Lava run's layout :class:`LavaMode`),
apart from what it runs on: one value that the plan, the backends and the report take whole (every
rule between its fields checked where it is built). The backends import these options; the options
import no backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ppf_neuro.choices import RANGES, InputMode, LavaReadout, Recorder, RecordTime, ReplicaSynapse, Timing
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
    in time (``ppf_neuro.choices.RecordTime``); ``lava`` runs netx's own network (one replica).
    ``timing``: which steps of each window count (``ppf_neuro.deployment.windows.counted_steps``).
    """

    replicas: int | None = None
    synapse: str = ReplicaSynapse.BATCHED
    recorder: str = Recorder.COUNTS
    input_as: str = InputMode.SPIKES
    readout: str = LavaReadout.COUNTS
    keep_rasters: bool = False  # keep every step of every layer (``--save-spikes``)
    record: str = RecordTime.WINDOWS
    timing: str = Timing.ALIGNED

    def __post_init__(self):
        RANGES["replicas"].check("replicas", self.replicas)
        ReplicaSynapse.check(self.synapse, "Lava synapse")
        Recorder.check(self.recorder, "Lava recorder")
        if self.recorder == Recorder.RINGBUFFER and self.replicas not in (None, 1):
            raise PPFError("the ringbuffer recorder runs the plain netx network only (replicas=1)")
        InputMode.check(self.input_as, "--input-as")
        LavaReadout.check(self.readout, "--readout")
        RecordTime.check(self.record, "--record")
        Timing.check(self.timing, "--timing")
        if self.timing != Timing.ALIGNED and self.readout != LavaReadout.COUNTS:
            raise PPFError(f"--timing {self.timing} chooses the steps whose spikes count; --readout {self.readout} "
                           "reads the output layer at every step")
        if self.record == RecordTime.LAVA and (self.replicas not in (None, 1) or self.recorder == Recorder.RINGBUFFER):
            raise PPFError("--record lava records one run of netx's own network from its first step: it takes "
                           "--replicas 1 and the counts recorder")
        if self.record == RecordTime.LAVA and not self.keep_rasters and self.readout == LavaReadout.COUNTS:
            raise PPFError("--record lava lays out what a run keeps in Lava time: give --save-spikes (or a voltage "
                           "or graded --readout)")
        if self.recorder == Recorder.RINGBUFFER and (self.input_as, self.readout, self.keep_rasters) != (
                InputMode.SPIKES, LavaReadout.COUNTS, False):
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
        if self.ray_address and (self.save_spikes is not None or self.lava.readout != LavaReadout.COUNTS):
            raise PPFError("--save-spikes and --readout voltage|graded keep files on this machine; Ray's workers may run "
                           "elsewhere (use --workers)")
        if self.lava.record == RecordTime.LAVA and (self.workers > 1 or self.ray_address):
            raise PPFError("--record lava records one Lava run from its first step; shards (--workers, --ray) are "
                           "several runs")
