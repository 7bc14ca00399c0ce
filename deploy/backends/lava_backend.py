"""The SNN of a parsed netx network as Lava processes: inputs in, per-layer counts (and, when asked,
the output layer's voltages or graded payloads, and every layer's raster) out."""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ppf_neuro.choices import LavaReadout, RecordTime
from ppf_neuro.deployment.options import DeployOptions, LavaMode
from ppf_neuro.deployment.results import BranchResult
from ppf_neuro.deployment.backends.lava import run_on_lava, run_on_lava_sharded
from ppf_neuro.deployment.windows import window_start, windows_of
from ppf_neuro.deployment.backends.lava.rasters import entry_name, load_recording, write_rasters
from ppf_neuro.errors import PPFError, argument
from ppf_neuro.formats.netx import NetxFile


@dataclass
class LavaBackend:
    """The parsed netx network ``net`` on Lava, as ``options`` say (its Lava mode, workers or Ray, progress,
    kept rasters); ``logits`` turns the output (counts (N, neurons), or
    the readout's states (N, neurons, T)) into class logits and ``scores`` logits into the compared
    scores. With ``options.save_spikes`` every layer's raster is written there (``ppf_neuro.deployment.backends.lava.rasters``)."""

    net: NetxFile
    options: DeployOptions
    logits: Callable[[np.ndarray], np.ndarray]
    scores: Callable[[np.ndarray], np.ndarray]
    phase = "Lava"

    @property
    def mode(self) -> LavaMode:
        return self.options.lava

    def _recordings_dir(self) -> Path | None:
        """Where the run keeps its rasters and states, if it keeps any: beside the npz (the same
        disk), else in the system's temporary directory."""
        if not self.mode.keep_rasters and self.mode.readout == LavaReadout.COUNTS:
            return None
        place = None if self.options.save_spikes is None else self.options.save_spikes.parent
        try:
            if place is not None:
                place.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=".ppf-rasters-", dir=place))
        except OSError as e:
            raise PPFError(f"cannot keep the run's rasters in '{place or tempfile.gettempdir()}': "
                           f"{e.strerror or e}") from None

    def _time_axis(self) -> dict:
        """How the saved arrays' time axis maps to Lava steps: per layer entry, the Lava step of
        window step 0 of sample 0 (``--record windows``: sample k's window starts k*T later), or
        with ``--record lava`` row r is Lava step r + 1 and the same steps say where windows start."""
        starts = {entry_name(self.net, i): window_start(self.net, i) for i in range(len(self.net.layers))}
        return {"time": self.mode.record, "window_start_lava_step": starts}

    def run(self, spikes: np.ndarray) -> BranchResult:
        if self.mode.replicas is not None and self.mode.replicas > len(spikes):
            print(f"ppf-neuro: note: {argument('replicas')} {self.mode.replicas} bounded to the {len(spikes)} "
                  "sample(s): a run lays out no more copies than samples", file=sys.stderr)
        recordings_dir = self._recordings_dir()
        try:
            if self.options.workers > 1 or self.options.ray_address:
                lava = run_on_lava_sharded(self.net, spikes, self.options.workers, self.mode, self.options.ray_address, self.options.progress,
                                           recordings_dir)
            else:
                lava = run_on_lava(self.net, spikes, self.mode, self.options.progress, recordings_dir)
            extra = {"input_steps": lava.input_steps}
            output = lava.counts.output
            if self.mode.readout != LavaReadout.COUNTS:
                last = len(self.net.layers) - 1
                readout = entry_name(self.net, last, voltage=self.mode.readout == LavaReadout.VOLTAGE)
                output = load_recording(lava.recordings[readout])
                if self.mode.record == RecordTime.LAVA:  # compared with the reference window by window
                    output = windows_of(output, self.net, last, len(spikes), spikes.shape[-1])
                extra["readout"] = output
            if self.options.save_spikes is not None:
                arrays = write_rasters(self.options.save_spikes, lava.recordings)
                extra["rasters"] = {"file": str(self.options.save_spikes), "arrays": arrays, **self._time_axis()}
        finally:
            if recordings_dir is not None:
                shutil.rmtree(recordings_dir, ignore_errors=True)
        logits = self.logits(output)
        setup = {k: v for k, v in asdict(lava.setup).items() if v is not None}
        info = {"backend": "lava", **setup, "mode": asdict(self.mode), "seconds": lava.seconds,
                "time_steps": lava.steps, "steps_per_second": lava.steps / lava.seconds,
                "samples_per_second": len(spikes) / lava.seconds}
        return BranchResult(logits, self.scores(logits), info, lava.counts, extra)
