"""The SNN as Lava processes: netx's own network, or B replicas of it built from netx's layers.

Both come from ``lava.lib.dl.netx.hdf5.Network``: the plain network is netx's
process graph as is (the reference); the replicated one reads every layer's
synapse and neuron parameters *from the processes netx built* (so it sees the
file exactly as netx interprets it: weight exponents, sign modes, decays,
thresholds, biases, reset offsets) and lays B copies side by side in one graph:

* neurons: Lava's own ``LIFReset`` with shape (B*n,), netx's parameters, bias tiled;
* synapses: ``batched`` (``ppf_neuro.deployment.backends.lava.processes.replica_synapses``: one matrix
  product or batched convolution per step for all replicas, checked identical
  to Lava's Dense and Conv models) or ``sparse`` (Lava's own ``Sparse`` with
  block-diagonal weights; convolutions unrolled into that matrix by Lava's
  ``conv_to_sparse``).

Every replicated layer is laid out in PyTorch's (C, H, W) order per replica.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from ppf_neuro.choices import ReplicaSynapse
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.axes import chw_order, reversed_axes


@dataclass(frozen=True)
class LavaNeurons:
    """One layer's LIF parameters as netx set them on Lava's ``LIFReset`` (bias in CHW order, flat)."""

    vth: int
    du: int
    dv: int
    bias_mant: np.ndarray
    bias_exp: np.ndarray
    reset_offset: int


@dataclass(frozen=True)
class LavaDense:
    """A dense synapse as netx handed it to Lava's ``Dense``: weights (out, in), exponent, bits."""

    weights: np.ndarray
    weight_exp: int
    num_weight_bits: int


