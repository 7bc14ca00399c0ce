"""How a NIR import maps what netx cannot hold exactly: refused by name, or (``approximate``)
approximated with a note that the netx file keeps (``nir_to_netx``'s policy, in one place)."""

from __future__ import annotations

import numpy as np

from ppf_neuro.errors import PPFError


class Mapping:
    """One NIR node's parameters as netx needs them; notes what had to be approximated."""

    def __init__(self, approximate: bool):
        self.approximate = approximate
        self.notes: list[str] = []

    def inexact(self, where: str, what: str, consequence: str) -> None:
        """Refuse ``what`` (no exact netx equivalent), or with ``approximate`` note the consequence."""
        if not self.approximate:
            raise PPFError(f"NIR node '{where}': {what} cannot be mapped exactly to netx; --approximate would "
                           f"{consequence}")
        self.notes.append(f"{where}: {what}, {consequence}")

    def uniform(self, value, what: str, where: str) -> float:
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size and not np.allclose(arr, arr[0], rtol=1e-6, atol=0):
            self.inexact(where, f"per-neuron {what} differ ({arr.min():.4g} .. {arr.max():.4g}; netx has one "
                                "per layer)", "average them")
            return float(arr.mean())
        return float(arr[0]) if arr.size else 0.0

    def zero(self, value, what: str, where: str, consequence: str) -> None:
        v = self.uniform(value, what, where) if value is not None else 0.0
        if v != 0:
            self.inexact(where, f"{what} = {v:.4g}", consequence)
