"""Any lava-dl network deploys: nets written by lava-dl's own export_hdf5 run on Lava spike for spike
like the reference rebuilt from the file, report like bundles, and a divergence is located."""

import json

import h5py
import numpy as np
import pytest
import torch

from ppf_neuro.deployment.backends.lava import LavaMode
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import load_netx_file
from ppf_neuro.lava_dl import export_blocks as _export
from ppf_neuro.lava_dl import slayer

pytestmark = pytest.mark.lava


def _neuron():
    return dict(threshold=1.0, current_decay=0.2, voltage_decay=0.05, tau_grad=0.03, scale_grad=3, requires_grad=False)


@pytest.fixture(scope="module")
def lava_dl_nets(tmp_path_factory):
    torch.manual_seed(0)
    tmp = tmp_path_factory.mktemp("lava_dl")
    cuba = slayer.block.cuba
    dense = _export([cuba.Dense(_neuron(), 64, 32, weight_scale=6, delay_shift=False),
                     cuba.Dense(_neuron(), 32, 16, weight_scale=6, delay_shift=False),
                     cuba.Dense(_neuron(), 16, 10, weight_scale=6, delay_shift=False)],
                    (torch.rand(2, 64, 8) < 0.3).float(), tmp / "dense.h5", biases={1: np.full(16, 2.0)})
    conv = _export([cuba.Input(_neuron(), weight=1.5, bias=0.0),  # an input layer with a weight transform
                    cuba.Conv(_neuron(), 1, 4, 3, stride=1, padding=2, dilation=2, weight_scale=6, delay_shift=False),
                    cuba.Conv(_neuron(), 4, 6, 3, stride=2, padding=1, groups=2, weight_scale=6, delay_shift=False),
                    cuba.Flatten(),
                    cuba.Dense(_neuron(), 6 * 4 * 4, 10, weight_scale=6, delay_shift=False)],
                   (torch.rand(2, 1, 8, 8, 8) < 0.3).float(), tmp / "conv.h5", biases={1: np.arange(4) - 1.0})
    return {"dense": dense, "conv": conv}


def _run(path, **kw):
    options = DeployOptions(samples=kw.pop("samples", 24), progress=False, **kw.pop("options", {}))
    return deploy(DeployRequest(path, kw.pop("data", "digits"), options,
                                encoding=kw.pop("encoding", {"kind": "rate", "steps": 8}), **kw)).to_dict()


@pytest.mark.parametrize("net", ["dense", "conv"])
@pytest.mark.parametrize("replicas", [1, 5])
def test_lava_dl_export_runs_spike_for_spike(lava_dl_nets, net, replicas):
    report = _run(lava_dl_nets[net], options={"lava": LavaMode(replicas=replicas)})
    agree = report["lava"]["spike_agreement"]
    assert agree["samples_with_identical_counts_in_every_layer"] == 1.0
    assert all(layer["exact_neuron_counts"] == 1.0 for layer in agree["layers"])
    assert all(layer["spikes_per_sample_lava"] > 0 for layer in agree["layers"]), "every layer must spike"
    assert report["outputs"]["output"]["agreement"] == 1.0 and report["outputs"]["output"]["max_abs_diff"] == 0
    assert report["divergence"] is None and "rebuilt from the netx file" in report["reference"]["backend"]
    kinds = [layer["kind"] for layer in report["network"]["layers"]]
    assert kinds == (["dense"] * 3 if net == "dense" else ["input", "conv", "conv", "dense"])


def test_report_analyses_like_a_bundle_report(lava_dl_nets, tmp_path, capsys):
    report = tmp_path / "r.json"
    assert main(["--quiet", "deploy", str(lava_dl_nets["conv"]), "--data", "digits", "--encoding", "integrate",
                 "--steps", "8", "--set", "encoding.blank=1", "--samples", "10", "--report", str(report)]) == 0
    r = json.loads(report.read_text())
    assert r["outputs"]["output"]["accuracy_deployed"] is not None and r["activity"]["steps"] == 8
    assert main(["analyze", str(report), "--plots", str(tmp_path / "plots")]) == 0
    assert (tmp_path / "plots" / "layer_spikes.png").is_file()


def test_recorded_spikes_with_and_without_labels(lava_dl_nets, tmp_path):
    rng = np.random.default_rng(0)
    spikes = (rng.random((7, 64, 6)) < 0.3).astype(np.int8)
    np.save(tmp_path / "s.npy", spikes)
    np.save(tmp_path / "l.npy", np.arange(7) % 10)
    with_labels = _run(lava_dl_nets["dense"], data=None, inputs=tmp_path / "s.npy", labels=tmp_path / "l.npy",
                       encoding={})
    without = _run(lava_dl_nets["dense"], data=None, inputs=tmp_path / "s.npy", encoding={})
    assert with_labels["samples"] == 7 and with_labels["outputs"]["output"]["accuracy_deployed"] is not None
    assert without["outputs"]["output"]["accuracy_deployed"] is None and not without["labelled"]
    assert without["lava"]["layer_spikes_per_sample"] == with_labels["lava"]["layer_spikes_per_sample"]


