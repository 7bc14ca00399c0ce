"""The one run loop of every counted graph: chunks of Lava steps with a progress bar, per-round
input biases, a stop between chunks when the command is interrupted, then the counts and the recorded
files read out."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from deploy.backends.counts import SpikeCounts
from deploy.backends.lava.graphs import CountedGraph
from deploy.backends.lava.isolated import stop_requested
from deploy.backends.lava.mode import LavaResult
from ppf_neuro.errors import PPFError
from ppf_neuro.progress import progress_bar


def _results(graph: CountedGraph) -> tuple[SpikeCounts, SpikeCounts]:
    """Per layer: counts and synaptic-input steps (N, neurons)."""
    layers, inputs = [], []
    for i, size in enumerate(graph.layer_sizes):
        counts, received = graph.rec.read(i)
        layers.append(graph.split(i, counts).reshape(-1, size)[: graph.samples])
        inputs.append(graph.split(i, received).reshape(-1, size)[: graph.samples])
    return SpikeCounts(layers), SpikeCounts(inputs)


#: Windows converted at a time when recorded rasters are written out (bounds the memory it takes).
RECORDING_CHUNK = 256


def _write_recordings(graph: CountedGraph, directory: Path) -> dict[str, str]:
    """Every recorded file as ``directory/NAME.npy`` (N, neurons, T) in CHW order, converted from the
    run's (windows, T, Lava neurons) layout a chunk of windows at a time; a Lava-time file as
    (Lava steps, neurons), a chunk of steps at a time."""
    written = {}
    for name, i, _ in graph.rec.plan.files():
        recorded = np.load(graph.rec.tmp / f"{name}.npy", mmap_mode="r")
        windows, steps, size = recorded.shape
        path = directory / f"{name}.npy"
        try:
            if graph.rec.plan.lava_time:
                out = np.lib.format.open_memmap(path, "w+", recorded.dtype, (steps, graph.layer_sizes[i]))
                for s in range(0, steps, RECORDING_CHUNK):
                    part = np.asarray(recorded[0, s: s + RECORDING_CHUNK])
                    out[s: s + len(part)] = graph.split(i, part).reshape(len(part), -1)
            else:
                out = np.lib.format.open_memmap(path, "w+", recorded.dtype, (graph.samples, graph.layer_sizes[i], steps))
                for w in range(0, windows, RECORDING_CHUNK):
                    part = recorded[w: w + RECORDING_CHUNK]
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


def run_counted(graph: CountedGraph, progress: bool, recordings_dir: Path | None = None) -> LavaResult:
    """Run ``graph`` to its end in chunks (for the progress bar, and so that an interrupted run ends
    between two of them: ``deploy.backends.lava.isolated``), always stopping it; what it recorded goes to
    ``recordings_dir``."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    # ~20 chunks, of at most ~CHUNK_STEPS steps (about a second), whole windows each; with per-round
    # biases one round (window) per chunk, its bias set before it (Var.set) and zero for the drain.
    chunk = graph.steps * max(1, min(math.ceil(graph.total / graph.steps / 20), CHUNK_STEPS // graph.steps))
    biases = None if graph.bias is None else graph.bias.rounds
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
                graph.bias.var.set(biases[window] if window < len(biases) else np.zeros_like(biases[0]))
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
    written = _write_recordings(graph, recordings_dir) if recordings_dir is not None else {}
    return LavaResult(counts, graph.total, seconds, graph.describe(), inputs, {k: [v] for k, v in written.items()})
