"""A PennyLane noise model (``qml.NoiseModel``) from a JSON file: noise beyond one depolarising rate.

A file is data, never code (a Python file would run whatever it holds), so a noise model is written
as rules, each a channel of PennyLane's applied after the gates it names on the wires it names::

    {"rules": [
      {"gates": ["RY", "Rot"], "channel": "DepolarizingChannel", "probability": 0.001},
      {"gates": ["CNOT"], "channel": "DepolarizingChannel", "probability": 0.01},
      {"wires": [0, 1], "channel": "AmplitudeDamping", "probability": 0.02}
    ]}

A rule without ``gates`` matches every gate; with ``wires``, only gates whose wires are all among
them; the channel acts on each wire of a matching gate. Gates are the device's (the template decomposed: ``Hadamard``, ``RY``,
``Rot``, ``RX``, ``CNOT``), so the model is applied at the device level, on a mixed-state device
(``default.mixed``). Every field is checked when the file is read, naming what is wrong.
"""

from __future__ import annotations

import math

from ppf_neuro.choices import NoiseChannel
from ppf_neuro.errors import PPFError, read_json_file

#: The keys a rule may have.
RULE_KEYS = {"gates", "wires", "channel", "probability"}


def read_noise_model(path) -> dict:
    """The rules of a noise-model file, checked (``{"rules": [...]}``)."""
    spec = read_json_file(path, "noise model")
    return check_noise_model(spec, str(path))


def check_noise_model(spec, where: str = "noise model") -> dict:
    """A noise model's rules, every field checked; returned as given (it goes into the report)."""
    rules = spec.get("rules") if isinstance(spec, dict) else None
    if not isinstance(rules, list) or not rules or set(spec) != {"rules"}:
        raise PPFError(f"{where}: expected {{\"rules\": [...]}} with at least one rule")
    for i, rule in enumerate(rules):
        at = f"{where}: rule {i}"
        if not isinstance(rule, dict) or set(rule) - RULE_KEYS or not {"channel", "probability"} <= set(rule):
            raise PPFError(f"{at}: expected channel, probability and optionally gates and wires, got {rule!r}")
        if rule["channel"] not in NoiseChannel.values():
            raise PPFError(f"{at}: channel '{rule['channel']}' is not one of {list(NoiseChannel.values())}")
        p = rule["probability"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not (math.isfinite(p) and 0 <= p <= 1):
            raise PPFError(f"{at}: probability must be a number from 0 to 1, got {p!r}")
        if "gates" in rule and (not isinstance(rule["gates"], list) or not all(isinstance(g, str) for g in rule["gates"])):
            raise PPFError(f"{at}: gates must be a list of gate names, got {rule['gates']!r}")
        if "wires" in rule and (not isinstance(rule["wires"], list) or not all(
                isinstance(w, int) and not isinstance(w, bool) and w >= 0 for w in rule["wires"])):
            raise PPFError(f"{at}: wires must be a list of wire numbers, got {rule['wires']!r}")
    return spec


def noise_model(spec: dict):
    """The ``qml.NoiseModel`` of checked rules."""
    import pennylane as qml

    rules = {}
    for rule in spec["rules"]:
        condition = qml.noise.op_in(rule["gates"]) if "gates" in rule else qml.BooleanFn(lambda op: True)
        if "wires" in rule:
            condition = condition & qml.noise.wires_in(rule["wires"])
        rules[condition] = qml.noise.partial_wires(getattr(qml, rule["channel"]), rule["probability"])
    return qml.NoiseModel(rules)
