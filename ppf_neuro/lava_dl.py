"""lava-dl, imported once with its import-time noise captured; netx networks built from files.

Importing ``lava.lib.dl.slayer`` prints a warning about an optional Prophesee
dataset toolbox and torch's "No CUDA runtime" note; neither concerns us and
both would clutter every CLI command's output.
"""

import contextlib
import io

with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    from lava.lib.dl import netx, slayer  # noqa: F401

from ppf_neuro.errors import PPFError  # noqa: E402

__all__ = ["netx", "slayer", "load_netx_network"]


def load_netx_network(path, **kwargs):
    """``netx.hdf5.Network`` for the file at ``path``; its errors as one-line PPFErrors.

    netx keeps the HDF5 file open for as long as the network lives; it has read every
    layer by the end of its constructor, so the file is closed here.
    """
    try:
        net = netx.hdf5.Network(net_config=str(path), **kwargs)
    except Exception as e:  # netx raises KeyError, ValueError, NotImplementedError ... on bad layouts
        raise PPFError(f"{path}: netx cannot build the network: {type(e).__name__}: {e}") from None
    net.net_config.f.close()
    return net
