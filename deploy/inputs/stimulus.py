"""How recorded input values enter a netx network: one definition for Lava and the reference.

Three modes (``ppf_neuro.choices.InputMode``), each what lava-dl itself does somewhere:

* ``spikes``: 0/1 events. Into a first synapse they are binary spikes; into input neurons (netx's
  ``input`` layer with neurons, ``slayer.block.*.Input``) each becomes the file's transform
  ``weight * s + bias``, in weight units (64 = 1.0).
* ``graded``: integer payloads with 6 fractional bits (netx's ``spike_exp`` = 6: 64 = 1.0, what
  SLAYER's 8-bit input quantisation gives times 64), into the input neurons through the same
  transform, ``weight * x / 64 + bias``, which must come out whole; into the first synapse of a
  sigma-delta net without input neurons (lava-dl's ``sigma_delta.Dense`` first) as they are. A
  network whose first layer is a CUBA synapse is built by netx for binary spikes and takes no
  graded input.
* ``bias``: each sample's values become the input neurons' ``bias_mant`` for the sample's window
  (replacing the file's input bias; the neurons receive no current), as lava-dl's netx tests feed
  PilotNet LIF and their small CNN. Values are constant in time, 13-bit signed (Lava's
  ``bias_mant`` register).

Values come as (N, *input, T), or (N, *input) held for every one of T steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ppf_neuro.choices import InputMode, LavaReadout
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.loihi_units import DECAY_SCALE, WEIGHT_SCALE
from ppf_neuro.formats.loihi_units import BIAS_RANGE, PAYLOAD_RANGE
from ppf_neuro.formats.netx import NetxFile



@dataclass(frozen=True)
class Stimulus:
    """What reaches the first layer: ``frames`` (N, *input, T) each step (spikes into a first
    synapse, or the input neurons' input current in weight units), and in ``bias`` mode each
    sample's input-neuron bias (N, neurons) in CHW order (else None)."""

    mode: str
    frames: np.ndarray
    bias: np.ndarray | None = None
    #: how a Lava run delivers it, in words (None: as the frames say, nothing to add)
    delivery: str | None = None


def check_mode(net: NetxFile, mode: str) -> None:
    """Refuse a mode the network cannot take, before any data is read (``LavaMode`` has refused
    unknown modes)."""
    if net.sigma_delta and net.has_input_neurons and mode != InputMode.GRADED:
        raise PPFError(f"{net.path}: a sigma-delta (SDNN) network takes graded inputs into its Delta input layer "
                       f"(--input-as graded), not {mode}")
    if mode == InputMode.BIAS and not net.has_input_neurons:
        raise PPFError(f"{net.path}: --input-as bias sets the input neurons' bias, and the network's first layer "
                       f"is a {net.layers[0].kind} synapse, not an input layer with neurons")
    if mode == InputMode.GRADED and not net.has_input_neurons and not net.sigma_delta:
        raise PPFError(f"{net.path}: --input-as graded feeds input neurons or a sigma-delta network; the first layer "
                       f"is a {net.layers[0].neuron.type} {net.layers[0].kind} synapse, which netx builds for binary "
                       "spikes (--input-as spikes)")


def graded_into_synapse(net: NetxFile, mode: str) -> bool:
    """Whether graded payloads enter the first layer's synapse (a sigma-delta net without input neurons):
    netx's Network is then built with ``input_message_bits`` = 16 (its default 0 would read them as
    binary spikes)."""
    return mode == InputMode.GRADED and not net.has_input_neurons


#: What each mode did, in the report's words.
INPUT_MEANING = {
    InputMode.SPIKES: "0/1 spikes into the first layer (into input neurons as the file's transform weight * s + bias)",
    InputMode.GRADED: "graded payloads (64 = 1.0) into the input neurons as weight * x / 64 + bias",
    InputMode.BIAS: "each sample's values as the input neurons' bias_mant for its window (the file's input bias "
                    "replaced; on Lava as lava.setup.inputs says)",
}
#: How Lava gets ``bias`` inputs: lava-dl's way, or its exact equivalent where the current decays fully.
BIAS_BY_VAR_SET = "bias_mant set with Var.set before every window (lava-dl's netx tests' way)"
BIAS_AS_CURRENT = ("each sample's values sent as the input neurons' current, their bias_mant 0: the current decays "
                   "fully (iDecay 4096), so u is each step's input and adds to v exactly what the bias would")


def check_readout(net: NetxFile, readout: str) -> None:
    """Refuse a readout the output layer cannot give."""
    neuron = net.layers[-1].neuron
    if readout == LavaReadout.VOLTAGE and neuron.graded:
        raise PPFError(f"{net.path}: --readout voltage reads LIF voltages; the output layer's {neuron.type} neurons "
                       "send graded payloads (--readout graded)")
    if readout == LavaReadout.VOLTAGE and not hasattr(neuron, "voltage_decay"):
        raise PPFError(f"{net.path}: --readout voltage reads LIF voltages; the output layer's {neuron.type} neurons "
                       "hold a complex state (--readout counts)")
    if readout == LavaReadout.GRADED and not neuron.graded:
        raise PPFError(f"{net.path}: --readout graded reads graded payloads; the output layer's {neuron.type} neurons "
                       "send 0/1 spikes (--readout counts, or voltage for its voltage)")


def check_values(values: np.ndarray, mode: str, what: str) -> None:
    """The values' own rules per mode (cheap; before the long work)."""
    if mode == InputMode.SPIKES and values.size and (values.min() < 0 or values.max() > 1):
        raise PPFError(f"{what}: spikes must be 0 or 1, got values in [{values.min()}, {values.max()}] "
                       "(--input-as graded or bias for other values)")
    low, high = BIAS_RANGE if mode == InputMode.BIAS else PAYLOAD_RANGE
    if mode != InputMode.SPIKES and values.size and (values.min() < low or values.max() > high):
        raise PPFError(f"{what}: {mode} inputs must lie in [{low}, {high}], got [{values.min()}, {values.max()}]")
    if mode == InputMode.BIAS and values.shape[-1] > 1 and not (values == values[..., :1]).all():
        raise PPFError(f"{what}: --input-as bias holds each sample's values for its whole window; they change "
                       "over the time axis (give (N, *input) or values constant in time)")


def lava_stimulus(net: NetxFile, values: np.ndarray, mode: str) -> Stimulus:
    """:func:`stimulus` as a Lava run delivers it. Bias inputs into neurons whose current decays
    fully go in as that current (one run, no ``Var.set`` per window: ~5x faster); the reference
    keeps computing them as a bias, so the two stay independent."""
    stim = stimulus(net, values, mode)
    if mode != InputMode.BIAS:
        return stim
    if net.layers[0].neuron.current_decay != DECAY_SCALE:
        return replace(stim, delivery=BIAS_BY_VAR_SET)
    return Stimulus(mode, values.astype(np.int32), np.zeros_like(stim.bias), BIAS_AS_CURRENT)


def stimulus(net: NetxFile, values: np.ndarray, mode: str) -> Stimulus:
    """``values`` (N, *input, T) as they enter ``net`` in ``mode`` (module docstring)."""
    if not net.has_input_neurons:
        return Stimulus(mode, values)
    weight, bias = net.layers[0].transform
    if mode == InputMode.BIAS:
        n = len(values)
        return Stimulus(mode, np.zeros((n, *values.shape[1:]), dtype=np.int8),
                        values[..., 0].reshape(n, -1).astype(np.int32))
    scaled = weight * values.astype(np.int64)
    if mode == InputMode.GRADED:
        if (scaled % WEIGHT_SCALE).any():
            raise PPFError(f"{net.path}: graded input x enters the input neurons as weight * x / 64 + bias "
                           f"(weight {weight}); for some x that is not a whole number")
        scaled //= WEIGHT_SCALE
    current = scaled + bias
    if current.size and (current.min() < PAYLOAD_RANGE[0] or current.max() > PAYLOAD_RANGE[1]):
        raise PPFError(f"{net.path}: the input neurons' current weight * x + bias leaves 24 bits")
    return Stimulus(mode, current.astype(np.int32))
