"""lava-dl's netx HDF5 network format: typed records (``neurons``, ``layers``), reading (``reader``), writing
(``writer``) and the read-back check (``verify``), a module each; their public names are re-exported here.

A netx file (lava-dl's ``export_hdf5``, a ppf-neuro bundle's ``/layer`` group, or ``import-nir``'s
output) holds groups ``/layer/0 .. L-1``, each with a ``type``. The reader turns them into the
layers netx would build, in PyTorch's (C, H, W) order:

* :class:`InputLayer`: netx's input neuron layer (no synapse; its neurons take ``weight * x + bias``
  of the input transform);
* :class:`DenseLayer`, :class:`ConvLayer` (stride, padding, dilation, groups), each with an
  optional per-neuron ``bias``;
* neurons as :class:`CubaNeuron` (netx's ``CUBA`` and ``LOIHI``), :class:`SigmaDeltaNeuron` (``SDNN``) or
  :class:`ResonateNeuron` (the resonate-and-fire kinds); the table :data:`NEURON_READERS` is where the next
  kinds go.

A ``flatten`` entry changes the shape only, and an ``input`` entry without neurons only gives the
shape; neither is a layer. Everything else netx cannot build, or builds otherwise than the file says
(pool, convT, unpool, average, concat, ALIF neurons, conv delays, weights beyond 8 bits), is refused
before anything runs, naming the layer.

File conventions (lava-dl's exporters; netx's ``hdf5.py`` reads them the same way): shapes are
(C, H, W); dense weights (out, in); conv weights (out, in/groups, kh, kw) as a PyTorch
cross-correlation kernel, geometry in (H, W) order; integers in the units of
:mod:`ppf_neuro.formats.loihi_units`; a layer's ``bias`` is its neurons' ``bias_mant``, stored as
a scalar, one per channel, or one per neuron in netx's (W, H, C) order.

This module reads and writes files only (h5py and numpy): nothing here runs a network.
"""

from ppf_neuro.formats.netx.layers import LAYER_GROUP, ConvLayer, DenseLayer, Entry, Flatten, InputLayer, InputShape
from ppf_neuro.formats.netx.layers import NetxFile, NetxLayer
from ppf_neuro.formats.netx.neurons import NEURON_READERS, NEURON_TYPES, UNSUPPORTED_NEURONS, CubaNeuron, Neuron
from ppf_neuro.formats.netx.neurons import ResonateNeuron, SigmaDeltaNeuron
from ppf_neuro.formats.netx.reader import LAYER_READERS, MAX_DELAY, NIR_IMPORT_GROUP, UNSUPPORTED_LAYERS
from ppf_neuro.formats.netx.reader import load_netx_file, parse_netx_group, read_netx
from ppf_neuro.formats.netx.verify import verify_layers
from ppf_neuro.formats.netx.writer import write_input_shape, write_layer_group, write_netx_file

__all__ = ["LAYER_GROUP", "ConvLayer", "DenseLayer", "Entry", "Flatten", "InputLayer", "InputShape", "NetxFile",
           "NetxLayer", "NEURON_READERS", "NEURON_TYPES", "UNSUPPORTED_NEURONS", "CubaNeuron", "Neuron",
           "ResonateNeuron", "SigmaDeltaNeuron", "LAYER_READERS", "MAX_DELAY", "NIR_IMPORT_GROUP",
           "UNSUPPORTED_LAYERS", "load_netx_file", "parse_netx_group", "read_netx", "verify_layers",
           "write_input_shape", "write_layer_group", "write_netx_file"]
