"""lava-dl's netx HDF5 network format: typed records, reader, writer and read-back check, in one place.

A netx file (lava-dl's ``export_hdf5``, a ppf-neuro bundle's ``/layer`` group, or ``import-nir``'s
output) holds groups ``/layer/0 .. L-1``, each with a ``type``. The reader turns them into the
layers netx would build, in PyTorch's (C, H, W) order:

* :class:`InputLayer`: netx's input neuron layer (no synapse; its neurons take ``weight * x + bias``
  of the input transform);
* :class:`DenseLayer`, :class:`ConvLayer` (stride, padding, dilation, groups), each with an
  optional per-neuron ``bias``;
* neurons as :class:`CubaNeuron` (netx's ``CUBA`` and ``LOIHI``) or :class:`SigmaDeltaNeuron`
  (``SDNN``); the table :data:`NEURON_READERS` is where the next kinds go.

A ``flatten`` entry changes the shape only, and an ``input`` entry without neurons only gives the
shape; neither is a layer. Everything else netx cannot build, or ppf-neuro cannot check (pool,
convT, unpool, average, concat, recurrent or complex layers, synaptic delays, resonate-and-fire
neurons), is refused before anything runs, naming the layer.

File conventions (lava-dl's exporters; netx's ``hdf5.py`` reads them the same way): shapes are
(C, H, W); dense weights (out, in); conv weights (out, in/groups, kh, kw) as a PyTorch
cross-correlation kernel, geometry in (H, W) order; integers in the units of
:mod:`ppf_neuro.formats.loihi_units`; a layer's ``bias`` is its neurons' ``bias_mant``, stored as
a scalar, one per channel, or one per neuron in netx's (W, H, C) order.

This module reads and writes files only (h5py and numpy): nothing here runs a network.
"""

from __future__ import annotations

import json

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, ClassVar, Union

import h5py
import numpy as np

from ppf_neuro.atomic import atomic_path, hdf5_bytes
from ppf_neuro.choices import MAX_STEPS, MAX_WIDTH
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.axes import reversed_axes
from ppf_neuro.formats.loihi_units import (
    BIAS_RANGE,
    WEIGHT_MAX,
    WEIGHT_RANGE,
    DECAY_SCALE,
    THRESHOLD_MAX,
    WEIGHT_EXP,
    WEIGHT_SCALE,
    conv_output_shape,
)

#: The group that holds the layers, in a netx file and in a bundle.
LAYER_GROUP = "layer"


# ------------------------------------------------------------------------------------------- records


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
        return 1 if readout == "counts" else 1 << (2 * WEIGHT_EXP)

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
        return 1 if readout == "counts" else 1 << (3 * WEIGHT_EXP if self.sigma_output else 2 * WEIGHT_EXP)


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


@dataclass(frozen=True, kw_only=True)
class _NeuronLayer:
    """What every layer with neurons has: its index in the file, output shape (CHW or (n,)), the
    shape it reads, its neurons and their optional per-neuron bias (CHW order)."""

    index: int
    shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    neuron: Neuron
    bias: np.ndarray | None = None

    @property
    def neurons(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True, kw_only=True)
class InputLayer(_NeuronLayer):
    """netx's input neuron layer: no synapse, the neurons receive ``transform`` = (weight, bias)
    applied to each input value."""

    kind: ClassVar[str] = "input"
    transform: tuple[int, int] = (WEIGHT_SCALE, 0)


@dataclass(frozen=True, kw_only=True)
class DenseLayer(_NeuronLayer):
    """A fully connected synapse (weights (out, in)) and its neurons; optionally synaptic delays and
    recurrent weights, which make a layer's spikes cross its window's reset (:attr:`NetxFile.carries`)."""

    kind: ClassVar[str] = "dense"
    weight: np.ndarray
    #: per-synapse delays (out, in) in steps beyond the synapse's own one, as netx expands the file's
    #: ``delay`` (one per output neuron, one per input, or a scalar); None where there are none (or all zero)
    delay: np.ndarray | None = None
    #: recurrent weights (out, out) of a ``dense_rec`` layer: its own spikes, one step later
    weight_rec: np.ndarray | None = None
    #: the imaginary part of a resonate-and-fire layer's complex weights (``weight`` is the real part)
    weight_imag: np.ndarray | None = None


