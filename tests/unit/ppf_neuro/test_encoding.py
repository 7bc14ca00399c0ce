"""The spike encoder: determinism, exact rates, and what the seed does."""

import numpy as np
import pytest
import torch

from ppf_neuro.config import EncodingConfig
from ppf_neuro.data import check_images
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError

IMAGES = torch.rand(6, 1, 5, 5, generator=torch.Generator().manual_seed(3))


def test_regular_is_deterministic_with_exact_counts():
    cfg = EncodingConfig(kind="regular", steps=16)
    a, b = encode(IMAGES, cfg), encode(IMAGES, cfg)
    assert a.shape == (6, 1, 5, 5, 16)
    assert torch.equal(a, b)
    assert torch.equal(a.sum(-1), torch.floor(16 * IMAGES))


def test_rate_is_reproducible_by_seed_and_varies_across_seeds():
    cfg = EncodingConfig(kind="rate", steps=32, seed=5)
    a = encode(IMAGES, cfg, seeded_generator(cfg))
    b = encode(IMAGES, cfg, seeded_generator(cfg))
    c = encode(IMAGES, cfg, seeded_generator(EncodingConfig(kind="rate", steps=32, seed=6)))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    assert abs(a.mean().item() - IMAGES.mean().item()) < 0.05


def test_gain_scales_rate():
    half = encode(torch.ones(1, 1, 1, 1), EncodingConfig(steps=10, gain=0.5))
    assert half.sum().item() == 5


def test_check_images_rejects_nan_and_range():
    x = np.zeros((2, 1, 3, 3), dtype=np.float32)
    x[1, 0, 0, 0] = np.nan
    with pytest.raises(PPFError, match="NaN"):
        check_images(x)
    with pytest.raises(PPFError, match=r"\[0, 1\]"):
        check_images(np.full((1, 1, 2, 2), 2.0))
    with pytest.raises(PPFError, match=r"\(N, C, H, W\)"):
        check_images(np.zeros((3, 3)))


@pytest.mark.parametrize("kind", ["regular", "rate", "integrate"])
def test_deployment_encodes_in_chunks_as_one_call(kind):
    """Deployment encodes chunk by chunk with one generator: the spikes equal one call on all images."""
    import numpy as np

    from ppf_neuro.deployment.inputs.read import DeployInputs, encoded

    images = np.random.default_rng(0).random((10, 1, 5, 5)).astype(np.float32)
    cfg = EncodingConfig(kind=kind, steps=6, seed=3)
    whole = encode(torch.from_numpy(images), cfg, seeded_generator(cfg)).to(torch.int8).numpy()
    chunked = encoded(DeployInputs("x", None, images, None), cfg, chunk=3).values
    assert chunked.dtype == np.int8 and chunked.sum() > 0
    np.testing.assert_array_equal(chunked, whole)
