r"""NIR in and out: netx networks as Neuromorphic Intermediate Representation graphs, and back.

NIR (PyPI ``nir``) is how snnTorch, Norse, Sinabs/Speck, Rockpool/Xylo, Spyx,
SpiNNaker2 and Lava exchange SNNs; lava-dl has no exporter of its own.

**Out** (:func:`netx_to_nir`): every layer of a netx file becomes a synapse node
(``Affine`` for dense, ``Conv2d``; ``Scale`` for an input neuron layer's transform)
and a ``CubaLIF`` node, with ``Flatten`` where netx flattens, between ``Input`` and
``Output``. CUBA in one step of ``dt`` is NIR's CubaLIF by forward Euler:

.. math::

   \alpha = \mathrm{iDecay}/4096,\ \beta = \mathrm{vDecay}/4096,\quad
   \tau_\mathrm{syn} = dt/\alpha,\ \tau_\mathrm{mem} = dt/\beta,\quad
   w_\mathrm{in} = \tau_\mathrm{syn}/dt,\ r = \tau_\mathrm{mem}/dt,

weights and threshold in float units (netx integers / 64), ``v_reset = 0``; a
layer's voltage bias ``b`` (netx adds ``64 b`` to v every step) is ``v_leak = b / (64 beta)``.
The fixed-point facts (weight scale, integer decays and threshold, strict
``v > threshold``, one step of synaptic delay per layer on Lava) travel in each
node's metadata, ``dt`` in the graph's.

**In** (:func:`nir_to_netx`): a chain ``Input -> [Flatten] -> (Affine|Linear|Conv2d) ->
(CubaLIF|LIF|IF) -> ... -> Output`` becomes a netx HDF5 file that deploys on Lava.
``w_in`` and ``r`` (and LIF's / IF's input scaling) are folded into the weights,
which is exact: the state is linear in them. Quantised as lava-dl does (8-bit
weights, 12-bit decays): with weight scale 64 when that represents every weight
and the threshold exactly (a graph this module wrote), otherwise with the
largest per-layer scale that keeps the weights in 8 bits (spikes are binary, so
each layer may have its own). What cannot be mapped exactly is refused by name:
a ``v_leak`` whose voltage bias ``v_leak dt/tau_mem`` is no integer at the
layer's scale, a nonzero ``v_reset``, per-neuron parameters that differ, nodes
other than these, a graph that is not a chain; with ``approximate=True`` the
first three are approximated (bias rounded, reset ignored, parameters averaged)
and each approximation is listed in the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from deploy.netx_file import NetxFile, conv_output_size
from ppf_neuro.atomic import atomic_path
from ppf_neuro.errors import PPFError

WEIGHT_SCALE = 64  # lava-dl's default w_scale: netx integers are 64 x the float weights
DECAY_SCALE = 4096  # 12-bit decays
FIXED_POINT = ("Loihi fixed point (lava-dl netx): integer weights = 64 x weight, vThMant = 64 x v_threshold, "
               "iDecay = 4096 dt/tau_syn, vDecay = 4096 dt/tau_mem; 24-bit states, decays rounding towards "
               "zero; spike when v > 64 vThMant (strict), v reset to 0; one step of delay per synapse on Lava")


def _per_neuron(value: float, shape) -> np.ndarray:
    return np.full(tuple(shape), float(value))


def netx_to_nir(net: NetxFile, dt: float = 1.0):
    """The NIR graph of a parsed netx network (see the module docstring)."""
    import nir

    nodes = {"input": nir.Input(input_type={"input": np.array(net.input_shape)})}
    edges, prev, shape = [], "input", tuple(net.input_shape)
    for i, layer in enumerate(net.layers):
        if layer.kind == "dense" and len(shape) > 1:
            nodes[f"{i}_flatten"] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0)
            edges.append((prev, f"{i}_flatten"))
            prev = f"{i}_flatten"
        syn = f"{i}_synapse"
        if layer.kind == "input":
            weight, bias = layer.transform
            if bias:
                raise PPFError(f"netx layer {layer.index}: an input transform with a bias has no NIR node")
            nodes[syn] = nir.Scale(scale=_per_neuron(weight / WEIGHT_SCALE, layer.shape))
        elif layer.kind == "dense":
            nodes[syn] = nir.Affine(weight=layer.weight / WEIGHT_SCALE, bias=np.zeros(layer.neurons))
        else:
            nodes[syn] = nir.Conv2d(input_shape=tuple(layer.in_shape[1:]), weight=layer.weight / WEIGHT_SCALE,
                                    stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                                    groups=layer.groups, bias=np.zeros(layer.shape[0]))
        n = layer.neuron
        alpha, beta = n["iDecay"] / DECAY_SCALE, n["vDecay"] / DECAY_SCALE
        tau_syn = dt / alpha if alpha else np.inf
        tau_mem = dt / beta if beta else np.inf
        if layer.bias is not None and np.any(layer.bias) and not beta:
            raise PPFError(f"netx layer {layer.index}: a voltage bias without voltage decay has no CubaLIF v_leak")
        bias = np.zeros(layer.neurons) if layer.bias is None else layer.bias / WEIGHT_SCALE
        v_leak = (bias / beta if beta else bias).reshape(layer.shape)
        lif = f"{i}_lif"
        nodes[lif] = nir.CubaLIF(
            tau_syn=_per_neuron(tau_syn, layer.shape), tau_mem=_per_neuron(tau_mem, layer.shape),
            r=_per_neuron(tau_mem / dt, layer.shape), v_leak=v_leak,
            v_threshold=_per_neuron(n["vThMant"] / WEIGHT_SCALE, layer.shape), v_reset=_per_neuron(0, layer.shape),
            w_in=_per_neuron(tau_syn / dt, layer.shape),
            metadata={"fixed_point": FIXED_POINT, "iDecay": n["iDecay"], "vDecay": n["vDecay"],
                      "vThMant": n["vThMant"], "netx_layer": layer.index, "neuron_type": n["type"]})
        edges += [(prev, syn), (syn, lif)]
        prev, shape = lif, layer.shape
    nodes["output"] = nir.Output(output_type={"output": np.array(shape)})
    edges.append((prev, "output"))
    # NIR 1.0's type inference reads a Conv2d's input channels from the kernel alone, which is wrong
    # for grouped convolutions: its check is skipped for those (the shapes were checked when parsing).
    grouped = any(layer.groups > 1 for layer in net.layers)
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": dt, "source": "ppf-neuro netx_to_nir",
                                                             "fixed_point": FIXED_POINT}, type_check=not grouped)


def write_nir(net: NetxFile, path: str | Path, dt: float = 1.0) -> Path:
    import nir

    path = Path(path)
    graph = netx_to_nir(net, dt)
    with atomic_path(path) as tmp:
        nir.write(tmp, graph)
    return path


# ---------------------------------------------------------------------------------------------- in


class _Mapping:
    """One NIR neuron node's parameters as netx needs them; notes what had to be approximated."""

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


