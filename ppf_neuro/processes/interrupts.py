"""Ctrl-C and SIGTERM that no library can swallow.

Python turns SIGINT into ``KeyboardInterrupt`` wherever the main thread happens to be, and some
libraries catch it there: autograd's import (which PennyLane's runs) wraps hundreds of functions
inside ``except BaseException: pass``, networkx looks modules up inside a bare ``except:``. A
Ctrl-C that lands in one of them is lost and the command carries on to the end (seen in CI: a
training interrupted as PennyLane was imported finished with exit 0). So a command notes the
signal as well as raising it, and every progress step raises it again (:func:`check`) if it was
swallowed on the way.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

#: The name of the signal received while :func:`interruptible` was active, or None.
_received: str | None = None


def _on_signal(signum, frame):
    global _received
    _received = signal.Signals(signum).name
    raise KeyboardInterrupt(_received)


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a signal arrived and was swallowed before reaching the command."""
    if _received:
        raise KeyboardInterrupt(_received)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM unwind the command as ``KeyboardInterrupt`` (so every ``finally`` runs:
    Lava runs are stopped, temporary files removed), and stay noted until the command ends. A
    SIGINT ignored when the process started (``nohup``, a background job) stays ignored."""
    global _received
    _received = None
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _received = None
