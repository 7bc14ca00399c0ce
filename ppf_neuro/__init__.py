"""ppf-neuro: train, export and deploy PPF-QSNN hybrid spiking + quantum classifiers.

``import ppf_neuro as ppf`` gives the Python API (:mod:`ppf_neuro.api`): ``ppf.train``,
``ppf.save``, ``ppf.load``, ``ppf.export``, ``ppf.export_nir``, ``ppf.import_nir``, ``ppf.deploy``,
``ppf.diff``, ``ppf.analyze``, ``ppf.robustness``, ``ppf.sweep`` and ``ppf.RunConfig``: the command line
in Python, objects in and out.
"""

from ppf_neuro.version import __version__

from ppf_neuro.api import (  # noqa: E402
    analyze, deploy, diff, export, export_nir, import_nir, load, robustness, save, sweep, train)
from ppf_neuro.config import RunConfig  # noqa: E402

__all__ = ["RunConfig", "analyze", "deploy", "diff", "export", "export_nir", "import_nir", "load", "robustness", "save",
           "sweep", "train", "__version__"]
