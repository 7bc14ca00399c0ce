"""Which PennyLane device and differentiation method should train the quantum branch?

Forward + backward samples/s of the same QuantumNet (the default branch:
784 pixels -> dressed layer -> circuit -> head) on each candidate, measured side
by side in one run, with the largest output difference from the first one.

    python benchmarks/quantum_training_devices.py [--qubits 5] [--layers 2] [--batch 64]
"""

from __future__ import annotations

import argparse
import time

import torch

from ppf_neuro.config import QuantumConfig
from ppf_neuro.quantum import QuantumNet
from ppf_neuro.quantum.circuit import make_qnode

CANDIDATES = [
    ("default.qubit", "backprop"),
    ("default.qubit", "adjoint"),
    ("lightning.qubit", "adjoint"),
    ("default.qubit", "parameter-shift"),
]


def measure(net: QuantumNet, x: torch.Tensor, min_seconds: float) -> float:
    """Samples per second of forward + backward, over at least ``min_seconds``."""
    net.zero_grad()
    net(x).sum().backward()  # warm-up
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        net.zero_grad()
        net(x).sum().backward()
        n += len(x)
    return n / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qubits", type=int, default=5)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()

    cfg = QuantumConfig(qubits=args.qubits, layers=args.layers)
    torch.manual_seed(0)
    x = torch.rand(args.batch, 784)
    reference = QuantumNet(cfg, 784, 10)
    with torch.no_grad():
        ref_out = reference(x)
    print(f"{args.qubits} qubits, {args.layers} StronglyEntanglingLayers, batch {args.batch}, forward + backward")
    print(f"{'device':<18}{'diff_method':<18}{'samples/s':>12}{'vs first':>10}{'max |dout|':>13}")
    first = None
    for device, method in CANDIDATES:
        net = QuantumNet(cfg, 784, 10)
        net.load_state_dict(reference.state_dict())
        net.qnode = make_qnode(cfg, device, diff_method=method)
        try:
            rate = measure(net, x, args.seconds)
        except NotImplementedError as e:  # e.g. parameter-shift on broadcast trainable inputs
            print(f"{device:<18}{method:<18}{'unsupported':>12}   {str(e).split('. ')[0][:60]}")
            continue
        with torch.no_grad():
            diff = (net(x) - ref_out).abs().max().item()
        first = first or rate
        print(f"{device:<18}{method:<18}{rate:>12.0f}{rate / first:>9.2f}x{diff:>13.1e}")


if __name__ == "__main__":
    main()
