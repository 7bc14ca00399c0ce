"""lava-dl, imported once with its import-time noise captured.

Importing ``lava.lib.dl.slayer`` prints a warning about an optional Prophesee
dataset toolbox and torch's "No CUDA runtime" note; neither concerns us and
both would clutter every CLI command's output.
"""

import contextlib
import io

with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    from lava.lib.dl import netx, slayer  # noqa: F401

__all__ = ["netx", "slayer"]
