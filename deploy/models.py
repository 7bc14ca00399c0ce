"""What ``deploy`` accepts: a ppf-neuro bundle, or any netx HDF5 network (lava-dl's ``export_hdf5``)."""

from __future__ import annotations

from pathlib import Path

import h5py

from deploy.bundle import Bundle, load_bundle
from deploy.plan import DeployOptions, Plan, bundle_plan
from ppf_neuro.bundle_schema import META_GROUP, NETX_GROUP
from ppf_neuro.errors import PPFError, check_input_file


def load_model(path: str | Path):
    """A :class:`Bundle` when the file has ppf-neuro's metadata group, else a plain netx network."""
    from deploy.netx_file import load_netx_file

    path = check_input_file(path, "model file")
    try:
        with h5py.File(path, "r") as f:
            kind = "bundle" if META_GROUP in f else "netx" if NETX_GROUP in f else None
    except OSError as e:
        raise PPFError(f"{path}: not a readable HDF5 file ({e})") from None
    if kind is None:
        raise PPFError(f"{path}: HDF5 file is neither a ppf-neuro bundle (no '/{META_GROUP}' group) "
                       f"nor a netx network (no '/{NETX_GROUP}' group)")
    return load_bundle(path) if kind == "bundle" else load_netx_file(path)


def plan_for(model, options: DeployOptions, encoding: dict) -> Plan:
    """The deployment plan of a loaded model file; ``encoding`` sets the spike encoder of a netx file."""
    from deploy.netx_file import NetxFile
    from deploy.plan import netx_plan

    if isinstance(model, Bundle):
        if encoding:
            raise PPFError(f"{model.path}: a bundle carries its own encoding (trained with it); "
                           "--encoding/--steps/--set encoding.* are for plain netx files")
        return bundle_plan(model, options)
    if isinstance(model, NetxFile):
        return netx_plan(model, options, encoding)
    raise TypeError(f"cannot deploy {type(model).__name__}")
