"""Models: the spiking net, and the four classifiers built on it and the quantum branch."""

from ppf_neuro.models.classifiers import (
    Classifier,
    PPFClassifier,
    QNNClassifier,
    SerialClassifier,
    SNNClassifier,
    build_model,
)
from ppf_neuro.models.snn import SpikingNet

__all__ = ["Classifier", "PPFClassifier", "QNNClassifier", "SerialClassifier", "SNNClassifier",
           "SpikingNet", "build_model"]
