"""Parameter sweeps: a grid of config values, one independent training run per point.

A sweep file is JSON::

    {"base": {"data": {"spec": "digits"}, "train": {"epochs": 5}},
     "grid": {"fusion.ratio": [0.2, 0.5, null], "quantum.qubits": [4, 6], "train.seed": [0, 1]}}

``base`` is a partial config; ``grid`` maps config keys (``model`` or
``SECTION.FIELD``) to the values to try; the sweep is their cartesian product.
Every point trains into ``OUT/runs/<name>/``; a run directory that is already
finished is read, not retrained, so an interrupted sweep resumes where it
stopped. Results are aggregated over ``train.seed`` (mean and standard
deviation) into ``results.csv``, ``table.md`` and one PNG of accuracy against
each swept parameter.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ppf_neuro.atomic import write_csv, write_json, write_text
from ppf_neuro.config import RunConfig, set_value
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError
from ppf_neuro.executors import run_tasks
from ppf_neuro.training.run_dir import TrainedRun, is_finished, save_run
from ppf_neuro.training.trainer import train_model

SEED_KEY = "train.seed"


@dataclass(frozen=True)
class Trial:
    name: str
    values: dict  # swept key -> value for this point
    config: RunConfig


def _slug(values: dict) -> str:
    def fmt(v):
        return "learned" if v is None else json.dumps(v).replace(" ", "").replace('"', "")
    return "_".join(f"{k.split('.')[-1]}={fmt(v)}" for k, v in values.items()).replace("/", "-")


def make_trials(base: dict, grid: dict[str, list]) -> list[Trial]:
    """Every point of the grid as a validated config (a bad value fails before any training)."""
    if not grid or any(not isinstance(v, list) or not v for v in grid.values()):
        raise PPFError("sweep 'grid' must map config keys to non-empty lists of values")
    root = RunConfig.from_dict(base).to_dict()
    trials = []
    for point in itertools.product(*grid.values()):
        values = dict(zip(grid, point))
        d = json.loads(json.dumps(root))
        for key, value in values.items():
            set_value(d, key, value)
        trials.append(Trial(_slug(values), values, RunConfig.from_dict(d)))
    return trials


def load_sweep_file(path: str | Path) -> tuple[dict, dict]:
    path = Path(path)
    try:
        spec = json.loads(path.read_text())
    except FileNotFoundError:
        raise PPFError(f"sweep file '{path}' does not exist") from None
    except json.JSONDecodeError as e:
        raise PPFError(f"sweep file '{path}' is not valid JSON: {e}") from None
    unknown = set(spec) - {"base", "grid"} if isinstance(spec, dict) else {"(not an object)"}
    if unknown:
        raise PPFError(f"sweep file '{path}': unknown key(s) {sorted(unknown)}; expected 'base' and 'grid'")
    return spec.get("base", {}), spec.get("grid", {})


def run_trial(cfg_dict: dict, run_dir: str) -> list[dict]:
    """Train one point into ``run_dir`` unless it is finished already; return its metrics."""
    if not is_finished(run_dir):
        cfg = RunConfig.from_dict(cfg_dict)
        data = load_dataset(cfg.data)
        model, history = train_model(cfg, data, progress=False)
        save_run(run_dir, TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, history))
    return json.loads((Path(run_dir) / "metrics.json").read_text())


def run_sweep(trials: list[Trial], out: str | Path, workers: int = 2, progress: bool = True,
              ray_address: str | None = None) -> list[dict]:
    """Run every trial (local processes, or Ray tasks) and write the summary.

    On Ray each trial writes its run directory where the worker runs: point
    ``out`` at a filesystem the cluster shares.
    """
    out = Path(out)
    args = [(t.config.to_dict(), str((out / "runs" / t.name).resolve())) for t in trials]
    histories = run_tasks(run_trial, args, workers, ray_address, desc="sweep", progress=progress)
    rows = []
    for trial, history in zip(trials, histories):
        last = history[-1]
        rows.append({**trial.values, "test_acc": last["test_acc"], "test_loss": last["test_loss"],
                     **({"ratio": last["ratio"]} if "ratio" in last else {}),
                     "train_seconds": sum(r["seconds"] for r in history), "run": trial.name})
    write_summary(rows, list(trials[0].values), out)
    return rows


def aggregate(rows: list[dict], keys: list[str]) -> list[dict]:
    """Mean and standard deviation over seeds for every setting of the other keys."""
    params = [k for k in keys if k != SEED_KEY]
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(json.dumps([r[k] for k in params]), []).append(r)
    table = []
    for members in groups.values():
        entry = {k: members[0][k] for k in params}
        for metric in ("test_acc", "test_loss", "ratio"):
            if metric in members[0]:
                v = np.array([m[metric] for m in members], dtype=float)
                entry[metric], entry[f"{metric}_std"] = float(v.mean()), float(v.std())
        entry["seeds"] = len(members)
        table.append(entry)
    return table


def markdown(table: list[dict], params: list[str]) -> str:
    def fmt(v):
        return "learned" if v is None else str(v)
    has_ratio = any("ratio" in e for e in table)
    head = params + ["test accuracy (%)", "test loss"] + (["a (SNN share)"] if has_ratio else []) + ["seeds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in table:
        cells = [fmt(e[p]) for p in params]
        cells += [f"{100 * e['test_acc']:.2f} ± {100 * e['test_acc_std']:.2f}",
                  f"{e['test_loss']:.4f} ± {e['test_loss_std']:.4f}"]
        if has_ratio:
            cells.append(f"{e['ratio']:.3f}" if "ratio" in e else "-")
        cells.append(str(e["seeds"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_summary(rows: list[dict], keys: list[str], out: Path) -> None:
    from ppf_neuro.plots import sweep_plot

    write_json(out / "results.json", rows)
    write_csv(out / "results.csv", rows)
    params = [k for k in keys if k != SEED_KEY]
    write_text(out / "table.md", markdown(aggregate(rows, keys), params) + "\n")
    sweep_plot(rows, params, out / "accuracy.png")
