"""netx's layers and the parsed network as typed records (CHW order), and what a file holds in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Union

import numpy as np

from ppf_neuro.formats.loihi_units import WEIGHT_SCALE
from ppf_neuro.formats.netx.neurons import Neuron, ResonateNeuron

#: The group that holds the layers, in a netx file and in a bundle.
LAYER_GROUP = "layer"


@dataclass(frozen=True, kw_only=True)
class _NeuronLayer:
    """What every layer with neurons has: its index in the file, output shape (CHW or (n,)), the
    shape it reads, its neurons and their optional per-neuron bias (CHW order)."""

    index: int
    shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    neuron: Neuron
    bias: np.ndarray | None = None

    @property
    def neurons(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True, kw_only=True)
class InputLayer(_NeuronLayer):
    """netx's input neuron layer: no synapse, the neurons receive ``transform`` = (weight, bias)
    applied to each input value."""

    kind: ClassVar[str] = "input"
    transform: tuple[int, int] = (WEIGHT_SCALE, 0)


@dataclass(frozen=True, kw_only=True)
class DenseLayer(_NeuronLayer):
    """A fully connected synapse (weights (out, in)) and its neurons; optionally synaptic delays and
    recurrent weights, which make a layer's spikes cross its window's reset (:attr:`NetxFile.carries`)."""

    kind: ClassVar[str] = "dense"
    weight: np.ndarray
    #: per-synapse delays (out, in) in steps beyond the synapse's own one, as netx expands the file's
    #: ``delay`` (one per output neuron, one per input, or a scalar); None where there are none (or all zero)
    delay: np.ndarray | None = None
    #: recurrent weights (out, out) of a ``dense_rec`` layer: its own spikes, one step later
    weight_rec: np.ndarray | None = None
    #: the imaginary part of a resonate-and-fire layer's complex weights (``weight`` is the real part)
    weight_imag: np.ndarray | None = None


@dataclass(frozen=True, kw_only=True)
class ConvLayer(_NeuronLayer):
    """A 2-D convolution (weights (out, in/groups, kh, kw), geometry in (H, W) order) and its neurons."""

    kind: ClassVar[str] = "conv"
    weight: np.ndarray
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1


NetxLayer = Union[InputLayer, DenseLayer, ConvLayer]


@dataclass(frozen=True)
class InputShape:
    """An ``input`` entry without neurons: it only states the input shape (CHW)."""

    shape: tuple[int, ...]


@dataclass(frozen=True)
class Flatten:
    """A ``flatten`` entry: the next layer reads the previous one's neurons as a vector."""


#: What a file holds, in order: what :func:`write_netx_file` takes.
Entry = Union[InputShape, Flatten, InputLayer, DenseLayer, ConvLayer]


@dataclass(frozen=True)
class NetxFile:
    """A parsed network: its input shape and its layers with neurons, in order. ``path``: the file it
    was read from; None for layers taken from a model in memory (the trained model's integer
    reference), which no file holds."""

    path: Path | None
    input_shape: tuple[int, ...]
    layers: list[NetxLayer]
    #: Time steps per sample the file names (netx's ``/simulation/tSample``), if any.
    steps: int | None = None
    #: Whether the file states its input shape (an ``input`` entry, or a dense first layer); False for a
    #: conv-first file (lava-dl's ``export_hdf5`` writes no input entry for one), whose shape was given
    #: from outside and which netx must be told too (``input_shape=``).
    declares_input: bool = True
    #: Where ``import-nir`` wrote the file: its ``/nir_import`` attributes (the per-layer quantisation
    #: errors under ``quantisation``); None for any other file.
    nir_import: dict | None = None

    @property
    def has_input_neurons(self) -> bool:
        return isinstance(self.layers[0], InputLayer)

    @property
    def carries(self) -> bool:
        """Whether spikes or states cross a window's start into the next sample (synaptic delays,
        recurrent weights, resonate-and-fire neurons, which are never reset): the samples then run as
        one stream, as on netx's own network."""
        return self.resonates or any(getattr(layer, "delay", None) is not None
                                     or getattr(layer, "weight_rec", None) is not None for layer in self.layers)

    @property
    def resonates(self) -> bool:
        """Whether a layer has resonate-and-fire neurons (netx gives them no resets: they run free)."""
        return any(isinstance(layer.neuron, ResonateNeuron) for layer in self.layers)

    @property
    def sigma_delta(self) -> bool:
        """Whether the network is a sigma-delta one (graded messages, free-running)."""
        return self.layers[0].neuron.graded