@dataclass(frozen=True, kw_only=True)
class ConvLayer(_NeuronLayer):
    """A 2-D convolution (weights (out, in/groups, kh, kw), geometry in (H, W) order) and its neurons."""

    kind: ClassVar[str] = "conv"
    weight: np.ndarray
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1


NetxLayer = Union[InputLayer, DenseLayer, ConvLayer]


@dataclass(frozen=True)
class InputShape:
    """An ``input`` entry without neurons: it only states the input shape (CHW)."""

    shape: tuple[int, ...]


@dataclass(frozen=True)
class Flatten:
    """A ``flatten`` entry: the next layer reads the previous one's neurons as a vector."""


#: What a file holds, in order: what :func:`write_netx_file` takes.
Entry = Union[InputShape, Flatten, InputLayer, DenseLayer, ConvLayer]


@dataclass(frozen=True)
class NetxFile:
    """A parsed network: its input shape and its layers with neurons, in order. ``path``: the file it
    was read from; None for layers taken from a model in memory (the trained model's integer
    reference), which no file holds."""

    path: Path | None
    input_shape: tuple[int, ...]
    layers: list[NetxLayer]
    #: Time steps per sample the file names (netx's ``/simulation/tSample``), if any.
    steps: int | None = None
    #: Whether the file states its input shape (an ``input`` entry, or a dense first layer); False for a
    #: conv-first file (lava-dl's ``export_hdf5`` writes no input entry for one), whose shape was given
    #: from outside and which netx must be told too (``input_shape=``).
    declares_input: bool = True
    #: Where ``import-nir`` wrote the file: its ``/nir_import`` attributes (the per-layer quantisation
    #: errors under ``quantisation``); None for any other file.
    nir_import: dict | None = None

    @property
    def has_input_neurons(self) -> bool:
        return isinstance(self.layers[0], InputLayer)

    @property
    def carries(self) -> bool:
        """Whether spikes or states cross a window's start into the next sample (synaptic delays,
        recurrent weights, resonate-and-fire neurons, which are never reset): the samples then run as
        one stream, as on netx's own network."""
        return self.resonates or any(getattr(layer, "delay", None) is not None
                                     or getattr(layer, "weight_rec", None) is not None for layer in self.layers)

    @property
    def resonates(self) -> bool:
        """Whether a layer has resonate-and-fire neurons (netx gives them no resets: they run free)."""
        return any(isinstance(layer.neuron, ResonateNeuron) for layer in self.layers)

    @property
    def sigma_delta(self) -> bool:
        """Whether the network is a sigma-delta one (graded messages, free-running)."""
        return self.layers[0].neuron.graded


# -------------------------------------------------------------------------------------------- reader


#: The most weights one layer may declare (a 16,384 x 16,384 dense layer), checked before reading.
MAX_WEIGHTS = MAX_WIDTH ** 2


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


def _shape(value) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(value[()]).reshape(-1))


def _pair(value) -> tuple[int, int]:
    v = np.asarray(value).reshape(-1)
    return (int(v[0]), int(v[0])) if v.size == 1 else (int(v[0]), int(v[1]))


def _neuron(group, where: str) -> Neuron:
    if "neuron" not in group:
        raise PPFError(f"{where}: has no neuron group (ppf-neuro deploys spiking layers only)")
    params = group["neuron"]
    kind = str(_scalar(params["type"])) if "type" in params else "CUBA"
    if kind not in NEURON_READERS:
        why = UNSUPPORTED_NEURONS.get(kind, "not a neuron type netx builds")
        raise PPFError(f"{where}: neuron type {kind!r} is not supported: {why} (supported: {list(NEURON_TYPES)})")
    return NEURON_READERS[kind](kind, params, where)


