"""How many replicas of a network one Lava run lays side by side (the replica-count policy)."""

from __future__ import annotations

import numpy as np

from ppf_neuro.choices import MAX_REPLICAS
from ppf_neuro.deployment.backends.lava.network import LavaConv, LavaDense, LavaLayer

#: Work per Lava step that a replicated run aims for, in units of one dense synapse; a conv synapse
#: and a neuron update cost more per element (batched conv2d on small images, ~20 numpy passes of
#: the LIF model): weights calibrated on this machine's runs of the 784-256-10 and the
#: 8/16-channel conv nets (benchmarks/deployment_throughput.py).
REPLICA_WORK_PER_STEP = 3e8
CONV_SYNAPSE_COST = 8
NEURON_COST = 400


def auto_replicas(layers: list[LavaLayer], samples: int) -> int:
    """Replicas for a run: as many as keep one step's work near ``REPLICA_WORK_PER_STEP`` (Lava's
    fixed cost per step, ~1 ms per process, then no longer dominates, and a step does not grow
    past the point where fewer steps stop paying), at most ``MAX_REPLICAS`` and the samples."""
    work = sum(_work_per_replica(layer) for layer in layers)
    return int(max(1, min(MAX_REPLICAS, samples, round(REPLICA_WORK_PER_STEP / max(work, 1)))))


def _work_per_replica(layer: LavaLayer) -> int:
    work = NEURON_COST * layer.neurons
    if isinstance(layer.synapse, LavaDense):
        work += int(layer.synapse.weights.size)
    elif isinstance(layer.synapse, LavaConv):
        work += CONV_SYNAPSE_COST * layer.neurons * int(np.prod(layer.synapse.weight.shape[1:]))
    return work
