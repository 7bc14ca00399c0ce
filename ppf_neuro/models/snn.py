"""The spiking branch: a stack of lava-dl SLAYER CUBA blocks built from :class:`SNNConfig`.

Why these choices make the exported net faithful on Loihi-style hardware:

* CUBA blocks quantise weights on the way into every forward pass
  (``pre_hook_fx = neuron.quantize_8bit``): training already sees the 8-bit
  weights that ``export_hdf5`` writes as integers, so nothing is rounded later.
* On the CPU SLAYER integrates current and voltage in 12-bit fixed point with
  round-toward-zero decays and a threshold nudged by ``threshold_eps`` to mimic
  Loihi's strict ``v > vth``: the same integer arithmetic as Lava's
  ``fixed_pt`` LIF model, so spikes can agree exactly, not just on average.
* ``delay_shift=False``: each sample is an independent window of ``steps``
  steps in which every layer sees its whole input. On Lava each Dense stage
  adds one step of latency; the deployment staggers the per-layer resets by
  the same one step per layer (netx does this), so every layer still sees the
  same window it saw in training, with no spikes cut off at the window's end.
* Strided convolutions instead of pooling: netx cannot deploy pool blocks.
"""

from __future__ import annotations

import math

import h5py
import numpy as np
import torch

from ppf_neuro.config import SNNConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.loihi_units import conv_output_shape, conv_output_size
from ppf_neuro.formats.netx import (
    ConvLayer,
    CubaNeuron,
    DenseLayer,
    NetxLayer,
    write_input_shape,
)
from ppf_neuro.lava_dl import slayer


