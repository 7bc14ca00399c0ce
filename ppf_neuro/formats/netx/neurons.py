"""netx's neuron kinds as typed records (CUBA/LOIHI, SDNN, resonate-and-fire), each read from a ``neuron``
group by its own ``from_params``: the table :data:`NEURON_READERS` is where the next kinds go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar, Union

import h5py
import numpy as np

from ppf_neuro.choices import LavaReadout
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.loihi_units import DECAY_SCALE, THRESHOLD_MAX, WEIGHT_EXP

def _check_value(value, key: str, low: int, high: int | None, where: str) -> None:
    """A neuron parameter netx would pass on as it is: a whole number within Loihi's range."""
    if value != int(value) or value < low or (high is not None and value > high):
        rule = f"a whole number >= {low}" if high is None else f"a whole number in [{low}, {high}]"
        raise PPFError(f"{where}: neuron {key} is {value}; Loihi takes {rule}")


def _scalar(value):
    """The first element of a dataset or value (netx writes scalars as (1,) arrays)."""
    value = value[()] if isinstance(value, h5py.Dataset) else value
    value = np.asarray(value).reshape(-1)[0]
    return value.decode("ascii") if isinstance(value, bytes) else value


def _layer_value(value, key: str, where: str):
    """A neuron parameter that Lava's neurons hold once per layer: a scalar, or per-neuron values that
    are all equal; values that differ are refused by name (netx would hand Lava the array, which its
    one-value register does not hold: a deployment would run another network)."""
    raw = value[()] if isinstance(value, h5py.Dataset) else value
    flat = np.asarray(raw).reshape(-1)
    if flat.size > 1 and np.issubdtype(flat.dtype, np.number) and (flat != flat[0]).any():
        raise PPFError(f"{where}: per-neuron {key} ({flat.size} values from {flat.min()} to {flat.max()}): Lava's "
                       "neurons hold one value per layer, so ppf-neuro does not deploy values that differ")
    return _scalar(value)


@dataclass(frozen=True)
class CubaNeuron:
    """Current-based LIF neurons (netx ``CUBA``, and ``LOIHI`` which netx builds the same way).

    Integers as in the file: ``threshold`` is ``vThMant`` (a spike when v > threshold << 6),
    ``current_decay``/``voltage_decay`` are ``iDecay``/``vDecay`` (12-bit fractions).
    """

    type: str
    threshold: int
    current_decay: int
    voltage_decay: int
    ref_delay: int = 1
    #: The file's ``gradedSpike``: netx 0.6 reads no such key and builds Lava's binary LIF whatever
    #: it says, so these neurons deploy (and are referenced) as 0/1 spikes; SLAYER trained them with
    #: graded outputs, which ``compared`` points out.
    graded_spike: bool = False

    #: Field name -> the file's key. Required keys first; the last two are optional in a file.
    KEYS: ClassVar[dict[str, str]] = {"threshold": "vThMant", "current_decay": "iDecay",
                                      "voltage_decay": "vDecay", "ref_delay": "refDelay",
                                      "graded_spike": "gradedSpike"}
    REQUIRED: ClassVar[tuple[str, ...]] = ("vThMant", "iDecay", "vDecay")

    #: Whether the neurons send graded payloads (else 0/1 spikes).
    graded: ClassVar[bool] = False

    @property
    def threshold_state(self) -> int:
        """The threshold in state units (what v is compared with)."""
        return self.threshold << WEIGHT_EXP

    @staticmethod
    def output_unit(readout: str) -> int:
        """What 1.0 is in a readout's integers: a spike for counts, 2^12 for the voltage."""
        return 1 if readout == LavaReadout.COUNTS else 1 << (2 * WEIGHT_EXP)

    @classmethod
    def from_params(cls, kind: str, params, where: str) -> CubaNeuron:
        """From netx's keys (an HDF5 ``neuron`` group, or lava-dl's ``device_params`` dict)."""
        for key in cls.REQUIRED:
            if key not in params:
                raise PPFError(f"{where}: neuron group lacks '{key}'")
        values = {name: _layer_value(params[key], key, where) for name, key in cls.KEYS.items() if key in params}
        for name, low, high in (("threshold", 1, THRESHOLD_MAX), ("current_decay", 0, DECAY_SCALE),
                                ("voltage_decay", 0, DECAY_SCALE)):
            _check_value(values[name], cls.KEYS[name], low, high, where)
        return cls(type=kind, **{k: bool(v) if k == "graded_spike" else int(v) for k, v in values.items()})

    def as_params(self) -> dict:
        """The file's keys and values (what :func:`write_netx_file` stores)."""
        return {"type": self.type, **{key: getattr(self, name) for name, key in self.KEYS.items()}}


