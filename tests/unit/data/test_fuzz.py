"""Fuzzing: generated bad inputs to the dataset reader and the bundle loader raise only PPFError."""

import struct

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppf_neuro.deployment.model_files.bundle_models import load_bundle
from ppf_neuro.deployment.model_files.open import load_model
from ppf_neuro.data import read_idx
from ppf_neuro.errors import PPFError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _only_ppf_error(fn, *args):
    try:
        fn(*args)
    except PPFError:
        pass


@FUZZ
@given(data=st.binary(max_size=600), ndim=st.sampled_from([1, 3]))
def test_idx_reader_on_random_bytes(tmp_path, data, ndim):
    path = tmp_path / "f"
    path.write_bytes(data)
    _only_ppf_error(read_idx, path, ndim, "images")


@FUZZ
@given(code=st.integers(0, 255), dims=st.lists(st.integers(0, 70000), min_size=0, max_size=4),
       payload=st.binary(max_size=300), gz=st.booleans())
def test_idx_reader_on_plausible_headers(tmp_path, code, dims, payload, gz):
    import gzip

    raw = struct.pack(">HBB", 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims) + payload
    path = tmp_path / "f"
    path.write_bytes(gzip.compress(raw) if gz else raw)
    _only_ppf_error(read_idx, path, len(dims) or 1, "images")


def _corrupted(path, data: bytes, flips):
    """``data`` with each (relative position, byte) of ``flips`` written over it, saved at ``path``."""
    data = bytearray(data)
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def bundle_bytes(ppf_bundle):
    class Bytes(bytes):
        def __repr__(self):  # keep hypothesis' failure reports readable
            return f"<{len(self)} bundle bytes>"
    return Bytes(ppf_bundle.read_bytes())


@FUZZ
@given(cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
def test_bundle_loader_on_corrupted_bytes(tmp_path, bundle_bytes, cut, flips):
    path = _corrupted(tmp_path / "b.h5", bundle_bytes[: max(1, int(cut * len(bundle_bytes)))], flips)
    _only_ppf_error(load_bundle, path)
    _only_ppf_error(load_model, path)


def _objects(f: h5py.File) -> list[str]:
    names = []
    f.visit(names.append)
    return names


@FUZZ
@given(pick=st.floats(0, 1), action=st.sampled_from(["delete", "scalar", "string", "reshape", "attr"]))
def test_bundle_loader_on_structural_damage(tmp_path, bundle_bytes, pick, action):
    path = tmp_path / "b.h5"
    path.write_bytes(bundle_bytes)
    with h5py.File(path, "a") as f:
        names = _objects(f)
        name = names[min(int(pick * len(names)), len(names) - 1)]
        if action == "attr":
            meta = f["ppf_neuro"].attrs
            key = sorted(meta)[min(int(pick * len(meta)), len(meta) - 1)]
            meta[key] = "garbage"
        else:
            _damage(f, name, action)
    _only_ppf_error(load_bundle, path)


def _damage(f: h5py.File, name: str, action: str) -> None:
    """Delete object ``name``, or replace a dataset by a scalar, strings or an array of another shape."""
    replacement = None
    if isinstance(f[name], h5py.Dataset) and action != "delete":
        replacement = {"scalar": np.float32(1.0), "string": np.array([b"x", b"y"]),
                       "reshape": np.zeros((3, 1, 2), dtype=np.float32)}[action]
    del f[name]
    if replacement is not None:
        f[name] = replacement


@FUZZ
@given(pick=st.floats(0, 1), action=st.sampled_from(["delete", "scalar", "string", "reshape"]))
def test_netx_reader_on_structural_damage(tmp_path, bundle_bytes, pick, action):
    """A plain netx file (the bundle without its metadata), damaged: the netx reader raises only PPFError."""
    from ppf_neuro.formats.netx import load_netx_file

    path = tmp_path / "n.h5"
    path.write_bytes(bundle_bytes)
    with h5py.File(path, "a") as f:
        del f["ppf_neuro"]
        names = [n for n in _objects(f) if n.startswith("layer/")]
        _damage(f, names[min(int(pick * len(names)), len(names) - 1)], action)
    _only_ppf_error(load_netx_file, path)


@pytest.fixture(scope="module")
def netx_bytes(bundle_bytes, tmp_path_factory):
    """A plain netx file: the bundle's /layer group alone."""
    directory = tmp_path_factory.mktemp("netx")
    (directory / "b.h5").write_bytes(bundle_bytes)
    with h5py.File(directory / "b.h5") as src, h5py.File(directory / "n.h5", "w") as dst:
        src.copy("layer", dst)
    return type(bundle_bytes)((directory / "n.h5").read_bytes())


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=3))
def test_netx_reader_on_flipped_bytes(tmp_path, netx_bytes, flips):
    """Issue 29: a flipped byte in a netx file gave h5py's RuntimeError as a traceback."""
    from ppf_neuro.formats.netx import load_netx_file

    path = _corrupted(tmp_path / "n.h5", netx_bytes, flips)
    _only_ppf_error(load_netx_file, path)
    _only_ppf_error(load_model, path)
