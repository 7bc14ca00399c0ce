"""Input noise matches its definition; robustness evaluation under input and device noise."""

import csv
import json
import re

import numpy as np
import pytest
import torch

from ppf_neuro.cli import main
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError
from ppf_neuro.noise import corrupt
from ppf_neuro.training.robustness import Condition, accuracy_under
from ppf_neuro.training.run_dir import save_run
from ppf_neuro.training.trainer import evaluate

GRAY = torch.full((200, 1, 10, 10), 0.5)


def gen():
    return torch.Generator().manual_seed(0)


def test_gaussian_has_variance_equal_to_intensity():
    noise = corrupt(GRAY, "gaussian", 0.01, gen()) - GRAY  # sigma 0.1: clipping at 0 and 1 is 5 sigma away
    assert noise.mean().abs() < 0.005 and noise.std() == pytest.approx(0.1, rel=0.03)


def test_uniform_adds_u_0_intensity():
    noise = corrupt(GRAY, "uniform", 0.3, gen()) - GRAY
    assert noise.min() >= 0 and noise.max() <= 0.3 and noise.mean() == pytest.approx(0.15, abs=0.005)


def test_salt_and_pepper_hits_the_given_share():
    noisy = corrupt(GRAY, "salt_pepper", 0.2, gen())
    hit = noisy != 0.5
    assert hit.float().mean() == pytest.approx(0.2, abs=0.01)
    assert set(noisy[hit].unique().tolist()) == {0.0, 1.0}


def test_results_stay_in_unit_interval_and_zero_is_identity():
    assert torch.equal(corrupt(GRAY, "gaussian", 0.0, gen()), GRAY)
    strong = corrupt(GRAY, "gaussian", 0.9, gen())
    assert strong.min() >= 0 and strong.max() <= 1


def test_bad_noise():
    with pytest.raises(PPFError, match="unknown noise kind"):
        corrupt(GRAY, "speckle", 0.1, gen())
    with pytest.raises(PPFError, match="intensity"):
        corrupt(GRAY, "salt_pepper", 1.5, gen())


def test_clean_and_device_noise(tiny_run, ppf_run):
    split = load_dataset(tiny_run.config.data).test
    assert accuracy_under(tiny_run, split, Condition("clean", 0)) == evaluate(tiny_run.model, split, tiny_run.config)["acc"]
    # Device noise touches only the quantum branch: the spiking-only model has no value there.
    assert accuracy_under(tiny_run, split, Condition("depolarizing", 0.05)) is None
    assert accuracy_under(tiny_run, split, Condition("shots", 100)) is None
    noisy = accuracy_under(ppf_run, split, Condition("depolarizing", 0.05))
    assert noisy * len(split) == pytest.approx(round(noisy * len(split)))  # a share of the test samples


def test_device_noise_reaches_the_circuit(ppf_run):
    """A depolarising channel of p = 3/4 after every gate leaves every wire maximally mixed: every
    <Z> and <ZZ> is 0, so the noisy branch outputs its head's bias whatever the input, while
    the noiseless branch does not."""
    from ppf_neuro.training.robustness import _with_noisy_device

    x = torch.rand(3, ppf_run.model.qnn.in_features, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        noisy = _with_noisy_device(ppf_run, Condition("depolarizing", 0.75)).qnn(x)
        clean = ppf_run.model.qnn(x)
        bias = ppf_run.model.qnn.head.bias.expand_as(noisy)
    torch.testing.assert_close(noisy, bias, atol=1e-6, rtol=0)
    assert (clean - bias).abs().max() > 1e-3


def test_robustness_cli(tiny_run, ppf_run, tmp_path, capsys):
    save_run(tmp_path / "snn", tiny_run)
    save_run(tmp_path / "ppf", ppf_run)
    out = tmp_path / "rob"
    assert main(["--quiet", "robustness", str(tmp_path / "snn"), str(tmp_path / "ppf"), "--samples", "20",
                 "--levels", "0.1", "0.9", "--noise", "gaussian", "salt_pepper", "--depolarizing", "0.02",
                 "--shots", "50", "-o", str(out)]) == 0
    rows = json.loads((out / "robustness.json").read_text())
    assert [(r["noise"], r["level"]) for r in rows] == [("clean", 0), ("gaussian", 0.1), ("gaussian", 0.9),
                                                         ("salt_pepper", 0.1), ("salt_pepper", 0.9),
                                                         ("depolarizing", 0.02), ("shots", 50)]
    assert set(rows[0]) == {"noise", "level", "accuracy_snn", "accuracy_ppf"}
    assert 0 <= rows[0]["accuracy_ppf"] <= 1 and rows[-1]["accuracy_snn"] is None and rows[-1]["accuracy_ppf"] is not None
    csv_rows = list(csv.DictReader((out / "robustness.csv").open()))
    assert csv_rows[-1]["accuracy_snn"] == "" and float(csv_rows[-1]["accuracy_ppf"]) == rows[-1]["accuracy_ppf"]
    assert (out / "robustness.png").read_bytes()[:4] == b"\x89PNG"
    out_text = capsys.readouterr().out
    assert "| noise | level | snn accuracy (%) | ppf accuracy (%) |" in out_text and "| gaussian | 0.9 |" in out_text
    assert re.search(r"\| shots \| 50 \| n/a \| \d+\.\d\d \|", out_text)


def test_the_device_study_table_pairs_each_loss_with_its_own_seed(tmp_path):
    """examples/device_robustness.py: a loss is clean minus device accuracy of the same seed (not of the
    means), the ideal-shots rows of one seed are counted once, and the SNN has no device cell."""
    import importlib.util

    from locations import ROOT

    spec = importlib.util.spec_from_file_location("device_robustness", ROOT / "examples" / "device_robustness.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    for seed, clean, device in ((0, 0.90, 0.80), (1, 0.70, 0.68)):
        for target in ("fake_a", "fake_b"):
            rows = [{"noise": "clean", "level": 0.0, **{f"accuracy_{m}": clean for m in study.MODELS}},
                    {"noise": "shots", "level": 1000.0, **{f"accuracy_{m}": clean for m in study.MODELS[:3]},
                     "accuracy_snn": None},
                    {"noise": f"device {target}", "level": 1000.0, **{f"accuracy_{m}": device for m in study.MODELS[:3]},
                     "accuracy_snn": None}]
            (tmp_path / f"seed={seed}_{target}").mkdir()
            (tmp_path / f"seed={seed}_{target}" / "robustness.json").write_text(json.dumps(rows))
    markdown, records = study.table(study.collect(tmp_path))
    device = next(r for r in records if r["condition"] == "device fake_a")
    assert device["seeds"] == [0, 1] and device["accuracy"]["snn"] == []
    np.testing.assert_allclose(device["loss_against_clean"]["ppf"], [0.10, 0.02])
    assert "| device fake_b | 74.00 ± 8.49 (2) |" in markdown
    assert "| shots 1000 | 80.00 ± 14.14 (2) |" in markdown
