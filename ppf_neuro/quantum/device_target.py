"""A real quantum device's calibration as the quantum branch's target (``--qbackend NAME``).

An ideal simulator runs the trained circuit's logical gates; a device runs its native gates on
its couplers, with its errors. The target is a calibration snapshot of an IBM device from
qiskit-ibm-runtime's fake provider (``fake_brisbane``: Eagle, ECR; ``fake_torino``: Heron, CZ; ...):

* **compiled once per run**: the circuit with the trained weights fixed and the input angles left
  as parameters is transpiled by qiskit (optimisation level 3, ``seed``) for the device's native
  gates and coupler directions, on a connected set of exactly as many device qubits as the
  circuit has (the transpiler's own layout where it is connected), so routing adds SWAPs inside
  that set and only those qubits are simulated. Each sample then only binds its input angles
  (every native angle is linear in one input, checked).
* **executed on PennyLane's ``qiskit.aer`` device** (pennylane-qiskit's ``AerDevice``), one sample
  per device execution, with the
  noise model of those qubits from the snapshot (gate errors, thermal relaxation from T1, T2 and
  the gate durations, readout errors), as trajectories: every shot draws its own errors on a state
  vector (:data:`AER_OPTIONS`; measured faster here than a density matrix, 2 s against 3.5 s a
  sample for the 10-qubit MNIST circuit on a loaded machine). Sample k's
  sampling is seeded with ``seed + k``: a rerun gives the same outputs however the samples are
  batched. The plugin turns each PennyLane operation into a qiskit circuit of its own and composes
  them (~1 ms an operation, seconds for the ~900 native gates of a sample): :class:`NativeAerDevice`
  is that device with the same circuit built by appending the gates and not transpiled a second
  time (~50 ms a sample: the plugin's transpile at optimisation level 0 returns the same circuit,
  equal as a DAG, though it may list gates on different qubits in another order, which changes
  only which of the seeded random draws each gate's noise takes; the tests check both circuits
  equal); sampling, statistics and Aer's run are the plugin's own.
* **described** by :meth:`TargetCircuit.summary` (the report's ``quantum.target``): layout, native
  depth and gate counts, SWAPs added, the used qubits' median errors, T1 and T2, and the QPU time
  per sample from the snapshot's own gate, readout and reset durations.

qiskit is imported only here, and only when a target is asked for.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pennylane as qml
import torch

from ppf_neuro.choices import FeatureMap
from ppf_neuro.config import QuantumConfig
from ppf_neuro.errors import PPFError, argument
from ppf_neuro.quantum.circuit import circuit_template, measurements

#: How Aer simulates the noisy circuit: its own choice of method (state-vector trajectories for the
#: MNIST circuit: every shot draws its errors), with the unitary runs between two noise operations
#: fused (Aer fuses only from 14 qubits by default; fusing halves the time here). The plugin computes
#: a ``statevector`` or ``unitary`` method's outputs from one final state, without per-shot noise.
AER_OPTIONS = {"method": "automatic", "fusion_threshold": 2}
_ONE_STATE = ("statevector", "unitary")
#: The transpiler's effort: level 3 is what a user preparing a device run would choose.
OPTIMIZATION_LEVEL = 3
#: Logical gates the template is decomposed into before it becomes a qiskit circuit.
_LOGICAL = {"Hadamard": "h", "RX": "rx", "RY": "ry", "RZ": "rz", "CNOT": "cx"}
#: Native qiskit gates and the PennyLane operations that run them on ``qiskit.aer``.
_NATIVE = {"rz": qml.RZ, "sx": qml.SX, "x": qml.PauliX, "ecr": qml.ECR, "cz": qml.CZ, "cx": qml.CNOT}
#: Instructions of a transpiled circuit that are not gates of a sample's computation.
_NOT_GATES = {"barrier", "delay", "id"}
#: Input angles are marked with these values while the template is recorded (far from any weight).
_MARK = 1.0e4


def target_names() -> list[str]:
    """The calibration snapshots qiskit-ibm-runtime ships, by name."""
    return sorted(b.name for b in _provider().backends())


@lru_cache(maxsize=1)
def _provider():
    try:
        from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2
    except ImportError:
        raise PPFError(f"{argument('qbackend')} needs qiskit: pip install 'ppf-neuro[device]' (pennylane-qiskit, "
                       "qiskit-aer, qiskit-ibm-runtime)") from None
    return FakeProviderForBackendV2()


def device_backend(name: str):
    """The snapshot ``name`` (``fake_brisbane``, ...); a one-line error lists the names there are."""
    names = target_names()
    if name not in names:
        raise PPFError(f"{argument('qbackend')} '{name}': not a calibration snapshot of qiskit-ibm-runtime's fake "
                       f"provider; there are {len(names)}, e.g. {', '.join(n for n in names if n in _EXAMPLES)}")
    return _provider().backend(name)


_EXAMPLES = ("fake_brisbane", "fake_sherbrooke", "fake_kyiv", "fake_torino", "fake_prague")


def check_target(cfg: QuantumConfig, name: str, shots: int | None) -> None:
    """What a target cannot run, refused before any work."""
    if shots is None:
        raise PPFError(f"{argument('qbackend')} runs a device, which measures: give {argument('shots')} (e.g. 1000)")
    if cfg.feature_map == FeatureMap.AMPLITUDE:
        raise PPFError(f"{argument('qbackend')}: amplitude encoding prepares a state per sample, which would be "
                       "transpiled per sample; a device target takes angle-encoded circuits")
    backend = device_backend(name)
    if backend.num_qubits < cfg.qubits:
        raise PPFError(f"{argument('qbackend')} {name} has {backend.num_qubits} qubits; the circuit needs {cfg.qubits}")
    unknown = set(_basis(backend)) - set(_NATIVE)
    if unknown:
        raise PPFError(f"{argument('qbackend')} {name}: native gates {sorted(unknown)} have no PennyLane operation "
                       f"here (supported: {sorted(_NATIVE)})")


#: A backend's instructions that are not gates to compile for: measurement, reset, control flow.
_NOT_BASIS = _NOT_GATES | {"measure", "reset", "for_loop", "if_else", "switch_case", "while_loop"}


def _basis(backend) -> list[str]:
    """The backend's gates: what the circuit is transpiled into."""
    return [g for g in backend.operation_names if g not in _NOT_BASIS]


