"""Counting and energy arithmetic against hand-computed cases, the profiles' rules, and analyze."""

import json
import re

import h5py
import numpy as np
import pytest
import torch

from ppf_neuro.deployment.report.fan_outs import fan_outs
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.analysis.profiles import load_profile, shipped
from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import load_netx_file

pytestmark = pytest.mark.lava

NEURON = {"type": b"CUBA", "iDecay": 4096, "vDecay": 4096, "vThMant": 10, "refDelay": 1, "gradedSpike": False}


def _netx(path, layers):
    """A netx file by hand: (type, shape, weight, extra datasets) per layer; no current or voltage memory
    and threshold 10, so a neuron spikes exactly in the steps in which it receives input (64 per synapse)."""
    with h5py.File(path, "w") as f:
        for i, (kind, shape, weight, extra) in enumerate(layers):
            g = f.create_group(f"layer/{i}")
            g.create_dataset("type", (1,), "S10", [kind.encode()])
            g.create_dataset("shape", data=np.asarray(shape))
            if weight is not None:
                g.create_dataset("weight", data=np.asarray(weight))
                for key, value in NEURON.items():
                    g.create_dataset(f"neuron/{key}", data=value)
            for key, value in extra.items():
                g.create_dataset(key, data=value)
    return path


def _analyze(tmp_path, net, spikes, name="r"):
    np.save(tmp_path / "s.npy", spikes.astype(np.int8))
    np.save(tmp_path / "l.npy", np.zeros(len(spikes), dtype=np.int64))
    report = tmp_path / f"{name}.json"
    assert main(["--quiet", "deploy", str(net), "--spikes", str(tmp_path / "s.npy"), "--labels", str(tmp_path / "l.npy"),
                 "--report", str(report)]) == 0
    assert main(["--quiet", "analyze", str(report), "--plots", str(tmp_path / f"{name}_plots")]) == 0
    return json.loads((tmp_path / f"{name}_plots" / "summary.json").read_text())[0]


def test_dense_net_by_hand(tmp_path):
    # Inputs x0, x1, x2 over 4 steps; layer 0: n0 <- x0 + x2, n1 <- x1; layer 1: n0 <- h0 + h1, n1 <- nothing.
    net = _netx(tmp_path / "d.h5", [("dense", [2], [[64, 0, 64], [0, 64, 0]], {}),
                                    ("dense", [2], [[64, 64], [0, 0]], {})])
    x = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 0]])
    s = _analyze(tmp_path, net, x[None].repeat(2, 0))
    l0, l1 = s["activity"]["layers"]
    # layer 0: n0 spikes at t0, t1, t2; n1 at t1. Synops: each input spike drives one synapse: 2 + 1 + 2.
    assert (l0["spikes_per_sample"], l0["synops_per_sample"], l0["active_neuron_updates_per_sample"]) == (4, 5, 4)
    # layer 1: n0 gets input at t0, t1, t2 and spikes then; n1 never (zero weights). Synops: 3 + 1.
    assert (l1["spikes_per_sample"], l1["synops_per_sample"], l1["active_neuron_updates_per_sample"]) == (3, 4, 3)
    assert (l0["neuron_updates_per_sample"], l0["connections"], l0["parameters"]) == (8, 6, 6)
    e = {k: (1e3 * p["low_nJ"], 1e3 * p["high_nJ"]) for k, p in s["energy"]["per_inference"].items()}  # in pJ
    loihi = (5 + 4) * 23.6 + (4 + 3) * 81 + (16 - 7) * 52
    assert e["snn_on_loihi"] == pytest.approx((loihi + 7 * 1.7, loihi + 7 * 3.5))
    # CMOS: every layer fits the 8 KB SRAM: a weight read is 10 pJ x bits/64.
    assert e["snn_int8_on_cmos45"] == pytest.approx((9 * 0.03, 9 * 0.03 + 9 * 10 * 8 / 64))
    assert e["snn_fp32_on_cmos45"] == pytest.approx((9 * 0.9, 9 * 0.9 + 9 * 10 * 32 / 64))
    assert e["dense_int8_on_cmos45"] == pytest.approx((10 * 0.23, 10 * 0.23 + 10 * 10 * 8 / 64))
    assert e["dense_fp32_on_cmos45"] == pytest.approx((10 * 4.6, 10 * 4.6 + 10 * 10 * 32 / 64))
    nb = s["neurobench"]
    assert nb["SynapticOperations"] == {"Effective_MACs": 0.0, "Effective_ACs": 9.0, "Dense": 40.0}
    assert nb["MembraneUpdates"] == 16 and nb["ActivationSparsity"] == pytest.approx(1 - 7 / 16)
    assert nb["ConnectionSparsity"] == pytest.approx(5 / 10) and nb["Footprint"] == 10 + 2 * 8  # 3 + 2 zeros
    assert nb["ParameterCount"] == 10  # no biases
    # Latency on Loihi (SANA-FE's times, ns): per sample, layer 0 does 5 synops, 4 active and 4 inactive
    # updates, sends 4 spikes; layer 1: 4 synops, 3 active, 5 inactive, 3 spikes; over 4 steps, + the barrier.
    t = s["latency"]
    work0, work1 = (5 * 4.0 + 4 * 9.7 + 4 * 6.0 + 4 * 7.6) / 4, (4 * 4.0 + 3 * 9.7 + 5 * 6.0 + 3 * 7.6) / 4
    assert t["steps"] == 4 and t["estimate"]
    assert (t["step_ns"]["low"], t["step_ns"]["high"]) == pytest.approx((work0 + 299, work0 + work1 + 299))
    assert t["per_inference_us"]["high"] == pytest.approx(4 * (work0 + work1 + 299) / 1e3)


