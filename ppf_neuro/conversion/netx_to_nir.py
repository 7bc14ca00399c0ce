r"""netx networks as NIR graphs (Neuromorphic Intermediate Representation, PyPI ``nir``).

NIR is how snnTorch, Norse, Sinabs/Speck, Rockpool/Xylo, Spyx, SpiNNaker2 and Lava exchange SNNs;
lava-dl has no exporter of its own. Every layer of a netx file becomes a synapse node
(``Affine`` for dense, ``Conv2d``; ``Scale`` for an input neuron layer's transform) and a
``CubaLIF`` node, with ``Flatten`` where netx flattens, between ``Input`` and ``Output``
(one handler per layer kind in :data:`SYNAPSE_NODES`, per neuron kind in :data:`NEURON_NODES`).
CUBA in one step of ``dt`` is NIR's CubaLIF by forward Euler:

.. math::

   \alpha = \mathrm{iDecay}/4096,\ \beta = \mathrm{vDecay}/4096,\quad
   \tau_\mathrm{syn} = dt/\alpha,\ \tau_\mathrm{mem} = dt/\beta,\quad
   w_\mathrm{in} = \tau_\mathrm{syn}/dt,\ r = \tau_\mathrm{mem}/dt,

weights and threshold in float units (netx integers / 64), ``v_reset = 0``; a
layer's voltage bias ``b`` (netx adds ``64 b`` to v every step) is ``v_leak = b / (64 beta)``.
The fixed-point facts (weight scale, integer decays and threshold, strict
``v > threshold``, one step of synaptic delay per layer on Lava) travel in each
node's metadata, ``dt`` in the graph's. Time constants are in seconds at ``dt`` =
1e-4 s unless asked otherwise (:mod:`~ppf_neuro.formats.nir_time`), which is what
snnTorch's ``import_from_nir`` assumes; Norse reads the graph with
``norse.torch.from_nir(graph, dt=graph.metadata["dt"])``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import numpy as np

from ppf_neuro.atomic import atomic_path
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.loihi_units import DECAY_SCALE, WEIGHT_SCALE
from ppf_neuro.formats.netx import (
    ConvLayer,
    CubaNeuron,
    DenseLayer,
    InputLayer,
    NetxFile,
    NetxLayer,
)
from ppf_neuro.formats.nir_time import DEFAULT_DT

FIXED_POINT = ("Loihi fixed point (lava-dl netx): integer weights = 64 x weight, vThMant = 64 x v_threshold, "
               "iDecay = 4096 dt/tau_syn, vDecay = 4096 dt/tau_mem; 24-bit states, decays rounding towards "
               "zero; spike when v > 64 vThMant (strict), v reset to 0; one step of delay per synapse on Lava")


def _per_neuron(value: float, shape) -> np.ndarray:
    return np.full(tuple(shape), float(value))


def _scale_node(layer: InputLayer):
    import nir

    weight, bias = layer.transform
    if bias:
        raise PPFError(f"netx layer {layer.index}: an input transform with a bias has no NIR node")
    return nir.Scale(scale=_per_neuron(weight / WEIGHT_SCALE, layer.shape))


def _affine_node(layer: DenseLayer):
    import nir

    return nir.Affine(weight=layer.weight / WEIGHT_SCALE, bias=np.zeros(layer.neurons))


def _conv_node(layer: ConvLayer):
    import nir

    return nir.Conv2d(input_shape=tuple(layer.in_shape[1:]), weight=layer.weight / WEIGHT_SCALE,
                      stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                      groups=layer.groups, bias=np.zeros(layer.shape[0]))


def _cuba_lif_node(layer: NetxLayer, dt: float):
    import nir

    n: CubaNeuron = layer.neuron
    alpha, beta = n.current_decay / DECAY_SCALE, n.voltage_decay / DECAY_SCALE
    tau_syn = dt / alpha if alpha else np.inf
    tau_mem = dt / beta if beta else np.inf
    if layer.bias is not None and np.any(layer.bias) and not beta:
        raise PPFError(f"netx layer {layer.index}: a voltage bias without voltage decay has no CubaLIF v_leak")
    bias = np.zeros(layer.neurons) if layer.bias is None else layer.bias / WEIGHT_SCALE
    v_leak = (bias / beta if beta else bias).reshape(layer.shape)
    return nir.CubaLIF(
        tau_syn=_per_neuron(tau_syn, layer.shape), tau_mem=_per_neuron(tau_mem, layer.shape),
        r=_per_neuron(tau_mem / dt, layer.shape), v_leak=v_leak,
        v_threshold=_per_neuron(n.threshold / WEIGHT_SCALE, layer.shape), v_reset=_per_neuron(0, layer.shape),
        w_in=_per_neuron(tau_syn / dt, layer.shape),
        metadata={"fixed_point": FIXED_POINT, "iDecay": n.current_decay, "vDecay": n.voltage_decay,
                  "vThMant": n.threshold, "netx_layer": layer.index, "neuron_type": n.type})


#: netx layer record -> the NIR node of its synapse (or input transform).
SYNAPSE_NODES: dict[type, Callable] = {InputLayer: _scale_node, DenseLayer: _affine_node, ConvLayer: _conv_node}
#: neuron record -> the NIR node of its neurons (given dt).
NEURON_NODES: dict[type, Callable] = {CubaNeuron: _cuba_lif_node}


def netx_to_nir(net: NetxFile, dt: float = DEFAULT_DT):
    """The NIR graph of a parsed netx network (see the module docstring)."""
    import nir

    if net.sigma_delta:
        raise PPFError(f"{net.path}: NIR export writes spiking (CUBA/LOIHI) layers; NIR has no sigma-delta node")
    if net.carries:
        raise PPFError(f"{net.path}: NIR export writes feed-forward chains of LIF neurons; the network has synaptic "
                       "delays, recurrent weights or resonate-and-fire neurons, which this export does not map")

    nodes = {"input": nir.Input(input_type={"input": np.array(net.input_shape)})}
    edges, prev, shape = [], "input", tuple(net.input_shape)
    for i, layer in enumerate(net.layers):
        if isinstance(layer, DenseLayer) and len(shape) > 1:
            nodes[f"{i}_flatten"] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0)
            edges.append((prev, f"{i}_flatten"))
            prev = f"{i}_flatten"
        syn, lif = f"{i}_synapse", f"{i}_lif"
        nodes[syn] = SYNAPSE_NODES[type(layer)](layer)
        nodes[lif] = NEURON_NODES[type(layer.neuron)](layer, dt)
        edges += [(prev, syn), (syn, lif)]
        prev, shape = lif, layer.shape
    nodes["output"] = nir.Output(output_type={"output": np.array(shape)})
    edges.append((prev, "output"))
    # NIR 1.0's type inference reads a Conv2d's input channels from the kernel alone, which is wrong
    # for grouped convolutions: its check is skipped for those (the shapes were checked when parsing).
    grouped = any(getattr(layer, "groups", 1) > 1 for layer in net.layers)
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": dt, "source": "ppf-neuro netx_to_nir",
                                                             "fixed_point": FIXED_POINT}, type_check=not grouped)


def write_nir(net: NetxFile, path: str | Path, dt: float = DEFAULT_DT) -> Path:
    """The NIR graph of ``net`` at ``path``, written atomically."""
    import nir

    path = Path(path)
    graph = netx_to_nir(net, dt)
    buf = io.BytesIO()  # built in memory: a full disk fails the plain write below (see atomic.hdf5_bytes)
    nir.write(buf, graph)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getvalue())
    return path
