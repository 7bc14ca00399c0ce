"""ppf-neuro: train, export and deploy PPF-QSNN hybrid spiking + quantum classifiers.

``import ppf_neuro as ppf`` gives the Python API (:mod:`ppf_neuro.api`): ``ppf.train``,
``ppf.save``, ``ppf.load``, ``ppf.export``, ``ppf.deploy``, ``ppf.diff`` and ``ppf.RunConfig``.
"""

from ppf_neuro.version import __version__

from ppf_neuro.api import deploy, diff, export, load, save, train  # noqa: E402
from ppf_neuro.config import RunConfig  # noqa: E402

__all__ = ["RunConfig", "deploy", "diff", "export", "load", "save", "train", "__version__"]
