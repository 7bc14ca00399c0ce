"""How the costs spread over samples, and the whole hybrid's total per inference.

A mean hides the samples that cost most; a paper's energy figure needs the spread. The report keeps
every sample's spikes and synaptic operations per layer (``activity.per_sample``), so their spread
is exact; the energy on the neuromorphic chip is computed per sample from them, with each layer's
active neuron updates at their mean over samples (the report keeps no per-sample count of those:
the spread of energy is that of spikes and synaptic operations, said in the output).

The whole hybrid's total adds what has a cited figure: the SNN on the neuromorphic chip and the
quantum branch's classical layers on CMOS. A QPU's energy per shot has no cited figure here, so it
is excluded by name, with the QPU time beside it.
"""

from __future__ import annotations

import numpy as np

from ppf_neuro.analysis.energy import neuromorphic_nj
from ppf_neuro.analysis.profiles import Profile

#: The percentiles reported with the mean and standard deviation.
PERCENTILES = (5, 50, 95)


def stats(values) -> dict:
    """Mean, standard deviation and the :data:`PERCENTILES` of per-sample values."""
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std()), **{f"p{q}": float(np.percentile(v, q)) for q in PERCENTILES}}


def spread_over_samples(activity: dict, chip: Profile) -> dict:
    """Spread of spikes, synaptic operations and neuromorphic energy (both placement ends) per
    inference, and of spikes and synaptic operations per layer."""
    spikes = np.asarray(activity["per_sample"]["spikes"], dtype=float)  # (samples, layers)
    synops = np.asarray(activity["per_sample"]["synops"], dtype=float)
    energy = np.zeros((len(spikes), 2))
    for i, layer in enumerate(activity["layers"]):
        for k in range(len(spikes)):
            e = neuromorphic_nj({**layer, "spikes_per_sample": spikes[k, i], "synops_per_sample": synops[k, i]}, chip)
            energy[k] += (e["low_nJ"], e["high_nJ"])
    return {"samples": int(len(spikes)),
            "per_inference": {"spikes": stats(spikes.sum(1)), "synops": stats(synops.sum(1)),
                              f"snn_on_{chip.name}_low_nJ": stats(energy[:, 0]),
                              f"snn_on_{chip.name}_high_nJ": stats(energy[:, 1])},
            "layers": [{"layer": layer["layer"], "spikes": stats(spikes[:, i]), "synops": stats(synops[:, i])}
                       for i, layer in enumerate(activity["layers"])],
            "energy_note": "per sample from its spikes and synaptic operations; active neuron updates at their mean"}


def hybrid_total(summary: dict, chip: Profile, cmos: Profile) -> dict:
    """The whole model's energy per inference where every part has a cited figure, and what it leaves out."""
    includes, low, high = [], 0.0, 0.0
    snn = summary.get("energy", {}).get("per_inference", {}).get(f"snn_on_{chip.name}")
    if snn is not None:
        includes.append(f"the SNN on {chip.label} ({snn['low']} ... {snn['high']})")
        low, high = low + snn["low_nJ"], high + snn["high_nJ"]
    quantum = summary.get("quantum")
    excludes = ["the host's fusion of the two branches (a few multiply-adds per class)"]
    qpu = None
    if quantum is not None:
        classical = quantum.get("classical_energy", {})
        int8, fp32 = classical.get(f"classical_int8_on_{cmos.name}"), classical.get(f"classical_fp32_on_{cmos.name}")
        if int8 is not None and fp32 is not None:
            includes.append(f"the quantum branch's classical layers on {cmos.label} (int8 arithmetic only ... "
                            "fp32 with weight reads)")
            low, high = low + int8["low_nJ"], high + fp32["high_nJ"]
        excludes.insert(0, "the QPU's energy: no cited figure per shot (its time is given instead)")
        target = quantum.get("target")
        qpu = {"seconds": target["qpu_seconds_per_sample"], "source": f"{target['backend']}'s own durations"} \
            if target is not None else {"seconds": quantum["qpu_time"]["per_inference_ms"] / 1e3,
                                        "source": f"{quantum['qpu_time']['label']} (estimate)"}
    return {"low_nJ": low, "high_nJ": high, "includes": includes, "excludes": excludes, "qpu_time": qpu}
