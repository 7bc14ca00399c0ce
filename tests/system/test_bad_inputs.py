"""Every bad input a user can hand the CLI: exit status 2, one line naming the problem, no traceback.

``PPF_WRITE_BAD_INPUTS=1 python -m pytest tests/system/test_bad_inputs.py`` also writes the table of
inputs and messages to docs/bad-inputs.md (the README links it).
"""

import json
import os
import struct
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from conftest import edited_copy, write_idx, write_idx_dataset

from ppf_neuro.cli import main
from ppf_neuro.training.run_dir import save_run
from locations import DATA, ROOT

DOC = ROOT / "docs" / "bad-inputs.md"
RESULTS: list[tuple[str, str, str, str]] = []


def _dataset(tmp, mutate):
    d = write_idx_dataset(tmp / "ds")
    mutate(d)
    return ["train", "--data", f"idx:{d}", "--epochs", "1"]


def _bundle(tmp, source, mutate, reseal=True):
    """A copy of a bundle, edited (see ``conftest.edited_copy``), deployed."""
    return ["deploy", str(edited_copy(source, tmp / "bad.h5", mutate, reseal)), "--samples", "2"]


def _netx(tmp, source, mutate):
    """A plain netx file (a bundle's /layer group alone), edited."""
    path = tmp / "net.h5"
    with h5py.File(source) as src, h5py.File(path, "w") as dst:
        src.copy("layer", dst)
        mutate(dst)
    return ["deploy", str(path), "--data", "digits", "--samples", "2"]


def _netx_conv(tmp, source):
    """The shared conv bundle's /layer group alone: a netx file with a (C, H, W) input."""
    return _netx(tmp, source, lambda f: None)


def _conv_delay(f) -> None:
    """One-step delays on the first conv layer of a netx file."""
    conv = next(k for k in sorted(f["layer"], key=int) if f[f"layer/{k}/type"][()][0] == b"conv")
    f[f"layer/{conv}"].create_dataset("delay", data=np.ones(4))


def _nir_pool(tmp) -> list[str]:
    import nir

    graph = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([1, 4, 4])}),
                                "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                                      padding=np.array([0, 0])),
                                "out": nir.Output(output_type={"output": np.array([1, 2, 2])})},
                         edges=[("in", "pool"), ("pool", "out")], type_check=False)
    nir.write(tmp / "g.nir", graph)
    return ["import-nir", str(tmp / "g.nir"), "-o", str(tmp / "g.h5")]


def _nir_short_tau(tmp) -> list[str]:
    """An LIF whose time constant is 1e-5 s, as Norse's to_nir writes 10 ms at dt = 1e-3 s."""
    import nir

    graph = nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([4])}),
                                "fc": nir.Affine(weight=np.ones((3, 4)), bias=np.zeros(3)),
                                "lif": nir.LIF(tau=np.full(3, 1e-5), r=np.ones(3), v_leak=np.zeros(3),
                                               v_threshold=np.ones(3)),
                                "out": nir.Output(output_type={"output": np.array([3])})},
                         edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")])
    nir.write(tmp / "norse.nir", graph)
    return ["import-nir", str(tmp / "norse.nir"), "-o", str(tmp / "n.h5")]


def _edited_profile(tmp, edit) -> list[str]:
    from ppf_neuro.analysis.profiles import load_profile

    data = load_profile("loihi", "neuromorphic").as_dict()
    edit(data["constants"])
    (tmp / "p.json").write_text(json.dumps(data))
    return ["analyze", str(tmp / "r.json"), "--profile", str(tmp / "p.json"), "--plots", str(tmp / "plots")]


def _npy(path: Path, array) -> str:
    np.save(path, array)
    return str(path)


def _h5_with_layer_dataset(path: Path) -> str:
    with h5py.File(path, "w") as f:
        f["layer"] = np.zeros(3)
    return str(path)


def _float_labels(directory: Path) -> None:
    """Training labels stored as IDX float32 (type 0x0D), one of them 6.5."""
    labels = np.r_[np.arange(19) % 3, 6.5].astype(">f4")
    (directory / "train-labels-idx1-ubyte").write_bytes(struct.pack(">HBBI", 0, 0x0D, 1, 20) + labels.tobytes())


def _raw_bundle(tmp, data: bytes):
    (tmp / "bad.h5").write_bytes(data)
    return ["deploy", str(tmp / "bad.h5")]


def _replace(f, name, value):
    del f[name]
    f[name] = value


def _copied_bundle(tmp, source, argv, link: bool = False):
    """A copy of a bundle at tmp/m.h5 (and, with ``link``, a hard link to it at tmp/link.json); then ``argv``."""
    (tmp / "m.h5").write_bytes(source.read_bytes())
    if link:
        os.link(tmp / "m.h5", tmp / "link.json")
    return argv


def _write_then(path: Path, text: str, argv: list[str]) -> list[str]:
    path.write_text(text)
    return argv


def _config_file(tmp, cfg):
    (tmp / "cfg.json").write_text(json.dumps(cfg))
    return ["train", "--config", str(tmp / "cfg.json")]


def _write_run_then(tmp, run, argv):
    save_run(tmp / "run", run)
    return argv


def _run_with_image_shape(tmp, run, shape):
    save_run(tmp / "run", run)
    meta = json.loads((tmp / "run" / "config.json").read_text())
    (tmp / "run" / "config.json").write_text(json.dumps({**meta, "image_shape": shape}))
    return ["export", str(tmp / "run"), "-o", str(tmp / "out.h5")]


def _pickled_run(tmp, run):
    save_run(tmp / "run", run)
    torch.save({"state_dict": {"x": object}}, tmp / "run" / "checkpoint.pt")
    return ["export", str(tmp / "run"), "-o", str(tmp / "out.h5")]


