"""Deployment reports analysed: read and checked before any work, summarised, and written as one set
of files (``analyze --plots``), or handed to Python as :class:`ppf_neuro.analysis.frames.Analysis`
objects (``ppf.analyze``). Nothing here prints; the command line prints the summaries itself."""

from __future__ import annotations

from pathlib import Path

from ppf_neuro.analysis.frames import Analysis, tables
from ppf_neuro.analysis.plots import accuracy_vs_energy, report_figures
from ppf_neuro.analysis.profiles import Profile, load_profile
from ppf_neuro.analysis.summary import summarize, write_summaries
from ppf_neuro.atomic import check_writable, result_set
from ppf_neuro.errors import PPFError, argument, read_json_file
from ppf_neuro.figures import save_figure
from ppf_neuro.formats.report import Report

#: The files of one analysis result set (``--plots DIR``), replaced together.
ANALYSIS_FILES = ("summary.json", "layers.csv", "energy.csv", "*layer_spikes.png", "*raster.png", "*energy.png",
                  "accuracy_vs_energy.png")


def load_profiles(profile: str, cmos: str, qpu: str) -> tuple[Profile, Profile, Profile]:
    """The neuromorphic, CMOS and QPU profiles: shipped names or JSON files."""
    return tuple(load_profile(p, kind) for p, kind in ((profile, "neuromorphic"), (cmos, "cmos"), (qpu, "qpu")))


def summaries_of(reports, profiles: tuple[Profile, Profile, Profile],
                 raster_samples: tuple[int, ...] = (0,)) -> list[tuple[str, Report, dict]]:
    """Every report (a path, or a ``Report``) read and checked before any work, then summarised:
    (name, report, summary) each."""
    named = [(str(r), Report.from_dict(read_json_file(r, "report"), str(r))) if isinstance(r, (str, Path))
             else (f"report {i}", r) for i, r in enumerate(reports)]
    for name, report in named:
        beyond = [k for k in raster_samples if k >= report.samples]
        if beyond:
            raise PPFError(f"{argument('raster_samples')} {beyond}: {name} deployed {report.samples} samples "
                           f"(0 to {report.samples - 1})")
    return [(name, report, summarize(report, name, *profiles)) for name, report in named]


def write_analysis(done: list[tuple[str, Report, dict]], plots: Path, raster_samples: tuple[int, ...] = (0,),
                   say=None) -> None:
    """The summaries, tables and figures (the rasters of ``raster_samples``) written to ``plots`` as
    one set, which replaces the last (or nothing does); ``say`` hears what could not be drawn."""
    with result_set(plots, ANALYSIS_FILES) as stage:
        for name, report, summary in done:
            prefix = f"{Path(name).stem}_" if len(done) > 1 else ""
            figures = report_figures(summary, report, tuple(raster_samples))
            if report.activity is not None and "raster" not in figures and say is not None:
                say(f"{name}: no raster plot (the deployment saved no rasters: deploy --save-spikes OUT.npz)")
            for figure_name, figure in figures.items():
                save_figure(figure, stage / f"{prefix}{figure_name}.png")
        figure, _ = accuracy_vs_energy([summary for _, _, summary in done])
        save_figure(figure, stage / "accuracy_vs_energy.png")
        write_summaries([summary for _, _, summary in done], stage)


def analyses(reports, plots: Path | None, profile: str, cmos: str, qpu: str, raster_samples: tuple[int, ...] = (0,),
             with_tables: bool = True, with_figures: bool = True) -> list[Analysis]:
    """The API's analysis (``ppf.analyze``): files only with ``plots``; each report's summary with its
    tables as DataFrames and its figures as matplotlib objects where asked."""
    if plots is not None:
        check_writable(plots, argument("plots"), directory=True)
    done = summaries_of(reports, load_profiles(profile, cmos, qpu), raster_samples)
    if plots is not None:
        write_analysis(done, plots, raster_samples)
    return [Analysis(name, summary, tables(summary) if with_tables else {},
                     report_figures(summary, report, raster_samples) if with_figures else {})
            for name, report, summary in done]
