"""Synapses for B replicas of a layer side by side, each replica on its own sample.

A replicated run puts B copies of the network into one Lava run, so one time
step advances B samples. Lava's own way to express that is a block-diagonal
``Sparse`` synapse (B copies of the weight matrix); its CSR product grows with
B and becomes the limit past B ~ 16 (measured, see ``benchmarks/``). These two
synapses compute the same integer sums as one matrix product of the (out x in)
weights with the (in x B) block of spikes:

* :class:`ReplicaDense` reproduces ``lava.proc.dense.models.PyDenseModelBitAcc``:
  weights clipped to 8 bits and truncated to ``num_weight_bits`` by Lava's own
  ``clip_weights`` / ``truncate_weights``, ``a = W s`` accumulated exactly, then
  shifted by ``weight_exp`` (arithmetic shift, as Lava does), sent one step late.
* :class:`ReplicaConv` reproduces ``lava.proc.conv.models.PyConvModelFixed``: the
  same ``torch.nn.functional.conv2d`` call Lava makes, on a batch of B instead
  of one, then the 24-bit signed wrap of ``utils.signed_clamp``, sent one step late.

Both are checked spike for spike against Lava's own models in ``tests/unit/deployment/test_lava_fast.py``.
Replica b's neurons occupy indices ``b*n ... b*n + n - 1``; every layer is laid
out in PyTorch's (C, H, W) order, which is also the order netx's ``flatten`` feeds
a dense layer after a convolution.

The float products are exact: every partial sum is an integer below 2**24 in
magnitude for float32 (checked per layer from the weights; float64 otherwise).
"""

from __future__ import annotations

import numpy as np
import torch
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.conv import utils as conv_utils
from lava.utils.weightutils import clip_weights, determine_sign_mode, truncate_weights

#: Largest integer magnitude float32 represents exactly.
FLOAT32_EXACT = 2 ** 24


def exact_float_dtype(weights: np.ndarray) -> type:
    """float32 where no sum of binary-spike-weighted synapses can leave its exact range."""
    bound = np.abs(weights.astype(np.int64)).sum(axis=-1).max(initial=0)
    return np.float32 if bound < FLOAT32_EXACT else np.float64


class ReplicaDense(AbstractProcess):
    """``replicas`` copies of a Dense synapse with weights (out, in), side by side."""

    def __init__(self, *, weights: np.ndarray, replicas: int, weight_exp: int = 0, num_weight_bits: int = 8) -> None:
        super().__init__(replicas=replicas, weight_exp=int(weight_exp), num_weight_bits=int(num_weight_bits))
        out_features, in_features = weights.shape
        self.s_in = InPort(shape=(replicas * in_features,))
        self.a_out = OutPort(shape=(replicas * out_features,))
        self.weights = Var(shape=weights.shape, init=weights.astype(np.int32))


@implements(proc=ReplicaDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyReplicaDenseModel(PyLoihiProcessModel):
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.replicas = proc_params["replicas"]
        self.weight_exp = proc_params["weight_exp"]
        self.num_weight_bits = proc_params["num_weight_bits"]
        self.weights_t = None
        self.a_buff = None

    def _prepare(self) -> None:
        # As PyDenseModelBitAcc does on its first step, with Lava's own functions.
        sign_mode = determine_sign_mode(self.weights)
        w = clip_weights(self.weights, sign_mode, num_bits=8)
        w = truncate_weights(w, sign_mode, self.num_weight_bits)
        self.weights_t = np.ascontiguousarray(w.T.astype(exact_float_dtype(w)))
        self.a_buff = np.zeros(self.a_out.shape, dtype=np.int32)

    def run_spk(self) -> None:
        if self.weights_t is None:
            self._prepare()
        self.a_out.send(self.a_buff)
        s_in = self.s_in.recv().reshape(self.replicas, -1)
        a_accum = (s_in.astype(self.weights_t.dtype) @ self.weights_t).astype(np.int64)
        shifted = (np.left_shift(a_accum, self.weight_exp) if self.weight_exp > 0
                   else np.right_shift(a_accum, -self.weight_exp))
        self.a_buff = shifted.astype(np.int32).reshape(-1)


class ReplicaConv(AbstractProcess):
    """``replicas`` copies of a Lava ``Conv`` synapse, input and output in (C, H, W) order per replica.

    ``weight`` (C_out, W, H, C_in), ``input_shape`` (W, H, C) and the (X, Y)
    ``stride``/``padding``/``dilation`` are exactly what ``lava.proc.conv.process.Conv`` takes.
    """

    def __init__(self, *, weight: np.ndarray, input_shape: tuple[int, int, int], replicas: int,
                 stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups: int = 1) -> None:
        stride, padding, dilation = (tuple(int(v) for v in conv_utils.make_tuple(x)) for x in (stride, padding, dilation))
        out_shape = conv_utils.output_shape(input_shape, weight.shape[0], weight.shape[1:3], stride, padding, dilation)
        super().__init__(replicas=replicas, input_shape=tuple(int(v) for v in input_shape), stride=stride,
                         padding=padding, dilation=dilation, groups=int(groups))
        self.output_shape = tuple(int(v) for v in out_shape)
        self.s_in = InPort(shape=(replicas * int(np.prod(input_shape)),))
        self.a_out = OutPort(shape=(replicas * int(np.prod(out_shape)),))
        self.weight = Var(shape=weight.shape, init=weight.astype(np.int32))


@implements(proc=ReplicaConv, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyReplicaConvModel(PyLoihiProcessModel):
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    weight: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        # Lava forks this process from a parent whose OpenMP pool may be running: a multi-threaded
        # torch convolution would deadlock here. One thread each; Lava runs processes in parallel.
        torch.set_num_threads(1)
        p = proc_params
        self.replicas = p["replicas"]
        width, height, channels = p["input_shape"]
        self.in_chw = (channels, height, width)
        # Lava's utils.conv hands torch (x, y) geometry reversed and the kernel flipped and transposed.
        self.conv_args = dict(stride=p["stride"][::-1], padding=p["padding"][::-1], dilation=p["dilation"][::-1],
                              groups=p["groups"])
        self.kernel = None
        self.a_buff = None

    def run_spk(self) -> None:
        if self.kernel is None:
            self.kernel = torch.FloatTensor(self.weight[:, ::-1, ::-1].transpose([0, 3, 2, 1]).copy())
            self.a_buff = np.zeros(self.a_out.shape, dtype=np.int32)
        self.a_out.send(self.a_buff)
        s_in = torch.FloatTensor(self.s_in.recv().reshape(self.replicas, *self.in_chw).astype(np.float32))
        with torch.no_grad():
            a = torch.nn.functional.conv2d(s_in, self.kernel, **self.conv_args).numpy()
        self.a_buff = conv_utils.signed_clamp(a.astype(np.int32), bits=24).reshape(-1)
