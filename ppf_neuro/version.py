"""ppf-neuro's version, as installed (``importlib.metadata``): one place that artifacts record it from."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ppf-neuro")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
