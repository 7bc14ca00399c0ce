"""Sharded deployment and Ray execution give exactly the results of the local, single run."""

import json

import numpy as np
import pytest

from deploy.pipeline import deploy
from ppf_neuro.errors import PPFError
from ppf_neuro.executors import run_tasks
from ppf_neuro.training.sweep import make_trials, run_sweep

SWEEP_BASE = {"model": "snn", "data": {"spec": "digits", "train_limit": 100, "test_limit": 20},
              "encoding": {"steps": 4}, "snn": {"hidden": [8]}, "train": {"epochs": 1, "batch_size": 50}}


def _same_deployment(a: dict, b: dict) -> None:
    for name in a["outputs"]:
        assert a["outputs"][name]["predictions"] == b["outputs"][name]["predictions"], name
    assert a["lava"]["layer_spikes_per_sample"] == b["lava"]["layer_spikes_per_sample"]
    assert a["activity"]["per_sample"] == b["activity"]["per_sample"]


def test_sharded_lava_runs_equal_one_run(ppf_bundle):
    one = deploy(ppf_bundle, "digits", samples=9, progress=False)
    sharded = deploy(ppf_bundle, "digits", samples=9, progress=False, workers=2)
    _same_deployment(one, sharded)
    assert sharded["outputs"]["output"]["agreement"] == 1.0


def test_bad_worker_count():
    with pytest.raises(PPFError, match="--workers"):
        run_tasks(print, [()], workers=0)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    yield "local"
    ray.shutdown()


def test_ray_deployment_equals_local(ppf_bundle, local_ray):
    local = deploy(ppf_bundle, "digits", samples=6, progress=False)
    on_ray = deploy(ppf_bundle, "digits", samples=6, progress=False, workers=2, ray_address=local_ray)
    _same_deployment(local, on_ray)


def test_ray_sweep_equals_local(tmp_path, local_ray):
    trials = make_trials(SWEEP_BASE, {"encoding.steps": [3, 4]})
    local = run_sweep(trials, tmp_path / "local", workers=1, progress=False)
    on_ray = run_sweep(trials, tmp_path / "ray", progress=False, ray_address=local_ray)
    for a, b in zip(local, on_ray):
        assert (a["test_acc"], a["test_loss"]) == (b["test_acc"], b["test_loss"])
    saved = json.loads((tmp_path / "ray" / "results.json").read_text())
    assert [r["encoding.steps"] for r in saved] == [3, 4]
    assert np.all([(tmp_path / "ray" / "runs" / r["run"] / "checkpoint.pt").is_file() for r in saved])
