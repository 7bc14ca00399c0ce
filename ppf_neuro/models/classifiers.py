"""The four models of the paper's comparison, behind one interface.

Every classifier takes ``(images, spikes)`` (spikes: the encoded images, or
None for models without a spiking branch) and returns a dict of
log-probabilities: ``"output"`` is the model's decision; hybrid models add
``"snn"`` and ``"qnn"`` for their branches, so training and deployment report
every branch the same way. ``forward`` runs the SNN and hands its output
spikes to ``combine``; the deployment reference calls ``combine`` itself with
the last layer of an SNN pass it also needs layer by layer, so the SNN runs once.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ppf_neuro.config import RunConfig
from ppf_neuro.fusion import fuse
from ppf_neuro.models.snn import SpikingNet
from ppf_neuro.readout import spike_logits


def quantum_net(*args, **kwargs):
    """A :class:`~ppf_neuro.quantum.QuantumNet`, imported only by the models that have one, so that a
    spiking-only model loads without PennyLane."""
    from ppf_neuro.quantum import QuantumNet

    return QuantumNet(*args, **kwargs)


class Classifier(torch.nn.Module):
    uses_spikes: bool = True
    branches: tuple[str, ...] = ()

    def __init__(self, cfg: RunConfig):
        super().__init__()
        self.cfg = cfg

    def prepare(self, train_images: np.ndarray) -> None:
        """Fit data-dependent parts (PCA) on the training images before training."""

    def forward(self, images: torch.Tensor, spikes: torch.Tensor | None) -> dict[str, torch.Tensor]:
        return self.combine(images, self.snn(spikes) if self.uses_spikes else None)

    def combine(self, images: torch.Tensor, snn_out: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """Log-probabilities from the images and the SNN's output spikes (N, neurons, T)."""
        raise NotImplementedError

    def snn_logits(self, snn_out: torch.Tensor) -> torch.Tensor:
        return spike_logits(snn_out.sum(-1), self.cfg.encoding.steps, self.cfg.snn.readout_scale)


class SNNClassifier(Classifier):
    """Spiking only: spike counts of the output layer through the readout."""

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.snn = SpikingNet(cfg.snn, image_shape, num_classes)

    def combine(self, images, snn_out):
        return {"output": torch.log_softmax(self.snn_logits(snn_out), -1)}


class QNNClassifier(Classifier):
    """Quantum only: the dressed / PCA / pooled circuit on the raw pixels."""

    uses_spikes = False

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.qnn = quantum_net(cfg.quantum, math.prod(image_shape), num_classes)

    def prepare(self, train_images):
        self.qnn.fit_reduction(train_images.reshape(len(train_images), -1))

    def combine(self, images, snn_out):
        return {"output": torch.log_softmax(self.qnn(images.flatten(1)), -1)}


class SerialClassifier(Classifier):
    """Serial hybrid (Konar et al. 2023): the SNN's last hidden spike rates feed the VQC."""

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.snn = SpikingNet(cfg.snn, image_shape, num_classes=None)
        self.qnn = quantum_net(cfg.quantum, self.snn.layer_sizes()[-1], num_classes)

    def combine(self, images, snn_out):
        rates = snn_out.sum(-1).flatten(1) / self.cfg.encoding.steps
        return {"output": torch.log_softmax(self.qnn(rates), -1)}


class PPFClassifier(Classifier):
    """Parallel proportional fusion: both branches see the same image at the same time."""

    branches = ("snn", "qnn")

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.snn = SpikingNet(cfg.snn, image_shape, num_classes)
        self.qnn = quantum_net(cfg.quantum, math.prod(image_shape), num_classes)
        # The ratio lives in one place: the config when fixed, this parameter when learned.
        a = cfg.fusion.init_ratio
        self.register_parameter("ratio_logit", torch.nn.Parameter(torch.tensor(math.log(a / (1 - a))))
                                if cfg.fusion.ratio is None else None)

    @property
    def ratio(self) -> torch.Tensor:
        """The SNN's share ``a``: fixed by config, or ``sigmoid`` of a learned scalar."""
        if self.cfg.fusion.ratio is not None:
            return torch.tensor(self.cfg.fusion.ratio)
        return torch.sigmoid(self.ratio_logit)

    def prepare(self, train_images):
        self.qnn.fit_reduction(train_images.reshape(len(train_images), -1))

    def combine(self, images, snn_out):
        s, q = self.snn_logits(snn_out), self.qnn(images.flatten(1))
        return {
            "output": fuse(s, q, self.ratio, self.cfg.fusion.rule),
            "snn": torch.log_softmax(s, -1),
            "qnn": torch.log_softmax(q, -1),
        }


_MODELS = {"snn": SNNClassifier, "qnn": QNNClassifier, "serial": SerialClassifier, "ppf": PPFClassifier}


def build_model(cfg: RunConfig, image_shape: tuple[int, int, int], num_classes: int) -> Classifier:
    """The classifier ``cfg.model`` names, untrained."""
    return _MODELS[cfg.model](cfg, tuple(image_shape), num_classes)
