"""The IDX reader on good files, real MNIST files, and every kind of broken file."""

import struct

import numpy as np
import pytest
from conftest import MNIST_10K, write_idx, write_idx_dataset

from ppf_neuro.config import DataConfig
from ppf_neuro.data import load_dataset, read_idx
from ppf_neuro.errors import PPFError


@pytest.mark.parametrize("gz", [False, True])
def test_round_trip_plain_and_gzip(tmp_path, gz):
    data = np.random.default_rng(1).integers(0, 256, (5, 4, 3)).astype(np.uint8)
    path = write_idx(tmp_path / "x-idx3-ubyte", data, gz=gz)
    np.testing.assert_array_equal(read_idx(path, 3, "images"), data)


def test_dataset_directory_plain_and_gzip(tmp_path):
    for gz in (False, True):
        d = write_idx_dataset(tmp_path / str(gz), gz=gz)
        ds = load_dataset(DataConfig(f"idx:{d}", val_fraction=0.0))
        assert ds.train.images.shape == (20, 1, 6, 6) and ds.test.images.shape == (10, 1, 6, 6)
        assert ds.num_classes == 3
        assert 0.0 <= ds.train.images.min() and ds.train.images.max() <= 1.0
    # a plain file beside its own .gz (the same data) is fine; differing pairs are refused (test_bad_inputs)
    both = write_idx_dataset(tmp_path / "both")
    write_idx_dataset(tmp_path / "both", gz=True)
    assert len(load_dataset(DataConfig(f"idx:{both}", val_fraction=0.0)).train) == 20


@pytest.mark.skipif(not MNIST_10K.is_dir(), reason="shared mnist-10k not present")
def test_real_mnist_10k():
    ds = load_dataset(f"idx:{MNIST_10K}")  # 10 % of the training images held out for validation
    assert (len(ds.train) + len(ds.val), len(ds.test), ds.image_shape, ds.num_classes) == (8000, 2000, (1, 28, 28), 10)
    assert len(ds.val) == pytest.approx(800, abs=5)
    assert set(np.unique(ds.test.labels)) == set(range(10))


def _expect(path, ndim, what, *fragments):
    with pytest.raises(PPFError) as e:
        read_idx(path, ndim, what)
    for fragment in fragments:
        assert fragment in str(e.value)
    assert str(path) in str(e.value)


def test_empty_file(tmp_path):
    (tmp_path / "e").write_bytes(b"")
    _expect(tmp_path / "e", 3, "images", "empty")


def test_truncated_payload(tmp_path):
    path = write_idx(tmp_path / "t", np.zeros((4, 5, 5)))
    path.write_bytes(path.read_bytes()[:-7])
    _expect(path, 3, "images", "truncated")


def test_truncated_gzip_stream(tmp_path):
    path = write_idx(tmp_path / "t", np.zeros((40, 5, 5)), gz=True)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(PPFError):
        read_idx(path, 3, "images")


def test_trailing_bytes(tmp_path):
    path = write_idx(tmp_path / "t", np.zeros((4, 5, 5)))
    path.write_bytes(path.read_bytes() + b"xx")
    _expect(path, 3, "images", "more data")


def test_wrong_magic(tmp_path):
    (tmp_path / "m").write_bytes(b"PK\x03\x04" + bytes(100))
    _expect(tmp_path / "m", 3, "images", "not an IDX file")


def test_labels_given_as_images(tmp_path):
    path = write_idx(tmp_path / "labels", np.arange(10))
    _expect(path, 3, "images", "labels file", "swapped")


def test_gigabyte_claim_refused_before_allocation(tmp_path):
    header = struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 4_000_000_000, 1000, 1000)
    (tmp_path / "huge").write_bytes(header + bytes(16))
    _expect(tmp_path / "huge", 3, "images", "GiB")


def test_mismatched_counts(tmp_path):
    d = write_idx_dataset(tmp_path)
    write_idx(d / "train-labels-idx1-ubyte", np.zeros(19))
    with pytest.raises(PPFError, match="20 images .* but 19 labels"):
        load_dataset(f"idx:{d}")


def test_test_labels_out_of_range(tmp_path):
    d = write_idx_dataset(tmp_path)
    write_idx(d / "t10k-labels-idx1-ubyte", np.full(10, 7))
    with pytest.raises(PPFError, match="out of range"):
        load_dataset(f"idx:{d}")


def test_missing_file_and_directory(tmp_path):
    d = write_idx_dataset(tmp_path)
    (d / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(PPFError, match="missing 't10k-images-idx3-ubyte'"):
        load_dataset(f"idx:{d}")
    with pytest.raises(PPFError, match="does not exist"):
        load_dataset(f"idx:{tmp_path / 'nowhere'}")


def test_corrupt_gzip(tmp_path):
    (tmp_path / "c").write_bytes(b"\x1f\x8b" + bytes(50))
    with pytest.raises(PPFError, match="cannot read"):
        read_idx(tmp_path / "c", 3, "images")


def test_unknown_spec():
    with pytest.raises(PPFError, match="expected 'digits' or 'idx:PATH'"):
        load_dataset("mnist")
