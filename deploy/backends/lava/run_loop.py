"""The one run loop of every counted graph: chunks of Lava steps with a progress bar, per-round
input biases, a stop between chunks when the command is interrupted, then the counts and the recorded
files read out."""

from __future__ import annotations

import math
import time

import numpy as np

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.backends.lava.graphs import CountedGraph
from ppf_neuro.processes.isolated import stop_requested
from ppf_neuro.deployment.backends.lava.mode import LavaResult
from ppf_neuro.deployment.backends.lava.recorder import RecordedFile, per_replica
from ppf_neuro.processes.progress import progress_bar


def _lava_shape(graph: CountedGraph, i: int) -> tuple[int, ...] | None:
    return None if graph.lava_shapes is None else graph.lava_shapes[i]


def _results(graph: CountedGraph) -> tuple[SpikeCounts, SpikeCounts]:
    """Per layer: counts and synaptic-input steps (N, neurons)."""
    layers, inputs = [], []
    for i, size in enumerate(graph.layer_sizes):
        for values, out in zip(graph.rec.read(i), (layers, inputs)):
            per_sample = per_replica(values, graph.replicas, size, _lava_shape(graph, i)).reshape(-1, size)
            out.append(per_sample[: graph.samples])
    return SpikeCounts(layers), SpikeCounts(inputs)


def _recorded(graph: CountedGraph) -> dict[str, RecordedFile]:
    """The files the run recorded where they outlive it (``plan.directory``), as it wrote them."""
    plan = graph.rec.plan
    if plan.directory is None:
        return {}
    return {name: RecordedFile(str(graph.rec.recorded_path(name)), graph.samples, graph.replicas, graph.layer_sizes[i],
                               _lava_shape(graph, i), plan.lava_time) for name, i, _ in plan.files()}


#: The most time steps one ``run`` call takes (~1 ms each): an interrupted run ends within about that.
CHUNK_STEPS = 1000


def run_counted(graph: CountedGraph, progress: bool) -> LavaResult:
    """Run ``graph`` to its end in chunks (for the progress bar, and so that an interrupted run ends
    between two of them: ``ppf_neuro.processes.isolated``), always stopping it; what it recorded
    stays where its plan put it."""
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
    return LavaResult(counts, graph.total, seconds, graph.describe(), inputs,
                      {name: [f] for name, f in _recorded(graph).items()})
