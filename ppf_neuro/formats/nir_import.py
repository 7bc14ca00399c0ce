r"""NIR graphs as netx networks: a chain ``Input -> [Flatten] -> (Affine|Linear|Conv2d) ->
(CubaLIF|LIF|IF) -> ... -> Output`` becomes a netx HDF5 file that deploys on Lava.

Each NIR node type has its handler (:data:`NODE_HANDLERS`), which updates the import's state: the
shape so far, the netx entries written so far, and the synapse waiting for its neuron node.
``w_in`` and ``r`` (and LIF's / IF's input scaling) are folded into the weights, which is exact:
the state is linear in them. Quantised as lava-dl does (8-bit weights, 12-bit decays): with
weight scale 64 when that represents every weight and the threshold exactly (a graph
:mod:`~ppf_neuro.formats.nir_export` wrote), otherwise with the largest per-layer scale that
keeps the weights in 8 bits (spikes are binary, so each layer may have its own). What cannot be
mapped exactly is refused by name: a ``v_leak`` whose voltage bias ``v_leak dt/tau_mem`` is no
integer at the layer's scale, a nonzero ``v_reset``, per-neuron parameters that differ, nodes
other than these, a graph that is not a chain; with ``approximate=True`` the first three are
approximated (bias rounded, reset ignored, parameters averaged) and each approximation is listed
in the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ppf_neuro.errors import PPFError
from ppf_neuro.formats.fixed_point import (
    DECAY_SCALE,
    THRESHOLD_MAX,
    WEIGHT_MAX,
    WEIGHT_SCALE,
    conv_output_shape,
)
from ppf_neuro.formats.netx import (
    ConvLayer,
    CubaNeuron,
    DenseLayer,
    Entry,
    Flatten,
    InputLayer,
    InputShape,
    write_netx_file,
)

SUPPORTED = "Input, Output, Flatten, Affine, Linear, Conv2d, CubaLIF, LIF, IF"


class _Mapping:
    """One NIR node's parameters as netx needs them; notes what had to be approximated."""

    def __init__(self, approximate: bool):
        self.approximate = approximate
        self.notes: list[str] = []

    def uniform(self, value, what: str, where: str) -> float:
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size and not np.allclose(arr, arr[0], rtol=1e-9, atol=0):
            if not self.approximate:
                raise PPFError(f"NIR node '{where}': per-neuron {what} differ (netx has one per layer); "
                               "--approximate would average them")
            self.notes.append(f"{where}: per-neuron {what} averaged ({arr.min():.4g} .. {arr.max():.4g})")
            return float(arr.mean())
        return float(arr[0]) if arr.size else 0.0

    def zero(self, value, what: str, where: str, consequence: str) -> float:
        v = self.uniform(value, what, where) if value is not None else 0.0
        if v != 0:
            if not self.approximate:
                raise PPFError(f"NIR node '{where}': {what} = {v:.4g} cannot be mapped exactly to netx; "
                               f"--approximate would {consequence}")
            self.notes.append(f"{where}: {what} = {v:.4g}, {consequence}")
        return v


@dataclass(frozen=True)
class _Synapse:
    """A synapse node waiting for its neuron node: ``make`` builds the netx layer from the
    quantised weights and the neurons."""

    name: str
    weight: np.ndarray
    make: Callable[..., Entry]


@dataclass
class _State:
    """The import so far: the current shape, the netx entries, the synapse waiting for neurons."""

    shape: tuple[int, ...]
    dt: float
    mapping: _Mapping
    entries: list[Entry] = field(default_factory=list)
    pending: _Synapse | None = None
    scales: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Neurons:
    """A neuron node as netx sees it: decays, the gain folded into the weights, threshold, bias."""

    alpha: float
    beta: float
    gain: float
    threshold: float
    bias: np.ndarray


