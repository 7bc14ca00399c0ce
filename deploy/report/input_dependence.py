"""Whether a deployment's outputs can depend on its inputs at all.

Agreement between Lava and the reference is no success when both compute something that ignores
the input: lava-dl nets whose input layer's bias alone crosses the threshold fire at every step
whatever the spikes (PilotNet LIF and netx's test CNN do: issue 18), and every sample then gives
the same counts in every layer on both sides. This module says so, in the report's
``input_dependence`` section and on the console.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.formats.netx import InputLayer, NetxFile


def _distinct_rows(array: np.ndarray) -> int:
    """How many different samples (first axis) ``array`` holds, hashed so that it needs no copy."""
    rows = np.ascontiguousarray(array).reshape(len(array), -1)
    return len({hashlib.sha1(row.tobytes()).digest() for row in rows})


#: Distinct inputs below which equal outputs are no evidence (a few samples of one class can give
#: the same counts), unless their labels differ.
MIN_DISTINCT_INPUTS = 10


def input_dependence(net: NetxFile, spikes: np.ndarray, counts: SpikeCounts, states: np.ndarray | None = None,
                     labels: np.ndarray | None = None) -> dict:
    """Distinct inputs and outputs (the read-out ``states`` where there are any, else the output
    counts), layers whose counts never change, a saturated input layer, and the warnings they call
    for (empty when nothing is wrong). Equal outputs count as evidence only over at least
    MIN_DISTINCT_INPUTS distinct inputs or over ``labels`` that differ. A sigma-delta layer's event
    counts may stay the same while its payloads change, so only spiking layers are judged by their
    counts."""
    steps = spikes.shape[-1]
    inputs, outputs = _distinct_rows(spikes), _distinct_rows(counts.output if states is None else states)
    evidence = inputs >= MIN_DISTINCT_INPUTS or (labels is not None and _distinct_rows(labels) > 1)
    constant = [] if net.sigma_delta or not evidence else [i for i, layer in enumerate(counts.layers)
                                                           if not np.any(layer != layer[:1])]
    saturated = (isinstance(net.layers[0], InputLayer) and not net.sigma_delta and len(counts.layers[0])
                 and bool(np.all(counts.layers[0] >= steps)))
    warnings = []
    if saturated:
        weight, bias = net.layers[0].transform
        warnings.append(f"the input layer fires at every step of every sample (its bias {bias} alone against "
                        f"threshold {net.layers[0].neuron.threshold}): the network never sees the input")
    if inputs > 1 and outputs == 1 and evidence:
        warnings.append(f"all {len(spikes)} samples give the same output although {inputs} inputs differ: the "
                        "output does not depend on the input, so agreement with the reference says nothing about "
                        "the network")
    return {"distinct_inputs": inputs, "distinct_outputs": outputs, "constant_layers": constant,
            "saturated_input_layer": bool(saturated), "warnings": warnings}
