"""Counted Lava graphs: the network's layers as Lava processes, wired to a :class:`Recorder`.

Two graph kinds share the :class:`CountedGraph` protocol and one run loop
(``ppf_neuro.deployment.backends.lava.run_loop``):

* :class:`NetxGraph`: netx's own ``Network`` as is, one sample per window (replicas = 1);
* :class:`ReplicaGraph`: B replicas side by side (``ppf_neuro.deployment.backends.lava.network``); sample k*B + b
  runs in window k of replica b.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ppf_neuro.deployment.backends.lava.mode import LavaSetup, compiled
from ppf_neuro.deployment.backends.lava.network import (
    LavaInputTransform,
    LavaLayer,
    replicated_neurons,
    replicated_synapse,
)
from ppf_neuro.deployment.backends.lava.recorder import IN_RUN_COUNTER, RecordingPlan, Recorder
from ppf_neuro.deployment.backends.lava.timing import input_port
from ppf_neuro.deployment.inputs.stimulus import Stimulus
from ppf_neuro.formats.axes import lava_from_chw


@dataclass
class InputBias:
    """The input neurons' ``bias_mant`` (``--input-as bias``) and its value in each round
    (rounds, Lava neurons), set before every round; None where every round has the first's."""

    var: object
    rounds: np.ndarray | None


class CountedGraph(Protocol):
    """A Lava process graph whose layers a :class:`Recorder` counts inside the run."""

    samples: int  # N
    steps: int  # T, per sample
    total: int  # Lava steps to run
    layer_sizes: list[int]  # neurons per layer, one replica
    replicas: int  # copies of the network side by side (sample k * replicas + b: window k of replica b)
    lava_shapes: list[tuple[int, ...]] | None  # per layer, netx's (W, H, C) order of its Lava neurons; None: CHW
    root: object  # the process that run() and stop() are called on
    rec: Recorder
    synapses: list  # synapse processes, for the setup read after the run
    neurons: list  # neuron processes
    bias: InputBias | None  # ``--input-as bias`` only

    def describe(self) -> LavaSetup:
        """What ran (after the run: the process models Lava compiled)."""


def _varying(rounds: np.ndarray) -> np.ndarray | None:
    """Per-round biases, or None where every round has the first's (set once, before the run)."""
    return rounds if (rounds != rounds[:1]).any() else None


class NetxGraph:
    """netx's own network, one sample per window (replicas = 1)."""

    def __init__(self, net, stim: Stimulus, first: int, tmp: Path, plan: RecordingPlan = RecordingPlan()):
        from ppf_neuro.deployment.backends.lava.processes.spike_io import SpikeSource

        frames = stim.frames
        self.samples, self.steps = frames.shape[0], frames.shape[-1]
        port = input_port(net)
        in_shape = tuple(port.shape)
        self.shapes = [tuple(layer.out.shape) for layer in net.layers]
        self.replicas, self.lava_shapes = 1, self.shapes
        self.bias = None
        if stim.bias is not None:  # one sample per round: its values in netx's (W, H, C) layout
            rounds = lava_from_chw(stim.bias[..., None], self.shapes[0])[..., 0]
            net.layers[0].neuron.bias_mant.init = rounds[0]
            self.bias = InputBias(net.layers[0].neuron.bias_mant, _varying(rounds))
        self.delivery = stim.delivery
        self.layer_sizes = [int(np.prod(s)) for s in self.shapes]
        self.total = self.samples * self.steps + len(net.layers) + 1
        stream = np.zeros((self.total, *in_shape), dtype=frames.dtype)
        stream[: self.samples * self.steps] = np.moveaxis(lava_from_chw(frames, in_shape), -1, 1).reshape(-1, *in_shape)
        self.rec = Recorder(tmp, stream, self.layer_sizes, self.samples, self.steps, first, plan)
        source = SpikeSource(shape=in_shape, path=str(self.rec.frames))
        source.s_out.connect(port)
        for i, (layer, shape) in enumerate(zip(net.layers, self.shapes)):
            layer.out.connect(self.rec.counter(i, shape).a_in)
            # What the neurons receive: the synapse's output (a complex synapse's real part), or for an input
            # layer the source's frames.
            synapse = getattr(layer, "synapse", None) or getattr(layer, "real_synapse", None)
            received = source.s_out if synapse is None else synapse.a_out
            received.connect(self.rec.counter(i, tuple(received.shape), inputs=True).a_in)
            if i in plan.voltages:
                self.rec.record_state(i, layer.neuron.v)
        self.root = net
        self.synapses = [s for layer in net.layers for s in (getattr(layer, "synapse", None),
                                                             getattr(layer, "real_synapse", None),
                                                             getattr(layer, "imag_synapse", None)) if s is not None]
        self.neurons = [layer.neuron for layer in net.layers]

    def describe(self) -> LavaSetup:
        return LavaSetup("lava.lib.dl.netx.hdf5.Network", 1, compiled(self.synapses), compiled(self.neurons),
                         f"{compiled(self.rec.counters)}: {IN_RUN_COUNTER}", inputs=self.delivery)


