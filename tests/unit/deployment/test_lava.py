"""The real Lava runtime runs the exported SNN and reproduces PyTorch spike for spike.

SLAYER and Lava may differ by zero spikes per neuron and layer: SLAYER trains in the
same 12-bit fixed-point arithmetic as Lava's fixed_pt LIF model on 8-bit weights, and
the staggered per-layer resets give every layer the window it had in training. Any
nonzero difference is a bug in timing, layout or quantisation, so the tests demand equality.
"""

import numpy as np
import pytest
from conftest import tiny_config, train_tiny

from ppf_neuro.deployment.backends.lava import run_on_lava
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.exporters.export_bundle import export_bundle
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import load_netx_file

pytestmark = pytest.mark.lava


def _options(**kw):
    return DeployOptions(progress=False, **kw)


def test_deploy_report(tiny_bundle):
    report = deploy(DeployRequest(tiny_bundle, "digits", _options(samples=10))).to_dict()
    out = report["outputs"]["output"]
    assert report["samples"] == 10 and report["model"] == "snn"
    assert out["agreement"] == 1.0 and out["allclose"] and out["max_abs_diff"] < 1e-5
    assert out["accuracy_deployed"] == out["accuracy_reference"]
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    assert report["lava"]["setup"]["replicas"] == 10  # a tiny net: every sample in one window
    assert len(report["lava"]["layer_spikes_per_sample"]) == 10
    assert report["config"]["encoding"]["steps"] == 8


def test_input_size_mismatch_is_refused(tiny_bundle):
    with pytest.raises(PPFError, match="64 neurons"):
        run_on_lava(load_netx_file(tiny_bundle), np.zeros((2, 1, 5, 5, 8), dtype=np.int8), progress=False)


def test_deploy_on_data_of_other_shape(tiny_bundle, tmp_path):
    from conftest import write_idx_dataset

    d = write_idx_dataset(tmp_path / "ds", size=5)
    with pytest.raises(PPFError, match=r"expects images \(1, 8, 8\)"):
        deploy(DeployRequest(tiny_bundle, f"idx:{d}", _options(samples=2)))


@pytest.mark.parametrize("qdevice", [None, "lightning.qubit"])
def test_ppf_end_to_end_through_lava_pennylane_and_fuser(ppf_bundle, qdevice):
    report = deploy(DeployRequest(ppf_bundle, "digits", _options(samples=8, qdevice=qdevice))).to_dict()
    assert set(report["outputs"]) == {"output", "snn", "qnn"}
    for name, out in report["outputs"].items():
        assert out["agreement"] == 1.0 and out["allclose"], name
    assert report["fusion"]["rule"] == "prob" and 0 < report["fusion"]["ratio"] < 1
    q = report["quantum"]
    assert q["device"] == (qdevice or "default.qubit") and q["backend"] == "pennylane"
    assert q["device_executions"] == 8  # the circuit really ran on the device, once per sample
    assert "fast path" in report["reference"]["backend"]  # ... and was checked against another computation


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_fast_path_only_when_asked_for_by_name(ppf_bundle):
    report = deploy(DeployRequest(ppf_bundle, "digits", _options(samples=4, qdevice="ppf-neuro.fast"))).to_dict()
    assert report["quantum"]["backend"] == "ppf-neuro fast path" and report["quantum"]["device_executions"] == 0


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_ppf_with_noise_and_shots_deploys(ppf_bundle):
    report = deploy(DeployRequest(ppf_bundle, "digits",
                                  _options(samples=4, qdevice="default.mixed", shots=200, noise=0.02))).to_dict()
    q = report["quantum"]
    assert (q["device"], q["shots"], q["noise"], q["device_executions"]) == ("default.mixed", 200, 0.02, 4)
    assert report["outputs"]["snn"]["agreement"] == 1.0  # the spiking half is untouched by quantum noise
    assert report["outputs"]["qnn"]["max_abs_diff"] > 1e-4  # shots and noise do change the circuit's output


def test_serial_end_to_end(tmp_path):
    run = train_tiny(tiny_config(model="serial", epochs=1))
    report = deploy(DeployRequest(export_bundle(run, tmp_path / "serial.h5"), "digits", _options(samples=6))).to_dict()
    assert report["outputs"]["output"]["agreement"] == 1.0 and report["outputs"]["output"]["allclose"]
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0


def test_the_integer_reference_is_checked_against_slayer(tiny_bundle, monkeypatch):
    """The bundle's reference runs the trained SNN in integer arithmetic, checked against SLAYER's own
    forward pass; when they differ (here: one weight of the integer copy changed), SLAYER is the
    reference for every sample and the report says so."""
    import dataclasses

    import ppf_neuro.deployment.references.trained_model as reference

    report = deploy(DeployRequest(tiny_bundle, "digits", _options(samples=6))).to_dict()
    check = report["reference"]["slayer_check"]
    assert check == {"samples": 6, "identical_counts_in_every_layer": True,
                     "used_for_all_samples": "integer arithmetic (SLAYER agreed)"}

    honest = reference.integer_snn

    def tampered(snn):
        fast = honest(snn)
        first = fast.net.layers[0]
        weight = first.weight.copy()
        weight[:, :] = -weight  # spikes of layer 0 change
        fast.net.layers[0] = dataclasses.replace(first, weight=weight)
        return fast

    monkeypatch.setattr(reference, "integer_snn", tampered)
    again = deploy(DeployRequest(tiny_bundle, "digits", _options(samples=6))).to_dict()
    assert again["reference"]["slayer_check"]["identical_counts_in_every_layer"] is False
    assert again["reference"]["slayer_check"]["used_for_all_samples"].startswith("SLAYER")
    assert again["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0  # SLAYER = Lava
