"""Any netx HDF5 network (lava-dl's ``export_hdf5``, or a ppf-neuro bundle's ``/layer`` group), read
with h5py alone: the layers netx would build, in PyTorch's (C, H, W) order.

Supported, as netx builds them: ``input`` (a shape, or a neuron layer with its ``weight``/``bias``
input transform), ``dense`` and ``conv`` (stride, padding, dilation, groups) with optional
``bias``, ``flatten``; CUBA and LOIHI neurons. Everything else netx cannot build, or ppf-neuro
cannot check (pool, convT, unpool, average, concat, recurrent or complex layers, synaptic delays,
SDNN and resonate-and-fire neurons), is refused before anything runs, naming the layer.

File conventions (lava-dl's exporters; netx's ``hdf5.py`` reads them the same way): shapes are
(C, H, W); dense weights (out, in); conv weights (out, in/groups, kh, kw) as a PyTorch
cross-correlation kernel, geometry in (H, W) order; integers in units of 1/64 of SLAYER's
(``vThMant``, weights, biases); a layer's ``bias`` is its neurons' ``bias_mant`` (exponent 6).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import torch

from ppf_neuro.bundle_schema import NETX_GROUP
from ppf_neuro.errors import PPFError

NEURON_TYPES = ("CUBA", "LOIHI")
LAYER_TYPES = ("input", "dense", "conv", "flatten")


@dataclass(frozen=True)
class NetxLayer:
    """One layer with neurons. ``kind``: ``input`` (no synapse: the neurons take the input through
    ``transform`` = (weight, bias)), ``dense`` or ``conv``. ``shape`` and ``in_shape`` are CHW
    (or (n,)); ``bias`` is per output neuron (bias_mant) or None."""

    index: int
    kind: str
    shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    neuron: dict
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    transform: tuple[int, int] = (64, 0)

    @property
    def neurons(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True)
class NetxFile:
    path: Path
    input_shape: tuple[int, ...]
    layers: list[NetxLayer]

    @property
    def has_input_neurons(self) -> bool:
        return self.layers[0].kind == "input"


def _text(ds) -> str:
    value = ds[()]
    value = value[0] if getattr(value, "shape", ()) else value
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


def _pair(value) -> tuple[int, int]:
    v = np.asarray(value).reshape(-1)
    return (int(v[0]), int(v[0])) if v.size == 1 else (int(v[0]), int(v[1]))


def _neuron(group, where: str) -> dict:
    if "neuron" not in group:
        raise PPFError(f"{where}: has no neuron group (ppf-neuro deploys spiking layers only)")
    params = {k: group["neuron"][k][()] for k in group["neuron"]}
    kind = _text(group["neuron"]["type"]) if "type" in group["neuron"] else "CUBA"
    if kind not in NEURON_TYPES:
        raise PPFError(f"{where}: neuron type {kind!r} is not supported (supported: {list(NEURON_TYPES)})")
    for key in ("vThMant", "iDecay", "vDecay"):
        if key not in params:
            raise PPFError(f"{where}: neuron group lacks '{key}'")
    if bool(np.asarray(params.get("gradedSpike", False)).reshape(-1)[0]):
        raise PPFError(f"{where}: graded-spike neurons are not supported")
    return {"type": kind, **{k: int(np.asarray(params[k]).reshape(-1)[0]) for k in ("vThMant", "iDecay", "vDecay")}}


def _bias(bias: np.ndarray, shape: tuple[int, ...], where: str) -> np.ndarray:
    """Per-neuron biases (CHW order) from netx's layouts: a scalar, one per channel, or one per
    neuron in netx's (W, H, C) order (as ``netx.blocks.AbstractBlock._neuron`` broadcasts them)."""
    bias = bias.astype(np.int64)
    if bias.size == 1:
        return np.full(int(np.prod(shape)), int(bias.reshape(-1)[0]))
    if bias.size == shape[0] and len(shape) == 3:
        return np.repeat(bias.reshape(-1), shape[1] * shape[2])
    if bias.size == int(np.prod(shape)):
        return (bias.reshape(shape[::-1]).transpose(*range(len(shape))[::-1]) if len(shape) == 3 else bias).reshape(-1)
    raise PPFError(f"{where}: bias of {bias.size} values fits neither the {shape[0]} channels nor the "
                   f"{int(np.prod(shape))} neurons")


def conv_output_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """One spatial output size of a convolution (kernel k, stride s, padding p, dilation d)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def load_netx_file(path: str | Path) -> NetxFile:
    """Parse and check a netx network; every problem is a one-line PPFError naming the layer."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            if NETX_GROUP not in f:
                raise PPFError(f"{path}: no '/{NETX_GROUP}' group: not a netx network")
            return parse_netx_group(f[NETX_GROUP], path)
    except PPFError:
        raise
    except (KeyError, ValueError, TypeError, OSError, IndexError) as e:
        raise PPFError(f"{path}: netx layer description is damaged or incomplete: {type(e).__name__}: {e}") from None


