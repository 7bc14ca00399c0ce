"""Axis order, in one place: ppf-neuro, PyTorch and SLAYER hold a layer as (C, H, W); netx and Lava
as (W, H, C).

The two orders are each other's reverse, so one operation, reversing three axes, converts either
way. Every conversion between them in the code base goes through this module (a second, slightly
different transpose elsewhere is how a transposed image used to slip through unnoticed).
"""

from __future__ import annotations

import numpy as np


def reversed_axes(x: np.ndarray, start: int, count: int = 3) -> np.ndarray:
    """``x`` with axes ``start .. start + count - 1`` in reverse order: (C, H, W) <-> (W, H, C)."""
    order = list(range(x.ndim))
    order[start:start + count] = order[start:start + count][::-1]
    return x.transpose(order)


def chw_from_lava(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(rows, prod(lava shape)) in netx's (W, H, C) order -> (rows, neurons) in CHW order."""
    if len(shape) < 2:
        return values
    n = values.shape[0]
    return reversed_axes(values.reshape(n, *shape), 1, len(shape)).reshape(n, -1)


def lava_from_chw(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(N, C, H, W, T) -> (N, *lava shape, T): WHC for a 3-D netx shape, flat CHW otherwise."""
    n, t = values.shape[0], values.shape[-1]
    if len(shape) == 3:
        return reversed_axes(values.reshape(n, *shape[::-1], t), 1)
    return values.reshape(n, *shape, t)


def chw_order(shape_whc: tuple[int, int, int]) -> np.ndarray:
    """Indices into a WHC-flattened vector that list its entries in CHW order."""
    return reversed_axes(np.arange(int(np.prod(shape_whc))).reshape(shape_whc), 0).reshape(-1)