def _bias_from_file(bias: np.ndarray, shape: tuple[int, ...], where: str, register: bool = True) -> np.ndarray:
    """Per-neuron biases (CHW order) from netx's layouts: a scalar, one per channel, or one per
    neuron in netx's (W, H, C) order (as ``netx.blocks.AbstractBlock._neuron`` broadcasts them);
    with ``register`` (LIF neurons) whole numbers that Lava's 13-bit ``bias_mant`` holds."""
    if register and (not np.isfinite(bias).all() or (bias != np.round(bias)).any()
                     or bias.min(initial=0) < BIAS_RANGE[0] or bias.max(initial=0) > BIAS_RANGE[1]):
        raise PPFError(f"{where}: biases must be whole numbers in {list(BIAS_RANGE)} (Lava's 13-bit bias_mant), "
                       f"found values in [{bias.min()}, {bias.max()}]")
    bias = bias.astype(np.int64)
    if bias.size == 1:
        return np.full(int(np.prod(shape)), int(bias.reshape(-1)[0]))
    if bias.size == shape[0] and len(shape) == 3:
        return np.repeat(bias.reshape(-1), shape[1] * shape[2])
    if bias.size == int(np.prod(shape)):
        return (reversed_axes(bias.reshape(shape[::-1]), 0) if len(shape) == 3 else bias).reshape(-1)
    raise PPFError(f"{where}: bias of {bias.size} values fits neither the {shape[0]} channels nor the "
                   f"{int(np.prod(shape))} neurons")


@dataclass
class _Cursor:
    """The reader's state between entries: the shape the next layer reads, and what was read."""

    shape: tuple[int, ...] | None = None
    input_shape: tuple[int, ...] | None = None
    layers: list[NetxLayer] = field(default_factory=list)
    #: the (C, H, W) input shape given from outside, for a file that starts with a convolution
    given_input: tuple[int, ...] | None = None
    used_given: bool = False

    def add(self, layer: NetxLayer, group, where: str) -> None:
        if "bias" in group and not isinstance(layer, InputLayer):
            layer = replace(layer, bias=_bias_from_file(np.asarray(group["bias"][()]), layer.shape, where,
                                                        isinstance(layer.neuron, CubaNeuron)))
        self.layers.append(layer)
        self.shape = layer.shape


def _read_flatten(g, index: int, where: str, cur: _Cursor) -> None:
    if cur.shape is None:
        raise PPFError(f"{where}: flatten before any shape is known")
    cur.shape = (int(np.prod(cur.shape)),)


def _read_input(g, index: int, where: str, cur: _Cursor) -> None:
    if cur.layers or cur.shape is not None:
        raise PPFError(f"{where}: an input layer must come first")
    cur.shape = cur.input_shape = _shape(g["shape"])
    if "neuron" in g:
        transform = (int(_scalar(g["weight"])) if "weight" in g else WEIGHT_SCALE,
                     int(_scalar(g["bias"])) if "bias" in g else 0)
        cur.add(InputLayer(index=index, shape=cur.shape, in_shape=cur.shape, neuron=_neuron(g, where),
                           transform=transform), g, where)


def _weight(g, kind: str, where: str, key: str = "weight") -> np.ndarray:
    if key not in g or not isinstance(g[key], h5py.Dataset):
        raise PPFError(f"{where}: {kind} layer has no (real) {key} dataset")
    if g[key].size > MAX_WEIGHTS:  # checked before reading: a compressed file can declare terabytes
        raise PPFError(f"{where}: {kind} {key} declared {g[key].shape}, {g[key].size:,} values; more than "
                       f"ppf-neuro reads ({MAX_WEIGHTS:,})")
    weight = np.asarray(g[key][()])
    if not np.issubdtype(weight.dtype, np.number) or not np.isfinite(weight).all():
        raise PPFError(f"{where}: {kind} weights must be finite numbers (found {weight.dtype}"
                       f"{', NaN or infinite values' if np.issubdtype(weight.dtype, np.number) else ''})")
    if (weight != np.round(weight)).any():
        raise PPFError(f"{where}: {kind} weights must be whole numbers (netx's integer weights; found e.g. "
                       f"{weight[weight != np.round(weight)].flat[0]})")
    if weight.size and (weight.min() < WEIGHT_RANGE[0] or weight.max() > WEIGHT_RANGE[1]
                        or (weight.min() < 0 and weight.max() > WEIGHT_MAX)):
        raise PPFError(f"{where}: {kind} {key} in [{weight.min():.6g}, {weight.max():.6g}]; netx maps 8-bit weights "
                       f"({WEIGHT_RANGE[0]} to {WEIGHT_RANGE[1]}, at most {WEIGHT_MAX} where some are negative) onto "
                       "Loihi's synapses and clips others, so Lava would not run these")
    return weight.astype(np.int64)


