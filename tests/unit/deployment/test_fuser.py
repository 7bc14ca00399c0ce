"""The host-side fuser on its own, and its agreement with the training-time fusion."""

import numpy as np
import pytest
import torch

from ppf_neuro.deployment.backends.fuser import Fuser
from ppf_neuro.errors import PPFError
from ppf_neuro.fusion import fuse

pytestmark = pytest.mark.lava

RNG = np.random.default_rng(0)
S, Q = RNG.normal(size=(7, 4)), RNG.normal(size=(7, 4))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_prob_rule_is_the_convex_mix_of_branch_probabilities():
    np.testing.assert_allclose(Fuser(0.3)(S, Q), 0.3 * softmax(S) + 0.7 * softmax(Q), rtol=1e-12)


@pytest.mark.parametrize("rule", ["prob", "logit"])
def test_ratio_one_and_zero_reduce_to_one_branch(rule):
    np.testing.assert_allclose(Fuser(1.0, rule)(S, Q), softmax(S), rtol=1e-10)
    np.testing.assert_allclose(Fuser(0.0, rule)(S, Q), softmax(Q), rtol=1e-10)


def test_logit_rule_mixes_before_the_softmax():
    np.testing.assert_allclose(Fuser(0.4, "logit")(S, Q), softmax(0.4 * S + 0.6 * Q), rtol=1e-10)


def test_outputs_are_distributions():
    p = Fuser(0.5)(S, Q)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-12)
    assert (p >= 0).all()


@pytest.mark.parametrize("rule", ["prob", "logit"])
def test_same_decision_as_training_fusion(rule):
    trained = fuse(torch.from_numpy(S).float(), torch.from_numpy(Q).float(), torch.tensor(0.35), rule)
    assert (Fuser(0.35, rule)(S, Q).argmax(-1) == trained.argmax(-1).numpy()).all()


def test_bad_inputs():
    with pytest.raises(PPFError, match=r"\[0, 1\]"):
        Fuser(1.5)
    with pytest.raises(PPFError, match="rule"):
        Fuser(0.5, "max")
    with pytest.raises(PPFError, match="one shape"):
        Fuser(0.5)(S, Q[:, :3])


def test_deployed_fusion_equals_the_trained_classifier_at_an_asymmetric_ratio(tmp_path):
    """End to end at a = 0.2: the host fuser's probabilities (Lava SNN logits, PennyLane circuit logits)
    equal the PyTorch PPFClassifier's within float32 rounding; swapping a and 1 - a would not."""
    from conftest import tiny_config, train_tiny

    from ppf_neuro.deployment.pipeline import deploy
    from ppf_neuro.deployment.request import DeployRequest
    from ppf_neuro.deployment.options import DeployOptions
    from ppf_neuro.deployment.references.trained_model import run_classifier
    from ppf_neuro.exporters.export_bundle import export_bundle
    from ppf_neuro.config import FusionConfig
    from ppf_neuro.data import load_dataset
    from ppf_neuro.encoding import encode, seeded_generator

    run = train_tiny(tiny_config(model="ppf", epochs=1, fusion=FusionConfig(ratio=0.2)))
    report = deploy(DeployRequest(export_bundle(run, tmp_path / "ppf.h5"), "digits",
                                  DeployOptions(samples=12, progress=False))).to_dict()
    assert report["fusion"] == {"ratio": pytest.approx(0.2), "rule": "prob"}
    out = report["outputs"]["output"]
    assert out["allclose"] and out["max_abs_diff"] < 1e-5 and out["agreement"] == 1.0
    independent = report["reference"]["independent"]  # the report says which comparisons are independent
    assert independent["output"].startswith("no:") and independent["snn"].startswith("yes:")

    images = load_dataset(run.config.data).test.images[:12]
    spikes = encode(torch.from_numpy(images), run.config.encoding, seeded_generator(run.config.encoding))
    with torch.no_grad():
        s = run.model.snn_logits(run.model.snn(spikes)).double().numpy()
        q = run.model.qnn(torch.from_numpy(images).flatten(1)).double().numpy()
    reference = run_classifier(run.model, images, spikes.numpy()).scores["output"]
    np.testing.assert_allclose(Fuser(0.2)(s, q), reference, atol=1e-5)
    assert np.abs(Fuser(0.8)(s, q) - reference).max() > 1e-3  # a swapped ratio is caught


def test_fusion_rules_against_a_hand_computation():
    """softmax([0, ln 3]) = [1/4, 3/4] and softmax([ln 3, 0]) = [3/4, 1/4]; with a = 1/4 the prob rule
    gives 1/4 [1/4, 3/4] + 3/4 [3/4, 1/4] = [5/8, 3/8], and the logit rule softmax of
    1/4 [0, ln 3] + 3/4 [ln 3, 0] = softmax([3/4 ln 3, 1/4 ln 3]) = [3^(1/2), 1] / (3^(1/2) + 1)."""
    s, q = np.array([[0.0, np.log(3)]]), np.array([[np.log(3), 0.0]])
    np.testing.assert_allclose(Fuser(0.25, "prob")(s, q), [[5 / 8, 3 / 8]], rtol=1e-12)
    r = np.sqrt(3)
    np.testing.assert_allclose(Fuser(0.25, "logit")(s, q), [[r / (r + 1), 1 / (r + 1)]], rtol=1e-12)
