"""Counted Lava graphs: the network's layers counted per sample window inside the run.

Spikes enter through a memory-mapped ``SpikeSource``; every layer's spikes, and the steps in
which its neurons receive synaptic input, are summed per window by ``SpikeCounter`` processes
(``deploy.backends.lava.processes.spike_io``) into memory-mapped files; every step of chosen layers'
outputs and voltages is kept only when asked (:class:`Keep`). Two graph kinds share the :class:`CountedGraph` protocol and one run loop
(:func:`run_counted`):

* :class:`NetxGraph`: netx's own ``Network`` as is, one sample per window (replicas = 1);
* :class:`ReplicaGraph`: B replicas side by side (``deploy.backends.lava.network``); sample k*B + b
  runs in window k of replica b.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from deploy.backends.counts import SpikeCounts
from deploy.backends.lava.isolated import stop_requested
from deploy.backends.lava.mode import LavaResult, LavaSetup, compiled
from deploy.backends.lava.network import (
    LavaInputTransform,
    LavaLayer,
    replicated_neurons,
    replicated_synapse,
)
from deploy.backends.lava.timing import chw_from_lava, input_port, lava_from_chw
from deploy.inputs.stimulus import Stimulus
from ppf_neuro.errors import PPFError
from ppf_neuro.progress import progress_bar

IN_RUN_COUNTER = "per-window counts inside the run"


@dataclass(frozen=True)
class Keep:
    """What a run keeps beyond the counts, every step of every window, each under its npz entry
    name (``deploy.report.rasters.entry_name``): the outputs of the layers in ``rasters`` (position ->
    (name, file dtype: int8 0/1 events, int32 graded payloads)) and the voltage of the layers in
    ``voltages`` (position -> name); with ``lava_time`` every Lava step of the run instead, from
    the first, unaligned (``--record lava``)."""

    rasters: dict[int, tuple[str, type]] = field(default_factory=dict)
    voltages: dict[int, str] = field(default_factory=dict)
    lava_time: bool = False

    def files(self) -> list[tuple[str, int, type]]:
        """(name, layer position, dtype) of every kept file."""
        return ([(name, i, dtype) for i, (name, dtype) in self.rasters.items()]
                + [(name, i, np.int32) for i, name in self.voltages.items()])


class Recorder:
    """Input frames and per-layer counters of one run, in memory-mapped files under ``tmp``: each
    layer's spikes and the steps in which its neurons received synaptic input (their active
    updates), and what ``keep`` asks for: kept files are (windows, window, neurons), or with
    ``keep.lava_time`` (1, Lava steps, neurons), one row per Lava step of the run (``frames`` long)."""

    def __init__(self, tmp: Path, frames: np.ndarray, layer_sizes: list[int], windows: int, window: int, first: int,
                 keep: Keep = Keep()):
        self.tmp, self.windows, self.window, self.first, self.keep = tmp, windows, window, first, keep
        self.lava_steps = len(frames)  # the run's length
        self.frames = tmp / "frames.npy"
        self.counters = []
        try:
            np.save(self.frames, frames)
            for i, size in enumerate(layer_sizes):
                for name in (f"counts{i}", f"inputs{i}"):
                    np.save(tmp / f"{name}.npy", np.zeros((windows, size), dtype=np.int32))
            for name, i, dtype in keep.files():
                _, kept_window, kept_windows = self.kept_where(i)
                np.lib.format.open_memmap(tmp / f"{name}.npy", "w+", dtype,
                                          (kept_windows, kept_window, layer_sizes[i])).flush()
        except OSError as e:  # a full disk or a size limit where temporary files go
            raise PPFError(f"cannot write the Lava run's input and counter files in '{tmp.parent}': "
                           f"{e.strerror or e}") from None

    def kept_where(self, i: int) -> tuple[int, int, int]:
        """(first Lava step, window, windows) of layer i's kept files: its sample windows, or with
        ``keep.lava_time`` one window of every Lava step of the run."""
        return (1, self.lava_steps, 1) if self.keep.lava_time else (self.first + i, self.window, self.windows)

    def counter(self, i: int, shape: tuple[int, ...], inputs: bool = False):
        """Counts layer i's spikes (and keeps its raster if asked), or (``inputs``) the steps its
        neurons receive synaptic input."""
        from deploy.backends.lava.processes.spike_io import SpikeCounter

        name = f"inputs{i}" if inputs else f"counts{i}"
        raster = None if inputs or i not in self.keep.rasters else str(self.tmp / f"{self.keep.rasters[i][0]}.npy")
        counter = SpikeCounter(shape=shape, counts_path=str(self.tmp / f"{name}.npy"), first_step=self.first + i,
                               window=self.window, windows=self.windows, raster_path=raster,
                               raster_where=self.kept_where(i))
        self.counters.append(counter)
        return counter

    def record_state(self, i: int, var) -> None:
        """Keep neuron variable ``var`` (layer i's ``v``) at every step."""
        from deploy.backends.lava.processes.spike_io import StateRecorder

        first, window, windows = self.kept_where(i)
        recorder = StateRecorder(shape=tuple(var.shape), path=str(self.tmp / f"{self.keep.voltages[i]}.npy"),
                                 first_step=first, window=window, windows=windows)
        recorder.state.connect_var(var)
        self.counters.append(recorder)

    def read(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(spike counts, synaptic-input step counts) (windows, size)."""
        load = lambda name: np.load(self.tmp / f"{name}.npy")  # noqa: E731
        return load(f"counts{i}").astype(np.int64), load(f"inputs{i}").astype(np.int64)


class CountedGraph(Protocol):
    """A Lava process graph whose layers a :class:`Recorder` counts inside the run."""

    samples: int  # N
    steps: int  # T, per sample
    total: int  # Lava steps to run
    layer_sizes: list[int]  # neurons per layer, one replica
    root: object  # the process that run() and stop() are called on
    rec: Recorder
    synapses: list  # synapse processes, for the setup read after the run
    neurons: list  # neuron processes
    bias_var: object | None  # the input neurons' bias_mant, set before every round (``--input-as bias``)
    bias_rounds: np.ndarray | None  # (rounds, Lava neurons): its value in each round

    def split(self, layer: int, values: np.ndarray) -> np.ndarray:
        """(rows, Lava neurons) of layer ``layer`` -> (rows, replicas, neurons) in CHW order."""

    def describe(self) -> LavaSetup:
        """What ran (after the run: the process models Lava compiled)."""


def _varying(rounds: np.ndarray) -> np.ndarray | None:
    """Per-round biases, or None where every round has the first's (set once, before the run)."""
    return rounds if (rounds != rounds[:1]).any() else None


class NetxGraph:
    """netx's own network, one sample per window (replicas = 1)."""

    def __init__(self, net, stim: Stimulus, first: int, tmp: Path, keep: Keep = Keep()):
        from deploy.backends.lava.processes.spike_io import SpikeSource

        frames = stim.frames
        self.samples, self.steps = frames.shape[0], frames.shape[-1]
        port = input_port(net)
        in_shape = tuple(port.shape)
        self.shapes = [tuple(layer.out.shape) for layer in net.layers]
        self.bias_var = self.bias_rounds = None
        if stim.bias is not None:  # one sample per round: its values in netx's (W, H, C) layout
            self.bias_var = net.layers[0].neuron.bias_mant
            self.bias_rounds = lava_from_chw(stim.bias[..., None], self.shapes[0])[..., 0]
            self.bias_var.init = self.bias_rounds[0]
            self.bias_rounds = _varying(self.bias_rounds)
        self.delivery = stim.delivery
        self.layer_sizes = [int(np.prod(s)) for s in self.shapes]
        self.total = self.samples * self.steps + len(net.layers) + 1
        stream = np.zeros((self.total, *in_shape), dtype=frames.dtype)
        stream[: self.samples * self.steps] = np.moveaxis(lava_from_chw(frames, in_shape), -1, 1).reshape(-1, *in_shape)
        self.rec = Recorder(tmp, stream, self.layer_sizes, self.samples, self.steps, first, keep)
        source = SpikeSource(shape=in_shape, path=str(self.rec.frames))
        source.s_out.connect(port)
        for i, (layer, shape) in enumerate(zip(net.layers, self.shapes)):
            layer.out.connect(self.rec.counter(i, shape).a_in)
            # What the neurons receive: the synapse's output, or for an input layer the source's frames.
            received = layer.synapse.a_out if hasattr(layer, "synapse") else source.s_out
            received.connect(self.rec.counter(i, tuple(received.shape), inputs=True).a_in)
            if i in keep.voltages:
                self.rec.record_state(i, layer.neuron.v)
        self.root = net
        self.synapses = [layer.synapse for layer in net.layers if hasattr(layer, "synapse")]
        self.neurons = [layer.neuron for layer in net.layers]

    def split(self, layer: int, values: np.ndarray) -> np.ndarray:
        return chw_from_lava(values, self.shapes[layer])[:, None, :]

    def describe(self) -> LavaSetup:
        return LavaSetup("lava.lib.dl.netx.hdf5.Network", 1, compiled(self.synapses), compiled(self.neurons),
                         f"{compiled(self.rec.counters)}: {IN_RUN_COUNTER}", inputs=self.delivery)


class ReplicaGraph:
    """B replicas side by side (``deploy.backends.lava.network``); sample k*B + b runs in window k of replica b."""

    def __init__(self, layers: list[LavaLayer], stim: Stimulus, first: int, replicas: int, synapse: str,
                 tmp: Path, keep: Keep = Keep()):
        from deploy.backends.lava.processes.spike_io import SpikeSource

        frames = stim.frames
        n, steps = frames.shape[0], frames.shape[-1]
        self.samples, self.steps, self.replicas = n, steps, replicas
        self.layer_sizes = [layer.neurons for layer in layers]
        rounds = math.ceil(n / replicas)
        self.bias_var = self.bias_rounds = None
        if stim.bias is not None:  # round k: samples k*B ... k*B + B - 1, replica-major
            self.bias_rounds = np.zeros((rounds * replicas, stim.bias.shape[1]), dtype=np.int32)
            self.bias_rounds[:n] = stim.bias
            self.bias_rounds = self.bias_rounds.reshape(rounds, -1)
        self.total = rounds * steps + len(layers) + 1
        flat = np.zeros((rounds * replicas, int(np.prod(frames.shape[1:-1])), steps), dtype=frames.dtype)
        flat[:n] = frames.reshape(n, -1, steps)
        stream = np.zeros((self.total, replicas * flat.shape[1]), dtype=frames.dtype)
        # frame k*T + s holds step s of samples k*B ... k*B + B - 1, replica-major.
        stream[: rounds * steps] = flat.reshape(rounds, replicas, -1, steps).transpose(0, 3, 1, 2).reshape(
            rounds * steps, -1)
        self.rec = Recorder(tmp, stream, [replicas * s for s in self.layer_sizes], rounds, steps, first, keep)
        source = SpikeSource(shape=(stream.shape[1],), path=str(self.rec.frames))
        self.synapses, self.neurons = [], []
        prev = source.s_out
        for i, layer in enumerate(layers):
            bias = self.bias_rounds[0] if i == 0 and self.bias_rounds is not None else None
            self.neurons.append(replicated_neurons(layer, replicas, steps, bias))
            received = prev  # an input layer has no synapse: the source feeds the neurons (transform applied)
            if not isinstance(layer.synapse, LavaInputTransform):
                self.synapses.append(replicated_synapse(layer, replicas, synapse))
                prev.connect(self.synapses[-1].s_in)
                received = self.synapses[-1].a_out
            received.connect(self.neurons[-1].a_in)
            received.connect(self.rec.counter(i, (replicas * layer.neurons,), inputs=True).a_in)
            self.neurons[-1].s_out.connect(self.rec.counter(i, (replicas * layer.neurons,)).a_in)
            if i in keep.voltages:
                self.rec.record_state(i, self.neurons[-1].v)
            prev = self.neurons[-1].s_out
        self.root = source
        if self.bias_rounds is not None:
            self.bias_var = self.neurons[0].bias_mant
            self.bias_rounds = _varying(self.bias_rounds)
        self.delivery = stim.delivery

    def split(self, layer: int, values: np.ndarray) -> np.ndarray:
        return values.reshape(values.shape[0], self.replicas, self.layer_sizes[layer])

    def describe(self) -> LavaSetup:
        return LavaSetup("replicated from netx's layers (ppf-neuro deploy.backends.lava.network)", self.replicas,
                         compiled(self.synapses), compiled(self.neurons),
                         f"{compiled(self.rec.counters)}: {IN_RUN_COUNTER}", inputs=self.delivery)


def _results(graph: CountedGraph) -> tuple[SpikeCounts, SpikeCounts]:
    """Per layer: counts and synaptic-input steps (N, neurons)."""
    layers, inputs = [], []
    for i, size in enumerate(graph.layer_sizes):
        counts, received = graph.rec.read(i)
        layers.append(graph.split(i, counts).reshape(-1, size)[: graph.samples])
        inputs.append(graph.split(i, received).reshape(-1, size)[: graph.samples])
    return SpikeCounts(layers), SpikeCounts(inputs)


#: Windows converted at a time when kept rasters are written out (bounds the memory it takes).
KEEP_CHUNK = 256


def _write_kept(graph: CountedGraph, directory: Path) -> dict[str, str]:
    """Every kept file as ``directory/NAME.npy`` (N, neurons, T) in CHW order, converted from the
    run's (windows, T, Lava neurons) layout a chunk of windows at a time; a Lava-time file as
    (Lava steps, neurons), a chunk of steps at a time."""
    written = {}
    for name, i, _ in graph.rec.keep.files():
        kept = np.load(graph.rec.tmp / f"{name}.npy", mmap_mode="r")
        windows, steps, size = kept.shape
        path = directory / f"{name}.npy"
        try:
            if graph.rec.keep.lava_time:
                out = np.lib.format.open_memmap(path, "w+", kept.dtype, (steps, graph.layer_sizes[i]))
                for s in range(0, steps, KEEP_CHUNK):
                    part = np.asarray(kept[0, s: s + KEEP_CHUNK])
                    out[s: s + len(part)] = graph.split(i, part).reshape(len(part), -1)
            else:
                out = np.lib.format.open_memmap(path, "w+", kept.dtype, (graph.samples, graph.layer_sizes[i], steps))
                for w in range(0, windows, KEEP_CHUNK):
                    part = kept[w: w + KEEP_CHUNK]
                    c = len(part)
                    per_sample = graph.split(i, np.asarray(part).reshape(c * steps, size)).reshape(c, steps, -1,
                                                                                                 graph.layer_sizes[i])
                    per_sample = per_sample.transpose(0, 2, 3, 1).reshape(-1, graph.layer_sizes[i], steps)
                    first = w * (per_sample.shape[0] // c)
                    out[first: first + len(per_sample)] = per_sample[: max(0, graph.samples - first)]
            out.flush()
            del out
        except OSError as e:
            raise PPFError(f"cannot write the run's rasters in '{directory}': {e.strerror or e}") from None
        written[name] = str(path)
    return written


#: The most time steps one ``run`` call takes (~1 ms each): an interrupted run ends within about that.
CHUNK_STEPS = 1000


def run_counted(graph: CountedGraph, progress: bool, keep_dir: Path | None = None) -> LavaResult:
    """Run ``graph`` to its end in chunks (for the progress bar, and so that an interrupted run ends
    between two of them: ``deploy.backends.lava.isolated``), always stopping it; what it kept goes to
    ``keep_dir``."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    # ~20 chunks, of at most ~CHUNK_STEPS steps (about a second), whole windows each; with per-round
    # biases one round (window) per chunk, its bias set before it (Var.set) and zero for the drain.
    chunk = graph.steps * max(1, min(math.ceil(graph.total / graph.steps / 20), CHUNK_STEPS // graph.steps))
    biases = graph.bias_rounds
    if biases is not None:
        chunk = graph.steps
    bar = progress_bar(total=graph.samples, desc="Lava", unit="sample", disable=not progress, leave=False)
    start = time.perf_counter()
    try:
        done = 0
        while done < graph.total:
            k = min(chunk, graph.total - done)
            if biases is not None and done:
                window = done // graph.steps
                graph.bias_var.set(biases[window] if window < len(biases) else np.zeros_like(biases[0]))
            graph.root.run(condition=RunSteps(num_steps=k), run_cfg=cfg)
            done += k
            bar.update(min(graph.samples, round(graph.samples * done / graph.total)) - bar.n)
            if stop_requested():
                raise KeyboardInterrupt("stopped by the interrupted command")
    finally:
        bar.close()
        graph.root.stop()
    seconds = time.perf_counter() - start
    counts, inputs = _results(graph)
    kept = _write_kept(graph, keep_dir) if keep_dir is not None else {}
    return LavaResult(counts, graph.total, seconds, graph.describe(), inputs, {k: [v] for k, v in kept.items()})
