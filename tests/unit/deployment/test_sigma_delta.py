"""Sigma-delta networks (issue 18) as lava-dl writes them (slayer.block.sigma_delta Input, Conv,
Flatten, Dense, Output): the integer reference computes SLAYER's payloads exactly, Lava (netx's
Delta/SigmaDelta/Sigma processes) equals the reference payload for payload at every step, samples
run as one free stream, and what cannot be run so is refused."""

import json

import h5py
import numpy as np
import pytest
import torch

from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import load_netx_file
from ppf_neuro.lava_dl import export_blocks as _export
from ppf_neuro.lava_dl import slayer
from locations import ROOT, SHARED

pytestmark = pytest.mark.lava

STEPS, N = 8, 6
SHAPE = (3, 12, 16)


def _params(norm: bool = False):
    """SLAYER's sigma-delta neuron; with ``norm`` a mean-only batch norm, whose mean lava-dl exports as
    the neurons' bias (how PilotNet SDNN's conv and dense layers get theirs)."""
    params = dict(threshold=0.05, tau_grad=0.5, scale_grad=1, requires_grad=False, shared_param=True,
                  activation=torch.nn.functional.relu)
    return {**params, "norm": slayer.neuron.norm.MeanOnlyBatchNorm} if norm else params


@pytest.fixture(scope="module")
def sdnn(tmp_path_factory):
    """A small PilotNet-like SDNN: graded input, two strided convolutions, a dense layer and a Sigma
    (regression) output of 2 values; biases on the convolutions and the dense layer (batch-norm means
    learnt in a few training-mode passes, as lava-dl's PilotNet SDNN has them)."""
    torch.manual_seed(2)
    sd = slayer.block.sigma_delta
    blocks = [sd.Input(_params()), sd.Conv(_params(True), 3, 4, 3, padding=1, stride=2, weight_scale=2),
              sd.Conv(_params(True), 4, 6, 3, stride=2, weight_scale=2), sd.Flatten(),
              sd.Dense(_params(True), 6 * 2 * 3, 8, weight_scale=2), sd.Output(_params(), 8, 2, weight_scale=2)]
    x = torch.from_numpy(_frames(4, seed=5)).float() / 64
    torch.nn.Sequential(*blocks).train()
    with torch.no_grad():
        for _ in range(20):
            torch.nn.Sequential(*blocks)(x)
    torch.nn.Sequential(*blocks).eval()
    path = _export(blocks, x, tmp_path_factory.mktemp("sdnn") / "sdnn.h5")
    return path, blocks


