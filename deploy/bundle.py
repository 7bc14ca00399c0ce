"""Read a ppf-neuro bundle, refusing anything that is not one, with a clear message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import torch

from ppf_neuro.bundle_schema import FORMAT, FORMAT_VERSION, META_GROUP, NETX_GROUP, SNN_STATE_GROUP
from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.models import SpikingNet


@dataclass(frozen=True)
class Bundle:
    """What deployment needs, read once from the file."""

    path: Path
    config: RunConfig
    image_shape: tuple[int, int, int]
    num_classes: int
    dataset: str
    versions: dict
    snn_state: dict[str, np.ndarray]

    def snn_model(self) -> SpikingNet:
        """The PyTorch SNN with the bundle's weights (the reference for the Lava run)."""
        model = SpikingNet(self.config.snn, self.image_shape, self.num_classes)
        try:
            model.load_state_dict({k: torch.from_numpy(v) for k, v in self.snn_state.items()})
        except RuntimeError as e:
            raise PPFError(f"{self.path}: SNN weights do not match the bundle's config: {e}") from None
        return model.eval()


def _read_state(group: h5py.Group) -> dict[str, np.ndarray]:
    state = {}
    group.visititems(lambda name, obj: state.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return state


def load_bundle(path: str | Path) -> Bundle:
    path = Path(path)
    if not path.is_file():
        raise PPFError(f"bundle '{path}' does not exist")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise PPFError(f"{path}: not a readable HDF5 file ({e})") from None
    with f:
        if META_GROUP not in f or f[META_GROUP].attrs.get("format") != FORMAT:
            raise PPFError(f"{path}: HDF5 file is not a ppf-neuro bundle (no '{META_GROUP}' group with format={FORMAT!r})")
        meta = f[META_GROUP].attrs
        version = int(meta.get("format_version", -1))
        if version != FORMAT_VERSION:
            raise PPFError(
                f"{path}: bundle format version {version}, this ppf-neuro reads version {FORMAT_VERSION}"
            )
        for group in (NETX_GROUP, SNN_STATE_GROUP):
            if group not in f:
                raise PPFError(f"{path}: bundle is missing group '/{group}'")
        try:
            config = RunConfig.from_dict(json.loads(meta["config"]))
            bundle = Bundle(
                path=path,
                config=config,
                image_shape=tuple(int(x) for x in meta["image_shape"]),
                num_classes=int(meta["num_classes"]),
                dataset=str(meta["dataset"]),
                versions=json.loads(meta["versions"]),
                snn_state=_read_state(f[SNN_STATE_GROUP]),
            )
        except (KeyError, json.JSONDecodeError, TypeError, ValueError) as e:
            raise PPFError(f"{path}: bundle metadata is incomplete or corrupt: {e}") from None
    if len(bundle.image_shape) != 3:
        raise PPFError(f"{path}: image_shape must be (C, H, W), got {bundle.image_shape}")
    return bundle
