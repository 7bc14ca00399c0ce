"""Training: reproducible by seed, learns, and leaves a complete run directory."""

import csv
import json

import pytest
import torch

from conftest import tiny_config, train_tiny
from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.training.run_dir import load_run, save_run


def test_same_seed_same_weights():
    a, b = (train_tiny(tiny_config(epochs=1)) for _ in range(2))
    for (name, wa), wb in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(wa, wb), name


def test_learns_beyond_chance(tiny_run):
    assert tiny_run.history[-1]["test_acc"] > 0.5  # 10 classes: chance is 0.1


def test_run_directory_round_trip(tiny_run, tmp_path):
    save_run(tmp_path / "run", tiny_run)
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["checkpoint.pt", "config.json", "learning_curve.png", "metrics.csv", "metrics.json"]
    assert (tmp_path / "run" / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader((tmp_path / "run" / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert {"train_loss", "test_loss", "test_acc"} <= set(rows[0])
    saved = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert RunConfig.from_dict(saved) == tiny_run.config
    loaded = load_run(tmp_path / "run")
    assert loaded.config == tiny_run.config
    for (name, w), w2 in zip(tiny_run.model.state_dict().items(), loaded.model.state_dict().values()):
        assert torch.equal(w, w2), name


def test_load_run_errors(tmp_path):
    with pytest.raises(PPFError, match="missing config.json"):
        load_run(tmp_path)
