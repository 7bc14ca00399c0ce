"""What a deployment runs on: images from a dataset (encoded once), or recorded inputs (spikes, graded or
bias values) from a file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ppf_neuro.choices import InputLayout, InputMode
from ppf_neuro.deployment.inputs.stimulus import check_values
from ppf_neuro.config import EncodingConfig
from ppf_neuro.data.datasets import load_test_split
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError, check_input_file
from ppf_neuro.formats.axes import reversed_axes


@dataclass(frozen=True)
class DeployInputs:
    """The same inputs for every backend and the reference.

    ``values`` (N, C, H, W, T) or (N, inputs, T): what the SNN's first layer is fed (int8 spikes;
    int32 for graded or bias inputs, ``ppf_neuro.deployment.inputs.stimulus``); ``images`` (N, C, H, W) in [0, 1] (None when
    the inputs came from a file); ``labels`` (N,) or None.
    """

    source: str
    values: np.ndarray | None
    images: np.ndarray | None
    labels: np.ndarray | None
    #: float regression targets (N,) or (N, outputs) instead of class labels (with a state readout)
    targets: np.ndarray | None = None
    #: how ``values`` were made from ``images``: the encoder's fields and where its steps came from
    #: (None: the values were given, not encoded here)
    encoding: dict | None = None

    def __len__(self) -> int:
        return len(self.values if self.values is not None else self.images)


def from_dataset(spec: str, samples: int | None) -> DeployInputs:
    """The first ``samples`` test images of ``spec`` (only the test split is read), not yet encoded."""
    name, test = load_test_split(spec, samples)
    return DeployInputs(name, None, test.images, test.labels)


def _as_array(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def from_arrays(images, labels=None, samples: int | None = None) -> DeployInputs:
    """Images held in memory: arrays or tensors (N, C, H, W) or (N, H, W), floats in [0, 1] or 8-bit
    grey (divided by 255, as IDX files are read); or an iterable of ``(images, labels)`` batches such
    as a torch ``DataLoader``. Labels (N,) are optional."""
    if labels is None and not isinstance(images, (np.ndarray, torch.Tensor)):
        batches = [(_as_array(x), _as_array(y)) for x, y in images]
        if not batches:
            raise PPFError("the image batches are empty")
        images, labels = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    images = _as_array(images)[:samples]
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or not len(images) or not (np.issubdtype(images.dtype, np.number) or images.dtype == np.bool_):
        raise PPFError(f"images: expected numbers shaped (N, C, H, W) or (N, H, W), got {images.dtype} {images.shape}")
    images = images / 255.0 if images.dtype == np.uint8 else images.astype(np.float64)
    if not np.isfinite(images).all():
        raise PPFError(f"images: {int((~np.isfinite(images)).sum())} value(s) are NaN or infinite")
    if images.min() < 0 or images.max() > 1:
        raise PPFError(f"images: values must be in [0, 1] (or 8-bit grey), got [{np.nanmin(images)}, "
                       f"{np.nanmax(images)}]")
    if labels is not None:
        labels = _as_array(labels)[:samples]
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise PPFError(f"labels: expected {len(images)} integer class labels (N,), got {labels.dtype} "
                           f"{labels.shape}")
        labels = labels.astype(np.int64)
    return DeployInputs(f"arrays {tuple(images.shape)}", None, images.astype(np.float32), labels)


def encoded(inputs: DeployInputs, encoding: EncodingConfig, steps_from: str = "the caller", chunk: int = 512) -> DeployInputs:
    """``inputs`` with their images encoded once as spikes (int8), as training encoded them; in chunks
    of images (the encoder's float temporaries then stay small), one generator throughout, so the
    spikes equal one call on all images. ``steps_from`` says where the step count came from."""
    images = torch.from_numpy(inputs.images)
    generator = seeded_generator(encoding)
    spikes = np.empty((*images.shape, encoding.steps), dtype=np.int8)
    for b in range(0, len(images), chunk):
        spikes[b:b + chunk] = encode(images[b:b + chunk], encoding, generator).to(torch.int8).numpy()
    return replace(inputs, values=spikes, encoding={**asdict(encoding), "steps_from": steps_from})


def load_npy(path: Path, what: str) -> np.ndarray:
    check_input_file(path, what)
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise PPFError(f"{what} '{path}': not a readable .npy array ({e})") from None


def _labels(path: Path, n: int, samples: int | None, regression: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(class labels, None) from integers (N,); (None, targets) from floats (N,) or (N, outputs),
    which only a state readout (``regression``) compares with."""
    labels = load_npy(path, "--labels")
    if np.issubdtype(labels.dtype, np.floating) and len(labels) == n and labels.ndim in (1, 2):
        if not regression:
            raise PPFError(f"--labels '{path}': float labels are regression targets; they go with --readout voltage "
                           "or graded (class labels are integers)")
        if not np.isfinite(labels).all():
            raise PPFError(f"--labels '{path}': regression targets must be finite")
        return None, labels.astype(np.float64)[:samples]
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise PPFError(f"--labels '{path}': expected {n} integer labels (or float targets), got {labels.dtype} "
                       f"{labels.shape}")
    return labels.astype(np.int64)[:samples], None


def from_spike_files(spikes_path: Path, labels_path: Path | None, samples: int | None,
                     layout: str = "chw", input_as: str = "spikes", steps: int | None = None,
                     default_steps: int | None = None, regression: bool = False) -> DeployInputs:
    """Recorded inputs (N, inputs, T) or (N, C, H, W, T), or without T, (N, inputs) or (N, C, H, W),
    held for ``steps`` steps (given; else ``default_steps``, the file's) (``layout`` "whc": W, H, C, lava-dl's own order); optional labels (N,).

    Integers or booleans; floats only where they are whole numbers (exactly 0.0 or 1.0 for spikes,
    what SLAYER's encoders return). ``input_as`` (``ppf_neuro.deployment.inputs.stimulus``) sets the values' rules.
    """
    what = f"--inputs '{spikes_path}'"
    values = load_npy(spikes_path, "--inputs")
    numeric = np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)
    if values.ndim not in (2, 3, 4, 5) or not numeric and values.dtype != np.bool_:
        raise PPFError(f"{what}: expected a numeric array (N, inputs[, T]) or (N, C, H, W[, T]), "
                       f"got {values.dtype} {values.shape}")
    if np.issubdtype(values.dtype, np.floating):
        if not np.isfinite(values).all():
            raise PPFError(f"{what}: {int((~np.isfinite(values)).sum())} value(s) are NaN or infinite")
        whole = (values == np.round(values)).all()
        if input_as == InputMode.SPIKES and not np.isin(values, (0.0, 1.0)).all():
            raise PPFError(f"{what}: float spikes must be exactly 0.0 or 1.0 (binary events), got values in "
                           f"[{np.nanmin(values)}, {np.nanmax(values)}]; graded values: --input-as graded")
        if not whole:
            raise PPFError(f"{what}: {input_as} inputs are integers with 6 fractional bits (64 = 1.0, netx's "
                           "spike_exp): give round(x * 64), not floats")
    held = values.ndim in (2, 4)
    if steps is not None and not held:
        raise PPFError(f"{what}: --steps holds inputs that have no time axis; these have one (T = {values.shape[-1]})")
    if held:
        steps = steps or default_steps
        if steps is None:
            raise PPFError(f"{what}: {values.shape} has no time axis; say for how many steps each sample is held "
                           "(--steps T, or the file's /simulation/tSample)")
        values = np.broadcast_to(values[..., None], (*values.shape, steps))
    if layout == InputLayout.WHC and values.ndim == 5:
        values = reversed_axes(values, 1)  # (N, W, H, C, T) -> (N, C, H, W, T)
    elif layout == InputLayout.WHC:
        raise PPFError(f"--layout whc orders (N, W, H, C[, T]) inputs; '{spikes_path}' is {values.shape}")
    if len(values) == 0 or values.shape[-1] == 0:
        raise PPFError(f"{what}: holds no {'samples' if len(values) == 0 else 'time steps'} (shape {values.shape})")
    n_all, values = len(values), values[:samples]
    check_values(values, input_as, what)
    dtype = np.int8 if input_as == InputMode.SPIKES else np.int32
    labels, targets = (None, None) if labels_path is None else _labels(labels_path, n_all, samples, regression)
    return DeployInputs(str(spikes_path), values.astype(dtype), None, labels, targets)
