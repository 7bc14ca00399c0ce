"""Compare the Lava run with the PyTorch reference and build the deployment report."""

from __future__ import annotations

import numpy as np
import torch

from deploy.lava_runner import LavaResult, SpikeCounts
from ppf_neuro.readout import spike_logits


def predictions(counts: SpikeCounts, steps: int, scale: float) -> np.ndarray:
    """Predicted classes from output counts, through the training readout."""
    return spike_logits(torch.from_numpy(counts.output).float(), steps, scale).argmax(-1).numpy()


def compare(lava: SpikeCounts, ref: SpikeCounts) -> dict:
    """How exactly the Lava counts reproduce the PyTorch counts, layer by layer."""
    layers = []
    for i, (a, b) in enumerate(zip(lava.layers, ref.layers)):
        diff = np.abs(a - b)
        layers.append({
            "layer": i,
            "neurons": int(a.shape[1]),
            "exact_neuron_counts": float((diff == 0).mean()),
            "max_abs_count_diff": int(diff.max(initial=0)),
            "spikes_per_sample_lava": float(a.sum(1).mean()),
            "spikes_per_sample_pytorch": float(b.sum(1).mean()),
        })
    return {
        "samples_with_identical_output_counts": float((lava.output == ref.output).all(1).mean()),
        "layers": layers,
    }


def snn_report(lava: LavaResult, ref: SpikeCounts, labels: np.ndarray, steps: int, scale: float) -> dict:
    pred_lava = predictions(lava.counts, steps, scale)
    pred_ref = predictions(ref, steps, scale)
    n = len(labels)
    return {
        "samples": n,
        "accuracy": {"lava": float((pred_lava == labels).mean()), "pytorch": float((pred_ref == labels).mean())},
        "agreement": float((pred_lava == pred_ref).mean()),
        "spike_agreement": compare(lava.counts, ref),
        "spikes_per_sample": {
            "lava": float(lava.counts.per_layer_totals().sum(1).mean()),
            "pytorch": float(ref.per_layer_totals().sum(1).mean()),
        },
        "lava_timing": {
            "seconds": lava.seconds,
            "time_steps": lava.steps,
            "steps_per_second": lava.steps / lava.seconds,
            "samples_per_second": n / lava.seconds,
        },
        "per_sample": {
            "label": labels.tolist(),
            "lava_prediction": pred_lava.tolist(),
            "pytorch_prediction": pred_ref.tolist(),
            "lava_layer_spikes": lava.counts.per_layer_totals().tolist(),
        },
    }


def summary_table(report: dict) -> str:
    """The few lines a person reads after a deployment."""
    snn = report["snn"]
    rows = [
        ("samples", f"{snn['samples']}"),
        ("PyTorch accuracy", f"{100 * snn['accuracy']['pytorch']:.2f} %"),
        ("Lava accuracy", f"{100 * snn['accuracy']['lava']:.2f} %"),
        ("class agreement", f"{100 * snn['agreement']:.2f} %"),
        ("identical output counts", f"{100 * snn['spike_agreement']['samples_with_identical_output_counts']:.2f} %"),
        ("spikes / sample (Lava)", f"{snn['spikes_per_sample']['lava']:.1f}"),
        ("spikes / sample (PyTorch)", f"{snn['spikes_per_sample']['pytorch']:.1f}"),
        ("Lava wall time", f"{snn['lava_timing']['seconds']:.1f} s ({snn['lava_timing']['steps_per_second']:.0f} steps/s)"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