def logical_circuit(cfg: QuantumConfig, weights: np.ndarray):
    """The template with ``weights`` as a qiskit circuit whose input angles are parameters ``x[i]``,
    recorded from the same quantum function the model trains with (not written out again)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    marks = _MARK + np.arange(cfg.qubits, dtype=float)
    tape = qml.tape.make_qscript(circuit_template(cfg))(marks, weights)
    [tape], _ = qml.transforms.decompose(tape, gate_set=set(_LOGICAL))
    x = ParameterVector("x", cfg.qubits)
    qc = QuantumCircuit(cfg.qubits)
    for op in tape.operations:
        params = []
        for value in op.data:
            hit = np.flatnonzero(marks == float(value))
            params.append(x[int(hit[0])] if len(hit) else float(value))
        getattr(qc, _LOGICAL[op.name])(*params, *[int(w) for w in op.wires])
    return qc, x


def _connected(backend, qubits: list[int]) -> bool:
    edges = {frozenset(e) for e in backend.coupling_map.get_edges()}
    seen, todo = {qubits[0]}, [qubits[0]]
    while todo:
        q = todo.pop()
        for r in qubits:
            if r not in seen and frozenset((q, r)) in edges:
                seen.add(r)
                todo.append(r)
    return len(seen) == len(qubits)


def _device_qubits(logical, backend, seed: int) -> list[int]:
    """Device qubits for the circuit's qubits, in logical order: the transpiler's own layout where
    those qubits are connected (they are, on every snapshot tried), else the first connected set
    grown from its first qubit (SWAPs confined to the set need it connected)."""
    from qiskit import transpile

    free = transpile(logical, backend=backend, optimization_level=OPTIMIZATION_LEVEL, seed_transpiler=seed)
    chosen = free.layout.initial_index_layout()[: logical.num_qubits]
    if _connected(backend, chosen):
        return chosen
    neighbours: dict[int, set[int]] = {}
    for a, b in backend.coupling_map.get_edges():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    grown = [chosen[0]]
    while len(grown) < logical.num_qubits:
        grown.append(min(q for g in grown for q in neighbours[g] if q not in grown))
    return grown


@dataclass(frozen=True)
class NativeCircuit:
    """The circuit as the device runs it: ``gates`` as (native name, compact wires, angle) where an
    angle is a constant or ``(k, a, b)`` for ``a * x[k] + b``; ``qubits[w]`` is the device qubit of
    compact wire w, ``wire_of[i]`` the wire logical qubit i is measured on (after routing)."""

    gates: list
    qubits: list[int]
    wire_of: list[int]
    depth: int
    counts: dict
    swaps_added: int

    def operations(self, x: np.ndarray) -> list:
        ops = []
        for name, wires, angle in self.gates:
            if angle is None:
                ops.append(_NATIVE[name](wires=wires))
            else:
                value = angle if isinstance(angle, float) else angle[1] * float(x[angle[0]]) + angle[2]
                ops.append(_NATIVE[name](value, wires=wires))
        return ops


def _angle(param, x) -> float | tuple[int, float, float]:
    """A native gate's angle: a number, or ``a * x[k] + b`` (checked linear at a third point)."""
    from qiskit.circuit import ParameterExpression

    if not isinstance(param, ParameterExpression):
        return float(param)
    if not param.parameters:
        return float(param)
    [p] = param.parameters
    b = float(param.bind({p: 0.0}))
    a = float(param.bind({p: 1.0})) - b
    if abs(float(param.bind({p: 2.0})) - (2 * a + b)) > 1e-9:
        raise PPFError(f"a native angle {param} is not linear in the input; it cannot be bound per sample")
    return (list(x).index(p), a, b)