def _ratio(numerator: float, tau: float, dt: float) -> float:
    """numerator * dt / tau, where inf / inf (a pure integrator, written as tau = w_in = inf) is dt-free 1."""
    if np.isinf(numerator) and np.isinf(tau):
        return 1.0
    return numerator * dt / tau


def _neuron(node, name: str, dt: float, m: _Mapping) -> dict:
    """CubaLIF / LIF / IF -> (alpha, beta, gain folded into the weights, threshold, bias per step).

    Euler: I <- (1 - dt/tau_syn) I + (w_in dt/tau_syn) x and v <- (1 - dt/tau_mem) v + (r dt/tau_mem) I
    + (dt/tau_mem) v_leak. netx's u is (r dt/tau_mem) I, so the weights carry
    gain = (w_in dt/tau_syn)(r dt/tau_mem) and the bias is (dt/tau_mem) v_leak."""
    import nir

    if isinstance(node, nir.CubaLIF):
        tau_syn, tau_mem = m.uniform(node.tau_syn, "tau_syn", name), m.uniform(node.tau_mem, "tau_mem", name)
        alpha, beta = dt / tau_syn, dt / tau_mem
        gain = _ratio(m.uniform(node.w_in, "w_in", name), tau_syn, dt) * _ratio(m.uniform(node.r, "r", name),
                                                                              tau_mem, dt)
    elif isinstance(node, nir.LIF):
        tau = m.uniform(node.tau, "tau", name)
        alpha, beta = 1.0, dt / tau
        gain = beta * m.uniform(node.r, "r", name)
    elif isinstance(node, nir.IF):
        alpha, beta, gain = 1.0, 0.0, dt * m.uniform(node.r, "r", name)
    else:
        raise PPFError(f"NIR node '{name}' ({type(node).__name__}) is not supported after a synapse "
                       "(supported: CubaLIF, LIF, IF)")
    v_leak = np.asarray(getattr(node, "v_leak", None) if getattr(node, "v_leak", None) is not None else 0.0,
                        dtype=float)  # per neuron: netx biases are per neuron too
    m.zero(getattr(node, "v_reset", None), "v_reset", name, "reset to 0 instead")
    return {"alpha": alpha, "beta": beta, "gain": gain, "threshold": m.uniform(node.v_threshold, "v_threshold", name),
            "bias": beta * v_leak}


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


