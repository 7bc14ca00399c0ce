"""The same counts under the names NeuroBench uses (Yik et al., "The neurobench framework for
benchmarking neuromorphic computing algorithms and systems", Nature Communications 16, 2025).

* ``Footprint``: bytes of the deployed SNN: 8-bit weights (1 byte each), 13-bit bias mantissas
  (2 bytes each) and per layer the neuron parameters (12-bit decays, 17-bit threshold: 8 bytes).
* ``ParameterCount``: weights and biases of the deployed SNN.
* ``ConnectionSparsity``: zero weights / all weights.
* ``ActivationSparsity``: 1 - spikes / (neurons x time steps), over all layers.
* ``SynapticOperations``: ``Effective_ACs`` are synaptic operations driven by binary spikes
  (weight x spike, zeros not counted), ``Effective_MACs`` those driven by non-binary inputs
  (graded payloads: a sigma-delta layer's, or graded inputs into the first layer; the report's
  ``activity.layers[].graded_inputs``), ``Dense`` every connection at every time step.
* ``MembraneUpdates``: neurons x time steps.

All per inference (mean over the report's samples).
"""

from __future__ import annotations


def neurobench_metrics(activity: dict) -> dict:
    layers, steps = activity["layers"], activity["steps"]
    weights = sum(layer["parameters"] for layer in layers)
    nonzero = sum(layer["nonzero_weights"] for layer in layers)
    neurons = sum(layer["neurons"] for layer in layers)
    spikes = sum(layer["spikes_per_sample"] for layer in layers)
    return {
        "Footprint": int(weights + 2 * sum(layer["biases"] for layer in layers) + 8 * len(layers)),
        "ParameterCount": int(weights + sum(layer["biases"] for layer in layers)),
        "ConnectionSparsity": float(1 - nonzero / weights) if weights else 0.0,
        "ActivationSparsity": float(1 - spikes / (neurons * steps)),
        "SynapticOperations": {"Effective_MACs": float(sum(layer["synops_per_sample"] for layer in layers
                                                           if layer.get("graded_inputs"))),
                               "Effective_ACs": float(sum(layer["synops_per_sample"] for layer in layers
                                                          if not layer.get("graded_inputs"))),
                               "Dense": float(sum(layer["connections"] for layer in layers) * steps)},
        "MembraneUpdates": int(sum(layer["neuron_updates_per_sample"] for layer in layers)),
    }


def neurobench_rows(metrics: dict) -> list[dict]:
    """The metrics as a table a person reads: one row each, nested ones flattened, rounded."""
    flat = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{k}": v for k, v in value.items()})
        else:
            flat[name] = value
    return [{"NeuroBench metric": name, "value": f"{v:.4f}" if "Sparsity" in name else f"{v:,.0f}"}
            for name, v in flat.items()]
