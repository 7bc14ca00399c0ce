"""The references against the Lava stage, side by side in one run: a long sequence and a big batch.

Two workloads of the deploy command's checks, each run through the fixed-point reference rebuilt
from the file (``ppf_neuro.deployment.references.netx_fixed_point``, layer by layer over the whole window), the same arithmetic
stepped in a Python loop over steps and layers (the shape of the previous version, kept here
only as a baseline), SLAYER's own forward of the lava-dl net, and the Lava stage (netx's own
``Network`` for one sample; replicas for many); per-neuron counts are asserted identical:

* ``oxford``: lava-dl's Oxford tutorial shape, 200 -> 256 -> 200 CUBA neurons, one sample of
  2,000 steps (random weights and 5 % random input spikes, seed 0);
* ``batch``: 784 -> 256 -> 10, 16 steps, 2,000 samples of random 10 % spikes.

    python benchmarks/reference_speed.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import torch

from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN, _decay
from ppf_neuro.deployment.backends.lava import LavaMode, run_on_lava
from ppf_neuro.formats.loihi_units import STATE_MAX, WEIGHT_EXP
from ppf_neuro.formats.netx import load_netx_file
from ppf_neuro.lava_dl import slayer

WORKLOADS = {"oxford": ((200, 256, 200), 2000, 1, 0.05), "batch": ((784, 256, 10), 16, 2000, 0.10)}


def _lava_dl_net(sizes: tuple[int, ...], path: Path) -> torch.nn.Module:
    """A CUBA net built and exported by lava-dl itself (the Oxford tutorial's neuron parameters)."""
    torch.manual_seed(0)
    neuron = {"threshold": 0.1, "current_decay": 1, "voltage_decay": 0.1, "requires_grad": False}
    blocks = torch.nn.ModuleList(slayer.block.cuba.Dense(neuron, a, b, weight_scale=2, delay_shift=False)
                                 for a, b in zip(sizes[:-1], sizes[1:]))
    with torch.no_grad():  # SLAYER blocks learn their shapes in a forward pass
        x = torch.zeros(1, sizes[0], 1)
        for block in blocks:
            x = block(x)
    with h5py.File(path, "w") as f:
        layers = f.create_group("layer")
        for i, block in enumerate(blocks):
            block.export_hdf5(layers.create_group(str(i)))
    return blocks


def _per_step_baseline(net, spikes: np.ndarray) -> list[np.ndarray]:
    """The same arithmetic, every layer at every step in a Python loop (counts per layer); dense
    layers without bias, as these nets are."""
    x = torch.from_numpy(spikes).long()
    n, steps = x.shape[0], x.shape[-1]
    states = [(torch.zeros(n, layer.neurons, dtype=torch.long),) * 2 for layer in net.layers]
    counts = [torch.zeros(n, layer.neurons, dtype=torch.long) for layer in net.layers]
    for t in range(steps):
        s = x[..., t]
        for i, layer in enumerate(net.layers):
            u, v = states[i]
            a = torch.round(s.reshape(n, -1).double() @ torch.from_numpy(layer.weight).double().T).long()
            u = _decay(u, layer.neuron.current_decay) + (a << WEIGHT_EXP)
            u = torch.where(u > STATE_MAX, u - 2 * STATE_MAX, torch.where(u <= -STATE_MAX, u + 2 * STATE_MAX, u))
            v = (_decay(v, layer.neuron.voltage_decay) + u).clamp(-STATE_MAX + 1, STATE_MAX - 1)
            fired = v > layer.neuron.threshold_state
            states[i] = (u, torch.where(fired, torch.zeros_like(v), v))
            counts[i] += fired
            s = fired.long()
    return [c.numpy() for c in counts]


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_workload(name: str, tmp: Path) -> list[tuple[str, float]]:
    sizes, steps, samples, rate = WORKLOADS[name]
    blocks = _lava_dl_net(sizes, tmp / f"{name}.h5")
    net = load_netx_file(tmp / f"{name}.h5")
    spikes = (np.random.default_rng(0).random((samples, sizes[0], steps)) < rate).astype(np.int8)
    rebuilt, t_rebuilt = _timed(lambda: FixedPointSNN(net).counts(spikes)[0])
    baseline, t_baseline = _timed(lambda: _per_step_baseline(net, spikes))

    def slayer_counts():
        with torch.no_grad():
            x, out = torch.from_numpy(spikes).float(), []
            for block in blocks:
                x = block(x)
                out.append(x.sum(-1).long().numpy())
        return out

    slayer_out, t_slayer = _timed(slayer_counts)
    mode = LavaMode(replicas=1) if samples == 1 else LavaMode()
    lava, t_lava = _timed(lambda: run_on_lava(net, spikes, mode, progress=False))
    for what, counts in (("per-step baseline", baseline), ("SLAYER", slayer_out), ("Lava", lava.counts.layers)):
        assert all(np.array_equal(a, b) for a, b in zip(rebuilt, counts)), f"{name}: {what} counts differ"
    assert sum(int(c.sum()) for c in rebuilt) > 0, "a silent network proves nothing"
    return [("fixed-point reference, layer by layer (now)", t_rebuilt),
            ("same arithmetic, Python loop over steps and layers", t_baseline),
            ("SLAYER forward of the lava-dl net", t_slayer),
            (f"Lava stage ({'netx Network' if samples == 1 else f'{lava.setup.replicas} replicas'})", t_lava)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.workloads:
            sizes, steps, samples, _ = WORKLOADS[name]
            rows = run_workload(name, Path(tmp))
            lava = rows[-1][1]
            print(f"\n{name}: {'-'.join(map(str, sizes))}, {samples} sample(s) x {steps} steps; "
                  "counts identical in every layer on every path")
            print(f"| {'path':<52} | seconds | vs Lava stage |\n|{'-' * 54}|---------|---------------|")
            for label, seconds in rows:
                print(f"| {label:<52} | {seconds:7.2f} | {seconds / lava:12.3f}x |")


if __name__ == "__main__":
    main()
