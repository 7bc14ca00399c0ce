"""NIR against the real other side: graphs ppf-neuro writes run in snnTorch and Norse as ppf-neuro's
integer reference does, and networks snnTorch and Norse write (trained or not) import, deploy on
Lava and compute what snnTorch and Norse compute. Counts are compared per neuron, with tolerances
that 8-bit weights explain (``examples/snntorch_to_lava.py`` measures the full-size case)."""

import importlib.util
import sys
from pathlib import Path

import nir
import norse.torch as norse  # the test extra pins both: they must be here, not skipped
import numpy as np
import pytest
import snntorch as snn
import torch

from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.cli import main
from ppf_neuro.data.datasets import load_digits
from ppf_neuro.formats.netx import load_netx_file
from locations import ROOT

pytestmark = pytest.mark.interop

EXAMPLE = ROOT / "examples" / "snntorch_to_lava.py"


def _example():
    spec = importlib.util.spec_from_file_location("snntorch_to_lava", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _random_spikes(n, inputs, steps, p=0.3, seed=0):
    return (torch.rand(n, inputs, steps, generator=torch.Generator().manual_seed(seed)) < p).float()


def _output_counts(step, x: torch.Tensor) -> np.ndarray:
    """Output spike counts (N, classes) of a stateful module called once per step on (N, inputs)."""
    out = []
    with torch.no_grad():
        for t in range(x.shape[-1]):
            out.append(step(x[..., t]))
    return torch.stack(out, -1).sum(-1).numpy()


def _close(theirs: np.ndarray, ours: np.ndarray, identical: float, argmax: float) -> None:
    assert ours.sum() > 0 and theirs.sum() > 0, "no output spikes: the comparison would say nothing"
    assert (theirs == ours).mean() >= identical, (theirs == ours).mean()
    assert (theirs.argmax(1) == ours.argmax(1)).mean() >= argmax


def test_our_export_runs_in_snntorch_and_norse_as_our_reference_does(tmp_path, tiny_bundle):
    assert main(["export", str(tiny_bundle), "--format", "nir", "-o", str(tmp_path / "net.nir")]) == 0
    graph = nir.read(tmp_path / "net.nir")
    assert graph.metadata["dt"] == pytest.approx(1e-4)
    net = load_netx_file(tiny_bundle)
    x = _random_spikes(60, int(np.prod(net.input_shape)), 16)
    ours = FixedPointSNN(net).counts(x.to(torch.int8).numpy())[0][-1]

    from snntorch import utils
    from snntorch.import_nir import import_from_nir

    theirs = import_from_nir(graph)
    utils.reset(theirs)
    _close(_output_counts(lambda s: theirs(s)[0], x), ours, identical=0.95, argmax=0.95)

    norse_net, state = norse.from_nir(graph, dt=graph.metadata["dt"]), [None]

    def norse_step(s):
        z, state[0] = norse_net(s, state[0])
        return z

    _close(_output_counts(norse_step, x), ours, identical=0.95, argmax=0.95)


def test_a_graph_in_step_units_is_what_snntorch_refuses(tmp_path, tiny_bundle):
    """Why the time step matters: the same network written at dt = 1 is refused by snnTorch."""
    from snntorch.import_nir import import_from_nir

    assert main(["export", str(tiny_bundle), "--format", "nir", "--dt", "1", "-o", str(tmp_path / "steps.nir")]) == 0
    with pytest.raises(AssertionError, match="r not supported"):
        import_from_nir(nir.read(tmp_path / "steps.nir"))


def test_a_net_trained_in_snntorch_deploys_on_lava_as_snntorch_runs_it(tmp_path):
    """The example's pipeline on scikit-learn's digits: train in snnTorch, export with snnTorch, import,
    deploy on Lava, compare."""
    ex = _example()
    data = load_digits()
    setup = ex.Setup(hidden=48, steps=16, epochs=6, lr=5e-3, val=200)
    x, y = ex.spikes_of(data.train.images, setup.steps), torch.from_numpy(data.train.labels.astype(np.int64))
    net, val = ex.train(setup, x[:-setup.val], y[:-setup.val], x[-setup.val:], y[-setup.val:])
    ex.export(net, x.shape[1], tmp_path / "snntorch.nir")
    assert main(["import-nir", str(tmp_path / "snntorch.nir"), "-o", str(tmp_path / "net.h5")]) == 0

    test = ex.spikes_of(data.test.images, setup.steps)
    theirs = ex.counts(net, test)
    np.save(tmp_path / "snntorch_counts.npy", theirs[-1])  # what the user's framework computed: --expect
    report = deploy(DeployRequest(tmp_path / "net.h5", "digits", DeployOptions(progress=False),
                                  encoding={"kind": ex.ENCODING, "steps": setup.steps},
                                  expect=tmp_path / "snntorch_counts.npy")).to_dict()
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    ours = FixedPointSNN(load_netx_file(tmp_path / "net.h5")).counts(test.to(torch.int8).numpy())[0]
    result = ex.compare(theirs, ours, data.test.labels)
    assert result["accuracy_snntorch"] > 0.85, "the snnTorch net did not learn: agreement would say nothing"
    lava_predictions = np.array(report["outputs"]["output"]["predictions"])
    assert (lava_predictions == theirs[-1].argmax(1)).mean() >= 0.95
    assert abs(report["outputs"]["output"]["accuracy_deployed"] - result["accuracy_snntorch"]) <= 0.02
    assert all(layer["count_correlation"] > 0.98 for layer in result["layers"]), result["layers"]
    e = report["expected"]  # the quantisation's cost, reported: Lava against snnTorch itself
    assert e["kind"] == "counts" and e["accuracy"] == pytest.approx(result["accuracy_snntorch"])
    assert e["argmax_agreement"] == pytest.approx(float((lava_predictions == theirs[-1].argmax(1)).mean()))
    assert e["per_neuron_identical"] == pytest.approx(result["layers"][-1]["identical_counts"])
    assert report["compared"]["quantisation"] and "import-nir" in report["compared"]["reference"]


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_snntorchs_own_export_with_biases_imports_exactly(tmp_path, kind):
    """Linear/Conv2d with bias + Leaky: the bias becomes the neurons' voltage bias (exact, no current state)."""
    from snntorch import utils
    from snntorch.export_nir import export_to_nir

    torch.manual_seed(1)
    def leaky(shape):
        return snn.Leaky(beta=torch.full(shape, 0.85), threshold=torch.ones(shape), init_hidden=True,
                         reset_mechanism="zero")
    if kind == "dense":
        net, sample = torch.nn.Sequential(torch.nn.Linear(64, 40), leaky((40,)), torch.nn.Linear(40, 10),
                                          leaky((10,))), torch.zeros(64)
    else:
        net, sample = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 3, stride=2, padding=1), leaky((6, 4, 4)),
                                          torch.nn.Flatten(), torch.nn.Linear(96, 10), leaky((10,))), \
            torch.zeros(1, 1, 8, 8)
    with torch.no_grad():
        for m in net:
            if hasattr(m, "bias"):
                m.weight.mul_(4 if kind == "dense" else 2)  # ~10 output spikes per sample
                m.bias.uniform_(0.05, 0.25)
    nir.write(tmp_path / "net.nir", export_to_nir(net, sample, ignore_dims=[0] if kind == "conv" else []))
    assert main(["import-nir", str(tmp_path / "net.nir"), "-o", str(tmp_path / "net.h5")]) == 0
    imported = load_netx_file(tmp_path / "net.h5")
    assert all(layer.bias is not None for layer in imported.layers)

    shape = tuple(sample.shape[1:]) if kind == "conv" else (64,)
    x = _random_spikes(80, int(np.prod(shape)), 20, p=0.25)
    ours = FixedPointSNN(imported).counts(x.to(torch.int8).numpy())[0][-1]
    utils.reset(net)
    _close(_output_counts(lambda s: net(s.reshape(-1, *shape)), x), ours, identical=0.9, argmax=0.9)


