"""Where the test suite's CPU goes: a pytest plugin that charges each test the machine's busy CPU time.

A test's wall time under ``pytest -n`` says little (two workers share two cores, and a test's forked
commands, Lava's processes and Ray's are not the test process), so this reads the busy ticks of the
whole machine (``/proc/stat``: user, nice, system, irq, softirq) around each test, setup and teardown
included. Run it serially on an otherwise idle machine, where every busy tick is the test's::

    PYTHONPATH=benchmarks python -m pytest -q -p suite_cpu -p no:randomly

It prints the tests and the files that cost most, in core-seconds, and the total (docs/measurements.md,
"Where 2:30 stands": 598 core-seconds on 2026-12-07).
"""

from __future__ import annotations

import collections
import os
import time

import pytest

#: How many of the costliest tests and files the summary lists.
SHOWN = 25

_costs: list[tuple[str, float, float]] = []


def _busy_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot (all cores)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, f.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    busy, start = _busy_seconds(), time.perf_counter()
    yield
    _costs.append((item.nodeid, _busy_seconds() - busy, time.perf_counter() - start))


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    by_file = collections.Counter()
    for nodeid, cpu, _ in _costs:
        by_file[nodeid.split("::")[0]] += cpu
    write(f"busy core-seconds: {sum(c for _, c, _ in _costs):.1f} in {len(_costs)} tests")
    write("costliest files (core-s):")
    for name, cpu in by_file.most_common(SHOWN):
        write(f"  {cpu:7.1f}  {name}")
    write("costliest tests (core-s, wall s):")
    for nodeid, cpu, wall in sorted(_costs, key=lambda c: -c[1])[:SHOWN]:
        write(f"  {cpu:7.1f} {wall:7.1f}  {nodeid}")
