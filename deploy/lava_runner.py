"""Run an exported SNN as Lava processes (Loihi 2 fixed-point simulation on the CPU).

Timing, the key to exactness: sample k's spikes enter at input steps
[k*T, (k+1)*T). Every Dense/Conv synapse delays by one step, so layer i sees
them at Lava steps ``i+2+k*T ... i+1+(k+1)*T`` (Lava time starts at 1), and
netx, given ``reset_interval=T, reset_offset=1``, resets layer i at exactly
the first of those steps (``t % T == (i + 2) % T``): every layer sees each sample in
a fresh window of T steps, as in training. Layer i's counts for sample k are
the sum over that window. A network that starts with netx's input neuron
layer (no synapse, so no delay) is fed at its neurons and starts one step
earlier (``reset_offset=0``): netx leaves that layer's input port unconnected
(lava-dl issue #298), so the source drives its neurons' ``a_in`` directly with
the file's input transform ``weight * spike + bias`` applied.

Three ways to run (:class:`LavaMode`), all giving per-neuron counts of every layer:

* ``replicas=1``: netx's own ``Network`` as is, one sample per window (the reference mode);
* ``replicas=B`` > 1: B copies side by side in one run (``deploy.lava_network``), so a
  step advances B samples;
* ``recorder="ringbuffer"`` (with ``replicas=1``): Lava's ``RingBuffer`` source and
  sinks, the full raster read back with ``Var.get`` after the run. It is slow
  (``Var.get`` moves ~60,000 elements/s) and kept as the independent check of the
  in-run counters and for benchmarks.

Otherwise spikes enter through a memory-mapped ``SpikeSource`` and every layer is
counted per window inside the run by a ``SpikeCounter`` (``deploy.processes.spike_io``);
only the first sample's raster is recorded. A run is always stopped, also on error.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from deploy.counts import SpikeCounts
from ppf_neuro.choices import LAVA_RECORDERS, LAVA_SYNAPSES
from ppf_neuro.errors import PPFError

#: Work per Lava step that a replicated run aims for (see :func:`auto_replicas`), in units of one
#: dense synapse; a conv synapse and a neuron update cost more per element (batched conv2d on small
#: images, ~20 numpy passes of the LIF model): weights calibrated on this machine's runs of the
#: 784-256-10 and the 8/16-channel conv nets (benchmarks/deployment_throughput.py).
REPLICA_WORK_PER_STEP = 3e8
CONV_SYNAPSE_COST = 8
NEURON_COST = 400
MAX_REPLICAS = 1024

#: What the report says ran (``LavaResult.setup``).
LIF_RESET = "lava.proc.lif LIFReset (PyLifResetModelBitAcc)"
IN_RUN_COUNTER = "ppf-neuro SpikeCounter (per-window counts inside the run)"
NETX_SETUP = {"network": "lava.lib.dl.netx.hdf5.Network", "replicas": 1,
              "synapse": "netx blocks: lava.proc.dense Dense / lava.proc.conv Conv (fixed_pt models)",
              "neuron": LIF_RESET}


@dataclass(frozen=True)
class LavaMode:
    """How the SNN is laid out in Lava.

    ``replicas``: copies of the network side by side in one run; 1 is netx's own
    ``Network`` (the reference mode); ``None`` chooses from the network's size
    (:func:`auto_replicas`). ``synapse``: for replicated runs, ``batched``
    (ppf-neuro's ReplicaDense/ReplicaConv ProcessModels, tested identical to
    Lava's Dense and Conv models) or ``sparse`` (Lava's own ``Sparse`` process with
    block-diagonal weights). ``recorder``: see the module docstring.
    """

    replicas: int | None = None
    synapse: str = "batched"
    recorder: str = "counts"

    def __post_init__(self):
        if self.replicas is not None and self.replicas < 1:
            raise PPFError(f"--replicas must be at least 1, got {self.replicas}")
        if self.synapse not in LAVA_SYNAPSES:
            raise PPFError(f"Lava synapse must be one of {list(LAVA_SYNAPSES)}, got {self.synapse!r}")
        if self.recorder not in LAVA_RECORDERS:
            raise PPFError(f"Lava recorder must be one of {list(LAVA_RECORDERS)}, got {self.recorder!r}")
        if self.recorder == "ringbuffer" and self.replicas not in (None, 1):
            raise PPFError("the ringbuffer recorder runs the plain netx network only (replicas=1)")


@dataclass(frozen=True)
class LavaResult:
    counts: SpikeCounts
    steps: int  # Lava time steps run (summed over shards)
    seconds: float
    raster: list[np.ndarray]  # per layer (T, neurons) spikes of the first sample, CHW order
    setup: dict  # what ran: network, replicas, synapse and neuron models, recorder
    #: per layer (N, neurons): steps in which each neuron received synaptic input (None: not recorded)
    input_steps: SpikeCounts | None = None


def first_step(net_path: str | Path) -> int:
    """The Lava step at which layer 0 sees a run's first input step: 2 after a synapse, 1 for
    an input neuron layer."""
    from deploy.netx_file import load_netx_file

    return 1 if load_netx_file(net_path).has_input_neurons else 2


def build_netx(net_path: str | Path, steps: int, first: int):
    """netx's ``Network`` for the file, with resets every ``steps`` aligned as the module docstring says."""
    from ppf_neuro.lava_dl import load_netx_network

    return load_netx_network(net_path, reset_interval=steps, reset_offset=first - 1)