def _frames(n, seed=0):
    """Even integers (SLAYER's 8-bit input grid times 64), changing from step to step like video."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 100, (n, *SHAPE, 1))
    drift = rng.integers(-8, 9, (n, *SHAPE, STEPS)).cumsum(-1)
    return (2 * np.clip(base + drift, 0, 127)).astype(np.int64)


def _slayer_stream(blocks, values, delayed: bool = True):
    """SLAYER's outputs of every block with neurons for the samples as one stream, (N, neurons, T) each,
    in Lava's timing (``delayed``): every synapse delays by one step and every layer runs from Lava's
    first step, so block i's window starts i steps after the input's; without, all blocks in step."""
    n = len(values)
    lead = len([b for b in blocks if not isinstance(b, slayer.block.sigma_delta.Flatten)]) - 1 if delayed else 0
    x = torch.from_numpy(values).float().movedim(0, -2).reshape(1, *SHAPE, n * STEPS) / 64
    x = torch.nn.functional.pad(x, (0, lead))
    out = []
    with torch.no_grad():
        for block in blocks:
            if isinstance(block, slayer.block.sigma_delta.Flatten):
                x = block(x)
                continue
            if out and delayed:
                x = torch.nn.functional.pad(x, (1, 0))[..., :-1]
            x = block(x)
            first = len(out) if delayed else 0
            out.append(x.reshape(-1, x.shape[-1])[:, first: first + n * STEPS].reshape(-1, n, STEPS)
                       .permute(1, 0, 2).numpy())
    return out


def test_reference_equals_slayer_payload_for_payload(sdnn):
    path, blocks = sdnn
    net = load_netx_file(path)
    assert [layer.neuron.type for layer in net.layers] == ["SDNN"] * 5 and net.layers[-1].neuron.sigma_output
    assert [layer.bias is not None for layer in net.layers] == [False, True, True, True, False]
    values = _frames(N, seed=1)
    reference, _ = FixedPointSNN(net, "graded").run(values)
    for i, (ref, theirs) in enumerate(zip(reference, _slayer_stream(blocks, values))):
        unit = net.layers[i].neuron.output_unit("graded")
        assert np.array_equal(ref / unit, theirs), f"layer {i}: max |diff| {np.abs(ref / unit - theirs).max()}"
        assert (ref != 0).any(), f"layer {i} sends nothing"
    assert len({r.tobytes() for r in reference[-1]}) == N, "every sample must give its own output"
    # The biases' wave ahead of the inputs matters: SLAYER with every block in step computes otherwise.
    in_step = _slayer_stream(blocks, values, delayed=False)
    assert any(not np.array_equal(ref / layer.neuron.output_unit("graded"), theirs)
               for ref, theirs, layer in zip(reference, in_step, net.layers))


def test_samples_are_one_stream(sdnn):
    """No resets: a sample's payloads depend on the sample before it (netx ignores resets)."""
    net = load_netx_file(sdnn[0])
    values = _frames(N, seed=1)
    forward, _ = FixedPointSNN(net, "graded").run(values)
    backward, _ = FixedPointSNN(net, "graded").run(values[::-1].copy())
    assert not np.array_equal(forward[-1][1], backward[-1][N - 2]), "sample 1 after sample 0 or after sample 2"
    chunked = FixedPointSNN(net, "graded").counts_and_states(values, "graded", batch_size=4)[2]
    assert np.array_equal(chunked, forward[-1]), "the state must carry over from chunk to chunk"


