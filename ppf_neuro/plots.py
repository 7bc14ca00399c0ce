"""PNG plots a person reads: learning curves (more come with the analysis)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ppf_neuro.atomic import atomic_path  # noqa: E402


def learning_curve(history: Sequence[dict], path: str | Path, title: str = "") -> None:
    """Loss and accuracy per epoch (train, test, and each branch of a hybrid); the fusion ratio if learned."""
    history = [h for h in history if "phase" not in h]  # pre-training rows have their own epochs
    epochs = [h["epoch"] for h in history]
    has_ratio = "ratio" in history[-1]
    fig, axes = plt.subplots(1, 3 if has_ratio else 2, figsize=(15 if has_ratio else 10, 4))
    ax_loss, ax_acc = axes[0], axes[1]
    curves = [("train", "train_", "o-"), ("test", "test_", "s-")]
    curves += [(f"test, {b} branch", f"test_", ":") for b in ("snn", "qnn") if f"test_acc_{b}" in history[-1]]
    for label, prefix, style in curves:
        suffix = f"_{label.split()[-2]}" if "branch" in label else ""
        ax_loss.plot(epochs, [h[f"{prefix}loss{suffix}"] for h in history], style, label=label)
        ax_acc.plot(epochs, [100 * h[f"{prefix}acc{suffix}"] for h in history], style, label=label)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    if has_ratio:
        axes[2].plot(epochs, [h["ratio"] for h in history], "o-")
        axes[2].set(xlabel="epoch", ylabel="a (SNN share)", title="fusion ratio", ylim=(0, 1))
    for ax in axes:
        ax.grid(alpha=0.3)
    ax_loss.legend()
    ax_acc.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