def test_a_bias_into_a_decaying_current_is_approximated_only_when_asked(tmp_path):
    from snntorch.export_nir import export_to_nir

    net = torch.nn.Sequential(torch.nn.Linear(8, 4), snn.Synaptic(alpha=torch.full((4,), 0.8), beta=torch.full(
        (4,), 0.9), threshold=torch.ones(4), init_hidden=True, reset_mechanism="zero"))
    nir.write(tmp_path / "syn.nir", export_to_nir(net, torch.zeros(8)))
    assert main(["import-nir", str(tmp_path / "syn.nir"), "-o", str(tmp_path / "a.h5")]) == 2
    assert not (tmp_path / "a.h5").exists()
    assert main(["import-nir", str(tmp_path / "syn.nir"), "-o", str(tmp_path / "a.h5"), "--approximate"]) == 0
    layer = load_netx_file(tmp_path / "a.h5").layers[0]
    assert layer.neuron.current_decay == round(0.2 * 4096) and layer.bias is not None


def _norse_net(cell):
    """64-48-10 with ``cell(neurons)``: per-neuron parameter tensors, since nir.write (1.0.8) cannot
    write the scalar parameters of Norse's defaults."""
    torch.manual_seed(0)
    net = norse.SequentialState(torch.nn.Linear(64, 48), cell(48), torch.nn.Linear(48, 10), cell(10))
    with torch.no_grad():
        net[0].weight.mul_(8)
        net[2].weight.mul_(8)
    return net


