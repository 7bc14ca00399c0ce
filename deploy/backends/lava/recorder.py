"""What a counted Lava run records: input frames and per-window counters in memory-mapped files
(:class:`Recorder`), and what else it records (:class:`RecordingPlan`).

Spikes enter through a memory-mapped ``SpikeSource``; every layer's spikes, and the steps in
which its neurons receive synaptic input, are summed per window by ``SpikeCounter`` processes
(``ppf_neuro.deployment.backends.lava.processes.spike_io``) into memory-mapped files; every step of chosen
layers' outputs and voltages is recorded only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ppf_neuro.errors import PPFError
from ppf_neuro.formats.axes import chw_from_lava

IN_RUN_COUNTER = "per-window counts inside the run"


@dataclass(frozen=True)
class RecordingPlan:
    """What a run records beyond the counts, every step of every window, each under its npz entry
    name (``ppf_neuro.deployment.backends.lava.rasters.entry_name``): the outputs of the layers in ``rasters`` (position ->
    (name, file dtype: int8 0/1 events, int32 graded payloads)) and the voltage of the layers in
    ``voltages`` (position -> name); with ``lava_time`` every Lava step of the run instead, from
    the first, unaligned (``--record lava``). The files go to ``directory`` (they outlive the run:
    :class:`RecordedFile` reads them), or with none to the run's temporary directory."""

    rasters: dict[int, tuple[str, type]] = field(default_factory=dict)
    voltages: dict[int, str] = field(default_factory=dict)
    lava_time: bool = False
    directory: Path | None = None
    #: layer position -> the steps of each window whose spikes count, from its first (absent: all;
    #: ``ppf_neuro.deployment.windows.counted_steps``)
    counted: dict[int, int] = field(default_factory=dict)

    def files(self) -> list[tuple[str, int, type]]:
        """(name, layer position, dtype) of every recorded file."""
        return ([(name, i, dtype) for i, (name, dtype) in self.rasters.items()]
                + [(name, i, np.int32) for i, name in self.voltages.items()])


def per_replica(rows: np.ndarray, replicas: int, neurons: int, lava_shape: tuple[int, ...] | None) -> np.ndarray:
    """(rows, Lava neurons) of one layer -> (rows, replicas, neurons) in CHW order; ``lava_shape``:
    the layer's netx (W, H, C) shape where its Lava neurons are in that order, else None."""
    if lava_shape is not None:
        rows = chw_from_lava(rows, lava_shape)
    return rows.reshape(rows.shape[0], replicas, neurons)


#: Windows (or Lava steps) converted at a time when a recorded file is read (bounds the memory it takes).
RECORDING_CHUNK = 256


@dataclass(frozen=True)
class RecordedFile:
    """One file as the Lava run wrote it, (windows, window, Lava neurons), or (1, Lava steps, Lava
    neurons) with ``lava_time``, and what it takes to read it per sample: it is converted only when
    read (:meth:`chunks`), straight into the npz or the readout, so that the run's rasters are
    written once. ``lava_shape``: the layer's shape in netx's (W, H, C) order where the neurons are
    in that order (netx's own network), None where they are already in CHW order (the replicas)."""

    path: str
    samples: int
    replicas: int
    neurons: int
    lava_shape: tuple[int, ...] | None
    lava_time: bool

    @property
    def dtype(self) -> np.dtype:
        return np.load(self.path, mmap_mode="r").dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """(samples, neurons, T) in CHW order, or with ``lava_time`` (Lava steps, replicas x neurons)."""
        windows, steps, _ = np.load(self.path, mmap_mode="r").shape
        return (steps, self.replicas * self.neurons) if self.lava_time else (self.samples, self.neurons, steps)

    def chunks(self) -> Iterator[np.ndarray]:
        """The file in :attr:`shape`'s layout, a chunk of windows (or steps) at a time; sample
        k * replicas + b is replica b's window k."""
        recorded = np.load(self.path, mmap_mode="r")
        windows, steps, size = recorded.shape
        if self.lava_time:
            for s in range(0, steps, RECORDING_CHUNK):
                part = np.asarray(recorded[0, s: s + RECORDING_CHUNK])
                yield per_replica(part, self.replicas, self.neurons, self.lava_shape).reshape(len(part), -1)
            return
        for w in range(0, windows, RECORDING_CHUNK):
            part = np.asarray(recorded[w: w + RECORDING_CHUNK])
            c = len(part)
            per_sample = per_replica(part.reshape(c * steps, size), self.replicas, self.neurons, self.lava_shape)
            per_sample = per_sample.reshape(c, steps, self.replicas, self.neurons)
            per_sample = per_sample.transpose(0, 2, 3, 1).reshape(-1, self.neurons, steps)
            first = w * self.replicas
            yield per_sample[: max(0, self.samples - first)]

    def array(self) -> np.ndarray:
        """The whole file in :attr:`shape`'s layout, in memory (a readout's output layer)."""
        return np.concatenate(list(self.chunks()))


