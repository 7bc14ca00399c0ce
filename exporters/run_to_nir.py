"""NIR in and out from the command line's point of view: which network a source names, and an
imported graph checked by building it with netx. The mappings themselves are
``ppf_neuro.conversion.netx_to_nir`` and ``ppf_neuro.conversion.nir_to_netx``."""

from __future__ import annotations

import io
from pathlib import Path

import h5py

from ppf_neuro.choices import RANGES
from ppf_neuro.errors import PPFError, check_input_file
from ppf_neuro.formats.netx import (
    LAYER_GROUP,
    NetxFile,
    load_netx_file,
    parse_netx_group,
)
from ppf_neuro.conversion.netx_to_nir import write_nir
from ppf_neuro.conversion.nir_to_netx import NirImport, nir_to_netx
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



def import_nir(graph_path: Path, output: Path, approximate: bool = False, steps: int | None = None,
               dt: float | None = None, convention: str = "nir") -> tuple[NetxFile, NirImport]:
    """The NIR graph at ``graph_path`` as a netx file at ``output``, built once with netx so that it
    is known to deploy; returns the parsed file and what the import made of the graph."""
    import nir

    from ppf_neuro.lava_dl import load_netx_network

    RANGES["steps"].check("steps", steps)
    check_dt(dt)
    check_input_file(graph_path, "NIR file")
    try:
        graph = nir.read(graph_path, type_check=False)  # shapes are checked by the mapping itself
    except Exception as e:  # nir raises OSError, KeyError, ValueError ... for files that are not NIR graphs
        raise PPFError(f"{graph_path}: not a readable NIR graph: {type(e).__name__}: {e}") from None
    made = nir_to_netx(graph, output, approximate=approximate, steps=steps, dt=dt, convention=convention)
    load_netx_network(output)  # netx builds it: it deploys
    return load_netx_file(output), made