def compile_native(cfg: QuantumConfig, weights: np.ndarray, backend, seed: int = 0) -> NativeCircuit:
    """Transpile the circuit once for ``backend`` on a connected set of ``cfg.qubits`` device qubits."""
    from qiskit.transpiler import StagedPassManager
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

    logical, x = logical_circuit(cfg, weights)
    layout = _device_qubits(logical, backend, seed)
    qubits = sorted(layout)
    manager = generate_preset_pass_manager(
        optimization_level=OPTIMIZATION_LEVEL, coupling_map=backend.coupling_map.reduce(qubits),
        basis_gates=_basis(backend), initial_layout=[qubits.index(q) for q in layout], seed_transpiler=seed)
    routed = StagedPassManager(stages=["init", "layout", "routing"], init=manager.init, layout=manager.layout,
                               routing=manager.routing).run(logical)
    native = manager.run(logical)
    gates = []
    for inst in native.data:
        name = inst.operation.name
        if name in _NOT_GATES:
            continue
        wires = [native.find_bit(q).index for q in inst.qubits]
        params = inst.operation.params
        gates.append((name, wires, _angle(params[0], x) if params else None))
    counts = {k: int(v) for k, v in native.count_ops().items() if k not in _NOT_GATES}
    return NativeCircuit(gates, qubits, list(native.layout.final_index_layout()), int(native.depth()),
                         counts, int(routed.count_ops().get("swap", 0)))


def noise_model(backend, qubits: list[int]):
    """The snapshot's noise on ``qubits`` alone, renumbered as the compact wires: Aer's model from the
    calibration (depolarising gate errors, thermal relaxation, readout errors)."""
    from qiskit.providers.models import BackendProperties
    from qiskit_aer.noise import NoiseModel

    where = {q: i for i, q in enumerate(qubits)}
    props = backend.properties().to_dict()
    props["qubits"] = [props["qubits"][q] for q in qubits]
    props["gates"] = [dict(g, qubits=[where[q] for q in g["qubits"]]) for g in props["gates"]
                      if all(q in where for q in g["qubits"])]
    return NoiseModel.from_backend_properties(BackendProperties.from_dict(props))


def qpu_seconds(native: NativeCircuit, backend) -> dict:
    """One shot's time on the device from the snapshot's durations: the circuit's critical path
    (virtual RZ takes none), then readout, then reset; times the shots for a sample."""
    props = backend.properties()
    ready = dict.fromkeys(native.qubits, 0.0)
    for name, wires, _ in native.gates:
        device = [native.qubits[w] for w in wires]
        start = max(ready[q] for q in device)
        for q in device:
            ready[q] = start + (0.0 if name == "rz" else props.gate_length(name, device))
    circuit = max(ready.values())
    readout = max(props.readout_length(q) for q in native.qubits)
    reset = max(props.gate_length("reset", [q]) for q in native.qubits)
    return {"circuit": circuit, "readout": readout, "reset": reset}


def native_aer_device(wires: int, shots: int, **kwargs):
    """PennyLane's ``qiskit.aer`` device whose circuit is built by appending each native gate instead
    of composing one circuit per operation (the plugin's way); everything else is the plugin's."""
    from pennylane_qiskit import AerDevice

    class NativeAerDevice(AerDevice):
        def create_circuit_object(self, operations, **kw):
            for op in [*operations, *kw.get("rotations", [])]:
                gate = self._operation_map[op.name](*[float(p) for p in op.parameters])
                self._circuit.append(gate, [self._reg[i] for i in self.map_wires(op.wires).labels])
            for qr, cr in zip(self._reg, self._creg):
                self._circuit.measure(qr, cr)

        def compile(self):
            return self._circuit  # already the device's native gates: the plugin's transpile returns the same DAG

    return qml.devices.LegacyDeviceFacade(NativeAerDevice(wires=wires, shots=shots, **kwargs))


