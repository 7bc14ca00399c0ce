"""PNG plots of deployment analyses: layer activity, one sample's raster, energy, accuracy vs energy."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ppf_neuro.plots import save_figure  # noqa: E402


def layer_activity(summary: dict, path: Path) -> None:
    """Spikes, firing rate and synaptic operations per layer (input first)."""
    act = summary["activity"]
    names = ["input"] + [f"L{l['layer']} {l['kind']}\n{l['neurons']} n" for l in act["layers"]]
    spikes = [act["input"]["spikes_per_sample"]] + [l["spikes_per_sample"] for l in act["layers"]]
    rates = [np.nan] + [100 * l["firing_rate"] for l in act["layers"]]
    synops = [np.nan] + [l["synops_per_sample"] for l in act["layers"]]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, values, label, color in zip(axes, (spikes, rates, synops),
                                        ("spikes per sample", "firing rate (% of neuron-steps)",
                                         "synaptic ops received per sample"),
                                        ("#4c72b0", "#dd8452", "#55a868")):
        bars = ax.bar(names, np.nan_to_num(values), color=color)
        ax.bar_label(bars, labels=[("" if np.isnan(v) else f"{v:,.0f}" if v >= 10 else f"{v:.2f}") for v in values],
                     fontsize=8)
        ax.set(title=label)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{summary['model']} on Lava: activity per layer ({summary['samples']} samples, "
                 f"{act['steps']} steps each)")
    save_figure(fig, path)


def raster(report: dict, path: Path) -> None:
    """Spike raster of the first sample through the network: input and every layer."""
    r = report["activity"]["raster"]
    steps = report["activity"]["steps"]
    panels = [("input", r["input"], report["activity"]["input"]["neurons"])]
    panels += [(f"layer {i}", ev, l["neurons"]) for i, (ev, l) in enumerate(zip(r["layers"], report["activity"]["layers"]))]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4.5))
    for ax, (name, events, neurons) in zip(np.atleast_1d(axes), panels):
        ev = np.asarray(events).reshape(-1, 2)
        ax.scatter(ev[:, 0], ev[:, 1], s=4, marker="|", color="k")
        ax.set(xlim=(-0.5, steps - 0.5), ylim=(-0.5, neurons - 0.5), xlabel="time step", ylabel="neuron",
               title=f"{name}: {len(ev)} spikes")
    label = report["outputs"]["output"]
    fig.suptitle(f"sample 0 (predicted {label['predictions'][0]}), as recorded from the Lava run")
    save_figure(fig, path)


def energy_breakdown(summary: dict, path: Path) -> None:
    """Energy per inference: the SNN on Loihi (by cause) vs the dense equivalent on a CPU-class chip."""
    e = summary["energy"]
    loihi = {k: sum(l["loihi_pj"][k] for l in e["layers"]) / 1e3 for k in ("synops", "neuron_updates", "spikes")}
    acc = e["per_inference_pj"]["snn_accumulates_pj"] / 1e3
    dense = e["per_inference_pj"]["dense_macs_pj"] / 1e3
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = 0.0
    for (k, v), c in zip(loihi.items(), ("#4c72b0", "#8172b3", "#64b5cd")):
        ax.bar(0, v, bottom=bottom, color=c, label=f"Loihi: {k.replace('_', ' ')}")
        bottom += v
    ax.bar(1, acc, color="#55a868", label="SNN synops as fp32 adds (45 nm)")
    ax.bar(2, dense, color="#c44e52", label="dense network, fp32 MACs (45 nm)")
    for x, v in ((0, bottom), (1, acc), (2, dense)):
        ax.annotate(f"{v:,.1f} nJ", (x, v), textcoords="offset points", xytext=(0, 4), ha="center")
    ax.set_xticks([0, 1, 2], ["SNN on Loihi", "SNN on CMOS", "dense ANN on CMOS"])
    ax.set(ylabel="energy per inference (nJ)", title="Estimated energy per inference (compute only, no memory)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    save_figure(fig, path)


def accuracy_vs_energy(summaries: list[dict], path: Path) -> None:
    """One point per report: deployed accuracy against Loihi energy per inference."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s in summaries:
        if "energy" not in s:
            continue
        x, y = s["energy"]["per_inference_pj"]["loihi_pj"] / 1e3, 100 * s["accuracy"]
        ax.scatter(x, y, s=40)
        ax.annotate(f"{s['model']} ({Path(s['report']).stem})", (x, y), textcoords="offset points", xytext=(5, 5),
                    fontsize=8)
    ax.set(xlabel="SNN energy per inference on Loihi (nJ)", ylabel="deployed accuracy (%)",
           title="accuracy vs energy")
    ax.grid(alpha=0.3)
    save_figure(fig, path)
