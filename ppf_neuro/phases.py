"""Where the time of a command went: wall seconds per named phase, and the process's age.

A deployment reports each phase (load, read, encode, Lava, quantum, fuse, reference, ...) beside
the Lava stage's own rate, so that a fast Lava stage inside a slow command shows.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager


#: Seconds a phase runs before its name is printed (quick phases, and errors found at once, stay quiet).
ANNOUNCE_AFTER_S = 2.0


class PhaseClock:
    """Wall seconds per phase, in the order the phases were first entered (re-entering adds up)."""

    def __init__(self, announce: bool = False):
        self.seconds: dict[str, float] = {}
        self.threads: dict[str, int] = {}  # torch threads a phase ran with, where it chose them (ppf_neuro.threads)
        self.announce = announce  # name a phase that runs longer than ANNOUNCE_AFTER_S (a slow load is not silence)

    @contextmanager
    def phase(self, name: str):
        timer = None
        if self.announce and name not in self.seconds:
            timer = threading.Timer(ANNOUNCE_AFTER_S, print, (f"{name} ...",), {"file": sys.stderr, "flush": True})
            timer.daemon = True
            timer.start()
        start = time.perf_counter()
        try:
            yield
        finally:
            if timer is not None:
                timer.cancel()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def process_age() -> float | None:
    """Seconds since this process started (interpreter start-up and imports included), from
    ``/proc``; None where there is no ``/proc``."""
    try:
        with open("/proc/self/stat") as f:
            started = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22: start time in clock ticks
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - started / os.sysconf("SC_CLK_TCK")


def format_rate(per_second: float, unit: str = "samples/s") -> str:
    """A rate with the digits it needs: 2,917 samples/s, 52.3 samples/s, 0.0512 samples/s."""
    if per_second >= 100:
        return f"{per_second:,.0f} {unit}"
    return f"{per_second:.3g} {unit}"
