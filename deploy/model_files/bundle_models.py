"""A ppf-neuro bundle as deployment uses it: the file's contents (``ppf_neuro.formats.bundle``) and
the trained models rebuilt from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ppf_neuro.choices import FAST_DEVICE
from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.bundle import BundleFile, read_bundle_file
from ppf_neuro.kinds import KINDS
from ppf_neuro.models import Classifier, build_model


@dataclass(frozen=True)
class Bundle:
    """What deployment needs, read once from the file."""

    file: BundleFile
    config: RunConfig
    _models: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def has_snn(self) -> bool:
        return self.file.has_snn

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self.file.image_shape

    @property
    def num_classes(self) -> int:
        return self.file.num_classes

    def reference_model(self) -> Classifier:
        """The trained PyTorch classifier, on its training device: the deployment's reference.

        Built once per bundle (loading builds it to validate the weights) and shared:
        deployment only evaluates it.
        """
        if "reference" not in self._models:
            model = build_model(self.config, self.image_shape, self.num_classes)
            try:
                model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in self.file.state.items()})
            except RuntimeError as e:
                raise PPFError(f"{self.path}: weights do not match the bundle's config: {e}") from None
            self._models["reference"] = model.eval()
        return self._models["reference"]

    @property
    def fusion(self) -> dict | None:
        """The ratio ``a`` (SNN share) and rule of a ppf bundle, from its one source: the model."""
        if KINDS[self.model].decided_by != "fuser":
            return None
        return {"ratio": float(self.reference_model().ratio), "rule": self.config.fusion.rule}

    def quantum_net(self, device: str | None = None, shots: int | None = None, noise: float = 0.0,
                    seed: int | None = None, target: str | None = None, device_options: dict | None = None,
                    noise_model: dict | None = None):
        """The trained quantum branch, rebuilt to execute on the PennyLane ``device`` (default: the
        training device) as a QNode without gradients, its sampling seeded with ``seed``, or compiled
        for the device ``target`` (``ppf_neuro.quantum.device_target``). ``ppf-neuro.fast`` names
        ppf-neuro's own simulator instead (analytic ``default.qubit`` only)."""
        from ppf_neuro.models.classifiers import quantum_net

        trained = self.reference_model().qnn
        fast = device == FAST_DEVICE
        qnet = quantum_net(self.config.quantum, trained.in_features, self.num_classes,
                          "default.qubit" if fast else device, shots, noise,
                          simulator="fast" if fast else "qnode", differentiable=False, seed=seed, target=target,
                          device_options=device_options, noise_model=noise_model)
        qnet.load_state_dict(trained.state_dict())
        return qnet.prepare().eval()


def load_bundle(path: str | Path) -> Bundle:
    """Read and validate a bundle; anything wrong with the file is a :class:`PPFError`."""
    return bundle_from(read_bundle_file(path))


def bundle_from(contents: BundleFile) -> Bundle:
    """A bundle's file contents, with its config typed and its trained model rebuilt (the weights
    must fit the config, names and shapes, before anything runs)."""
    bundle = Bundle(contents, RunConfig.from_dict(contents.config))
    bundle.reference_model()
    return bundle
