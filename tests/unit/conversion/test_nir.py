"""NIR out and in: a bundle's SNN leaves as a NIR graph and comes back spike for spike; graphs built with
NIR's own API deploy on Lava; what has no exact netx equivalent is refused by name."""

import json
import re

import h5py
import nir
import numpy as np
import pytest

from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import load_netx_file
from ppf_neuro.conversion.netx_to_nir import netx_to_nir
from ppf_neuro.conversion.nir_to_netx import nir_to_netx

pytestmark = pytest.mark.lava


def _lava_counts(path, **kw):
    report = deploy(DeployRequest(path, kw.pop("data", "digits"), DeployOptions(samples=12, progress=False),
                                  **kw)).to_dict()
    assert report["lava"]["spike_agreement"]["samples_with_identical_counts_in_every_layer"] == 1.0
    return report


@pytest.mark.parametrize("net", ["dense", "conv"])
def test_export_import_deploy_gives_the_bundles_counts(tmp_path, request, net):
    run, bundle = (request.getfixturevalue(f"{'tiny' if net == 'dense' else 'conv'}_{k}") for k in ("run", "bundle"))
    assert main(["export", str(bundle), "--format", "nir", "-o", str(tmp_path / "net.nir")]) == 0
    graph = nir.read(tmp_path / "net.nir")
    lifs = [n for n in graph.nodes.values() if isinstance(n, nir.CubaLIF)]
    assert len(lifs) == len(load_netx_file(bundle).layers) and graph.metadata["dt"] == 1e-4
    assert "strict" in lifs[0].metadata["fixed_point"]
    # CUBA -> CubaLIF by forward Euler: tau_syn = dt / current_decay, w_in = tau_syn / dt, r = tau_mem / dt.
    cfg, dt = run.config.snn, 1e-4
    assert lifs[0].tau_syn.flat[0] == pytest.approx(dt * 4096 / round(cfg.current_decay * 4096))
    assert lifs[0].w_in.flat[0] == pytest.approx(lifs[0].tau_syn.flat[0] / dt)
    assert lifs[0].r.flat[0] == pytest.approx(lifs[0].tau_mem.flat[0] / dt)
    assert lifs[0].v_threshold.flat[0] == pytest.approx(cfg.threshold) and not lifs[0].v_leak.any()

    assert main(["import-nir", str(tmp_path / "net.nir"), "-o", str(tmp_path / "back.h5"), "--steps", "8"]) == 0
    with h5py.File(tmp_path / "back.h5") as f:
        assert json.loads(f["nir_import"].attrs["approximations"]) == [] and f["simulation/tSample"][()] == 8
        assert f["nir_import"].attrs["dt"] == 1e-4 and json.loads(f["nir_import"].attrs["scales"]) == [64.0] * len(lifs)
    original = _lava_counts(bundle)
    back = _lava_counts(tmp_path / "back.h5", encoding={"steps": run.config.encoding.steps})
    assert back["lava"]["layer_spikes_per_sample"] == original["lava"]["layer_spikes_per_sample"]
    assert back["activity"]["per_sample"] == original["activity"]["per_sample"]


def test_a_graph_built_with_nirs_own_api_imports_and_runs(tmp_path):
    """Not written by our exporter: NIR's API, with an LIF layer, a CubaLIF conv layer and an IF output."""
    rng = np.random.default_rng(0)
    graph = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([1, 8, 8])}),
        "conv": nir.Conv2d(input_shape=(8, 8), weight=rng.normal(0, 0.6, (4, 1, 3, 3)), stride=2, padding=1,
                           dilation=1, groups=1, bias=np.zeros(4)),
        "cuba": nir.CubaLIF(tau_syn=np.full((4, 4, 4), 4.0), tau_mem=np.full((4, 4, 4), 20.0), r=np.full((4, 4, 4), 20.0),
                            v_leak=np.zeros((4, 4, 4)), v_threshold=np.full((4, 4, 4), 0.5),
                            v_reset=np.zeros((4, 4, 4)), w_in=np.full((4, 4, 4), 4.0)),
        "flat": nir.Flatten(input_type={"input": np.array([4, 4, 4])}, start_dim=0),
        "fc": nir.Linear(weight=rng.normal(0, 0.4, (16, 64))),
        "lif": nir.LIF(tau=np.full(16, 10.0), r=np.full(16, 10.0), v_leak=np.zeros(16), v_threshold=np.full(16, 0.3)),
        "out_fc": nir.Affine(weight=rng.normal(0, 0.5, (10, 16)), bias=np.zeros(10)),
        "if": nir.IF(r=np.ones(10), v_threshold=np.full(10, 0.4)),
        "out": nir.Output(output_type={"output": np.array([10])}),
    }, edges=[("in", "conv"), ("conv", "cuba"), ("cuba", "flat"), ("flat", "fc"), ("fc", "lif"), ("lif", "out_fc"),
              ("out_fc", "if"), ("if", "out")], metadata={"dt": 1.0})  # time constants in steps
    nir.write(tmp_path / "own.nir", graph)
    assert main(["import-nir", str(tmp_path / "own.nir"), "-o", str(tmp_path / "own.h5")]) == 0
    net = load_netx_file(tmp_path / "own.h5")
    assert [layer.kind for layer in net.layers] == ["conv", "dense", "dense"]
    assert [layer.neuron.current_decay for layer in net.layers] == [1024, 4096, 4096]  # LIF and IF carry no current
    assert net.layers[2].neuron.voltage_decay == 0  # IF: no leak
    report = _lava_counts(tmp_path / "own.h5", encoding={"kind": "rate", "steps": 8})
    assert all(layer["spikes_per_sample_lava"] > 0 for layer in report["lava"]["spike_agreement"]["layers"])


