"""``--seed``: a deployment with shots, rerun with the same seed, gives the same report; another seed does not."""

import json

import pytest

from ppf_neuro.cli import main

pytestmark = pytest.mark.lava


def _qnn(bundle, tmp_path, seed: str) -> dict:
    report = tmp_path / f"r{seed}_{len(list(tmp_path.iterdir()))}.json"
    assert main(["--quiet", "deploy", str(bundle), "--samples", "30", "--shots", "20", "--seed", seed,
                 "--report", str(report)]) == 0
    return json.loads(report.read_text())["outputs"]["qnn"]


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_a_seeded_deployment_with_shots_repeats_itself(ppf_bundle, tmp_path):
    first, again, other = (_qnn(ppf_bundle, tmp_path, s) for s in ("7", "7", "8"))
    assert first == again
    assert first["max_abs_diff"] != other["max_abs_diff"]  # the seed is what made them equal


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
@pytest.mark.parametrize("qbackend", [None, "fake_brisbane"])
def test_the_quantum_branch_does_not_depend_on_how_it_is_batched(ppf_bundle, monkeypatch, qbackend):
    """Batches follow the device's speed (the machine's load), so a rerun batches otherwise: the branch's
    outputs must not change by a bit (its classical layers once ran per batch and moved by 1e-7)."""
    import numpy as np

    import ppf_neuro as ppf
    import ppf_neuro.deployment.backends.pennylane_backend as backend

    def branch(batch_seconds):
        monkeypatch.setattr(backend, "BATCH_SECONDS", batch_seconds)
        report = ppf.deploy(ppf_bundle, "digits", samples=40, shots=300, seed=4, qbackend=qbackend, progress=False)
        return report.per_sample["scores/qnn"], report.quantum["device_batches"]

    (one_by_one, many), (together, few) = branch(1e-9), branch(1e9)
    assert many > few or qbackend is not None  # a device target executes each sample alone either way
    np.testing.assert_array_equal(one_by_one, together)
