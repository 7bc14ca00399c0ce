"""Writing netx files (and a bundle's ``/layer`` group) from the records, atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from ppf_neuro.atomic import atomic_path, hdf5_bytes
from ppf_neuro.formats.axes import reversed_axes
from ppf_neuro.formats.netx.layers import (
    LAYER_GROUP,
    ConvLayer,
    DenseLayer,
    Entry,
    Flatten,
    InputLayer,
    InputShape,
    NetxLayer,
)

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
            for key, value in values.items():  # a str subclass (an option's member) as the plain str h5py stores
                group.attrs[key] = str(value) if isinstance(value, str) else value
        if steps is not None:
            sim = f.create_group("simulation")
            sim.create_dataset("Ts", data=1)
            sim.create_dataset("tSample", data=int(steps))

    with atomic_path(path) as tmp:
        tmp.write_bytes(hdf5_bytes(fill))
    return path