class Recorder:
    """Input frames and per-layer counters of one run, in memory-mapped files under ``tmp``: each
    layer's spikes and the steps in which its neurons received synaptic input (their active
    updates), and what ``plan`` asks for: recorded files are (windows, window, neurons), or with
    ``plan.lava_time`` (1, Lava steps, neurons), one row per Lava step of the run (``frames`` long)."""

    def __init__(self, tmp: Path, frames: np.ndarray, layer_sizes: list[int], windows: int, window: int, first: int,
                 plan: RecordingPlan = RecordingPlan()):
        self.tmp, self.windows, self.window, self.first, self.plan = tmp, windows, window, first, plan
        self.lava_steps = len(frames)  # the run's length
        self.frames = tmp / "frames.npy"
        self.counters = []
        try:
            np.save(self.frames, frames)
            for i, size in enumerate(layer_sizes):
                for name in (f"counts{i}", f"inputs{i}"):
                    np.save(tmp / f"{name}.npy", np.zeros((windows, size), dtype=np.int32))
        except OSError as e:  # a full disk or a size limit where temporary files go
            raise PPFError(f"cannot write the Lava run's input and counter files in '{tmp.parent}': "
                           f"{e.strerror or e}") from None
        try:
            for name, i, dtype in plan.files():
                _, window_, windows_ = self.recorded_where(i)
                np.lib.format.open_memmap(self.recorded_path(name), "w+", dtype,
                                          (windows_, window_, layer_sizes[i])).flush()
        except OSError as e:
            raise PPFError(f"cannot record the run's rasters in '{self.recordings_dir}': "
                           f"{e.strerror or e}") from None

    @property
    def recordings_dir(self) -> Path:
        """Where the recorded files are written: ``plan.directory``, else the run's own directory."""
        return self.plan.directory or self.tmp

    def recorded_path(self, name: str) -> Path:
        return self.recordings_dir / f"{name}.npy"

    def recorded_where(self, i: int) -> tuple[int, int, int]:
        """(first Lava step, window, windows) of layer i's recorded files: its sample windows, or with
        ``plan.lava_time`` one window of every Lava step of the run."""
        return (1, self.lava_steps, 1) if self.plan.lava_time else (self.first + i, self.window, self.windows)

    def counter(self, i: int, shape: tuple[int, ...], inputs: bool = False):
        """Counts layer i's spikes (and keeps its raster if asked), or (``inputs``) the steps its
        neurons receive synaptic input."""
        from ppf_neuro.deployment.backends.lava.processes.spike_io import SpikeCounter

        name = f"inputs{i}" if inputs else f"counts{i}"
        raster = None if inputs or i not in self.plan.rasters else str(self.recorded_path(self.plan.rasters[i][0]))
        counter = SpikeCounter(shape=shape, counts_path=str(self.tmp / f"{name}.npy"), first_step=self.first + i,
                               window=self.window, windows=self.windows, raster_path=raster,
                               raster_where=self.recorded_where(i),
                               counted=None if inputs else self.plan.counted.get(i))
        self.counters.append(counter)
        return counter

    def record_state(self, i: int, var) -> None:
        """Record neuron variable ``var`` (layer i's ``v``) at every step."""
        from ppf_neuro.deployment.backends.lava.processes.spike_io import StateRecorder

        first, window, windows = self.recorded_where(i)
        recorder = StateRecorder(shape=tuple(var.shape), path=str(self.recorded_path(self.plan.voltages[i])),
                                 first_step=first, window=window, windows=windows)
        recorder.state.connect_var(var)
        self.counters.append(recorder)

    def read(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(spike counts, synaptic-input step counts) (windows, size)."""
        load = lambda name: np.load(self.tmp / f"{name}.npy")  # noqa: E731
        return load(f"counts{i}").astype(np.int64), load(f"inputs{i}").astype(np.int64)