def test_conv_net_by_hand(tmp_path):
    # 1x3x3 input, a 2x2 kernel of 64s (stride 1): outputs 1x2x2; then one dense neuron over the four.
    net = _netx(tmp_path / "c.h5", [("input", [1, 3, 3], None, {}),
                                    ("conv", [1, 2, 2], np.full((1, 1, 2, 2), 64), {"stride": [1, 1], "padding": [0, 0],
                                                                                  "dilation": [1, 1], "groups": 1}),
                                    ("flatten", [4], None, {}),
                                    ("dense", [1], [[64, 64, 64, 64]], {})])
    x = np.zeros((1, 3, 3, 2))
    x[0, 1, 1, :] = 1  # the centre spikes at both steps: it feeds all four outputs
    x[0, 0, 0, 0] = 1  # a corner spikes once: it feeds one output
    s = _analyze(tmp_path, net, x[None].repeat(2, 0), "c")
    conv, dense = s["activity"]["layers"]
    assert (conv["synops_per_sample"], conv["spikes_per_sample"], conv["active_neuron_updates_per_sample"]) == (9, 8, 8)
    assert (dense["synops_per_sample"], dense["spikes_per_sample"], dense["active_neuron_updates_per_sample"]) == (8, 2, 2)
    assert (conv["connections"], conv["parameters"], dense["connections"]) == (16, 4, 4)
    e = s["energy"]["per_inference"]["snn_on_loihi"]
    base = 17 * 23.6 + 10 * 81 + 0 * 52
    assert (e["low_nJ"], e["high_nJ"]) == pytest.approx(((base + 10 * 1.7) / 1e3, (base + 10 * 3.5) / 1e3))
    assert s["energy"]["per_inference"]["dense_fp32_on_cmos45"]["low_nJ"] == pytest.approx(20 * 4.6 / 1e3)


def test_shipped_profiles_are_complete_and_cited():
    assert {"loihi", "cmos45", "sycamore"} <= set(shipped())
    for name, kind in (("loihi", "neuromorphic"), ("cmos45", "cmos"), ("sycamore", "qpu")):
        p = load_profile(name, kind)
        assert all(c["citation"] for c in p.constants.values())


def test_a_profile_without_a_citation_or_a_field_is_refused_by_name(tmp_path):
    data = load_profile("loihi", "neuromorphic").as_dict()
    cited = data["constants"]["synop"]["citation"]
    data["constants"]["synop"]["citation"] = ""
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(PPFError, match="'synop' has no citation"):
        load_profile(tmp_path / "p.json", "neuromorphic")
    data["constants"]["synop"]["citation"] = cited
    del data["constants"]["neuron_update_inactive"]
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(PPFError, match="missing constant 'neuron_update_inactive'"):
        load_profile(tmp_path / "p.json", "neuromorphic")
    data["constants"]["neuron_update_inactive"] = data["constants"]["neuron_update_active"]
    data["constants"]["barrier_time"]["unit"] = "us"  # an optional constant, when given, is checked too
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(PPFError, match="'barrier_time' must be in ns"):
        load_profile(tmp_path / "p.json", "neuromorphic")
    with pytest.raises(PPFError, match="'cmos' profile is needed"):
        load_profile("loihi", "cmos")
    with pytest.raises(PPFError, match="unknown profile"):
        load_profile("tpu", "neuromorphic")


def test_user_profile_names_the_output(tmp_path, tiny_bundle):
    data = load_profile("loihi", "neuromorphic").as_dict()
    data.update(name="mychip", label="My Chip")
    data["constants"]["synop"]["value"] = 1.0
    (tmp_path / "mychip.json").write_text(json.dumps(data))
    report = tmp_path / "r.json"
    assert main(["--quiet", "deploy", str(tiny_bundle), "--samples", "4", "--report", str(report)]) == 0
    assert main(["--quiet", "analyze", str(report), "--profile", str(tmp_path / "mychip.json"),
                 "--plots", str(tmp_path / "plots")]) == 0
    s = json.loads((tmp_path / "plots" / "summary.json").read_text())[0]
    assert "snn_on_mychip" in s["energy"]["per_inference"] and "snn_on_loihi" not in s["energy"]["per_inference"]
    assert s["energy"]["per_inference"]["snn_on_mychip"]["label"] == "SNN on My Chip"


