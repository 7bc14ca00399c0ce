"""Inputs as lava-dl feeds its own networks (issue 18): graded payloads into input neurons, and each
sample's values as the input neurons' bias. On nets written by lava-dl's own export_hdf5 from
slayer.block.cuba.Input/Conv/Flatten/Dense, the reference computes what SLAYER computes, neuron by
neuron and step by step, and Lava equals the reference in every Lava mode (netx's own network,
replicas, shards)."""

import numpy as np
import pytest
import torch
from test_netx_files import _neuron

from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.deployment.backends.lava import LavaMode
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.cli import main
from ppf_neuro.formats.netx import load_netx_file
from ppf_neuro.lava_dl import export_blocks as _export
from ppf_neuro.lava_dl import slayer

pytestmark = pytest.mark.lava

STEPS = 10


def _blocks(kind: str, current_decay: float):
    cuba = slayer.block.cuba
    # the bias feeding sets the values as they are (lava-dl's tests do so): SLAYER computes the same
    # where its input transform is the identity
    inp = cuba.Input(dict(_neuron(), current_decay=current_decay, threshold=1.25),
                     weight=1.0 if current_decay == 1 else 1.5, bias=0.0, delay_shift=False)
    if kind == "dense":
        return [inp, cuba.Dense(_neuron(), 48, 24, weight_scale=6, delay_shift=False),
                cuba.Dense(_neuron(), 24, 10, weight_scale=6, delay_shift=False)]
    return [inp, cuba.Conv(_neuron(), 1, 4, 3, padding=1, weight_scale=6, delay_shift=False),
            cuba.Conv(_neuron(), 4, 4, 3, stride=2, padding=1, weight_scale=6, delay_shift=False), cuba.Flatten(),
            cuba.Dense(_neuron(), 4 * 4 * 4, 10, weight_scale=6, delay_shift=False)]


def _values(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """Even integers in [0, 254]: SLAYER's 8-bit input quantisation (step 1/32) times 64; a
    gradient along W so that a transposed image gives other counts."""
    shape = (n, 48) if kind == "dense" else (n, 1, 8, 8)
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.2, 1.0, shape[-1])
    return (2 * np.round(rng.random(shape) * ramp * 127)).astype(np.int64)


@pytest.fixture(scope="module")
def nets(tmp_path_factory):
    """lava-dl exports: input neurons whose current decays (0.2, input weight 1.5), and whose current
    is the step's input (current_decay 1, weight 1), where a constant bias and a constant input
    current are the same."""
    torch.manual_seed(1)
    tmp = tmp_path_factory.mktemp("input_modes")
    out = {}
    for kind in ("dense", "conv"):
        for decay in (0.2, 1.0):
            blocks = _blocks(kind, decay)
            x = torch.from_numpy(_values(kind, 2)).float()[..., None].expand(*_values(kind, 2).shape, STEPS) / 64
            out[kind, decay] = (_export(blocks, x, tmp / f"{kind}_{decay}.h5"), blocks)
    return out


def _slayer(blocks, values: np.ndarray) -> list[np.ndarray]:
    """Every block's output spikes (N, neurons, T) for the values held over STEPS (SLAYER's float input
    is the payload / 64)."""
    x = torch.from_numpy(values).float()[..., None].expand(*values.shape, STEPS) / 64
    out = []
    with torch.no_grad():
        for block in blocks:
            x = block(x)
            if not isinstance(block, slayer.block.cuba.Flatten):
                out.append(x.reshape(len(x), -1, STEPS).numpy().astype(np.int8))
    return out


@pytest.mark.parametrize("kind", ["dense", "conv"])
@pytest.mark.parametrize("mode,decay", [("graded", 0.2), ("graded", 1.0), ("bias", 1.0)])
def test_reference_equals_slayer_spike_for_spike(nets, kind, mode, decay):
    path, blocks = nets[kind, decay]
    values = _values(kind, 12, seed=3)
    held = np.broadcast_to(values[..., None], (*values.shape, STEPS))
    reference, _ = FixedPointSNN(load_netx_file(path), mode).run(np.ascontiguousarray(held))
    expected = _slayer(blocks, values)
    for layer, (ref, sl) in enumerate(zip(reference, expected)):
        assert np.array_equal(ref, sl), f"layer {layer}: {int((ref != sl).sum())} spikes differ from SLAYER's"
    counts = [r.sum(-1) for r in reference]
    assert all(c.sum() > 0 for c in counts), "every layer must spike"
    assert len({c.tobytes() for c in counts[-1]}) > 1, "the output must depend on the input"


def test_bias_is_not_the_input_current_when_the_current_decays(nets):
    """With a decaying current, SLAYER's input current and lava-dl's bias feeding differ: the modes
    are not wired to the same thing."""
    path, blocks = nets["dense", 0.2]
    values = _values("dense", 12, seed=3)
    held = np.ascontiguousarray(np.broadcast_to(values[..., None], (*values.shape, STEPS)))
    net = load_netx_file(path)
    graded, _ = FixedPointSNN(net, "graded").run(held)
    bias, _ = FixedPointSNN(net, "bias").run(held)
    assert not np.array_equal(graded[0], bias[0])


#: Each input mode on netx's network and on replicas (each builds its own inputs); shards in one mode only:
#: a shard is a run of one of those on part of the samples, whatever the mode.
PATHS = {"netx": dict(lava={"replicas": 1}), "replicas": dict(lava={"replicas": 3}),
         "shards": dict(lava={"replicas": 2}, workers=2)}
MODES = [("graded", 0.2), ("bias", 0.2), ("bias", 1.0)]