def test_lava_equals_the_reference_at_every_step(sdnn, tmp_path, capsys):
    path, _ = sdnn
    values = _frames(N, seed=1)
    np.save(tmp_path / "x.npy", values)
    targets = np.random.default_rng(0).normal(size=(N, 2))
    np.save(tmp_path / "y.npy", targets)
    assert main(["--quiet", "deploy", str(path), "--inputs", str(tmp_path / "x.npy"), "--input-as", "graded",
                 "--readout", "graded", "--labels", str(tmp_path / "y.npy"), "--save-spikes",
                 str(tmp_path / "r.npz"), "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    assert report["readout"]["max_abs_state_diff"] == 0 and report["readout"]["shape"] == [N, 2, STEPS]
    assert set(report["readout"]["regression"]["deployed"]) == {"mse", "r2"}
    assert "free-running" in report["network"]["dynamics"]
    assert "SigmaDelta" in report["lava"]["setup"]["neuron"] and report["lava"]["setup"]["replicas"] == 1
    assert report["input_dependence"]["warnings"] == []
    assert [layer["graded_inputs"] for layer in report["activity"]["layers"]] == [True] * 5  # MACs, not ACs
    # One numbering everywhere: the file's indices (3 is the flatten), as the npz entries below.
    for section in (report["lava"]["spike_agreement"]["layers"], report["activity"]["layers"]):
        assert [layer["layer"] for layer in section] == [0, 1, 2, 4, 5]
    net = load_netx_file(path)
    reference, _ = FixedPointSNN(net, "graded").run(values)
    with np.load(tmp_path / "r.npz") as saved:
        names = [f"layer{layer.index}" for layer in net.layers]  # the file's indices: 3 is the flatten
        assert sorted(saved.files) == names == ["layer0", "layer1", "layer2", "layer4", "layer5"]
        for name, ref in zip(names, reference):
            assert saved[name].dtype == np.int32 and np.array_equal(saved[name], ref), name
    scores = reference[-1].mean(-1) / (1 << 18)
    assert report["readout"]["regression"]["reference"]["mse"] == pytest.approx(((scores - targets) ** 2).mean())
    # analyze shows a regression net's error, not "accuracy -"
    assert main(["analyze", str(tmp_path / "r.json"), "--plots", str(tmp_path / "plots")]) == 0
    assert f"MSE {report['readout']['regression']['deployed']['mse']:.4g}" in capsys.readouterr().out
    summary = json.loads((tmp_path / "plots" / "summary.json").read_text())[0]
    assert summary["regression"] == report["readout"]["regression"]["deployed"]


@pytest.mark.parametrize("argv,message", [
    (["--replicas", "4"], "its samples are one stream, which replicas and shards would cut"),
    (["--workers", "2"], "its samples are one stream, which replicas and shards would cut"),
    (["--input-as", "spikes"], "takes graded inputs into its Delta input layer"),
    (["--readout", "voltage"], "--readout voltage reads LIF voltages"),
])
def test_what_a_free_stream_cannot_do_is_refused(sdnn, tmp_path, capsys, argv, message):
    np.save(tmp_path / "x.npy", _frames(2))
    args = ["--input-as", "graded", *argv] if "--input-as" not in argv else argv
    assert main(["--quiet", "deploy", str(sdnn[0]), "--inputs", str(tmp_path / "x.npy"), *args]) == 2
    assert message in capsys.readouterr().err


def test_files_netx_would_misread_are_refused(sdnn, tmp_path):
    def edited(name, edit):
        path = tmp_path / name
        path.write_bytes(sdnn[0].read_bytes())
        with h5py.File(path, "a") as f:
            edit(f)
        return path

    def tanh(f):
        del f["layer/1/neuron/activation"]
        f["layer/1/neuron/activation"] = b"tanh"

    with pytest.raises(PPFError, match="netx builds ReLU sigma-delta neurons"):
        load_netx_file(edited("tanh.h5", tanh))

    def cuba(f):
        del f["layer/2/neuron/type"]
        f["layer/2/neuron/type"] = b"CUBA"
        for key, value in (("iDecay", 0), ("vDecay", 0)):
            f[f"layer/2/neuron/{key}"] = value

    with pytest.raises(PPFError, match="mixes spiking"):
        load_netx_file(edited("mixed.h5", cuba))


def test_the_lava_dl_example_runs_and_agrees(tmp_path):
    """examples/lava_dl_nets.py, small, run as ``python`` runs it: every run equals the reference and SLAYER at
    every step."""
    import cli_runner

    example = ROOT / "examples" / "lava_dl_nets.py"
    done = cli_runner.python([example, "--out", tmp_path, "--samples", "4", "--steps", "6"])
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "comparison.json").read_text())
    assert sorted(results) == ["lif-bias", "lif-graded", "sdnn-graded"]
    for name, r in results.items():
        assert r["lava_vs_reference"] == {"identical_counts_every_layer": 1.0, "max_abs_state_diff": 0}, name
        assert all(layer["identical_to_slayer"] == 1.0 for layer in r["lava_vs_slayer"]), name
        assert any(layer["nonzero_share"] > 0.1 for layer in r["lava_vs_slayer"]), name
    assert (tmp_path / "outputs.png").stat().st_size > 0


PILOTNET = SHARED / "lava-dl-nets" / "pilotnet_sdnn.net"