def _read_dense(g, index: int, where: str, cur: _Cursor, recurrent: bool = False) -> None:
    neuron = _neuron(g, where)
    complex_weights = isinstance(g.get("weight"), h5py.Group)
    if complex_weights and not isinstance(neuron, ResonateNeuron):
        raise PPFError(f"{where}: complex weights (weight/real, weight/imag) go with resonate-and-fire neurons, "
                       f"not {neuron.type}")
    if isinstance(neuron, ResonateNeuron) and not complex_weights:
        raise PPFError(f"{where}: {neuron.type} neurons take complex weights (weight/real, weight/imag)")
    weight = _weight(g, "dense", where, "weight/real" if complex_weights else "weight")
    out = int(np.prod(np.asarray(g["shape"][()])))
    weight = weight.reshape(out, -1)
    weight_imag = _weight(g, "dense", where, "weight/imag").reshape(weight.shape) if complex_weights else None
    if cur.shape is None:
        cur.shape = cur.input_shape = (weight.shape[1],)
    if weight.shape[1] != int(np.prod(cur.shape)):
        raise PPFError(f"{where}: dense weights take {weight.shape[1]} inputs, the layer before has "
                       f"{int(np.prod(cur.shape))}")
    weight_rec = None
    if recurrent:
        if "weight_rec" not in g:
            raise PPFError(f"{where}: a dense_rec layer without its recurrent weights (weight_rec)")
        weight_rec = _weight(g, "dense_rec", where, "weight_rec")
        if weight_rec.size != out * out:
            raise PPFError(f"{where}: {weight_rec.size} recurrent weights; {out} neurons take {out * out}")
        weight_rec = weight_rec.reshape(out, out)
        if "delay" in g and np.any(g["delay"][()]):
            raise PPFError(f"{where}: a recurrent layer with synaptic delays: netx 0.6 builds its delayed synapses "
                           "without the weight exponent and puts the feed-forward delays on the recurrent synapse too, "
                           "so Lava would not run the trained network")
    cur.add(DenseLayer(index=index, shape=(out,), in_shape=cur.shape, neuron=neuron, weight=weight,
                       delay=_delays(g, weight, where), weight_rec=weight_rec, weight_imag=weight_imag), g, where)


def _read_conv(g, index: int, where: str, cur: _Cursor) -> None:
    neuron = _neuron(g, where)
    if isinstance(neuron, ResonateNeuron):
        raise PPFError(f"{where}: resonate-and-fire neurons on a conv layer: netx builds them on complex dense "
                       "layers only")
    weight = _weight(g, "conv", where)
    if cur.shape is None and cur.given_input is not None:
        cur.shape = cur.input_shape = cur.given_input
        cur.used_given = True
    if cur.shape is None:
        raise PPFError(f"{where}: the file starts with a convolution and states no input shape (lava-dl's export "
                       "writes none for a conv-first net): give --input-shape C,H,W, or --inputs shaped (N, C, H, W, T)")
    if len(cur.shape) != 3:
        raise PPFError(f"{where}: a convolution needs a (C, H, W) input, the layer before gives {cur.shape}")
    weight = weight.reshape(weight.shape[:4])
    stride, padding, dilation = (_pair(g[k][()]) if k in g else d
                                 for k, d in (("stride", (1, 1)), ("padding", (0, 0)), ("dilation", (1, 1))))
    groups = int(_scalar(g["groups"])) if "groups" in g else 1
    c = cur.shape[0]
    if weight.shape[1] * groups != c or weight.shape[0] % groups:
        raise PPFError(f"{where}: kernel {weight.shape} with {groups} group(s) does not fit {c} input channels")
    out = conv_output_shape(cur.shape, weight.shape, stride, padding, dilation)
    declared = _shape(g["shape"])
    if declared != out:
        raise PPFError(f"{where}: declared shape {declared}, the convolution gives {out}")
    cur.add(ConvLayer(index=index, shape=out, in_shape=cur.shape, neuron=neuron, weight=weight, stride=stride,
                      padding=padding, dilation=dilation, groups=groups), g, where)


