"""A training run on disk: config, checkpoint, metrics and learning curve.

Layout of ``RUN_DIR``::

    config.json          full RunConfig plus what the data fixed (input shape, classes)
    checkpoint.pt        {"state_dict": ...} of the selected epoch: tensors only, with a SHA-256
                         (ppf_neuro.integrity), loaded with weights_only=True
    metrics.csv          one row per epoch (training and validation metrics)
    metrics.json         {"history": rows, "selected_epoch", "selection", "test": {...}}: the test
                         metrics are those of the selected checkpoint, computed once
    learning_curve.png

Every file is written atomically, so an interrupted run never leaves a torn file,
and ``metrics.json`` is written last: its presence marks a finished run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ppf_neuro.version import __version__
from ppf_neuro.atomic import write_csv, write_json
from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.integrity import load_checked, save_checked
from ppf_neuro.models import Classifier, build_model
from ppf_neuro.figures import learning_curve


@dataclass
class TrainedRun:
    """What a finished run hands to the exporter."""

    config: RunConfig
    image_shape: tuple[int, int, int]
    num_classes: int
    dataset: str
    model: Classifier
    metrics: dict  # see the module docstring (metrics.json)


#: Written after every epoch while a run trains; removed when the run is saved.
TRAINING_STATE = "training_state.pt"


def write_config(run_dir: str | Path, config: RunConfig, dataset: str, image_shape, num_classes: int) -> None:
    """The run's config.json: written when training starts (so ``--resume`` can read it) and at the end."""
    write_json(Path(run_dir) / "config.json", {
        "ppf_neuro_version": __version__,
        "dataset": dataset,
        "image_shape": list(image_shape),
        "num_classes": num_classes,
        "config": config.to_dict(),
    })


def _read_meta(run_dir: Path) -> tuple[dict, RunConfig]:
    """config.json of a run: the raw metadata and the parsed config."""
    path = run_dir / "config.json"
    if not path.is_file():
        raise PPFError(f"run directory '{run_dir}': missing config.json (is it a ppf-neuro run?)")
    try:
        meta = json.loads(path.read_text())
        return meta, RunConfig.from_dict(meta["config"])
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise PPFError(f"{path}: not a ppf-neuro run config ({e})") from None


def read_config(run_dir: str | Path) -> RunConfig:
    return _read_meta(Path(run_dir))[1]


def save_run(run_dir: str | Path, run: TrainedRun) -> None:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_config(run_dir, run.config, run.dataset, run.image_shape, run.num_classes)
    save_checked({"state_dict": run.model.state_dict()}, run_dir / "checkpoint.pt")
    write_csv(run_dir / "metrics.csv", run.metrics["history"])
    dataset = Path(run.dataset.split(":", 1)[-1]).name  # the data's name, not where it lies ('idx:DIR')
    learning_curve(run.metrics, run_dir / "learning_curve.png", title=f"{run.config.model} on {dataset}")
    write_json(run_dir / "metrics.json", run.metrics)
    (run_dir / TRAINING_STATE).unlink(missing_ok=True)


def is_finished(run_dir: str | Path) -> bool:
    """True once :func:`save_run` has completed in ``run_dir``."""
    return (Path(run_dir) / "metrics.json").is_file()


def load_run(run_dir: str | Path) -> TrainedRun:
    """Rebuild a trained run from its directory (no pickle: weights_only loading)."""
    run_dir = Path(run_dir)
    meta, cfg = _read_meta(run_dir)
    ckpt_path = run_dir / "checkpoint.pt"
    if not ckpt_path.is_file():
        raise PPFError(f"run directory '{run_dir}': missing checkpoint.pt (is it a finished ppf-neuro run?)")
    try:
        image_shape, num_classes = tuple(meta["image_shape"]), int(meta["num_classes"])
    except (KeyError, TypeError, ValueError) as e:
        raise PPFError(f"{run_dir / 'config.json'}: not a ppf-neuro run config ({e})") from None
    if len(image_shape) != 3 or min(image_shape) < 1 or num_classes < 2:
        raise PPFError(f"{run_dir / 'config.json'}: image_shape must be (C, H, W) and num_classes at least 2, got "
                       f"{list(image_shape)} and {num_classes}")
    model = build_model(cfg, image_shape, num_classes)
    try:
        model.load_state_dict(load_checked(ckpt_path)["state_dict"])
    except (RuntimeError, KeyError, TypeError) as e:
        raise PPFError(f"{ckpt_path}: weights do not match config.json: {e}") from None
    metrics = read_metrics(run_dir) if is_finished(run_dir) else {}
    return TrainedRun(cfg, image_shape, num_classes, meta.get("dataset", "?"), model.eval(), metrics)


def read_metrics(run_dir: str | Path) -> dict:
    """metrics.json of a finished run."""
    path = Path(run_dir) / "metrics.json"
    try:
        metrics = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise PPFError(f"{path}: cannot read the run's metrics: {e}") from None
    if not isinstance(metrics, dict) or not {"history", "test", "selected_epoch"} <= set(metrics):
        raise PPFError(f"{path}: not the metrics of a finished ppf-neuro run (written by an older version?)")
    return metrics
