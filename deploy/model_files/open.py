"""What ``deploy`` accepts: a ppf-neuro bundle, or any netx HDF5 network (lava-dl's ``export_hdf5``).

A plain netx file deploys without PennyLane and without ppf-neuro's models: the bundle's modules
are imported only for a bundle.
"""

from __future__ import annotations

from pathlib import Path

from ppf_neuro.deployment.model_files.plan import Plan, netx_plan
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.bundle import open_model_file
from ppf_neuro.formats.netx import NetxFile


def load_model(path: str | Path, input_shape: tuple[int, ...] | None = None):
    """The model file read once (``open_model_file``): a ``ppf_neuro.deployment.model_files.bundle_models.Bundle``
    when it has ppf-neuro's metadata group, else the plain netx network (``input_shape``: a conv-first
    file's, which it does not state)."""
    model = open_model_file(path, input_shape)
    if isinstance(model, NetxFile):
        return model
    from ppf_neuro.deployment.model_files.bundle_models import bundle_from

    return bundle_from(model)


def plan_for(model, options: DeployOptions, encoding: dict) -> Plan:
    """The deployment plan of a loaded model file; ``encoding`` sets the spike encoder of a netx file."""
    if isinstance(model, NetxFile):
        return netx_plan(model, options, encoding)
    from ppf_neuro.deployment.model_files.bundle_plan import bundle_plan

    if encoding:
        raise PPFError(f"{model.path}: a bundle carries its own encoding (trained with it); "
                       "--encoding/--steps/--set encoding.* are for plain netx files")
    return bundle_plan(model, options)
