"""Each netx family beyond plain CUBA dense/conv (tests/data/make_family_nets.py: lava-dl's blocks, lava-dl's
export) deploys exactly as netx's own Lava run, stored beside the files: every layer at every Lava step
(``--record lava --replicas 1``) and every step of every sample window in the replicated mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ppf_neuro.cli import main
from locations import DATA

pytestmark = pytest.mark.lava

WINDOWED = ("zero_delay", "graded_spike", "conv_first")
#: nets whose spikes cross each window's reset (one stream on netx's own network: no replicas)
CARRYING = ("delay", "recurrent", "rf", "rf_iz", "adrf")
#: free-running sigma-delta nets (one stream: no replicas), fed graded payloads
STREAMS = ("sdnn_dense_first",)


@pytest.fixture(scope="module")
def stored():
    with np.load(DATA / "family_nets.npz") as f:
        return {key: f[key] for key in f.files}


def _deploy(name: str, stored: dict, tmp: Path, *flags: str) -> dict[str, np.ndarray]:
    inputs = tmp / "x.npy"
    np.save(inputs, stored[f"{name}/inputs"])
    code = main(["--quiet", "deploy", str(DATA / f"family_{name}.net"), "--inputs", str(inputs), "--save-spikes",
                 str(tmp / "s.npz"), *flags])
    assert code == 0
    with np.load(tmp / "s.npz") as saved:
        return {k: saved[k] for k in saved.files if k.startswith("layer")}


@pytest.mark.parametrize("name", WINDOWED + CARRYING + STREAMS)
def test_every_lava_step_equals_netx_own_run(name, stored, tmp_path):
    graded = name in STREAMS
    saved = _deploy(name, stored, tmp_path, "--record", "lava", "--replicas", "1",
                    *(("--input-as", "graded") if graded else ()))
    layers = sorted(saved, key=lambda k: int(k[5:]))
    assert len(layers) == 2
    for i, key in enumerate(layers):
        theirs = stored[f"{name}/layer{i}"]
        ours = saved[key] if graded else saved[key] != 0
        assert saved[key].shape == theirs.shape, key
        assert np.array_equal(ours, theirs if graded else theirs != 0), f"{name} {key}: " \
            f"{int((ours != (theirs if graded else theirs != 0)).sum())} differ"
    assert stored[f"{name}/layer1"].any(), "the output layer must send"


@pytest.mark.parametrize("name", WINDOWED)
def test_replicated_windows_equal_netx_own_run(name, stored, tmp_path):
    saved = _deploy(name, stored, tmp_path, "--replicas", "4")
    n, steps = stored[f"{name}/inputs"].shape[0], stored[f"{name}/inputs"].shape[-1]
    for i, key in enumerate(sorted(saved, key=lambda k: int(k[5:]))):
        first = 2 + i  # layer i's window k starts at Lava step 2 + i + k*T (row 1 + i)
        theirs = stored[f"{name}/layer{i}"][first - 1: first - 1 + n * steps].reshape(n, steps, -1).transpose(0, 2, 1)
        assert np.array_equal(saved[key] != 0, theirs != 0), f"{name} {key}"


@pytest.mark.parametrize("name", CARRYING)
def test_the_reference_raster_keeps_one_stream_whatever_the_chunk(name, stored):
    """A net whose spikes cross windows is one stream: the reference's output raster (``--expect``'s time
    shifts read it) is the same in one piece and asked for in chunks of two samples, and equals netx's run."""
    from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
    from ppf_neuro.formats.netx import load_netx_file

    net = load_netx_file(DATA / f"family_{name}.net")
    values = stored[f"{name}/inputs"]
    whole = FixedPointSNN(net).run(values)[0][-1]
    assert np.array_equal(FixedPointSNN(net).output_raster(values, batch_size=2), whole)
    n, steps = values.shape[0], values.shape[-1]
    first = 2 + len(net.layers) - 1  # the output layer's window k starts at Lava step first + k*T
    theirs = stored[f"{name}/layer{len(net.layers) - 1}"][first - 1: first - 1 + n * steps]
    assert np.array_equal(whole != 0, theirs.reshape(n, steps, -1).transpose(0, 2, 1) != 0)
