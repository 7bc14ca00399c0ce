"""The variational quantum branch (PennyLane inside PyTorch)."""

from ppf_neuro.quantum.qnn import QuantumNet

__all__ = ["QuantumNet"]
