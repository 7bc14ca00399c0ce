r"""NIR graphs as netx networks: a chain ``Input -> [Flatten] -> (Affine|Linear|Conv2d) ->
(CubaLIF|LIF|IF) -> ... -> Output`` becomes a netx HDF5 file that deploys on Lava.

Each NIR node type has its handler (:data:`NODE_HANDLERS`), which updates the import's state: the
shape so far, the netx entries written so far, and the synapse waiting for its neuron node. The
neuron nodes' mapping is :mod:`~ppf_neuro.conversion.nir_neurons`, the integers
:mod:`~ppf_neuro.conversion.nir_quantisation`, the exact-or-approximate policy
:mod:`~ppf_neuro.conversion.nir_mapping`; this module walks the graph.
Time constants become per-step decays at the graph's ``dt`` (:mod:`~ppf_neuro.formats.nir_time`:
the graph's metadata, else ``--dt``, else 1e-4 s). ``w_in`` and ``r`` (and LIF's / IF's input
scaling) are folded into the weights, which is exact: the state is linear in them. A synaptic
bias (``Affine.bias``, ``Conv2d.bias``) becomes the neurons' voltage bias, which is exact where
the neurons hold no synaptic current (LIF, IF, or ``tau_syn = dt``) and the current's steady
state otherwise (with ``approximate``).

Quantisation (8-bit weights as lava-dl writes them: even integers up to 254 in magnitude, 12-bit
decays, integer threshold and bias mantissas): at netx's own scale 64 when that represents every
weight, the threshold and the biases exactly (a graph :mod:`~ppf_neuro.conversion.netx_to_nir`
wrote); otherwise each layer gets the largest scale that keeps its weights in 8 bits and its
threshold in 17, which is free because spikes are binary (a layer's weights, bias and threshold
scaled together give the same spikes). Each layer's scale and errors are a
:class:`LayerQuantisation`, kept in the file.

What cannot be mapped exactly is refused by name: a nonzero ``v_reset``, per-neuron parameters
that differ, a synaptic bias into a decaying current, nodes other than these, a graph that is
not a chain; with ``approximate=True`` the first three are approximated (reset ignored,
parameters averaged, the bias at its steady state) and each approximation is listed in the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ppf_neuro.errors import PPFError
from ppf_neuro.formats.loihi_units import DECAY_SCALE, conv_output_shape
from ppf_neuro.formats.netx import (
    ConvLayer,
    CubaNeuron,
    DenseLayer,
    Entry,
    Flatten,
    InputLayer,
    InputShape,
    NIR_IMPORT_GROUP,
    write_netx_file,
)
from ppf_neuro.formats.nir_time import CONVENTIONS, Convention, check_dt
from ppf_neuro.conversion.nir_mapping import Mapping
from ppf_neuro.conversion.nir_neurons import NEURON_KINDS, Neurons, neurons
from ppf_neuro.conversion.nir_quantisation import LayerQuantisation, quantise


@dataclass(frozen=True)
class _Synapse:
    """A synapse node waiting for its neuron node: ``make`` builds the netx layer from the
    quantised weights and the neurons; ``bias`` is the node's bias per output neuron, or None."""

    name: str
    weight: np.ndarray
    neurons: int
    bias: np.ndarray | None
    make: Callable[..., Entry]


@dataclass
class _State:
    """The import so far: the current shape, the netx entries, the synapse waiting for neurons."""

    shape: tuple[int, ...]
    dt: float
    convention: Convention
    mapping: Mapping
    entries: list[Entry] = field(default_factory=list)
    pending: _Synapse | None = None
    quantisation: list[LayerQuantisation] = field(default_factory=list)


# ------------------------------------------------------------------------------ handlers per node type


def _on_flatten(node, name: str, st: _State) -> None:
    dims = len(st.shape)
    start, end = int(getattr(node, "start_dim", 0)), int(getattr(node, "end_dim", -1))
    if start % dims != 0 or end % dims != dims - 1:
        raise PPFError(f"NIR node '{name}': a Flatten of dimensions {start}..{end} of {st.shape} (netx flattens "
                       "all of them)")
    if dims > 1:
        st.entries.append(Flatten())
        st.shape = (int(np.prod(st.shape)),)


