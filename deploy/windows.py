"""Sample windows of a netx network in Lava time, the key to exactness: what Lava, the references and the
report all count by (no Lava code here).

Sample k's input enters at input steps [k*T, (k+1)*T). Every Dense/Conv synapse delays by
one step, so layer i sees them at Lava steps ``i+2+k*T ... i+1+(k+1)*T`` (Lava time starts
at 1), and netx, given ``reset_interval=T, reset_offset=1``, resets layer i at exactly the
first of those steps (``t % T == (i + 2) % T``): every layer sees each sample in a fresh
window of T steps, as in training. Layer i's counts for sample k are the sum over that
window. A network that starts with netx's input neuron layer (no synapse, so no delay) is
fed at its neurons and starts one step earlier (``reset_offset=0``): netx leaves that
layer's input port unconnected (lava-dl issue #298), so the source drives its neurons'
``a_in`` directly with the file's input transform ``weight * spike + bias`` applied.

Which steps count (``--timing``, ``ppf_neuro.choices.Timing``): ``aligned`` counts every step of
every layer's window, which is what SLAYER computes with ``delay_shift=False`` (and ppf-neuro's own
bundles). With lava-dl's default ``delay_shift=True`` every block's output is shifted one step
later inside the sample's T steps, so block i (0-based) outputs what the aligned layer i computes
in its window steps ``0 ... T-2-i``, and its last ``i+1`` steps fall off the window's end (the
effect of the sample's last input steps never reaches the output). The Lava run is the same; the
``delay-shift`` timing counts layer i over its window's first ``T-1-i`` steps, which reproduces
SLAYER's outputs spike for spike (measured: every step of every layer on 397 digits, a 64-64-10
net trained with lava-dl's defaults) as long as the layers after the first have no bias (SLAYER
runs layer i's bias for i steps before its input arrives, which no reset schedule on Lava gives).

Layout: netx lays a 3-D layer out in (W, H, C) order; ppf-neuro's arrays are (C, H, W).
"""

from __future__ import annotations

import numpy as np

from ppf_neuro.choices import Timing
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import NetxFile


def first_step(net: NetxFile) -> int:
    """The Lava step at which layer 0 sees a run's first input step: 2 after a synapse, 1 for
    an input neuron layer."""
    return 1 if net.has_input_neurons else 2


def window_start(net: NetxFile, layer: int) -> int:
    """The Lava step that is step 0 of sample 0's window for layer ``layer`` (sample k's: k*T later)."""
    return first_step(net) + layer


#: What each timing counts, in the report's words (``ppf_neuro.choices.Timing``).
TIMING_MEANING = {
    Timing.ALIGNED: "every step of every layer's window counts: SLAYER with delay_shift=False",
    Timing.DELAY_SHIFT: "layer i counts the first T-1-i steps of its window: what SLAYER's blocks output with "
                        "lava-dl's default delay_shift=True (each block one step later, the rest falls off the window)",
}


def counted_steps(net: NetxFile, layer: int, steps: int, timing: str) -> int:
    """How many of the first steps of each of layer ``layer``'s T-step windows count (module docstring)."""
    return steps if timing == Timing.ALIGNED else steps - 1 - layer


def window_counts(raster: np.ndarray, net: NetxFile, layer: int, timing: str) -> np.ndarray:
    """Per sample and neuron, the events of layer ``layer``'s windows (N, neurons, T) over the steps
    ``timing`` counts (:func:`counted_steps`)."""
    return (raster[..., :counted_steps(net, layer, raster.shape[-1], timing)] != 0).sum(-1, dtype=np.int64)


def check_timing(net: NetxFile, steps: int | None, timing: str) -> None:
    """A timing the network can be deployed with: ``delay-shift`` needs windows longer than the
    layers (every layer keeps a step) and a windowed (CUBA) network."""
    if timing == Timing.ALIGNED:
        return
    if net.sigma_delta or net.carries:
        raise PPFError(f"{net.path}: --timing {timing} counts steps of independent sample windows; this network runs "
                       "its samples as one stream (compare its outputs step by step with --record lava)")
    if steps is not None and steps <= len(net.layers):
        raise PPFError(f"{net.path}: --timing {timing} counts layer i over the first T-1-i steps of its window, "
                       f"so T must exceed the {len(net.layers)} layers; the windows have {steps} steps")


def biased_after_first(net: NetxFile) -> list[int]:
    """File indices of layers after the first with a nonzero bias (``delay-shift`` is not exact there)."""
    return [layer.index for layer in net.layers[1:] if layer.bias is not None and np.any(layer.bias)]


def steps_before_window(net: NetxFile, layer: int) -> int:
    """Lava steps layer ``layer`` runs before its first window begins (Lava time starts at 1). A
    windowed (CUBA) layer is reset at its window's start, so they leave no trace; a free-running
    sigma-delta layer's biases act in them from Lava's first step (its activation ReLU(bias)
    travels down the net ahead of the inputs)."""
    return window_start(net, layer) - 1


def windows_of(series: np.ndarray, net: NetxFile, layer: int, samples: int, steps: int) -> np.ndarray:
    """Layer ``layer``'s Lava-time recording (Lava steps from 1, neurons) cut into its sample windows:
    (samples, neurons, steps)."""
    begin = steps_before_window(net, layer)  # the row of its window's first step
    return series[begin: begin + samples * steps].reshape(samples, steps, -1).transpose(0, 2, 1)
