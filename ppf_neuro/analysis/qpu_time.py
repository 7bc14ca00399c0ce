"""An estimate of QPU time per inference of the quantum branch on a chosen hardware profile.

The circuit of one sample (its gates and wires, as recorded at deployment) is scheduled as
early as its wires allow, each one-qubit gate taking the profile's ``gate_1q`` and each
two-qubit gate ``gate_2q``; a shot costs that critical path plus the profile's
``shot_overhead`` (readout, reset, control); an inference costs its shots. This is an
estimate, labelled so: no compilation to native gates or connectivity is modelled.
"""

from __future__ import annotations

from ppf_neuro.analysis.profiles import Profile

#: Shots charged per inference when the deployment computed exact expectation values.
ANALYTIC_SHOTS = 1000


def critical_path_ns(operations: list, qpu: Profile) -> float:
    """ASAP schedule of ``[[name, [wires]], ...]``: the time until the last gate ends."""
    free: dict[int, float] = {}
    for _, wires in operations:
        start = max((free.get(w, 0.0) for w in wires), default=0.0)
        end = start + (qpu["gate_2q"] if len(wires) == 2 else qpu["gate_1q"])
        for w in wires:
            free[w] = end
    return max(free.values(), default=0.0)


def qpu_time(resources: dict, qpu: Profile) -> dict:
    shots = resources.get("shots") or ANALYTIC_SHOTS
    path = critical_path_ns(resources["operations"], qpu)
    per_shot = path + qpu["shot_overhead"]
    return {"estimate": True, "profile": qpu.name, "label": qpu.label, "circuit_ns": path,
            "shot_ns": per_shot, "shots": shots, "shots_assumed": not resources.get("shots"),
            "per_inference_ms": per_shot * shots / 1e6, "assumptions": qpu.assumptions}
