"""The report's ``expected`` section: the deployment against the network the user trained.

Two independent computations: the trained model's own outputs (``--expect``, computed by the user's
framework: SLAYER, snnTorch, Norse) and the deployed run (Lava's output spike counts, or the decision's
scores for float expectations). Per-step expectations are also laid against the reference's output
raster (the file's semantics, which equals Lava's where their counts agree) at time shifts 0, 1, ...:
the shift that matches best says where the two part (SLAYER's ``delay_shift`` moves every block one
step later), and the hint names the likely cause.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ppf_neuro.choices import Timing
from ppf_neuro.deployment.inputs.trained_outputs import Expected


def _fractions(deployed: np.ndarray, expected: np.ndarray) -> dict:
    equal = deployed == expected
    return {"identical_counts": float(equal.all(1).mean()), "per_neuron_identical": float(equal.mean()),
            "max_abs_count_diff": int(np.abs(deployed - expected).max(initial=0))}


def time_shifts(expected: np.ndarray, raster: np.ndarray, most: int) -> list[dict]:
    """Per shift s = 0 ... ``most``: how well the expected output spikes at steps s ... T-1 equal the
    raster's at steps 0 ... T-1-s (samples with every step equal, and the steps equal)."""
    steps = expected.shape[-1]
    shifts = []
    for s in range(min(most, steps - 1) + 1):
        equal = (expected[..., s:] != 0) == (raster[..., :steps - s] != 0)
        shifts.append({"shift": s, "identical_samples": float(equal.all((1, 2)).mean()),
                       "identical_steps": float(equal.mean())})
    return shifts


def _hint(section: dict, timing: str, depth: int, netx: bool, not_exact: str | None) -> str:
    """The likely cause of what the figures show, in one line."""
    if section.get("identical_counts") == 1.0:
        return "the deployment reproduces the trained model's output counts on every sample"
    if not_exact:
        return (f"{not_exact}; a net trained with delay_shift=False deploys exactly")
    best = section.get("best_shift")
    if best is not None and best["shift"] == depth and best["identical_samples"] >= 0.99 and timing == Timing.ALIGNED:
        return (f"the trained model's output spikes are the file's {depth} steps later (one per block): SLAYER's "
                "delay_shift (lava-dl's default); deploy with --timing delay-shift")
    if best is not None and best["shift"] == 0 and best["identical_samples"] < 1.0:
        return ("same timing, other spikes: the trained model's neurons or weights are not the file's integers "
                "(quantisation, another neuron model), or its inputs were not these")
    if section["kind"] != "scores" and netx and timing == Timing.ALIGNED:
        return ("if the model was trained in lava-dl with the default delay_shift=True, deploy with --timing "
                "delay-shift; per-step outputs (N, outputs, T) let deploy find the shift")
    return "the trained model and the deployment compute different outputs; see the figures"


def expected_section(expected: Expected, lava_counts: np.ndarray | None, scores: np.ndarray,
                     reference_counts: np.ndarray | None, labels: np.ndarray | None, timing: str, depth: int,
                     netx: bool, output_raster: Callable[[], np.ndarray] | None, not_exact: str | None = None) -> dict:
    """The section (docs/report.md): ``lava_counts`` (N, outputs) the deployed output layer's counts,
    ``scores`` the deployed decision's; ``reference_counts`` the reference's; ``depth`` the layers;
    ``output_raster`` computes the reference's output spikes (N, outputs, T) for per-step expectations;
    ``not_exact``: why the timing cannot reproduce the trained model here, if it cannot."""
    counts = expected.counts
    if counts is not None and lava_counts is not None:
        section = {"file": expected.source, "kind": expected.kind, "against": "Lava's output spike counts", **_fractions(lava_counts, counts),
                   "argmax_agreement": float((lava_counts.argmax(1) == counts.argmax(1)).mean())}
        if reference_counts is not None:
            section["reference_identical_counts"] = float((reference_counts == counts).all(1).mean())
    else:
        given = expected.values.astype(np.float64) if counts is None else counts
        diff = np.abs(scores - given)
        section = {"file": expected.source, "kind": expected.kind, "against": "the deployed decision's scores", "identical_counts": None,
                   "argmax_agreement": float((scores.argmax(1) == given.argmax(1)).mean()),
                   "max_abs_diff": float(diff.max(initial=0.0)), "mean_abs_diff": float(diff.mean())}
    if labels is not None:
        given = expected.values if counts is None else counts
        section["accuracy"] = float((given.argmax(1) == labels).mean())
    if expected.kind == "spikes" and output_raster is not None:
        shifts = time_shifts(expected.values, output_raster(), depth + 2)
        section["time_shifts"] = shifts
        section["best_shift"] = max(shifts, key=lambda s: (s["identical_samples"], s["identical_steps"], -s["shift"]))
    section["hint"] = _hint(section, timing, depth, netx, not_exact)
    return section
