"""The quantum branch on a real device's calibration (``--qbackend``): the native circuit is the
trained circuit, the accelerated circuit building is the plugin's own circuit, a seeded rerun is
identical, and the report describes the target."""

import numpy as np
import pennylane as qml
import pytest

pytest.importorskip("qiskit_aer")

from ppf_neuro.config import QuantumConfig  # noqa: E402
from ppf_neuro.errors import PPFError  # noqa: E402
from ppf_neuro.quantum.circuit import circuit_template, measurements  # noqa: E402
from ppf_neuro.quantum.device_target import (  # noqa: E402
    TargetCircuit, compile_native, device_backend, native_aer_device, noise_model)

#: An Eagle (ECR couplers) and a Heron (CZ) snapshot.
TARGETS = ["fake_brisbane", "fake_torino"]


def _weights(cfg: QuantumConfig, seed: int = 0) -> np.ndarray:
    from ppf_neuro.quantum.circuit import weight_shape

    return np.random.default_rng(seed).uniform(0, 2 * np.pi, weight_shape(cfg))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("cfg", [QuantumConfig(qubits=4, layers=2, measurement="zz"),
                                 QuantumConfig(qubits=3, layers=2, ansatz="basic", reupload=True, measurement="probs")],
                         ids=["strong-zz", "basic-reupload-probs"])
def test_the_native_circuit_computes_the_trained_circuit(target, cfg):
    """Transpiled once with the inputs as parameters, bound per sample, measured on the wires routing
    left each qubit on: the same state as the logical circuit (noise-free, to rounding)."""
    weights = _weights(cfg)
    native = compile_native(cfg, weights, device_backend(target), seed=0)
    assert len(native.qubits) == cfg.qubits and sorted(native.wire_of) == list(range(cfg.qubits))
    assert {name for name, _, _ in native.gates} <= {"rz", "sx", "x", "ecr", "cz"}
    logical = qml.QNode(circuit_template(cfg), qml.device("default.qubit", wires=cfg.qubits))
    device = qml.device("default.qubit", wires=cfg.qubits)
    mapped = [m.map_wires(dict(enumerate(native.wire_of))) for m in measurements(cfg)]
    for x in np.random.default_rng(1).uniform(-np.pi, np.pi, (3, cfg.qubits)):
        [got] = qml.execute([qml.tape.QuantumScript(native.operations(x), mapped)], device)
        want = logical(x, weights)
        np.testing.assert_allclose(np.concatenate([np.ravel(v) for v in (got if isinstance(got, tuple) else [got])]),
                                   np.concatenate([np.ravel(v) for v in (want if isinstance(want, list) else [want])]),
                                   atol=1e-9)


@pytest.mark.parametrize("target", TARGETS)
def test_the_accelerated_device_runs_the_plugins_own_circuit(target):
    """NativeAerDevice only appends the gates the plugin composes one by one, and skips the plugin's
    transpile (optimisation level 0 for Aer), which returns the same circuit (equal as a DAG: gates
    on different qubits may be listed in another order, which moves the seeded noise draws only)."""
    from pennylane_qiskit import AerDevice

    cfg = QuantumConfig(qubits=3, layers=1)
    native = compile_native(cfg, _weights(cfg), device_backend(target), seed=0)
    ops = native.operations(np.array([0.1, -0.7, 2.0]))
    ours = native_aer_device(3, 100, optimization_level=0).target_device
    plugin = AerDevice(wires=3, shots=100, optimization_level=0)
    for dev in (ours, plugin):
        dev.reset()
        dev.create_circuit_object(ops)
    assert ours._circuit == plugin._circuit
    assert len(ours._circuit.data) == len(ops) + 3  # and the measurements
    assert ours.compile() == plugin.compile()


def test_the_noise_model_is_the_snapshots_on_the_used_qubits_renumbered():
    backend = device_backend("fake_brisbane")
    model = noise_model(backend, [8, 9])
    assert set(model.noise_qubits) == {0, 1}
    props = backend.properties()
    error = model._local_readout_errors[(0,)].probabilities  # the readout error of device qubit 8
    assert error[0][1] == pytest.approx(props.qubit_property(8)["prob_meas1_prep0"][0])