def _ratio(numerator: float, tau: float, dt: float) -> float:
    """numerator * dt / tau, where inf / inf (a pure integrator, written as tau = w_in = inf) is dt-free 1."""
    if np.isinf(numerator) and np.isinf(tau):
        return 1.0
    return numerator * dt / tau


def _cuba_lif(node, name: str, dt: float, m: _Mapping) -> tuple[float, float, float]:
    tau_syn, tau_mem = m.uniform(node.tau_syn, "tau_syn", name), m.uniform(node.tau_mem, "tau_mem", name)
    gain = _ratio(m.uniform(node.w_in, "w_in", name), tau_syn, dt) * _ratio(m.uniform(node.r, "r", name), tau_mem, dt)
    return dt / tau_syn, dt / tau_mem, gain


def _lif(node, name: str, dt: float, m: _Mapping) -> tuple[float, float, float]:
    beta = dt / m.uniform(node.tau, "tau", name)
    return 1.0, beta, beta * m.uniform(node.r, "r", name)


def _if(node, name: str, dt: float, m: _Mapping) -> tuple[float, float, float]:
    return 1.0, 0.0, dt * m.uniform(node.r, "r", name)


def _neurons(node, name: str, dt: float, m: _Mapping) -> _Neurons:
    """CubaLIF / LIF / IF -> netx's view.

    Euler: I <- (1 - dt/tau_syn) I + (w_in dt/tau_syn) x and v <- (1 - dt/tau_mem) v + (r dt/tau_mem) I
    + (dt/tau_mem) v_leak. netx's u is (r dt/tau_mem) I, so the weights carry
    gain = (w_in dt/tau_syn)(r dt/tau_mem) and the bias is (dt/tau_mem) v_leak."""
    alpha, beta, gain = NEURON_KINDS[type(node).__name__](node, name, dt, m)
    v_leak = np.asarray(getattr(node, "v_leak", None) if getattr(node, "v_leak", None) is not None else 0.0,
                        dtype=float)  # per neuron: netx biases are per neuron too
    m.zero(getattr(node, "v_reset", None), "v_reset", name, "reset to 0 instead")
    return _Neurons(alpha, beta, gain, m.uniform(node.v_threshold, "v_threshold", name), beta * v_leak)


NEURON_KINDS: dict[str, Callable] = {"CubaLIF": _cuba_lif, "LIF": _lif, "IF": _if}


def _integral(x) -> bool:
    x = np.asarray(x, dtype=float)
    return bool(np.all(np.abs(x - np.round(x)) < 1e-6))


def _quantise(weight: np.ndarray, threshold: float, bias: np.ndarray, where: str, m: _Mapping) -> tuple:
    """Integer weights (8 bits), vThMant and bias mantissas (per neuron) at one scale for the layer."""
    exact = weight * WEIGHT_SCALE
    if (_integral(exact) and np.abs(exact).max(initial=0) <= WEIGHT_MAX and _integral(threshold * WEIGHT_SCALE)
            and _integral(bias * WEIGHT_SCALE)):
        scale = WEIGHT_SCALE
    else:
        peak = np.abs(weight).max(initial=0)
        scale = min(WEIGHT_MAX / peak if peak else WEIGHT_SCALE, THRESHOLD_MAX / max(threshold, 1e-12))
        m.notes.append(f"{where}: weights quantised to 8 bits at scale {scale:.4g} "
                       f"(largest weight error {np.abs(np.round(weight * scale) / scale - weight).max():.3g})")
    w = np.round(weight * scale).astype(np.int64)
    vth = int(round(threshold * scale))
    if vth < 1:
        raise PPFError(f"{where}: threshold {threshold:.4g} rounds to 0 at weight scale {scale:.4g}")
    mantissa = np.asarray(bias, dtype=float) * scale
    if not _integral(mantissa):  # a v_leak whose per-step bias is no integer at this scale
        worst = float(np.abs(mantissa - np.round(mantissa)).max())
        if not m.approximate:
            raise PPFError(f"{where}: v_leak gives voltage biases that are not integers at weight scale "
                           f"{scale:.4g} (off by up to {worst:.3g}): no exact netx bias; --approximate would round "
                           "them")
        m.notes.append(f"{where}: voltage biases rounded to integers (by up to {worst:.3g})")
    return w, vth, np.round(mantissa).astype(np.int64), scale


