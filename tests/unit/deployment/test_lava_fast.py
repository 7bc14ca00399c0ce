"""The fast Lava paths change nothing: per-neuron counts of every layer are identical between
Lava's own RingBuffer readout of the plain netx network, the in-run counters, B replicas side by
side (B not dividing the sample count), both replica synapses, and the PyTorch references.
Each case runs three of these paths, chosen so that every path meets the dense and the conv net
and each replica synapse meets both replica counts (18 Lava runs instead of all five paths in
every case, 30).

The replica synapses are also checked against the Lava models they replace, output for output.
"""

import dataclasses

import numpy as np
import pytest
import torch
from conftest import conv_config, tiny_config, train_tiny

from ppf_neuro.deployment.model_files.bundle_models import load_bundle
from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.deployment.backends.lava import LavaMode, run_on_lava
from ppf_neuro.deployment.backends.lava.network import read_layers
from ppf_neuro.deployment.backends.lava.replicas import auto_replicas
from ppf_neuro.deployment.backends.lava.timing import build_netx
from ppf_neuro.deployment.references.trained_model import run_classifier, spike_counts
from ppf_neuro.exporters.export_bundle import export_bundle
from ppf_neuro.config import EncodingConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.formats.netx import load_netx_file

pytestmark = pytest.mark.lava


@pytest.fixture(scope="module")
def nets(tmp_path_factory, conv_bundle):
    """A dense net with two hidden layers and the shared strided-conv net, trained briefly on digits;
    each also with a low threshold, so that every layer spikes within windows of one or two steps."""
    import dataclasses

    tmp = tmp_path_factory.mktemp("fast")
    out = {"conv": conv_bundle}
    dense = tiny_config(hidden=(24, 16), epochs=2)
    out["dense"] = export_bundle(train_tiny(dense), tmp / "dense.h5")
    for name, cfg in {"dense": dense, "conv": conv_config()}.items():
        low = cfg.replace(snn=dataclasses.replace(cfg.snn, threshold=0.1))
        out[f"{name}, low threshold"] = export_bundle(train_tiny(low), tmp / f"{name}_low.h5")
    return out


def _spikes(kind: str, steps: int, n: int) -> np.ndarray:
    images = load_dataset(tiny_config().data).test.images[:n]
    enc = EncodingConfig(kind=kind, steps=steps, seed=1)
    return encode(torch.from_numpy(images), enc, seeded_generator(enc)).numpy().astype(np.int8)


CASES = [("dense, low threshold", "regular", 1), ("dense, low threshold", "rate", 2), ("dense", "regular", 16),
         ("dense", "rate", 16), ("conv, low threshold", "rate", 2), ("conv", "regular", 16)]


def _paths(case: int) -> dict[str, LavaMode]:
    """Three Lava paths for case number ``case``: one replica (the in-run counters in even cases, the
    one-step windows among them; Lava's RingBuffer readout in odd ones), then three and seven replicas
    side by side, the two replica synapses taking turns."""
    one = LavaMode(replicas=1) if case % 2 == 0 else LavaMode(replicas=1, recorder="ringbuffer")
    three, seven = ("batched", "sparse") if case % 2 == 0 else ("sparse", "batched")
    return {one.recorder: one, f"B=3 {three}": LavaMode(replicas=3, synapse=three),
            f"B=7 {seven}": LavaMode(replicas=7, synapse=seven)}


@pytest.mark.parametrize("case", range(len(CASES)), ids=[", ".join(map(str, c)) for c in CASES])
def test_every_lava_path_gives_identical_counts(nets, case, tmp_path):
    net, kind, steps = CASES[case]
    path = nets[net]
    spikes = _spikes(kind, steps, n=10)
    images = load_dataset(tiny_config().data).test.images[:10]
    model = load_bundle(path).reference_model()
    with torch.no_grad():  # SLAYER's own forward pass, and the deployment's reference
        slayer_steps = model.snn.forward_layers(torch.from_numpy(spikes).float())
        slayer = spike_counts(slayer_steps)
        slayer_steps = [s.reshape(10, -1, steps).numpy() for s in slayer_steps]
    reference = run_classifier(model, images, spikes).counts.layers
    for i, (a, b) in enumerate(zip(reference, slayer)):
        np.testing.assert_array_equal(a, b, err_msg=f"the deployment's reference, layer {i} vs SLAYER")
    rebuilt, rebuilt_inputs = FixedPointSNN(load_netx_file(path)).counts(spikes)
    assert all(c.sum() > 0 for c in slayer), "a silent layer proves nothing"
    for name, mode in _paths(case).items():
        net = load_netx_file(path)
        recordings = None if mode.recorder == "ringbuffer" else tmp_path / name.replace(" ", "_").replace("=", "")
        if recordings is not None:  # every step of every layer recorded (--save-spikes)
            recordings.mkdir()
            mode = dataclasses.replace(mode, keep_rasters=True)
        lava = run_on_lava(net, spikes, mode, progress=False, recordings_dir=recordings)
        assert lava.setup.replicas == (mode.replicas or 1)
        if mode.replicas == 1:  # every sample in its own window, plus the pipeline's fill and one step
            assert lava.steps == 10 * steps + len(net.layers) + 1
        for i, (got, want, again) in enumerate(zip(lava.counts.layers, slayer, rebuilt)):
            np.testing.assert_array_equal(got, want, err_msg=f"{name}, layer {i} vs SLAYER")
            np.testing.assert_array_equal(got, again, err_msg=f"{name}, layer {i} vs the rebuilt reference")
        if lava.input_steps is not None:  # the in-run counters also count the steps with synaptic input
            for i, (got, want) in enumerate(zip(lava.input_steps.layers, rebuilt_inputs)):
                np.testing.assert_array_equal(got, want, err_msg=f"{name}, input steps of layer {i}")
        # Kept rasters: every step of every sample and layer, SLAYER's spikes exactly.
        for i, want in enumerate(slayer_steps if recordings is not None else []):
            recorded = lava.recordings[f"layer{net.layers[i].index}"][0]
            np.testing.assert_array_equal(recorded.array(), want, err_msg=f"{name}, steps of {i}")


