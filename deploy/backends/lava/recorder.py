"""What a counted Lava run records: input frames and per-window counters in memory-mapped files
(:class:`Recorder`), and what else it records (:class:`RecordingPlan`).

Spikes enter through a memory-mapped ``SpikeSource``; every layer's spikes, and the steps in
which its neurons receive synaptic input, are summed per window by ``SpikeCounter`` processes
(``deploy.backends.lava.processes.spike_io``) into memory-mapped files; every step of chosen
layers' outputs and voltages is recorded only when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ppf_neuro.errors import PPFError

IN_RUN_COUNTER = "per-window counts inside the run"


@dataclass(frozen=True)
class RecordingPlan:
    """What a run keeps beyond the counts, every step of every window, each under its npz entry
    name (``deploy.report.rasters.entry_name``): the outputs of the layers in ``rasters`` (position ->
    (name, file dtype: int8 0/1 events, int32 graded payloads)) and the voltage of the layers in
    ``voltages`` (position -> name); with ``lava_time`` every Lava step of the run instead, from
    the first, unaligned (``--record lava``)."""

    rasters: dict[int, tuple[str, type]] = field(default_factory=dict)
    voltages: dict[int, str] = field(default_factory=dict)
    lava_time: bool = False

    def files(self) -> list[tuple[str, int, type]]:
        """(name, layer position, dtype) of every recorded file."""
        return ([(name, i, dtype) for i, (name, dtype) in self.rasters.items()]
                + [(name, i, np.int32) for i, name in self.voltages.items()])


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
            for name, i, dtype in plan.files():
                _, window_, windows_ = self.recorded_where(i)
                np.lib.format.open_memmap(tmp / f"{name}.npy", "w+", dtype,
                                          (windows_, window_, layer_sizes[i])).flush()
        except OSError as e:  # a full disk or a size limit where temporary files go
            raise PPFError(f"cannot write the Lava run's input and counter files in '{tmp.parent}': "
                           f"{e.strerror or e}") from None

    def recorded_where(self, i: int) -> tuple[int, int, int]:
        """(first Lava step, window, windows) of layer i's recorded files: its sample windows, or with
        ``plan.lava_time`` one window of every Lava step of the run."""
        return (1, self.lava_steps, 1) if self.plan.lava_time else (self.first + i, self.window, self.windows)

    def counter(self, i: int, shape: tuple[int, ...], inputs: bool = False):
        """Counts layer i's spikes (and keeps its raster if asked), or (``inputs``) the steps its
        neurons receive synaptic input."""
        from deploy.backends.lava.processes.spike_io import SpikeCounter

        name = f"inputs{i}" if inputs else f"counts{i}"
        raster = None if inputs or i not in self.plan.rasters else str(self.tmp / f"{self.plan.rasters[i][0]}.npy")
        counter = SpikeCounter(shape=shape, counts_path=str(self.tmp / f"{name}.npy"), first_step=self.first + i,
                               window=self.window, windows=self.windows, raster_path=raster,
                               raster_where=self.recorded_where(i))
        self.counters.append(counter)
        return counter

    def record_state(self, i: int, var) -> None:
        """Record neuron variable ``var`` (layer i's ``v``) at every step."""
        from deploy.backends.lava.processes.spike_io import StateRecorder

        first, window, windows = self.recorded_where(i)
        recorder = StateRecorder(shape=tuple(var.shape), path=str(self.tmp / f"{self.plan.voltages[i]}.npy"),
                                 first_step=first, window=window, windows=windows)
        recorder.state.connect_var(var)
        self.counters.append(recorder)

    def read(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(spike counts, synaptic-input step counts) (windows, size)."""
        load = lambda name: np.load(self.tmp / f"{name}.npy")  # noqa: E731
        return load(f"counts{i}").astype(np.int64), load(f"inputs{i}").astype(np.int64)