def parse_netx_group(group, path: Path) -> NetxFile:
    """A netx ``/layer`` group (of a file, or of an in-memory HDF5) as a :class:`NetxFile`."""
    names = sorted(group, key=lambda k: int(k) if k.isdigit() else -1)
    if not names or any(not k.isdigit() for k in names) or [int(k) for k in names] != list(range(len(names))):
        raise PPFError(f"{path}: '/{NETX_GROUP}' must hold groups 0..L-1, found {names}")
    layers: list[NetxLayer] = []
    shape: tuple[int, ...] | None = None
    input_shape = None
    for name in names:
        g = group[name]
        where = f"{path}: layer {name}"
        kind = _text(g["type"]) if "type" in g else "?"
        if kind not in LAYER_TYPES:
            raise PPFError(f"{where}: type {kind!r} is not supported (netx builds {list(LAYER_TYPES)}; "
                           "use strided convolutions instead of pooling)")
        if "delay" in g:
            raise PPFError(f"{where}: synaptic delays are not supported")
        if kind == "flatten":
            if shape is None:
                raise PPFError(f"{where}: flatten before any shape is known")
            shape = (int(np.prod(shape)),)
            continue
        if kind == "input":
            if layers or shape is not None:
                raise PPFError(f"{where}: an input layer must come first")
            shape = tuple(int(v) for v in np.asarray(g["shape"][()]).reshape(-1))
            input_shape = shape
            if "neuron" in g:
                weight = int(np.asarray(g["weight"][()]).reshape(-1)[0]) if "weight" in g else 64
                bias = int(np.asarray(g["bias"][()]).reshape(-1)[0]) if "bias" in g else 0
                layers.append(NetxLayer(int(name), "input", shape, shape, _neuron(g, where), transform=(weight, bias)))
            continue
        if "weight" not in g or not isinstance(g["weight"], h5py.Dataset):
            raise PPFError(f"{where}: {kind} layer has no (real) weight dataset")
        weight = np.asarray(g["weight"][()]).astype(np.int64)
        neuron = _neuron(g, where)
        if kind == "dense":
            out = int(np.prod(np.asarray(g["shape"][()])))
            weight = weight.reshape(out, -1)
            if shape is None:
                shape = input_shape = (weight.shape[1],)
            if weight.shape[1] != int(np.prod(shape)):
                raise PPFError(f"{where}: dense weights take {weight.shape[1]} inputs, the layer before has "
                               f"{int(np.prod(shape))}")
            layer = NetxLayer(int(name), "dense", (out,), shape, neuron, weight)
        else:
            if shape is None or len(shape) != 3:
                raise PPFError(f"{where}: a convolution needs a (C, H, W) input; start the file with an 'input' "
                               "layer that gives the shape")
            weight = weight.reshape(weight.shape[:4])
            stride, padding, dilation = (_pair(g[k][()]) if k in g else d
                                         for k, d in (("stride", (1, 1)), ("padding", (0, 0)), ("dilation", (1, 1))))
            groups = int(np.asarray(g["groups"][()]).reshape(-1)[0]) if "groups" in g else 1
            c, h, w = shape
            if weight.shape[1] * groups != c or weight.shape[0] % groups:
                raise PPFError(f"{where}: kernel {weight.shape} with {groups} group(s) does not fit {c} input channels")
            out = (weight.shape[0], *(conv_output_size(n, k, s, p, d) for n, k, s, p, d in
                                      zip((h, w), weight.shape[2:], stride, padding, dilation)))
            declared = tuple(int(v) for v in np.asarray(g["shape"][()]).reshape(-1))
            if declared != out:
                raise PPFError(f"{where}: declared shape {declared}, the convolution gives {out}")
            layer = NetxLayer(int(name), "conv", out, shape, neuron, weight, stride=stride, padding=padding,
                              dilation=dilation, groups=groups)
        if "bias" in g:
            layer = dataclasses.replace(layer, bias=_bias(np.asarray(g["bias"][()]), layer.shape, where))
        layers.append(layer)
        shape = layer.shape
    if not layers:
        raise PPFError(f"{path}: the network has no layer with neurons")
    return NetxFile(path, tuple(input_shape), layers)


def fan_outs(net: NetxFile) -> list[dict]:
    """Per presynaptic neuron of every layer's input (CHW order): its nonzero and dense fan-out.

    A spike of presynaptic neuron j costs one synaptic operation per nonzero synapse it
    drives; convolutions count their real per-position fan-out (borders, stride, dilation,
    groups included), by differentiating the sum of a convolution with the 0/1 kernel.
    An input neuron layer's transform is one operation per input spike.
    """
    out = []
    for layer in net.layers:
        if layer.kind == "input":
            ones = np.ones(layer.neurons)
            fan = {"kind": "input", "nonzero": ones, "dense": ones, "parameters": 1, "nonzero_weights": 1}
        elif layer.kind == "dense":
            mask = layer.weight != 0
            fan = {"kind": "dense", "nonzero": mask.sum(0).astype(float),
                   "dense": np.full(mask.shape[1], float(mask.shape[0]))}
        else:
            mask = torch.from_numpy((layer.weight != 0).astype(np.float64))
            fan = {"kind": "conv", "nonzero": _conv_fan_out(layer, mask),
                   "dense": _conv_fan_out(layer, torch.ones_like(mask))}
        if layer.weight is not None:
            fan.update(parameters=int(layer.weight.size), nonzero_weights=int(np.count_nonzero(layer.weight)))
        fan["biases"] = 0 if layer.bias is None else int(layer.bias.size)
        out.append(fan)
    return out


def _conv_fan_out(layer: NetxLayer, kernel: torch.Tensor) -> np.ndarray:
    x = torch.zeros(1, *layer.in_shape, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(x, kernel, stride=layer.stride, padding=layer.padding,
                                   dilation=layer.dilation, groups=layer.groups)
    y.sum().backward()
    return x.grad.flatten().numpy()
