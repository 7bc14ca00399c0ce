"""Large temporaries kept in malloc's heap while a density matrix is evolved.

glibc's malloc serves every block above its mmap threshold (128 KB, raised on the fly up to 32 MB)
with freshly mapped pages and unmaps it when freed. PennyLane's ``default.mixed`` applies each gate
and channel as an einsum over the whole density matrix: on 10 qubits (2^20 complex entries, 16 MB)
each of the ~190 operations per sample allocates 16-64 MB of temporaries, and every page of them
faults on first touch. Here a 2-sample run took 17.7-19.5 s, 21-24 of its CPU-seconds in the
kernel. With mmap off (``mallopt(M_MMAP_MAX, 0)``) and no trimming, freed blocks are reused: 5.3 s,
outputs bit-identical (tests/unit/quantum/test_quantum.py). The device that runs is the same; only where its
temporaries come from changes.

The settings hold only while the circuit runs: afterwards glibc's defaults are set again and the
heap's free memory is given back (``malloc_trim``). Not glibc (macOS, musl): nothing changes.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager

#: mallopt's parameter numbers and glibc's defaults for them (malloc.h).
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
DEFAULT_TRIM_THRESHOLD, DEFAULT_MMAP_MAX = 128 * 1024, 65536
NO_TRIM = 2 ** 31 - 1  # mallopt takes a C int


def _glibc():
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()
_depth = 0


@contextmanager
def heap_reuse() -> Iterator[None]:
    """Within the block, large allocations come from (and return to) the heap instead of fresh pages."""
    global _depth
    if _LIBC is None:
        yield
        return
    if _depth == 0:
        _LIBC.mallopt(M_MMAP_MAX, 0)
        _LIBC.mallopt(M_TRIM_THRESHOLD, NO_TRIM)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _LIBC.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
            _LIBC.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
            _LIBC.malloc_trim(0)