def test_replicated_run_of_one_replica_and_of_all_samples(nets):
    spikes = _spikes("regular", 8, n=5)
    net = load_netx_file(nets["dense"])
    base = run_on_lava(net, spikes, LavaMode(replicas=1), progress=False).counts.layers
    for b in (5, 64):  # one window for all samples; more replicas than samples (clamped to 5)
        got = run_on_lava(net, spikes, LavaMode(replicas=b), progress=False)
        assert got.setup.replicas == 5
        for x, y in zip(got.counts.layers, base):
            np.testing.assert_array_equal(x, y)


def test_auto_replicas_follow_the_network_size(nets):
    from ppf_neuro.deployment.backends.lava.network import LavaConv, LavaDense, LavaLayer

    def dense_layer(shape, weights):
        return LavaLayer(LavaDense(weights, 0, 8), shape, None)

    def conv_layer(shape, weight):
        return LavaLayer(LavaConv(weight, (1, 1, 1), (1, 1), (0, 0), (1, 1), 1), shape, None)

    dense = [dense_layer((256,), np.zeros((256, 784))), dense_layer((10,), np.zeros((10, 256)))]
    conv = [conv_layer((8, 14, 14), np.zeros((8, 3, 3, 1))), conv_layer((16, 7, 7), np.zeros((16, 3, 3, 8))), *dense]
    assert 1024 >= auto_replicas(dense, 10_000) > 2 * auto_replicas(conv, 10_000) > 16
    assert auto_replicas(dense, 3) == 3
    tiny = read_layers(build_netx(load_netx_file(nets["dense"]), 8))
    assert auto_replicas(tiny, 10_000) == 1024  # capped


def _record(source_data: np.ndarray, build) -> np.ndarray:
    """Drive a synapse with a RingBuffer source, record its a_out every step with a RingBuffer sink."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc import io

    src = io.source.RingBuffer(data=source_data)
    syn = build()
    src.s_out.connect(syn.s_in)
    sink = io.sink.RingBuffer(shape=syn.a_out.shape, buffer=source_data.shape[-1])
    syn.a_out.connect(sink.a_in)
    try:
        sink.run(condition=RunSteps(num_steps=source_data.shape[-1]), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        return sink.data.get()
    finally:
        sink.stop()


@pytest.mark.parametrize("sign, exp, bits", [("mixed", -3, 6), ("excitatory", 0, 8), ("inhibitory", 2, 7)])
def test_replica_dense_equals_lavas_dense(sign, exp, bits):
    from lava.proc.dense.process import Dense

    from ppf_neuro.deployment.backends.lava.processes.replica_synapses import ReplicaDense

    rng = np.random.default_rng(0)
    w = rng.integers(-200, 200, (6, 9))
    w = {"mixed": w, "excitatory": np.abs(w), "inhibitory": -np.abs(w)}[sign]
    b, steps = 3, 12
    spikes = (rng.random((b * 9, steps)) < 0.5).astype(np.int32)
    ours = _record(spikes, lambda: ReplicaDense(weights=w, replicas=b, weight_exp=exp, num_weight_bits=bits))
    for r in range(b):
        lavas = _record(spikes[r * 9:(r + 1) * 9],
                        lambda: Dense(weights=w, weight_exp=exp, num_weight_bits=bits, num_message_bits=0))
        np.testing.assert_array_equal(ours[r * 6:(r + 1) * 6], lavas)
    assert np.abs(ours).sum() > 0


@pytest.mark.parametrize("stride, padding, dilation, groups", [(2, 1, 1, 1), (1, 2, 2, 2)])
def test_replica_conv_equals_lavas_conv(stride, padding, dilation, groups):
    from lava.proc.conv.process import Conv

    from ppf_neuro.deployment.backends.lava.processes.replica_synapses import ReplicaConv

    rng = np.random.default_rng(1)
    in_whc = (7, 6, 4)
    weight = rng.integers(-100, 100, (6, 3, 3, 4 // groups))  # Lava's (C_out, W, H, C_in/groups)
    b, steps = 2, 5
    x = (rng.random((b, *in_whc, steps)) < 0.4).astype(np.int32)
    geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    chw = x.transpose(0, 3, 2, 1, 4).reshape(b * int(np.prod(in_whc)), steps)  # replica-major, CHW each
    ours = _record(chw, lambda: ReplicaConv(weight=weight, input_shape=in_whc, replicas=b, **geometry))
    per_replica = ours.reshape(b, -1, steps)
    for r in range(b):
        lavas = _record(x[r], lambda: Conv(weight=weight, input_shape=in_whc, **geometry))  # (W, H, C, T)
        np.testing.assert_array_equal(per_replica[r], lavas.transpose(2, 1, 0, 3).reshape(-1, steps))
    assert np.abs(ours).sum() > 0
