"""Energy per inference from measured operation counts and cited profiles, every platform as a range.

Counts come from the deployment report (the Lava run's own counts): synaptic
operations, spikes, neuron updates and the active ones among them, per layer
and sample; the equivalent dense network's MACs (one forward pass) and weights.

Platforms (names follow the profiles, ``ppf_neuro/analysis/profiles.py``):

* the SNN on a neuromorphic chip: ``synops * synop + active * update_active +
  inactive * update_inactive + spikes * spike``, low end with within-tile spikes,
  high end with across-tile spikes (the chip's figures include its memory);
* the SNN's synaptic operations as accumulates on CMOS, int8 and fp32: low end
  arithmetic only (one add per synop), high end with one weight read per synop;
* the equivalent dense network on CMOS, int8 and fp32: low end arithmetic only
  (one multiply and one add per MAC), high end with one weight read per MAC;
* a quantum branch's classical layers (reduction and head) on CMOS, int8 and fp32, costed
  like the dense network (:func:`classical_energy`).

A weight read costs the 64-bit read energy of the smallest SRAM in the profile
that holds the layer's weights at that precision, times bits / 64.

The profiles' constants are in pJ; every energy this module returns is in nJ, the unit in
each key's name (``low_nJ``, ``high_nJ``, ``parts_nJ``), as in every file ``analyze`` writes.
"""

from __future__ import annotations

from ppf_neuro.analysis.profiles import Profile

#: SRAM sizes of a CMOS profile, smallest first: (constant, bytes it holds).
SRAMS = (("sram_8kb", 8 * 1024), ("sram_32kb", 32 * 1024), ("sram_1mb", 1024 * 1024))


def _in_nj(low_pj: float, high_pj: float, parts_pj: dict[str, float]) -> dict:
    return {"low_nJ": low_pj / 1e3, "high_nJ": high_pj / 1e3, "parts_nJ": {k: v / 1e3 for k, v in parts_pj.items()}}


def weight_read_pj(cmos: Profile, weight_bytes: float, bits: int) -> float:
    """One weight read from the smallest SRAM holding ``weight_bytes`` (the largest if none does)."""
    name = next((n for n, size in SRAMS if weight_bytes <= size), SRAMS[-1][0])
    return cmos[name] * bits / 64


def neuromorphic_nj(layer: dict, chip: Profile) -> dict:
    """Energy of one layer's inference on a neuromorphic chip, by cause, with the placement range."""
    active = layer.get("active_neuron_updates_per_sample", layer["neuron_updates_per_sample"])
    parts = {
        "synaptic_ops": layer["synops_per_sample"] * chip["synop"],
        "active_neuron_updates": active * chip["neuron_update_active"],
        "inactive_neuron_updates": (layer["neuron_updates_per_sample"] - active) * chip["neuron_update_inactive"],
    }
    base = sum(parts.values())
    spikes = layer["spikes_per_sample"]
    return _in_nj(base + spikes * chip["spike_within_tile"], base + spikes * chip["spike_across_tiles"],
                  {**parts, "spikes_within_tile": spikes * chip["spike_within_tile"],
                   "spikes_across_tiles": spikes * chip["spike_across_tiles"]})


def cmos_nj(ops: float, weights: int, bits: int, arithmetic_pj: float, cmos: Profile) -> dict:
    """``ops`` operations of ``arithmetic_pj`` each: arithmetic only, and with one weight read per op."""
    arithmetic = ops * arithmetic_pj
    memory = ops * weight_read_pj(cmos, weights * bits / 8, bits)
    return _in_nj(arithmetic, arithmetic + memory, {"arithmetic": arithmetic, "weight_reads": memory})


def platforms(chip: Profile, cmos: Profile) -> dict[str, dict]:
    """Every platform's key, label and what its low and high ends mean."""
    return {
        f"snn_on_{chip.name}": {"label": f"SNN on {chip.label}", "low": "spikes within a tile",
                                "high": "spikes one tile hop away"},
        f"snn_int8_on_{cmos.name}": {"label": f"SNN synops, int8 accumulates on {cmos.label}",
                                     "low": "arithmetic only", "high": "with one 8-bit weight read per synop"},
        f"snn_fp32_on_{cmos.name}": {"label": f"SNN synops, fp32 accumulates on {cmos.label}",
                                     "low": "arithmetic only", "high": "with one fp32 weight read per synop"},
        f"dense_int8_on_{cmos.name}": {"label": f"dense network, int8 MACs on {cmos.label}",
                                       "low": "arithmetic only", "high": "with one 8-bit weight read per MAC"},
        f"dense_fp32_on_{cmos.name}": {"label": f"dense network, fp32 MACs on {cmos.label}",
                                       "low": "arithmetic only", "high": "with one fp32 weight read per MAC"},
    }


def layer_energy(layer: dict, chip: Profile, cmos: Profile) -> dict[str, dict]:
    synops, macs, weights = layer["synops_per_sample"], layer["connections"], layer["parameters"]
    keys = list(platforms(chip, cmos))
    return dict(zip(keys, (
        neuromorphic_nj(layer, chip),
        cmos_nj(synops, weights, 8, cmos["int8_add"], cmos),
        cmos_nj(synops, weights, 32, cmos["fp32_add"], cmos),
        cmos_nj(macs, weights, 8, cmos["int8_mult"] + cmos["int8_add"], cmos),
        cmos_nj(macs, weights, 32, cmos["fp32_mult"] + cmos["fp32_add"], cmos),
    )))


def energy_report(activity: dict, chip: Profile, cmos: Profile) -> dict:
    """Per layer and per inference: every platform's range and its parts, with the profiles used."""
    layers = [{"layer": layer["layer"], "platforms": layer_energy(layer, chip, cmos)} for layer in activity["layers"]]
    total = {}
    for key, about in platforms(chip, cmos).items():
        parts: dict[str, float] = {}
        for layer in layers:
            for name, value in layer["platforms"][key]["parts_nJ"].items():
                parts[name] = parts.get(name, 0.0) + value
        total[key] = {**about, "low_nJ": sum(l["platforms"][key]["low_nJ"] for l in layers),
                      "high_nJ": sum(l["platforms"][key]["high_nJ"] for l in layers), "parts_nJ": parts}
    return {"profiles": {"neuromorphic": chip.as_dict(), "cmos": cmos.as_dict()}, "per_inference": total,
            "layers": layers}


def classical_energy(macs: int, parameters: int, cmos: Profile) -> dict[str, dict]:
    """The hybrid's classical layers per inference as int8 and fp32 MACs on ``cmos``."""
    return {f"classical_{name}_on_{cmos.name}": {
        "label": f"quantum branch's classical layers, {name} MACs on {cmos.label}", "low": "arithmetic only",
        "high": f"with one {name} weight read per MAC",
        **cmos_nj(macs, parameters, bits, cmos[f"{name}_mult"] + cmos[f"{name}_add"], cmos)}
        for name, bits in (("int8", 8), ("fp32", 32))}