@pytest.mark.skipif(not PILOTNET.is_file(), reason="shared lava-dl-nets/pilotnet_sdnn.net not present")
def test_lava_dl_pilotnet_sdnn_equals_the_reference_at_every_step(tmp_path):
    """lava-dl's published PilotNet SDNN (synaptic biases on its conv and dense layers, vThMant 0 on
    some, a Sigma output, strided 3x3 convolutions with uneven padding): every payload of every layer
    on Lava equals the reference's, frames of 100x33x3 (W, H, C) graded values; recorded in Lava time,
    its output's first steps (the biases' wave, before any input arrives) are those of Intel's own
    recording of the net (lava-dl's netx test data: 0, -3840, 4880, 361928)."""
    rng = np.random.default_rng(3)
    frames = (rng.integers(0, 200, (3, 100, 33, 3, 1)) + rng.integers(-6, 7, (3, 100, 33, 3, 5)).cumsum(-1))
    np.save(tmp_path / "x.npy", np.clip(frames, 0, 255))
    assert main(["--quiet", "deploy", str(PILOTNET), "--inputs", str(tmp_path / "x.npy"), "--input-as", "graded",
                 "--layout", "whc", "--readout", "graded", "--record", "lava", "--save-spikes",
                 str(tmp_path / "r.npz"), "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["readout"]["max_abs_state_diff"] == 0
    net = load_netx_file(PILOTNET)
    whc = np.load(tmp_path / "x.npy")
    reference, _ = FixedPointSNN(net, "graded").run(whc.transpose(0, 3, 2, 1, 4))
    starts = report["activity"]["rasters"]["window_start_lava_step"]
    with np.load(tmp_path / "r.npz") as saved:
        for layer, ref in zip(net.layers, reference):
            series, start = saved[f"layer{layer.index}"], starts[f"layer{layer.index}"] - 1
            cut = series[start: start + 3 * 5].reshape(3, 5, -1).transpose(0, 2, 1)
            assert np.array_equal(cut, ref), layer.index
        assert saved["layer9"][:4, 0].tolist() == [0, -3840, 4880, 361928]
    assert len({r.tobytes() for r in reference[-1]}) == 3 and (reference[3] != 0).any()


def test_lava_time_recording_equals_netx_ringbuffers_from_the_first_step(sdnn, tmp_path):
    """``--record lava``: every Lava step of every layer, unaligned, equal to what RingBuffer sinks on
    netx's own network record, including the steps before the inputs reach a layer (where the biases'
    wave already travels); the windows cut from it are the reference's."""
    from netx_recording import netx_recording

    path, _ = sdnn
    net = load_netx_file(path)
    values = _frames(N, seed=4)
    np.save(tmp_path / "x.npy", values)
    assert main(["--quiet", "deploy", str(path), "--inputs", str(tmp_path / "x.npy"), "--input-as", "graded",
                 "--readout", "graded", "--record", "lava", "--save-spikes", str(tmp_path / "r.npz"),
                 "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["readout"]["max_abs_state_diff"] == 0
    rasters = report["activity"]["rasters"]
    assert rasters["time"] == "lava" and rasters["window_start_lava_step"] == {
        "layer0": 1, "layer1": 2, "layer2": 3, "layer4": 4, "layer5": 5}
    theirs, _ = netx_recording(net, values, "graded")
    reference, _ = FixedPointSNN(net, "graded").run(values)
    total = N * STEPS + len(net.layers) + 1
    with np.load(tmp_path / "r.npz") as saved:
        for i, (layer, recorded, ref) in enumerate(zip(net.layers, theirs, reference)):
            ours = saved[f"layer{layer.index}"]
            assert ours.shape == recorded.shape == (total, layer.neurons)
            np.testing.assert_array_equal(ours, recorded, err_msg=f"layer {layer.index}")
            start = rasters["window_start_lava_step"][f"layer{layer.index}"] - 1
            cut = ours[start: start + N * STEPS].reshape(N, STEPS, -1).transpose(0, 2, 1)
            np.testing.assert_array_equal(cut, ref, err_msg=f"layer {layer.index} windows")
        # the biases act before the inputs arrive: layer 2 sends at Lava step 1 and 2 already
        assert (saved["layer2"][: rasters["window_start_lava_step"]["layer2"] - 1] != 0).any()


def test_lava_time_recording_runs_one_network(sdnn, tmp_path, capsys):
    np.save(tmp_path / "x.npy", _frames(2))
    base = ["--quiet", "deploy", str(sdnn[0]), "--inputs", str(tmp_path / "x.npy"), "--input-as", "graded",
            "--record", "lava"]
    assert main(base) == 2
    assert "give --save-spikes" in capsys.readouterr().err
