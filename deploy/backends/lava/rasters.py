"""``--save-spikes OUT.npz``: every step of every layer of every sample, written in chunks.

The Lava run records each layer's outputs into memory-mapped files (``ppf_neuro.deployment.backends.lava.recorder``),
one per shard, in its own layout (windows, window, Lava neurons); here they become the entries of
one ``.npz`` (uncompressed, readable with ``numpy.load``), converted to (N, neurons, T) in CHW order
and streamed a chunk of samples at a time, so that no array has to fit in memory and the rasters
are written once after the run. Entry names use the layer's index in the network file:
``layer{i}`` for its outputs (0/1 spikes as int8, graded payloads as int32) and ``v{i}`` for a
recorded voltage. The file appears whole or not at all (``ppf_neuro.atomic``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ppf_neuro.deployment.backends.lava.recorder import RecordedFile
from ppf_neuro.atomic import atomic_path
from ppf_neuro.formats.netx import NetxFile


def entry_name(net: NetxFile, position: int, voltage: bool = False) -> str:
    """The npz entry of the layer at ``position`` among those with neurons: ``layer{i}``, or ``v{i}``
    for its voltage (i = the layer's index in the file)."""
    return f"{'v' if voltage else 'layer'}{net.layers[position].index}"


def load_recording(parts: list[RecordedFile]) -> np.ndarray:
    """One recorded array, its shards joined, in memory (for the output layer's readout)."""
    return np.concatenate([p.array() for p in parts])


def write_rasters(path: Path, recordings: dict[str, list[RecordedFile]]) -> dict:
    """The npz at ``path`` from the run's recorded files (entry name -> one file per shard),
    converted a chunk at a time on the way in; returns what it holds (entry -> shape and dtype)."""
    contents = {}
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, parts in recordings.items():
            shapes = [p.shape for p in parts]
            shape, dtype = (sum(s[0] for s in shapes), *shapes[0][1:]), parts[0].dtype
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array_header_1_0(f, {"descr": np.lib.format.dtype_to_descr(dtype),
                                                        "fortran_order": False, "shape": shape})
                for part in parts:
                    for chunk in part.chunks():
                        f.write(np.ascontiguousarray(chunk, dtype=dtype).tobytes())
            contents[name] = {"shape": list(shape), "dtype": str(dtype)}
    return contents
