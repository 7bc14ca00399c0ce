"""Stored tiny netx files (tests/data, written by lava-dl's own export and made once by
tests/data/make_tiny_nets.py) against SLAYER's spikes stored beside them: the netx reader and the
fixed-point reference checked without training anything or starting Lava."""


import numpy as np
import pytest

from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.formats.netx import ConvLayer, DenseLayer, load_netx_file
from locations import DATA

NETS = {"dense": (DenseLayer, DenseLayer, DenseLayer), "conv": (None, ConvLayer, ConvLayer, DenseLayer)}


@pytest.fixture(scope="module")
def stored():
    with np.load(DATA / "tiny_nets.npz") as f:
        return {key: f[key] for key in f.files}


def _inputs(stored, name: str) -> tuple[np.ndarray, str]:
    inputs, mode = stored[f"{name}/inputs"], str(stored[f"{name}/mode"])
    steps = stored[f"{name}/layer0"].shape[-1]
    if mode != "spikes":  # values held over the window
        inputs = np.ascontiguousarray(np.broadcast_to(inputs[..., None], (*inputs.shape, steps)))
    return inputs, mode


@pytest.mark.parametrize("name", NETS)
def test_the_reader_sees_the_layers_lava_dl_wrote(name):
    net = load_netx_file(DATA / f"tiny_{name}.h5")
    kinds = [kind for kind in NETS[name] if kind is not None]
    assert [type(layer) for layer in net.layers if not type(layer).__name__.startswith("Input")][-len(kinds):] == kinds


@pytest.mark.parametrize("name", NETS)
def test_the_fixed_point_reference_equals_slayer_spike_for_spike(stored, name):
    net = load_netx_file(DATA / f"tiny_{name}.h5")
    inputs, mode = _inputs(stored, name)
    reference, _ = FixedPointSNN(net, mode).run(inputs)
    expected = [stored[f"{name}/layer{i}"] for i in range(len(reference))]
    assert len(reference) == len(expected) == len(NETS[name])
    for i, (ours, slayer) in enumerate(zip(reference, expected)):
        assert ours.shape == slayer.shape, f"layer {i}"
        assert np.array_equal(ours, slayer), f"layer {i}: {int((ours != slayer).sum())} spikes differ from SLAYER's"
    counts = reference[-1].sum(-1)
    assert len({c.tobytes() for c in counts}) > 1, "the output must depend on the input"


@pytest.mark.parametrize("name", NETS)
def test_counts_equal_the_stored_spikes_summed(stored, name):
    net = load_netx_file(DATA / f"tiny_{name}.h5")
    inputs, mode = _inputs(stored, name)
    counts, _ = FixedPointSNN(net, mode).counts(inputs)
    for i, layer in enumerate(counts):
        np.testing.assert_array_equal(layer, stored[f"{name}/layer{i}"].sum(-1), err_msg=f"layer {i}")