def test_two_reports_are_ordered_on_the_accuracy_energy_plot(tmp_path):
    from ppf_neuro.analysis.plots import accuracy_vs_energy

    busy = _netx(tmp_path / "busy.h5", [("dense", [2], [[64, 64, 64], [64, 64, 64]], {})])
    quiet = _netx(tmp_path / "quiet.h5", [("dense", [2], [[64, 0, 0], [0, 0, 0]], {})])
    x = np.ones((2, 3, 4))
    summaries = [_analyze(tmp_path, net, x, name) for net, name in ((busy, "busy"), (quiet, "quiet"))]
    _, points = accuracy_vs_energy(summaries)
    assert [p[0].split("/")[-1] for p in sorted(points, key=lambda p: p[1])] == ["quiet.json", "busy.json"]


def test_conv_fan_out_counted_by_hand(conv_bundle):
    conv = fan_outs(load_netx_file(conv_bundle))[0]
    # 8x8 input, 3x3 kernel, stride 2, padding 1 -> 4x4 outputs per channel; the valid taps per
    # output position are 4 (corner), 6 (edge, 6 of them) and 9 (interior, 9 of them): 121 per channel.
    assert conv["kind"] == "conv" and conv["dense"].sum() == 4 * 121
    assert conv["dense"].reshape(8, 8)[0, 0] == 4 * 1  # pixel (0,0) feeds only output (0,0), in 4 channels
    # Output i covers input rows 2i-1..2i+1: an odd pixel feeds a 2x2 block of outputs, an even one just one.
    assert conv["dense"].reshape(8, 8)[1, 1] == 4 * 4
    assert conv["dense"].reshape(8, 8)[2, 2] == 4 * 1
    assert (conv["nonzero"] <= conv["dense"]).all()


def test_synops_equal_a_direct_count(tiny_bundle, tiny_run):

    report = deploy(DeployRequest(tiny_bundle, "digits", DeployOptions(samples=6, progress=False))).to_dict()
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
    assert act["rasters"]["file"] is None and "--save-spikes" in act["rasters"]["note"], "no rasters in the JSON"


