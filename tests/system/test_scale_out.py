"""Sharded deployment and Ray execution give exactly the results of the local, single run."""

import json

import numpy as np
import pytest
import cli_runner

from ppf_neuro.deployment.backends.lava import LavaMode
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.errors import PPFError
from ppf_neuro.processes.pools import run_tasks
from ppf_neuro.training.sweep import make_trials, run_sweep

pytestmark = pytest.mark.slow

SWEEP_BASE = {"model": "snn", "data": {"spec": "digits", "train_limit": 100, "test_limit": 20},
              "encoding": {"steps": 4}, "snn": {"hidden": [8]}, "train": {"epochs": 1, "batch_size": 50}}


def _same_deployment(a: dict, b: dict) -> None:
    for name in a["outputs"]:
        assert a["outputs"][name]["predictions"] == b["outputs"][name]["predictions"], name
    assert a["lava"]["layer_spikes_per_sample"] == b["lava"]["layer_spikes_per_sample"]
    assert a["activity"]["per_sample"] == b["activity"]["per_sample"]


def _deploy(bundle, samples, **kw):
    return deploy(DeployRequest(bundle, "digits", DeployOptions(samples=samples, progress=False, **kw))).to_dict()


@pytest.fixture(scope="module")
def one_run(ppf_bundle):
    """The local, single run that every way of scaling out must equal."""
    return _deploy(ppf_bundle, 9, lava=LavaMode(replicas=1))


@pytest.mark.parametrize("replicas", [1, 2])
def test_sharded_lava_runs_equal_one_run(ppf_bundle, one_run, replicas):
    sharded = _deploy(ppf_bundle, 9, workers=2, lava=LavaMode(replicas=replicas))
    _same_deployment(one_run, sharded)
    assert sharded["outputs"]["output"]["agreement"] == 1.0
    assert sharded["lava"]["setup"]["shards"] == 2 and sharded["lava"]["setup"]["replicas"] == replicas


def test_bad_worker_count():
    with pytest.raises(PPFError, match="^workers must be a whole number, at least 1"):
        run_tasks(print, [()], workers=0)


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance of one CPU that the Ray tests share (``--ray local`` finds it started): its one
    worker runs the tasks one after the other and imports Torch, lava-dl and Lava once for all of them,
    where two workers would each import them (~5 CPU-s each here). A task's result does not depend on
    which worker runs it or when; that the shards run at once is ``test_interrupt``'s Ray test."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield "local"
    ray.shutdown()


def test_ray_deployment_equals_local(ppf_bundle, one_run, local_ray):
    on_ray = _deploy(ppf_bundle, 9, workers=2, ray_address=local_ray)
    _same_deployment(one_run, on_ray)


def test_ray_sweep_equals_local(tmp_path, local_ray):
    trials = make_trials(SWEEP_BASE, {"encoding.steps": [3, 4]})
    local = run_sweep(trials, tmp_path / "local", workers=1, progress=False)
    on_ray = run_sweep(trials, tmp_path / "ray", progress=False, ray_address=local_ray)
    for a, b in zip(local, on_ray):
        assert (a["test_acc"], a["test_loss"]) == (b["test_acc"], b["test_loss"])
    saved = json.loads((tmp_path / "ray" / "results.json").read_text())
    assert [r["encoding.steps"] for r in saved] == [3, 4]
    assert np.all([(tmp_path / "ray" / "runs" / r["run"] / "checkpoint.pt").is_file() for r in saved])


def test_a_plain_netx_file_shards_in_a_fresh_process(tiny_bundle, tmp_path):
    """Issue 29: in a command that had not imported Lava before its pool forked, every shard of a
    plain netx file died with "context has already been set" (Lava sets the start method on import).
    A fresh process, as from the shell; the shards' counts equal one run's."""
    import h5py

    net = tmp_path / "net.h5"
    with h5py.File(tiny_bundle) as src, h5py.File(net, "w") as dst:
        src.copy("layer", dst)
    reports = {}
    for workers, run in ((1, cli_runner.run), (2, cli_runner.fresh_run)):  # the one-run reference may come from a warm process
        report = tmp_path / f"w{workers}.json"
        done = run(["--quiet", "deploy", str(net), "--data", "digits", "--samples", "40", "--steps", "8", "--workers",
                    str(workers), "--report", str(report)])
        assert done.returncode == 0, done.stderr[-2000:]
        reports[workers] = json.loads(report.read_text())
    assert reports[2]["lava"]["setup"]["shards"] == 2
    assert reports[2]["lava"]["layer_spikes_per_sample"] == reports[1]["lava"]["layer_spikes_per_sample"]
    assert reports[2]["activity"]["per_sample"] == reports[1]["activity"]["per_sample"]
