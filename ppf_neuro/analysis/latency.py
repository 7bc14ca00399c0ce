"""Latency per inference of the SNN on a neuromorphic chip: time steps x an estimated time per step.

A chip steps in lock-step: a time step ends when its busiest core has done its serial work
and a global barrier has passed. The work of a layer per step is its measured mean activity
(from the Lava run's counts) at the profile's cited time per operation: synaptic operations,
active and inactive neuron updates, spikes sent. Where the layers sit is not known, so the
figure is a range: the low end gives every layer a core of its own (a step lasts as long as
the slowest layer), the high end puts them all on one core (a step lasts as long as all of
them together). An inference is the sample's window of steps. An estimate, labelled so:
bursts, congestion and the input's injection are not modelled.
"""

from __future__ import annotations

from ppf_neuro.analysis.profiles import OPTIONAL, Profile

#: The times per operation a neuromorphic profile may give (named once, in ``profiles.OPTIONAL``).
TIMES = tuple(OPTIONAL["neuromorphic"])


def layer_step_ns(layer: dict, steps: int, chip: Profile) -> float:
    """One layer's serial work in a mean time step."""
    updates = layer["neuron_updates_per_sample"]
    active = layer.get("active_neuron_updates_per_sample", updates)
    per_sample = (layer["synops_per_sample"] * chip["synop_time"] + active * chip["neuron_update_active_time"]
                  + (updates - active) * chip["neuron_update_inactive_time"]
                  + layer["spikes_per_sample"] * chip["spike_out_time"])
    return per_sample / steps


def latency(activity: dict, chip: Profile) -> dict | None:
    """Time per step and per inference (low and high end), or None when the profile gives no times."""
    if not chip.has(*TIMES):
        return None
    steps = activity["steps"]
    work = [layer_step_ns(layer, steps, chip) for layer in activity["layers"]]
    step_low, step_high = max(work) + chip["barrier_time"], sum(work) + chip["barrier_time"]
    return {"estimate": True, "profile": chip.name, "label": chip.label, "steps": steps,
            "step_ns": {"low": step_low, "high": step_high},
            "per_inference_us": {"low": steps * step_low / 1e3, "high": steps * step_high / 1e3},
            "low": "every layer on a core of its own", "high": "all layers on one core",
            "citations": {k: chip.constants[k]["citation"] for k in TIMES}}
