"""The quantum branch at deployment on a PennyLane device: broadcast batches against one circuit per
sample, analytic and with shots, side by side in one run (a bundle's trained circuit, test images).

    python benchmarks/quantum_deployment.py BUNDLE.h5 --data idx:../shared/datasets/mnist-10k --samples 2000

Each row executes the circuit on the device (``qml.Tracker`` counts the executions); analytic rows
must agree with the trained model's outputs to 1e-5, shot rows are compared by argmax agreement.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ppf_neuro.deployment.model_files.bundle_models import load_bundle
from ppf_neuro.deployment.backends.pennylane_backend import PennyLaneBackend
from ppf_neuro.data.datasets import load_test_split


def circuit_inputs(path: Path, data: str, samples: int):
    """A qnn or ppf bundle, its first test ``samples`` of ``data``, and the circuit branch's inputs (pixels)."""
    bundle = load_bundle(path)
    if bundle.model not in ("qnn", "ppf"):
        raise SystemExit(f"{path}: a '{bundle.model}' bundle's quantum branch reads spike rates; use qnn or ppf")
    _, test = load_test_split(data, samples)
    return bundle, test, test.images.reshape(len(test.images), -1).astype(np.float32)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle", type=Path)
    p.add_argument("--data", default="digits")
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--device", default="default.qubit")
    p.add_argument("--shots", type=int, default=1000)
    p.add_argument("--unbatched-samples", type=int, default=200,
                   help="samples for the one-circuit-per-call rows (they are slow)")
    args = p.parse_args()

    bundle, test, features = circuit_inputs(args.bundle, args.data, args.samples)
    trained = bundle.reference_model().qnn
    import torch

    with torch.no_grad():
        expected = trained(torch.from_numpy(features)).numpy()
    rows = []
    for shots in (None, args.shots):
        for batch in (256, 1):
            n = len(features) if batch > 1 else min(args.unbatched_samples, len(features))
            backend = PennyLaneBackend(bundle.quantum_net(args.device, shots), shots, batch_size=batch, progress=False)
            start = time.perf_counter()
            result = backend.run(features[:n])
            seconds = time.perf_counter() - start
            agree = float((result.logits.argmax(-1) == expected[:n].argmax(-1)).mean())
            diff = float(np.abs(result.logits - expected[:n]).max())
            if shots is None:
                assert diff < 1e-5, f"analytic outputs differ from the trained model by {diff}"
            rows.append((f"{'analytic' if shots is None else f'{shots} shots'}, "
                         f"{'broadcast batches of 256' if batch > 1 else 'one circuit per call'}", n, seconds,
                         result.info["device_executions"], result.info["device_batches"], agree, diff))
    print(f"{args.bundle.name}: quantum branch on {args.device}, {rows[0][1]} test images of {args.data}")
    print("| mode | samples | seconds | samples/s | device executions | device batches | argmax agreement | max |diff| |")
    print("|---|---|---|---|---|---|---|---|")
    for mode, n, sec, execs, batches, agree, diff in rows:
        print(f"| {mode} | {n} | {sec:.2f} | {n / sec:,.0f} | {execs} | {batches} | {100 * agree:.1f} % | {diff:.1e} |")


if __name__ == "__main__":
    main()
