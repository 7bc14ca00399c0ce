"""What a notebook gets from an analysis: the summary, its tables as pandas DataFrames and its
figures as matplotlib objects, nothing written (``ppf.analyze``; the command line writes the same
tables as CSV and the figures as PNG).

pandas is imported only here, and only when tables are asked for: the command line does not need it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ppf_neuro.analysis.summary import energy_rows, layer_rows
from ppf_neuro.errors import PPFError


@dataclass
class Analysis:
    """One deployment's analysis. ``summary``: what ``analyze`` writes to summary.json; ``tables``:
    ``layers`` (per spiking layer, netx's numbering), ``energy`` (per platform, low and high end),
    ``spread`` (per inference over samples: mean, std, p5, p50, p95), those the deployment has;
    ``figures``: ``layer_spikes``, ``raster``, ``energy`` (matplotlib ``Figure``), those it has."""

    name: str
    summary: dict
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)


def _pandas():
    try:
        import pandas
    except ImportError:
        raise PPFError("tables as DataFrames need pandas: pip install 'ppf-neuro[notebook]' (or tables=False)") \
            from None
    return pandas


def tables(summary: dict) -> dict:
    """The summary's tables as DataFrames, by name (only those the deployment has)."""
    pd = _pandas()
    out = {}
    if "activity" in summary and "energy" in summary:
        out["layers"] = pd.DataFrame(layer_rows(summary)).set_index("layer")
    energy = energy_rows(summary)
    if energy:
        out["energy"] = pd.DataFrame(energy).set_index("platform")
    spread = summary.get("spread_over_samples")
    if spread:
        out["spread"] = pd.DataFrame([{"per_inference": name, **stats} for name, stats in
                                      spread["per_inference"].items()]).set_index("per_inference")
    return out