def _norse_counts(net, x):
    state, out = None, []
    with torch.no_grad():
        for t in range(x.shape[-1]):
            z, state = net(x[..., t], state)
            out.append(z)
    return torch.stack(out, -1).sum(-1).numpy()


def test_norses_own_export_imports_with_the_norse_convention(tmp_path):
    net = _norse_net(lambda n: norse.LIFBoxCell(norse.LIFBoxParameters(
        tau_mem_inv=torch.full((n,), 50.0), v_th=torch.full((n,), 0.3), v_leak=torch.zeros(n))))
    nir.write(tmp_path / "norse.nir", norse.to_nir(net, torch.zeros(1, 64)))
    # As NIR defines time constants, Norse's are dt times too short: refused, naming the way out.
    assert main(["import-nir", str(tmp_path / "norse.nir"), "-o", str(tmp_path / "n.h5")]) == 2
    assert main(["import-nir", str(tmp_path / "norse.nir"), "-o", str(tmp_path / "n.h5"), "--convention",
                 "norse"]) == 0
    imported = load_netx_file(tmp_path / "n.h5")
    assert imported.layers[0].neuron.voltage_decay == round(1e-3 * 50 * 4096)  # dt * tau_mem_inv
    x = _random_spikes(100, 64, 20)
    ours = FixedPointSNN(imported).counts(x.to(torch.int8).numpy())[0][-1]
    _close(_norse_counts(net, x), ours, identical=0.95, argmax=0.9)
    theirs = _norse_counts(net, x)
    np.save(tmp_path / "norse_counts.npy", theirs)
    report = deploy(DeployRequest(tmp_path / "n.h5", None, DeployOptions(progress=False),
                                  inputs=_spikes_file(tmp_path, x), expect=tmp_path / "norse_counts.npy")).to_dict()
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    e = report["expected"]  # Lava against Norse itself
    assert e["identical_counts"] == float((ours == theirs).all(1).mean())
    assert e["per_neuron_identical"] == pytest.approx(float((ours == theirs).mean())) and e["per_neuron_identical"] >= 0.95


def _spikes_file(tmp_path, x: torch.Tensor) -> Path:
    np.save(tmp_path / "spikes.npy", x.to(torch.uint8).numpy())
    return tmp_path / "spikes.npy"


def test_norses_lifcell_is_approximated_only_when_asked(tmp_path, capsys):
    net = _norse_net(lambda n: norse.LIFCell(norse.LIFParameters(
        tau_syn_inv=torch.full((n,), 200.0), tau_mem_inv=torch.full((n,), 100.0), v_th=torch.ones(n),
        v_leak=torch.zeros(n), v_reset=torch.zeros(n))))
    nir.write(tmp_path / "cell.nir", norse.to_nir(net, torch.zeros(1, 64)))
    args = ["import-nir", str(tmp_path / "cell.nir"), "-o", str(tmp_path / "c.h5"), "--convention", "norse"]
    assert main(args) == 2 and "the step before" in capsys.readouterr().err
    assert main(args + ["--approximate"]) == 0
    x = _random_spikes(100, 64, 40)
    ours = FixedPointSNN(load_netx_file(tmp_path / "c.h5")).counts(x.to(torch.int8).numpy())[0][-1]
    theirs = _norse_counts(net, x)
    assert np.corrcoef(theirs.ravel(), ours.ravel())[0, 1] > 0.95  # one step of lag per layer, stated