#: The file's layer ``type`` -> its reader (each updates the cursor).
LAYER_READERS: dict[str, Callable[[h5py.Group, int, str, _Cursor], None]] = {
    "input": _read_input, "dense": _read_dense, "conv": _read_conv, "flatten": _read_flatten,
    "dense_rec": lambda g, index, where, cur: _read_dense(g, index, where, cur, recurrent=True),
}


#: Layer types netx knows that ppf-neuro does not deploy, and why (the README's table).
UNSUPPORTED_LAYERS = {
    "dense_comp": "netx's own complex layer type, which lava-dl does not write: lava-dl writes resonate-and-fire "
                  "layers as 'dense' with weight/real and weight/imag, and those deploy",
    **{kind: "netx itself does not build it (NotImplementedError); for pooling use strided convolutions"
       for kind in ("pool", "convT", "unpool", "average", "concat")},
}


#: The longest synaptic delay netx builds (it clamps longer ones, with a warning: Loihi's 6 bits).
MAX_DELAY = 62


def _check_delays(g, kind: str, where: str) -> None:
    """Synaptic delays (lava-dl's ``delay=True`` blocks write ``delay``, zeros until trained): finite whole
    steps, at most netx's 62; on a conv layer only all zero, since netx 0.6 builds its Conv without them."""
    if "delay" not in g:
        return
    delay = np.asarray(g["delay"][()])
    if not np.issubdtype(delay.dtype, np.number) or not np.isfinite(delay).all():
        raise PPFError(f"{where}: synaptic delays must be finite numbers")
    if not np.any(delay):
        return
    if kind == "conv":
        raise PPFError(f"{where}: synaptic delays up to {int(np.max(delay))} steps on a conv layer: netx 0.6 builds "
                       "its Conv without them (the delays are dropped), so Lava would not run the trained network")
    if delay.min() < 0 or np.floor(delay).max() > MAX_DELAY:
        raise PPFError(f"{where}: synaptic delays in [{delay.min()}, {delay.max()}] steps; netx takes 0 to {MAX_DELAY} "
                       "(it clamps longer ones, which would change the network)")


def _delays(g, weight: np.ndarray, where: str) -> np.ndarray | None:
    """The file's delays expanded to (out, in) as netx expands them (``hdf5.Network.create_dense``):
    floored to whole steps (lava-dl writes floor(delay)); None where there are none or all are zero."""
    if "delay" not in g or not np.any(g["delay"][()]):
        return None
    delay = np.floor(np.asarray(g["delay"][()], dtype=np.float64)).astype(np.int64)
    if delay.size == 1:
        return np.full(weight.shape, int(delay.reshape(-1)[0]))
    if delay.ndim == 1 and delay.size == weight.shape[0]:  # netx: one per output neuron
        return np.repeat(delay.reshape(-1, 1), weight.shape[1], axis=1)
    if delay.ndim == 1 and delay.size == weight.shape[1]:  # netx: one per input
        return np.repeat(delay.reshape(1, -1), weight.shape[0], axis=0)
    if delay.shape == weight.shape:
        return delay
    raise PPFError(f"{where}: {delay.size} synaptic delays fit neither the layer's {weight.shape[0]} neurons nor "
                   f"its {weight.shape[1]} inputs")


def parse_netx_group(group, path: Path, input_shape: tuple[int, ...] | None = None) -> NetxFile:
    """A netx ``/layer`` group (of a file, or of an in-memory HDF5) as a :class:`NetxFile`; ``input_shape``
    (C, H, W) is used only where the file starts with a convolution and states none."""
    names = sorted(group, key=lambda k: int(k) if k.isdigit() else -1)
    if not names or any(not k.isdigit() for k in names) or [int(k) for k in names] != list(range(len(names))):
        raise PPFError(f"{path}: '/{LAYER_GROUP}' must hold groups 0..L-1, found {names}")
    cur = _Cursor(given_input=None if input_shape is None else tuple(int(v) for v in input_shape))
    for name in names:
        g, where = group[name], f"{path}: layer {name}"
        kind = str(_scalar(g["type"])) if "type" in g else "?"
        if kind not in LAYER_READERS:
            raise PPFError(f"{where}: type {kind!r} is not supported: "
                           f"{UNSUPPORTED_LAYERS.get(kind, 'not a layer type netx builds')} (deployed: "
                           f"{list(LAYER_READERS)})")
        _check_delays(g, kind, where)
        LAYER_READERS[kind](g, int(name), where, cur)
    if not cur.layers:
        raise PPFError(f"{path}: the network has no layer with neurons")
    kinds = {layer.neuron.graded for layer in cur.layers}
    if len(kinds) > 1:
        raise PPFError(f"{path}: the network mixes spiking (CUBA/LOIHI) and sigma-delta (SDNN) layers "
                       f"({[layer.neuron.type for layer in cur.layers]}); ppf-neuro deploys one kind per network")
    if any(layer.neuron.graded and layer.neuron.sigma_output for layer in cur.layers[:-1]):
        raise PPFError(f"{path}: a sigma_output (Sigma) layer that is not the last one")
    return NetxFile(path, tuple(cur.input_shape), cur.layers, declares_input=not cur.used_given)