def _integral(x) -> bool:
    x = np.asarray(x, dtype=float)
    return bool(np.all(np.abs(x - np.round(x)) < 1e-6))


def _quantise(weight: np.ndarray, threshold: float, bias: np.ndarray, where: str, m: _Mapping) -> tuple:
    """Integer weights (8 bits), vThMant and bias mantissas (per neuron) at one scale for the layer."""
    exact = weight * WEIGHT_SCALE
    if (_integral(exact) and np.abs(exact).max(initial=0) <= 254 and _integral(threshold * WEIGHT_SCALE)
            and _integral(bias * WEIGHT_SCALE)):
        scale = WEIGHT_SCALE
    else:
        peak = np.abs(weight).max(initial=0)
        scale = min(254 / peak if peak else WEIGHT_SCALE, (2 ** 17 - 1) / max(threshold, 1e-12))
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


def nir_to_netx(graph, path: str | Path, approximate: bool = False, steps: int | None = None) -> list[str]:
    """Write the NIR chain ``graph`` as a netx HDF5 file at ``path``; returns the approximations made."""
    import nir

    dt = float(graph.metadata.get("dt", 1.0)) if isinstance(graph.metadata, dict) else 1.0
    m = _Mapping(approximate)
    order = _chain(graph)
    inp = graph.nodes[order[0]]
    shape = tuple(int(v) for v in np.asarray(next(iter(inp.input_type.values()))).reshape(-1))
    entries: list[dict] = []
    if len(shape) == 3:
        entries.append({"type": "input", "shape": shape})
    pending = None  # a synapse waiting for its neuron node: (name, kind, weight, geometry)
    for name in order[1:-1]:
        node = graph.nodes[name]
        if isinstance(node, nir.Flatten):
            if len(shape) > 1:
                entries.append({"type": "flatten"})
                shape = (int(np.prod(shape)),)
        elif isinstance(node, nir.Scale):  # an input neuron layer's transform (netx 'input' with neurons)
            if entries and entries[-1]["type"] != "input" or pending is not None:
                raise PPFError(f"NIR node '{name}': a Scale is supported only right after the Input")
            entries.clear()
            pending = (name, "input", np.array([[m.uniform(node.scale, "scale", name)]]), {})
        elif isinstance(node, (nir.Affine, nir.Linear, nir.Conv2d)):
            if pending is not None:
                raise PPFError(f"NIR node '{name}': two synapses in a row (expected a neuron node after "
                               f"'{pending[0]}')")
            if isinstance(node, nir.Conv2d):
                if len(shape) != 3:
                    raise PPFError(f"NIR node '{name}': a Conv2d needs a (C, H, W) input, got {shape}")
                geometry = {k: tuple(int(v) for v in np.broadcast_to(np.asarray(getattr(node, k)), (2,)))
                            for k in ("stride", "padding", "dilation")}
                geometry["groups"] = int(node.groups)
                if isinstance(node.padding, str):
                    raise PPFError(f"NIR node '{name}': padding '{node.padding}' is not supported; give numbers")
                if node.bias is not None and np.any(node.bias):
                    raise PPFError(f"NIR node '{name}': a synaptic bias (into the current) has no netx equivalent")
                pending = (name, "conv", np.asarray(node.weight, dtype=float), geometry)
            else:
                if isinstance(node, nir.Affine) and np.any(node.bias):
                    raise PPFError(f"NIR node '{name}': a synaptic bias (into the current) has no netx equivalent")
                weight = np.asarray(node.weight, dtype=float)
                if weight.shape[1] != int(np.prod(shape)):
                    raise PPFError(f"NIR node '{name}': weights take {weight.shape[1]} inputs, the graph gives "
                                   f"{int(np.prod(shape))}")
                pending = (name, "dense", weight, {})
        elif pending is not None:
            syn_name, kind, weight, geometry = pending
            p = _neuron(node, name, dt, m)
            w, vth, bias, scale = _quantise(weight * p["gain"], p["threshold"], p["bias"], f"{syn_name}/{name}", m)
            if kind == "input":
                if np.any(bias):
                    raise PPFError(f"NIR node '{name}': an input layer with v_leak is not supported")
                entries.append({"type": "input", "shape": shape, "transform": int(w[0, 0]), "scale": scale,
                                "neuron": _netx_neuron(p, vth)})
                pending = None
                continue
            if kind == "conv":
                c, h, wd = shape
                out = (w.shape[0], *(conv_output_size(n, k, s, pd, d) for n, k, s, pd, d in
                                     zip((h, wd), w.shape[2:], geometry["stride"], geometry["padding"],
                                         geometry["dilation"])))
            else:
                out = (w.shape[0],)
            entry = {"type": kind, "shape": out, "weight": w, **geometry, "neuron": _netx_neuron(p, vth),
                     "scale": scale}
            if np.any(bias):
                entry["bias"] = _netx_bias(np.broadcast_to(bias, out))
            entries.append(entry)
            shape, pending = out, None
        else:
            raise PPFError(f"NIR node '{name}' ({type(node).__name__}) is not supported "
                           "(supported: Input, Output, Flatten, Affine, Linear, Conv2d, CubaLIF, LIF, IF)")
    if pending is not None:
        raise PPFError(f"NIR node '{pending[0]}': a synapse without a neuron node before the Output")
    if not any(e["type"] in ("dense", "conv") for e in entries):
        raise PPFError("NIR graph: no synapse and neuron pair to deploy")
    _write_netx(entries, Path(path), m.notes, dt, steps)
    return m.notes