CASES = {
    # dataset files
    "dataset: images file truncated": ("dataset", lambda t, b: _dataset(t, lambda d: (d / "train-images-idx3-ubyte").write_bytes((d / "train-images-idx3-ubyte").read_bytes()[:-9]))),
    "dataset: empty images file": ("dataset", lambda t, b: _dataset(t, lambda d: (d / "train-images-idx3-ubyte").write_bytes(b""))),
    "dataset: wrong magic number": ("dataset", lambda t, b: _dataset(t, lambda d: (d / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04" + bytes(64)))),
    "dataset: header claims 4 TB": ("dataset", lambda t, b: _dataset(t, lambda d: (d / "train-images-idx3-ubyte").write_bytes(struct.pack(">HBB3I", 0, 8, 3, 4_000_000_000, 1000, 1000)))),
    "dataset: labels given as images": ("dataset", lambda t, b: _dataset(t, lambda d: write_idx(d / "train-images-idx3-ubyte", np.arange(20)))),
    "dataset: float labels": ("dataset", lambda t, b: _dataset(t, _float_labels)),
    "dataset: a plain and a .gz file that differ": ("dataset", lambda t, b: _dataset(t, lambda d: write_idx(d / "train-labels-idx1-ubyte", np.arange(20) % 2, gz=True))),
    "dataset: 20 images, 19 labels": ("dataset", lambda t, b: _dataset(t, lambda d: write_idx(d / "train-labels-idx1-ubyte", np.zeros(19)))),
    "dataset: one corrupt training label (255)": ("dataset", lambda t, b: _dataset(t, lambda d: write_idx(d / "train-labels-idx1-ubyte", np.r_[np.arange(19) % 3, 255]))),
    "dataset: test label outside the training classes": ("dataset", lambda t, b: _dataset(t, lambda d: write_idx(d / "t10k-labels-idx1-ubyte", np.full(10, 9)))),
    "dataset: a file of the layout missing": ("dataset", lambda t, b: _dataset(t, lambda d: (d / "t10k-labels-idx1-ubyte").unlink())),
    "dataset: directory does not exist": ("dataset", lambda t, b: ["train", "--data", f"idx:{t}/nowhere"]),
    "dataset: unknown spec": ("dataset", lambda t, b: ["train", "--data", "mnist"]),
    # bundles
    "bundle: not HDF5": ("bundle", lambda t, b: _raw_bundle(t, b"just some text")),
    "bundle: truncated": ("bundle", lambda t, b: _raw_bundle(t, b["ppf"].read_bytes()[:5000])),
    "bundle: HDF5, neither a bundle nor a netx network": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: (f.__delitem__("ppf_neuro"), f.__delitem__("layer")))),
    "bundle: format version from the future": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f["ppf_neuro"].attrs.__setitem__("format_version", 99))),
    "bundle: model kind edited, the config says another": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f["ppf_neuro"].attrs.__setitem__("model", "serial"))),
    "bundle: state group missing": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f.__delitem__("ppf_neuro/state"))),
    "bundle: a weight tensor missing": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f.__delitem__("ppf_neuro/state/qnn.head.weight"))),
    "bundle: weight of the wrong dtype": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: _replace(f, "ppf_neuro/state/qnn.head.bias", np.array([b"x"] * 10)))),
    "bundle: quantum weights do not match the circuit": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: _replace(f, "ppf_neuro/state/qnn.weights", np.zeros((7, 3, 3), np.float32)))),
    "bundle: config metadata corrupt": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f["ppf_neuro"].attrs.__setitem__("config", "{not json"))),
    "bundle: a weight changed after export": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f["ppf_neuro/state/qnn.head.weight"].__setitem__((0, 0), 9.0), reseal=False)),
    "bundle: checksum attribute missing": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f["ppf_neuro"].attrs.__delitem__("sha256"), reseal=False)),
    "bundle: netx layer the simulator cannot build": ("bundle", lambda t, b: _bundle(t, b["ppf"], lambda f: f.__delitem__("layer/0/weight"))),
    "bundle: a git-lfs pointer": ("bundle", lambda t, b: _raw_bundle(t, b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n")),
    "bundle: a directory, not a file": ("bundle", lambda t, b: ["deploy", str(t)]),
    "bundle: deployed with a netx encoder": ("bundle", lambda t, b: ["deploy", str(b["ppf"]), "--encoding", "rate"]),
    "bundle: SNN input size does not match the data": ("bundle", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{write_idx_dataset(t / 'ds', size=6)}"]),
    "bundle: file does not exist": ("bundle", lambda t, b: ["deploy", str(t / "none.h5")]),
    # plain netx files and recorded spikes
    "netx: tSample not a whole number": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: f.create_dataset("simulation/tSample", data=16.5))),
    "netx: fractional weights": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/1/weight", f["layer/1/weight"][()] + 0.5))),
    "netx: a negative threshold": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/1/neuron/vThMant", -80))),
    "netx: a zero threshold on LIF neurons": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/1/neuron/vThMant", 0))),
    "netx: a threshold beyond Loihi's 17 bits": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/0/neuron/vThMant", np.array([2 ** 40])))),
    "netx: per-neuron decays that differ": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/0/neuron/iDecay", np.arange(32) * 8))),
    "netx: a bias beyond Lava's 13-bit bias_mant": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: f["layer/0"].create_dataset("bias", data=np.full(32, 9000.0)))),
    "netx: weights beyond netx's 8 bits": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/0/weight", f["layer/0/weight"][()] * 0 + np.arange(64) % 7 * 100 - 300))),
    "train: a billion epochs": ("flag", lambda t, b: ["train", "--data", "digits", "--epochs", "1000000000", "-o", str(t / "run")]),
    "netx: a current decay above 4096": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/1/neuron/iDecay", 5000))),
    "netx: a negative voltage decay": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/1/neuron/vDecay", -1))),
    "netx: NaN in --inputs": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--inputs", _npy(t / "s.npy", np.full((3, 64, 4), np.nan, np.float32))]),
    "netx: a pooling layer": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: (f["layer/1"].__delitem__("type"), f["layer/1"].create_dataset("type", (1,), "S10", [b"pool"])))),
    "netx: a dense_comp layer (netx's own type)": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: (f["layer/1"].__delitem__("type"), f["layer/1"].create_dataset("type", (1,), "S10", [b"dense_comp"])))),
    "netx: resonate-and-fire neurons without their decays": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: (f["layer/0/neuron"].__delitem__("type"), f["layer/0/neuron"].create_dataset("type", data=b"RF")))),
    "netx: --readout graded of spiking neurons": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--readout", "graded"]),
    "netx: float labels without a state readout": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--inputs", _npy(t / "s.npy", np.zeros((3, 64, 4), np.int8)), "--labels", _npy(t / "l.npy", np.zeros(3, np.float32))]),
    "flag: --save-spikes into a directory": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--save-spikes", str(t)]),
    "flag: --report and --save-spikes one file": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--report", str(t / "x.out"), "--save-spikes", str(t / "x.out")]),
    "flag: --save-spikes with --ray": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--save-spikes", str(t / "r.npz"), "--ray", "local"]),
    "netx: CUBA and SDNN layers mixed": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: (f["layer/0/neuron"].__delitem__("type"), f["layer/0/neuron"].create_dataset("type", data=b"SDNN")))),
    "netx: synaptic delays beyond netx's 62 steps": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: f["layer/0"].create_dataset("delay", data=np.full(32, 70)))),
    "netx: synaptic delays on a conv layer (netx drops them)": ("netx", lambda t, b: _netx(t, b["conv"], _conv_delay)),
    "netx: ALIF neurons (netx cannot build them)": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/0/neuron/type", np.array([b"ALIF"])))),
    "netx: no inputs given": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: None)[:2]),
    "netx: encoder value out of range": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--set", "encoding.blank=99"]),
    "netx: spikes of the wrong size": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--spikes", _npy(t / "s.npy", np.zeros((3, 10, 4), np.int8))]),
    "netx: spikes that are not 0/1": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--spikes", _npy(t / "s.npy", np.full((3, 64, 4), 2, np.int8))]),
    "netx: spikes with no samples": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--spikes", _npy(t / "s.npy", np.zeros((0, 64, 4), np.int8))]),
    "netx: labels beyond the output neurons": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--spikes", _npy(t / "s.npy", np.zeros((3, 64, 4), np.int8)), "--labels", _npy(t / "l.npy", np.array([0, 99, -1]))]),
    "netx: --labels with --data": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--labels", _npy(t / "l.npy", np.zeros(2, np.int64))]),
    "netx: an encoder for recorded spikes": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--spikes", _npy(t / "s.npy", np.zeros((3, 64, 4), np.int8)), "--encoding", "rate"]),
    "netx: --steps for inputs that have a time axis": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--inputs", _npy(t / "s.npy", np.zeros((3, 64, 4), np.int8)), "--steps", "8"]),
    "netx: held inputs without a step count": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--inputs", _npy(t / "s.npy", np.zeros((3, 64), np.int8))]),
    "netx: --input-as bias without input neurons": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--inputs", _npy(t / "s.npy", np.zeros((3, 64, 4), np.int8)), "--input-as", "bias"]),
    "netx: --input-as graded with images": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--input-as", "graded"]),
    "netx: graded inputs into a first synapse": ("netx", lambda t, b: [*_netx_conv(t, b["conv"])[:2], "--inputs", _npy(t / "s.npy", np.full((2, 1, 8, 8, 4), 32, np.int32)), "--input-as", "graded"]),
    "netx: NaN weights": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: _replace(f, "layer/0/weight", np.full(f["layer/0/weight"].shape, np.nan)))),
    "netx: '/layer' is a dataset": ("netx", lambda t, b: ["deploy", _h5_with_layer_dataset(t / "ds.h5")]),
    "netx: spikes in (W, H, C) order for a (C, H, W) network": ("netx", lambda t, b: [*_netx_conv(t, b["conv"])[:2], "--spikes", _npy(t / "s.npy", np.zeros((2, 8, 8, 1, 4), np.int8))]),
    "expect: fewer samples than deployed": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--expect", _npy(t / "e.npy", np.zeros((1, 10), np.int64))]),
    "expect: another number of outputs": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--expect", _npy(t / "e.npy", np.zeros((2, 3), np.int64))]),
    "expect: a 4-D array": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--expect", _npy(t / "e.npy", np.zeros((2, 10, 4, 1), np.int8))]),
    "expect: NaN scores": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--expect", _npy(t / "e.npy", np.full((2, 10), np.nan))]),
    "expect: --expect-min above 1": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--expect", _npy(t / "e.npy", np.zeros((2, 10), np.int64)), "--expect-min", "1.5"]),
    "netx: conv-first file without an input shape": ("netx", lambda t, b: ["deploy", str(DATA / "family_conv_first.net"), "--data", "digits"]),
    "netx: --input-shape for a file that states its own": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--input-shape", "1,8,8"]),
    "timing: delay-shift for a bundle": ("bundle", lambda t, b: ["deploy", str(b["ppf"]), "--samples", "2", "--timing", "delay-shift"]),
    "timing: delay-shift with windows no longer than the layers": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None), "--steps", "2", "--timing", "delay-shift"]),
    "netx: labels of another length": ("netx", lambda t, b: [*_netx(t, b["ppf"], lambda f: None)[:2], "--spikes", _npy(t / "s.npy", np.zeros((3, 64, 4), np.int8)), "--labels", _npy(t / "l.npy", np.zeros(2, np.int64))]),
    # NIR graphs and energy profiles
    "nir: a node netx cannot express": ("nir", lambda t, b: _nir_pool(t)),
    "nir: zero time steps": ("nir", lambda t, b: ["import-nir", str(t / "g.nir"), "-o", str(t / "g.h5"), "--steps", "0"]),
    "nir: time constants shorter than the time step (Norse's)": ("nir", lambda t, b: _nir_short_tau(t)),
    "nir: a time step of zero seconds": ("nir", lambda t, b: _nir_short_tau(t) + ["--dt", "0"]),
    "nir: not a NIR file": ("nir", lambda t, b: _write_then(t / "x.nir", "not hdf5", ["import-nir", str(t / "x.nir"), "-o", str(t / "x.h5")])),
    "profile: a constant without citation": ("profile", lambda t, b: _write_then(t / "r.json", '{"model": "snn", "outputs": {}}', _edited_profile(t, lambda c: c["neuron_update_active"].pop("citation")))),
    "profile: a NaN constant": ("profile", lambda t, b: _write_then(t / "r.json", '{"model": "snn", "outputs": {}}', _edited_profile(t, lambda c: c["synop"].update(value=float("nan"))))),
    "profile: unknown name": ("profile", lambda t, b: _write_then(t / "r.json", '{"model": "snn", "outputs": {}}', ["analyze", str(t / "r.json"), "--profile", "tpu", "--plots", str(t / "plots")])),
    # configs and flags
    "config: unknown key": ("config", lambda t, b: _config_file(t, {"snn": {"hiden": [10]}})),
    "config: negative qubits": ("config", lambda t, b: ["train", "--set", "quantum.qubits=-2"]),
    "config: fusion ratio outside [0, 1]": ("config", lambda t, b: ["train", "--set", "fusion.ratio=1.5"]),
    "config: zero time steps": ("config", lambda t, b: ["train", "--set", "encoding.steps=0"]),
    "config: --epochs and --set train.epochs": ("config", lambda t, b: ["train", "--epochs", "1", "--set", "train.epochs=3"]),
    "flag: --steps and --set encoding.steps": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--steps", "4", "--set", "encoding.steps=8"]),
    "config: 10^8 time steps": ("config", lambda t, b: ["train", "--set", "encoding.steps=100000000"]),
    "config: a hidden layer of 10^8 neurons": ("config", lambda t, b: ["train", "--set", "snn.hidden=[100000000]"]),
    "config: a circuit of 10^6 layers": ("config", lambda t, b: ["train", "--set", "quantum.layers=1000000"]),
    "flag: 10^20 shots": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--shots", "100000000000000000000"]),
    "netx: tSample 10^9": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: f.create_dataset("simulation/tSample", data=10 ** 9))),
    "netx: a weight declared 200000 x 200000": ("netx", lambda t, b: _netx(t, b["ppf"], lambda f: (f["layer/1"].__delitem__("weight"), f["layer/1"].create_dataset("weight", (200000, 200000), "f4", chunks=(1000, 1000), compression="gzip")))),
    "config: negative SLAYER weight scale": ("config", lambda t, b: ["train", "--set", "snn.weight_scale=-3"]),
    "config: zero surrogate-gradient width": ("config", lambda t, b: ["train", "--set", "snn.tau_grad=0"]),
    "config: wrong type": ("config", lambda t, b: ["train", "--set", "train.epochs=\"ten\""]),
    "config: not JSON": ("config", lambda t, b: _write_then(t / "cfg.json", "{oops", ["train", "--config", str(t / "cfg.json")])),
    "config: a seed numpy cannot take": ("config", lambda t, b: ["train", "--set", "train.seed=-1"]),
    "config: an infinite learning rate": ("config", lambda t, b: ["train", "--set", "train.lr=Infinity"]),
    "config: a validation split that leaves no training image": ("config", lambda t, b: ["train", "--data", "digits", "--set", "data.val_fraction=0.9999", "-o", str(t / "run")]),
    "config: a conv kernel larger than the image": ("config", lambda t, b: ["train", "--model", "snn", "--data", "digits", "--epochs", "1", "--set", 'snn.conv=[{"channels": 4, "kernel": 12}]', "-o", str(t / "run")]),
    "config: a sweep grid that is a list": ("config", lambda t, b: _write_then(t / "s.json", '{"base": {}, "grid": [1, 2]}', ["sweep", str(t / "s.json"), "-o", str(t / "sweep")])),
    "config: a relative dataset path in a config file": ("config", lambda t, b: _config_file(t, {"data": {"spec": "idx:no/such/dir"}})),
    "config: unknown training device": ("config", lambda t, b: ["train", "--set", "quantum.device=\"nope.qubit\"", "--epochs", "1"]),
    # Deployment flags are checked before any data is read: a dataset that does not exist is never reached.
    "flag: unknown PennyLane device": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--qdevice", "nope.qubit"]),
    "flag: noise on a pure-state device": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--noise", "0.1"]),
    "flag: negative shots": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--shots", "-3"]),
    "flag: a --ray address where nothing answers": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--ray", "127.0.0.1:1"]),
    "flag: recorded spikes for an snn bundle": ("flag", lambda t, b: ["deploy", str(b["conv"]), "--spikes", str(_npy(t / "s.npy", np.zeros((2, 1, 8, 8, 4), np.uint8)))]),
    "flag: --layout with images from --data": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--layout", "whc"]),
    "flag: zero workers": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--workers", "0"]),
    "flag: zero replicas": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--replicas", "0"]),
    "flag: zero samples": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--samples", "0"]),
    "flag: --record lava with nothing kept": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--record", "lava"]),
    "flag: --record lava over shards": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--record", "lava", "--save-spikes", str(t / "r.npz"), "--workers", "2"]),
    "flag: --record lava with replicas": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--record", "lava", "--save-spikes", str(t / "r.npz"), "--replicas", "4"]),
    "flag: unknown option": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--sampels", "3"]),
    # output paths that cannot be written, refused before the work
    "output: report in an unwritable place": ("output", lambda t, b: ["deploy", str(b["ppf"]), "--data", f"idx:{t}/none", "--report", "/proc/x.json"]),
    "output: bundle in an unwritable place": ("output", lambda t, b: _write_run_then(t, b["run"], ["export", str(t / "run"), "-o", "/proc/x.h5"])),
    "output: bundle path is a directory": ("output", lambda t, b: _write_run_then(t, b["run"], ["export", str(t / "run"), "-o", str(t)])),
    "output: run directory is a file": ("output", lambda t, b: _write_then(t / "f", "x", ["train", "-o", str(t / "f")])),
    "output: --report onto the model it deploys": ("output", lambda t, b: _copied_bundle(t, b["ppf"], ["deploy", str(t / "m.h5"), "--report", str(t / "m.h5")])),
    "output: --report onto a hard link of the model": ("output", lambda t, b: _copied_bundle(t, b["ppf"], ["deploy", str(t / "m.h5"), "--report", str(t / "link.json")], link=True)),
    "output: export into the run directory it reads": ("output", lambda t, b: _write_run_then(t, b["run"], ["export", str(t / "run"), "-o", str(t / "run" / "checkpoint.pt")])),
    "output: -o .. for a run": ("output", lambda t, b: ["train", "--data", "digits", "-o", f"{t}/.."]),
    "output: -o a directory of other files": ("output", lambda t, b: _write_then(t / "keep.txt", "mine", ["train", "--data", "digits", "-o", str(t)])),
    "output: a finished run in -o, without --force": ("output", lambda t, b: _write_run_then(t, b["run"], ["train", "--data", "digits", "-o", str(t / "run")])),
    "output: plots under a file": ("output", lambda t, b: _write_then(t / "f", "x", ["analyze", str(t / "f"), "--plots", str(t / "f" / "plots")])),
    "flag: malformed --set": ("flag", lambda t, b: ["train", "--set", "snn.hidden"]),
    "flag: --resume with nothing to resume": ("flag", lambda t, b: ["train", "--resume", "-o", str(t)]),
    # runs and reports
    "run: checkpoint holds a pickled object": ("run", lambda t, b: _pickled_run(t, b["run"])),
    "run: image_shape edited in config.json": ("run", lambda t, b: _run_with_image_shape(t, b["run"], [2, 1, 8, 8])),
    "flag: robustness with no condition besides the clean one": ("flag", lambda t, b: _write_run_then(t, b["run"], ["robustness", str(t / "run"), "--noise", "--shots", "-o", str(t / "rob")])),
    "flag: robustness on zero samples": ("flag", lambda t, b: _write_run_then(t, b["run"], ["robustness", str(t / "run"), "--samples", "0", "-o", str(t / "rob")])),
    "flag: NaN depolarising noise": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--qdevice", "default.mixed", "--noise", "nan"]),
    "flag: 5000 replicas": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--replicas", "5000"]),
    "flag: a deploy seed numpy cannot take": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--shots", "100", "--seed", "-1"]),
    "flag: fractional samples": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--samples", "2.5"]),
    "flag: --expect-min NaN": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--expect", str(t / "e.npy"), "--expect-min", "nan"]),
    "flag: robustness noise level NaN": ("flag", lambda t, b: _write_run_then(t, b["run"], ["robustness", str(t / "run"), "--levels", "nan", "-o", str(t / "rob")])),
    "flag: a salt-and-pepper share above 1": ("flag", lambda t, b: _write_run_then(t, b["run"], ["robustness", str(t / "run"), "--noise", "salt_pepper", "--levels", "1.5", "-o", str(t / "rob")])),
    "flag: export with an infinite time step": ("flag", lambda t, b: _write_run_then(t, b["run"], ["export", str(t / "run"), "--format", "nir", "-o", str(t / "g.nir"), "--dt", "inf"])),
    # a read-only place: a read-only file system (or, for a user other than root, permission bits)
    "output: --report in a read-only directory": ("output", lambda t, b: ["deploy", str(b["ppf"]), "--samples", "2", "--report", str(b["read_only"] / "r.json")]),
    "output: --report onto a read-only file": ("output", lambda t, b: ["deploy", str(b["ppf"]), "--samples", "2", "--report", str(b["read_only"] / "existing.json")]),
    "output: --save-spikes in a read-only directory": ("output", lambda t, b: ["deploy", str(b["ppf"]), "--samples", "2", "--save-spikes", str(b["read_only"] / "s.npz")]),
    "output: a run directory in a read-only place": ("output", lambda t, b: ["train", "--data", "digits", "-o", str(b["read_only"] / "run")]),
    "output: a bundle in a read-only place": ("output", lambda t, b: _write_run_then(t, b["run"], ["export", str(t / "run"), "-o", str(b["read_only"] / "b.h5")])),
    "output: robustness tables in a read-only place": ("output", lambda t, b: _write_run_then(t, b["run"], ["robustness", str(t / "run"), "-o", str(b["read_only"] / "rob")])),
    "flag: --qbackend that is no calibration snapshot": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--qbackend", "fake_nowhere", "--shots", "100"]),
    "flag: --qbackend without shots": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--qbackend", "fake_brisbane"]),
    "flag: --qbackend with --noise": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--qbackend", "fake_brisbane", "--shots", "100", "--qdevice", "default.mixed", "--noise", "0.01"]),
    "flag: a noise model with an unknown channel": ("flag", lambda t, b: _write_then(t / "n.json", '{"rules": [{"channel": "Teleport", "probability": 0.1}]}', ["deploy", str(b["ppf"]), "--qdevice", "default.mixed", "--noise-model", str(t / "n.json")])),
    "flag: a malformed --qdevice-option": ("flag", lambda t, b: ["deploy", str(b["ppf"]), "--qdevice-option", "method"]),
    "run: not a run directory": ("run", lambda t, b: ["export", str(t), "-o", str(t / "x.h5")]),
    "report: not a deployment report": ("run", lambda t, b: _write_then(t / "r.json", "{}", ["analyze", str(t / "r.json"), "--plots", str(t)])),
}


