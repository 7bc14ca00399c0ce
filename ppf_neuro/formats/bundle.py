"""The ppf-neuro bundle: one HDF5 file holding a trained model. Schema, writer and reader together.

::

    /layer/0..L-1     the SNN in lava-dl netx layout (models with a spiking branch):
                      ``netx.hdf5.Network(path)`` loads the bundle file itself
    /ppf_neuro        attrs: format, format_version, model, config (JSON), versions (JSON),
                      dataset, image_shape, num_classes, class_names (JSON; only where the
                      dataset names its classes), quantum_circuit (text drawing; models with a
                      quantum branch), sha256 (see :func:`content_digest`)
    /ppf_neuro/state/<name>   the classifier's PyTorch state_dict, one dataset per tensor:
                      ``snn.*`` the spiking net, ``qnn.*`` reduction (e.g. PCA
                      components), circuit weights and head, ``ratio_logit``

The fusion ratio lives in one place: ``config`` when it is fixed, the state's
``ratio_logit`` (a = sigmoid) when it was learned.
Bundles hold arrays and JSON text only: nothing in them is ever executed. This module reads
and writes the file; building models from it is ``ppf_neuro.deployment.model_files.bundle_models``'s job.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

from ppf_neuro.errors import PPFError, check_input_file
from ppf_neuro.formats.netx import LAYER_GROUP, NetxFile, read_netx
from ppf_neuro.kinds import KINDS, TRAINABLE

FORMAT = "ppf-neuro-bundle"
#: Bumped on any change a reader of the previous version would misread
#: (2: the ``fusion`` attribute is gone, ``sha256`` added).
FORMAT_VERSION = 2
DIGEST_ATTR = "sha256"

META_GROUP = "ppf_neuro"
NETX_GROUP = LAYER_GROUP
STATE_GROUP = f"{META_GROUP}/state"


@dataclass(frozen=True)
class BundleFile:
    """Everything a bundle holds, as plain data (no model built)."""

    path: Path
    model: str
    config: dict
    versions: dict
    dataset: str
    image_shape: tuple[int, int, int]
    num_classes: int
    class_names: list[str] | None
    state: dict[str, np.ndarray]
    has_snn: bool
    quantum_circuit: str | None = None
    netx: NetxFile | None = None  # the SNN, parsed in the same read (``open_model_file``)


def content_digest(f: h5py.File) -> str:
    """SHA-256 over every dataset (path, dtype, shape, bytes) and every attribute of the
    metadata group but the digest itself: any changed weight, config or netx layer shows."""
    h = hashlib.sha256()

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            value = np.asarray(obj[()])
            h.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
            h.update(value.tobytes())

    f.visititems(visit)
    attrs = f[META_GROUP].attrs
    for key in sorted(k for k in attrs if k != DIGEST_ATTR):
        value = np.asarray(attrs[key])
        h.update(f"@{key}|{value.dtype.str}|".encode())
        h.update(value.tobytes())
    return h.hexdigest()


# -------------------------------------------------------------------------------------------- writer


def write_bundle(f: h5py.File, contents: BundleFile, write_snn: Callable[[h5py.Group], None] | None) -> None:
    """``contents`` into the open file ``f``; ``write_snn`` fills the netx ``/layer`` group."""
    if write_snn is not None:
        write_snn(f.create_group(NETX_GROUP))
    meta = f.create_group(META_GROUP)
    meta.attrs["format"] = FORMAT
    meta.attrs["format_version"] = FORMAT_VERSION
    meta.attrs["model"] = contents.model
    meta.attrs["config"] = json.dumps(contents.config)
    meta.attrs["versions"] = json.dumps(contents.versions)
    meta.attrs["dataset"] = contents.dataset
    meta.attrs["image_shape"] = np.asarray(contents.image_shape, dtype=np.int64)
    meta.attrs["num_classes"] = contents.num_classes
    if contents.class_names is not None:
        meta.attrs["class_names"] = json.dumps(contents.class_names)
    if contents.quantum_circuit is not None:
        meta.attrs["quantum_circuit"] = contents.quantum_circuit
    state = f.create_group(STATE_GROUP)
    for name, tensor in contents.state.items():
        state.create_dataset(name, data=tensor)
    meta.attrs[DIGEST_ATTR] = content_digest(f)


# -------------------------------------------------------------------------------------------- reader


def _open(path: str | Path, what: str) -> tuple[h5py.File, Path]:
    """The HDF5 file at ``path``, opened for reading; anything that is not one is a PPFError."""
    path = check_input_file(path, what)
    try:
        return h5py.File(path, "r"), path
    except (OSError, RuntimeError) as e:  # RuntimeError: h5py on damaged internals (a flipped byte)
        raise PPFError(f"{path}: not a readable HDF5 file ({e})") from None


def _kind(f: h5py.File, path: Path) -> str:
    """``"bundle"`` for a file with ppf-neuro's metadata group, ``"netx"`` for a plain netx network."""
    try:
        kind = "bundle" if META_GROUP in f else "netx" if NETX_GROUP in f else None
    except (OSError, RuntimeError) as e:  # a damaged root group (the fuzz tests flip bytes)
        raise PPFError(f"{path}: not a readable HDF5 file ({e})") from None
    if kind is None:
        raise PPFError(f"{path}: HDF5 file is neither a ppf-neuro bundle (no '/{META_GROUP}' group) "
                       f"nor a netx network (no '/{NETX_GROUP}' group)")
    return kind


