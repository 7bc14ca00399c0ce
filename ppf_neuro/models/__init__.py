"""Models of the two branches."""

from ppf_neuro.models.snn import SpikingNet

__all__ = ["SpikingNet"]