#: The words each case must print (one fragment, or several that must all appear): a case whose
#: check is removed fails here even when a later check also exits 2.
EXPECTED = {
    'dataset: images file truncated': 'truncated: header claims shape (20, 6, 6) (720 bytes of data), file',
    'dataset: empty images file': 'file is empty or truncated (no IDX header',
    'dataset: wrong magic number': 'not an IDX file (magic 504b0304, expected 0000 followed by a type',
    'dataset: header claims 4 TB': 'header claims shape (4000000000, 1000, 1000) (3725290.3 GiB), more',
    'dataset: labels given as images': 'expected images with 3 dimension(s), but the file holds 1',
    "dataset: float labels": "train-labels-idx1-ubyte: labels must be integers (IDX types 0x08-0x0C), got float32",
    "dataset: a plain and a .gz file that differ": "both 'train-labels-idx1-ubyte' and 'train-labels-idx1-ubyte.gz' are there and hold different data; keep one",
    'dataset: 20 images, 19 labels': 'train split has 20 images in train-images-idx3-ubyte but 19 labels in',
    "dataset: one corrupt training label (255)": "training labels span 0..255 but 252 of those classes never occur (e.g. [3, 4, 5, 6, 7]); the largest, 255, occurs 1 time(s)",
    'dataset: test label outside the training classes': 'test labels out of range: [9] (training labels span 0..2',
    'dataset: a file of the layout missing': "missing 't10k-labels-idx1-ubyte' (or 't10k-labels-idx1-ubyte.gz') of",
    'dataset: directory does not exist': "/nowhere' does not exist",
    'dataset: unknown spec': "dataset spec 'mnist': expected 'digits' or 'idx:PATH",
    'bundle: not HDF5': 'not a readable HDF5 file (Unable to synchronously open file (file signature not found))',
    'bundle: truncated': 'not a readable HDF5 file (Unable to synchronously open file (truncated file',
    'bundle: HDF5, neither a bundle nor a netx network': "HDF5 file is neither a ppf-neuro bundle (no '/ppf_neuro' group) nor a",
    'bundle: format version from the future': 'bundle format version 99, this ppf-neuro reads version 2',
    'bundle: state group missing': "bundle is missing group '/ppf_neuro/state",
    'bundle: a weight tensor missing': 'Missing key(s) in state_dict: "qnn.head.weight"',
    'bundle: weight of the wrong dtype': ("state tensor 'qnn.head.bias' has dtype", "expected numbers"),
    'bundle: quantum weights do not match the circuit': 'size mismatch for qnn.weights',
    'bundle: config metadata corrupt': 'bundle is damaged or incomplete: JSONDecodeError: Expecting property',
    'bundle: a weight changed after export': "checksum mismatch: the bundle's content does not match its stored",
    'bundle: checksum attribute missing': "bundle has no 'sha256' attribute",
    'bundle: netx layer the simulator cannot build': 'layer 0: dense layer has no (real) weight dataset',
    'bundle: a git-lfs pointer': "is a git-lfs pointer, not the file itself (fetch it: git lfs pull)",
    'bundle: a directory, not a file': ('model file', 'is a directory, not a file'),
    'bundle: deployed with a netx encoder': 'a bundle carries its own encoding (trained with it);',
    'bundle: SNN input size does not match the data': 'the model expects images (1, 8, 8) (C, H, W), idx',
    'bundle: file does not exist': ('model file', "none.h5' does not exist"),
    'netx: a pooling layer': "layer 1: type 'pool' is not supported: netx itself does not build it (NotImplementedError); for pooling use strided convolutions",
    'netx: --readout graded of spiking neurons': "--readout graded reads graded payloads; the output layer's CUBA neurons send 0/1 spikes",
    'netx: float labels without a state readout': "float labels are regression targets; they go with --readout voltage or graded",
    'flag: --save-spikes into a directory': "--save-spikes",
    'flag: --report and --save-spikes one file': "--report and --save-spikes name the same file",
    'flag: --save-spikes with --ray': "--save-spikes and --readout voltage|graded keep files on this machine",
    'netx: CUBA and SDNN layers mixed': "the network mixes spiking (CUBA/LOIHI) and sigma-delta (SDNN) layers",
    "netx: a dense_comp layer (netx's own type)": "layer 1: type 'dense_comp' is not supported: netx's own complex layer type, which lava-dl does not write",
    "netx: synaptic delays beyond netx's 62 steps": "netx takes 0 to 62 (it clamps longer ones",
    "netx: synaptic delays on a conv layer (netx drops them)": "netx 0.6 builds its Conv without them",
    "netx: ALIF neurons (netx cannot build them)": "netx 0.6 cannot build adaptive LIF neurons",
    "netx: resonate-and-fire neurons without their decays": "resonate-and-fire neuron group lacks 'sinDecay'",
    'netx: no inputs given': ('a netx file needs its inputs: --data (a dataset, encoded as --encoding says) or '
                              'recorded --inputs'),
    'netx: encoder value out of range': "config field 'encoding.blank': expected an integer in [0, steps=16),",
    'netx: spikes of the wrong size': 'the network takes 64 inputs (64,)',
    'netx: spikes that are not 0/1': 'spikes must be 0 or 1, got values in [2, 2]',
    'netx: spikes with no samples': "holds no samples (shape (0, 64, 4))",
    'netx: labels beyond the output neurons': "labels out of range: [-1, 99] (the model has 10 classes, 0..9)",
    'netx: --labels with --data': "--labels go with --inputs",
    'netx: an encoder for recorded spikes': "recorded --inputs are used as they are",
    'netx: --steps for inputs that have a time axis': "--steps holds inputs that have no time axis; these have one (T = 4)",
    'netx: held inputs without a step count': "has no time axis; say for how many steps each sample is held",
    'netx: --input-as bias without input neurons': "--input-as bias sets the input neurons' bias, and the network's first layer is a dense synapse",
    'netx: --input-as graded with images': "--input-as graded feeds recorded --inputs",
    'netx: graded inputs into a first synapse': "--input-as graded feeds input neurons or a sigma-delta network; the first layer is a CUBA conv synapse, which netx builds for binary spikes",
    'netx: NaN weights': "layer 0: dense weights must be finite numbers",
    "netx: '/layer' is a dataset": "no '/layer' group of layers: not a netx network",
    'netx: spikes in (W, H, C) order for a (C, H, W) network': ("inputs shaped (8, 8, 1) per sample", "the network takes (1, 8, 8) (C, H, W); lava-dl's own arrays are (W, H, C): --layout whc"),
    "flag: --layout with images from --data": "--layout orders recorded --inputs",
    'netx: labels of another length': 'expected 3 integer labels (or float targets), got int64 (2,)',
    'nir: a node netx cannot express': "NIR node 'pool' (SumPool2d) is not supported (supported: Input,",
    'nir: zero time steps': "argument --steps: expected a whole number from 1 to 10,000, got '0'",
    "nir: time constants shorter than the time step (Norse's)": "NIR node 'lif': dt/tau = 10 at dt = 0.0001 s, outside [0, 1]",
    'nir: a time step of zero seconds': "argument --dt: expected a number above 0, got '0'",
    'nir: not a NIR file': 'not a readable NIR graph: OSError: Unable to synchronously open file',
    'profile: a constant without citation': "constant 'neuron_update_active' has no citation",
    "profile: a NaN constant": "constant 'synop' needs a finite non-negative numeric 'value', got nan",
    'profile: unknown name': "unknown profile 'tpu'; shipped: ['cmos45', 'loihi', 'sycamore'] (or",
    'config: unknown key': "config section 'snn': unknown key(s) ['hiden']; known keys are",
    'config: negative qubits': "config field 'quantum.qubits': expected an integer in [1, 16], got -2",
    'config: fusion ratio outside [0, 1]': "config field 'fusion.ratio': expected a value in [0, 1] or null",
    'config: zero time steps': "config field 'encoding.steps': expected an integer in [1, 10000], got 0",
    "config: --epochs and --set train.epochs": "--set 'train.epochs=3': train.epochs is also given by its own option (1); give one",
    "flag: --steps and --set encoding.steps": "--set 'encoding.steps=8': encoding.steps is also given by its own option (4); give one",
    "config: 10^8 time steps": "config field 'encoding.steps': expected an integer in [1, 10000], got 100000000",
    "config: a hidden layer of 10^8 neurons": "config field 'snn.hidden': expected integers in [1, 16384], got (100000000,)",
    "config: a circuit of 10^6 layers": "config field 'quantum.layers': expected an integer in [1, 1000], got 1000000",
    "flag: 10^20 shots": "argument --shots: expected a whole number from 1 to 2,147,483,647, got '100000000000000000000'",
    "netx: tSample 10^9": "/simulation/tSample is 1000000000; a sample takes 1 to 10000 steps",
    "netx: a weight declared 200000 x 200000": "dense weight declared (200000, 200000), 40,000,000,000 values; more than ppf-neuro reads",
    'config: negative SLAYER weight scale': "config field 'snn.weight_scale': expected a positive number, got -3",
    'config: zero surrogate-gradient width': "config field 'snn.tau_grad': expected a positive number, got 0",
    'config: wrong type': "config field 'train.epochs': expected an integer, got 'ten",
    'config: not JSON': ('config file', 'is not valid JSON'),
    "config: a seed numpy cannot take": "config field 'train.seed': expected an integer in [0, 4294967295], got -1",
    "config: an infinite learning rate": "config field 'train.lr': expected a positive finite number, got inf",
    "config: a validation split that leaves no training image": "holds out all 1438 training images: none is left to train on",
    "config: a conv kernel larger than the image": "snn.conv[0]: a 12x12 kernel (stride 2, padding 1) does not fit a 8x8 input",
    "config: a sweep grid that is a list": "sweep 'grid' must map config keys to non-empty lists of values",
    "config: a relative dataset path in a config file": ("dataset directory 'no/such/dir' (data.spec of", "relative paths are read from the working directory"),
    'config: unknown training device': "PennyLane device 'nope.qubit'",
    'flag: unknown PennyLane device': "PennyLane device 'nope.qubit'",
    'flag: noise on a pure-state device': 'noise needs a mixed-state device such as default.mixed, not',
    'flag: negative shots': "argument --shots: expected a whole number from 1 to 2,147,483,647, got '-3'",
    "flag: a --ray address where nothing answers": "--ray 127.0.0.1:1: nothing answers there within 5 s",
    "flag: recorded spikes for an snn bundle": "a 'snn' bundle is deployed on images (a bundle encodes them with the encoder it was trained with",
    'flag: zero workers': "argument --workers: expected a whole number, at least 1, got '0'",
    'flag: zero replicas': "argument --replicas: expected a whole number from 1 to 1,024, got '0'",
    'flag: zero samples': "argument --samples: expected a whole number, at least 1, got '0'",
    "flag: --record lava with nothing kept": "--record lava lays out what a run keeps in Lava time: give --save-spikes",
    "flag: --record lava over shards": "--record lava records one Lava run from its first step; shards (--workers, --ray) are several runs",
    "flag: --record lava with replicas": "--record lava records one run of netx's own network from its first step: it takes --replicas 1",
    'flag: unknown option': "unrecognized arguments: --sampels 3; see 'ppf-neuro --help",
    'output: report in an unwritable place': "--report '/proc/x.json': cannot create files in '/proc' (No such file",
    'output: bundle in an unwritable place': "--output '/proc/x.h5': cannot create files in '/proc' (No such file",
    'output: bundle path is a directory': ('--output', 'is a directory, not a file'),
    'output: run directory is a file': 'exists and is not a directory',
    'output: plots under a file': ('--plots', 'is not a directory'),
    'flag: malformed --set': "--set 'snn.hidden': expected SECTION.KEY=VALUE, e.g. snn.hidden=[256]",
    "output: --report onto the model it deploys": "is also an input (model): give another output path",
    "output: --report onto a hard link of the model": "link.json' is also an input (model)",
    "output: export into the run directory it reads": "checkpoint.pt' is inside the run directory",
    "netx: tSample not a whole number": "/simulation/tSample is 16.5; time steps per sample are a whole number",
    "netx: fractional weights": "dense weights must be whole numbers (netx's integer weights; found e.g.",
    "netx: a negative threshold": "neuron vThMant is -80; Loihi takes a whole number in [1, 131071]",
    "netx: a zero threshold on LIF neurons": "neuron vThMant is 0; Loihi takes a whole number in [1, 131071]",
    "netx: a current decay above 4096": "neuron iDecay is 5000; Loihi takes a whole number in [0, 4096]",
    "netx: weights beyond netx's 8 bits": "netx maps 8-bit weights (-256 to 255, at most 254 where some are negative)",
    "train: a billion epochs": "argument --epochs: expected a whole number from 1 to 100,000, got '1000000000'",
    "netx: a threshold beyond Loihi's 17 bits": "neuron vThMant is 1099511627776; Loihi takes a whole number in [1, 131071]",
    "netx: per-neuron decays that differ": "per-neuron iDecay (32 values from 0 to 248): Lava's neurons hold one value per layer",
    "netx: a bias beyond Lava's 13-bit bias_mant": "biases must be whole numbers in [-4096, 4095] (Lava's 13-bit bias_mant)",
    "netx: a negative voltage decay": "neuron vDecay is -1; Loihi takes a whole number in [0, 4096]",
    "netx: NaN in --inputs": "value(s) are NaN or infinite",
    "expect: fewer samples than deployed": "e.npy': 1 samples, the deployment runs 2",
    "expect: another number of outputs": "e.npy': 3 outputs per sample, the model has 10",
    "expect: a 4-D array": "expected the trained model's outputs per sample",
    "expect: NaN scores": "value(s) are NaN or infinite",
    "expect: --expect-min above 1": "argument --expect-min: expected a number from 0 to 1, got '1.5'",
    "timing: delay-shift for a bundle": "a ppf-neuro bundle's SNN trains without it",
    "netx: conv-first file without an input shape": "the file starts with a convolution and states no input shape",
    "netx: --input-shape for a file that states its own": "--input-shape is for a netx file that starts with a convolution",
    "timing: delay-shift with windows no longer than the layers": "so T must exceed the 2 layers; the windows have 2 steps",
    "output: -o .. for a run": "/..': name the run directory itself",
    "output: -o a directory of other files": "is a directory of other files, not a ppf-neuro run",
    "output: a finished run in -o, without --force": "holds a finished run (snn); give another -o, or --force to replace it",
    "bundle: model kind edited, the config says another": "the bundle's model kind 'serial' is not its config's ('ppf')",
    'flag: --resume with nothing to resume': ('--resume', 'has no training_state.pt (nothing interrupted to resume for'),
    'run: checkpoint holds a pickled object': 'refused: it holds objects other than tensors (nothing in it was run',
    "run: image_shape edited in config.json": "image_shape must be (C, H, W) and num_classes at least 2, got [2, 1, 8, 8]",
    "flag: robustness on zero samples": "argument --samples: expected a whole number, at least 1, got '0'",
    "flag: robustness with no condition besides the clean one": "no condition besides the clean one: give noise kinds",
    "flag: NaN depolarising noise": "argument --noise: expected a number from 0 to 0.75, got 'nan'",
    "flag: 5000 replicas": "argument --replicas: expected a whole number from 1 to 1,024, got '5000'",
    "flag: a deploy seed numpy cannot take": "argument --seed: expected a whole number from 0 to 4,294,967,295, got '-1'",
    "flag: fractional samples": "argument --samples: expected a whole number, at least 1, got '2.5'",
    "flag: --expect-min NaN": "argument --expect-min: expected a number from 0 to 1, got 'nan'",
    "flag: robustness noise level NaN": "argument --levels: expected a number, at least 0, got 'nan'",
    "flag: a salt-and-pepper share above 1": "noise intensity for salt_pepper must lie in [0, 1], got 1.5",
    "flag: export with an infinite time step": "argument --dt: expected a number above 0, got 'inf'",
    "output: --report in a read-only directory": "cannot create files in",
    "output: --report onto a read-only file": "existing.json': cannot",
    "output: --save-spikes in a read-only directory": "--save-spikes",
    "output: a run directory in a read-only place": "run directory",
    "output: a bundle in a read-only place": "--output",
    "output: robustness tables in a read-only place": "--out",
    "flag: --qbackend that is no calibration snapshot": "--qbackend 'fake_nowhere': not a calibration snapshot of qiskit-ibm-runtime's fake provider",
    "flag: --qbackend without shots": "--qbackend runs a device, which measures: give --shots",
    "flag: --qbackend with --noise": "--qbackend is the device and its noise: give it without --qdevice and --noise",
    "flag: a noise model with an unknown channel": "n.json: rule 0: channel 'Teleport' is not one of ['DepolarizingChannel',",
    "flag: a malformed --qdevice-option": "argument --qdevice-option: expected KEY=VALUE, got 'method'",
    'run: not a run directory': 'missing config.json (is it a ppf-neuro run?',
    'report: not a deployment report': "not a ppf-neuro deployment report (no 'outputs'/'model",
}


