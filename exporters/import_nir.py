"""A NIR graph in as a netx file, checked by building it with netx (so that it is known to deploy).
The mapping itself is ``ppf_neuro.conversion.nir_to_netx``."""

from __future__ import annotations

from pathlib import Path

from ppf_neuro.choices import RANGES
from ppf_neuro.conversion.nir_to_netx import NirImport, nir_to_netx
from ppf_neuro.errors import PPFError, check_input_file
from ppf_neuro.formats.netx import NetxFile, load_netx_file
from ppf_neuro.formats.nir_time import check_dt


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
