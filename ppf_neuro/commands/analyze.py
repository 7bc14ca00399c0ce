"""``ppf-neuro analyze``: spikes, synaptic ops, energy and quantum resources from deploy reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ppf_neuro.analysis.frames import Analysis
from ppf_neuro.analysis.frames import tables as tables_of
from ppf_neuro.analysis.neurobench import neurobench_rows
from ppf_neuro.analysis.plots import accuracy_vs_energy, report_figures
from ppf_neuro.analysis.profiles import load_profile
from ppf_neuro.analysis.summary import (
    energy_rows,
    layer_rows,
    markdown_table,
    summarize,
    write_summaries,
)
from ppf_neuro.atomic import check_writable, result_set
from ppf_neuro.errors import PPFError, argument, read_json_file
from ppf_neuro.figures import save_figure
from ppf_neuro.formats.report import Report


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


#: The files of one analysis result set (``--plots DIR``), replaced together.
ANALYSIS_FILES = ("summary.json", "layers.csv", "energy.csv", "*layer_spikes.png", "*raster.png", "*energy.png",
                  "accuracy_vs_energy.png")


def _analyze_one(name: str, report, chip, cmos, qpu, printing: bool) -> dict:
    """One report's summary, printed when ``printing``."""
    summary = summarize(report, name, chip, cmos, qpu)
    say = _say if printing else (lambda text: None)
    if "regression" in summary:
        r2 = "-" if summary["regression"]["r2"] is None else f"{summary['regression']['r2']:.4f}"
        score = f"MSE {summary['regression']['mse']:.4g}, R² {r2}"
    else:
        score = "accuracy " + ("-" if summary["accuracy"] is None else f"{100 * summary['accuracy']:.2f} %")
    say(f"{name}: {summary['model']}, {summary['samples']} samples, {score}")
    if report.activity is not None and printing:
        _print_spiking(summary)
    if summary.get("quantum") and printing:
        _print_quantum(summary["quantum"])
    if printing and "spread_over_samples" in summary:
        _print_spread(summary["spread_over_samples"])
    if printing:
        _print_total(summary["hybrid_total_per_inference"])
    if energy_rows(summary) and printing:
        say(f"energy per inference (nJ), low ... high end (what each end assumes: energy.csv); profiles: "
            f"{chip.sources}, {cmos.sources}:")
        print(markdown_table([{"platform": r["platform"], "low_nJ": r["low_nJ"], "high_nJ": r["high_nJ"]}
                              for r in energy_rows(summary)]))
    return summary


def summaries_of(reports, profile: str, cmos: str, qpu: str, printing: bool = True,
                 raster_samples: tuple[int, ...] = (0,)) -> list[tuple[str, Report, dict]]:
    """Every report (a path, or a ``Report``) read and checked before any work, then summarised:
    (name, report, summary) each."""
    profiles = [load_profile(p, kind) for p, kind in ((profile, "neuromorphic"), (cmos, "cmos"), (qpu, "qpu"))]
    named = [(str(r), Report.from_dict(read_json_file(r, "report"), str(r))) if isinstance(r, (str, Path))
             else (f"report {i}", r) for i, r in enumerate(reports)]
    for name, report in named:
        beyond = [k for k in raster_samples if k >= report.samples]
        if beyond:
            raise PPFError(f"{argument('raster_samples')} {beyond}: {name} deployed {report.samples} samples "
                           f"(0 to {report.samples - 1})")
    return [(name, report, _analyze_one(name, report, *profiles, printing)) for name, report in named]


def write_analysis(done: list[tuple[str, Report, dict]], plots: Path, raster_samples: tuple[int, ...] = (0,),
                   printing: bool = True) -> None:
    """The summaries, tables and figures (the rasters of ``raster_samples``) written to ``plots`` as
    one set, which replaces the last (or nothing does)."""
    with result_set(plots, ANALYSIS_FILES) as stage:
        for name, report, summary in done:
            prefix = f"{Path(name).stem}_" if len(done) > 1 else ""
            figures = report_figures(summary, report, tuple(raster_samples))
            if report.activity is not None and "raster" not in figures and printing:
                _say(f"{name}: no raster plot (the deployment saved no rasters: deploy --save-spikes OUT.npz)")
            for figure_name, figure in figures.items():
                save_figure(figure, stage / f"{prefix}{figure_name}.png")
        figure, _ = accuracy_vs_energy([summary for _, _, summary in done])
        save_figure(figure, stage / "accuracy_vs_energy.png")
        write_summaries([summary for _, _, summary in done], stage)


def analyze_reports(reports, plots: Path | None, profile: str, cmos: str, qpu: str, printing: bool = True,
                    raster_samples: tuple[int, ...] = (0,)) -> list[dict]:
    """Every report summarised (printed when ``printing``); with ``plots`` the summaries, tables and
    figures written there (checked writable before any work)."""
    if plots is not None:
        check_writable(plots, "--plots", directory=True)
    done = summaries_of(reports, profile, cmos, qpu, printing, raster_samples)
    if plots is not None:
        write_analysis(done, plots, raster_samples, printing)
    return [summary for _, _, summary in done]


def analyses(reports, plots: Path | None, profile: str, cmos: str, qpu: str, raster_samples: tuple[int, ...] = (0,),
             tables: bool = True, figures: bool = True) -> list[Analysis]:
    """The API's analysis (``ppf.analyze``): nothing printed; files only with ``plots``; each report's
    summary with its tables as DataFrames and its figures as matplotlib objects where asked."""
    if plots is not None:
        check_writable(plots, argument("plots"), directory=True)
    done = summaries_of(reports, profile, cmos, qpu, False, raster_samples)
    if plots is not None:
        write_analysis(done, plots, raster_samples, printing=False)
    return [Analysis(name, summary, tables_of(summary) if tables else {},
                     report_figures(summary, report, raster_samples) if figures else {})
            for name, report, summary in done]


def run(args) -> None:
    analyze_reports(args.reports, args.plots, args.profile, args.cmos, args.qpu, raster_samples=args.raster_samples)
    _say(f"summary.json, layers.csv (every column), energy.csv and plots written to {args.plots}")
