"""ppf-neuro's companion packages, ``deploy`` and ``exporters``, found where ppf-neuro installed them.

The repository keeps them as top-level folders (the project's layout), so they install as
top-level import names beside ``ppf_neuro``. A user's own ``deploy.py`` or ``exporters/`` on the
path would shadow them and fail far from the cause; this names the cause first. Looking a module
up (``find_spec``) does not import it, so the check costs nothing at start-up.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ppf_neuro.errors import PPFError

#: Import names ppf-neuro installs besides ``ppf_neuro`` (pyproject.toml, packages.find).
COMPANIONS = ("deploy", "exporters")


def check_companions() -> None:
    """Refuse, in one line, a ``deploy`` or ``exporters`` that is not the one installed with ppf-neuro."""
    home = Path(__file__).resolve().parents[1]
    for name in COMPANIONS:
        spec = importlib.util.find_spec(name)
        expected = home / name / "__init__.py"
        found = None if spec is None or spec.origin is None else Path(spec.origin).resolve()
        if found != expected:
            raise PPFError(f"the module '{name}' found first on the import path is {found or 'missing'}, not "
                           f"ppf-neuro's ({expected}): rename your own '{name}' or run from another directory")
