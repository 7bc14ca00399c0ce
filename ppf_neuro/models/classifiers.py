"""The four models of the paper's comparison, behind one interface.

Every classifier takes ``(images, spikes)`` (spikes: the encoded images, or
None for models without a spiking branch) and returns a dict of
log-probabilities: ``"output"`` is the model's decision; hybrid models add
``"snn"`` and ``"qnn"`` for their branches, so training and deployment report
every branch the same way.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ppf_neuro.config import RunConfig
from ppf_neuro.fusion import fuse
from ppf_neuro.models.snn import SpikingNet
from ppf_neuro.quantum import QuantumNet
from ppf_neuro.readout import spike_logits


class Classifier(torch.nn.Module):
    uses_spikes: bool = True
    branches: tuple[str, ...] = ()

    def __init__(self, cfg: RunConfig):
        super().__init__()
        self.cfg = cfg

    def prepare(self, train_images: np.ndarray) -> None:
        """Fit data-dependent parts (PCA) on the training images before training."""

    def snn_logits(self, spikes: torch.Tensor) -> torch.Tensor:
        counts = self.snn(spikes).sum(-1)
        return spike_logits(counts, self.cfg.encoding.steps, self.cfg.snn.readout_scale)


class SNNClassifier(Classifier):
    """Spiking only: spike counts of the output layer through the readout."""

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.snn = SpikingNet(cfg.snn, image_shape, num_classes)

    def forward(self, images, spikes):
        return {"output": torch.log_softmax(self.snn_logits(spikes), -1)}


class QNNClassifier(Classifier):
    """Quantum only: the dressed / PCA / pooled circuit on the raw pixels."""

    uses_spikes = False

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.qnn = QuantumNet(cfg.quantum, math.prod(image_shape), num_classes)

    def prepare(self, train_images):
        self.qnn.fit_reduction(train_images.reshape(len(train_images), -1))

    def forward(self, images, spikes):
        return {"output": torch.log_softmax(self.qnn(images.flatten(1)), -1)}


class SerialClassifier(Classifier):
    """Serial hybrid (Konar et al. 2023): the SNN's last hidden spike rates feed the VQC."""

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.snn = SpikingNet(cfg.snn, image_shape, num_classes=None)
        self.qnn = QuantumNet(cfg.quantum, self.snn.layer_sizes()[-1], num_classes)

    def hidden_rates(self, spikes):
        return self.snn(spikes).sum(-1).flatten(1) / self.cfg.encoding.steps

    def forward(self, images, spikes):
        return {"output": torch.log_softmax(self.qnn(self.hidden_rates(spikes)), -1)}


class PPFClassifier(Classifier):
    """Parallel proportional fusion: both branches see the same image at the same time."""

    branches = ("snn", "qnn")

    def __init__(self, cfg: RunConfig, image_shape, num_classes: int):
        super().__init__(cfg)
        self.snn = SpikingNet(cfg.snn, image_shape, num_classes)
        self.qnn = QuantumNet(cfg.quantum, math.prod(image_shape), num_classes)
        if cfg.fusion.ratio is None:
            a = cfg.fusion.init_ratio
            self.ratio_logit = torch.nn.Parameter(torch.tensor(math.log(a / (1 - a))))
        else:
            self.register_buffer("ratio_logit", torch.tensor(float("nan")))

    @property
    def ratio(self) -> torch.Tensor:
        """The SNN's share ``a``: fixed by config, or ``sigmoid`` of a learned scalar."""
        if self.cfg.fusion.ratio is not None:
            return torch.tensor(self.cfg.fusion.ratio)
        return torch.sigmoid(self.ratio_logit)

    def prepare(self, train_images):
        self.qnn.fit_reduction(train_images.reshape(len(train_images), -1))

    def forward(self, images, spikes):
        s, q = self.snn_logits(spikes), self.qnn(images.flatten(1))
        return {
            "output": fuse(s, q, self.ratio, self.cfg.fusion.rule),
            "snn": torch.log_softmax(s, -1),
            "qnn": torch.log_softmax(q, -1),
        }


_MODELS = {"snn": SNNClassifier, "qnn": QNNClassifier, "serial": SerialClassifier, "ppf": PPFClassifier}


def build_model(cfg: RunConfig, image_shape: tuple[int, int, int], num_classes: int) -> Classifier:
    """The classifier ``cfg.model`` names, untrained."""
    return _MODELS[cfg.model](cfg, tuple(image_shape), num_classes)
