"""Where Lava and the reference part ways: the first sample, layer, neuron and time step.

The per-window counts of a deployment say *that* a sample differs; this module
says *where*: it runs that one sample again, step by step, on netx's own Lava
network (Lava's RingBuffer sinks for every layer's spikes, ``Monitor`` probes on
the current ``u`` and voltage ``v`` of the suspect layer) and on the reference,
and finds the earliest time step at which any layer's spikes differ, the lowest
such layer, and its first differing neuron; then both neurons' traces over the
window, in Lava's units (state = 64 x the integer synaptic input; threshold
``64 * vThMant``), and a plot. Layers are named by their index in the netx file (a flatten
entry has one), as in the report's other sections and the saved rasters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.formats.netx import NetxFile

#: The reference's step-by-step view of one sample: (spikes (1, *input, T), layer) ->
#: (per layer spikes (neurons, T), {"u": (neurons, T), "v": (neurons, T)} of that layer).
Stepper = Callable[[np.ndarray, int], tuple[list[np.ndarray], dict]]


def first_differing_sample(lava: SpikeCounts, reference: SpikeCounts) -> int | None:
    """The first sample whose counts differ in any layer, or None."""
    differs = np.any([(a != b).any(1) for a, b in zip(lava.layers, reference.layers)], axis=0)
    hits = np.flatnonzero(differs)
    return int(hits[0]) if len(hits) else None


def lava_steps(net: NetxFile, spikes: np.ndarray, layer: int) -> tuple[list[np.ndarray], dict]:
    """One sample through netx's own network on Lava: every layer's spikes (neurons, T) and the
    ``u``, ``v`` traces (neurons, T) of ``layer``, CHW order, aligned to the sample's window."""
    from ppf_neuro.processes.isolated import in_own_process_group
    from ppf_neuro.deployment.backends.lava.ringbuffer import ringbuffer_rasters

    r = in_own_process_group(ringbuffer_rasters, net, spikes, trace_layer=layer)
    return [s[0] for s in r.spikes], {k: v[0] for k, v in r.traces.items()}


def locate(lava_rasters: list[np.ndarray], ref_rasters: list[np.ndarray]) -> tuple[int, int] | None:
    """(time step, layer) of the earliest differing spike, lowest layer first at that step."""
    best = None
    for layer, (a, b) in enumerate(zip(lava_rasters, ref_rasters)):
        steps = np.flatnonzero((a != b).any(0))
        if len(steps) and (best is None or steps[0] < best[0]):
            best = (int(steps[0]), layer)
    return best


def find_divergence(net: NetxFile, spikes: np.ndarray, lava: SpikeCounts, reference: SpikeCounts,
                    stepper: Stepper, plot: Path | None = None, rerun: bool = True) -> dict | None:
    """The first divergence between a Lava run's counts and the reference's, or None if they agree.
    Without ``rerun`` (inputs that are not spikes: the re-run feeds spikes) only the counts say where."""
    sample = first_differing_sample(lava, reference)
    if sample is None:
        return None
    probe = next(i for i, (a, b) in enumerate(zip(lava.layers, reference.layers)) if (a[sample] != b[sample]).any())
    if not rerun:
        return {"sample": sample, "layer": net.layers[probe].index, "found_in_rerun": False,
                "rerun": "not run: the step-by-step re-run feeds spike inputs only"}
    one = spikes[sample: sample + 1]
    ref_rasters, _ = stepper(one, 0)
    lava_rasters, probe_traces = lava_steps(net, one, probe)
    where = locate(lava_rasters, ref_rasters)
    if where is None:  # the re-run agrees step by step: report what the counts said
        return {"sample": sample, "layer": net.layers[probe].index, "found_in_rerun": False,
                "rerun": "agreed step by step"}
    step, layer = where
    neurons = np.flatnonzero(lava_rasters[layer][:, step] != ref_rasters[layer][:, step])
    neuron = int(neurons[0])
    _, ref_traces = stepper(one, layer)
    # The probe's traces are those of the earliest differing layer unless a lower one parts first.
    lava_traces = probe_traces if layer == probe else lava_steps(net, one, layer)[1]
    result = {
        "sample": sample, "layer": net.layers[layer].index, "neuron": neuron, "time_step": step, "found_in_rerun": True,
        "neurons_differing_at_that_step": neurons.tolist()[:20],
        "spiked": {"lava": int(lava_rasters[layer][neuron, step]), "reference": int(ref_rasters[layer][neuron, step])},
        "threshold": net.layers[layer].neuron.threshold_state,
        "traces": {side: {"spikes": r[layer][neuron].tolist(), "u": t["u"][neuron].tolist(), "v": t["v"][neuron].tolist()}
                   for side, r, t in (("lava", lava_rasters, lava_traces), ("reference", ref_rasters, ref_traces))},
    }
    if plot is not None:
        divergence_plot(result, plot)
        result["plot"] = str(plot)
    return result


def describe(d: dict) -> str:
    """One line naming the divergence."""
    if not d.get("found_in_rerun"):
        return f"counts differ first in sample {d['sample']}, layer {d['layer']} (step-by-step re-run: {d['rerun']})"
    return (f"Lava and the reference part first at sample {d['sample']}, layer {d['layer']}, neuron {d['neuron']}, "
            f"time step {d['time_step']} (Lava spiked: {d['spiked']['lava']}, reference: {d['spiked']['reference']}; "
            f"{len(d['neurons_differing_at_that_step'])} neuron(s) of that layer differ at that step)")


def divergence_plot(d: dict, path: Path) -> None:
    """Spikes, current and voltage of the first differing neuron in both backends."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ppf_neuro.figures import save_figure

    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
    for side, style in (("lava", "o-"), ("reference", "x--")):
        tr = d["traces"][side]
        t = np.arange(len(tr["u"]))
        axes[0].plot(t, np.asarray(tr["spikes"]) * (1 if side == "lava" else 0.9), style, label=side)
        axes[1].plot(t, tr["u"], style, label=side)
        axes[2].plot(t, tr["v"], style, label=side)
    axes[2].axhline(d["threshold"], color="k", lw=0.8, ls=":", label="threshold (64 vThMant)")
    for ax, name in zip(axes, ("spike", "current u", "voltage v (after reset)")):
        ax.axvline(d["time_step"], color="r", lw=0.8)
        ax.set(ylabel=name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[2].set(xlabel="time step in the sample's window")
    fig.suptitle(f"first divergence: sample {d['sample']}, layer {d['layer']}, neuron {d['neuron']}, "
                 f"step {d['time_step']}")
    save_figure(fig, path)
