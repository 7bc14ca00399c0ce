"""Deployment throughput: Lava (one run, and sharded), the quantum branch and the fuser,
against SLAYER inference of the same net on the same spikes, side by side in one run.

    python benchmarks/deployment_throughput.py MODEL.h5 --data idx:../shared/datasets/mnist-10k --samples 2000 --workers 2 3
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from deploy.bundle import load_bundle
from deploy.fuser import Fuser
from deploy.lava_runner import run_on_lava, run_on_lava_sharded
from deploy.quantum_runner import run_quantum
from deploy.torch_reference import run_on_torch
from ppf_neuro.config import DataConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.readout import spike_logits


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child (MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle")
    p.add_argument("--data", default="digits")
    p.add_argument("--samples", type=int, default=500)
    p.add_argument("--workers", type=int, nargs="*", default=[2])
    args = p.parse_args()

    bundle = load_bundle(args.bundle)
    cfg = bundle.config
    data = load_dataset(DataConfig(args.data, test_limit=args.samples))
    images = data.test.images
    spikes = encode(torch.from_numpy(images), cfg.encoding, seeded_generator(cfg.encoding)).numpy().astype(np.int8)
    n, steps = len(images), cfg.encoding.steps
    rows = []

    def record(name, seconds, time_steps=None):
        rows.append((name, seconds, n / seconds, (time_steps or 0) / seconds if time_steps else None))

    model = bundle.reference_model()
    start = time.perf_counter()
    run_on_torch(model.snn, spikes)
    record("SLAYER inference (PyTorch, same spikes)", time.perf_counter() - start, n * steps)
    lava = run_on_lava(str(bundle.path), spikes, progress=False)
    record("Lava, one run", lava.seconds, lava.steps)
    for w in args.workers:
        sharded = run_on_lava_sharded(str(bundle.path), spikes, w, progress=False)
        assert all(np.array_equal(a, b) for a, b in zip(sharded.counts.layers, lava.counts.layers))
        record(f"Lava, {w} shards in parallel", sharded.seconds, sharded.steps)
    if bundle.model == "ppf":
        q = run_quantum(bundle.quantum_net(), images.reshape(n, -1), progress=False)
        record(f"quantum branch ({cfg.quantum.qubits} qubits, default.qubit)", q.seconds)
        snn_logits = spike_logits(torch.from_numpy(lava.counts.output).float(), steps, cfg.snn.readout_scale).numpy()
        fuser = Fuser(bundle.fusion["ratio"], bundle.fusion["rule"])
        start = time.perf_counter()
        fuser(snn_logits, q.logits)
        record("host fuser", time.perf_counter() - start)
    own, child = peak_mb()
    print(f"{bundle.path.name}: {bundle.model}, {n} samples of {data.name}, {steps} steps each")
    print(f"{'stage':<44}{'seconds':>10}{'samples/s':>12}{'steps/s':>10}")
    for name, sec, sps, tps in rows:
        print(f"{name:<44}{sec:>10.2f}{sps:>12.0f}{'' if tps is None else f'{tps:.0f}':>10}")
    lava_one = rows[1][1]
    for name, sec, *_ in rows[2:]:
        if name.startswith("Lava,"):
            print(f"{name}: {lava_one / sec:.2f}x one run")
    print(f"Lava / SLAYER time: {lava_one / rows[0][1]:.0f}x")
    print(f"peak RSS: this process {own:.0f} MB, largest worker process {child:.0f} MB")


if __name__ == "__main__":
    main()
