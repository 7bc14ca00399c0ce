"""The host-side fuser on its own, and its agreement with the training-time fusion."""

import numpy as np
import pytest
import torch

from deploy.fuser import Fuser
from ppf_neuro.errors import PPFError
from ppf_neuro.fusion import fuse

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
