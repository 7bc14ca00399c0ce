"""The real Lava runtime runs the exported SNN and reproduces PyTorch spike for spike.

SLAYER and Lava may differ by zero spikes per neuron and layer: SLAYER trains in the
same 12-bit fixed-point arithmetic as Lava's fixed_pt LIF model on 8-bit weights, and
the staggered per-layer resets give every layer the window it had in training. Any
nonzero difference is a bug in timing, layout or quantisation, so the tests demand equality.
"""

import numpy as np
import pytest
import torch

from conftest import tiny_config, train_tiny
from deploy.bundle import load_bundle
from deploy.lava_runner import run_on_lava
from deploy.pipeline import deploy
from deploy.torch_reference import run_on_torch
from exporters.bundle import export_bundle
from ppf_neuro.config import ConvSpec
from ppf_neuro.data import load_dataset
from ppf_neuro.encoding import encode
from ppf_neuro.errors import PPFError


def _spikes(run, n):
    images = load_dataset(run.config.data).test.images[:n]
    return encode(torch.from_numpy(images), run.config.encoding).numpy().astype(np.int8)


def _assert_identical(bundle_path, run, n):
    spikes = _spikes(run, n)
    lava = run_on_lava(str(bundle_path), spikes, progress=False)
    ref = run_on_torch(load_bundle(bundle_path).reference_model().snn, spikes)
    assert len(lava.counts.layers) == len(ref.layers)
    for lava_layer, ref_layer in zip(lava.counts.layers, ref.layers):
        assert lava_layer.shape == ref_layer.shape == (n, lava_layer.shape[1])
        np.testing.assert_array_equal(lava_layer, ref_layer)
    assert ref.output.sum() > 0, "a silent network proves nothing"
    return lava


def test_dense_net_lava_counts_equal_pytorch_exactly(tiny_bundle, tiny_run):
    lava = _assert_identical(tiny_bundle, tiny_run, n=12)
    assert lava.steps == 12 * 8 + 2 + 1


def test_conv_net_lava_counts_equal_pytorch_exactly(tmp_path):
    run = train_tiny(tiny_config(conv=(ConvSpec(channels=4, kernel=3, stride=2, padding=1),), hidden=(12,), epochs=1))
    path = export_bundle(run, tmp_path / "conv.h5")
    _assert_identical(path, run, n=6)


def test_deploy_report(tiny_bundle):
    report = deploy(tiny_bundle, "digits", samples=10, progress=False)
    out = report["outputs"]["output"]
    assert report["samples"] == 10 and report["model"] == "snn"
    assert out["agreement"] == 1.0
    assert out["accuracy_deployed"] == out["accuracy_pytorch"]
    assert report["lava"]["spike_agreement"]["samples_with_identical_output_counts"] == 1.0
    assert len(report["lava"]["layer_spikes_per_sample"]) == 10
    assert report["config"]["encoding"]["steps"] == 8


def test_input_size_mismatch_is_refused(tiny_bundle):
    with pytest.raises(PPFError, match="64 neurons"):
        run_on_lava(str(tiny_bundle), np.zeros((2, 1, 5, 5, 8), dtype=np.int8), progress=False)


def test_deploy_on_data_of_other_shape(tiny_bundle, tmp_path):
    from conftest import write_idx_dataset

    d = write_idx_dataset(tmp_path / "ds", size=5)
    with pytest.raises(PPFError, match=r"expects images \(1, 8, 8\)"):
        deploy(tiny_bundle, f"idx:{d}", samples=2, progress=False)


@pytest.mark.parametrize("qdevice", [None, "lightning.qubit"])
def test_ppf_end_to_end_through_lava_pennylane_and_fuser(ppf_bundle, qdevice):
    report = deploy(ppf_bundle, "digits", samples=8, qdevice=qdevice, progress=False)
    assert set(report["outputs"]) == {"output", "snn", "qnn"}
    for name, out in report["outputs"].items():
        assert out["agreement"] == 1.0, name
    assert report["fusion"]["rule"] == "prob" and 0 < report["fusion"]["ratio"] < 1
    assert report["quantum"]["device"] == (qdevice or "default.qubit")


def test_ppf_with_noise_and_shots_deploys(ppf_bundle):
    report = deploy(ppf_bundle, "digits", samples=4, qdevice="default.mixed", shots=200, noise=0.02, progress=False)
    assert report["quantum"] == {**report["quantum"], "device": "default.mixed", "shots": 200, "noise": 0.02}
    assert report["outputs"]["snn"]["agreement"] == 1.0  # the spiking half is untouched by quantum noise


def test_serial_end_to_end(tmp_path):
    run = train_tiny(tiny_config(model="serial", epochs=1))
    report = deploy(export_bundle(run, tmp_path / "serial.h5"), "digits", samples=6, progress=False)
    assert report["outputs"]["output"]["agreement"] == 1.0
    assert report["lava"]["spike_agreement"]["samples_with_identical_output_counts"] == 1.0
