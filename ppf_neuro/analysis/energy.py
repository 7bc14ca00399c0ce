"""Energy estimates from operation counts and cited hardware profiles.

Profiles live in ``profiles.json`` beside this file (one entry per chip, every
constant in picojoules with its source), so no energy constant is a literal in
code. Three figures per inference:

* SNN on Loihi: ``synops * synop_pj + neuron_updates * neuron_update_pj + spikes * spike_pj``
* SNN on a conventional chip: every synaptic operation is an accumulate,
  ``synops * fp32_add_pj``
* the equivalent dense network on a conventional chip: one forward pass,
  every connection a multiply-accumulate, ``connections * fp32_mac_pj``
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ppf_neuro.errors import PPFError

PROFILES_FILE = Path(__file__).with_name("profiles.json")


@lru_cache(maxsize=None)
def profiles() -> dict[str, dict]:
    return json.loads(PROFILES_FILE.read_text())


def profile(name: str) -> dict:
    try:
        return profiles()[name]
    except KeyError:
        raise PPFError(f"unknown energy profile '{name}'; known: {sorted(profiles())}") from None


def loihi_energy_pj(synops: float, neuron_updates: float, spikes: float, chip: dict) -> dict[str, float]:
    """Energy of one inference on a Loihi-style chip, split by cause (pJ)."""
    parts = {
        "synops": synops * chip["synop_pj"],
        "neuron_updates": neuron_updates * chip["neuron_update_pj"],
        "spikes": spikes * chip["spike_pj"],
    }
    return {**parts, "total": sum(parts.values())}


def accumulate_energy_pj(synops: float, chip: dict) -> float:
    """The same synaptic operations as fp32 accumulates on a conventional chip (pJ)."""
    return synops * chip["fp32_add_pj"]


def dense_mac_energy_pj(connections: float, chip: dict) -> float:
    """One forward pass of the equivalent dense network as fp32 MACs (pJ)."""
    return connections * chip["fp32_mac_pj"]


def energy_report(activity: dict, neuromorphic: str = "loihi", conventional: str = "cmos45") -> dict:
    """Per-layer and total energy per inference from a deployment's activity section."""
    chip, cmos = profile(neuromorphic), profile(conventional)
    layers = []
    for layer in activity["layers"]:
        loihi = loihi_energy_pj(layer["synops_per_sample"], layer["neuron_updates_per_sample"],
                                layer["spikes_per_sample"], chip)
        layers.append({
            "layer": layer["layer"],
            "loihi_pj": loihi,
            "snn_accumulates_pj": accumulate_energy_pj(layer["synops_per_sample"], cmos),
            "dense_macs_pj": dense_mac_energy_pj(layer["connections"], cmos),
        })
    total = {key: sum(l[key] if key != "loihi_pj" else l[key]["total"] for l in layers)
             for key in ("loihi_pj", "snn_accumulates_pj", "dense_macs_pj")}
    return {
        "profiles": {neuromorphic: chip, conventional: cmos},
        "layers": layers,
        "per_inference_pj": total,
        "dense_over_loihi": total["dense_macs_pj"] / total["loihi_pj"] if total["loihi_pj"] else None,
    }
