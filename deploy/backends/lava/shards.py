"""The samples split into contiguous shards, one Lava run each (processes or Ray tasks), merged in order."""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.processes.isolated import import_before_fork
from ppf_neuro.deployment.backends.lava.mode import LavaResult
from ppf_neuro.deployment.options import LavaMode
from ppf_neuro.deployment.backends.lava.runner import run_on_lava
from ppf_neuro.errors import PPFError
from ppf_neuro.processes.pools import usable_workers
from ppf_neuro.formats.netx import NetxFile, load_netx_file


def run_shard(net: bytes, spikes: np.ndarray, mode: dict, recordings_dir: str | None = None,
              input_shape: tuple[int, ...] | None = None) -> LavaResult:
    """One worker's share: its own Lava run on ``spikes``, from the network file's bytes.

    Workers get the file's content, not its path, so they need no shared filesystem; each parses
    its copy once (``input_shape``: a conv-first file's, given from outside). What the run keeps goes
    to ``recordings_dir`` (a local directory).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.h5"
        try:
            path.write_bytes(net)
        except OSError as e:  # a full disk or a size limit where temporary files go: one line
            raise PPFError(f"a Lava shard cannot write its copy of the network in '{tmp}': {e.strerror or e}") from None
        return run_on_lava(load_netx_file(path, input_shape), spikes, LavaMode(**mode), progress=False,
                           recordings_dir=None if recordings_dir is None else Path(recordings_dir))


def merge(parts: list[LavaResult], seconds: float) -> LavaResult:
    """Shard results in order, as one run over all samples."""
    def joined(counts: list[SpikeCounts]) -> SpikeCounts:
        return SpikeCounts([np.concatenate([c.layers[i] for c in counts]) for i in range(len(counts[0].layers))])

    inputs = joined([p.input_steps for p in parts]) if all(p.input_steps for p in parts) else None
    setup = replace(parts[0].setup, shards=len(parts))
    recordings = {name: [f for p in parts for f in p.recordings[name]] for name in parts[0].recordings}
    return LavaResult(joined([p.counts for p in parts]), sum(p.steps for p in parts), seconds, setup, inputs,
                      recordings)


def run_on_lava_sharded(net: NetxFile, spikes: np.ndarray, workers: int, mode: LavaMode = LavaMode(),
                        ray_address: str | None = None, progress: bool = True,
                        recordings_dir: Path | None = None) -> LavaResult:
    """Split the samples into ``workers`` contiguous shards, one Lava run each, merged in order;
    shard k keeps its files in ``recordings_dir/shardK``."""
    from ppf_neuro.processes.pools import run_tasks

    start = time.perf_counter()
    content = Path(net.path).read_bytes()
    if ray_address is None:  # a local shard per usable worker (more would only queue Lava runs one after another)
        workers = usable_workers(workers, len(spikes))
    shards = [s for s in np.array_split(spikes, workers) if len(s)]
    if ray_address is None:
        import_before_fork()  # the pool's workers inherit Lava's modules
    dirs = [None] * len(shards)
    if recordings_dir is not None:
        dirs = [recordings_dir / f"shard{k}" for k in range(len(shards))]
        for d in dirs:
            d.mkdir()
    given = None if net.declares_input else net.input_shape
    parts = run_tasks(run_shard, [(content, s, asdict(mode), None if d is None else str(d), given)
                                  for s, d in zip(shards, dirs)], workers, ray_address,
                      desc="Lava shards", progress=progress)
    return merge(parts, time.perf_counter() - start)
