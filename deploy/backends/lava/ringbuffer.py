"""netx's own network read out with Lava's RingBuffer sinks and ``Var.get`` after the run.

It is slow (``Var.get`` moves ~60,000 elements/s) and kept as the independent check of the
in-run counters, for benchmarks, and for the divergence finder's step-by-step re-run (with
``Monitor`` probes on one layer's current and voltage).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.backends.lava.mode import LavaResult, LavaSetup, compiled
from ppf_neuro.deployment.windows import window_counts, windows_of
from ppf_neuro.deployment.backends.lava.timing import build_netx, input_port
from ppf_neuro.deployment.inputs.stimulus import stimulus
from ppf_neuro.formats.axes import chw_from_lava, lava_from_chw
from ppf_neuro.formats.netx import NetxFile
from ppf_neuro.processes.progress import progress_bar


@dataclass(frozen=True)
class Rasters:
    """Per layer the spikes (N, neurons, T) int8, each sample's window of that layer, CHW order; the
    traces {"u", "v"} (N, neurons, T) int64 of the traced layer ({} without); the Lava steps run,
    the seconds they took and what ran."""

    spikes: list[np.ndarray]
    traces: dict[str, np.ndarray]
    steps: int
    seconds: float
    setup: LavaSetup


def _build(network, frames: np.ndarray, trace_layer: int | None):
    """The RingBuffer source and sinks (and monitors) around a built netx network."""
    from lava.proc import io
    from lava.proc.monitor.process import Monitor

    n, steps = frames.shape[0], frames.shape[-1]
    port = input_port(network)
    in_shape = tuple(port.shape)
    total = n * steps + len(network.layers) + 1
    stream = np.zeros((*in_shape, total), dtype=frames.dtype)
    stream[..., : n * steps] = np.moveaxis(lava_from_chw(frames, in_shape), 0, -2).reshape(*in_shape, n * steps)
    io.source.RingBuffer(data=stream).s_out.connect(port)
    sinks = []
    for layer in network.layers:
        sinks.append(io.sink.RingBuffer(shape=layer.out.shape, buffer=total))
        layer.out.connect(sinks[-1].a_in)
    monitors = {}
    if trace_layer is not None:
        monitors = {name: Monitor() for name in ("u", "v")}
        for name, monitor in monitors.items():
            monitor.probe(target=getattr(network.layers[trace_layer].neuron, name), num_steps=total)
    return sinks, monitors, total


def ringbuffer_rasters(net: NetxFile, spikes: np.ndarray, trace_layer: int | None = None,
                       progress: bool = False) -> Rasters:
    """``spikes`` (N, *input, T) through netx's own network on Lava, every layer's spikes read back
    from RingBuffer sinks; with ``trace_layer``, ``Monitor`` probes on that layer's ``u`` and ``v``."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    network = build_netx(net, spikes.shape[-1])
    frames = stimulus(net, spikes, "spikes").frames
    n, steps = frames.shape[0], frames.shape[-1]
    sinks, monitors, total = _build(network, frames, trace_layer)
    bar = progress_bar(total=1, desc="Lava (ringbuffer)", disable=not progress, leave=False)
    start = time.perf_counter()
    try:
        network.run(condition=RunSteps(num_steps=total), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        data = [np.moveaxis(s.data.get(), -1, 0) for s in sinks]  # (total, *shape) each
        neuron = None if trace_layer is None else network.layers[trace_layer].neuron
        traces = {name: m.get_data()[neuron.name][name] for name, m in monitors.items()}
    finally:
        bar.close()
        network.stop()
    seconds = time.perf_counter() - start

    def windows(series: np.ndarray, layer: int) -> np.ndarray:
        """Lava steps first + layer + k*T ... of a (total, ...) series -> (N, neurons, T), CHW order."""
        flat = chw_from_lava(series.reshape(len(series), -1), tuple(network.layers[layer].out.shape))
        return windows_of(flat, net, layer, n, steps)

    setup = LavaSetup("lava.lib.dl.netx.hdf5.Network", 1,
                      compiled([layer.synapse for layer in network.layers if hasattr(layer, "synapse")]),
                      compiled([layer.neuron for layer in network.layers]),
                      f"{compiled(sinks)}: read with Var.get after the run")
    return Rasters([windows(d, i).astype(np.int8) for i, d in enumerate(data)],
                   {k: windows(v, trace_layer).astype(np.int64) for k, v in traces.items()}, total, seconds, setup)


def run_ringbuffer(net: NetxFile, spikes: np.ndarray, progress: bool, timing: str = "aligned") -> LavaResult:
    """Counts from the full rasters (the slow reference mode), over the steps ``timing`` counts."""
    r = ringbuffer_rasters(net, spikes, progress=progress)
    counts = SpikeCounts([window_counts(s, net, i, timing) for i, s in enumerate(r.spikes)])
    return LavaResult(counts, r.steps, r.seconds, r.setup)