@dataclass(frozen=True)
class SigmaDeltaNeuron:
    """Sigma-delta neurons (netx ``SDNN``, lava-dl's ``slayer.block.sigma_delta``): graded messages.

    netx builds an input layer as Lava's ``Delta``, a layer whose group has ``sigma_output`` as
    ``Sigma`` (the output accumulates), every other as ``SigmaDelta`` with ReLU; ``threshold`` is
    ``vThMant`` (the delta threshold, 64 = 1.0). They run free: netx ignores resets, so a sample's
    window starts from the state the previous sample left.
    """

    type: str
    threshold: int
    sigma_output: bool = False

    graded: ClassVar[bool] = True
    KEYS: ClassVar[dict[str, str]] = {"threshold": "vThMant", "sigma_output": "sigma_output"}

    @classmethod
    def from_params(cls, kind: str, params, where: str) -> SigmaDeltaNeuron:
        sigma_output = "sigma_output" in params and bool(_scalar(params["sigma_output"]))
        if "vThMant" not in params and not sigma_output:
            raise PPFError(f"{where}: SDNN neuron group lacks 'vThMant'")
        activation = str(_scalar(params["activation"])) if "activation" in params else "relu"
        if activation != "relu" and not sigma_output:
            raise PPFError(f"{where}: SDNN activation {activation!r}: netx builds ReLU sigma-delta neurons whatever "
                           "the file says, so the file and the deployed network would differ")
        threshold = _scalar(params["vThMant"]) if "vThMant" in params else 0
        _check_value(threshold, "vThMant", 0, None, where)
        return cls(kind, int(threshold), sigma_output)

    def as_params(self) -> dict:
        params = {"type": self.type, "vThMant": self.threshold, "activation": "relu"}
        return {**params, "sigma_output": True} if self.sigma_output else params

    def output_unit(self, readout: str) -> int:
        """What 1.0 is in the payloads: 2^12 for Delta/SigmaDelta messages, 2^18 for a Sigma's sum
        (weights and messages carry 6 fractional bits each, and Lava's state 6 more)."""
        return 1 if readout == LavaReadout.COUNTS else 1 << (3 * WEIGHT_EXP if self.sigma_output else 2 * WEIGHT_EXP)


@dataclass(frozen=True)
class ResonateNeuron:
    """Resonate-and-fire neurons (lava-dl's ``rf``/``rf_iz``/``adrf``/``adrf_iz`` blocks): a complex state
    driven by a complex synapse (weights ``weight`` real and ``weight_imag``), no resets (netx gives
    them none: they run free). netx builds ``*PHASE`` types as Lava's ``RF`` (a spike where the real
    part is at least the threshold as the imaginary part crosses zero upwards), every other as
    ``RF_IZ`` (a spike where the imaginary part reaches the threshold; the state resets); the
    adaptive threshold of the ``ADRF`` types (vThStep, thDecay, refDecay) is dropped.

    Integers as in the file: ``threshold`` is ``vThMant``, ``sin_decay``/``cos_decay`` are
    ``sinDecay``/``cosDecay`` (12-bit fractions).
    """

    type: str
    threshold: int
    sin_decay: int
    cos_decay: int

    graded: ClassVar[bool] = False
    KEYS: ClassVar[dict[str, str]] = {"threshold": "vThMant", "sin_decay": "sinDecay", "cos_decay": "cosDecay"}
    #: What the ADRF types carry that netx does not build.
    DROPPED: ClassVar[tuple[str, ...]] = ("vThStep", "thDecay", "refDecay")

    @property
    def phase(self) -> bool:
        """Lava's ``RF`` (netx: the type names ``PHASE``), else ``RF_IZ``."""
        return "PHASE" in self.type

    @property
    def adaptive_dropped(self) -> bool:
        return self.type.startswith("ADRF")

    @staticmethod
    def output_unit(readout: str) -> int:
        return 1

    @classmethod
    def from_params(cls, kind: str, params, where: str) -> "ResonateNeuron":
        for key in cls.KEYS.values():
            if key not in params:
                raise PPFError(f"{where}: resonate-and-fire neuron group lacks '{key}'")
        values = {name: _layer_value(params[key], key, where) for name, key in cls.KEYS.items()}
        _check_value(values["threshold"], "vThMant", 1, THRESHOLD_MAX, where)
        for name in ("sin_decay", "cos_decay"):
            _check_value(values[name], cls.KEYS[name], -DECAY_SCALE, DECAY_SCALE, where)
        return cls(type=kind, **{k: int(v) for k, v in values.items()})

    def as_params(self) -> dict:
        return {"type": self.type, **{key: getattr(self, name) for name, key in self.KEYS.items()}}


Neuron = Union[CubaNeuron, SigmaDeltaNeuron, ResonateNeuron]
#: Neuron type (the file's ``neuron/type``) -> its record's reader.
NEURON_READERS: dict[str, Callable[[str, object, str], Neuron]] = {
    "CUBA": CubaNeuron.from_params,
    "LOIHI": CubaNeuron.from_params,
    "SDNN": SigmaDeltaNeuron.from_params,
    **{kind: ResonateNeuron.from_params for kind in ("RF", "RF_PHASE", "RF_IZHIKEVICH", "ADRF_PHASE", "ADRF_IZHIKEVICH")},
}
NEURON_TYPES = tuple(NEURON_READERS)
#: Neuron types lava-dl 0.6 writes that ppf-neuro does not deploy, and why (docs/usage.md's table).
UNSUPPORTED_NEURONS = {
    "ALIF": "netx 0.6 cannot build adaptive LIF neurons (its get_neuron_params has no case for ALIF: building the "
            "network fails with AttributeError), so there is no Lava network to deploy",
}
