"""The whole ``ppf-neuro deploy`` command on an MNIST-size test set (10,000 images), timed end to end.

mnist-10k has 2,000 test images; this writes a temporary MNIST-format directory whose test split is
those images repeated to ``--size`` (its training split is the original's), then times the real
command line, as a user runs it, and reads each phase (and the Lava stage's own time) from the
report: the ratio of the whole command to its Lava stage is the figure of merit.

    python benchmarks/deploy_full_test_set.py MODEL.h5 --data ../shared/datasets/mnist-10k --size 10000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ppf_neuro.data.datasets import IDX_FILES, find_idx_file
from ppf_neuro.data.idx import read_idx
from ppf_neuro.formats.report import Report


def write_idx(path: Path, array: np.ndarray) -> None:
    import struct

    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", type=Path)
    p.add_argument("--data", type=Path, required=True, help="an MNIST-format directory")
    p.add_argument("--size", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for stem in IDX_FILES["train"]:
            shutil.copy(find_idx_file(args.data, stem), tmp / find_idx_file(args.data, stem).name)
        images = read_idx(find_idx_file(args.data, IDX_FILES["test"][0]), 3, "images")
        labels = read_idx(find_idx_file(args.data, IDX_FILES["test"][1]), 1, "labels")
        reps = -(-args.size // len(images))
        write_idx(tmp / IDX_FILES["test"][0], np.concatenate([images] * reps)[: args.size])
        write_idx(tmp / IDX_FILES["test"][1], np.concatenate([labels] * reps)[: args.size])
        report = tmp / "report.json"
        cmd = [sys.executable, "-m", "ppf_neuro.cli", "--quiet", "deploy", str(args.model), "--data", f"idx:{tmp}",
               "--workers", str(args.workers), "--report", str(report)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - start
        r = Report.from_dict(json.loads(report.read_text()), str(report))
    phases = r.timing["phases"]
    lava_stage = phases.get("Lava", 0.0)
    print(f"ppf-neuro deploy {args.model.name} on {r.samples} test images ({reps} x the {len(images)} of "
          f"{args.data.name}), --workers {args.workers}")
    print("| phase | seconds |\n|---|---|")
    print(f"| start-up, imports, writing (the command's wall time less the phases) | {wall - r.timing['seconds']:.2f} |")
    threads = r.timing["torch_threads"]
    for name, seconds in phases.items():
        print(f"| {name}{f' ({threads[name]} torch threads)' if name in threads else ''} | {seconds:.2f} |")
    print(f"| **whole command** | **{wall:.2f}** ({r.samples / wall:,.0f} samples/s) |")
    if r.lava is not None:
        print(f"Lava stage: {lava_stage:.2f} s with building the processes ({r.samples / lava_stage:,.0f} samples/s), "
              f"{r.lava.timing['seconds']:.2f} s running ({r.lava.timing['samples_per_second']:,.0f} samples/s; "
              f"{r.lava.setup['replicas']} replicas x {r.lava.setup.get('shards', 1)} shards); whole command = "
              f"{wall / lava_stage:.2f} x the Lava stage; identical counts in every layer on "
              f"{100 * r.lava.spike_agreement['samples_with_identical_counts_in_every_layer']:.2f} % of samples")


if __name__ == "__main__":
    main()