@pytest.mark.parametrize("path_name,mode,decay", [(p, *m) for p in ("netx", "replicas") for m in MODES]
                         + [("shards", "bias", 0.2)])
def test_lava_equals_the_reference_in_every_mode(nets, tmp_path, path_name, mode, decay):
    """Bias inputs reach Lava by Var.set where the current decays (0.2), as the input current where
    it decays fully (1.0); the reference computes a bias either way."""
    path, _ = nets["conv", decay]
    values = _values("conv", 7, seed=5)
    np.save(tmp_path / "x.npy", values.transpose(0, 3, 2, 1))  # lava-dl's own (N, W, H, C) order
    targets = np.random.default_rng(1).normal(size=(7, 10))
    np.save(tmp_path / "y.npy", targets)
    lava = dict(PATHS[path_name])  # with the output voltage read at every step, and every raster saved
    options = DeployOptions(progress=False, lava=LavaMode(input_as=mode, readout="voltage", keep_rasters=True,
                                                          **lava.pop("lava")), save_spikes=tmp_path / "r.npz", **lava)
    report = deploy(DeployRequest(path, None, options, inputs=tmp_path / "x.npy", labels=tmp_path / "y.npy",
                                  encoding={"steps": STEPS}, layout="whc")).to_dict()
    agree = report["lava"]["spike_agreement"]
    assert agree["samples_with_identical_counts_in_every_layer"] == 1.0, agree
    assert report["outputs"]["output"]["max_abs_diff"] == 0 and report["divergence"] is None
    assert report["readout"]["max_abs_state_diff"] == 0 and "regression" in report["readout"]
    held = np.ascontiguousarray(np.broadcast_to(values[..., None], (*values.shape, STEPS)))
    net = load_netx_file(path)
    reference, traces = FixedPointSNN(net, mode).run(held, trace=len(net.layers) - 1)
    assert report["lava"]["layer_spikes_per_sample"] == [[int(r[i].sum()) for r in reference] for i in range(7)]
    assert report["options"]["lava"]["input_as"] == mode
    delivery = report["lava"]["setup"].get("inputs") or ""
    assert ("Var.set" in delivery) == (mode == "bias" and decay < 1)
    assert ("current decays fully" in delivery) == (mode == "bias" and decay == 1)
    with np.load(tmp_path / "r.npz") as saved:  # every step of every layer, and the output voltage
        for layer, ref in zip(net.layers, reference):
            np.testing.assert_array_equal(saved[f"layer{layer.index}"], ref, err_msg=f"layer {layer.index}")
        np.testing.assert_array_equal(saved[f"v{net.layers[-1].index}"], traces["v"])
        assert (traces["v"] != 0).any()
    scores = traces["v"].mean(-1) / 4096
    assert report["readout"]["regression"]["deployed"]["mse"] == pytest.approx(((scores - targets) ** 2).mean())


def test_command_line_graded_inputs_with_a_time_axis(nets, tmp_path, capsys):
    path, _ = nets["dense", 1.0]
    values = np.repeat(_values("dense", 5)[..., None], STEPS, -1)
    values[..., STEPS // 2:] = 0  # the input switches off half way: a time axis, not held
    np.save(tmp_path / "x.npy", values.astype(np.float32))  # whole-number floats are accepted
    assert main(["--quiet", "deploy", str(path), "--inputs", str(tmp_path / "x.npy"), "--input-as", "graded",
                 "--report", str(tmp_path / "r.json")]) == 0
    import json

    report = json.loads((tmp_path / "r.json").read_text())
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    np.save(tmp_path / "half.npy", np.full((2, 48, STEPS), 0.5, np.float32))
    assert main(["--quiet", "deploy", str(path), "--inputs", str(tmp_path / "half.npy"), "--input-as", "graded"]) == 2
    assert "integers with 6 fractional bits (64 = 1.0" in capsys.readouterr().err


def test_voltage_readout_is_monitors_v_at_every_lava_step(nets, tmp_path):
    """``--readout voltage --record lava``: the output layer's ``v`` at every Lava step of the run equals
    what Lava's own ``Monitor`` reads of netx's network (both read after the step's spike and reset),
    every layer's spikes what RingBuffer sinks record, the steps before each window included."""
    from netx_recording import netx_recording

    path, _ = nets["conv", 0.2]
    net = load_netx_file(path)
    values = _values("conv", 3, seed=6)
    held = np.ascontiguousarray(np.broadcast_to(values[..., None], (*values.shape, STEPS)))
    np.save(tmp_path / "x.npy", held)
    assert main(["--quiet", "deploy", str(path), "--inputs", str(tmp_path / "x.npy"), "--input-as", "graded",
                 "--readout", "voltage", "--record", "lava", "--save-spikes", str(tmp_path / "r.npz")]) == 0
    spikes, v = netx_recording(net, held, "graded", voltage=True)
    _, traces = FixedPointSNN(net, "graded").run(held, trace=len(net.layers) - 1)
    last = net.layers[-1]
    with np.load(tmp_path / "r.npz") as saved:
        for layer, theirs in zip(net.layers, spikes):
            np.testing.assert_array_equal(saved[f"layer{layer.index}"], theirs, err_msg=f"layer {layer.index}")
        ours = saved[f"v{last.index}"]
    np.testing.assert_array_equal(ours, v)
    start = len(net.layers)  # the output layer's window starts at Lava step 1 + its position
    cut = ours[start - 1: start - 1 + 3 * STEPS].reshape(3, STEPS, -1).transpose(0, 2, 1)
    np.testing.assert_array_equal(cut, traces["v"])
    assert (ours != 0).any() and sum(int(s.sum()) for s in spikes) > 0
