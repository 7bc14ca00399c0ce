"""The shipped MNIST model (examples/models/mnist_ppf.h5): what it claims, and that it deploys exactly.

Its files say how it was made (the comparison's config with its seed, the epoch selected on
validation, the test accuracy computed once); a deployment of the first MNIST test images
through Lava, the PennyLane device and the fuser agrees with the trained model on every output.
The whole 10,000-image deployment is ``make mnist-deploy`` (minutes).
"""

import json

import pytest

from ppf_neuro.deployment.model_files.bundle_models import load_bundle
from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.config import RunConfig
from locations import ROOT

pytestmark = pytest.mark.lava

MODEL = ROOT / "examples" / "models" / "mnist_ppf.h5"
META = json.loads(MODEL.with_name("mnist_ppf.config.json").read_text())
METRICS = json.loads(MODEL.with_name("mnist_ppf.metrics.json").read_text())
MNIST = ROOT.parent / "shared" / "datasets" / "mnist"


def test_the_model_is_the_comparison_config_selected_on_validation():
    config = json.loads(RunConfig.from_file(ROOT / "examples" / "mnist_full.json").to_json())  # JSON types
    config["train"]["seed"] = META["config"]["train"]["seed"]
    assert META["config"] == config, "the shipped model was trained with examples/mnist_full.json and its seed"
    assert json.loads(load_bundle(MODEL).config.to_json()) == config, "the bundle carries the same config"
    epochs = [r for r in METRICS["history"] if "phase" not in r]
    best = max(epochs, key=lambda r: (r["val_acc"], -r["val_loss"]))
    assert METRICS["selected_epoch"] == best["epoch"] and "validation" in METRICS["selection"]
    assert META["dataset"] == "idx:../shared/datasets/mnist" and len(epochs) == config["train"]["epochs"]


@pytest.mark.skipif(not MNIST.is_dir(), reason="full MNIST is not beside the checkout (../shared/datasets/mnist)")
def test_it_deploys_on_mnist_with_every_output_agreeing():
    report = deploy(DeployRequest(MODEL, f"idx:{MNIST}", DeployOptions(samples=100, progress=False)))
    assert report.samples == 100 and report.model == "ppf"
    assert report.lava.spike_agreement["samples_with_identical_counts_in_every_layer"] == 1.0
    for name, out in report.outputs.items():
        assert out.agreement == 1.0 and out.allclose, name
    assert report.outputs["output"].accuracy_deployed >= 0.95
