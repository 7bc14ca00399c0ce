r"""What a NIR graph's time constants mean, and the time step they are read at.

NIR nodes carry time constants in seconds and no time step; a simulator discretises them with its
own ``dt`` (forward Euler: a state decays by ``dt/tau`` per step). netx has no time unit, only
per-step decays, so every mapping needs ``dt``:

* ppf-neuro writes ``dt`` into the graph's metadata and reads it from there;
* where a graph carries none, :data:`DEFAULT_DT` = 1e-4 s is used in both directions. It is the
  value snnTorch 1.0 hard-codes in both its ``export_to_nir`` and ``import_from_nir``, so graphs
  going either way between ppf-neuro and snnTorch need no option;
* Norse 1.1's ``to_nir`` writes at ``dt`` = 1e-3 s (its default) and inverts its inverse time
  constants with ``dt``: it writes ``tau = dt / tau_inv``, that is ``dt`` times the time
  constant (Norse's own ``from_nir`` does not reproduce such a graph: measured 0 against 120
  spikes on a 64-32-10 ``LIFBoxCell`` net). Its ``LIFCell`` adds its input to the synaptic
  current unscaled (NIR's ``w_in = tau_syn/dt``) and its voltage sees that current one step
  later. The ``norse`` convention reads graphs so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ppf_neuro.choices import NirConvention
from ppf_neuro.errors import PPFError

#: Seconds per step where a graph carries no ``dt`` (snnTorch's; the same for export and import).
DEFAULT_DT = 1e-4


def check_dt(dt: float | None, what: str = "--dt") -> None:
    """A time step, where one is given, is a positive finite number of seconds."""
    if dt is not None and not (math.isfinite(dt) and dt > 0):
        raise PPFError(f"{what} must be a positive number of seconds, got {dt}")


@dataclass(frozen=True)
class Convention:
    """How one writer of NIR graphs means its time constants."""

    name: str
    #: dt where neither the graph nor the command line gives one.
    default_dt: float
    #: The writer stores dt x tau where NIR means tau (Norse 1.1's ``to_nir``).
    tau_times_dt: bool
    #: A CubaLIF's input enters its current unscaled and reaches the voltage one step late.
    current_lags: bool

    def tau(self, value: float, dt: float) -> float:
        """A time constant in seconds, as NIR means it."""
        return value / dt if self.tau_times_dt else value


CONVENTIONS: dict[str, Convention] = {
    NirConvention.NIR: Convention(NirConvention.NIR, DEFAULT_DT, tau_times_dt=False, current_lags=False),
    NirConvention.NORSE: Convention(NirConvention.NORSE, 1e-3, tau_times_dt=True, current_lags=True),
}
assert tuple(CONVENTIONS) == NirConvention.values()
