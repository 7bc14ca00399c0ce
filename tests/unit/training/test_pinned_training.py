"""The training arithmetic, pinned: a short seeded training (the tiny PPF net, 2 epochs, one torch
thread) must give the stored metrics. A change to what training computes fails here until the values
are stored again on purpose (``PPF_WRITE_PINNED=1 pytest tests/unit/training/test_pinned_training.py``) with a
line in docs/changelog.md saying why: a shipped model is only reproducible from the tree that ships
it if nothing moves silently (issue 42: the MNIST model's epochs moved between trees unnoticed)."""

import json
import os

from conftest import tiny_config

import ppf_neuro
from locations import DATA, ROOT

PINNED = DATA / "pinned_training.json"
CHANGELOG = ROOT / "docs" / "changelog.md"
#: Per epoch and for the test split, every value equal to the bit: an algebraically equal rewrite of the
#: fusion (q + a (p - q)) moved a loss by 4e-9, which a relative 1e-6 let pass; such moves grow into
#: other selected epochs over a long training. One torch thread: independent of the load and cores.
KEYS = ("train_acc", "val_acc", "val_acc_snn", "val_acc_qnn", "acc", "acc_snn", "acc_qnn", "train_loss", "val_loss",
        "val_loss_snn", "val_loss_qnn", "ratio", "loss", "loss_snn", "loss_qnn")


def _pinned(metrics: dict) -> dict:
    pick = lambda d: {k: d[k] for k in KEYS if k in d}  # noqa: E731
    return {"epochs": [pick(e) for e in metrics["history"]], "selected_epoch": metrics["selected_epoch"],
            "test": pick(metrics["test"])}


def test_a_seeded_training_computes_the_stored_metrics(monkeypatch):
    monkeypatch.setenv("PPF_NEURO_THREADS", "1")
    got = _pinned(ppf_neuro.train(tiny_config(model="ppf", epochs=2), progress=False).metrics)
    if os.environ.get("PPF_WRITE_PINNED"):
        PINNED.write_text(json.dumps(got, indent=1) + "\n")
    want = json.loads(PINNED.read_text())
    assert got["selected_epoch"] == want["selected_epoch"]
    for where, got_part, want_part in zip([*range(1, len(want["epochs"]) + 1), "test"], [*got["epochs"], got["test"]],
                                          [*want["epochs"], want["test"]]):
        moved = {k: (want_part[k], got_part[k]) for k in want_part if got_part[k] != want_part[k]}
        assert not moved, f"epoch {where}: {moved} (stored, now)"
    assert "pinned_training.json" in CHANGELOG.read_text(), "say in docs/changelog.md when the pinned values change"
