"""Training throughput of ppf against snn alone and qnn alone, measured side by side.

One epoch of each model on the same data with the same batch size and the same
branch configurations; samples/s of the training pass (evaluation excluded)
and the ppf/snn epoch-time ratio.

    python benchmarks/training_throughput.py --data idx:../shared/datasets/mnist-10k [--hidden 256] [--batch 64]
"""

from __future__ import annotations

import argparse
import time

import torch

from ppf_neuro.config import DataConfig, RunConfig, SNNConfig, TrainConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.models import build_model
from ppf_neuro.training.trainer import fit, seed_everything


def epoch_seconds(cfg: RunConfig, data) -> float:
    """Wall time of one training epoch (no validation split, so no evaluation is timed)."""
    seed_everything(0)
    model = build_model(cfg, data.image_shape, data.num_classes)
    model.prepare(data.train.images)
    start = time.perf_counter()
    fit(model, data, cfg, progress=False)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="digits")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()

    base = RunConfig(data=DataConfig(args.data, val_fraction=0.0), snn=SNNConfig(hidden=(args.hidden,)),
                     train=TrainConfig(epochs=1, batch_size=args.batch))
    data = load_dataset(base.data)
    n = len(data.train)
    q = base.quantum
    print(f"{data.name}: {n} training samples, batch {args.batch}, SNN 784-{args.hidden}-10, "
          f"{q.qubits} qubits x {q.layers} layers ({q.measurement} measured), torch threads {torch.get_num_threads()}")
    times = {}
    for model in ("snn", "qnn", "ppf"):
        times[model] = min(epoch_seconds(base.replace(model=model), data) for _ in range(args.repeats))
        print(f"{model:>4}: {times[model]:6.2f} s/epoch  {n / times[model]:8.0f} samples/s")
    print(f"ppf / snn epoch time: {times['ppf'] / times['snn']:.2f}x   "
          f"ppf / (snn + qnn): {times['ppf'] / (times['snn'] + times['qnn']):.2f}x")


if __name__ == "__main__":
    main()
