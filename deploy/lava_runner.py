"""Run an exported SNN as Lava processes (netx, Loihi 2 fixed-point simulation on the CPU).

All samples stream through one Lava run: sample k occupies input steps
[k*T, (k+1)*T). netx resets layer i at steps where ``t % T == reset_offset + 1 + i``
(Lava time starts at 1) and every Dense/Conv stage delays by one step, so with
``reset_offset=1`` each layer's state is cleared exactly when the first spike
of a new sample reaches it: every layer sees each sample in a fresh window of T
steps, as in training. Layer i's output for sample k is therefore read from
sink steps ``i + 1 + k*T ... i + k*T + T``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ppf_neuro.errors import PPFError

#: Samples per ``run()`` call inside one Lava run: sets the progress granularity only.
CHUNK = 50


@dataclass(frozen=True)
class SpikeCounts:
    """Per-sample spike counts from one backend.

    ``layers[i]`` is (N, neurons_i) in the PyTorch (C, H, W) neuron order, so
    counts from Lava and from PyTorch compare element by element.
    """

    layers: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1]

    def per_layer_totals(self) -> np.ndarray:
        """(N, layers): spikes per sample in each layer."""
        return np.stack([c.sum(axis=1) for c in self.layers], axis=1)


@dataclass(frozen=True)
class LavaResult:
    counts: SpikeCounts
    steps: int
    seconds: float
    raster: list[np.ndarray]  # per layer (T, neurons) spikes of the first sample, CHW order


def _to_lava_layout(spikes: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """(N, C, H, W, T) -> (*lava_input_shape, N*T): WHC for conv inputs, flat CHW for dense."""
    n, t = spikes.shape[0], spikes.shape[-1]
    if len(input_shape) == 3:
        x = spikes.transpose(3, 2, 1, 0, 4)  # W, H, C, N, T
    else:
        x = spikes.reshape(n, -1, t).transpose(1, 0, 2)
    return x.reshape(*input_shape, n * t)


def _from_lava_layout(counts: np.ndarray) -> np.ndarray:
    """(*lava_shape, N) -> (N, neurons) in CHW order."""
    if counts.ndim == 4:  # W, H, C, N
        counts = counts.transpose(3, 2, 1, 0)
        return counts.reshape(counts.shape[0], -1)
    return counts.T


def run_on_lava(net_path: str, spikes: np.ndarray, progress: bool = True) -> LavaResult:
    """Stream ``spikes`` (N, C, H, W, T) through the netx network at ``net_path``."""
    from ppf_neuro.lava_dl import netx
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc import io

    n, steps = spikes.shape[0], spikes.shape[-1]
    try:
        net = netx.hdf5.Network(net_config=str(net_path), reset_interval=steps, reset_offset=1)
    except Exception as e:  # netx raises KeyError, ValueError, NotImplementedError ... on bad layouts
        raise PPFError(f"{net_path}: netx cannot build the network: {type(e).__name__}: {e}") from None
    input_shape = tuple(net.inp.shape)
    if int(np.prod(input_shape)) != int(np.prod(spikes.shape[1:-1])):
        raise PPFError(
            f"{net_path}: network input has {int(np.prod(input_shape))} neurons, "
            f"the data has {int(np.prod(spikes.shape[1:-1]))} pixels per sample"
        )
    latency = len(net.layers)  # one step per layer, so the last sample must drain
    total = n * steps + latency + 1
    stream = np.zeros((*input_shape, total), dtype=np.int8)
    stream[..., : n * steps] = _to_lava_layout(spikes.astype(np.int8), input_shape)
    source = io.source.RingBuffer(data=stream)
    source.s_out.connect(net.inp)
    sinks = []
    for layer in net.layers:
        sink = io.sink.RingBuffer(shape=layer.out.shape, buffer=total)
        layer.out.connect(sink.a_in)
        sinks.append(sink)

    start = time.perf_counter()
    bar = tqdm(total=n, desc="Lava", unit="sample", disable=not progress, leave=False)
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    try:
        done = 0
        while done < n:
            k = min(CHUNK, n - done)
            run_steps = k * steps + (latency + 1 if done + k == n else 0)
            net.run(condition=RunSteps(num_steps=run_steps), run_cfg=cfg)
            done += k
            bar.update(k)
        data = [s.data.get() for s in sinks]
    finally:
        bar.close()
        net.stop()
    seconds = time.perf_counter() - start

    layers, raster = [], []
    for i, d in enumerate(data):
        window = d[..., i + 1 : i + 1 + n * steps]
        per_sample = window.reshape(*window.shape[:-1], n, steps)
        layers.append(_from_lava_layout(per_sample.sum(-1)).astype(np.int64))
        first = np.moveaxis(per_sample[..., 0, :], -1, 0)  # T, *lava_shape
        raster.append(_from_lava_layout(np.moveaxis(first, 0, -1)).astype(np.int8))
    return LavaResult(SpikeCounts(layers), total, seconds, raster)


def run_shard(bundle: bytes, spikes: np.ndarray) -> LavaResult:
    """One worker's share: its own Lava run on ``spikes``, from the bundle's bytes.

    Workers get the file's content, not its path, so they need no shared filesystem.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.h5"
        path.write_bytes(bundle)
        return run_on_lava(str(path), spikes, progress=False)


def merge(parts: list[LavaResult], seconds: float) -> LavaResult:
    """Shard results in order, as one run over all samples."""
    layers = [np.concatenate([p.counts.layers[i] for p in parts]) for i in range(len(parts[0].counts.layers))]
    return LavaResult(SpikeCounts(layers), sum(p.steps for p in parts), seconds, parts[0].raster)


def run_on_lava_sharded(net_path: str, spikes: np.ndarray, workers: int, ray_address: str | None = None,
                        progress: bool = True) -> LavaResult:
    """Split the samples into ``workers`` contiguous shards, one Lava run each, merged in order."""
    from ppf_neuro.executors import run_tasks

    start = time.perf_counter()
    bundle = Path(net_path).read_bytes()
    shards = [s for s in np.array_split(spikes, workers) if len(s)]
    parts = run_tasks(run_shard, [(bundle, s) for s in shards], workers, ray_address, desc="Lava shards",
                      progress=progress)
    return merge(parts, time.perf_counter() - start)
