"""``--expect``: the deployment against the network the user trained, and ``--timing``.

A lava-dl SLAYER net trained with lava-dl's defaults (``delay_shift=True``) by
``examples/lava_dl_defaults.py`` (small: a few digits, one epoch) is the trained model; SLAYER's own
forward pass gives the expected outputs, Lava's saved rasters give independent counts.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import torch
import pytest

from ppf_neuro.deployment.inputs.trained_outputs import read_expected
from ppf_neuro.deployment.report.expected import time_shifts
from ppf_neuro.cli import main
from ppf_neuro.errors import EXPECTATION_UNMET
from locations import ROOT

pytestmark = pytest.mark.lava

EXAMPLE = ROOT / "examples" / "lava_dl_defaults.py"
STEPS, LAYERS = 12, 2


def _example():
    spec = importlib.util.spec_from_file_location("lava_dl_defaults", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def slayer_net(tmp_path_factory):
    """The example's files: net, inputs, labels, SLAYER's output spikes (N, 10, T)."""
    return _example().make(tmp_path_factory.mktemp("ldd"), samples=60, steps=STEPS, epochs=1, hidden=32, seed=0)


def _deploy(files, tmp: Path, *flags: str) -> tuple[int, dict, np.ndarray]:
    """deploy through the CLI with --expect and --save-spikes: (exit status, report, Lava's output raster)."""
    report, rasters = tmp / "r.json", tmp / "s.npz"
    code = main(["--quiet", "deploy", str(files["net"]), "--inputs", str(files["inputs"]), "--labels",
                 str(files["labels"]), "--expect", str(files["expect"]), "--report", str(report),
                 "--save-spikes", str(rasters), *flags])
    with np.load(rasters) as saved:
        last = sorted((k for k in saved.files if k.startswith("layer")), key=lambda k: int(k[5:]))[-1]
        raster = saved[last]
    return code, json.loads(report.read_text()), raster


@pytest.mark.parametrize("replicas", ["1", "7"])
def test_slayer_defaults_deploy_exactly_with_delay_shift_timing(slayer_net, tmp_path, replicas):
    theirs = np.load(slayer_net["expect"]).sum(-1)
    code, report, raster = _deploy(slayer_net, tmp_path, "--timing", "delay-shift", "--replicas", replicas)
    e = report["expected"]
    # independent: Lava's raster of each window, counted over the steps SLAYER's blocks output (T - layers)
    mine = raster[..., :STEPS - LAYERS].sum(-1)
    assert e["identical_counts"] == float((mine == theirs).all(1).mean()) == 1.0
    assert e["per_neuron_identical"] == 1.0 and e["argmax_agreement"] == 1.0
    assert e["best_shift"]["shift"] == LAYERS and e["best_shift"]["identical_samples"] == 1.0
    assert report["outputs"]["output"]["accuracy_deployed"] == e["accuracy"]
    assert report["network"]["timing"]["name"] == "delay-shift" and code == 0


def test_aligned_timing_says_how_far_it_is_from_the_trained_model(slayer_net, tmp_path):
    theirs = np.load(slayer_net["expect"]).sum(-1)
    code, report, raster = _deploy(slayer_net, tmp_path, "--expect-min", "1.0")
    e = report["expected"]
    mine = raster.sum(-1)  # every step of the window
    assert e["identical_counts"] == float((mine == theirs).all(1).mean()) < 0.5
    assert e["per_neuron_identical"] == pytest.approx(float((mine == theirs).mean()))
    assert e["argmax_agreement"] == float((mine.argmax(1) == theirs.argmax(1)).mean())
    assert e["best_shift"]["shift"] == LAYERS and "--timing delay-shift" in e["hint"]
    assert report["outputs"]["output"]["agreement"] == 1.0  # Lava still equals the file's model
    assert "not the network that was trained" in report["compared"]["reference"] or \
        "not what the training framework computed" in report["compared"]["reference"]
    assert code == (EXPECTATION_UNMET if e["argmax_agreement"] < 1.0 else 0)


def test_a_netx_file_without_expect_says_what_it_was_compared_with(slayer_net, capsys):
    code = main(["--quiet", "deploy", str(slayer_net["net"]), "--inputs", str(slayer_net["inputs"]), "--samples",
                 "5"])
    out = capsys.readouterr().out
    assert code == 0 and "give --expect" in out and "integer model of the file" in out


def test_expected_kinds_and_time_shifts(tmp_path):
    rng = np.random.default_rng(0)
    spikes = (rng.random((20, 4, 10)) < 0.3).astype(np.int8)
    for name, array, kind in (("s", spikes, "spikes"), ("c", spikes.sum(-1).astype(np.float32), "counts"),
                              ("f", rng.random((20, 4)), "scores")):
        np.save(tmp_path / f"{name}.npy", array)
        assert read_expected(tmp_path / f"{name}.npy").kind == kind
    later = np.zeros_like(spikes)
    later[..., 3:] = spikes[..., :-3]
    shifts = time_shifts(later, spikes, 5)
    assert max(shifts, key=lambda s: s["identical_samples"])["shift"] == 3
    assert shifts[3]["identical_samples"] == 1.0 and shifts[0]["identical_samples"] < 1.0


def test_biases_after_the_first_layer_are_named_as_what_no_schedule_reproduces(tmp_path, monkeypatch):
    """lava-dl writes biases from a MeanOnlyBatchNorm: SLAYER's delay shift runs them ahead of the input."""
    from ppf_neuro.lava_dl import slayer

    example = _example()
    normed = dict(example.NEURON, norm=slayer.neuron.norm.MeanOnlyBatchNorm)
    monkeypatch.setattr(example, "blocks", lambda hidden: torch.nn.Sequential(
        slayer.block.cuba.Dense(normed, 64, hidden, weight_norm=True),
        slayer.block.cuba.Dense(normed, hidden, 10, weight_norm=True)))
    files = example.make(tmp_path, samples=40, steps=STEPS, epochs=1, hidden=32, seed=0)
    report = example.deploy(files, "delay-shift", tmp_path / "r.json")
    assert "have biases" in report["network"]["timing"]["not_exact"]
    assert report["expected"]["identical_counts"] < 1.0
    assert "delay_shift=False deploys exactly" in report["expected"]["hint"]