class SpikingNet(torch.nn.Module):
    """Spikes (N, C, H, W, T) -> output spikes (N, classes, T).

    Args:
        cfg: the branch's configuration.
        input_shape: (C, H, W) of one image.
        num_classes: output neurons; None ends the net at its last hidden
            layer (the serial model's feature extractor).
    """

    def __init__(self, cfg: SNNConfig, input_shape: tuple[int, int, int], num_classes: int | None):
        super().__init__()
        self.cfg = cfg
        self.input_shape = tuple(input_shape)
        neuron = dict(
            threshold=cfg.threshold,
            current_decay=cfg.current_decay,
            voltage_decay=cfg.voltage_decay,
            tau_grad=cfg.tau_grad,
            scale_grad=cfg.scale_grad,
            requires_grad=False,
        )
        hidden_neuron = dict(neuron, dropout=slayer.neuron.Dropout(p=cfg.dropout)) if cfg.dropout else neuron
        common = dict(weight_scale=cfg.weight_scale, weight_norm=False, delay_shift=False)
        blocks: list[torch.nn.Module] = []
        channels, height, width = self.input_shape
        for conv in cfg.conv:
            blocks.append(
                slayer.block.cuba.Conv(
                    hidden_neuron, channels, conv.channels, conv.kernel,
                    stride=conv.stride, padding=conv.padding, **common,
                )
            )
            channels = conv.channels
            out = tuple(conv_output_size(n, conv.kernel, conv.stride, conv.padding) for n in (height, width))
            if min(out) < 1:
                raise PPFError(f"snn.conv[{len(blocks) - 1}]: a {conv.kernel}x{conv.kernel} kernel (stride "
                               f"{conv.stride}, padding {conv.padding}) does not fit a {height}x{width} input")
            height, width = out
        if cfg.conv:
            blocks.append(slayer.block.cuba.Flatten())
        features = channels * height * width
        for size in cfg.hidden:
            blocks.append(slayer.block.cuba.Dense(hidden_neuron, features, size, **common))
            features = size
        if num_classes is not None:
            blocks.append(slayer.block.cuba.Dense(neuron, features, num_classes, **common))
        self.blocks = torch.nn.ModuleList(blocks)
        self.num_classes = num_classes

    @property
    def spiking_layers(self) -> list[torch.nn.Module]:
        """The blocks with neurons, in order (what Lava runs as layers)."""
        return [b for b in self.blocks if not isinstance(b, slayer.block.cuba.Flatten)]

    def forward_layers(self, spikes: torch.Tensor) -> list[torch.Tensor]:
        """Output spikes of every spiking layer, each (N, *layer_shape, T)."""
        if tuple(spikes.shape[1:-1]) != self.input_shape:
            raise ValueError(
                f"SpikingNet expects spikes shaped (N, {', '.join(map(str, self.input_shape))}, T), "
                f"got {tuple(spikes.shape)}"
            )
        x = spikes if self.cfg.conv else spikes.flatten(1, -2)
        outputs = []
        for block in self.blocks:
            x = block(x)
            if not isinstance(block, slayer.block.cuba.Flatten):
                outputs.append(x)
        return outputs

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        return self.forward_layers(spikes)[-1]

    def layer_inputs(self, spikes: torch.Tensor) -> list[torch.Tensor]:
        """The spikes each spiking layer receives (after any flatten), each (N, *in_shape, T)."""
        x = spikes if self.cfg.conv else spikes.flatten(1, -2)
        inputs = []
        for block in self.blocks:
            if not isinstance(block, slayer.block.cuba.Flatten):
                inputs.append(x)
            x = block(x)
        return inputs

    def export_hdf5(self, group: h5py.Group) -> None:
        """Write the network in lava-dl's netx layout (``group`` becomes the ``layer`` group).

        A convolutional net starts with an ``input`` entry carrying the input
        shape, which netx needs to lay out the first convolution.
        """
        self._set_block_shapes()
        index = 0
        if self.cfg.conv:
            write_input_shape(group, index, self.input_shape)
            index += 1
        for block in self.blocks:
            block.export_hdf5(group.create_group(str(index)))
            index += 1

    def _set_block_shapes(self) -> None:
        """SLAYER blocks learn their shapes in forward; one dummy step sets them for export."""
        with torch.no_grad():
            was_training = self.training
            self.eval()
            self.forward_layers(torch.zeros(1, *self.input_shape, 1))
            self.train(was_training)

    def netx_layers(self) -> list[NetxLayer]:
        """What the trained blocks hold, as netx records: the 8-bit integer weights SLAYER trains with
        (``pre_hook_fx(w, descale=True)``), the neurons' ``device_params`` and the conv geometry.

        The exporter checks the written file against these, and deployment runs them in integer
        arithmetic as its reference; both read the PyTorch modules, not the file."""
        shape = tuple(self.input_shape) if self.cfg.conv else (math.prod(self.input_shape),)
        layers: list[NetxLayer] = []
        for i, block in enumerate(self.spiking_layers):
            raw = block.synapse.pre_hook_fx(block.synapse.weight, descale=True).detach().numpy()
            if not np.array_equal(raw, np.round(raw)):
                raise PPFError(f"layer {i}: the quantised weights are not integers")
            weight, params = raw.astype(np.int64), block.neuron.device_params
            neuron = CubaNeuron.from_params(params["type"], params, f"trained layer {i}")
            if weight.shape[2:] == (1, 1, 1):  # dense: reads the layer before flattened
                shape = (math.prod(shape),)
                layers.append(DenseLayer(index=i, shape=(weight.shape[0],), in_shape=shape, neuron=neuron,
                                         weight=weight.reshape(weight.shape[0], -1)))
            else:
                syn = block.synapse
                geometry = {k: tuple(int(v) for v in getattr(syn, k)[:2]) for k in ("stride", "padding", "dilation")}
                out = conv_output_shape(shape, weight.shape, geometry["stride"], geometry["padding"],
                                        geometry["dilation"])
                layers.append(ConvLayer(index=i, shape=out, in_shape=shape, neuron=neuron, weight=weight[..., 0],
                                        groups=int(syn.groups), **geometry))
            shape = layers[-1].shape
        return layers

    def layer_sizes(self) -> list[int]:
        """Neurons per spiking layer."""
        with torch.no_grad():
            outs = self.forward_layers(torch.zeros(1, *self.input_shape, 1))
        return [math.prod(o.shape[1:-1]) for o in outs]