@dataclass(frozen=True)
class LavaConv:
    """A convolution as netx handed it to Lava's ``Conv``: ``weight`` in Lava's (C_out, W, H, C_in)
    order, ``input_shape`` (W, H, C), geometry in (X, Y) order."""

    weight: np.ndarray
    input_shape: tuple[int, int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int


@dataclass(frozen=True)
class LavaInputTransform:
    """An input neuron layer's transform (weight, bias): applied by the source, no synapse."""

    weight: int
    bias: int


@dataclass(frozen=True)
class LavaLayer:
    """One layer as netx built it on Lava: its synapse (or input transform) and its neurons.
    (The file's view of the same layer is ``ppf_neuro.formats.netx``; this is what Lava got.)"""

    synapse: LavaDense | LavaConv | LavaInputTransform
    shape_chw: tuple[int, ...]
    neuron: LavaNeurons

    @property
    def neurons(self) -> int:
        return int(np.prod(self.shape_chw))


def _chw(shape_whc: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(s) for s in shape_whc[::-1])


def _whc_to_chw_flat(values, shape_whc: tuple[int, ...]) -> np.ndarray:
    """A per-neuron array in netx's (W, H, C) layout, flattened in (C, H, W) order."""
    arr = np.broadcast_to(np.asarray(values), shape_whc)
    return np.ascontiguousarray(reversed_axes(arr, 0, arr.ndim)).reshape(-1)


def _scalar(var) -> int:
    return int(np.asarray(var.init).reshape(-1)[0])


def _neurons(block) -> LavaNeurons:
    neuron = block.neuron
    shape = tuple(neuron.a_in.shape)
    return LavaNeurons(
        vth=_scalar(neuron.vth), du=_scalar(neuron.du), dv=_scalar(neuron.dv),
        bias_mant=_whc_to_chw_flat(neuron.bias_mant.init, shape).astype(np.int32),
        bias_exp=_whc_to_chw_flat(neuron.bias_exp.init, shape).astype(np.int32),
        reset_offset=int(neuron.proc_params["reset_offset"]),
    )


def _synapse(block):
    from lava.lib.dl.netx.blocks.process import Dense

    syn = block.synapse
    if isinstance(block, Dense):
        weights = syn.weights.init
        weights = weights.toarray() if scipy.sparse.issparse(weights) else np.asarray(weights)
        return LavaDense(weights.astype(np.int32), int(syn.proc_params.get("weight_exp", 0)),
                         int(syn.proc_params.get("num_weight_bits", 8)))
    return LavaConv(np.asarray(syn.weight.init).astype(np.int32), tuple(int(v) for v in syn.input_shape),
                    *(tuple(int(v) for v in getattr(syn, k).init) for k in ("stride", "padding", "dilation")),
                    _scalar(syn.groups))


def read_layers(net) -> list[LavaLayer]:
    """The synapse and neuron parameters of every layer of a built netx ``Network``."""
    from lava.lib.dl.netx.blocks.process import Conv, Dense, Input
    from lava.proc.lif.process import LIFReset

    layers = []
    for i, block in enumerate(net.layers):
        if isinstance(block, Input) and i == 0 and isinstance(block.neuron, LIFReset):
            transform = LavaInputTransform(int(block.transform["weight"]), int(block.transform["bias"]))
            layers.append(LavaLayer(transform, _chw(block.shape), _neurons(block)))
            continue
        if not isinstance(block, (Dense, Conv)) or not isinstance(block.neuron, LIFReset):
            raise PPFError(f"netx layer {i} is a {type(block).__name__} block with "
                           f"{type(block.neuron).__name__} neurons; replicated runs support dense and conv "
                           "layers of CUBA/LOIHI neurons (use --replicas 1 for the plain netx network)")
        layers.append(LavaLayer(_synapse(block), _chw(block.shape), _neurons(block)))
    return layers


def replicated_synapse(layer: LavaLayer, replicas: int, kind: str):
    """A synapse process for ``replicas`` copies of ``layer``'s synapse (input and output in CHW order)."""
    from lava.proc.sparse.process import Sparse

    from ppf_neuro.deployment.backends.lava.processes.replica_synapses import ReplicaConv, ReplicaDense

    s = layer.synapse
    if kind == ReplicaSynapse.BATCHED:
        if isinstance(s, LavaDense):
            return ReplicaDense(weights=s.weights, replicas=replicas, weight_exp=s.weight_exp,
                                num_weight_bits=s.num_weight_bits)
        return ReplicaConv(weight=s.weight, input_shape=s.input_shape, replicas=replicas, stride=s.stride,
                           padding=s.padding, dilation=s.dilation, groups=s.groups)
    if isinstance(s, LavaDense):
        matrix, exp, bits = scipy.sparse.csr_matrix(s.weights), s.weight_exp, s.num_weight_bits
    else:
        # The unrolled kernel goes through netx's own weight optimisation, as a dense layer's weights
        # do, so that Sparse's 8-bit clipping and truncation lose nothing: sums equal Lava's Conv.
        from lava.lib.dl.netx.utils import optimize_weight_bits

        unrolled = conv_matrix_chw(layer)
        data, bits, exp, _ = optimize_weight_bits(unrolled.data)
        matrix = scipy.sparse.csr_matrix((data, unrolled.indices, unrolled.indptr), shape=unrolled.shape)
    block = scipy.sparse.block_diag([matrix] * replicas, format="csr")
    # num_message_bits=1 makes Lava's Sparse take its ``weights.dot(s_in)`` path (same integer sums as
    # binary spikes; with 0 it slices CSR columns every step, which is slow).
    return Sparse(weights=block, weight_exp=exp, num_weight_bits=bits, num_message_bits=1)


def conv_matrix_chw(layer: LavaLayer) -> scipy.sparse.csr_matrix:
    """The convolution as a sparse (out, in) matrix in CHW order, unrolled by Lava's ``conv_to_sparse``."""
    from lava.proc.conv.utils import conv_to_sparse, output_shape

    s = layer.synapse
    in_whc = s.input_shape
    out_whc = output_shape(in_whc, s.weight.shape[0], s.weight.shape[1:3], s.stride, s.padding, s.dilation)
    dst, src, w = conv_to_sparse(in_whc, out_whc, s.weight, s.stride, s.padding, s.dilation, s.groups)
    whc = scipy.sparse.csr_matrix((w, (dst, src)), shape=(int(np.prod(out_whc)), int(np.prod(in_whc))))
    return whc[chw_order(out_whc)][:, chw_order(in_whc)]


def replicated_neurons(layer: LavaLayer, replicas: int, steps: int, bias: np.ndarray | None = None):
    """``replicas`` copies of the layer's neurons; ``bias`` (replicas * neurons) replaces netx's bias."""
    from lava.proc.lif.process import LIFReset

    n = layer.neuron
    return LIFReset(shape=(replicas * layer.neurons,), vth=n.vth, du=n.du, dv=n.dv,
                    bias_mant=np.tile(n.bias_mant, replicas) if bias is None else bias,
                    bias_exp=np.tile(n.bias_exp, replicas),
                    reset_interval=steps, reset_offset=n.reset_offset)
