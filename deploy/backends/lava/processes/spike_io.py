"""Lava Processes that move spikes in and out of a run through memory-mapped files.

Why not Lava's ``RingBuffer`` source and sink? In lava-nc 0.10 ``Var.get()``
moves a variable one element per channel message (``Runtime.get_var``), about
60,000 elements/s: reading back the per-step raster of a 784-256-10 net on 500
samples took 33 s, against 7.7 s for the simulation itself. And a source's
``data`` Var is pickled into its child process whole. These two Processes keep
the bulk data out of the runtime's channels: :class:`SpikeSource` reads the
frame of the current step from a ``.npy`` file, :class:`SpikeCounter` sums
each sample window's spikes inside the run and writes the counts (and, for
the first window, the raster) into ``.npy`` files that the host reads after
``stop()``. Both files are created by the host before the run.

Lava runs ProcessModels in child processes and finds them by importing the
Process's module, so these classes live in this importable module.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort, PyRefPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort, RefPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol


class SpikeSource(AbstractProcess):
    """Sends frame ``t - 1`` of an int8 ``.npy`` file of shape (steps, *shape) at Lava step t.

    After the last frame it sends zeros, so the network drains.
    """

    def __init__(self, *, shape: tuple[int, ...], path: str) -> None:
        super().__init__(shape=shape, path=str(path))
        self.s_out = OutPort(shape=shape)


@implements(proc=SpikeSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySpikeSourceModel(PyLoihiProcessModel):
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.frames = np.load(proc_params["path"], mmap_mode="r")
        self.blank = np.zeros(self.frames.shape[1:], dtype=np.int32)

    def run_spk(self) -> None:
        t = self.time_step - 1
        self.s_out.send(self.frames[t] if t < len(self.frames) else self.blank)


class _WindowedModel(PyLoihiProcessModel):
    """What a recorder's model shares: its file (``self.file``), memory-mapped, and the sample window
    of each step."""

    def __init__(self, proc_params, path_key: str):
        super().__init__(proc_params)
        self.file = np.load(proc_params[path_key], mmap_mode="r+")
        self.where = (proc_params["first_step"], proc_params["window"], proc_params["windows"])

    def window(self, where: tuple[int, int, int] | None = None) -> tuple[int, int] | None:
        """(window k, step within it) of the current Lava step, or None outside the run's windows
        (``where``: (first step, window, windows), the file's own by default)."""
        first_step, window, windows = where or self.where
        k, step = divmod(self.time_step - first_step, window)
        return (k, step) if 0 <= k < windows else None


class SpikeCounter(AbstractProcess):
    """Counts, per element, the steps of each sample window in which its input is nonzero.

    On a neuron layer's spikes (or graded payloads) that is the spike (event) count; on a synapse's
    output it is the number of steps in which the neuron received synaptic input (its *active*
    updates). Window k covers Lava steps ``first_step + k*window ... first_step + (k+1)*window - 1``;
    its counts (flattened ``shape``, C order) are added to row k of the int32 ``.npy`` file at
    ``counts_path`` (shape (windows, prod(shape))). With ``raster_path`` every step is also stored,
    in a file of shape (windows, window, prod(shape)): 0/1 events where it is int8, the payloads
    themselves where it is int32 (graded spikes); ``raster_where`` (first step, window, windows) lays
    the raster out otherwise than the counts, e.g. (1, steps of the run, 1): every Lava step. With
    ``counted`` only the first ``counted`` steps of each window are counted (the raster keeps all).
    """

    def __init__(self, *, shape: tuple[int, ...], counts_path: str, first_step: int, window: int,
                 windows: int, raster_path: str | None = None, raster_where: tuple[int, int, int] | None = None,
                 counted: int | None = None) -> None:
        super().__init__(shape=shape, counts_path=str(counts_path), first_step=first_step, window=window,
                         windows=windows, raster_path=None if raster_path is None else str(raster_path),
                         raster_where=raster_where, counted=window if counted is None else counted)
        self.a_in = InPort(shape=shape)


@implements(proc=SpikeCounter, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySpikeCounterModel(_WindowedModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params, "counts_path")
        raster = proc_params["raster_path"]
        self.raster = None if raster is None else np.load(raster, mmap_mode="r+")
        self.events_only = self.raster is not None and self.raster.dtype == np.int8
        self.raster_where = proc_params["raster_where"]
        self.counted = proc_params["counted"]

    def run_spk(self) -> None:
        values = self.a_in.recv().reshape(-1)
        at = self.window()
        if at is not None and at[1] < self.counted:
            self.file[at[0]] += values != 0  # the counts
        where = self.window(self.raster_where) if self.raster is not None else None
        if where is not None:
            self.raster[where] = (values != 0) if self.events_only else values


class StateRecorder(AbstractProcess):
    """Stores a neuron variable (e.g. ``v``) at the end of every step of every window, read through a
    RefPort after the step (as Lava's ``Monitor`` reads), into an int32 file (windows, window,
    prod(shape)) at ``path``; window k as in :class:`SpikeCounter`."""

    def __init__(self, *, shape: tuple[int, ...], path: str, first_step: int, window: int, windows: int) -> None:
        super().__init__(shape=shape, path=str(path), first_step=first_step, window=window, windows=windows)
        self.state = RefPort(shape=shape)


@implements(proc=StateRecorder, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyStateRecorderModel(_WindowedModel):
    state: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params, "path")

    def post_guard(self) -> bool:
        return self.window() is not None

    def run_post_mgmt(self) -> None:
        self.file[self.window()] = np.asarray(self.state.read()).reshape(-1)
