"""Turn deployment reports into the tables a person reads: per layer, energy ranges, NeuroBench
metrics, quantum resources and QPU time."""

from __future__ import annotations

from pathlib import Path

from ppf_neuro.analysis.energy import classical_energy, energy_report
from ppf_neuro.analysis.latency import latency
from ppf_neuro.analysis.neurobench import neurobench_metrics
from ppf_neuro.analysis.profiles import Profile
from ppf_neuro.analysis.qpu_time import qpu_time
from ppf_neuro.analysis.spread import hybrid_total, spread_over_samples
from ppf_neuro.atomic import write_csv, write_json
from ppf_neuro.formats.report import Report


def summarize(report: Report, name: str, chip: Profile, cmos: Profile, qpu: Profile) -> dict:
    out = {
        "report": name,
        "model": report.model,
        "samples": report.samples,
        "accuracy": report.outputs["output"].accuracy_deployed,
    }
    if "regression" in (report.readout or {}):  # a regression net: its error, not an accuracy
        out["regression"] = report.readout["regression"]["deployed"]
    if report.activity is not None:
        act = report.activity
        out["activity"] = {k: act[k] for k in ("steps", "input", "layers")}
        out["energy"] = energy_report(act, chip, cmos)
        out["latency"] = latency(act, chip)
        out["neurobench"] = neurobench_metrics(act)
        layers = act["layers"]
        out["totals_per_inference"] = {
            "spikes": sum(l["spikes_per_sample"] for l in layers),
            "synops": sum(l["synops_per_sample"] for l in layers),
            "neuron_updates": sum(l["neuron_updates_per_sample"] for l in layers),
            "active_neuron_updates": sum(l.get("active_neuron_updates_per_sample", l["neuron_updates_per_sample"])
                                         for l in layers),
            "dense_macs": sum(l["connections"] for l in layers),
        }
    if report.quantum is not None:
        resources = report.quantum["resources_per_sample"]
        out["quantum"] = {"resources_per_sample": resources, "qpu_time": qpu_time(resources, qpu),
                          "qpu_profile": qpu.as_dict()}
        if "target" in report.quantum:  # deployed on a device's calibration: what it compiled to, its own times
            out["quantum"]["target"] = report.quantum["target"]
        if "classical_macs" in resources:  # reports of version 2 before ppf-neuro recorded them lack it
            out["quantum"]["classical_energy"] = classical_energy(resources["classical_macs"],
                                                                  resources["classical_parameters"], cmos)
    if report.activity is not None and "per_sample" in report.activity:
        out["spread_over_samples"] = spread_over_samples(report.activity, chip)
    out["hybrid_total_per_inference"] = hybrid_total(out, chip, cmos)
    return out


def layer_rows(summary: dict) -> list[dict]:
    """One row per spiking layer: activity and every platform's energy range (nJ)."""
    rows = []
    platforms = summary["energy"]["per_inference"]
    for layer, energy in zip(summary["activity"]["layers"], summary["energy"]["layers"]):
        row = {
            "layer": layer["layer"], "kind": layer["kind"], "neurons": layer["neurons"],
            "spikes_per_sample": round(layer["spikes_per_sample"], 2),
            "firing_rate": round(layer["firing_rate"], 4),
            "synops_per_sample": round(layer["synops_per_sample"], 1),
            "neuron_updates": layer["neuron_updates_per_sample"],
            "active_updates": round(layer.get("active_neuron_updates_per_sample", float("nan")), 1),
            "dense_macs": layer["connections"],
        }
        for key in platforms:
            e = energy["platforms"][key]
            row[f"{key}_low_nJ"], row[f"{key}_high_nJ"] = round(e["low_nJ"], 3), round(e["high_nJ"], 3)
        rows.append(row)
    return rows


def energy_rows(summary: dict) -> list[dict]:
    """One row per platform: the range per inference and what its ends assume (the spiking branch's
    platforms, then the quantum branch's classical layers where the report has them)."""
    platforms = list(summary.get("energy", {}).get("per_inference", {}).values())
    platforms += list(summary.get("quantum", {}).get("classical_energy", {}).values())
    return [{"platform": p["label"], "low_nJ": round(p["low_nJ"], 3), "high_nJ": round(p["high_nJ"], 3),
             "low end": p["low"], "high end": p["high"]} for p in platforms]


def markdown_table(rows: list[dict]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    return "\n".join(lines)


def write_summaries(summaries: list[dict], out: Path) -> None:
    write_json(out / "summary.json", summaries)
    rows = [{"report": s["report"], **r} for s in summaries if "activity" in s for r in layer_rows(s)]
    if rows:
        write_csv(out / "layers.csv", rows)
    energy = [{"report": s["report"], **r} for s in summaries for r in energy_rows(s)]
    if energy:
        write_csv(out / "energy.csv", energy)
