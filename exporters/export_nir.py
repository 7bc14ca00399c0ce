"""A run's or a file's SNN out as a NIR graph: which network a source names (a run directory, a netx
or bundle file), written by ``ppf_neuro.conversion.netx_to_nir``."""

from __future__ import annotations

import io
from pathlib import Path

import h5py

from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import (
    LAYER_GROUP,
    NetxFile,
    load_netx_file,
    parse_netx_group,
)
from ppf_neuro.conversion.netx_to_nir import write_nir
from ppf_neuro.formats.nir_time import DEFAULT_DT, check_dt


def netx_of(source: Path) -> NetxFile:
    """The netx network of a run directory's SNN, or of a netx or bundle file."""
    from ppf_neuro.training.run_dir import load_run

    if source.is_file():
        return load_netx_file(source)
    run = load_run(source)
    if not hasattr(run.model, "snn"):
        raise PPFError(f"{source}: a '{run.config.model}' run has no spiking branch to export as NIR")
    with h5py.File(io.BytesIO(), "w") as f:
        run.model.snn.export_hdf5(f.create_group(LAYER_GROUP))
        return parse_netx_group(f[LAYER_GROUP], source)


def export_nir(source: Path, output: Path, dt: float = DEFAULT_DT) -> Path:
    """The SNN of ``source`` (a run directory, netx or bundle file) as a NIR graph at ``output``, its
    time constants in seconds at ``dt`` seconds per step."""
    check_dt(dt)
    return write_nir(netx_of(source), output, dt)