def test_a_weight_netx_clips_is_found_at_its_layer(lava_dl_nets, tmp_path, monkeypatch):
    """netx clips weights beyond 8 bits: the file says 1000, Lava computes 254. The reader refuses such a
    file (tests/system/test_bad_inputs.py); let through here, the divergence report names the layer, the first
    sample, neuron and step, with both neurons' traces."""
    import ppf_neuro.formats.netx.reader as netx_format

    monkeypatch.setattr(netx_format, "WEIGHT_RANGE", (-10 ** 6, 10 ** 6))
    monkeypatch.setattr(netx_format, "WEIGHT_MAX", 10 ** 6)
    path = tmp_path / "clipped.h5"
    path.write_bytes(lava_dl_nets["dense"].read_bytes())
    with h5py.File(path, "a") as f:
        w = f["layer/1/weight"][()]
        w[3, 5] = 1000  # one synapse from hidden neuron 5 to neuron 3 of layer 1
        f["layer/1/weight"][...] = w
    d = _run(path, samples=40, options={"divergence_plot": tmp_path / "d.png"})["divergence"]
    assert d is not None and d["found_in_rerun"] and d["layer"] == 1 and d["neuron"] == 3
    assert d["spiked"] == {"lava": 0, "reference": 1}  # Lava's clipped weight spikes later
    lava, ref = d["traces"]["lava"], d["traces"]["reference"]
    t = d["time_step"]
    assert lava["spikes"][:t] == ref["spikes"][:t]  # the spike trains agree until step t
    assert all(a <= b for a, b in zip(lava["u"][: t + 1], ref["u"][: t + 1])) and lava["u"] != ref["u"]  # less input
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"


def test_a_bundle_whose_netx_layer_was_edited_parts_from_slayer_there(ppf_bundle, tmp_path):
    """For bundles the reference is SLAYER: an edited netx weight (checksum resealed) shows at its layer."""
    from conftest import edited_copy

    def invert_output_layer(f):
        f["layer/1/weight"][...] = -f["layer/1/weight"][()]

    path = edited_copy(ppf_bundle, tmp_path / "edited.h5", invert_output_layer)
    report = deploy(DeployRequest(path, "digits", DeployOptions(samples=10, progress=False))).to_dict()
    d = report["divergence"]
    assert d["layer"] == 1 and report["lava"]["spike_agreement"]["layers"][0]["exact_neuron_counts"] == 1.0
    lava, ref = d["traces"]["lava"], d["traces"]["reference"]
    assert lava["spikes"][: d["time_step"]] == ref["spikes"][: d["time_step"]]
    assert lava["u"] != ref["u"]


@pytest.mark.parametrize("layer", [0, 1])
def test_slayer_traces_in_lava_units_equal_lavas(tiny_bundle, tiny_run, layer):
    """The traces the divergence report shows are the same quantity on both sides: SLAYER's current and
    voltage, scaled to Lava's integers, equal Lava's own u and v step by step."""
    from ppf_neuro.deployment.diagnosis.divergence import lava_steps
    from ppf_neuro.deployment.references.trained_model import slayer_stepper
    from ppf_neuro.data import load_dataset
    from ppf_neuro.encoding import encode

    images = torch.from_numpy(load_dataset(tiny_run.config.data).test.images[:1])
    one = encode(images, tiny_run.config.encoding).numpy().astype(np.int8)
    lava_rasters, lava = lava_steps(load_netx_file(tiny_bundle), one, layer)
    ref_rasters, ref = slayer_stepper(tiny_run.model.snn)(one, layer)
    for a, b in zip(lava_rasters, ref_rasters):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(lava["u"], ref["u"])
    np.testing.assert_array_equal(lava["v"], ref["v"])
    assert np.abs(lava["v"]).max() > 0


def test_unsupported_layers_are_refused_by_index(lava_dl_nets, tmp_path):
    path = tmp_path / "pool.h5"
    path.write_bytes(lava_dl_nets["conv"].read_bytes())
    with h5py.File(path, "a") as f:
        del f["layer/2/type"]
        f["layer/2"].create_dataset("type", (1,), "S10", [b"pool"])
    with pytest.raises(PPFError, match="layer 2: type 'pool'"):
        _run(path)