def input_frames(net, spikes: np.ndarray) -> np.ndarray:
    """What the source sends: the spikes, or for an input neuron layer ``weight * spike + bias``."""
    from lava.lib.dl.netx.blocks.process import Input

    if isinstance(net.layers[0], Input):
        t = net.layers[0].transform
        return (int(t["weight"]) * spikes.astype(np.int32) + int(t["bias"])).astype(np.int32)
    return spikes


def input_port(net):
    """Where the source connects: netx's input port, or the input layer's neurons (lava-dl #298)."""
    from lava.lib.dl.netx.blocks.process import Input

    return net.layers[0].neuron.a_in if isinstance(net.layers[0], Input) else net.inp


def auto_replicas(layers, samples: int) -> int:
    """Replicas for a run: as many as keep one step's work near ``REPLICA_WORK_PER_STEP`` (Lava's
    fixed cost per step, ~1 ms per process, then no longer dominates, and a step does not grow
    past the point where fewer steps stop paying), at most ``MAX_REPLICAS`` and the samples."""
    work = sum(_work_per_replica(layer) for layer in layers)
    return int(max(1, min(MAX_REPLICAS, samples, round(REPLICA_WORK_PER_STEP / max(work, 1)))))


def _work_per_replica(layer) -> int:
    neurons = NEURON_COST * layer.neurons
    if layer.kind == "input":
        return neurons
    if layer.kind == "dense":
        return neurons + int(layer.synapse["weights"].size)
    return neurons + CONV_SYNAPSE_COST * layer.neurons * int(np.prod(layer.synapse["weight"].shape[1:]))


def run_on_lava(net_path: str | Path, spikes: np.ndarray, mode: LavaMode = LavaMode(),
                progress: bool = True) -> LavaResult:
    """Stream ``spikes`` (N, C, H, W, T) or (N, inputs, T) through the netx network at ``net_path``."""
    from deploy.lava_network import read_layers

    n, steps = spikes.shape[0], spikes.shape[-1]
    first = first_step(net_path)
    net = build_netx(net_path, steps, first)
    inputs = int(np.prod(input_port(net).shape))
    if inputs != int(np.prod(spikes.shape[1:-1])):
        raise PPFError(f"{net_path}: network input has {inputs} neurons, "
                       f"the data has {int(np.prod(spikes.shape[1:-1]))} per sample")
    frames = input_frames(net, spikes)
    if mode.recorder == "ringbuffer":
        return _run_ringbuffer(net, frames, first, progress)
    replicas = mode.replicas
    if replicas != 1:
        layers = read_layers(net)
        replicas = replicas or auto_replicas(layers, n)
    with tempfile.TemporaryDirectory(prefix="ppf-lava-") as tmp:
        if replicas == 1:
            return _run_counted(_NetxGraph(net, frames, first, Path(tmp)), progress)
        return _run_counted(_ReplicaGraph(layers, frames, first, replicas, mode.synapse, Path(tmp)), progress)


def _chw_from_lava(counts: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N, prod(lava shape)) in netx's (W, H, C) order -> (N, neurons) in CHW order."""
    if len(shape) < 2:
        return counts
    n = counts.shape[0]
    return counts.reshape(n, *shape).transpose(0, *range(len(shape), 0, -1)).reshape(n, -1)


