"""The quantum branch's training paths, side by side: our fast path against PennyLane devices.

Forward + backward samples/s of the same QuantumNet (784 pixels -> dressed
layer -> circuit -> head) per candidate, for several qubit counts, with the
largest difference in outputs and in weight gradients from the
``default.qubit`` broadcast QNode.

    python benchmarks/quantum_training_devices.py [--qubits 4 8 10] [--layers 3] [--batch 64]
        [--measurement z|zz|probs] [--ansatz strong|basic]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import torch

from ppf_neuro.config import QuantumConfig
from ppf_neuro.quantum import QuantumNet

# (label, device, diff_method); device None = our automatic choice (the fast path on default.qubit)
CANDIDATES = [
    ("ppf-neuro fast path", None, None),
    ("default.qubit backprop", "default.qubit", "backprop"),
    ("lightning.qubit adjoint", "lightning.qubit", "adjoint"),
    ("default.qubit adjoint", "default.qubit", "adjoint"),
    ("default.qubit param-shift", "default.qubit", "parameter-shift"),
]


def step(net: QuantumNet, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    net.zero_grad()
    out = net(x)
    (out * torch.linspace(-1, 1, out.shape[1])).sum().backward()
    return out.detach(), net.weights.grad.detach().clone()


def measure(net: QuantumNet, x: torch.Tensor, min_seconds: float) -> float:
    """Samples per second of forward + backward, over at least ``min_seconds`` after a warm-up."""
    step(net, x)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        step(net, x)
        n += len(x)
    return n / (time.perf_counter() - start)


def variant(reference: QuantumNet, cfg: QuantumConfig, device: str | None, method: str | None) -> QuantumNet:
    """The same trained branch on another training path: the fast path, or a QNode (config's device
    and diff_method: the same way a training run of that config builds it)."""
    if device is None:
        net = QuantumNet(cfg, 784, 10)
    else:
        net = QuantumNet(dataclasses.replace(cfg, device=device, diff_method=method, simulator="qnode"), 784, 10)
    net.load_state_dict(reference.state_dict())
    return net


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qubits", type=int, nargs="+", default=[4, 8, 10])
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--measurement", default="z", help="z, zz or probs")
    p.add_argument("--ansatz", default="strong", help="strong (StronglyEntanglingLayers) or basic")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seconds", type=float, default=3.0, help="measuring time per path (split over the rounds)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; each rate is the median")
    p.add_argument("--skip", nargs="*", default=["default.qubit adjoint", "default.qubit param-shift"],
                   help="candidates to leave out (the slowest by default)")
    args = p.parse_args()
    torch.manual_seed(0)
    x = torch.rand(args.batch, 784)
    print(f"{args.layers} layers of {args.ansatz}, measurement {args.measurement}, batch {args.batch}, forward + backward, torch threads "
          f"{torch.get_num_threads()}")
    print(f"{'qubits':>6}  {'path':<27}{'samples/s':>11}{'vs default.qubit':>18}{'max |dout|':>12}{'max |dgrad|':>13}")
    for n in args.qubits:
        cfg = QuantumConfig(qubits=n, layers=args.layers, measurement=args.measurement, ansatz=args.ansatz)
        reference = QuantumNet(cfg, 784, 10)
        base = variant(reference, cfg, "default.qubit", "backprop")
        ref_out, ref_grad = step(base, x)
        nets, rates = {}, {}
        for label, device, method in CANDIDATES:
            if label not in args.skip:
                nets[label] = base if label == "default.qubit backprop" else variant(reference, cfg, device, method)
        # rounds interleave the paths, so that a slow spell of the machine hits all of them alike;
        # each path's rate is its median over the rounds
        for _ in range(args.rounds):
            for label, net in nets.items():
                try:
                    rates.setdefault(label, []).append(measure(net, x, args.seconds / args.rounds))
                except NotImplementedError as e:  # parameter-shift cannot differentiate broadcast trainable inputs
                    rates[label] = str(e).split(". ")[0][:70]
        base_rate = statistics.median(rates["default.qubit backprop"])
        for label, net in nets.items():
            if isinstance(rates[label], str):
                print(f"{n:>6}  {label:<27}{'unsupported':>11}   {rates[label]}")
                continue
            rate = statistics.median(rates[label])
            out, grad = step(net, x)
            print(f"{n:>6}  {label:<27}{rate:>11.0f}{rate / base_rate:>17.2f}x"
                  f"{(out - ref_out).abs().max().item():>12.1e}{(grad - ref_grad).abs().max().item():>13.1e}")

if __name__ == "__main__":
    main()
