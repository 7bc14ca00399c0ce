"""Loihi's fixed-point conventions as lava-dl's netx files use them, named once.

Every integer in a netx file is in these units: weights, thresholds (``vThMant``) and biases are
mantissas whose exponent is :data:`WEIGHT_EXP` (so SLAYER's float 1.0 is 64); decays are 12-bit
fractions of :data:`DECAY_SCALE`; a compartment state is a 24-bit signed integer.
"""

from __future__ import annotations

#: netx's weight and threshold exponent: state = mantissa << WEIGHT_EXP (lava-dl's ``w_scale`` 64).
WEIGHT_EXP = 6
WEIGHT_SCALE = 1 << WEIGHT_EXP
#: Decays are ``DECAY_BITS``-bit fractions: x decays to x * (DECAY_SCALE - decay) / DECAY_SCALE.
DECAY_BITS = 12
DECAY_SCALE = 1 << DECAY_BITS
#: The largest weight magnitude the NIR import writes into 8 signed bits (the same on both signs), and
#: the largest weight netx's ``optimize_weight_bits`` keeps where some weights are negative.
WEIGHT_MAX = 254
#: The weights netx maps onto Loihi's 8-bit synapses unclipped (``netx.utils.optimize_weight_bits``).
WEIGHT_RANGE = (-256, 255)
#: The largest threshold mantissa (``vThMant``) Loihi holds: 17 bits.
THRESHOLD_MAX = (1 << 17) - 1
#: Loihi's compartment state (current u, voltage v) is a 24-bit signed integer.
STATE_BITS = 24
STATE_MAX = 1 << (STATE_BITS - 1)
#: Lava's ``bias_mant`` is a signed 13-bit register.
BIAS_BITS = 13
BIAS_RANGE = (-(1 << (BIAS_BITS - 1)), (1 << (BIAS_BITS - 1)) - 1)
#: Lava's neuron input ports carry signed integers of the state's width.
PAYLOAD_RANGE = (-STATE_MAX, STATE_MAX - 1)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """One spatial output size of a convolution, as PyTorch, SLAYER and Lava compute it."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_output_shape(in_chw: tuple[int, ...], weight_shape: tuple[int, ...], stride: tuple[int, int],
                      padding: tuple[int, int], dilation: tuple[int, int]) -> tuple[int, int, int]:
    """(C_out, H, W) of a convolution of a (C, H, W) input with a (C_out, C_in/groups, kh, kw) kernel."""
    return (int(weight_shape[0]), *(conv_output_size(n, k, s, p, d) for n, k, s, p, d in
                                    zip(in_chw[1:], weight_shape[2:4], stride, padding, dilation)))
