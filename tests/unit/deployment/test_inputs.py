"""Recorded inputs as researchers bring them (issue 18): lava-dl's own (N, W, H, C, T) arrays with
--layout whc, and the float 0/1 arrays SLAYER's encoders return, give exactly the counts of the
same spikes given as (N, C, H, W, T) integers."""

import h5py
import numpy as np
import pytest

from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.cli import main

pytestmark = pytest.mark.lava


@pytest.fixture
def conv_netx(tmp_path, conv_bundle):
    """The shared conv bundle's /layer group alone: a netx file with a (1, 8, 8) input."""
    with h5py.File(conv_bundle) as src, h5py.File(tmp_path / "net.h5", "w") as dst:
        src.copy("layer", dst)
    return tmp_path / "net.h5"


def _counts(net, spikes_path, layout="chw"):
    report = deploy(DeployRequest(net, None, DeployOptions(progress=False), inputs=spikes_path,
                                  layout=layout)).to_dict()
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    return report["lava"]["layer_spikes_per_sample"], report["outputs"]["output"]["predictions"]


def test_whc_arrays_and_float_spikes_give_the_chw_integer_counts(tmp_path, conv_netx):
    # an asymmetric pattern, so that a transpose that is wrong changes the counts
    chw = (np.random.default_rng(0).random((6, 1, 8, 8, 12)) < np.linspace(0.05, 0.6, 8)[None, None, :, None, None])
    np.save(tmp_path / "chw.npy", chw.astype(np.uint8))
    np.save(tmp_path / "whc.npy", chw.transpose(0, 3, 2, 1, 4).astype(np.uint8))
    np.save(tmp_path / "float.npy", chw.astype(np.float32))
    expected = _counts(conv_netx, tmp_path / "chw.npy")
    assert _counts(conv_netx, tmp_path / "whc.npy", layout="whc") == expected
    assert _counts(conv_netx, tmp_path / "float.npy") == expected
    swapped = chw.transpose(0, 1, 3, 2, 4)  # H and W exchanged: what a wrong transpose would feed
    np.save(tmp_path / "swapped.npy", swapped.astype(np.uint8))
    assert _counts(conv_netx, tmp_path / "swapped.npy") != expected, "the pattern must tell H from W"


def test_graded_floats_are_refused_with_the_rule(tmp_path, conv_netx, capsys):
    np.save(tmp_path / "graded.npy", np.full((2, 1, 8, 8, 4), 0.5, np.float32))
    assert main(["deploy", str(conv_netx), "--spikes", str(tmp_path / "graded.npy")]) == 2
    assert "float spikes must be exactly 0.0 or 1.0" in capsys.readouterr().err
