"""Datasets by short spec: ``digits`` (bundled, offline) or ``idx:PATH`` (MNIST layout).

Every dataset comes out the same way: float32 images in [0, 1] shaped
(N, C, H, W) and int64 labels in [0, num_classes), so that everything
downstream is independent of where the data came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ppf_neuro.config import DataConfig
from ppf_neuro.data.idx import read_idx
from ppf_neuro.errors import PPFError

#: File stems of the MNIST layout, per split.
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class Split:
    """Images (N, C, H, W) float32 in [0, 1] and labels (N,) int64."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, n: int | None) -> "Split":
        return self if n is None else Split(self.images[:n], self.labels[:n])


@dataclass(frozen=True)
class Dataset:
    """Training, validation and test images of one dataset.

    ``val`` is carved from the training images (see :func:`stratified_split`);
    it is empty when the config asks for no validation split.
    """

    name: str
    train: Split
    test: Split
    num_classes: int
    val: Split | None = None

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train.images.shape[1:])


def check_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """Validate array input: 4-D (N, C, H, W), finite, in [0, 1]; returns float32."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise PPFError(f"{name}: expected shape (N, C, H, W), got {images.shape}")
    if not np.issubdtype(images.dtype, np.number):
        raise PPFError(f"{name}: expected numbers, got dtype {images.dtype}")
    images = images.astype(np.float32, copy=False)
    bad = ~np.isfinite(images)
    if bad.any():
        n = int(np.unique(np.nonzero(bad)[0]).size)
        raise PPFError(f"{name}: {n} sample(s) contain NaN or infinite pixels")
    if images.size and (images.min() < 0 or images.max() > 1):
        raise PPFError(
            f"{name}: pixels must lie in [0, 1], got range "
            f"[{images.min():.3g}, {images.max():.3g}]"
        )
    return images


def find_idx_file(directory: Path, stem: str) -> Path:
    """``stem`` or ``stem.gz``; both present is accepted only where they hold the same data (else
    which one is read would decide the results without notice)."""
    found = [c for c in (directory / stem, directory / f"{stem}.gz") if c.is_file()]
    if len(found) == 2 and not np.array_equal(read_idx(found[0], None, "data"), read_idx(found[1], None, "data")):
        raise PPFError(f"{directory}: both '{stem}' and '{stem}.gz' are there and hold different data; keep one")
    if found:
        return found[0]
    raise PPFError(f"{directory}: missing '{stem}' (or '{stem}.gz') of the MNIST file layout")


def _idx_split(directory: Path, split: str) -> Split:
    img_path, lab_path = (find_idx_file(directory, s) for s in IDX_FILES[split])
    images = read_idx(img_path, 3, "images")
    labels = read_idx(lab_path, 1, "labels")
    if len(images) != len(labels):
        raise PPFError(
            f"{directory}: {split} split has {len(images)} images in {img_path.name} "
            f"but {len(labels)} labels in {lab_path.name}"
        )
    if len(images) == 0:
        raise PPFError(f"{img_path}: holds no samples")
    if images.dtype != np.uint8:
        raise PPFError(f"{img_path}: expected 8-bit pixels (type 0x08), got {images.dtype}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise PPFError(f"{lab_path}: labels must be integers (IDX types 0x08-0x0C), got {labels.dtype}")
    return Split(images[:, None].astype(np.float32) / 255.0, labels.astype(np.int64))


def load_idx(directory: str | Path) -> Dataset:
    directory = Path(directory)
    if not directory.is_dir():
        raise PPFError(f"dataset directory '{directory}' does not exist")
    train, test = _idx_split(directory, "train"), _idx_split(directory, "test")
    if train.images.shape[1:] != test.images.shape[1:]:
        raise PPFError(
            f"{directory}: train images are {train.images.shape[2:]} but test images "
            f"are {test.images.shape[2:]}"
        )
    num_classes = int(train.labels.max()) + 1
    if train.labels.min() < 0 or num_classes < 2:
        raise PPFError(f"{directory}: training labels must span at least 2 classes from 0")
    counts = np.bincount(train.labels.astype(np.int64), minlength=num_classes)
    if not counts.all():  # e.g. one corrupt label 255 would make a 256-class model
        missing = np.flatnonzero(counts == 0)
        raise PPFError(f"{directory}: training labels span 0..{num_classes - 1} but {len(missing)} of those classes "
                       f"never occur (e.g. {missing[:5].tolist()}); the largest, {num_classes - 1}, occurs "
                       f"{counts[-1]} time(s): a corrupt label?")
    bad = (test.labels < 0) | (test.labels >= num_classes)
    if bad.any():
        raise PPFError(
            f"{directory}: test labels out of range: {np.unique(test.labels[bad]).tolist()} "
            f"(training labels span 0..{num_classes - 1})"
        )
    return Dataset(f"idx:{directory}", train, test, num_classes)


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 digits, split once by a fixed permutation."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    images = (d.images / 16.0).astype(np.float32)[:, None]
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = int(round(test_fraction * len(images)))
    test, train = order[:n_test], order[n_test:]
    return Dataset(
        "digits",
        Split(images[train], d.target[train].astype(np.int64)),
        Split(images[test], d.target[test].astype(np.int64)),
        10,
    )


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) indices: ``round(fraction * n_c)`` of each class c held out, drawn with ``seed``.

    Both index arrays are sorted, so the order of the training images is kept.
    """
    rng = np.random.default_rng(seed)
    held = [rng.permutation(np.flatnonzero(labels == c))[: int(round(fraction * np.sum(labels == c)))]
            for c in np.unique(labels)]
    held_out = np.sort(np.concatenate(held)) if held else np.zeros(0, dtype=np.int64)
    return np.setdiff1d(np.arange(len(labels)), held_out), held_out


