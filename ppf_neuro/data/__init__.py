"""Datasets: the IDX reader and short dataset specs."""

from ppf_neuro.data.datasets import Dataset, Split, check_images, load_dataset
from ppf_neuro.data.idx import read_idx

__all__ = ["Dataset", "Split", "check_images", "load_dataset", "read_idx"]
