"""A deployment whose output cannot depend on its input says so (issue 18): an input neuron layer
whose bias alone crosses the threshold fires at every step, every sample gives the same counts on
Lava and on the reference, and "100 % agreement" alone would read as success."""

import pytest
import numpy as np

from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.cli import main
from ppf_neuro.formats.netx import CubaNeuron, DenseLayer, InputLayer, write_netx_file

pytestmark = pytest.mark.lava


def _net(path, bias: int) -> None:
    """16 input neurons (transform weight 64, ``bias``) -> 4 dense neurons."""
    rng = np.random.default_rng(0)
    neuron = CubaNeuron(type="CUBA", threshold=80, current_decay=4096, voltage_decay=1024)
    write_netx_file(path, [
        InputLayer(index=0, shape=(16,), in_shape=(16,), neuron=neuron, transform=(64, bias)),
        DenseLayer(index=1, shape=(4,), in_shape=(16,), neuron=neuron,
                   weight=2 * rng.integers(-20, 40, (4, 16)), bias=None),
    ])


def _report(tmp_path, bias):
    _net(tmp_path / "net.h5", bias)
    spikes = (np.random.default_rng(1).random((12, 16, 10)) < 0.3).astype(np.uint8)
    np.save(tmp_path / "s.npy", spikes)
    return deploy(DeployRequest(tmp_path / "net.h5", None, DeployOptions(progress=False),
                                inputs=tmp_path / "s.npy")).to_dict()


def test_an_input_layer_that_fires_whatever_the_input_is_named(tmp_path, capsys):
    report = _report(tmp_path, bias=100)  # 100 > threshold 80: fires at every step
    dep = report["input_dependence"]
    assert report["outputs"]["output"]["agreement"] == 1.0  # both sides agree ...
    assert dep["saturated_input_layer"] and dep["distinct_outputs"] == 1 and dep["distinct_inputs"] == 12
    assert dep["constant_layers"] == [0, 1] and len(dep["warnings"]) == 2  # ... and it says nothing
    assert main(["deploy", str(tmp_path / "net.h5"), "--spikes", str(tmp_path / "s.npy")]) == 0
    assert "WARNING: the input layer fires at every step of every sample" in capsys.readouterr().out


def test_a_network_that_sees_its_input_has_no_warning(tmp_path):
    dep = _report(tmp_path, bias=0)["input_dependence"]
    assert not dep["saturated_input_layer"] and dep["distinct_outputs"] > 1 and dep["warnings"] == []


def test_a_few_samples_with_equal_outputs_are_no_evidence():
    """Two digits of one class, both right, can give the same counts: no warning from so few inputs
    unless their labels differ; twelve distinct inputs with one output are evidence."""
    from ppf_neuro.deployment.results import SpikeCounts
    from ppf_neuro.deployment.report.input_dependence import input_dependence
    from ppf_neuro.formats.netx import load_netx_file

    rng = np.random.default_rng(0)
    neuron = CubaNeuron(type="CUBA", threshold=80, current_decay=4096, voltage_decay=1024)
    net = [InputLayer(index=0, shape=(16,), in_shape=(16,), neuron=neuron, transform=(64, 0))]

    def judged(n, labels=None):
        spikes = (rng.random((n, 16, 10)) < 0.3).astype(np.uint8)
        same = SpikeCounts([np.tile([0, 0, 7, 1], (n, 1))])
        return input_dependence(parsed, spikes, same, labels=labels)

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        write_netx_file(Path(tmp) / "n.h5", net)
        parsed = load_netx_file(Path(tmp) / "n.h5")
    assert judged(2)["warnings"] == [] and judged(2, labels=np.array([3, 3]))["warnings"] == []
    assert len(judged(2, labels=np.array([3, 5]))["warnings"]) == 1
    assert len(judged(12)["warnings"]) == 1 and judged(12)["constant_layers"] == [0]
