"""Deployment throughput of the Lava stage, every mode side by side in one run on the same spikes.

The deployment's reference on the same spikes (the trained SNN in integer arithmetic, checked
against SLAYER) is the yardstick; then Lava: netx's own network read back through RingBuffer sinks and ``Var.get`` (the path before in-run counters), netx's network with
in-run counters, and B replicas side by side (batched synapses; Lava's own block-diagonal
``Sparse`` for comparison), one process and sharded over both cores. Every Lava mode's per-neuron
counts are asserted identical to the first Lava run's. Peak memory is the largest proportional set
size (PSS: shared pages split among the processes sharing them, so forked Lava processes are not
counted twice) of the whole process tree, this process and every Lava process, during the stage.

    python benchmarks/deployment_throughput.py MODEL.h5 --data idx:../shared/datasets/mnist-10k --samples 2000
    python benchmarks/deployment_throughput.py MODEL.h5 --data ... --samples 500 --replicas 8 32 128 --skip-ringbuffer
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

import numpy as np

from ppf_neuro.deployment.backends.lava import LavaMode, run_on_lava, run_on_lava_sharded
from ppf_neuro.deployment.model_files.open import load_model, plan_for
from ppf_neuro.deployment.pipeline import read_inputs
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.deployment.references.trained_model import run_classifier


def _tree_pss_kb(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants (from /proc), kB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/smaps_rollup") as f:
                rss[int(entry)] = next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class PeakMemory:
    """Samples the process tree's PSS every 50 ms while the block runs."""

    def __enter__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_pss_kb(os.getpid()))
            self._stop.wait(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", type=Path, help="a bundle or netx file")
    p.add_argument("--data", default="digits")
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--replicas", type=int, nargs="*", default=[8, 32, 128])
    p.add_argument("--workers", type=int, default=2, help="shards for the sharded rows (both cores: 2)")
    p.add_argument("--skip-ringbuffer", action="store_true", help="leave out the Var.get readout (slow)")
    p.add_argument("--skip-netx", action="store_true", help="leave out netx's own network (slow for big nets)")
    args = p.parse_args()

    model = load_model(args.model)
    request = DeployRequest(args.model, args.data, DeployOptions(samples=args.samples, progress=False))
    plan = plan_for(model, request.options, {})
    inputs = read_inputs(plan, request)
    spikes, n, steps = inputs.values, len(inputs), inputs.values.shape[-1]

    start = time.perf_counter()
    with PeakMemory() as mem:
        if hasattr(model, "reference_model"):
            run_classifier(model.reference_model(), inputs.images, spikes)
        else:
            plan.reference(inputs)
    slayer = time.perf_counter() - start
    rows = [("the deployment's reference (integer arithmetic checked against SLAYER), same spikes", slayer, mem.peak)]
    modes = []
    if not args.skip_ringbuffer:
        modes.append(("netx Network, RingBuffer sinks + Var.get (before)", LavaMode(replicas=1, recorder="ringbuffer"), 1))
    if not args.skip_netx:
        modes.append(("netx Network, in-run counters", LavaMode(replicas=1), 1))
    modes += [(f"replicas B={b}, batched synapses", LavaMode(replicas=b), 1) for b in args.replicas]
    modes += [(f"replicas B={args.replicas[0]}, Lava's Sparse (block-diagonal)",
               LavaMode(replicas=args.replicas[0], synapse="sparse"), 1)]
    modes += [(f"replicas B={b}, batched, {args.workers} shards", LavaMode(replicas=b), args.workers)
              for b in args.replicas[-1:]]
    modes += [(f"replicas chosen automatically, {args.workers} shards", LavaMode(), args.workers)]
    first = None
    for name, mode, workers in modes:
        start = time.perf_counter()
        with PeakMemory() as mem:
            if workers > 1:
                lava = run_on_lava_sharded(plan.netx, spikes, workers, mode, progress=False)
            else:
                lava = run_on_lava(plan.netx, spikes, mode, progress=False)
        seconds = time.perf_counter() - start
        first = first or lava.counts.layers
        assert all(np.array_equal(a, b) for a, b in zip(lava.counts.layers, first)), f"{name}: counts differ"
        label = name if "automatically" not in name else f"{name} (B={lava.setup.replicas})"
        rows.append((label, seconds, mem.peak))
    print(f"{args.model.name}: {n} samples of {inputs.source}, {steps} steps each; counts identical in every Lava mode")
    print(f"{'mode':<62}{'seconds':>9}{'samples/s':>11}{'vs reference':>13}{'peak PSS':>11}")
    for name, sec, peak in rows:
        print(f"{name:<62}{sec:>9.2f}{n / sec:>11.0f}{slayer / sec:>10.3f}x{peak / 1024:>8.0f} MB")


if __name__ == "__main__":
    main()