def _on_scale(node, name: str, st: _State) -> None:
    """An input neuron layer's transform (netx 'input' with neurons)."""
    if st.entries and not isinstance(st.entries[-1], InputShape) or st.pending is not None:
        raise PPFError(f"NIR node '{name}': a Scale is supported only right after the Input")
    st.entries.clear()
    shape = st.shape

    def make(index, w, neuron, bias):
        if bias is not None:
            raise PPFError(f"NIR node '{name}': an input layer with v_leak is not supported")
        return InputLayer(index=index, shape=shape, in_shape=shape, neuron=neuron, transform=(int(w[0, 0]), 0))

    st.pending = _Synapse(name, np.array([[st.mapping.uniform(node.scale, "scale", name)]]),
                          int(np.prod(shape)), None, make)


def _check_no_pending(name: str, st: _State) -> None:
    if st.pending is not None:
        raise PPFError(f"NIR node '{name}': two synapses in a row (expected a neuron node after "
                       f"'{st.pending.name}')")


def _bias(node, shape: tuple[int, ...]) -> np.ndarray | None:
    """A synapse node's bias per output neuron (channel biases broadcast over H, W), None where zero."""
    bias = getattr(node, "bias", None)
    bias = None if bias is None else np.asarray(bias, dtype=float).reshape(-1)  # graphs in memory may hold tensors
    if bias is None or not np.any(bias):
        return None
    return np.broadcast_to(bias.reshape(-1, *([1] * (len(shape) - 1))), shape).reshape(-1).copy()


def _on_dense(node, name: str, st: _State) -> None:
    _check_no_pending(name, st)
    weight = np.asarray(node.weight, dtype=float)
    if weight.shape[1] != int(np.prod(st.shape)):
        raise PPFError(f"NIR node '{name}': weights take {weight.shape[1]} inputs, the graph gives "
                       f"{int(np.prod(st.shape))}")
    in_shape = st.shape

    def make(index, w, neuron, bias):
        return DenseLayer(index=index, shape=(w.shape[0],), in_shape=in_shape, neuron=neuron, weight=w, bias=bias)

    st.pending = _Synapse(name, weight, len(weight), _bias(node, (len(weight),)), make)


def _on_conv(node, name: str, st: _State) -> None:
    _check_no_pending(name, st)
    if len(st.shape) != 3:
        raise PPFError(f"NIR node '{name}': a Conv2d needs a (C, H, W) input, got {st.shape}")
    if isinstance(node.padding, str):
        raise PPFError(f"NIR node '{name}': padding '{node.padding}' is not supported; give numbers")
    geometry = {k: tuple(int(v) for v in np.broadcast_to(np.asarray(getattr(node, k)), (2,)))
                for k in ("stride", "padding", "dilation")}
    weight, in_shape = np.asarray(node.weight, dtype=float), st.shape
    out = conv_output_shape(in_shape, weight.shape, geometry["stride"], geometry["padding"], geometry["dilation"])

    def make(index, w, neuron, bias):
        return ConvLayer(index=index, shape=out, in_shape=in_shape, neuron=neuron, weight=w, bias=bias,
                         groups=int(node.groups), **geometry)

    st.pending = _Synapse(name, weight, int(np.prod(out)), _bias(node, out), make)


def _synaptic_bias(syn: _Synapse, p: Neurons, where: str, m: Mapping) -> np.ndarray | float:
    """The synapse's bias as a per-step voltage bias: exact without a synaptic current, otherwise the
    current's steady state (bias / (dt/tau_syn)), approached as (1 - dt/tau_syn)^t."""
    if syn.bias is None:
        return 0.0
    if p.alpha == 0:
        raise PPFError(f"NIR node '{where}': a synaptic bias into a current that never decays (tau_syn = inf) "
                       "grows without bound")
    if p.alpha < 1:
        m.inexact(where, f"a synaptic bias into a decaying current (dt/tau_syn = {p.alpha:.4g})",
                  f"add it to the voltage at its steady state, reached as (1 - {p.alpha:.4g})^t (about "
                  f"{1 / p.alpha:.0f} steps)")
    return p.gain * syn.bias / p.alpha


