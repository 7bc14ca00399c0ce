"""ppf-neuro: train, export and deploy PPF-QSNN hybrid spiking + quantum classifiers.

``import ppf_neuro as ppf`` gives the Python API (:mod:`ppf_neuro.api`): ``ppf.train``,
``ppf.save``, ``ppf.load``, ``ppf.export``, ``ppf.deploy``, ``ppf.diff`` and ``ppf.RunConfig``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ppf-neuro")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

from ppf_neuro.api import deploy, diff, export, load, save, train  # noqa: E402
from ppf_neuro.config import RunConfig  # noqa: E402

__all__ = ["RunConfig", "deploy", "diff", "export", "load", "save", "train", "__version__"]
