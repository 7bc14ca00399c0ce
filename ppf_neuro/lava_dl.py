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

__all__ = ["netx", "slayer", "load_netx_network", "export_blocks"]


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


def export_blocks(blocks, x, path, biases: dict | None = None):
    """A netx file written by lava-dl's own ``export_hdf5`` of each of ``blocks`` (``slayer.block.*``)
    after one forward pass on ``x`` (the blocks learn their shapes from it), as lava-dl's tutorials
    export; ``biases`` (block index -> values) adds the neuron biases lava-dl writes only from a norm."""
    import h5py
    import torch

    with torch.no_grad():
        torch.nn.Sequential(*blocks)(x)
    with h5py.File(path, "w") as f:
        group = f.create_group("layer")
        for i, block in enumerate(blocks):
            block.export_hdf5(group.create_group(str(i)))
        for i, bias in (biases or {}).items():
            group[str(i)].create_dataset("bias", data=bias)
    return path
