"""Hardware profiles: per-operation energies and durations, each with its unit and its citation.

Profiles are data (``profiles/<name>.json`` beside this module, or any JSON file a
user passes), never literals in code. A profile names its ``kind``; each kind
needs certain constants, and every constant needs a numeric ``value``, the
expected ``unit`` and a non-empty ``citation``. A profile missing any of that is
refused by name: an energy figure must be traceable to its source.

::

    {"name": "...", "label": "...", "kind": "neuromorphic" | "cmos" | "qpu",
     "description": "...", "assumptions": ["..."],
     "constants": {"synop": {"value": 23.6, "unit": "pJ", "citation": "..."}, ...}}
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from ppf_neuro.errors import PPFError, read_json_file

PROFILE_DIR = Path(__file__).with_name("profiles")

#: The constants (and their unit) each kind of profile must give.
REQUIRED = {
    "neuromorphic": {"synop": "pJ", "neuron_update_active": "pJ", "neuron_update_inactive": "pJ",
                     "spike_within_tile": "pJ", "spike_across_tiles": "pJ"},
    "cmos": {"int8_add": "pJ", "int8_mult": "pJ", "fp32_add": "pJ", "fp32_mult": "pJ",
             "sram_8kb": "pJ", "sram_32kb": "pJ", "sram_1mb": "pJ"},
    "qpu": {"gate_1q": "ns", "gate_2q": "ns", "shot_overhead": "ns"},
}

#: Constants a profile may give (checked like the required ones when present): a neuromorphic chip's
#: times per operation make ``analyze`` estimate latency per inference (``latency.py``).
OPTIONAL = {
    "neuromorphic": {"synop_time": "ns", "neuron_update_active_time": "ns", "neuron_update_inactive_time": "ns",
                     "spike_out_time": "ns", "barrier_time": "ns"},
    "cmos": {},
    "qpu": {},
}


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    kind: str
    description: str
    assumptions: list[str]
    constants: dict[str, dict]

    def __getitem__(self, key: str) -> float:
        return float(self.constants[key]["value"])

    def has(self, *keys: str) -> bool:
        """Whether the profile gives all these (optional) constants."""
        return all(k in self.constants for k in keys)

    @property
    def sources(self) -> str:
        """Its label and the years of its citations, e.g. ``Intel Loihi (2018)``: which chip's figures, and
        how old, in one phrase for a printout."""
        years = sorted({m for c in self.constants.values() for m in re.findall(r"\b(?:19|20)\d\d\b", c["citation"])})
        return f"{self.label} ({', '.join(years) or 'undated'})"

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "kind": self.kind, "description": self.description,
                "assumptions": self.assumptions, "constants": self.constants}


def shipped() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.json"))


def load_profile(name_or_path: str | Path, kind: str) -> Profile:
    """A shipped profile by name, or a JSON file; it must be of ``kind`` and complete."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.json"
        if not path.is_file():
            raise PPFError(f"unknown profile '{name_or_path}'; shipped: {shipped()} (or give a JSON file)")
    return validate(read_json_file(path, "profile file"), str(path), kind)


def validate(data, where: str, kind: str) -> Profile:
    if not isinstance(data, dict):
        raise PPFError(f"profile '{where}': expected a JSON object")
    for key in ("name", "label", "kind", "description", "constants"):
        if not data.get(key):
            raise PPFError(f"profile '{where}': missing field '{key}'")
    if data["kind"] != kind:
        raise PPFError(f"profile '{where}' is a '{data['kind']}' profile; a '{kind}' profile is needed here")
    constants = data["constants"]
    optional = {name: unit for name, unit in OPTIONAL[kind].items() if isinstance(constants, dict) and name in constants}
    for name, unit in {**REQUIRED[kind], **optional}.items():
        c = constants.get(name) if isinstance(constants, dict) else None
        if not isinstance(c, dict):
            raise PPFError(f"profile '{where}': missing constant '{name}' (in {unit})")
        value = c.get("value")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
            raise PPFError(f"profile '{where}': constant '{name}' needs a finite non-negative numeric 'value', got "
                           f"{value!r}")
        if c.get("unit") != unit:
            raise PPFError(f"profile '{where}': constant '{name}' must be in {unit}, got unit {c.get('unit')!r}")
        if not isinstance(c.get("citation"), str) or not c["citation"].strip():
            raise PPFError(f"profile '{where}': constant '{name}' has no citation")
    return Profile(data["name"], data["label"], kind, data["description"], list(data.get("assumptions", [])),
                   {k: constants[k] for k in {**REQUIRED[kind], **optional}})
