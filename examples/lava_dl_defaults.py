"""A lava-dl SLAYER net trained with lava-dl's defaults, exported, and deployed with ``--expect``.

What a lava-dl user does: ``slayer.block.cuba.Dense`` blocks left at their defaults (so
``delay_shift=True``: every block's output one step later, the one-step delay a chip has), trained
with SLAYER on rate-coded scikit-learn digits (offline), written by lava-dl's own ``export_hdf5``.
Then the net is deployed on Lava twice with the trained model's own per-step output spikes as
``--expect``: with every window step counted (``--timing aligned``, right only for
``delay_shift=False``), and as SLAYER's blocks count them (``--timing delay-shift``). The first
shows the user the gap and its cause (the hint names the shift); the second reproduces SLAYER's
output spike for spike. Both agreement figures compare Lava's run with SLAYER's forward pass: two
independent computations.

    python examples/lava_dl_defaults.py --out out/lava_dl_defaults

Writes the net (``net.net``), the inputs, labels and SLAYER's outputs (``.npy``), a report per timing
and ``comparison.json``; prints one table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

#: Neuron parameters as lava-dl's tutorials write them (threshold 1.25, current and voltage decays).
NEURON = dict(threshold=1.25, current_decay=0.25, voltage_decay=0.03, tau_grad=0.03, scale_grad=3,
              requires_grad=False)


def digits(steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as rate-coded spikes (N, 64, T) int8 (pixel intensity / 2 per step) and
    their labels."""
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(seed)
    rate = d.data[:, :, None] / 16.0 * 0.5
    return (rng.random((len(d.data), 64, steps)) < rate).astype(np.int8), d.target.astype(np.int64)


def blocks(hidden: int) -> torch.nn.Sequential:
    """64-hidden-10 CUBA dense blocks at lava-dl's defaults (delay_shift=True, 8-bit weights)."""
    from ppf_neuro.lava_dl import slayer

    dense = slayer.block.cuba.Dense
    return torch.nn.Sequential(dense(NEURON, 64, hidden, weight_norm=True), dense(NEURON, hidden, 10, weight_norm=True))


def train(net: torch.nn.Sequential, x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> None:
    """SLAYER's spike-rate loss and Adam, as lava-dl's tutorials train (batches of 50)."""
    from ppf_neuro.lava_dl import slayer

    torch.manual_seed(seed)
    loss_fn = slayer.loss.SpikeRate(true_rate=0.5, false_rate=0.05, reduction="sum")
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x).float(), torch.from_numpy(y)
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(50):
            loss = loss_fn(net(xt[batch]), yt[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def export(net: torch.nn.Sequential, path: Path) -> Path:
    """lava-dl's own export: one group per block under ``/layer``."""
    import h5py

    with h5py.File(path, "w") as f:
        layers = f.create_group("layer")
        for i, block in enumerate(net):
            block.export_hdf5(layers.create_group(str(i)))
    return path


def make(out: Path, samples: int, steps: int, epochs: int, hidden: int, seed: int) -> dict[str, Path]:
    """Train, export, and write the held-out inputs, labels and SLAYER's own output spikes (N, 10, T)."""
    torch.manual_seed(seed)
    x, y = digits(steps, seed)
    order = np.random.default_rng(seed).permutation(len(x))
    test, fit = order[:samples], order[samples:]
    net = blocks(hidden)
    train(net, x[fit], y[fit], epochs, seed)
    net.eval()  # what is exported: batch statistics (a norm's) frozen
    with torch.no_grad():
        theirs = net(torch.from_numpy(x[test]).float()).numpy().astype(np.int8)
    out.mkdir(parents=True, exist_ok=True)
    files = {"net": export(net, out / "net.net"), "inputs": out / "x.npy", "labels": out / "y.npy",
             "expect": out / "slayer_output_spikes.npy"}
    np.save(files["inputs"], x[test])
    np.save(files["labels"], y[test])
    np.save(files["expect"], theirs)
    return files


def deploy(files: dict[str, Path], timing: str, report: Path) -> dict:
    """The net on Lava with SLAYER's outputs as ``--expect``; the report as a dict."""
    from ppf_neuro.atomic import write_json
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.options import DeployOptions
    from ppf_neuro.deployment.pipeline import deploy as run
    from ppf_neuro.deployment.request import DeployRequest

    options = DeployOptions(progress=False, lava=LavaMode(timing=timing))
    result = run(DeployRequest(files["net"], None, options, inputs=files["inputs"], labels=files["labels"],
                               expect=files["expect"])).to_dict()
    write_json(report, result)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("out/lava_dl_defaults"))
    p.add_argument("--samples", type=int, default=397, help="held-out digits deployed (the rest train)")
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    files = make(args.out, args.samples, args.steps, args.epochs, args.hidden, args.seed)
    rows = {}
    for timing in ("aligned", "delay-shift"):
        r = deploy(files, timing, args.out / f"report_{timing}.json")
        e = r["expected"]
        rows[timing] = {"identical_counts": e["identical_counts"], "per_neuron_identical": e["per_neuron_identical"],
                        "argmax_agreement": e["argmax_agreement"], "best_shift": e["best_shift"]["shift"],
                        "lava_accuracy": r["outputs"]["output"]["accuracy_deployed"],
                        "slayer_accuracy": e["accuracy"], "hint": e["hint"]}
    (args.out / "comparison.json").write_text(json.dumps(rows, indent=2))
    print(f"{'timing':<12} {'identical counts':>16} {'per neuron':>10} {'argmax':>8} {'Lava acc':>9} {'SLAYER acc':>10}")
    for timing, r in rows.items():
        print(f"{timing:<12} {100 * r['identical_counts']:>15.2f}% {100 * r['per_neuron_identical']:>9.2f}% "
              f"{100 * r['argmax_agreement']:>7.2f}% {100 * r['lava_accuracy']:>8.2f}% {100 * r['slayer_accuracy']:>9.2f}%")
        print(f"  hint: {r['hint']}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
