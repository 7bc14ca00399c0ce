"""What a deployment runs on: images from a dataset (encoded once), or recorded spikes from a file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ppf_neuro.config import EncodingConfig
from ppf_neuro.data.datasets import load_test_split
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError, check_input_file


@dataclass(frozen=True)
class DeployInputs:
    """The same inputs for every backend and the reference.

    ``spikes`` (N, C, H, W, T) or (N, inputs, T) int8; ``images`` (N, C, H, W) in
    [0, 1] (None when spikes came from a file); ``labels`` (N,) or None.
    """

    source: str
    spikes: np.ndarray | None
    images: np.ndarray | None
    labels: np.ndarray | None

    def __len__(self) -> int:
        return len(self.spikes if self.spikes is not None else self.images)


def from_dataset(spec: str, samples: int | None) -> DeployInputs:
    """The first ``samples`` test images of ``spec`` (only the test split is read), not yet encoded."""
    name, test = load_test_split(spec, samples)
    return DeployInputs(name, None, test.images, test.labels)


def encoded(inputs: DeployInputs, encoding: EncodingConfig, chunk: int = 512) -> DeployInputs:
    """``inputs`` with their images encoded once as spikes (int8), as training encoded them; in chunks
    of images (the encoder's float temporaries then stay small), one generator throughout, so the
    spikes equal one call on all images."""
    images = torch.from_numpy(inputs.images)
    generator = seeded_generator(encoding)
    spikes = np.empty((*images.shape, encoding.steps), dtype=np.int8)
    for b in range(0, len(images), chunk):
        spikes[b:b + chunk] = encode(images[b:b + chunk], encoding, generator).to(torch.int8).numpy()
    return replace(inputs, spikes=spikes)


def _load_npy(path: Path, what: str) -> np.ndarray:
    check_input_file(path, what)
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise PPFError(f"{what} '{path}': not a readable .npy array ({e})") from None


def from_spike_files(spikes_path: Path, labels_path: Path | None, samples: int | None,
                     layout: str = "chw") -> DeployInputs:
    """Recorded spikes (N, inputs, T) or (N, C, H, W, T) (``layout`` "whc": (N, W, H, C, T), lava-dl's
    own order), 0/1 integers, booleans, or floats that are exactly 0.0 or 1.0 (what SLAYER's encoders
    return); optional labels (N,)."""
    spikes = _load_npy(spikes_path, "--spikes")
    numeric = np.issubdtype(spikes.dtype, np.integer) or np.issubdtype(spikes.dtype, np.floating)
    if spikes.ndim not in (3, 5) or not numeric and spikes.dtype != np.bool_:
        raise PPFError(f"--spikes '{spikes_path}': expected a numeric array (N, inputs, T) or (N, C, H, W, T), "
                       f"got {spikes.dtype} {spikes.shape}")
    if np.issubdtype(spikes.dtype, np.floating) and not np.isin(spikes, (0.0, 1.0)).all():
        raise PPFError(f"--spikes '{spikes_path}': float spikes must be exactly 0.0 or 1.0 (binary events; graded "
                       f"payloads are not supported), got values in [{np.nanmin(spikes)}, {np.nanmax(spikes)}]")
    if layout == "whc" and spikes.ndim == 5:
        spikes = spikes.transpose(0, 3, 2, 1, 4)
    elif layout == "whc":
        raise PPFError(f"--layout whc orders (N, W, H, C, T) spikes; '{spikes_path}' is {spikes.shape}")
    if len(spikes) == 0 or spikes.shape[-1] == 0:
        raise PPFError(f"--spikes '{spikes_path}': holds no {'samples' if len(spikes) == 0 else 'time steps'} "
                       f"(shape {spikes.shape})")
    if spikes.size and (spikes.min() < 0 or spikes.max() > 1):
        raise PPFError(f"--spikes '{spikes_path}': spikes must be 0 or 1, got values in "
                       f"[{spikes.min()}, {spikes.max()}]")
    labels = None
    if labels_path is not None:
        labels = _load_npy(labels_path, "--labels")
        if labels.shape != (len(spikes),) or not np.issubdtype(labels.dtype, np.integer):
            raise PPFError(f"--labels '{labels_path}': expected {len(spikes)} integer labels, "
                           f"got {labels.dtype} {labels.shape}")
        labels = labels.astype(np.int64)[:samples]
    return DeployInputs(str(spikes_path), spikes[:samples].astype(np.int8), None, labels)
