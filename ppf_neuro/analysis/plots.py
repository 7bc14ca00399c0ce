"""Figures of deployment analyses: layer activity, chosen samples' rasters, energy, accuracy vs energy.

Each function returns its matplotlib ``Figure`` (a notebook shows it, ``analyze --plots`` saves it with
:func:`ppf_neuro.figures.save_figure`): drawing and writing are apart."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ppf_neuro.formats.report import Report  # noqa: E402
from ppf_neuro.figures import integer_ticks  # noqa: E402


def layer_activity(summary: dict) -> plt.Figure:
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
    return fig


def raster(report: Report, samples: tuple[int, ...] = (0,)) -> plt.Figure | None:
    """Spikes of the chosen ``samples`` (one row each) through every layer (one column each, named as
    netx numbers its layers), from the rasters the deployment saved (``deploy --save-spikes``); None
    when it saved none or the file is gone."""
    saved = (report.activity or {}).get("rasters", {}).get("file")
    if saved is None or not Path(saved).is_file():
        return None
    with np.load(saved) as npz:
        names = sorted((k for k in npz.files if k.startswith("layer")), key=lambda k: int(k[5:]))
        rows = [[(name, npz[name][k]) for name in names] for k in samples]
    fig, axes = plt.subplots(len(rows), len(names), figsize=(4 * len(names), 4.5 * len(rows)), squeeze=False)
    predictions = report.outputs["output"].predictions
    for k, row, row_axes in zip(samples, rows, axes):
        for ax, (name, events) in zip(row_axes, row):
            neuron, step = np.nonzero(events)
            ax.scatter(step, neuron, s=4, marker="|", color="k")
            ax.set(xlim=(-0.5, events.shape[1] - 0.5), ylim=(-0.5, events.shape[0] - 0.5), xlabel="time step",
                   ylabel="neuron", title=f"sample {k} (predicted {predictions[k]}), {name}: {len(step)} events")
            integer_ticks(ax)
    fig.suptitle("spikes as recorded from the Lava run")
    return fig


def energy_breakdown(summary: dict) -> plt.Figure:
    """Energy per inference of every platform as a range: the solid bar is the low end (arithmetic
    only; within-tile spikes), the hatched part what the high end adds (weight reads; cross-tile spikes)."""
    platforms = list(summary["energy"]["per_inference"].values())
    fig, ax = plt.subplots(figsize=(10, 0.8 * len(platforms) + 1.8))
    for i, p in enumerate(platforms):
        low, high = p["low_nJ"], p["high_nJ"]
        color = "#4c72b0" if p["label"].startswith("SNN on") else "#55a868" if p["label"].startswith("SNN") \
            else "#c44e52"
        ax.barh(i, low, color=color)
        ax.barh(i, high - low, left=low, color=color, alpha=0.35, hatch="//", edgecolor=color)
        ax.annotate(f"{low:,.1f} - {high:,.1f} nJ", (high, i), textcoords="offset points", xytext=(4, -3), fontsize=8)
    ax.set_yticks(range(len(platforms)), [p["label"] for p in platforms], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    lows, highs = [p["low_nJ"] for p in platforms], [p["high_nJ"] for p in platforms]
    ax.set_xlim(min(lows) / 2, max(highs) * 8)  # room for the labels right of the longest bar
    ax.set(xlabel="energy per inference (nJ, log scale)",
           title=f"{summary['model']}: energy per inference, low end solid, high end hatched")
    ax.grid(axis="x", alpha=0.3)
    return fig


def accuracy_vs_energy(summaries: list[dict]) -> tuple[plt.Figure, list[tuple[str, float, float]]]:
    """One point per report: deployed accuracy against the SNN's energy on the neuromorphic profile
    (the range as an error bar). Returns the figure and the points plotted: (report, nJ at the range's
    middle, %)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    points = []
    for s in summaries:
        if "energy" not in s or s["accuracy"] is None:
            continue
        snn = next(iter(s["energy"]["per_inference"].values()))
        low, high = snn["low_nJ"], snn["high_nJ"]
        x, y = (low + high) / 2, 100 * s["accuracy"]
        ax.errorbar(x, y, xerr=[[x - low], [high - x]], fmt="o", capsize=4)
        ax.annotate(f"{s['model']} ({Path(s['report']).stem})", (x, y), textcoords="offset points", xytext=(5, 5),
                    fontsize=8)
        points.append((s["report"], x, y))
    label = next((next(iter(s["energy"]["per_inference"].values()))["label"] for s in summaries if "energy" in s),
                 "SNN")
    ax.set(xlabel=f"energy per inference, {label} (nJ)", ylabel="deployed accuracy (%)", title="accuracy vs energy")
    ax.grid(alpha=0.3)
    return fig, points


def report_figures(summary: dict, report: Report, raster_samples: tuple[int, ...] = (0,)) -> dict:
    """One deployment's figures by name (``layer_spikes``, ``raster`` where spikes were saved,
    ``energy``); none for a deployment without a spiking branch."""
    if report.activity is None:
        return {}
    figures = {"layer_spikes": layer_activity(summary), "raster": raster(report, raster_samples),
               "energy": energy_breakdown(summary)}
    return {name: fig for name, fig in figures.items() if fig is not None}