@pytest.mark.lava  # it deploys: Lava runs
@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_a_seeded_deployment_on_a_target_reruns_identically(ppf_bundle):
    import ppf_neuro as ppf

    def run(seed):
        return ppf.deploy(ppf_bundle, "digits", samples=6, qbackend="fake_brisbane", shots=200, seed=seed,
                          progress=False)

    first, again, other = run(0), run(0), run(1)
    probs = [r.per_sample["scores/qnn"] for r in (first, again, other)]
    np.testing.assert_array_equal(probs[0], probs[1])
    assert not np.array_equal(probs[0], probs[2]), "another seed draws other shots"
    target = first.quantum["target"]
    assert target["backend"] == "fake_brisbane" and target["calibration_date"].startswith("2024-")
    assert len(target["layout"]) == 3 and set(target["layout"]) == set(target["qubits_used"])
    assert target["native_gate_counts"]["ecr"] == target["two_qubit_gates"] >= 3  # at least the CNOT ring
    assert 0 < target["median_two_qubit_error"] < 0.1 and 0 < target["median_readout_error"] < 0.2
    assert target["median_t1_us"] > 10 and target["median_t2_us"] > 1
    shot = target["shot_seconds"]
    assert target["qpu_seconds_per_sample"] == pytest.approx(200 * (shot["circuit"] + shot["readout"] + shot["reset"]))
    assert first.quantum["resources_per_sample"]["gates"] == sum(target["native_gate_counts"].values())
    assert "qiskit.aer" in first.quantum["evaluated_by"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(qbackend="fake_nowhere", shots=100), "not a calibration snapshot"),
    (dict(qbackend="fake_brisbane"), "give shots"),
    (dict(qbackend="fake_brisbane", shots=100, noise=0.01), "give it without qdevice and noise"),
    (dict(qbackend="fake_brisbane", shots=100, qdevice_options={"method": "statevector"}), "one final state"),
])
def test_what_a_target_cannot_run_is_refused_in_one_line(ppf_bundle, kwargs, message):
    import ppf_neuro as ppf

    with pytest.raises(PPFError, match=message):
        ppf.deploy(ppf_bundle, "digits", samples=2, progress=False, **kwargs)


def test_amplitude_encoding_is_refused_for_a_target():
    with pytest.raises(PPFError, match="amplitude encoding"):
        TargetCircuit(QuantumConfig(qubits=2, layers=1, feature_map="amplitude"), "fake_brisbane", shots=10)


@pytest.mark.lava  # it deploys: Lava runs
def test_device_options_reach_the_device(ppf_bundle):
    """--qdevice-option: Aer's method on a target (the report names what Aer ran); an option the device
    does not take is one line. (default.mixed's own readout_prob fails inside PennyLane 0.42.)"""
    import ppf_neuro as ppf

    report = ppf.deploy(ppf_bundle, "digits", samples=2, qbackend="fake_torino", shots=100, seed=0,
                        qdevice_options={"method": "density_matrix"}, progress=False)
    assert "Aer method density_matrix" in report.quantum["target"]["simulated_by"]
    assert report.quantum["target"]["native_gate_counts"].get("cz", 0) >= 3  # Heron: CZ couplers
    with pytest.raises(PPFError, match="with options"):
        ppf.deploy(ppf_bundle, "digits", samples=2, qdevice="default.qubit", qdevice_options={"no_such_option": 1},
                   progress=False)

def test_robustness_takes_device_calibrations_as_conditions(ppf_run):
    """A device condition runs the branch on the snapshot (its outputs differ from the analytic
    branch's), seeded: the same seed gives the same accuracy and the same outputs."""
    import torch

    from ppf_neuro.data import load_dataset
    from ppf_neuro.training.robustness import Condition, _with_noisy_device, accuracy_under, default_conditions

    cond = Condition("device", 300, "fake_torino")
    assert cond in default_conditions([], [], [], [], ["fake_torino"], 300) and cond.name == "device fake_torino"
    x = torch.rand(4, ppf_run.model.qnn.in_features, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        on_device = [_with_noisy_device(ppf_run, cond, seed=3).qnn(x) for _ in range(2)]
        analytic = ppf_run.model.qnn(x)
    torch.testing.assert_close(on_device[0], on_device[1], atol=0, rtol=0)
    assert (on_device[0] - analytic).abs().max() > 1e-3
    split = load_dataset(ppf_run.config.data).test.head(8)
    assert accuracy_under(ppf_run, split, cond, seed=3) == accuracy_under(ppf_run, split, cond, seed=3)
