"""default.mixed with glibc's allocation defaults against large temporaries reused from the heap
(``ppf_neuro.quantum.heap``), side by side in one run, alternating, outputs checked bit for bit.

    python benchmarks/density_matrix_heap.py --qubits 10 --layers 3 --samples 2 --rounds 3

The circuit is the default model's (angle embedding, strongly entangling layers, <Z> and <ZZ>
readout) with a depolarising channel after every gate, analytic; wall seconds per sample, and the
process's user and system CPU seconds per sample (the kernel's share is what the heap saves).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import time

import torch

from ppf_neuro.config import QuantumConfig
from ppf_neuro.quantum import QuantumNet, circuit
from ppf_neuro.quantum.heap import heap_reuse


def _timed(net: QuantumNet, x: torch.Tensor) -> tuple[torch.Tensor, float, float, float]:
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    with torch.no_grad():
        out = net.expectations(x)
    after = resource.getrusage(resource.RUSAGE_SELF)
    n = len(x)
    return out, (time.perf_counter() - start) / n, (after.ru_utime - before.ru_utime) / n, \
        (after.ru_stime - before.ru_stime) / n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qubits", type=int, default=10)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--samples", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--noise", type=float, default=0.01)
    args = p.parse_args()

    torch.manual_seed(0)
    cfg = QuantumConfig(qubits=args.qubits, layers=args.layers, measurement="zz", reduction="pool")
    net = QuantumNet(cfg, args.qubits, 10, device="default.mixed", noise=args.noise)
    x = torch.rand(args.samples, args.qubits, generator=torch.Generator().manual_seed(1))
    ways = {"glibc defaults": contextlib.nullcontext, "heap reused": heap_reuse}
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in ways}
    outputs = {}
    for _ in range(args.rounds):
        for name, way in ways.items():
            circuit.heap_reuse = way  # what run_circuit enters around the QNode
            out, *t = _timed(net, x)
            times[name].append(tuple(t))
            outputs.setdefault(name, out)
            assert torch.equal(out, outputs[name]), f"{name}: not reproducible"
    circuit.heap_reuse = heap_reuse
    assert torch.equal(*outputs.values()), "the two ways gave different outputs"
    print(f"default.mixed, {args.qubits} qubits, {args.layers} layers, depolarising p={args.noise}, "
          f"{args.samples} samples x {args.rounds} rounds (medians per sample); outputs identical")
    print("| allocation | wall (s) | user (s) | system (s) |\n|---|---|---|---|")
    med = {name: [statistics.median(col) for col in zip(*rows)] for name, rows in times.items()}
    for name, (wall, user, system) in med.items():
        print(f"| {name} | {wall:.2f} | {user:.2f} | {system:.2f} |")
    print(f"ratio (wall): {med['glibc defaults'][0] / med['heap reused'][0]:.2f}x")


if __name__ == "__main__":
    main()
