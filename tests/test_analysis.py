"""Counting and energy arithmetic against hand-computed cases, the profiles' units, and analyze."""

import json

import numpy as np
import pytest
import torch

from conftest import tiny_config, train_tiny
from deploy.netx_file import fan_outs, load_netx_file
from deploy.pipeline import deploy
from ppf_neuro.analysis.energy import (accumulate_energy_pj, dense_mac_energy_pj, energy_report, loihi_energy_pj,
                                       profile, profiles)
from ppf_neuro.cli import main
from ppf_neuro.config import ConvSpec
from ppf_neuro.errors import PPFError


def test_energy_arithmetic_by_hand():
    loihi = profile("loihi")
    e = loihi_energy_pj(synops=10, neuron_updates=5, spikes=2, chip=loihi)
    assert e == pytest.approx({"synops": 236.0, "neuron_updates": 405.0, "spikes": 7.0, "total": 648.0})
    cmos = profile("cmos45")
    assert dense_mac_energy_pj(100, cmos) == pytest.approx(460.0)  # 100 MACs x (3.7 + 0.9) pJ
    assert accumulate_energy_pj(100, cmos) == pytest.approx(90.0)


def test_energy_report_totals_by_hand():
    activity = {"layers": [
        {"layer": 0, "synops_per_sample": 1000, "neuron_updates_per_sample": 64, "spikes_per_sample": 20, "connections": 4096},
        {"layer": 1, "synops_per_sample": 200, "neuron_updates_per_sample": 16, "spikes_per_sample": 3, "connections": 640},
    ]}
    r = energy_report(activity)
    loihi = 1200 * 23.6 + 80 * 81.0 + 23 * 3.5
    assert r["per_inference_pj"]["loihi_pj"] == pytest.approx(loihi)
    assert r["per_inference_pj"]["dense_macs_pj"] == pytest.approx(4736 * 4.6)
    assert r["per_inference_pj"]["snn_accumulates_pj"] == pytest.approx(1200 * 0.9)
    assert r["dense_over_loihi"] == pytest.approx(4736 * 4.6 / loihi)


def test_profiles_are_cited_and_in_picojoules():
    for name, p in profiles().items():
        assert p["source"] and p["description"], name
        constants = {k: v for k, v in p.items() if isinstance(v, (int, float))}
        assert constants and all(k.endswith("_pj") and v > 0 for k, v in constants.items()), name
    assert profile("cmos45")["fp32_mac_pj"] == pytest.approx(profile("cmos45")["fp32_add_pj"] + profile("cmos45")["fp32_mult_pj"])
    with pytest.raises(PPFError, match="unknown energy profile"):
        profile("tpu")


def test_conv_fan_out_counted_by_hand(tmp_path):
    from exporters.bundle import export_bundle

    run = train_tiny(tiny_config(conv=(ConvSpec(channels=2, kernel=3, stride=2, padding=1),), hidden=(5,), epochs=1))
    conv = fan_outs(load_netx_file(export_bundle(run, tmp_path / "c.h5")))[0]
    # 8x8 input, 3x3 kernel, stride 2, padding 1 -> 4x4 outputs per channel; the valid taps per
    # output position are 4 (corner), 6 (edge, 6 of them) and 9 (interior, 9 of them): 121 per channel.
    assert conv["kind"] == "conv" and conv["dense"].sum() == 2 * 121
    assert conv["dense"].reshape(8, 8)[0, 0] == 2 * 1  # pixel (0,0) feeds only output (0,0), in 2 channels
    # Output i covers input rows 2i-1..2i+1: an odd pixel feeds a 2x2 block of outputs, an even one just one.
    assert conv["dense"].reshape(8, 8)[1, 1] == 2 * 4
    assert conv["dense"].reshape(8, 8)[2, 2] == 2 * 1
    assert (conv["nonzero"] <= conv["dense"]).all()


def test_synops_equal_a_direct_count(tiny_bundle, tiny_run):
    from deploy.plan import DeployOptions

    report = deploy(tiny_bundle, "digits", DeployOptions(samples=6, progress=False))
    act = report["activity"]
    snn = tiny_run.model.snn
    w0 = snn.blocks[0].synapse.pre_hook_fx(snn.blocks[0].synapse.weight, descale=True).reshape(32, 64).detach()
    w1 = snn.blocks[1].synapse.pre_hook_fx(snn.blocks[1].synapse.weight, descale=True).reshape(10, 32).detach()
    from ppf_neuro.data import load_dataset
    from ppf_neuro.encoding import encode

    images = torch.from_numpy(load_dataset(tiny_run.config.data).test.images[:6])
    x = encode(images, tiny_run.config.encoding)
    with torch.no_grad():
        hidden = snn.forward_layers(x)[0]
    expected0 = (x.reshape(6, 64, -1).sum(-1) @ (w0 != 0).float().T).sum(1)
    expected1 = (hidden.sum(-1) @ (w1 != 0).float().T).sum(1)
    got = np.array(act["per_sample"]["synops"])
    np.testing.assert_array_equal(got[:, 0], expected0.numpy())
    np.testing.assert_array_equal(got[:, 1], expected1.numpy())
    assert act["layers"][0]["neuron_updates_per_sample"] == 32 * 8
    assert act["layers"][1]["connections"] == 320
    layer0 = act["layers"][0]
    assert layer0["activation_sparsity"] == pytest.approx(1 - layer0["spikes_per_sample"] / (32 * 8))
    # The raster is the first sample's spikes: as many events as that sample's count in the Lava run.
    assert [len(ev) for ev in act["raster"]["layers"]] == list(np.array(act["per_sample"]["spikes"])[0])


def test_analyze_writes_summary_and_plots(ppf_bundle, tmp_path, capsys):
    report = tmp_path / "r.json"
    assert main(["--quiet", "deploy", str(ppf_bundle), "--samples", "5", "--report", str(report)]) == 0
    assert main(["analyze", str(report), "--plots", str(tmp_path / "plots")]) == 0
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["accuracy_vs_energy.png", "energy.png", "layer_spikes.png", "layers.csv", "raster.png",
                     "summary.json"]
    summary = json.loads((tmp_path / "plots" / "summary.json").read_text())[0]
    assert summary["quantum"]["qubits"] == 3 and summary["quantum"]["gate_types"]["CNOT"] == 3
    assert summary["energy"]["profiles"]["loihi"]["synop_pj"] == 23.6
    assert "| layer |" in capsys.readouterr().out


def test_analyze_refuses_other_json(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    assert main(["analyze", str(tmp_path / "x.json"), "--plots", str(tmp_path)]) == 2
