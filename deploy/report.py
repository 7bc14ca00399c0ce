"""Compare the deployment with the PyTorch reference and build the report."""

from __future__ import annotations

import numpy as np

from deploy.lava_runner import LavaResult, SpikeCounts


def compare_spikes(lava: SpikeCounts, ref: SpikeCounts) -> dict:
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


def lava_section(lava: LavaResult, ref: SpikeCounts) -> dict:
    n = len(lava.counts.output)
    return {
        "spike_agreement": compare_spikes(lava.counts, ref),
        "spikes_per_sample": {
            "lava": float(lava.counts.per_layer_totals().sum(1).mean()),
            "pytorch": float(ref.per_layer_totals().sum(1).mean()),
        },
        "timing": {
            "seconds": lava.seconds,
            "time_steps": lava.steps,
            "steps_per_second": lava.steps / lava.seconds,
            "samples_per_second": n / lava.seconds,
        },
        "layer_spikes_per_sample": lava.counts.per_layer_totals().tolist(),
    }


def outputs_section(deployed: dict[str, np.ndarray], reference: dict[str, np.ndarray], labels: np.ndarray) -> dict:
    """Accuracy of each deployed output and its PyTorch twin, and how often they agree."""
    out = {}
    for name, scores in deployed.items():
        pred, ref_pred = scores.argmax(-1), reference[name].argmax(-1)
        out[name] = {
            "accuracy_deployed": float((pred == labels).mean()),
            "accuracy_pytorch": float((ref_pred == labels).mean()),
            "agreement": float((pred == ref_pred).mean()),
            "predictions": pred.tolist(),
        }
    return out


def summary_table(report: dict) -> str:
    """The few lines a person reads after a deployment."""
    names = {"output": f"{report['model']} (decision)", "snn": "SNN branch (Lava)", "qnn": "quantum branch"}
    rows = [("output", "deployed", "PyTorch", "agreement")]
    for key, o in report["outputs"].items():
        rows.append((names[key], f"{100 * o['accuracy_deployed']:.2f} %", f"{100 * o['accuracy_pytorch']:.2f} %",
                     f"{100 * o['agreement']:.2f} %"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"samples: {report['samples']}")
    if "fusion" in report:
        lines.append(f"fusion: a = {report['fusion']['ratio']:.3f} (SNN share), rule {report['fusion']['rule']}")
    if "lava" in report:
        lava = report["lava"]
        exact = lava["spike_agreement"]["samples_with_identical_output_counts"]
        lines.append(f"Lava: identical output spike counts on {100 * exact:.2f} % of samples, "
                     f"{lava['spikes_per_sample']['lava']:.1f} spikes/sample, "
                     f"{lava['timing']['seconds']:.1f} s ({lava['timing']['steps_per_second']:.0f} steps/s)")
    if "quantum" in report:
        q = report["quantum"]
        shots = "analytic" if q["shots"] is None else f"{q['shots']} shots"
        noise = f", depolarising p={q['noise']}" if q["noise"] else ""
        lines.append(f"quantum: {q['device']} ({shots}{noise}), {q['seconds']:.1f} s")
    return "\n".join(lines)
