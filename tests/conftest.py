"""Shared fixtures: a tiny trained SNN and its exported bundle, built once per session."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from locations import SHARED

from ppf_neuro.config import (
    DataConfig,
    EncodingConfig,
    QuantumConfig,
    RunConfig,
    SNNConfig,
    TrainConfig,
)

MNIST_10K = SHARED / "datasets" / "mnist-10k"


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    """Write ``array`` (uint8) in IDX format, as MNIST's files are written."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    payload = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload += array.tobytes()
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def write_idx_dataset(directory: Path, n_train=20, n_test=10, size=6, gz=False, seed=0) -> Path:
    """A small, valid dataset directory in the MNIST file layout."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("t10k", n_test)):
        write_idx(directory / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, size, size)), gz)
        write_idx(directory / f"{split}-labels-idx1-ubyte", np.arange(n) % 3, gz)
    return directory


def tiny_config(model="snn", conv=(), hidden=(32,), epochs=4, **sections) -> RunConfig:
    return RunConfig(
        model=model,
        data=DataConfig(spec="digits", train_limit=400, test_limit=40),
        encoding=EncodingConfig(kind="regular", steps=8),
        snn=SNNConfig(conv=conv, hidden=hidden),
        quantum=QuantumConfig(qubits=3, layers=1),
        train=TrainConfig(epochs=epochs, batch_size=32, lr=1e-2, seed=0),
        **sections,
    )


def train_tiny(cfg: RunConfig):
    import ppf_neuro

    return ppf_neuro.train(cfg, progress=False)


def edited_copy(source: Path, path: Path, mutate, reseal: bool = True) -> Path:
    """A copy of an HDF5 model file at ``path``, edited by ``mutate(f)``; a bundle's checksum is
    recomputed (resealed) so that the edit reaches the check under test, unless that check is the
    checksum itself (``reseal=False``)."""
    import h5py

    from ppf_neuro.formats.bundle import DIGEST_ATTR, META_GROUP, content_digest

    path.write_bytes(source.read_bytes())
    with h5py.File(path, "a") as f:
        mutate(f)
        if reseal and META_GROUP in f:
            f[META_GROUP].attrs[DIGEST_ATTR] = content_digest(f)
    return path


def export_tiny(run, directory: Path, name: str) -> Path:
    from ppf_neuro.exporters.export_bundle import export_bundle

    return export_bundle(run, directory / name)


def conv_config(**kw) -> RunConfig:
    """The small strided-conv SNN the conv tests share: 4 channels, 3x3 kernel, stride 2, padding 1."""
    from ppf_neuro.config import ConvSpec

    return tiny_config(conv=(ConvSpec(channels=4, kernel=3, stride=2, padding=1),), hidden=(12,), epochs=1, **kw)


def _shared(name: str, config):
    """Session fixtures ``NAME_run`` (trained once on ``config()``) and ``NAME_bundle`` (its export)."""
    @pytest.fixture(scope="session", name=f"{name}_run")
    def run():
        return train_tiny(config())

    @pytest.fixture(scope="session", name=f"{name}_bundle")
    def bundle(request, tmp_path_factory) -> Path:
        return export_tiny(request.getfixturevalue(f"{name}_run"), tmp_path_factory.mktemp(name), f"{name}.h5")

    return run, bundle


@pytest.fixture(scope="session")
def read_only_dir(tmp_path_factory) -> Path:
    """A directory nothing can be written into, holding ``existing.json``: for root (who ignores
    permission bits) a read-only bind mount of itself, as a read-only file system is; for anyone
    else its permission bits. Skips where neither can be made."""
    import os
    import subprocess

    d = tmp_path_factory.mktemp("read_only")
    (d / "existing.json").write_text("{}")
    if os.geteuid() != 0:
        d.chmod(0o555)
        yield d
        d.chmod(0o755)
        return
    mount = ["mount", "--bind", str(d), str(d)], ["mount", "-o", "remount,ro,bind", str(d)]
    if any(subprocess.run(c, capture_output=True).returncode for c in mount):
        subprocess.run(["umount", str(d)], capture_output=True)
        pytest.skip("cannot mount a read-only directory here")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True)


#: Markers of tests that may start Lava (``make test-fast`` leaves them out).
MAY_RUN_LAVA = ("lava", "slow", "interop")


@pytest.fixture(autouse=True)
def _lava_only_where_marked(request, monkeypatch):
    """A test that is not marked to run Lava fails if it runs a Lava process: ``make test-fast``
    stays free of Lava because every test that needs it says so."""
    if any(request.node.get_closest_marker(m) for m in MAY_RUN_LAVA):
        return
    from lava.magma.core.process.process import AbstractProcess

    def refuse(*args, **kwargs):
        raise AssertionError(f"{request.node.nodeid} starts Lava: mark it pytest.mark.lava")

    monkeypatch.setattr(AbstractProcess, "run", refuse)


#: Lava runs a worker has made for tests that replay them (:func:`lava_replayed`), by what determines them.
_LAVA_RUNS: dict = {}


def replaying(run, made: dict):
    """``run`` (``run_on_lava``'s signature), but a run already in ``made`` with the same netx file (its bytes),
    input array and mode, recording nothing to files, gives that run's result again instead of running."""
    import copy
    import hashlib

    def replayed(net, spikes, mode, progress=True, recordings_dir=None):
        if recordings_dir is not None:
            return run(net, spikes, mode, progress, recordings_dir)
        key = (hashlib.sha1(Path(net.path).read_bytes()).hexdigest(), spikes.shape, spikes.dtype.str,
               hashlib.sha1(np.ascontiguousarray(spikes).tobytes()).hexdigest(), mode)
        if key not in made:
            made[key] = run(net, spikes, mode, progress, recordings_dir)
        return copy.deepcopy(made[key])

    return replayed


@pytest.fixture
def lava_replayed(monkeypatch):
    """For a test whose subject is not the Lava run but what surrounds it (the quantum branch's seeding and
    batching, a device target, the forms inputs come in, exit statuses): a Lava run that this worker has
    already made for such a test gives its result again (:func:`replaying`). Lava runs are deterministic
    (the families, fast-path and input-mode tests run every path and compare), so the test sees what a
    rerun would give; the first such run in a worker runs Lava."""
    import ppf_neuro.deployment.backends.lava_backend as backend

    monkeypatch.setattr(backend, "run_on_lava", replaying(backend.run_on_lava, _LAVA_RUNS))


#: The trained nets the suite shares: a dense SNN, a strided-conv SNN and a PPF model.
tiny_run, tiny_bundle = _shared("tiny", tiny_config)
conv_run, conv_bundle = _shared("conv", conv_config)
ppf_run, ppf_bundle = _shared("ppf", lambda: tiny_config(model="ppf", epochs=2))


#: The longest tests (7-30 s each here, quiet), slowest first: collected first, so that with ``pytest -n``
#: (``make test``) they start early while the other workers share the rest, instead of one worker
#: finishing one of them alone at the end.
#: The two Ray tests of test_scale_out stay together: they share one local Ray instance (a second worker
#: would start its own).
LONGEST_FIRST = ("test_every_readme_command_runs_as_written", "test_ray_deployment_equals_local",
                 "test_ray_sweep_equals_local", "test_a_sigkilled_ray_deployment_leaves_no_lava_process",
                 "test_the_notebook_runs", "test_the_readme_python_snippet_runs_as_written",
                 "test_the_lava_dl_example_runs_and_agrees", "test_a_deployment_imports_only_what_it_runs",
                 "test_a_plain_netx_file_shards_in_a_fresh_process")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.originalname, len(rank)))  # stable: the rest in collection order
