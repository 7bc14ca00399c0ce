"""How a Lava run is laid out (:class:`LavaMode`), what ran (:class:`LavaSetup`) and what it gave
(:class:`LavaResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.backends.lava.recorder import RecordedFile
from ppf_neuro.choices import (
    RANGES,
    INPUT_MODES,
    LAVA_RECORDERS,
    LAVA_SYNAPSES,
    OUTPUT_READOUTS,
    RECORD_TIMES,
    TIMINGS,
)
from ppf_neuro.errors import PPFError


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
class LavaSetup:
    """What ran. ``synapse`` and ``neuron`` name the processes and the process models Lava
    compiled for them (read from the processes after the run, not assumed)."""

    network: str
    replicas: int
    synapse: str
    neuron: str
    recorder: str
    shards: int | None = None
    inputs: str | None = None  # how the inputs reached the first layer, where that is not plain spikes


@dataclass(frozen=True)
class LavaResult:
    counts: SpikeCounts
    steps: int  # Lava time steps run (summed over shards)
    seconds: float
    setup: LavaSetup
    #: per layer (N, neurons): steps in which each neuron received synaptic input (None: not recorded)
    input_steps: SpikeCounts | None = None
    #: what the run recorded beyond the counts: npz entry name (``ppf_neuro.deployment.backends.lava.rasters.entry_name``) -> the
    #: files as Lava wrote them, one per shard in sample order, read per sample by ``RecordedFile.chunks``
    recordings: dict[str, list[RecordedFile]] = field(default_factory=dict)


def compiled(processes) -> str:
    """The processes and the process models Lava compiled for them, e.g.
    ``lava.proc.dense.process.Dense (PyDenseModelBitAcc)``; distinct entries joined in order."""
    names = []
    for p in processes:
        model = p.model_class.__name__ if p.model_class is not None else "not compiled"
        name = f"{type(p).__module__}.{type(p).__name__} ({model})"
        if name not in names:
            names.append(name)
    return ", ".join(names)