def open_model_file(path: str | Path, input_shape: tuple[int, ...] | None = None) -> BundleFile | NetxFile:
    """What ``deploy`` accepts, read in one pass of one open file: a bundle (checked, its SNN parsed
    into ``netx``) or a plain netx network (``input_shape`` (C, H, W): for a file that starts with a
    convolution and states none); anything wrong is a PPFError."""
    f, path = _open(path, "model file")
    with f:
        return read_netx(f, path, input_shape) if _kind(f, path) == "netx" else _read_checked(f, path)


def _read_state(group: h5py.Group, path: Path) -> dict[str, np.ndarray]:
    """Every tensor of the state group; each must be a numeric array."""
    state = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            value = np.asarray(obj[()])
            if not (np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_):
                raise PPFError(f"{path}: state tensor '{name}' has dtype {value.dtype}, expected numbers")
            state[name] = value

    group.visititems(visit)
    return state


def read_bundle_file(path: str | Path) -> BundleFile:
    """Read and check a bundle's format, version and checksum, its SNN parsed; anything wrong is a PPFError."""
    f, path = _open(path, "bundle")
    with f:
        return _read_checked(f, path)


def _read_checked(f: h5py.File, path: Path) -> BundleFile:
    """The bundle in an open file, its SNN (if any) parsed from the same handle."""
    try:
        contents = _read(f, path)
    except PPFError:
        raise
    except (KeyError, ValueError, TypeError, OSError, RuntimeError, AttributeError, json.JSONDecodeError) as e:
        # damaged HDF5 internals or metadata of the wrong type or shape
        raise PPFError(f"{path}: bundle is damaged or incomplete: {type(e).__name__}: {e}") from None
    return replace(contents, netx=read_netx(f, path)) if contents.has_snn else contents


def _check_header(f: h5py.File, path: Path) -> None:
    if META_GROUP not in f or f[META_GROUP].attrs.get("format") != FORMAT:
        raise PPFError(f"{path}: HDF5 file is not a ppf-neuro bundle (no '{META_GROUP}' group with format={FORMAT!r})")
    version = f[META_GROUP].attrs.get("format_version", -1)
    if not isinstance(version, (int, np.integer)) or int(version) != FORMAT_VERSION:
        raise PPFError(f"{path}: bundle format version {version!r}, this ppf-neuro reads version {FORMAT_VERSION}")
    if STATE_GROUP not in f:
        raise PPFError(f"{path}: bundle is missing group '/{STATE_GROUP}'")
    if meta_digest := f[META_GROUP].attrs.get(DIGEST_ATTR):
        if meta_digest != content_digest(f):
            raise PPFError(f"{path}: checksum mismatch: the bundle's content does not match its stored SHA-256 "
                           "(damaged or edited; refused)")
    else:
        raise PPFError(f"{path}: bundle has no '{DIGEST_ATTR}' attribute (written by another tool, or edited; "
                       "refused)")


def _read(f: h5py.File, path: Path) -> BundleFile:
    _check_header(f, path)
    meta = f[META_GROUP].attrs
    config = json.loads(meta["config"])
    bundle = BundleFile(
        path=path, model=str(meta["model"]), config=config, versions=json.loads(meta["versions"]),
        dataset=str(meta["dataset"]), image_shape=tuple(int(x) for x in meta["image_shape"]),
        num_classes=int(meta["num_classes"]),
        class_names=json.loads(meta["class_names"]) if "class_names" in meta else None,
        state=_read_state(f[STATE_GROUP], path), has_snn=NETX_GROUP in f,
        quantum_circuit=str(meta["quantum_circuit"]) if "quantum_circuit" in meta else None,
    )
    if len(bundle.image_shape) != 3:
        raise PPFError(f"{path}: image_shape must be (C, H, W), got {bundle.image_shape}")
    configured = bundle.config.get("model") if isinstance(bundle.config, dict) else None
    if bundle.model not in TRAINABLE or configured != bundle.model:
        raise PPFError(f"{path}: the bundle's model kind '{bundle.model}' is not its config's ('{configured}'), or "
                       f"not one of {list(TRAINABLE)}")
    if bundle.has_snn != KINDS[bundle.model].has_snn:
        raise PPFError(f"{path}: a '{bundle.model}' bundle {'lacks' if not bundle.has_snn else 'should not have'} "
                       f"the netx group '/{NETX_GROUP}'")
    return bundle