@pytest.fixture(scope="module")
def inputs(ppf_bundle, tiny_run, conv_bundle, read_only_dir):
    return {"ppf": ppf_bundle, "run": tiny_run, "conv": conv_bundle, "read_only": read_only_dir}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_with_status_2(name, inputs, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a command's default outputs (runs/latest) are per test: workers run side by side
    kind, make = CASES[name]
    argv = make(tmp_path, inputs)
    code = main(["--quiet", *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, f"{name}: exit {code}, stderr {err!r}"
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("ppf-neuro: error: ")
    for fragment in (EXPECTED[name],) if isinstance(EXPECTED[name], str) else EXPECTED[name]:
        assert fragment in err, f"{name}: expected {fragment!r} in {err!r}"
    def shown(text: str) -> str:
        return (text.replace(str(inputs["read_only"]), "READ_ONLY").replace(str(tmp_path), "DIR")
                .replace(str(inputs["ppf"].parent), "DIR"))

    RESULTS.append((kind, name, "ppf-neuro " + " ".join(shown(a) for a in argv), shown(err)))


def test_every_case_names_its_message_and_the_doc_lists_every_case():
    assert set(EXPECTED) == set(CASES)
    documented = [line.split(" | ")[0].removeprefix("| ") for line in DOC.read_text().splitlines()
                  if line.startswith("| ") and not line.startswith("| input |")]
    assert documented == list(CASES), "docs/bad-inputs.md is stale: PPF_WRITE_BAD_INPUTS=1 pytest tests/system/test_bad_inputs.py"
    assert f"({len(CASES)} inputs," in (DOC.parent / "usage.md").read_text(), "docs/usage.md counts another number"


def test_write_table():
    if not os.environ.get("PPF_WRITE_BAD_INPUTS"):
        pytest.skip("set PPF_WRITE_BAD_INPUTS=1 to regenerate docs/bad-inputs.md")
    assert len(RESULTS) == len(CASES)
    lines = ["# Bad inputs and what the user sees", "",
             "Generated by `PPF_WRITE_BAD_INPUTS=1 python -m pytest tests/system/test_bad_inputs.py`: every row ran",
             "through the real CLI, exited with status 2 and printed exactly this one line (no traceback;",
             "`--debug` shows it). DIR stands for the test's temporary directory, READ_ONLY for a directory on",
             "a read-only file system (a read-only bind mount; for a user other than root, permission bits).", "",
             "| input | command | what the user sees |", "|---|---|---|"]
    for _, name, command, shown in RESULTS:
        lines.append(f"| {name} | `{command}` | `{shown.replace('|', '/')}` |")
    from ppf_neuro.atomic import write_text

    write_text(DOC, "\n".join(lines) + "\n")
