"""What ``deploy`` accepts: a ppf-neuro bundle, or any netx HDF5 network (lava-dl's ``export_hdf5``)."""

from __future__ import annotations

from pathlib import Path

from deploy.bundle import Bundle, load_bundle
from deploy.plan import DeployOptions, Plan, bundle_plan, netx_plan
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.bundle import file_kind
from ppf_neuro.formats.netx import NetxFile, load_netx_file

#: The file's kind (``ppf_neuro.formats.bundle.file_kind``) -> its reader.
READERS = {"bundle": load_bundle, "netx": load_netx_file}


def load_model(path: str | Path) -> Bundle | NetxFile:
    """A :class:`Bundle` when the file has ppf-neuro's metadata group, else a plain netx network."""
    return READERS[file_kind(path)](path)


def plan_for(model: Bundle | NetxFile, options: DeployOptions, encoding: dict) -> Plan:
    """The deployment plan of a loaded model file; ``encoding`` sets the spike encoder of a netx file."""
    if isinstance(model, Bundle):
        if encoding:
            raise PPFError(f"{model.path}: a bundle carries its own encoding (trained with it); "
                           "--encoding/--steps/--set encoding.* are for plain netx files")
        return bundle_plan(model, options)
    return netx_plan(model, options, encoding)