def load_netx_file(path: str | Path, input_shape: tuple[int, ...] | None = None) -> NetxFile:
    """Parse and check a netx network (``input_shape``: see :func:`parse_netx_group`); every problem is a
    one-line PPFError naming the layer."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            return read_netx(f, path, input_shape)
    except (OSError, RuntimeError) as e:
        raise PPFError(f"{path}: netx layer description is damaged or incomplete: {type(e).__name__}: {e}") from None


#: The group ``import-nir`` writes its provenance into (``ppf_neuro.conversion.nir_to_netx``).
NIR_IMPORT_GROUP = "nir_import"


def _nir_import(f: h5py.File) -> dict | None:
    """The ``/nir_import`` attributes, JSON values decoded; None where the file has none (or they are
    not what ``import-nir`` writes: the deployment then says nothing of an import)."""
    group = f.get(NIR_IMPORT_GROUP)
    if not isinstance(group, h5py.Group):
        return None
    values = {}
    for key, value in group.attrs.items():
        value = value.decode() if isinstance(value, bytes) else value
        try:
            values[key] = json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value
        except ValueError:
            values[key] = value
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in values.items()}


def read_netx(f: h5py.File, path: Path, input_shape: tuple[int, ...] | None = None) -> NetxFile:
    """The netx network of an open file (a netx file, or the SNN of a bundle, read in the same pass);
    ``input_shape``: see :func:`parse_netx_group`."""
    try:
        if not isinstance(f.get(LAYER_GROUP), h5py.Group):
            raise PPFError(f"{path}: no '/{LAYER_GROUP}' group of layers: not a netx network")
        net = replace(parse_netx_group(f[LAYER_GROUP], path, input_shape), nir_import=_nir_import(f))
        steps = f.get("simulation/tSample")
        if not isinstance(steps, h5py.Dataset):
            return net
        value = _scalar(steps)
        steps = int(value)
        if steps != value:
            raise PPFError(f"{path}: /simulation/tSample is {value}; time steps per sample are a whole number")
        if not 1 <= steps <= MAX_STEPS:
            raise PPFError(f"{path}: /simulation/tSample is {steps}; a sample takes 1 to {MAX_STEPS} steps")
        return replace(net, steps=steps)
    except PPFError:
        raise
    except (KeyError, ValueError, TypeError, OSError, IndexError, RuntimeError, AttributeError) as e:
        # RuntimeError: h5py on a damaged file (a flipped byte in a B-tree node or a heap)
        raise PPFError(f"{path}: netx layer description is damaged or incomplete: {type(e).__name__}: {e}") from None


# -------------------------------------------------------------------------------------------- writer


def _bias_to_file(bias: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """netx's layout of a per-neuron (CHW) bias: one per channel where it is constant within
    channels, else per neuron in netx's (W, H, C) order (the inverse of :func:`_bias_from_file`)."""
    if len(shape) == 3:
        chw = np.asarray(bias).reshape(shape)
        per_channel = chw.reshape(shape[0], -1)
        if np.all(per_channel == per_channel[:, :1]):
            return per_channel[:, 0]
        return reversed_axes(chw, 0)
    return np.asarray(bias)


def _write_type(g: h5py.Group, kind: str) -> None:
    g.create_dataset("type", (1,), "S10", [kind.encode()])