# ------------------------------------------------------------------------------ handlers per node type


def _on_flatten(node, name: str, st: _State) -> None:
    if len(st.shape) > 1:
        st.entries.append(Flatten())
        st.shape = (int(np.prod(st.shape)),)


def _on_scale(node, name: str, st: _State) -> None:
    """An input neuron layer's transform (netx 'input' with neurons)."""
    if st.entries and not isinstance(st.entries[-1], InputShape) or st.pending is not None:
        raise PPFError(f"NIR node '{name}': a Scale is supported only right after the Input")
    st.entries.clear()
    shape = st.shape

    def make(index, w, neuron, bias):
        if np.any(bias):
            raise PPFError(f"NIR node '{name}': an input layer with v_leak is not supported")
        return InputLayer(index=index, shape=shape, in_shape=shape, neuron=neuron, transform=(int(w[0, 0]), 0))

    st.pending = _Synapse(name, np.array([[st.mapping.uniform(node.scale, "scale", name)]]), make)


def _check_no_pending(name: str, st: _State) -> None:
    if st.pending is not None:
        raise PPFError(f"NIR node '{name}': two synapses in a row (expected a neuron node after "
                       f"'{st.pending.name}')")


def _on_dense(node, name: str, st: _State) -> None:
    import nir

    _check_no_pending(name, st)
    if isinstance(node, nir.Affine) and np.any(node.bias):
        raise PPFError(f"NIR node '{name}': a synaptic bias (into the current) has no netx equivalent")
    weight = np.asarray(node.weight, dtype=float)
    if weight.shape[1] != int(np.prod(st.shape)):
        raise PPFError(f"NIR node '{name}': weights take {weight.shape[1]} inputs, the graph gives "
                       f"{int(np.prod(st.shape))}")
    in_shape = st.shape

    def make(index, w, neuron, bias):
        return DenseLayer(index=index, shape=(w.shape[0],), in_shape=in_shape, neuron=neuron, weight=w,
                          bias=np.broadcast_to(bias, (w.shape[0],)).copy() if np.any(bias) else None)

    st.pending = _Synapse(name, weight, make)


def _on_conv(node, name: str, st: _State) -> None:
    _check_no_pending(name, st)
    if len(st.shape) != 3:
        raise PPFError(f"NIR node '{name}': a Conv2d needs a (C, H, W) input, got {st.shape}")
    if isinstance(node.padding, str):
        raise PPFError(f"NIR node '{name}': padding '{node.padding}' is not supported; give numbers")
    geometry = {k: tuple(int(v) for v in np.broadcast_to(np.asarray(getattr(node, k)), (2,)))
                for k in ("stride", "padding", "dilation")}
    if node.bias is not None and np.any(node.bias):
        raise PPFError(f"NIR node '{name}': a synaptic bias (into the current) has no netx equivalent")
    in_shape = st.shape

    def make(index, w, neuron, bias):
        out = conv_output_shape(in_shape, w.shape, geometry["stride"], geometry["padding"], geometry["dilation"])
        return ConvLayer(index=index, shape=out, in_shape=in_shape, neuron=neuron, weight=w,
                         bias=np.broadcast_to(bias, out).reshape(-1) if np.any(bias) else None,
                         groups=int(node.groups), **geometry)

    st.pending = _Synapse(name, np.asarray(node.weight, dtype=float), make)


