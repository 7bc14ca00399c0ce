"""Read a ppf-neuro bundle, refusing anything that is not one, with a clear message."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import torch

from ppf_neuro.bundle_schema import (
    DIGEST_ATTR,
    FORMAT,
    FORMAT_VERSION,
    META_GROUP,
    NETX_GROUP,
    STATE_GROUP,
    content_digest,
)
from ppf_neuro.choices import FAST_DEVICE
from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError, check_input_file
from ppf_neuro.models import Classifier, build_model
from ppf_neuro.quantum import QuantumNet


@dataclass(frozen=True)
class Bundle:
    """What deployment needs, read once from the file."""

    path: Path
    config: RunConfig
    image_shape: tuple[int, int, int]
    num_classes: int
    class_names: list[str]
    dataset: str
    versions: dict
    state: dict[str, np.ndarray]
    has_snn: bool
    _models: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def model(self) -> str:
        return self.config.model

    def reference_model(self) -> Classifier:
        """The trained PyTorch classifier, on its training device: the deployment's reference.

        Built once per bundle (loading builds it to validate the weights) and shared:
        deployment only evaluates it.
        """
        if "reference" not in self._models:
            model = build_model(self.config, self.image_shape, self.num_classes)
            try:
                model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in self.state.items()})
            except RuntimeError as e:
                raise PPFError(f"{self.path}: weights do not match the bundle's config: {e}") from None
            self._models["reference"] = model.eval()
        return self._models["reference"]

    @property
    def fusion(self) -> dict | None:
        """The ratio ``a`` (SNN share) and rule of a ppf bundle, from its one source: the model."""
        if self.model != "ppf":
            return None
        return {"ratio": float(self.reference_model().ratio), "rule": self.config.fusion.rule}

    def quantum_net(self, device: str | None = None, shots: int | None = None, noise: float = 0.0) -> QuantumNet:
        """The trained quantum branch, rebuilt to execute on the PennyLane ``device`` (default: the
        training device) as a QNode without gradients. ``ppf-neuro.fast`` names ppf-neuro's own
        simulator instead (analytic ``default.qubit`` only)."""
        trained = self.reference_model().qnn
        fast = device == FAST_DEVICE
        qnet = QuantumNet(self.config.quantum, trained.in_features, self.num_classes,
                          "default.qubit" if fast else device, shots, noise,
                          simulator="fast" if fast else "qnode", differentiable=False)
        qnet.load_state_dict(trained.state_dict())
        return qnet.eval()


def _read_state(group: h5py.Group, path: Path) -> dict[str, np.ndarray]:
    """Every tensor of the state group; each must be a numeric array."""
    state = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            value = np.asarray(obj[()])
            if not (np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_):
                raise PPFError(f"{path}: state tensor '{name}' has dtype {value.dtype}, expected numbers")
            state[name] = value

    group.visititems(visit)
    return state


def load_bundle(path: str | Path) -> Bundle:
    """Read and validate a bundle; anything wrong with the file is a :class:`PPFError`."""
    path = check_input_file(path, "bundle")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise PPFError(f"{path}: not a readable HDF5 file ({e})") from None
    try:
        with f:
            bundle = _read_bundle(f, path)
    except PPFError:
        raise
    except (KeyError, ValueError, TypeError, OSError, RuntimeError, AttributeError, json.JSONDecodeError) as e:
        # damaged HDF5 internals or metadata of the wrong type or shape
        raise PPFError(f"{path}: bundle is damaged or incomplete: {type(e).__name__}: {e}") from None
    bundle.reference_model()  # weights must fit the config (shapes, names) before anything runs
    return bundle


def _read_bundle(f: h5py.File, path: Path) -> Bundle:
    if META_GROUP not in f or f[META_GROUP].attrs.get("format") != FORMAT:
        raise PPFError(f"{path}: HDF5 file is not a ppf-neuro bundle (no '{META_GROUP}' group with format={FORMAT!r})")
    meta = f[META_GROUP].attrs
    version = meta.get("format_version", -1)
    if not isinstance(version, (int, np.integer)) or int(version) != FORMAT_VERSION:
        raise PPFError(f"{path}: bundle format version {version!r}, this ppf-neuro reads version {FORMAT_VERSION}")
    if STATE_GROUP not in f:
        raise PPFError(f"{path}: bundle is missing group '/{STATE_GROUP}'")
    if meta.get(DIGEST_ATTR) != content_digest(f):
        raise PPFError(f"{path}: checksum mismatch: the bundle's content does not match its stored SHA-256 "
                       "(damaged or edited; refused)")
    config = RunConfig.from_dict(json.loads(meta["config"]))
    bundle = Bundle(
        path=path,
        config=config,
        image_shape=tuple(int(x) for x in meta["image_shape"]),
        num_classes=int(meta["num_classes"]),
        class_names=json.loads(meta["class_names"]),
        dataset=str(meta["dataset"]),
        versions=json.loads(meta["versions"]),
        state=_read_state(f[STATE_GROUP], path),
        has_snn=NETX_GROUP in f,
    )
    if len(bundle.image_shape) != 3:
        raise PPFError(f"{path}: image_shape must be (C, H, W), got {bundle.image_shape}")
    if bundle.has_snn != (config.model != "qnn"):
        raise PPFError(f"{path}: a '{config.model}' bundle {'lacks' if not bundle.has_snn else 'should not have'} "
                       f"the netx group '/{NETX_GROUP}'")
    return bundle
