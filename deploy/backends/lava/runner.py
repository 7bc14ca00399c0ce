"""Run a parsed netx network on Lava (Loihi 2 fixed-point simulation on the CPU) in the mode asked.

Three ways, all giving per-neuron counts of every layer (:class:`~ppf_neuro.deployment.options.LavaMode`):
``replicas=1`` is netx's own ``Network`` (the reference mode), ``replicas=B`` > 1 lays B copies
side by side (``ppf_neuro.deployment.backends.lava.network``) so that a step advances B samples (B is at most the number
of samples: a larger ``--replicas`` is clamped, and the report's ``setup.replicas`` says so), and
``recorder="ringbuffer"`` reads every raster back with ``Var.get`` (slow; the independent
check). Timing: ``ppf_neuro.deployment.windows``. A run is always stopped, also on error, and happens in a
process group of its own (``ppf_neuro.processes.isolated``), out of reach of a terminal's Ctrl-C.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ppf_neuro.choices import LavaReadout, RecordTime, Recorder
from ppf_neuro.deployment.backends.lava.graphs import NetxGraph, ReplicaGraph
from ppf_neuro.deployment.backends.lava.recorder import RecordingPlan
from ppf_neuro.deployment.backends.lava.run_loop import run_counted
from ppf_neuro.processes.isolated import in_own_process_group
from ppf_neuro.deployment.backends.lava.mode import LavaResult
from ppf_neuro.deployment.options import LavaMode
from ppf_neuro.deployment.backends.lava.replicas import auto_replicas
from ppf_neuro.deployment.backends.lava.ringbuffer import run_ringbuffer
from ppf_neuro.deployment.windows import counted_steps, first_step
from ppf_neuro.deployment.backends.lava.timing import build_netx
from ppf_neuro.deployment.backends.lava.rasters import entry_name
from ppf_neuro.deployment.inputs.stimulus import graded_into_synapse, lava_stimulus
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import NetxFile


def recording_plan(net: NetxFile, mode: LavaMode, steps: int, directory: Path | None = None) -> RecordingPlan:
    """What a run in ``mode`` with windows of ``steps`` records beyond the counts, into ``directory``:
    every layer's raster (``keep_rasters``), the output layer's payloads (``readout`` graded) or voltage
    (``readout`` voltage); and which steps of each window its counters count (``mode.timing``)."""
    last = len(net.layers) - 1
    rasters = {i: (entry_name(net, i), np.int32 if layer.neuron.graded else np.int8)
               for i, layer in enumerate(net.layers)
               if mode.keep_rasters or (i == last and mode.readout == LavaReadout.GRADED)}
    counted = {i: counted_steps(net, i, steps, mode.timing) for i in range(len(net.layers))}
    voltage = {last: entry_name(net, last, voltage=True)} if mode.readout == LavaReadout.VOLTAGE else {}
    return RecordingPlan(rasters, voltage,
                         lava_time=mode.record == RecordTime.LAVA, directory=directory,
                         counted={i: c for i, c in counted.items() if c != steps})


def run_on_lava(net: NetxFile, spikes: np.ndarray, mode: LavaMode = LavaMode(), progress: bool = True,
                recordings_dir: Path | None = None) -> LavaResult:
    """Stream ``spikes`` (N, C, H, W, T) or (N, inputs, T) through the parsed netx network ``net``
    (entering as ``mode.input_as`` says: ``ppf_neuro.deployment.inputs.stimulus``; any values, not only spikes); what
    ``mode`` asks to record (:func:`recording_plan`) is written to ``recordings_dir`` by the run itself."""
    inputs = int(np.prod(net.input_shape))
    if inputs != int(np.prod(spikes.shape[1:-1])):
        raise PPFError(f"{net.path}: network input has {inputs} neurons, "
                       f"the data has {int(np.prod(spikes.shape[1:-1]))} per sample")
    return in_own_process_group(_run, net, spikes, mode, progress, recordings_dir)


def _run(net: NetxFile, spikes: np.ndarray, mode: LavaMode, progress: bool, recordings_dir: Path | None) -> LavaResult:
    from ppf_neuro.deployment.backends.lava.network import read_layers

    n, steps = spikes.shape[0], spikes.shape[-1]
    if mode.recorder == Recorder.RINGBUFFER:
        return run_ringbuffer(net, spikes, progress, mode.timing)
    network = build_netx(net, steps, graded_into_synapse(net, mode.input_as))
    stim, first = lava_stimulus(net, spikes, mode.input_as), first_step(net)
    # one stream (SDNN, or spikes carried across resets), or one run recorded from its first step: replicas
    # would cut it (ppf_neuro.deployment.model_files.plan)
    replicas = 1 if net.sigma_delta or net.carries or mode.record == RecordTime.LAVA else mode.replicas
    if replicas != 1:
        layers = read_layers(network)
        replicas = min(replicas, n) if replicas else auto_replicas(layers, n)  # never more copies than samples
    with tempfile.TemporaryDirectory(prefix="ppf-lava-") as tmp:
        plan = recording_plan(net, mode, steps, recordings_dir)
        if replicas == 1:
            return run_counted(NetxGraph(network, stim, first, Path(tmp), plan), progress)
        return run_counted(ReplicaGraph(layers, stim, first, replicas, mode.synapse, Path(tmp), plan), progress)
