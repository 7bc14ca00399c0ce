"""Writes small lava-dl nets of the netx families beyond plain CUBA dense/conv, and netx's own Lava run of each
(run once; the outputs are checked in as the tests' ground truth).

    python tests/data/make_family_nets.py

Each net is built from ``slayer.block`` classes and written by lava-dl's own ``export_hdf5``; each is run by
netx's own ``hdf5.Network`` on Lava, fed from a RingBuffer into its input port, with a RingBuffer sink on
every layer, for N*T + layers + 1 steps with ``reset_interval=T`` and ``reset_offset=1`` (the schedule a
deployment uses for a net whose first layer is a synapse). ``family_nets.npz`` holds per net the input
spikes and every layer's output at every Lava step (steps, neurons), in (C, H, W) neuron order. Nothing of
ppf-neuro runs here: ``tests/unit/deployment/test_families.py`` deploys the files and compares every step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from make_tiny_nets import neuron as _neuron  # noqa: E402 - this folder is the script's own (sys.path[0])

from ppf_neuro.lava_dl import export_blocks, slayer

HERE = Path(__file__).resolve().parent
STEPS = 10
SAMPLES = 6



SDNN = dict(threshold=0.05, tau_grad=0.5, scale_grad=1, requires_grad=False, shared_param=True,
            activation=torch.nn.functional.relu)
RF = dict(threshold=1.0, period=7, decay=0.1, tau_grad=1, scale_grad=1, requires_grad=False)
ADRF = dict(RF, threshold_step=0.5, threshold_decay=0.1, refractory_decay=0.1)
#: Per net, its input shape (C, H, W) or (inputs,); 24 spiking inputs unless named here.
SHAPES = {"conv_first": (1, 6, 6)}


def _delayed(block, inputs: int = 24):
    """``block`` with the axonal delays training would have moved: 0-3 steps per neuron (lava-dl sizes
    the delays in the first forward pass)."""
    with torch.no_grad():
        block(torch.zeros(1, inputs, 2))
        block.delay.delay.copy_(torch.arange(block.delay.delay.numel()).reshape(block.delay.delay.shape) % 4)
    return block


def _nets() -> dict[str, list]:
    """name -> lava-dl blocks, 5 outputs."""
    cuba = slayer.block.cuba
    return {
        # lava-dl's export writes no input entry for a net that starts with a convolution
        "conv_first": [cuba.Conv(_neuron(), 1, 3, 3, padding=1, weight_scale=6, delay_shift=False), cuba.Flatten(),
                       cuba.Dense(_neuron(), 3 * 6 * 6, 5, weight_scale=4, delay_shift=False)],
        # lava-dl's delay=True blocks start with all-zero (learnable) axonal delays
        "zero_delay": [cuba.Dense(_neuron(), 24, 16, weight_scale=4, delay=True, delay_shift=False),
                       cuba.Dense(_neuron(current_decay=0.5), 16, 5, weight_scale=4, delay_shift=False)],
        # a sigma-delta net whose first block is a Dense (no Input block): graded payloads into its synapse
        "sdnn_dense_first": [slayer.block.sigma_delta.Dense(SDNN, 24, 16, weight_scale=2),
                             slayer.block.sigma_delta.Output(SDNN, 16, 5, weight_scale=2)],
        # spikes that cross a window's reset: trained axonal delays, a recurrent layer
        "delay": [_delayed(cuba.Dense(_neuron(), 24, 16, weight_scale=4, delay=True, delay_shift=False)),
                  cuba.Dense(_neuron(current_decay=0.5), 16, 5, weight_scale=4, delay_shift=False)],
        "recurrent": [cuba.Recurrent(_neuron(), 24, 16, weight_scale=4, delay_shift=False),
                      cuba.Dense(_neuron(), 16, 5, weight_scale=4, delay_shift=False)],
        # resonate-and-fire: complex dense weights, never reset; netx drops the ADRF's adaptive threshold
        "rf": [slayer.block.rf.Dense(RF, 24, 16, weight_scale=4, delay_shift=False),
               slayer.block.rf.Dense(RF, 16, 5, weight_scale=4, delay_shift=False)],
        "rf_iz": [slayer.block.rf_iz.Dense(RF, 24, 16, weight_scale=4, delay_shift=False),
                  slayer.block.rf_iz.Dense(RF, 16, 5, weight_scale=4, delay_shift=False)],
        "adrf": [slayer.block.adrf.Dense(ADRF, 24, 16, weight_scale=4, delay_shift=False),
                 slayer.block.adrf.Dense(ADRF, 16, 5, weight_scale=4, delay_shift=False)],
        "graded_spike": [cuba.Dense(_neuron(graded_spike=True), 24, 16, weight_scale=4, delay_shift=False),
                         cuba.Dense(_neuron(threshold=0.75), 16, 5, weight_scale=4, delay_shift=False)],
    }


def _chw_rows(series: np.ndarray) -> np.ndarray:
    """(steps, *netx's (W, H, C) shape) -> (steps, neurons) in (C, H, W) order."""
    return (series.transpose(0, 3, 2, 1) if series.ndim == 4 else series).reshape(len(series), -1)


def netx_run(path: Path, spikes: np.ndarray, graded: bool = False) -> list[np.ndarray]:
    """``spikes`` (N, *input, T) through netx's own network: every layer's output at every Lava step;
    ``graded``: graded payloads into a sigma-delta net (16 message bits, no resets: netx ignores them)."""
    from lava.lib.dl import netx
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc import io

    n, steps = spikes.shape[0], spikes.shape[-1]
    shape = {"input_shape": spikes.shape[1:-1][::-1]} if spikes.ndim == 5 else {}  # netx's (W, H, C)
    timing = {"input_message_bits": 16} if graded else {"reset_interval": steps, "reset_offset": 1}
    network = netx.hdf5.Network(net_config=str(path), **timing, **shape)
    total = n * steps + len(network.layers) + 1
    whc = spikes.transpose(0, 3, 2, 1, 4) if spikes.ndim == 5 else spikes  # (N, W, H, C, T)
    stream = np.zeros((*whc.shape[1:-1], total), dtype=np.int32)
    stream[..., : n * steps] = np.moveaxis(whc, 0, -2).reshape(*whc.shape[1:-1], n * steps)
    io.source.RingBuffer(data=stream).s_out.connect(network.inp)
    sinks = []
    for layer in network.layers:
        sinks.append(io.sink.RingBuffer(shape=layer.out.shape, buffer=total))
        layer.out.connect(sinks[-1].a_in)
    try:
        network.run(condition=RunSteps(num_steps=total), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        return [_chw_rows(np.moveaxis(s.data.get(), -1, 0)).astype(np.int32 if graded else np.int8) for s in sinks]
    finally:
        network.stop()


def main() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    arrays = {}
    for name, blocks in _nets().items():
        graded = name.startswith("sdnn")
        spikes = (rng.random((SAMPLES, *SHAPES.get(name, (24,)), STEPS)) < 0.4).astype(np.int8)
        if graded:  # payloads, 64 = 1.0, that drift from step to step
            spikes = np.round(rng.random(spikes.shape) * 64 * np.linspace(0.5, 1.5, STEPS)).astype(np.int32)
        path = export_blocks(blocks, torch.from_numpy(spikes).float() / (64 if graded else 1), HERE / f"family_{name}.net")
        arrays[f"{name}/inputs"] = spikes
        for i, out in enumerate(netx_run(path, spikes, graded)):
            arrays[f"{name}/layer{i}"] = out
    np.savez_compressed(HERE / "family_nets.npz", **arrays)


if __name__ == "__main__":
    main()