def test_analyze_writes_summary_and_plots(ppf_bundle, tmp_path, capsys):
    report = tmp_path / "r.json"
    assert main(["--quiet", "deploy", str(ppf_bundle), "--samples", "5", "--report", str(report), "--save-spikes",
                 str(tmp_path / "rasters.npz")]) == 0
    act = json.loads(report.read_text())["activity"]
    with np.load(tmp_path / "rasters.npz") as saved:  # every sample's spikes: its counts in the Lava run, step by step
        counts = np.array(act["per_sample"]["spikes"])
        assert [saved[f"layer{i}"].shape[0] for i in range(2)] == [5, 5]
        np.testing.assert_array_equal(np.stack([saved[f"layer{i}"].sum((1, 2)) for i in range(2)], 1), counts)
    capsys.readouterr()
    assert main(["analyze", str(report), "--plots", str(tmp_path / "plots")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert max(map(len, printed)) <= 100, "the printout fits 100 columns (the full tables are in the CSVs)"
    assert "Intel Loihi (2018)" in " ".join(" ".join(printed).split())  # the profile and its year
    names = sorted(p.name for p in (tmp_path / "plots").iterdir() if not p.name.startswith("."))
    assert names == ["accuracy_vs_energy.png", "energy.csv", "energy.png", "layer_spikes.png", "layers.csv",
                     "raster.png", "summary.json"]
    summary = json.loads((tmp_path / "plots" / "summary.json").read_text())[0]
    q = summary["quantum"]
    assert q["resources_per_sample"]["qubits"] == 3 and q["resources_per_sample"]["gate_types"]["CNOT"] == 3
    # QPU time (estimate): 3 qubits, 1 layer: H, RY, Rot on each wire (3 x 25 ns), then a CNOT ring of 3 x 12 ns.
    assert q["qpu_time"]["estimate"] and q["qpu_time"]["circuit_ns"] == pytest.approx(3 * 25 + 3 * 12)
    assert q["qpu_time"]["per_inference_ms"] == pytest.approx(1000 * (111 + 200_000) / 1e6)  # 1,000 assumed shots
    assert summary["energy"]["profiles"]["neuromorphic"]["constants"]["synop"]["value"] == 23.6
    # The quantum branch's classical layers: a dressed reduction 64 pixels -> 3 qubits, a head from
    # <Z> x 3 and <ZZ> x 3 to 10 classes.
    r = q["resources_per_sample"]
    assert r["classical_macs"] == 64 * 3 + 6 * 10 and r["classical_parameters"] == 64 * 3 + 3 + 6 * 10 + 10
    cmos = load_profile("cmos45", "cmos")
    c = q["classical_energy"]["classical_int8_on_cmos45"]
    assert c["low_nJ"] == pytest.approx(252 * (cmos["int8_mult"] + cmos["int8_add"]) / 1e3)
    assert c["high_nJ"] == pytest.approx(c["low_nJ"] + 252 * cmos["sram_8kb"] * 8 / 64 / 1e3)
    assert 0 < summary["latency"]["per_inference_us"]["low"] < summary["latency"]["per_inference_us"]["high"]
    out = " ".join(" ".join(printed).split())  # the prose wrapped to 100 columns, joined again
    assert "| layer |" in out and "SNN on Intel Loihi" in out and "QPU time on Google Sycamore" in out
    assert "classical layers 252 MACs" in out and "latency per inference on Intel Loihi" in out
    assert re.search(r"\| ParameterCount \| [\d,]+ \|", out) and re.search(r"\| ActivationSparsity \| 0\.\d{4} \|", out)
    assert "quantum branch's classical layers, int8 MACs" in (tmp_path / "plots" / "energy.csv").read_text()
    total = summary["hybrid_total_per_inference"]  # the SNN on the chip + the branch's classical layers, no QPU
    snn = summary["energy"]["per_inference"]["snn_on_loihi"]
    fp32 = q["classical_energy"]["classical_fp32_on_cmos45"]
    assert (total["low_nJ"], total["high_nJ"]) == pytest.approx((snn["low_nJ"] + c["low_nJ"], snn["high_nJ"] + fp32["high_nJ"]))
    assert total["excludes"][0].startswith("the QPU's energy: no cited figure") and total["qpu_time"]["seconds"] > 0
    assert "whole hybrid per inference" in out and "not included: the QPU's energy" in out
    # rasters of chosen samples, one row each; a sample the deployment did not run is one line
    assert main(["--quiet", "analyze", str(report), "--plots", str(tmp_path / "more"), "--raster-samples", "1", "4"]) == 0
    import matplotlib.image

    assert matplotlib.image.imread(tmp_path / "more" / "raster.png").shape[0] > 1.8 * matplotlib.image.imread(
        tmp_path / "plots" / "raster.png").shape[0]  # two rows of panels against one
    capsys.readouterr()
    assert main(["analyze", str(report), "--plots", str(tmp_path / "more"), "--raster-samples", "5"]) == 2
    assert "--raster-samples [5]: " in capsys.readouterr().err


def test_analyze_refuses_other_json(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    assert main(["analyze", str(tmp_path / "x.json"), "--plots", str(tmp_path)]) == 2


def test_spread_over_samples_and_the_whole_hybrid_by_hand(tmp_path):
    """Two samples that cost differently: the spread is theirs, its mean the per-inference figure;
    the hybrid total of an SNN-only net is its chip energy and names what it leaves out."""
    net = _netx(tmp_path / "d.h5", [("dense", [2], [[64, 0, 64], [0, 64, 0]], {}),
                                    ("dense", [2], [[64, 64], [0, 0]], {})])
    quiet = np.zeros((3, 4), dtype=int)
    busy = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 0]])
    s = _analyze(tmp_path, net, np.stack([busy, quiet]))
    spread = s["spread_over_samples"]["per_inference"]
    assert (spread["spikes"]["p5"], spread["spikes"]["p95"]) == pytest.approx((0.35, 6.65))  # 0 and 7 spikes
    assert spread["synops"]["mean"] == pytest.approx(4.5) and spread["synops"]["std"] == pytest.approx(4.5)
    mean_energy = s["energy"]["per_inference"]["snn_on_loihi"]
    assert spread["snn_on_loihi_low_nJ"]["mean"] == pytest.approx(mean_energy["low_nJ"])
    assert spread["snn_on_loihi_high_nJ"]["mean"] == pytest.approx(mean_energy["high_nJ"])
    total = s["hybrid_total_per_inference"]
    assert (total["low_nJ"], total["high_nJ"]) == pytest.approx((mean_energy["low_nJ"], mean_energy["high_nJ"]))
    assert total["qpu_time"] is None and "fusion" in total["excludes"][0]


def test_tables_without_pandas_name_the_extra(monkeypatch):
    """pandas is an extra: without it the API's tables are one line naming how to get them."""
    import sys

    from ppf_neuro.analysis.frames import tables
    from ppf_neuro.errors import PPFError

    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(PPFError, match=r"ppf-neuro\[notebook\]"):
        tables({"energy": {"per_inference": {}}})
