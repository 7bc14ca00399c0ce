"""PNG plots a person reads: learning curves (more come with the analysis)."""

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


def learning_curve(metrics: dict, path: str | Path, title: str = "") -> None:
    """Loss and accuracy per epoch (train, validation, and each branch of a hybrid on validation),
    the selected epoch marked; the fusion ratio if learned."""
    history = [h for h in metrics["history"] if "phase" not in h]  # pre-training rows have their own epochs
    epochs = [h["epoch"] for h in history]
    has_ratio = "ratio" in history[-1]
    fig, axes = plt.subplots(1, 3 if has_ratio else 2, figsize=(15 if has_ratio else 10, 4))
    ax_loss, ax_acc = axes[0], axes[1]
    curves = [("train", "train_", "", "o-")]
    if "val_acc" in history[-1]:
        curves.append(("validation", "val_", "", "s-"))
        curves += [(f"validation, {b} branch", "val_", f"_{b}", ":") for b in ("snn", "qnn")
                   if f"val_acc_{b}" in history[-1]]
    for label, prefix, suffix, style in curves:
        ax_loss.plot(epochs, [h[f"{prefix}loss{suffix}"] for h in history], style, label=label)
        ax_acc.plot(epochs, [100 * h[f"{prefix}acc{suffix}"] for h in history], style, label=label)
    for ax in axes[:2]:
        ax.axvline(metrics["selected_epoch"], color="k", lw=0.8, ls="--", label="selected epoch")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)",
               title=f"accuracy (test, selected epoch: {100 * metrics['test']['acc']:.2f} %)")
    if has_ratio:
        axes[2].plot(epochs, [h["ratio"] for h in history], "o-")
        axes[2].set(xlabel="epoch", ylabel="a (SNN share)", title="fusion ratio", ylim=(0, 1))
    for ax in axes:
        ax.grid(alpha=0.3)
    ax_loss.legend()
    ax_acc.legend()
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
        low = min(100 * r["test_acc"] for r in rows)
        ax.set_ylim(max(0.0, low - 5), None)
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
            ax.plot(levels, [100 * r[name] for r in sub], "o-", color=colors[name], label=name)
            if clean is not None:
                ax.axhline(100 * clean[name], ls=":", lw=0.9, color=colors[name])
        ax.set(xlabel="shots" if kind == "shots" else f"{kind} intensity", ylabel="test accuracy (%)", title=kind)
        if kind == "shots" or (min(levels) > 0 and max(levels) / min(levels) > 20):
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(kinds):]:
        ax.axis("off")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("accuracy under noise (dotted: each model's clean accuracy)")
    save_figure(fig, path, dpi=110)
