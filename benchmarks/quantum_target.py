"""The quantum branch on device calibrations beside ideal simulators, side by side in one run: seconds
per sample, and what the device's noise does to the branch and to the fused decision.

    python benchmarks/quantum_target.py examples/models/mnist_ppf.h5 --data idx:../shared/datasets/mnist \
        --samples 200 --targets fake_brisbane fake_torino

Every row executes the bundle's trained circuit on a PennyLane device through the deployment's own
backend (``PennyLaneBackend``): analytic ``default.qubit``; ``default.qubit`` with shots;
``default.mixed`` with a depolarising channel after every gate (on fewer samples: seconds each);
each ``--targets`` snapshot compiled once and run with its calibration's noise (``--qbackend``).
For a PPF bundle the decision fuses each row's branch with the trained SNN (PyTorch reference), as
the deployment's fuser does. Agreement is the argmax against the analytic branch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from quantum_deployment import circuit_inputs  # noqa: I001 - the sibling benchmark, run from benchmarks/
from ppf_neuro.deployment.backends.fuser import Fuser
from ppf_neuro.deployment.backends.pennylane_backend import PennyLaneBackend
from ppf_neuro.deployment.references.trained_model import run_classifier
from ppf_neuro.encoding import encode, seeded_generator


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle", type=Path)
    p.add_argument("--data", default="digits")
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--mixed-samples", type=int, default=20, help="samples for the default.mixed row (slow)")
    p.add_argument("--shots", type=int, default=1000)
    p.add_argument("--targets", nargs="*", default=["fake_brisbane", "fake_torino"])
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    bundle, test, features = circuit_inputs(args.bundle, args.data, args.samples)
    snn_logits = None
    if bundle.model == "ppf":  # the trained SNN's class probabilities, as the deployment's reference computes them
        cfg = bundle.config.encoding
        spikes = encode(torch.from_numpy(test.images), cfg, seeded_generator(cfg)).to(torch.int8).numpy()
        reference = run_classifier(bundle.reference_model(), test.images, spikes)
        snn_logits = np.log(reference.scores["snn"])
    rows = [("default.qubit, analytic", dict(), args.samples),
            (f"default.qubit, {args.shots} shots", dict(shots=args.shots), args.samples),
            (f"default.mixed, p = 0.01, {args.shots} shots", dict(device="default.mixed", noise=0.01,
                                                                   shots=args.shots), args.mixed_samples)]
    rows += [(f"{t}, {args.shots} shots", dict(target=t, shots=args.shots), args.samples) for t in args.targets]
    analytic = None
    print(f"{len(test.images)} test images of {args.data}; {bundle.model} bundle {args.bundle}")
    print("| device | samples | s/sample | branch accuracy (%) | argmax = analytic (%) | decision accuracy (%) |")
    print("|---|---|---|---|---|---|")
    for label, kwargs, n in rows:
        qnet = bundle.quantum_net(seed=args.seed, **kwargs)
        tick = time.perf_counter()
        result = PennyLaneBackend(qnet, kwargs.get("shots"), kwargs.get("noise", 0.0), progress=False).run(features[:n])
        per_sample = (time.perf_counter() - tick) / n
        logits = result.logits
        if analytic is None:
            analytic = logits
        labels = test.labels[:n]
        decision = "-"
        if snn_logits is not None:
            fused = Fuser(**bundle.fusion)(snn_logits[:n], logits)
            decision = f"{100 * np.mean(fused.argmax(1) == labels):.2f}"
        print(f"| {label} | {n} | {per_sample:.3f} | {100 * np.mean(logits.argmax(1) == labels):.2f} | "
              f"{100 * np.mean(logits.argmax(1) == analytic[:n].argmax(1)):.2f} | {decision} |", flush=True)


if __name__ == "__main__":
    main()
