"""Torch's thread count, chosen from the cores that are free when a phase starts.

torch starts one OpenMP thread per core and every parallel product waits at a barrier for all of
them. When another job holds a core, the thread that shares it is scheduled late and the whole
product waits: the deploy reference of 10,000 MNIST images took 1.3 s with two threads on a quiet
2-core machine, 3.2-3.6 s with two threads beside one CPU-bound job, and 2.2 s with one
(docs/measurements.md). So each heavy phase (a training epoch, a deployment's encode and reference)
asks :func:`fit_threads` first: it looks at how busy the machine's cores were over a short window,
less this process's own share, and gives torch the cores left (at least one). Small operations need
no rule here: torch's own grain size already keeps them on one thread.

A thread count the user chose is kept: ``OMP_NUM_THREADS`` or ``PPF_NEURO_THREADS`` in the
environment, and a worker process that :func:`pin` ned its count (executors run one thread each).
"""

from __future__ import annotations

import os
import time

import torch

from ppf_neuro.errors import PPFError

#: Seconds over which the machine's load is sampled (short against any phase it is used for).
WINDOW_S = 0.05

_pinned = False


def pin(threads: int) -> None:
    """Fix this process's thread count for good (a pool worker: one thread per worker)."""
    global _pinned
    torch.set_num_threads(threads)
    _pinned = True


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _busy_seconds() -> float | None:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``); None without ``/proc``."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal (guest is in user)
    return busy / os.sysconf("SC_CLK_TCK")


def cores_busy_elsewhere(window_s: float = WINDOW_S) -> float | None:
    """Cores kept busy by other processes over ``window_s`` (this process's threads excluded);
    None where the system does not say."""
    before, own_before, start = _busy_seconds(), time.process_time(), time.monotonic()
    if before is None:
        return None
    time.sleep(window_s)
    after, own_after, wall = _busy_seconds(), time.process_time(), time.monotonic() - start
    return max(0.0, (after - before) - (own_after - own_before)) / wall


def free_cores(window_s: float = WINDOW_S) -> int:
    """Usable cores less those other processes keep busy (a core counts as taken from half busy)."""
    usable = usable_cores()
    busy = cores_busy_elsewhere(window_s)
    if busy is None:
        return usable
    return max(1, usable - int(busy + 0.5))


def fit_threads() -> int:
    """Set torch's thread count for the phase about to start; returns the count in force:
    ``PPF_NEURO_THREADS`` if set, torch's own if ``OMP_NUM_THREADS`` is or this process is
    :func:`pin` ned, else the free cores."""
    if _pinned:
        return torch.get_num_threads()
    fixed = os.environ.get("PPF_NEURO_THREADS")
    if fixed:
        if not fixed.isdigit() or int(fixed) < 1:
            raise PPFError(f"PPF_NEURO_THREADS={fixed!r}: expected a whole number of threads, at least 1")
        threads = int(fixed)
    elif os.environ.get("OMP_NUM_THREADS"):
        return torch.get_num_threads()
    else:
        threads = free_cores()
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return threads
