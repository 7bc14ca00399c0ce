"""``ppf-neuro analyze``: spikes, synaptic ops, energy and quantum resources from deploy reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ppf_neuro.analysis.neurobench import neurobench_rows
from ppf_neuro.analysis.reports import load_profiles, summaries_of, write_analysis
from ppf_neuro.analysis.summary import energy_rows, layer_rows, markdown_table
from ppf_neuro.atomic import check_writable


#: The printout's width: the full tables are in layers.csv, energy.csv and summary.json.
WIDTH = 100
#: What the printed layer table keeps of ``layer_rows`` (every column is in layers.csv).
PRINTED_LAYER_COLUMNS = ("layer", "kind", "neurons", "spikes_per_sample", "firing_rate", "synops_per_sample")


def _say(text: str) -> None:
    """A line of prose, wrapped to :data:`WIDTH` columns."""
    print(textwrap.fill(text, WIDTH, subsequent_indent="  "))


def _print_spiking(summary: dict) -> None:
    rows = layer_rows(summary)
    print(markdown_table([{k: r[k] for k in PRINTED_LAYER_COLUMNS} for r in rows]))
    print(markdown_table(neurobench_rows(summary["neurobench"])))
    t = summary["latency"]
    if t is not None:
        _say(f"latency per inference on {t['label']} (estimate): {t['per_inference_us']['low']:.1f} ... "
             f"{t['per_inference_us']['high']:.1f} µs ({t['steps']} steps of {t['step_ns']['low']:.0f} ... "
             f"{t['step_ns']['high']:.0f} ns: {t['low']} ... {t['high']})")


def _print_quantum(q: dict) -> None:
    t, r = q["qpu_time"], q["resources_per_sample"]
    macs = f", classical layers {r['classical_macs']:,} MACs" if "classical_macs" in r else ""
    _say(f"quantum branch per sample: {r['qubits']} qubits, {r['gates']} gates, depth {r['depth']}{macs}; "
         f"QPU time on {t['label']} (estimate): {t['per_inference_ms']:.1f} ms for {t['shots']} shots"
         + (" (assumed; the deployment was analytic)" if t["shots_assumed"] else ""))
    d = q.get("target")
    if d is not None:
        _say(f"on the device target {d['backend']} (calibration of {d['calibration_date'][:10]}): device qubits "
             f"{d['layout']}, native depth {d['native_depth']}, {d['two_qubit_gates']} two-qubit gates "
             f"({d['swaps_added']} SWAPs added), gates {d['native_gate_counts']}; medians over the used qubits: "
             f"two-qubit error {d['median_two_qubit_error']:.2e}, readout error {d['median_readout_error']:.2e}, "
             f"T1 {d['median_t1_us']:.0f} µs, T2 {d['median_t2_us']:.0f} µs; QPU time from the device's own "
             f"gate, readout and reset durations: {d['qpu_seconds_per_sample'] * 1e3:.1f} ms per sample")


def _print_spread(spread: dict) -> None:
    rows = [{"per inference": name.replace("_", " "), **{k: round(v, 1) for k, v in s.items()}}
            for name, s in spread["per_inference"].items()]
    _say(f"spread over the {spread['samples']} samples (energy {spread['energy_note']}):")
    print(markdown_table(rows))


def _print_total(total: dict) -> None:
    qpu = total["qpu_time"]
    _say(f"whole hybrid per inference: {total['low_nJ']:.1f} ... {total['high_nJ']:.1f} nJ, of "
         f"{'; '.join(total['includes']) or 'nothing with a cited figure'}; not included: {'; '.join(total['excludes'])}"
         + (f"; QPU time {qpu['seconds'] * 1e3:.1f} ms ({qpu['source']})" if qpu else ""))


def _print_one(name: str, report, summary: dict, chip, cmos) -> None:
    """One report's summary as the terminal shows it (<= :data:`WIDTH` columns; every column is in the files)."""
    if "regression" in summary:
        r2 = "-" if summary["regression"]["r2"] is None else f"{summary['regression']['r2']:.4f}"
        score = f"MSE {summary['regression']['mse']:.4g}, R² {r2}"
    else:
        score = "accuracy " + ("-" if summary["accuracy"] is None else f"{100 * summary['accuracy']:.2f} %")
    _say(f"{name}: {summary['model']}, {summary['samples']} samples, {score}")
    if report.activity is not None:
        _print_spiking(summary)
    if summary.get("quantum"):
        _print_quantum(summary["quantum"])
    if "spread_over_samples" in summary:
        _print_spread(summary["spread_over_samples"])
    _print_total(summary["hybrid_total_per_inference"])
    if energy_rows(summary):
        _say(f"energy per inference (nJ), low ... high end (what each end assumes: energy.csv); profiles: "
             f"{chip.sources}, {cmos.sources}:")
        print(markdown_table([{"platform": r["platform"], "low_nJ": r["low_nJ"], "high_nJ": r["high_nJ"]}
                              for r in energy_rows(summary)]))


def analyze_reports(reports, plots: Path | None, profile: str, cmos: str, qpu: str,
                    raster_samples: tuple[int, ...] = (0,)) -> list[dict]:
    """Every report summarised and printed; with ``plots`` the summaries, tables and figures written
    there (checked writable before any work)."""
    if plots is not None:
        check_writable(plots, "--plots", directory=True)
    profiles = load_profiles(profile, cmos, qpu)
    done = summaries_of(reports, profiles, raster_samples)
    for name, report, summary in done:
        _print_one(name, report, summary, *profiles[:2])
    if plots is not None:
        write_analysis(done, plots, raster_samples, say=_say)
    return [summary for _, _, summary in done]


def run(args) -> None:
    analyze_reports(args.reports, args.plots, args.profile, args.cmos, args.qpu, args.raster_samples)
    _say(f"summary.json, layers.csv (every column), energy.csv and plots written to {args.plots}")