def _write_neurons(g: h5py.Group, layer: NetxLayer) -> None:
    g.create_dataset("shape", data=np.asarray(layer.shape))
    for key, value in layer.neuron.as_params().items():
        g.create_dataset(f"neuron/{key}", data=value)
    if layer.bias is not None and not isinstance(layer, InputLayer):
        g.create_dataset("bias", data=_bias_to_file(layer.bias, layer.shape))


def _write_input(g: h5py.Group, entry: InputShape | InputLayer) -> None:
    _write_type(g, "input")
    if isinstance(entry, InputShape):
        g.create_dataset("shape", data=np.asarray(entry.shape))
        return
    _write_neurons(g, entry)
    g.create_dataset("weight", data=entry.transform[0])
    if entry.transform[1]:
        g.create_dataset("bias", data=entry.transform[1])


def _write_synapse_layer(g: h5py.Group, layer: DenseLayer | ConvLayer) -> None:
    recurrent = getattr(layer, "weight_rec", None) is not None
    _write_type(g, "dense_rec" if recurrent else layer.kind)
    _write_neurons(g, layer)
    g.create_dataset("weight", data=layer.weight)
    if recurrent:
        g.create_dataset("weight_rec", data=layer.weight_rec)
    if getattr(layer, "delay", None) is not None:
        g.create_dataset("delay", data=layer.delay)
    if isinstance(layer, ConvLayer):
        for key in ("stride", "padding", "dilation"):
            g.create_dataset(key, data=np.asarray(getattr(layer, key)))
        g.create_dataset("groups", data=layer.groups)


ENTRY_WRITERS: dict[type, Callable[[h5py.Group, Entry], None]] = {
    InputShape: _write_input, InputLayer: _write_input, Flatten: lambda g, e: _write_type(g, "flatten"),
    DenseLayer: _write_synapse_layer, ConvLayer: _write_synapse_layer,
}


def write_input_shape(group: h5py.Group, index: int, shape: tuple[int, ...]) -> None:
    """Entry ``index`` of ``group``: an ``input`` entry giving the shape only (what netx needs before
    a first convolution)."""
    _write_input(group.create_group(str(index)), InputShape(tuple(shape)))


def write_layer_group(group: h5py.Group, entries: list[Entry]) -> None:
    """``entries`` as groups 0..L-1 of ``group`` (a file's ``/layer``)."""
    for i, entry in enumerate(entries):
        ENTRY_WRITERS[type(entry)](group.create_group(str(i)), entry)


def write_netx_file(path: str | Path, entries: list[Entry], attrs: dict[str, dict] | None = None,
                    steps: int | None = None) -> Path:
    """A netx file at ``path``, written atomically: the entries, ``attrs`` as groups of attributes
    (group name -> {key: value}), and ``steps`` as netx's ``/simulation/tSample``."""
    path = Path(path)

    def fill(f: h5py.File) -> None:
        write_layer_group(f.create_group(LAYER_GROUP), entries)
        for name, values in (attrs or {}).items():
            group = f.create_group(name)
            for key, value in values.items():
                group.attrs[key] = value
        if steps is not None:
            sim = f.create_group("simulation")
            sim.create_dataset("Ts", data=1)
            sim.create_dataset("tSample", data=int(steps))

    with atomic_path(path) as tmp:
        tmp.write_bytes(hdf5_bytes(fill))
    return path


# ---------------------------------------------------------------------------------- read-back check


def verify_layers(net: NetxFile, expected: list[tuple[np.ndarray, Neuron]]) -> None:
    """The written file's layers against what the model holds: (weights, neurons) per layer with
    neurons, compared exactly. Raises a PPFError naming the first difference."""
    if len(net.layers) != len(expected):
        raise PPFError(f"exported {len(net.layers)} netx layers with neurons, the PyTorch model has {len(expected)}")
    for i, (layer, (weight, neuron)) in enumerate(zip(net.layers, expected)):
        written = getattr(layer, "weight", None)
        if written is None or written.shape != weight.shape or not np.array_equal(written, weight):
            raise PPFError(f"netx layer {i}: written weights differ from the quantised PyTorch weights")
        for f in fields(neuron):
            got, want = getattr(layer.neuron, f.name), getattr(neuron, f.name)
            if got != want:
                key = CubaNeuron.KEYS.get(f.name, f.name)
                raise PPFError(f"netx layer {i}: neuron parameter {key} written as {got!r}, the model has {want!r}")
