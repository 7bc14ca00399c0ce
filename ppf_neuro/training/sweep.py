"""Parameter sweeps: a grid of config values, one independent training run per point.

A sweep file is JSON::

    {"base": {"data": {"spec": "digits"}, "train": {"epochs": 5}},
     "grid": {"fusion.ratio": [0.2, 0.5, null], "quantum.qubits": [4, 6], "train.seed": [0, 1]}}

``base`` is a partial config; ``grid`` maps config keys (``model`` or
``SECTION.FIELD``) to the values to try; the sweep is their cartesian product.
Every point trains into ``OUT/runs/<name>/``; a run directory that is already
finished is read, not retrained, so an interrupted sweep resumes where it
stopped, but only if its saved config is the trial's: a finished run of
another config (the sweep file changed) is refused by name, never reused.
Results are aggregated over ``train.seed`` (mean and standard deviation) into
``results.csv``, ``table.md`` and one PNG of accuracy against each swept
parameter.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ppf_neuro.atomic import result_set, write_csv, write_json, write_text
from ppf_neuro.config import RunConfig, set_value
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError, read_json_file
from ppf_neuro.processes.pools import run_tasks
from ppf_neuro.training.run_dir import (
    TRAINING_STATE,
    TrainedRun,
    is_finished,
    read_config,
    read_metrics,
    save_run,
    write_config,
)
from ppf_neuro.training.trainer import train_model

SEED_KEY = "train.seed"


@dataclass(frozen=True)
class Trial:
    name: str
    values: dict  # swept key -> value for this point
    config: RunConfig


def _slug(values: dict) -> str:
    """A run name from the swept values: numbers as JSON, null as ``learned``; a string that would
    read as another value (``"0.5"``, ``"learned"``) in quotes, so that no two values share a name."""
    def fmt(v):
        if v is None:
            return "learned"
        if isinstance(v, str):
            try:
                json.loads(v)
                ambiguous = True
            except json.JSONDecodeError:
                ambiguous = v == "learned"
            return f"'{v}'" if ambiguous else v
        return json.dumps(v, separators=(",", ":"))
    return "_".join(f"{k.split('.')[-1]}={fmt(v)}" for k, v in values.items()).replace("/", "%2F")


def make_trials(base: dict, grid: dict[str, list]) -> list[Trial]:
    """Every point of the grid as a validated config (a bad value fails before any training)."""
    if not isinstance(grid, dict) or not grid or any(not isinstance(v, list) or not v for v in grid.values()):
        raise PPFError("sweep 'grid' must map config keys to non-empty lists of values")
    root = RunConfig.from_dict(base).to_dict()
    trials = []
    for point in itertools.product(*grid.values()):
        values = dict(zip(grid, point))
        d = json.loads(json.dumps(root))
        for key, value in values.items():
            set_value(d, key, value)
        trials.append(Trial(_slug(values), values, RunConfig.from_dict(d)))
    names = [t.name for t in trials]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise PPFError(f"sweep points share run names {clash}: make the swept values distinct")
    return trials


def _first_difference(a, b, where: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            diff = _first_difference(a.get(key), b.get(key), f"{where}.{key}".lstrip("."))
            if diff:
                return diff
        return ""
    return "" if a == b else f"{where}: {a!r} there, {b!r} now"


def check_reuse(trials: list[Trial], out: Path) -> None:
    """Refuse run directories (finished, or stopped with a training state) of another config than their trial's."""
    for t in trials:
        run_dir = out / "runs" / t.name
        if (run_dir / "config.json").is_file():
            saved = read_config(run_dir).to_dict()
            diff = _first_difference(saved, t.config.to_dict())
            if diff:
                raise PPFError(f"{run_dir}: trained with another config ({diff}); it will not be reused: "
                               "choose another --out or remove it")


def load_sweep_file(path: str | Path) -> tuple[dict, dict]:
    path = Path(path)
    spec = read_json_file(path, "sweep file")
    unknown = set(spec) - {"base", "grid"} if isinstance(spec, dict) else {"(not an object)"}
    if unknown:
        raise PPFError(f"sweep file '{path}': unknown key(s) {sorted(unknown)}; expected 'base' and 'grid'")
    return spec.get("base", {}), spec.get("grid", {})


def run_trial(cfg_dict: dict, run_dir: str) -> dict:
    """Train one point into ``run_dir`` unless it is finished already; return its metrics.

    The training state is saved in ``run_dir`` after every epoch, so a sweep stopped in the
    middle of a long run (hours on full MNIST) continues from its last epoch, and every epoch
    prints one line naming the run.
    """
    run_dir = Path(run_dir)
    if not is_finished(run_dir):
        cfg = RunConfig.from_dict(cfg_dict)
        data = load_dataset(cfg.data)
        write_config(run_dir, cfg, data.name, data.image_shape, data.num_classes)  # check_reuse reads it
        model, metrics = train_model(cfg, data, progress=False, state_path=run_dir / TRAINING_STATE,
                                     log=lambda line: print(f"{run_dir.name}: {line}", flush=True))
        save_run(run_dir, TrainedRun(cfg, data.image_shape, data.num_classes, data.name, model, metrics))
    return read_metrics(run_dir)