class TargetCircuit:
    """The trained circuit on a device target: called like the QNode it replaces, ``(features (B, k),
    weights) -> measurements``; compiled by :meth:`compile` or at the first call. ``options``:
    extra keywords of the ``qiskit.aer`` device (``method``, ...)."""

    def __init__(self, cfg: QuantumConfig, name: str, shots: int | None, seed: int | None = None,
                 options: dict | None = None):
        check_target(cfg, name, shots)
        self.cfg, self.name, self.shots, self.options = cfg, name, shots, dict(options or {})
        self.seed = 0 if seed is None else seed
        self.backend = device_backend(name)
        self.native: NativeCircuit | None = None
        self.device = None
        self.done = 0  # samples executed: sample k draws its shots with seed + k
        self.aer_method: str | None = None
        self._weights: bytes | None = None

    def compile(self, weights: np.ndarray) -> None:
        """Transpile for the weights (once; again only if they change) and open the device."""
        if self._weights == weights.tobytes():
            return
        self.native = compile_native(self.cfg, weights, self.backend, self.seed)
        wires = len(self.native.qubits)
        kwargs = {**AER_OPTIONS, "optimization_level": 0, **self.options}
        if kwargs["method"] in _ONE_STATE:
            raise PPFError(f"qiskit.aer method '{kwargs['method']}' makes PennyLane's plugin sample one final state, "
                           "without the device's noise per shot; leave it to Aer (automatic) or give density_matrix")
        try:
            self.device = native_aer_device(wires, self.shots, noise_model=noise_model(self.backend, self.native.qubits),
                                            **kwargs)
        except (TypeError, ValueError) as e:
            raise PPFError(f"qiskit.aer with {kwargs}: {e}") from None
        self._weights = weights.tobytes()

    def _measurements(self) -> list:
        return [m.map_wires(dict(enumerate(self.native.wire_of))) for m in measurements(self.cfg)]

    def __call__(self, features: torch.Tensor, weights: torch.Tensor):
        self.compile(weights.detach().cpu().numpy().astype(np.float64))
        meas = self._measurements()
        x = features.detach().cpu().numpy().reshape(-1, self.cfg.qubits)
        outs = []
        for row in x:
            self.device.target_device.backend.set_options(seed_simulator=self.seed + self.done)
            tape = qml.tape.QuantumScript(self.native.operations(row), meas, shots=self.shots)
            [result] = qml.execute([tape], self.device)
            if self.aer_method is None:  # what Aer chose, from the plugin's last job (the report names it)
                self.aer_method = self.device.target_device._current_job.result().results[0].metadata["method"]
            outs.append([np.asarray(r, dtype=np.float64).reshape(-1) for r in (result if len(meas) > 1 else [result])])
            self.done += 1
        return [torch.from_numpy(np.stack([o[m] for o in outs])) for m in range(len(meas))]

    def gate_resources(self, x: np.ndarray) -> dict:
        """One sample's native circuit as the report's ``resources_per_sample`` counts it."""
        ops = self.native.operations(x)
        return {"qubits": len(self.native.qubits), "gates": len(ops),
                "gate_types": dict(sorted(self.native.counts.items())), "depth": self.native.depth,
                "two_qubit_gates": sum(1 for op in ops if len(op.wires) == 2), "shots": self.shots,
                "operations": [[op.name, [int(w) for w in op.wires]] for op in ops]}

    def summary(self) -> dict:
        """The report's ``quantum.target``: what the device runs and what it is measured to do."""
        native, props = self.native, self.backend.properties()
        where = set(native.qubits)
        couplers = {(name, tuple(native.qubits[w] for w in wires)) for name, wires, _ in native.gates if len(wires) == 2}
        durations = qpu_seconds(native, self.backend)
        per_shot = sum(durations.values())
        return {
            "backend": self.name,
            "calibration_date": props.last_update_date.isoformat(),
            "simulated_by": f"PennyLane qiskit.aer (pennylane-qiskit's AerDevice, Aer method {self.aer_method}), the "
                            "snapshot's noise model on the used qubits",
            "layout": [int(native.qubits[w]) for w in native.wire_of],
            "qubits_used": [int(q) for q in native.qubits],
            "native_depth": native.depth,
            "native_gate_counts": dict(sorted(native.counts.items())),
            "two_qubit_gates": sum(1 for _, wires, _ in native.gates if len(wires) == 2),
            "swaps_added": native.swaps_added,
            "median_two_qubit_error": _median(props.gate_error(g, list(pair)) for g, pair in couplers),
            "median_readout_error": _median(props.readout_error(q) for q in where),
            "median_t1_us": _median(props.t1(q) * 1e6 for q in where),
            "median_t2_us": _median(props.t2(q) * 1e6 for q in where),
            "shot_seconds": {k: float(v) for k, v in durations.items()},
            "qpu_seconds_per_sample": float(per_shot * self.shots),
            "seed": self.seed,
        }


def _median(values) -> float:
    return float(statistics.median(list(values)))