def _lava_from_chw(spikes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N, C, H, W, T) -> (N, *lava shape, T): WHC for a 3-D netx input, flat CHW otherwise."""
    n, t = spikes.shape[0], spikes.shape[-1]
    if len(shape) == 3:
        return spikes.reshape(n, *shape[::-1], t).transpose(0, 3, 2, 1, 4)
    return spikes.reshape(n, *shape, t)


class _Recorded:
    """Input frames and per-layer counters of one run, in memory-mapped files under ``tmp``: each
    layer's spikes (with the first window's raster) and the steps in which its neurons received
    synaptic input (their active updates)."""

    def __init__(self, tmp: Path, frames: np.ndarray, layer_sizes: list[int], windows: int, window: int, first: int):
        self.tmp, self.windows, self.window, self.first = tmp, windows, window, first
        self.frames = tmp / "frames.npy"
        np.save(self.frames, frames)
        for i, size in enumerate(layer_sizes):
            for name in (f"counts{i}", f"inputs{i}"):
                np.save(tmp / f"{name}.npy", np.zeros((windows, size), dtype=np.int32))
            np.save(tmp / f"raster{i}.npy", np.zeros((window, size), dtype=np.int8))

    def counter(self, i: int, shape: tuple[int, ...], inputs: bool = False):
        """Counts layer i's spikes, or (``inputs``) the steps its neurons receive synaptic input."""
        from deploy.processes.spike_io import SpikeCounter

        name = f"inputs{i}" if inputs else f"counts{i}"
        return SpikeCounter(shape=shape, counts_path=str(self.tmp / f"{name}.npy"), first_step=self.first + i,
                            window=self.window, windows=self.windows,
                            raster_path=None if inputs else str(self.tmp / f"raster{i}.npy"))

    def read(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(spike counts, synaptic-input step counts) (windows, size) and the first window's raster."""
        load = lambda name: np.load(self.tmp / f"{name}.npy")  # noqa: E731
        return load(f"counts{i}").astype(np.int64), load(f"inputs{i}").astype(np.int64), load(f"raster{i}")


class _NetxGraph:
    """netx's own network, one sample per window (replicas = 1)."""

    def __init__(self, net, spikes: np.ndarray, first: int, tmp: Path):
        from deploy.processes.spike_io import SpikeSource

        n, steps = spikes.shape[0], spikes.shape[-1]
        self.net, self.n, self.steps = net, n, steps
        port = input_port(net)
        self.in_shape = tuple(port.shape)
        self.shapes = [tuple(layer.out.shape) for layer in net.layers]
        self.total = n * steps + len(net.layers) + 1
        frames = np.zeros((self.total, *self.in_shape), dtype=spikes.dtype)
        frames[: n * steps] = np.moveaxis(_lava_from_chw(spikes, self.in_shape), -1, 1).reshape(-1, *self.in_shape)
        self.rec = _Recorded(tmp, frames, [int(np.prod(s)) for s in self.shapes], n, steps, first)
        source = SpikeSource(shape=self.in_shape, path=str(self.rec.frames))
        source.s_out.connect(port)
        for i, (layer, shape) in enumerate(zip(net.layers, self.shapes)):
            layer.out.connect(self.rec.counter(i, shape).a_in)
            # What the neurons receive: the synapse's output, or for an input layer the source's frames.
            received = layer.synapse.a_out if hasattr(layer, "synapse") else source.s_out
            received.connect(self.rec.counter(i, tuple(received.shape), inputs=True).a_in)
        self.root = net
        self.setup = {**NETX_SETUP, "recorder": IN_RUN_COUNTER}

    def results(self) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        layers, inputs, raster = [], [], []
        for i, shape in enumerate(self.shapes):
            counts, received, first = self.rec.read(i)
            layers.append(_chw_from_lava(counts, shape))
            inputs.append(_chw_from_lava(received, shape))
            raster.append(_chw_from_lava(first, shape).astype(np.int8))
        return layers, inputs, raster


class _ReplicaGraph:
    """B replicas side by side (``deploy.lava_network``); sample k*B + b runs in window k of replica b."""

    def __init__(self, layers, spikes: np.ndarray, first: int, replicas: int, synapse: str, tmp: Path):
        from deploy.lava_network import replicated_neurons, replicated_synapse
        from deploy.processes.spike_io import SpikeSource

        n, steps = spikes.shape[0], spikes.shape[-1]
        self.n, self.steps, self.replicas = n, steps, replicas
        self.sizes = [layer.neurons for layer in layers]
        rounds = math.ceil(n / replicas)
        self.total = rounds * steps + len(layers) + 1
        flat = np.zeros((rounds * replicas, int(np.prod(spikes.shape[1:-1])), steps), dtype=spikes.dtype)
        flat[:n] = spikes.reshape(n, -1, steps)
        frames = np.zeros((self.total, replicas * flat.shape[1]), dtype=spikes.dtype)
        # frame k*T + s holds step s of samples k*B ... k*B + B - 1, replica-major.
        frames[: rounds * steps] = flat.reshape(rounds, replicas, -1, steps).transpose(0, 3, 1, 2).reshape(
            rounds * steps, -1)
        self.rec = _Recorded(tmp, frames, [replicas * s for s in self.sizes], rounds, steps, first)
        source = SpikeSource(shape=(frames.shape[1],), path=str(self.rec.frames))
        prev = source.s_out
        for i, layer in enumerate(layers):
            neurons = replicated_neurons(layer, replicas, steps)
            if layer.kind == "input":  # no synapse: the source feeds the neurons (transform applied)
                received = prev
            else:
                syn = replicated_synapse(layer, replicas, synapse)
                prev.connect(syn.s_in)
                received = syn.a_out
            received.connect(neurons.a_in)
            received.connect(self.rec.counter(i, (replicas * layer.neurons,), inputs=True).a_in)
            neurons.s_out.connect(self.rec.counter(i, (replicas * layer.neurons,)).a_in)
            prev = neurons.s_out
        self.root = source
        self.setup = {"network": "replicated from netx's layers (ppf-neuro deploy.lava_network)",
                      "replicas": replicas,
                      "synapse": {"batched": "ppf-neuro ReplicaDense / ReplicaConv (fixed_pt, tested identical to "
                                             "Lava's PyDenseModelBitAcc / PyConvModelFixed)",
                                  "sparse": "lava.proc.sparse Sparse, block-diagonal (PySparseModelBitAcc)"}[synapse],
                      "neuron": LIF_RESET, "recorder": IN_RUN_COUNTER}

    def results(self) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        layers, inputs, raster = [], [], []
        for i, size in enumerate(self.sizes):
            counts, received, first = self.rec.read(i)
            layers.append(counts.reshape(-1, size)[: self.n])
            inputs.append(received.reshape(-1, size)[: self.n])
            raster.append(first[:, :size])  # replica 0 in window 0 is sample 0
        return layers, inputs, raster


def _run_counted(graph, progress: bool) -> LavaResult:
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    chunk = graph.steps * max(1, math.ceil(graph.total / graph.steps / 20))  # ~20 progress updates
    bar = tqdm(total=graph.n, desc="Lava", unit="sample", disable=not progress, leave=False)
    start = time.perf_counter()
    try:
        done = 0
        while done < graph.total:
            k = min(chunk, graph.total - done)
            graph.root.run(condition=RunSteps(num_steps=k), run_cfg=cfg)
            done += k
            bar.update(min(graph.n, round(graph.n * done / graph.total)) - bar.n)
    finally:
        bar.close()
        graph.root.stop()
    seconds = time.perf_counter() - start
    layers, inputs, raster = graph.results()
    return LavaResult(SpikeCounts(layers), graph.total, seconds, raster, graph.setup, SpikeCounts(inputs))


def ringbuffer_rasters(net, frames: np.ndarray, first: int, trace_layer: int | None = None,
                       progress: bool = False) -> tuple[list[np.ndarray], dict, int, float]:
    """netx's own network fed by Lava's RingBuffer source, every layer's spikes in a RingBuffer sink
    read back with ``Var.get`` after the run (slow, and independent of the in-run counters); with
    ``trace_layer``, ``Monitor`` probes on that layer's current ``u`` and voltage ``v``.

    Returns per layer the spikes (N, neurons, T) int8, each sample's window of that layer, CHW
    order; the traces {"u", "v"} (N, neurons, T) int64 of ``trace_layer`` ({} without); the
    Lava steps run and the seconds they took.
    """
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc import io
    from lava.proc.monitor.process import Monitor

    n, steps = frames.shape[0], frames.shape[-1]
    port = input_port(net)
    in_shape = tuple(port.shape)
    total = n * steps + len(net.layers) + 1
    stream = np.zeros((*in_shape, total), dtype=frames.dtype)
    stream[..., : n * steps] = np.moveaxis(_lava_from_chw(frames, in_shape), 0, -2).reshape(*in_shape, n * steps)
    source = io.source.RingBuffer(data=stream)
    source.s_out.connect(port)
    sinks = []
    for layer in net.layers:
        sinks.append(io.sink.RingBuffer(shape=layer.out.shape, buffer=total))
        layer.out.connect(sinks[-1].a_in)
    monitors = {}
    if trace_layer is not None:
        neuron = net.layers[trace_layer].neuron
        monitors = {name: Monitor() for name in ("u", "v")}
        for name, monitor in monitors.items():
            monitor.probe(target=getattr(neuron, name), num_steps=total)
    bar = tqdm(total=1, desc="Lava (ringbuffer)", disable=not progress, leave=False)
    start = time.perf_counter()
    try:
        net.run(condition=RunSteps(num_steps=total), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        data = [np.moveaxis(s.data.get(), -1, 0) for s in sinks]  # (total, *shape) each
        traces = {name: m.get_data()[neuron.name][name] for name, m in monitors.items()}
    finally:
        bar.close()
        net.stop()
    seconds = time.perf_counter() - start

    def windows(series: np.ndarray, layer: int) -> np.ndarray:
        """Lava steps first + layer + k*T ... of a (total, ...) series -> (N, neurons, T), CHW order."""
        begin = first - 1 + layer  # buffer index of Lava step first + layer
        flat = series[begin: begin + n * steps].reshape(n * steps, -1)
        return _chw_from_lava(flat, tuple(net.layers[layer].out.shape)).reshape(n, steps, -1).transpose(0, 2, 1)

    rasters = [windows(d, i).astype(np.int8) for i, d in enumerate(data)]
    return rasters, {k: windows(v, trace_layer).astype(np.int64) for k, v in traces.items()}, total, seconds


def _run_ringbuffer(net, frames: np.ndarray, first: int, progress: bool) -> LavaResult:
    """Lava's RingBuffer source and sinks, the raster read back with ``Var.get`` (the slow reference)."""
    rasters, _, total, seconds = ringbuffer_rasters(net, frames, first, progress=progress)
    counts = SpikeCounts([r.sum(-1, dtype=np.int64) for r in rasters])
    setup = {**NETX_SETUP, "recorder": "lava.proc.io RingBuffer sinks, read with Var.get after the run"}
    return LavaResult(counts, total, seconds, [np.ascontiguousarray(r[0].T) for r in rasters], setup)


def run_shard(net: bytes, spikes: np.ndarray, mode: dict) -> LavaResult:
    """One worker's share: its own Lava run on ``spikes``, from the network file's bytes.

    Workers get the file's content, not its path, so they need no shared filesystem.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.h5"
        path.write_bytes(net)
        return run_on_lava(str(path), spikes, LavaMode(**mode), progress=False)


def merge(parts: list[LavaResult], seconds: float) -> LavaResult:
    """Shard results in order, as one run over all samples."""
    def joined(counts: list[SpikeCounts]) -> SpikeCounts:
        return SpikeCounts([np.concatenate([c.layers[i] for c in counts]) for i in range(len(counts[0].layers))])

    inputs = joined([p.input_steps for p in parts]) if all(p.input_steps for p in parts) else None
    setup = {**parts[0].setup, "shards": len(parts)}
    return LavaResult(joined([p.counts for p in parts]), sum(p.steps for p in parts), seconds, parts[0].raster, setup,
                      inputs)


def run_on_lava_sharded(net_path: str | Path, spikes: np.ndarray, workers: int, mode: LavaMode = LavaMode(),
                        ray_address: str | None = None, progress: bool = True) -> LavaResult:
    """Split the samples into ``workers`` contiguous shards, one Lava run each, merged in order."""
    from ppf_neuro.executors import run_tasks

    start = time.perf_counter()
    net = Path(net_path).read_bytes()
    shards = [s for s in np.array_split(spikes, workers) if len(s)]
    parts = run_tasks(run_shard, [(net, s, asdict(mode)) for s in shards], workers, ray_address,
                      desc="Lava shards", progress=progress)
    return merge(parts, time.perf_counter() - start)