def _netx_bias(bias: np.ndarray) -> np.ndarray:
    """netx's layout of a bias: per channel where it is (C, H, W) but constant within channels,
    else per neuron in netx's (W, H, C) order."""
    if bias.ndim == 3:
        per_channel = bias.reshape(bias.shape[0], -1)
        if np.all(per_channel == per_channel[:, :1]):
            return per_channel[:, 0]
        return bias.transpose(2, 1, 0)
    return bias


def _netx_neuron(p: dict, vth: int) -> dict:
    return {"type": "CUBA", "iDecay": int(round(p["alpha"] * DECAY_SCALE)), "vDecay": int(round(p["beta"] * DECAY_SCALE)),
            "vThMant": vth, "refDelay": 1, "gradedSpike": False}


def _write_netx(entries: list[dict], path: Path, notes: list[str], dt: float, steps: int | None) -> None:
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        group = f.create_group("layer")
        for i, e in enumerate(entries):
            g = group.create_group(str(i))
            g.create_dataset("type", (1,), "S10", [e["type"].encode()])
            if e["type"] == "flatten":
                continue
            g.create_dataset("shape", data=np.asarray(e["shape"]))
            if e["type"] == "input" and "neuron" not in e:
                continue
            g.create_dataset("weight", data=e["transform"] if e["type"] == "input" else e["weight"])
            if "bias" in e:
                g.create_dataset("bias", data=e["bias"])
            if e["type"] == "conv":
                for key in ("stride", "padding", "dilation"):
                    g.create_dataset(key, data=np.asarray(e[key]))
                g.create_dataset("groups", data=e["groups"])
            for key, value in e["neuron"].items():
                g.create_dataset(f"neuron/{key}", data=value)
        meta = f.create_group("nir_import")
        meta.attrs["source"] = "ppf-neuro nir_to_netx"
        meta.attrs["dt"] = dt
        meta.attrs["scales"] = json.dumps([e.get("scale") for e in entries if "scale" in e])
        meta.attrs["approximations"] = json.dumps(notes)
        if steps is not None:
            sim = f.create_group("simulation")
            sim.create_dataset("Ts", data=1)
            sim.create_dataset("tSample", data=int(steps))