def run_sweep(trials: list[Trial], out: str | Path, workers: int = 2, progress: bool = True,
              ray_address: str | None = None) -> list[dict]:
    """Run every trial (local processes, or Ray tasks) and write the summary.

    On Ray each trial writes its run directory where the worker runs: point
    ``out`` at a filesystem the cluster shares.
    """
    out = Path(out)
    check_reuse(trials, out)
    args = [(t.config.to_dict(), str((out / "runs" / t.name).resolve())) for t in trials]
    results = run_tasks(run_trial, args, workers, ray_address, desc="sweep", progress=progress)
    rows = []
    for trial, metrics in zip(trials, results):
        rows.append({**trial.values, **summary_row(metrics), "run": trial.name})
    write_summary(rows, list(trials[0].values), out)
    return rows


def summary_row(metrics: dict) -> dict:
    """The figures a table reports for one run: the selected epoch's validation and test metrics."""
    test = metrics["test"]
    chosen = next((r for r in metrics["history"] if r["epoch"] == metrics["selected_epoch"] and "phase" not in r), {})
    row = {"val_acc": chosen.get("val_acc"), "test_acc": test["acc"], "test_loss": test["loss"]}
    row.update({f"test_acc_{b}": test[f"acc_{b}"] for b in ("snn", "qnn") if f"acc_{b}" in test})
    if "ratio" in test:
        row["ratio"] = test["ratio"]
    row["selected_epoch"] = metrics["selected_epoch"]
    row["train_seconds"] = sum(r["seconds"] for r in metrics["history"])
    return row


def aggregate(rows: list[dict], keys: list[str]) -> list[dict]:
    """Mean and sample standard deviation (ddof=1; 0 for one seed) over seeds for every setting of the other keys."""
    params = [k for k in keys if k != SEED_KEY]
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(json.dumps([r[k] for k in params]), []).append(r)
    table = []
    for members in groups.values():
        entry = {k: members[0][k] for k in params}
        for metric in ("val_acc", "test_acc", "test_loss", "test_acc_snn", "test_acc_qnn", "ratio"):
            if members[0].get(metric) is not None:
                v = np.array([m[metric] for m in members], dtype=float)
                entry[metric], entry[f"{metric}_std"] = float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0
        entry["seeds"] = len(members)
        table.append(entry)
    return table


#: Columns of the sweep table after the swept parameters: (metric, heading, as a percentage).
_COLUMNS = [("val_acc", "validation accuracy (%)", True), ("test_acc", "test accuracy (%)", True),
            ("test_loss", "test loss", False), ("test_acc_snn", "SNN branch, test (%)", True),
            ("test_acc_qnn", "quantum branch, test (%)", True)]


def markdown(table: list[dict], params: list[str]) -> str:
    """Mean ± sample standard deviation over seeds, one row per setting."""
    def fmt(v):
        return "learned" if v is None else str(v)

    columns = [c for c in _COLUMNS if any(c[0] in e for e in table)]
    has_ratio = any("ratio" in e for e in table)
    head = params + [c[1] for c in columns] + (["a (SNN share)"] if has_ratio else []) + ["seeds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in table:
        cells = [fmt(e[p]) for p in params]
        for key, _, pct in columns:
            scale, digits = (100, 2) if pct else (1, 4)
            cells.append(f"{scale * e[key]:.{digits}f} ± {scale * e[key + '_std']:.{digits}f}" if key in e else "-")
        if has_ratio:
            cells.append(f"{e['ratio']:.3f}" if "ratio" in e else "-")
        cells.append(str(e["seeds"]))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: The files of one sweep summary, replaced together (its runs/ stay).
SUMMARY_FILES = ("results.json", "results.csv", "table.md", "accuracy.png")


def write_summary(rows: list[dict], keys: list[str], out: Path) -> None:
    """The sweep's tables and plot in ``out``, as one set (``atomic.result_set``)."""
    from ppf_neuro.figures import sweep_plot

    params = [k for k in keys if k != SEED_KEY]
    # a directory holding the sweep's runs is the sweep's own: its summary from before manifests is adopted
    with result_set(out, SUMMARY_FILES, adopt=(out / "runs").is_dir()) as stage:
        write_json(stage / "results.json", rows)
        write_csv(stage / "results.csv", rows)
        write_text(stage / "table.md", markdown(aggregate(rows, keys), params) + "\n")
        sweep_plot(rows, params or keys, stage / "accuracy.png")  # a seeds-only sweep plots per seed
