"""PNG figures a person reads: learning curves, sweeps, robustness (the analysis has its own, `analysis.plots`)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ppf_neuro.atomic import atomic_path  # noqa: E402


def save_figure(fig, path: str | Path, dpi: int = 120) -> None:
    """Lay out, write as PNG atomically, and free the figure."""
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    plt.close(fig)


def integer_ticks(ax) -> None:
    """Epochs, steps and layers are counted: ticks at whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def floor_axis(ax, values, step: float = 5.0) -> None:
    """A y axis that does not start at 0 (accuracies near 100 %), starting at a round value below
    the data, with the break drawn on the axis (two slashes) so no reader takes it for zero."""
    low = step * (min(values) // step)
    if low <= 0:
        ax.set_ylim(bottom=0)
        return
    ax.set_ylim(bottom=low)
    marks = dict(transform=ax.transAxes, color="k", clip_on=False, lw=1)
    for dy in (0.0, 0.025):
        ax.plot((-0.02, 0.02), (0.01 + dy, 0.035 + dy), **marks)


def _legend_outside(ax) -> None:
    """The legend below the panel, never over the curves."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8, frameon=False)


def learning_curve(metrics: dict, path: str | Path, title: str = "") -> None:
    """Per epoch: the fused output's loss on training and validation data (the same quantity on
    both), the branches' auxiliary losses in a panel of their own, accuracies, and the fusion ratio
    if learned; the selected epoch marked. Loss axes start at 0, accuracy axes are marked broken."""
    history = [h for h in metrics["history"] if "phase" not in h]  # pre-training rows have their own epochs
    epochs = [h["epoch"] for h in history]
    last = history[-1]
    branches = [b for b in ("snn", "qnn") if f"val_loss_{b}" in last]
    panels = ["loss"] + (["aux"] if "train_aux_loss" in last or branches else []) + ["acc"] + \
        (["ratio"] if "ratio" in last else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.4), squeeze=False)
    color = {"training": "C0", "validation": "C1", "snn": "C2", "qnn": "C3"}  # one colour per series in every panel
    ax = dict(zip(panels, axes[0]))
    ax["loss"].plot(epochs, [h["train_loss"] for h in history], "o-", color=color["training"], label="training")
    if "val_loss" in last:
        ax["loss"].plot(epochs, [h["val_loss"] for h in history], "s-", color=color["validation"], label="validation")
    ax["loss"].set(ylabel="cross-entropy loss", title="fused output: loss")
    if "aux" in ax:
        if "train_aux_loss" in last:
            ax["aux"].plot(epochs, [h["train_aux_loss"] for h in history], "o-", color=color["training"],
                           label="training, weighted sum")
        for b in branches:
            ax["aux"].plot(epochs, [h[f"val_loss_{b}"] for h in history], ".:", color=color[b], label=f"validation, {b}")
        ax["aux"].set(ylabel="cross-entropy loss", title="branches: auxiliary losses")
    accuracy = {"training": ("o-", [100 * h["train_acc"] for h in history])}
    if "val_acc" in last:
        accuracy["validation"] = ("s-", [100 * h["val_acc"] for h in history])
    accuracy.update({b: (".:", [100 * h[f"val_acc_{b}"] for h in history]) for b in branches})
    for name, (style, values) in accuracy.items():
        label = name if name in ("training", "validation") else f"validation, {name}"
        ax["acc"].plot(epochs, values, style, color=color[name], label=label)
    floor_axis(ax["acc"], [v for _, values in accuracy.values() for v in values])
    ax["acc"].set(ylabel="accuracy (%)", title=f"accuracy (test at the selected epoch: {100 * metrics['test']['acc']:.2f} %)")
    if "ratio" in ax:
        ax["ratio"].plot(epochs, [h["ratio"] for h in history], "o-", label="a")
        ax["ratio"].set(ylabel="a (SNN share)", title="fusion ratio", ylim=(0, 1))
    for name, a in ax.items():
        if name != "acc":
            a.set_ylim(bottom=0)
        a.axvline(metrics["selected_epoch"], color="k", lw=0.8, ls="--", label="selected epoch")
        a.set(xlabel="epoch")
        integer_ticks(a)
        a.grid(alpha=0.3)
        _legend_outside(a)
    if title:
        fig.suptitle(title)
    save_figure(fig, path)


def sweep_plot(rows: Sequence[dict], params: Sequence[str], path: str | Path) -> None:
    """Test accuracy against each swept parameter (mean over everything else, dots = runs)."""
    import numpy as np

    params = [p for p in params if len({json_key(r[p]) for r in rows}) > 1] or list(params)[:1]
    fig, axes = plt.subplots(1, len(params), figsize=(4.2 * len(params), 3.8), squeeze=False)
    for ax, p in zip(axes[0], params):
        labels = list(dict.fromkeys(json_key(r[p]) for r in rows))
        for i, label in enumerate(labels):
            accs = [100 * r["test_acc"] for r in rows if json_key(r[p]) == label]
            ax.bar(i, np.mean(accs), yerr=np.std(accs), capsize=5, color="#8fb3d9", edgecolor="#2a4d69")
            ax.plot([i] * len(accs), accs, "k.", alpha=0.6)
        ax.set_xticks(range(len(labels)), labels)
        floor_axis(ax, [100 * r["test_acc"] for r in rows])
        ax.set(xlabel=p, ylabel="test accuracy (%)")
        ax.grid(axis="y", alpha=0.3)
    save_figure(fig, path)


def json_key(value) -> str:
    """A category label for a swept value (null ratio means learned)."""
    return "learned" if value is None else str(value)


def robustness_plot(rows: Sequence[dict], names: Sequence[str], path: str | Path) -> None:
    """Accuracy against noise level, one panel per noise kind, one colour per model."""
    clean = next((r for r in rows if r["noise"] == "clean"), None)
    kinds = [k for k in dict.fromkeys(r["noise"] for r in rows) if k != "clean"]
    cols = min(3, len(kinds))
    nrows = -(-len(kinds) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 4 * nrows), squeeze=False)
    colors = {name: plt.cm.tab10(i) for i, name in enumerate(names)}
    for ax, kind in zip(axes.flat, kinds):
        sub = [r for r in rows if r["noise"] == kind]
        levels = [r["level"] for r in sub]
        for name in names:
            if any(r[name] is None for r in sub):
                continue  # device noise on a model without a quantum branch
            ax.plot(levels, [100 * r[name] for r in sub], "o-", color=colors[name], label=name)
            if clean is not None:
                ax.axhline(100 * clean[name], ls=":", lw=0.9, color=colors[name])
        counted = kind == "shots" or kind.startswith("device")
        ax.set(xlabel="shots" if counted else f"{kind} intensity", ylabel="test accuracy (%)", title=kind,
               ylim=(0, 100))
        if counted or (min(levels) > 0 and max(levels) / min(levels) > 20):
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(kinds):]:
        ax.axis("off")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("accuracy under noise (dotted: each model's clean accuracy)")
    save_figure(fig, path, dpi=110)
