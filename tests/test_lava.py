"""The real Lava runtime runs the exported SNN and reproduces PyTorch spike for spike."""

import numpy as np
import pytest
import torch

from conftest import tiny_config, train_tiny
from deploy.bundle import load_bundle
from deploy.lava_runner import run_on_lava
from deploy.pipeline import deploy
from deploy.torch_reference import run_on_torch
from exporters.netx import export_bundle
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
    ref = run_on_torch(load_bundle(bundle_path).snn_model(), spikes)
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
    snn = report["snn"]
    assert snn["samples"] == 10
    assert snn["agreement"] == 1.0
    assert snn["accuracy"]["lava"] == snn["accuracy"]["pytorch"]
    assert snn["spike_agreement"]["samples_with_identical_output_counts"] == 1.0
    assert len(snn["per_sample"]["lava_layer_spikes"]) == 10
    assert report["config"]["encoding"]["steps"] == 8


def test_input_size_mismatch_is_refused(tiny_bundle):
    with pytest.raises(PPFError, match="64 neurons"):
        run_on_lava(str(tiny_bundle), np.zeros((2, 1, 5, 5, 8), dtype=np.int8), progress=False)


def test_deploy_on_data_of_other_shape(tiny_bundle, tmp_path):
    from conftest import write_idx_dataset

    d = write_idx_dataset(tmp_path / "ds", size=5)
    with pytest.raises(PPFError, match=r"expects images \(1, 8, 8\)"):
        deploy(tiny_bundle, f"idx:{d}", samples=2, progress=False)