def _on_neuron(node, name: str, st: _State) -> None:
    if st.pending is None:
        raise PPFError(f"NIR node '{name}' ({type(node).__name__}) is not supported (supported: {SUPPORTED})")
    syn = st.pending
    p = _neurons(node, name, st.dt, st.mapping)
    w, vth, bias, scale = _quantise(syn.weight * p.gain, p.threshold, p.bias, f"{syn.name}/{name}", st.mapping)
    neuron = CubaNeuron(type="CUBA", threshold=vth, current_decay=int(round(p.alpha * DECAY_SCALE)),
                        voltage_decay=int(round(p.beta * DECAY_SCALE)))
    layer = syn.make(len(st.entries), w, neuron, bias)
    st.entries.append(layer)
    st.scales.append(scale)
    st.shape, st.pending = layer.shape, None


#: NIR node class name -> its handler.
NODE_HANDLERS: dict[str, Callable] = {
    "Flatten": _on_flatten, "Scale": _on_scale, "Affine": _on_dense, "Linear": _on_dense, "Conv2d": _on_conv,
    **{kind: _on_neuron for kind in NEURON_KINDS},
}


# ------------------------------------------------------------------------------------------ the import


def _chain(graph) -> list[str]:
    """Node names from the Input to the Output; anything but a single chain is refused."""
    import nir

    succ: dict[str, list[str]] = {}
    pred: dict[str, list[str]] = {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    inputs = [k for k, v in graph.nodes.items() if isinstance(v, nir.Input)]
    if len(inputs) != 1:
        raise PPFError(f"NIR graph: expected one Input node, found {len(inputs)}")
    order, name = [], inputs[0]
    while True:
        order.append(name)
        if len(succ.get(name, [])) > 1 or len(pred.get(name, [])) > 1:
            raise PPFError(f"NIR graph: node '{name}' branches or merges; only chains map to netx")
        if not succ.get(name):
            break
        name = succ[name][0]
        if name in order:
            raise PPFError(f"NIR graph: a cycle through node '{name}' (recurrence is not supported)")
    if not isinstance(graph.nodes[order[-1]], nir.Output) or len(order) != len(graph.nodes):
        raise PPFError("NIR graph: the chain from the Input must reach the Output through every node")
    return order


def nir_to_entries(graph, approximate: bool = False) -> tuple[list[Entry], _State]:
    """The netx entries of the NIR chain ``graph`` and the import's state (notes, scales, dt)."""
    order = _chain(graph)
    dt = float(graph.metadata.get("dt", 1.0)) if isinstance(graph.metadata, dict) else 1.0
    inp = graph.nodes[order[0]]
    shape = tuple(int(v) for v in np.asarray(next(iter(inp.input_type.values()))).reshape(-1))
    st = _State(shape, dt, _Mapping(approximate), [InputShape(shape)] if len(shape) == 3 else [])
    for name in order[1:-1]:
        node = graph.nodes[name]
        handler = NODE_HANDLERS.get(type(node).__name__)
        if handler is None:
            raise PPFError(f"NIR node '{name}' ({type(node).__name__}) is not supported (supported: {SUPPORTED})")
        handler(node, name, st)
    if st.pending is not None:
        raise PPFError(f"NIR node '{st.pending.name}': a synapse without a neuron node before the Output")
    if not any(isinstance(e, (DenseLayer, ConvLayer)) for e in st.entries):
        raise PPFError("NIR graph: no synapse and neuron pair to deploy")
    return st.entries, st


def nir_to_netx(graph, path: str | Path, approximate: bool = False, steps: int | None = None) -> list[str]:
    """Write the NIR chain ``graph`` as a netx HDF5 file at ``path``; returns the approximations made."""
    entries, st = nir_to_entries(graph, approximate)
    provenance = {"source": "ppf-neuro nir_to_netx", "dt": st.dt, "scales": json.dumps(st.scales),
                  "approximations": json.dumps(st.mapping.notes)}
    write_netx_file(path, entries, {"nir_import": provenance}, steps)
    return st.mapping.notes
