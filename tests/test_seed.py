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


def test_a_seeded_deployment_with_shots_repeats_itself(ppf_bundle, tmp_path):
    first, again, other = (_qnn(ppf_bundle, tmp_path, s) for s in ("7", "7", "8"))
    assert first == again
    assert first["max_abs_diff"] != other["max_abs_diff"]  # the seed is what made them equal
