"""Spiking activity of a deployment, from the counts the Lava run itself produced.

Synaptic operations are counted where they happen: a spike of a presynaptic
neuron j costs one operation per nonzero synapse it drives (its fan-out f_j,
from the deployed network file, ``ppf_neuro.deployment.report.fan_outs.fan_outs``), so layer l
receives ``sum_j count_j * f_j`` operations per sample, with the input spikes
driving layer 0. Neuron updates are ``neurons * T`` per layer and sample (every
compartment is updated every step); an update is *active* in a step in which the
neuron receives nonzero synaptic input (counted inside the Lava run on the
synapse's output; the energy model charges active and inactive updates apart).
Activation sparsity is the share of (neuron, step) pairs without a spike.
"""

from __future__ import annotations

import numpy as np

from ppf_neuro.deployment.results import SpikeCounts


def activity_section(fans: list[dict], input_spikes: np.ndarray, counts: SpikeCounts,
                     input_steps: SpikeCounts | None, rasters: dict | None, graded: list[bool]) -> dict:
    """Per-layer and per-sample spikes (events: nonzero payloads), synaptic operations, neuron
    updates (and the active ones, from ``input_steps``: the steps in which each neuron received
    synaptic input) and sparsity; where the rasters were saved (``--save-spikes``), if they were.
    ``graded`` says per layer whether its inputs are graded payloads (their synaptic operations are
    multiply-accumulates, not accumulates)."""
    n, steps = input_spikes.shape[0], input_spikes.shape[-1]
    inputs = input_spikes.reshape(n, -1, steps)
    presyn = [(inputs != 0).sum(-1).astype(np.int64)] + counts.layers[:-1]
    layers, synops_ps, spikes_ps = [], [], []
    received = input_steps.layers if input_steps is not None else [None] * len(fans)
    for fan, pre, post, got, is_graded in zip(fans, presyn, counts.layers, received, graded):
        synops = pre @ fan["nonzero"].astype(np.int64)
        neurons = post.shape[1]
        spikes = post.sum(1)
        synops_ps.append(synops)
        spikes_ps.append(spikes)
        layers.append({
            "layer": fan["layer"],
            "kind": fan["kind"],
            "neurons": int(neurons),
            "connections": int(fan["dense"].sum()),
            "nonzero_connections": int(fan["nonzero"].sum()),
            "presynaptic_spikes_per_sample": float(pre.sum(1).mean()),
            "spikes_per_sample": float(spikes.mean()),
            "firing_rate": float(spikes.mean() / (neurons * steps)),
            "activation_sparsity": float(1 - spikes.mean() / (neurons * steps)),
            "silent_neuron_share": float((post.sum(0) == 0).mean()),
            "synops_per_sample": float(synops.mean()),
            "graded_inputs": bool(is_graded),
            "neuron_updates_per_sample": int(neurons * steps),
            "parameters": fan["parameters"],
            "nonzero_weights": fan["nonzero_weights"],
            "biases": fan["biases"],
        })
        if got is not None:
            layers[-1]["active_neuron_updates_per_sample"] = float(got.sum(1).mean())
    return {
        "steps": int(steps),
        "input": {"neurons": int(presyn[0].shape[1]), "spikes_per_sample": float(presyn[0].sum(1).mean())},
        "layers": layers,
        "per_sample": {"spikes": np.stack(spikes_ps, 1).tolist(), "synops": np.stack(synops_ps, 1).tolist()},
        # every step of every layer is in the npz, never in the JSON
        "rasters": rasters or {"file": None, "note": "not saved: deploy --save-spikes OUT.npz keeps them"},
    }
