"""Training: reproducible by seed, learns, and leaves a complete run directory."""

import csv
import json

import numpy as np
import pytest
import torch
from conftest import tiny_config, train_tiny

from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.training.run_dir import load_run, save_run
from ppf_neuro.training.trainer import train_model


def test_same_seed_same_weights():
    a, b = (train_tiny(tiny_config(epochs=1)) for _ in range(2))
    for (name, wa), wb in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(wa, wb), name


def test_learns_beyond_chance(tiny_run):
    assert tiny_run.metrics["test"]["acc"] > 0.5  # 10 classes: chance is 0.1


def test_training_runs_the_compiled_neuron_dynamics_and_says_so(tiny_run):
    """Every epoch's neuron calls ran ppf-neuro's compiled dynamics (tests/unit/deployment/test_cuba_kernel.py: lava-dl's
    arithmetic bit for bit), but for each neuron's first call, which learns its shape with lava-dl's."""
    shares = [row["compiled_neuron_share"] for row in tiny_run.metrics["history"]]
    assert 0.9 < shares[0] < 1 and all(share == 1 for share in shares[1:]), shares


def test_validation_split_is_stratified_seeded_and_disjoint():
    from ppf_neuro.config import DataConfig
    from ppf_neuro.data import load_dataset

    a = load_dataset(DataConfig("digits", val_fraction=0.2))
    b = load_dataset(DataConfig("digits", val_fraction=0.2))
    c = load_dataset(DataConfig("digits", val_fraction=0.2, split_seed=1))
    assert len(a.val) + len(a.train) == 1438 and abs(len(a.val) - 0.2 * 1438) <= 10
    assert np.array_equal(a.val.labels, b.val.labels) and not np.array_equal(a.val.images, c.val.images)
    assert np.abs(np.bincount(a.val.labels) / np.bincount(a.val.labels).sum() - 0.1).max() < 0.01  # stratified
    train_rows = {r.tobytes() for r in a.train.images}
    assert not any(r.tobytes() in train_rows for r in a.val.images)  # disjoint


def test_selection_uses_validation_and_tests_once(tiny_run):
    m = tiny_run.metrics
    assert m["selection"].startswith("highest validation accuracy")
    best = max(m["history"], key=lambda r: (r["val_acc"], -r["val_loss"]))
    assert m["selected_epoch"] == best["epoch"]
    assert not any(k.startswith("test") for r in m["history"] for k in r)  # no epoch ever saw the test set


def test_last_epoch_without_validation():
    import dataclasses

    cfg = tiny_config(epochs=2)
    run = train_tiny(cfg.replace(data=dataclasses.replace(cfg.data, val_fraction=0.0)))
    assert run.metrics["selected_epoch"] == 2 and run.metrics["selection"] == "last epoch"


def test_random_shift_moves_images_within_bounds():
    from ppf_neuro.training.trainer import random_shift

    x = torch.zeros(50, 1, 6, 6)
    x[:, 0, 2:4, 2:4] = 1
    y = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and torch.all(y.sum((1, 2, 3)) == 4)  # the blob stays whole inside the frame
    assert len({tuple(torch.nonzero(img[0])[0].tolist()) for img in y}) > 5  # and moves around


def test_run_directory_round_trip(tiny_run, tmp_path):
    save_run(tmp_path / "run", tiny_run)
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["checkpoint.pt", "config.json", "learning_curve.png", "metrics.csv", "metrics.json"]
    assert (tmp_path / "run" / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader((tmp_path / "run" / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert {"train_loss", "val_loss", "val_acc"} <= set(rows[0])
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["test"] == tiny_run.metrics["test"]
    saved = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert RunConfig.from_dict(saved) == tiny_run.config
    loaded = load_run(tmp_path / "run")
    assert loaded.config == tiny_run.config
    for (name, w), w2 in zip(tiny_run.model.state_dict().items(), loaded.model.state_dict().values()):
        assert torch.equal(w, w2), name


def test_load_run_errors(tmp_path):
    with pytest.raises(PPFError, match="missing config.json"):
        load_run(tmp_path)


def test_training_loss_is_the_fused_outputs_like_the_validation_loss():
    """The learning curve sets training against validation loss: both must be the fused output's
    cross-entropy. The branches' auxiliary term (minimised with it) is reported apart. With steps
    too small to move the weights, the epoch's mean loss is the training set's loss as evaluated
    (train mode and eval mode differ slightly, hence the tolerance; the auxiliary term is ~4.7)."""
    from ppf_neuro.data import load_dataset
    from ppf_neuro.training.trainer import evaluate

    cfg = RunConfig.from_dict({"model": "ppf", "data": {"spec": "digits", "train_limit": 300, "test_limit": 50},
                               "snn": {"hidden": [16]}, "quantum": {"qubits": 3, "layers": 1},
                               "train": {"epochs": 1, "batch_size": 50, "lr": 1e-12, "quantum_lr": 1e-12, "shift": 0}})
    data = load_dataset(cfg.data)
    model, metrics = train_model(cfg, data, progress=False)
    row = metrics["history"][0]
    assert row["train_loss"] == pytest.approx(evaluate(model, data.train, cfg)["loss"], rel=0.02)
    assert row["train_aux_loss"] > 1.0
    snn = train_model(RunConfig.from_dict({**cfg.to_dict(), "model": "snn"}), data, progress=False)[1]
    assert "train_aux_loss" not in snn["history"][0], "a single network has no auxiliary loss"
