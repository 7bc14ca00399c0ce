"""Turn deployment reports into the tables a person reads: per layer, energy, quantum resources."""

from __future__ import annotations

from pathlib import Path

from ppf_neuro.analysis.energy import energy_report
from ppf_neuro.atomic import write_csv, write_json
from ppf_neuro.errors import PPFError


def summarize(report: dict, name: str, neuromorphic: str = "loihi", conventional: str = "cmos45") -> dict:
    if "outputs" not in report or "model" not in report:
        raise PPFError(f"{name}: not a ppf-neuro deployment report (no 'outputs'/'model')")
    out = {
        "report": name,
        "model": report["model"],
        "samples": report["samples"],
        "accuracy": report["outputs"]["output"]["accuracy_deployed"],
    }
    if "activity" in report:
        act = report["activity"]
        out["activity"] = {k: act[k] for k in ("steps", "input", "layers")}
        out["energy"] = energy_report(act, neuromorphic, conventional)
        out["totals_per_inference"] = {
            "spikes": sum(l["spikes_per_sample"] for l in act["layers"]),
            "synops": sum(l["synops_per_sample"] for l in act["layers"]),
            "neuron_updates": sum(l["neuron_updates_per_sample"] for l in act["layers"]),
            "dense_macs": sum(l["connections"] for l in act["layers"]),
        }
    if "quantum" in report:
        out["quantum"] = report["quantum"].get("resources_per_sample")
    return out


def layer_rows(summary: dict) -> list[dict]:
    """One row per spiking layer: activity and energy side by side."""
    rows = []
    for layer, energy in zip(summary["activity"]["layers"], summary["energy"]["layers"]):
        rows.append({
            "layer": layer["layer"], "kind": layer["kind"], "neurons": layer["neurons"],
            "spikes_per_sample": round(layer["spikes_per_sample"], 2),
            "firing_rate": round(layer["firing_rate"], 4),
            "activation_sparsity": round(layer["activation_sparsity"], 4),
            "synops_per_sample": round(layer["synops_per_sample"], 1),
            "neuron_updates_per_sample": layer["neuron_updates_per_sample"],
            "dense_macs": layer["connections"],
            "loihi_nj": round(energy["loihi_pj"]["total"] / 1e3, 3),
            "dense_fp32_nj": round(energy["dense_macs_pj"] / 1e3, 3),
        })
    return rows


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
