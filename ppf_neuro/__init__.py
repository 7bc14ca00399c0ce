"""ppf-neuro: train, export and deploy PPF-QSNN hybrid spiking + quantum classifiers."""

__version__ = "0.1.0"
