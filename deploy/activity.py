"""Spiking activity of a deployment, from the counts the Lava run itself produced.

Synaptic operations are counted where they happen: a spike of a presynaptic
neuron j costs one operation per nonzero synapse it drives (its fan-out f_j),
so layer l receives ``sum_j count_j * f_j`` operations per sample, with the
input spikes driving layer 0. Fan-outs come from the exported 8-bit weights;
convolutions count their real per-position fan-out (borders included).
Neuron updates are ``neurons * T`` per layer and sample (every compartment is
updated every step on Loihi). Activation sparsity is the share of
(neuron, step) pairs without a spike.
"""

from __future__ import annotations

import numpy as np
import torch

from deploy.lava_runner import LavaResult
from ppf_neuro.lava_dl import slayer
from ppf_neuro.models import SpikingNet


def _synapse_masks(snn: SpikingNet) -> list[tuple[str, torch.Tensor]]:
    """(kind, nonzero-weight mask) of every spiking layer's synapse, in the exported 8-bit grid."""
    out = []
    for block in snn.spiking_layers:
        w = block.synapse.pre_hook_fx(block.synapse.weight, descale=True).detach()
        if isinstance(block, slayer.block.cuba.Conv):
            out.append(("conv", (w.reshape(w.shape[:4]) != 0).float()))
        else:
            out.append(("dense", (w.reshape(w.shape[:2]) != 0).float()))
    return out


def _conv_fan_out(mask: torch.Tensor, shape: tuple, stride, padding) -> tuple[torch.Tensor, tuple]:
    """Per-input fan-out of a convolution: d(sum of outputs)/d(input) with the 0/1 mask as kernel."""
    x = torch.zeros(1, *shape, requires_grad=True)
    y = torch.nn.functional.conv2d(x, mask, stride=stride, padding=padding)
    y.sum().backward()
    return x.grad.flatten(), tuple(y.shape[1:])


def fan_outs(snn: SpikingNet) -> list[dict]:
    """Per presynaptic neuron of every layer's input: nonzero fan-out and dense fan-out (CHW order)."""
    shape = snn.input_shape
    result = []
    for (kind, mask), block in zip(_synapse_masks(snn), snn.spiking_layers):
        if kind == "dense":
            nonzero, dense = mask.sum(0), torch.full((mask.shape[1],), float(mask.shape[0]))
        else:
            stride, padding = block.synapse.stride[:2], block.synapse.padding[:2]
            nonzero, out_shape = _conv_fan_out(mask, shape, stride, padding)
            dense, _ = _conv_fan_out(torch.ones_like(mask), shape, stride, padding)
            shape = out_shape
        result.append({"kind": kind, "nonzero": nonzero.detach().numpy(), "dense": dense.detach().numpy()})
    return result


def activity_section(snn: SpikingNet, input_spikes: np.ndarray, lava: LavaResult) -> dict:
    """Per-layer and per-sample spikes, synaptic operations, neuron updates and sparsity."""
    n, steps = input_spikes.shape[0], input_spikes.shape[-1]
    presyn = [input_spikes.reshape(n, -1, steps).sum(-1).astype(np.int64)] + lava.counts.layers[:-1]
    layers, synops_ps, spikes_ps = [], [], []
    for i, (fan, pre, post) in enumerate(zip(fan_outs(snn), presyn, lava.counts.layers)):
        synops = pre @ fan["nonzero"].astype(np.int64)
        neurons = post.shape[1]
        spikes = post.sum(1)
        synops_ps.append(synops)
        spikes_ps.append(spikes)
        layers.append({
            "layer": i,
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
            "neuron_updates_per_sample": int(neurons * steps),
        })
    return {
        "steps": int(steps),
        "input": {"neurons": int(presyn[0].shape[1]), "spikes_per_sample": float(presyn[0].sum(1).mean())},
        "layers": layers,
        "per_sample": {"spikes": np.stack(spikes_ps, 1).tolist(), "synops": np.stack(synops_ps, 1).tolist()},
        "raster": {
            "sample": 0,
            "input": np.argwhere(input_spikes[0].reshape(-1, steps).T > 0).tolist(),
            "layers": [np.argwhere(r > 0).tolist() for r in lava.raster],  # [t, neuron] events
        },
    }
