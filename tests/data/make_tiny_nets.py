"""Writes the stored tiny netx files and what lava-dl computes on them (run once; the outputs are checked in).

    python tests/data/make_tiny_nets.py

Each net is built from ``slayer.block.cuba`` blocks and written by lava-dl's own ``export_hdf5``;
``tiny_nets.npz`` holds, per net, the inputs and every layer's spikes per neuron and step from
SLAYER's forward pass (lava-dl's arithmetic, not ppf-neuro's). Tests then check ppf-neuro's netx
reader and fixed-point reference against these without training anything or starting Lava
(``tests/unit/formats/test_stored_nets.py``). Rerunning it rewrites the same bytes for the same lava-dl and torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ppf_neuro.lava_dl import export_blocks, slayer

HERE = Path(__file__).resolve().parent
STEPS = 12
SAMPLES = 4


def neuron(**kw) -> dict:
    """CUBA neuron parameters for a small lava-dl block, ``kw`` changing some."""
    return dict(dict(threshold=1.0, current_decay=0.25, voltage_decay=0.05, tau_grad=1, scale_grad=1,
                     requires_grad=False), **kw)


def _nets() -> dict[str, tuple[list, np.ndarray, str]]:
    """name -> (blocks, inputs, how the inputs enter: netx's input modes)."""
    cuba = slayer.block.cuba
    rng = np.random.default_rng(0)
    dense = [cuba.Dense(neuron(), 40, 20, weight_scale=4, delay_shift=False),
             cuba.Dense(neuron(current_decay=0.5), 20, 12, weight_scale=4, delay_shift=False),
             cuba.Dense(neuron(threshold=0.75), 12, 5, weight_scale=4, delay_shift=False)]
    spikes = (rng.random((SAMPLES, 40, STEPS)) < 0.3).astype(np.int8)
    conv = [cuba.Input(neuron(current_decay=1.0, threshold=1.25), weight=1.0, bias=0.0, delay_shift=False),
            cuba.Conv(neuron(), 1, 4, 3, padding=1, weight_scale=6, delay_shift=False),
            cuba.Conv(neuron(), 4, 4, 3, stride=2, padding=1, weight_scale=6, delay_shift=False), cuba.Flatten(),
            cuba.Dense(neuron(), 4 * 4 * 4, 6, weight_scale=6, delay_shift=False)]
    graded = (2 * np.round(rng.random((SAMPLES, 1, 8, 8)) * 127)).astype(np.int64)  # SLAYER's 8-bit steps x 64
    return {"dense": (dense, spikes, "spikes"), "conv": (conv, graded, "graded")}


def _slayer_input(inputs: np.ndarray, mode: str) -> torch.Tensor:
    if mode == "spikes":
        return torch.from_numpy(inputs).float()
    return torch.from_numpy(inputs).float()[..., None].expand(*inputs.shape, STEPS) / 64  # held values


def main() -> None:
    torch.manual_seed(0)
    arrays = {}
    for name, (blocks, inputs, mode) in _nets().items():
        x = _slayer_input(inputs, mode)
        export_blocks(blocks, x, HERE / f"tiny_{name}.h5")
        layers = []
        with torch.no_grad():
            for block in blocks:
                x = block(x)
                if not isinstance(block, slayer.block.cuba.Flatten):
                    layers.append(x.reshape(len(x), -1, STEPS).numpy().astype(np.int8))
        arrays[f"{name}/inputs"] = inputs
        arrays[f"{name}/mode"] = np.array(mode)
        for i, spikes in enumerate(layers):
            assert 0 < spikes.sum() < spikes.size, f"{name} layer {i}: silent or saturated proves nothing"
            arrays[f"{name}/layer{i}"] = spikes
    np.savez_compressed(HERE / "tiny_nets.npz", **arrays)
    print("wrote", ", ".join(sorted({k.split('/')[0] for k in arrays})), "to", HERE)


if __name__ == "__main__":
    main()