def _linear_graph(lif):
    return nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([4])}),
                               "fc": nir.Linear(weight=np.full((3, 4), 0.5)), "n": lif,
                               "out": nir.Output(output_type={"output": np.array([3])})},
                        edges=[("in", "fc"), ("fc", "n"), ("n", "out")], metadata={"dt": 1.0})


def _cuba(**kw):
    p = dict(tau_syn=np.full(3, 2.0), tau_mem=np.full(3, 4.0), r=np.full(3, 4.0), v_leak=np.zeros(3),
             v_threshold=np.ones(3), v_reset=np.zeros(3), w_in=np.full(3, 2.0))
    p.update(kw)
    return nir.CubaLIF(**p)


@pytest.mark.parametrize("graph, fragment", [
    (nir.NIRGraph(nodes={"in": nir.Input(input_type={"input": np.array([1, 4, 4])}),
                         "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
                         "out": nir.Output(output_type={"output": np.array([1, 2, 2])})},
                  edges=[("in", "pool"), ("pool", "out")], type_check=False), "'pool' (SumPool2d)"),
    (_linear_graph(_cuba(tau_mem=np.full(3, 0.5))), "dt/tau_mem = 2"),
    (_linear_graph(_cuba(v_reset=np.full(3, 0.2))), "v_reset"),
    (_linear_graph(_cuba(tau_mem=np.array([4.0, 5.0, 6.0]))), "per-neuron tau_mem"),
    (_linear_graph(nir.LI(tau=np.ones(3), r=np.ones(3), v_leak=np.zeros(3))), "'n' (LI)"),
])
def test_what_netx_cannot_express_is_refused_by_name(tmp_path, graph, fragment):
    with pytest.raises(PPFError, match=re.escape(fragment)):
        nir_to_netx(graph, tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_approximate_maps_and_lists_what_it_changed(tmp_path):
    made = nir_to_netx(_linear_graph(_cuba(v_reset=np.full(3, 0.1), tau_mem=np.array([4.0, 4.0, 4.1]))),
                       tmp_path / "x.h5", approximate=True)
    assert any("tau_mem" in n for n in made.approximations) and any("v_reset" in n for n in made.approximations)
    with h5py.File(tmp_path / "x.h5") as f:
        assert json.loads(f["nir_import"].attrs["approximations"]) == made.approximations


def test_v_leak_is_a_voltage_bias_and_its_rounding_is_reported(tmp_path):
    """v_leak dt/tau_mem per step (0.01 / 4 here) at the layer's scale, its error in the quantisation record."""
    made = nir_to_netx(_linear_graph(_cuba(v_leak=np.full(3, 0.01))), tmp_path / "x.h5")
    (q,) = made.quantisation
    layer = load_netx_file(tmp_path / "x.h5").layers[0]
    np.testing.assert_allclose(layer.bias / q.scale, 0.01 / 4, atol=0.5 / q.scale)
    assert q.bias_error == pytest.approx(abs(layer.bias[0] / q.scale - 0.0025) / 1.0)
    assert made.approximations == []


def test_netx_to_nir_of_a_parsed_file_roundtrips_in_memory(tmp_path, tiny_bundle):
    net = load_netx_file(tiny_bundle)
    made = nir_to_netx(netx_to_nir(net), tmp_path / "back.h5")
    assert made.approximations == [] and all(q.scale == 64 and q.weight_error == 0 for q in made.quantisation)
    back = load_netx_file(tmp_path / "back.h5")
    for a, b in zip(net.layers, back.layers):
        np.testing.assert_array_equal(a.weight, b.weight)
        assert a.neuron == b.neuron


def test_deploy_encodes_over_the_files_own_time_steps(tmp_path, tiny_bundle):
    """import-nir --steps T writes netx's /simulation/tSample; deploy reads it (issue 21: it did not)."""
    assert main(["export", str(tiny_bundle), "--format", "nir", "-o", str(tmp_path / "net.nir")]) == 0
    assert main(["import-nir", str(tmp_path / "net.nir"), "-o", str(tmp_path / "net.h5"), "--steps", "5"]) == 0
    assert load_netx_file(tmp_path / "net.h5").steps == 5
    report = deploy(DeployRequest(tmp_path / "net.h5", "digits", DeployOptions(samples=3, progress=False))).to_dict()
    assert report["activity"]["steps"] == 5
    overridden = deploy(DeployRequest(tmp_path / "net.h5", "digits", DeployOptions(samples=3, progress=False),
                                      encoding={"steps": 7})).to_dict()
    assert overridden["activity"]["steps"] == 7
