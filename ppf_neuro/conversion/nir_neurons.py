"""NIR's neuron nodes (CubaLIF, LIF, IF) as netx's CUBA neurons: per-step decays at the graph's
``dt``, the input gain folded into the weights, the threshold, and the voltage bias from ``v_leak``.

The handlers take the import's state ``st`` (``nir_to_netx``; :class:`ImportState`): how it maps
what is inexact, its time step and how the graph means its time constants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from ppf_neuro.conversion.nir_mapping import Mapping
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.nir_time import Convention


class ImportState(Protocol):
    """What the neuron handlers read of the import's state."""

    mapping: Mapping
    dt: float
    convention: Convention


@dataclass(frozen=True)
class Neurons:
    """A neuron node as netx sees it: per-step decays, the gain folded into the weights, the
    threshold, and the voltage bias per step (from ``v_leak``)."""

    alpha: float
    beta: float
    gain: float
    threshold: float
    bias: np.ndarray


def _ratio(numerator: float, tau: float, dt: float) -> float:
    """numerator * dt / tau, where inf / inf (a pure integrator, written as tau = w_in = inf) is dt-free 1."""
    if np.isinf(numerator) and np.isinf(tau):
        return 1.0
    return numerator * dt / tau


def _rate(tau: float, what: str, name: str, st: ImportState) -> float:
    """dt / tau, the fraction a state decays by per step; refused outside [0, 1] (a wrong dt)."""
    rate = st.dt / tau
    if not 0 <= rate <= 1 + 1e-9:
        raise PPFError(f"NIR node '{name}': dt/{what} = {rate:.4g} at dt = {st.dt:g} s, outside [0, 1]: the time "
                       f"constants do not fit this time step. Give the dt the graph was written with (--dt; "
                       f"snnTorch writes at 1e-4 s) or, for Norse's to_nir, --convention norse")
    return min(rate, 1.0)


def _tau(node, key: str, name: str, st: ImportState) -> float:
    return st.convention.tau(st.mapping.uniform(getattr(node, key), key, name), st.dt)


def _cuba_lif(node, name: str, st: ImportState) -> tuple[float, float, float]:
    m, dt = st.mapping, st.dt
    tau_syn, tau_mem = _tau(node, "tau_syn", name, st), _tau(node, "tau_mem", name, st)
    if st.convention.current_lags:  # Norse's LIFCell: input added to the current as it is
        m.inexact(name, "Norse's LIFCell feeds its voltage the synaptic current of the step before",
                  "deploy it without that step (each layer's spikes one step earlier)")
        current_gain = 1.0
    else:
        current_gain = _ratio(m.uniform(node.w_in, "w_in", name), tau_syn, dt)
    alpha, beta = _rate(tau_syn, "tau_syn", name, st), _rate(tau_mem, "tau_mem", name, st)
    return alpha, beta, current_gain * _ratio(m.uniform(node.r, "r", name), tau_mem, dt)


def _lif(node, name: str, st: ImportState) -> tuple[float, float, float]:
    beta = _rate(_tau(node, "tau", name, st), "tau", name, st)
    return 1.0, beta, beta * st.mapping.uniform(node.r, "r", name)


def _if(node, name: str, st: ImportState) -> tuple[float, float, float]:
    return 1.0, 0.0, st.dt * st.mapping.uniform(node.r, "r", name)


def neurons(node, name: str, st: ImportState) -> Neurons:
    """CubaLIF / LIF / IF -> netx's view.

    Euler: I <- (1 - dt/tau_syn) I + (w_in dt/tau_syn) x and v <- (1 - dt/tau_mem) v + (r dt/tau_mem) I
    + (dt/tau_mem) v_leak. netx's u is (r dt/tau_mem) I, so the weights carry
    gain = (w_in dt/tau_syn)(r dt/tau_mem) and the bias is (dt/tau_mem) v_leak."""
    alpha, beta, gain = NEURON_KINDS[type(node).__name__](node, name, st)
    v_leak = getattr(node, "v_leak", None)
    v_leak = np.asarray(0.0 if v_leak is None else v_leak, dtype=float)  # per neuron, as netx biases
    st.mapping.zero(getattr(node, "v_reset", None), "v_reset", name, "reset to 0 instead")
    return Neurons(alpha, beta, gain, st.mapping.uniform(node.v_threshold, "v_threshold", name), beta * v_leak)


NEURON_KINDS: dict[str, Callable] = {"CubaLIF": _cuba_lif, "LIF": _lif, "IF": _if}