def class_names(spec: str, num_classes: int) -> list[str] | None:
    """The names of a dataset's classes, where the dataset gives them: scikit-learn's digits name
    theirs (``target_names``, the digits 0..9); IDX files carry none, so there are none to give."""
    if spec != "digits":
        return None
    from sklearn.datasets import load_digits as sk_digits

    names = [str(n) for n in sk_digits().target_names]
    return names if len(names) == num_classes else None


def check_spec(spec: str) -> None:
    """Refuse a malformed dataset spec before anything is read."""
    if spec != "digits" and not spec.startswith("idx:"):
        raise PPFError(f"dataset spec '{spec}': expected 'digits' or 'idx:PATH'")
    if spec.startswith("idx:") and not Path(spec[4:]).is_dir():
        raise PPFError(f"dataset directory '{spec[4:]}' does not exist")


def load_test_split(spec: str, limit: int | None = None) -> tuple[str, Split]:
    """The dataset's name and its first ``limit`` test samples, reading nothing else (deployment
    needs no training images: an IDX directory's train files are not opened)."""
    check_spec(spec)
    if spec == "digits":
        ds = load_digits()
        return ds.name, ds.test.head(limit)
    directory = Path(spec[4:])
    return f"idx:{directory}", _idx_split(directory, "test").head(limit)


def load_dataset(cfg: DataConfig | str) -> Dataset:
    """Load the dataset a spec names: sample limits applied, then the validation split carved out."""
    cfg = DataConfig(spec=cfg) if isinstance(cfg, str) else cfg
    check_spec(cfg.spec)
    ds = load_digits() if cfg.spec == "digits" else load_idx(cfg.spec[4:])
    train = ds.train.head(cfg.train_limit)
    keep, held = stratified_split(train.labels, cfg.val_fraction, cfg.split_seed)
    if not len(keep):
        raise PPFError(f"data.val_fraction {cfg.val_fraction} holds out all {len(train)} training images: "
                       "none is left to train on")
    val = Split(train.images[held], train.labels[held])
    return Dataset(ds.name, Split(train.images[keep], train.labels[keep]), ds.test.head(cfg.test_limit),
                   ds.num_classes, val)