def _on_neuron(node, name: str, st: _State) -> None:
    if st.pending is None:
        raise _unsupported(name, node)
    syn, where = st.pending, f"{st.pending.name}/{name}"
    p = neurons(node, name, st)
    bias = np.broadcast_to(p.bias.reshape(-1) if p.bias.size > 1 else p.bias, (syn.neurons,)) \
        + _synaptic_bias(syn, p, where, st.mapping)
    w, vth, mantissa, quantisation = quantise(syn.weight * p.gain, p, bias, where)
    neuron = CubaNeuron(type="CUBA", threshold=vth, current_decay=int(round(p.alpha * DECAY_SCALE)),
                        voltage_decay=int(round(p.beta * DECAY_SCALE)))
    layer = syn.make(len(st.entries), w, neuron, mantissa if np.any(mantissa) else None)
    st.entries.append(layer)
    st.quantisation.append(quantisation)
    st.shape, st.pending = layer.shape, None


#: NIR node class name -> its handler.
NODE_HANDLERS: dict[str, Callable] = {
    "Flatten": _on_flatten, "Scale": _on_scale, "Affine": _on_dense, "Linear": _on_dense, "Conv2d": _on_conv,
    **{kind: _on_neuron for kind in NEURON_KINDS},
}


def _unsupported(name: str, node) -> PPFError:
    """A node with no handler, or a neuron node with no synapse before it."""
    return PPFError(f"NIR node '{name}' ({type(node).__name__}) is not supported (supported: Input, Output, "
                    f"{', '.join(NODE_HANDLERS)})")


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


def graph_dt(graph, dt: float | None, convention: str = "nir") -> float:
    """Seconds per step: the graph's own ``dt`` (metadata), else ``dt``, else the convention's default."""
    written = graph.metadata.get("dt") if isinstance(graph.metadata, dict) else None
    if written is not None and dt is not None and not math.isclose(float(written), dt, rel_tol=1e-9):
        raise PPFError(f"--dt {dt:g} contradicts the graph's own dt = {float(written):g} s (in its metadata)")
    check_dt(dt)
    if written is None:
        return dt if dt is not None else CONVENTIONS[convention].default_dt
    check_dt(float(written), "the graph's dt (metadata)")
    return float(written)


@dataclass(frozen=True)
class NirImport:
    """What an import made: the netx entries, and what it approximated and how it quantised."""

    entries: list[Entry]
    dt: float
    convention: str
    approximations: list[str]
    quantisation: list[LayerQuantisation]


def nir_to_entries(graph, approximate: bool = False, dt: float | None = None, convention: str = "nir") -> NirImport:
    """The netx entries of the NIR chain ``graph`` (see the module docstring)."""
    order = _chain(graph)
    inp = graph.nodes[order[0]]
    shape = tuple(int(v) for v in np.asarray(next(iter(inp.input_type.values()))).reshape(-1))
    st = _State(shape, graph_dt(graph, dt, convention), CONVENTIONS[convention], Mapping(approximate),
                [InputShape(shape)] if len(shape) == 3 else [])
    for name in order[1:-1]:
        node = graph.nodes[name]
        handler = NODE_HANDLERS.get(type(node).__name__)
        if handler is None:
            raise _unsupported(name, node)
        handler(node, name, st)
    if st.pending is not None:
        raise PPFError(f"NIR node '{st.pending.name}': a synapse without a neuron node before the Output")
    if not any(isinstance(e, (DenseLayer, ConvLayer)) for e in st.entries):
        raise PPFError("NIR graph: no synapse and neuron pair to deploy")
    return NirImport(st.entries, st.dt, convention, st.mapping.notes, st.quantisation)


def nir_to_netx(graph, path: str | Path, approximate: bool = False, steps: int | None = None,
                dt: float | None = None, convention: str = "nir") -> NirImport:
    """Write the NIR chain ``graph`` as a netx HDF5 file at ``path``; returns what the import made."""
    made = nir_to_entries(graph, approximate, dt, convention)
    provenance = {"source": "ppf-neuro nir_to_netx", "dt": made.dt, "convention": convention,
                  "scales": json.dumps([q.scale for q in made.quantisation]),
                  "quantisation": json.dumps([q.to_dict() for q in made.quantisation]),
                  "approximations": json.dumps(made.approximations)}
    write_netx_file(path, made.entries, {NIR_IMPORT_GROUP: provenance}, steps)
    return made
