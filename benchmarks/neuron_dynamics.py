"""lava-dl's CUBA dynamics against ppf-neuro's compiled kernel, side by side in one run.

Per layer of a config's SNN (forward, forward + backward) and per training batch of the whole
model (forward, loss, backward), each timed interleaved with the other so that a machine whose
speed drifts drifts for both; medians of ``--repeats`` rounds of ``--iterations``. Every round
also checks that both give the same output and gradients, bit for bit.

    python benchmarks/neuron_dynamics.py --config examples/mnist_full.json [--batch 64]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import torch

from ppf_neuro.config import RunConfig
from ppf_neuro.encoding import encode
from ppf_neuro.models import build_model
from ppf_neuro.models.cuba_kernel import compiled_dynamics
from ppf_neuro.training.trainer import _forward, nll


def timed(step, iterations: int) -> float:
    step()
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    return (time.perf_counter() - start) / iterations * 1e3


def side_by_side(module: torch.nn.Module, step, repeats: int, iterations: int) -> tuple[float, float]:
    """Median milliseconds of ``step`` with lava-dl's dynamics and with the compiled kernel."""
    runs: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for compiled in (False, True):
            with compiled_dynamics(module) if compiled else contextlib.nullcontext():
                runs[compiled].append(timed(step, iterations))
    return statistics.median(runs[False]), statistics.median(runs[True])


def same_either_way(module: torch.nn.Module, x: torch.Tensor) -> bool:
    """Outputs and input gradients of ``module`` on ``x``, with each dynamics: identical? (The same
    seed for both: hidden layers drop spikes at random.)"""
    results = []
    for compiled in (False, True):
        torch.manual_seed(1)
        with compiled_dynamics(module) if compiled else contextlib.nullcontext():
            xi = x.clone().requires_grad_()
            out = module(xi)
            out.sum().backward()
            results.append((out.detach(), xi.grad))
    return all(torch.equal(a, b) for a, b in zip(*results))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="examples/mnist_full.json")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--image", type=int, nargs=3, default=(1, 28, 28), metavar=("C", "H", "W"))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--iterations", type=int, default=10)
    args = p.parse_args()

    cfg = RunConfig.from_file(args.config)
    torch.manual_seed(0)
    model = build_model(cfg, tuple(args.image), 10)
    images = torch.rand(args.batch, *args.image)
    labels = torch.randint(0, 10, (args.batch,))
    model.prepare(images.numpy())
    gen = torch.Generator().manual_seed(0)
    print(f"{args.config}: batch {args.batch}, {cfg.encoding.steps} steps, torch threads {torch.get_num_threads()}; "
          f"median ms of {args.repeats} rounds x {args.iterations}")
    print(f"{'part':34s} {'lava-dl':>9s} {'compiled':>9s} {'ratio':>6s}  identical")
    x = encode(images, cfg.encoding, gen)
    snn = getattr(model, "snn", None)
    for i, block in enumerate(snn.blocks if snn is not None else []):
        y = block(x).detach()
        if hasattr(block, "neuron"):
            z = block.synapse(x).detach()
            neuron = block.neuron

            def forward(z=z, neuron=neuron):
                with torch.no_grad():
                    neuron(z)

            def both(z=z, neuron=neuron):
                zi = z.clone().requires_grad_()
                neuron(zi).sum().backward()

            shape = "x".join(map(str, z.shape[1:-1]))
            for name, step in (("forward", forward), ("forward+backward", both)):
                a, b = side_by_side(neuron, step, args.repeats, args.iterations)
                label = f"layer {i} ({shape}) {name}"
                print(f"{label:34s} {a:9.2f} {b:9.2f} {a / b:6.2f}  {same_either_way(neuron, z)}")
        x = y

    def batch():
        model.zero_grad()
        out = _forward(model, images, cfg, gen)
        (nll(out["output"], labels) + sum(nll(out[b], labels) for b in model.branches)).backward()

    a, b = side_by_side(model, batch, args.repeats, args.iterations)
    print(f"{'training batch (whole model)':34s} {a:9.2f} {b:9.2f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