class ReplicaGraph:
    """B replicas side by side (``ppf_neuro.deployment.backends.lava.network``); sample k*B + b runs in window k of replica b."""

    def __init__(self, layers: list[LavaLayer], stim: Stimulus, first: int, replicas: int, synapse: str,
                 tmp: Path, plan: RecordingPlan = RecordingPlan()):
        from ppf_neuro.deployment.backends.lava.processes.spike_io import SpikeSource

        frames = stim.frames
        n, steps = frames.shape[0], frames.shape[-1]
        self.samples, self.steps, self.replicas, self.lava_shapes = n, steps, replicas, None
        self.layer_sizes = [layer.neurons for layer in layers]
        rounds = math.ceil(n / replicas)
        bias_rounds = None
        if stim.bias is not None:  # round k: samples k*B ... k*B + B - 1, replica-major
            bias_rounds = np.zeros((rounds * replicas, stim.bias.shape[1]), dtype=np.int32)
            bias_rounds[:n] = stim.bias
            bias_rounds = bias_rounds.reshape(rounds, -1)
        self.total = rounds * steps + len(layers) + 1
        flat = np.zeros((rounds * replicas, int(np.prod(frames.shape[1:-1])), steps), dtype=frames.dtype)
        flat[:n] = frames.reshape(n, -1, steps)
        stream = np.zeros((self.total, replicas * flat.shape[1]), dtype=frames.dtype)
        # frame k*T + s holds step s of samples k*B ... k*B + B - 1, replica-major.
        stream[: rounds * steps] = flat.reshape(rounds, replicas, -1, steps).transpose(0, 3, 1, 2).reshape(
            rounds * steps, -1)
        self.rec = Recorder(tmp, stream, [replicas * s for s in self.layer_sizes], rounds, steps, first, plan)
        source = SpikeSource(shape=(stream.shape[1],), path=str(self.rec.frames))
        self.synapses, self.neurons = [], []
        prev = source.s_out
        for i, layer in enumerate(layers):
            bias = bias_rounds[0] if i == 0 and bias_rounds is not None else None
            self.neurons.append(replicated_neurons(layer, replicas, steps, bias))
            received = prev  # an input layer has no synapse: the source feeds the neurons (transform applied)
            if not isinstance(layer.synapse, LavaInputTransform):
                self.synapses.append(replicated_synapse(layer, replicas, synapse))
                prev.connect(self.synapses[-1].s_in)
                received = self.synapses[-1].a_out
            received.connect(self.neurons[-1].a_in)
            received.connect(self.rec.counter(i, (replicas * layer.neurons,), inputs=True).a_in)
            self.neurons[-1].s_out.connect(self.rec.counter(i, (replicas * layer.neurons,)).a_in)
            if i in plan.voltages:
                self.rec.record_state(i, self.neurons[-1].v)
            prev = self.neurons[-1].s_out
        self.root = source
        self.bias = None if bias_rounds is None else InputBias(self.neurons[0].bias_mant, _varying(bias_rounds))
        self.delivery = stim.delivery

    def describe(self) -> LavaSetup:
        return LavaSetup("replicated from netx's layers (ppf_neuro.deployment.backends.lava.network)", self.replicas,
                         compiled(self.synapses), compiled(self.neurons),
                         f"{compiled(self.rec.counters)}: {IN_RUN_COUNTER}", inputs=self.delivery)
