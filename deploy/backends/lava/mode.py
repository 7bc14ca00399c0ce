"""What a Lava run ran (:class:`LavaSetup`) and what it gave (:class:`LavaResult`); how it is laid
out is a deployment option (:class:`ppf_neuro.deployment.options.LavaMode`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.backends.lava.recorder import RecordedFile


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
