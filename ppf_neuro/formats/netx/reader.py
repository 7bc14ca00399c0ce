"""Reading a netx file into :class:`~ppf_neuro.formats.netx.layers.NetxFile`: a reader per layer type
(:data:`LAYER_READERS`), every value checked against what netx and Loihi take, every problem a one-line
PPFError naming the layer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from ppf_neuro.choices import MAX_STEPS, MAX_WIDTH
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.axes import reversed_axes
from ppf_neuro.formats.loihi_units import BIAS_RANGE, WEIGHT_MAX, WEIGHT_RANGE, WEIGHT_SCALE, conv_output_shape
from ppf_neuro.formats.netx.layers import (
    LAYER_GROUP,
    ConvLayer,
    DenseLayer,
    InputLayer,
    NetxFile,
    NetxLayer,
)
from ppf_neuro.formats.netx.neurons import (
    NEURON_READERS,
    NEURON_TYPES,
    UNSUPPORTED_NEURONS,
    CubaNeuron,
    Neuron,
    ResonateNeuron,
    _scalar,
)

#: The most weights one layer may declare (a 16,384 x 16,384 dense layer), checked before reading.
MAX_WEIGHTS = MAX_WIDTH ** 2


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
