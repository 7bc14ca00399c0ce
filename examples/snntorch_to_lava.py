"""A network trained in snnTorch, deployed on Lava through NIR, and checked against snnTorch itself.

1. trains ``Linear(784, H) + Leaky + Linear(H, 10) + Leaky`` in snnTorch (reset to zero, learnt
   decays, biases) on an MNIST-format directory, with ppf-neuro's ``regular`` spike
   encoder (deterministic: the same spikes in training, in snnTorch's test and on Lava);
2. writes it with snnTorch's own ``export_to_nir``;
3. imports it with ``ppf-neuro import-nir`` (per-layer quantisation table) and deploys it with
   ``ppf-neuro deploy --data DIR --expect snntorch_counts.npy`` on Lava, whose report checks Lava
   against the integer reference neuron by neuron and, in its ``expected`` section, against
   snnTorch's own output counts (the quantisation's cost, as a reported figure);
4. compares with snnTorch's own forward pass on the same spikes: test accuracies, argmax agreement
   and, per layer, the share of identical per-neuron spike counts and their correlation.

    python examples/snntorch_to_lava.py --data ../shared/datasets/mnist-10k --out out/snntorch_to_lava

The validation split (the last ``--val`` training images) chooses the epoch; the test split is
only evaluated. ``tests/unit/conversion/test_nir_interop.py`` runs a smaller version on scikit-learn's digits.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

#: ppf-neuro's deterministic encoder: training, snnTorch's test and Lava see the same spikes.
ENCODING = "regular"


@dataclass(frozen=True)
class Setup:
    """What the example trains and how."""

    hidden: int = 128
    steps: int = 16
    epochs: int = 8
    batch: int = 128
    lr: float = 2e-3
    seed: int = 0
    val: int = 1000


def spikes_of(images: np.ndarray, steps: int) -> torch.Tensor:
    """(N, C, H, W) pixels in [0, 1] -> (N, C*H*W, T) float spikes, by ppf-neuro's encoder."""
    from ppf_neuro.config import EncodingConfig
    from ppf_neuro.encoding import encode

    s = encode(torch.from_numpy(np.asarray(images, dtype=np.float32)), EncodingConfig(kind=ENCODING, steps=steps))
    return s.reshape(len(images), -1, steps).float()


def build(inputs: int, hidden: int, classes: int) -> torch.nn.Sequential:
    """The snnTorch net: LIF layers with one decay and threshold per layer (netx has one per layer), written
    as per-neuron vectors (snnTorch's export_to_nir needs vectors)."""
    import snntorch as snn

    def leaky(n, output=False):
        return snn.Leaky(beta=torch.full((n,), 0.9), threshold=torch.ones(n), init_hidden=True,
                         reset_mechanism="zero", output=output)

    return torch.nn.Sequential(torch.nn.Linear(inputs, hidden), leaky(hidden), torch.nn.Linear(hidden, classes),
                               leaky(classes, output=True))


def run(net: torch.nn.Sequential, spikes: torch.Tensor) -> list[torch.Tensor]:
    """Every LIF layer's spikes (N, neurons, T) for input spikes (N, inputs, T), in snnTorch."""
    from snntorch import utils

    utils.reset(net)
    layers: list[list[torch.Tensor]] = [[], []]
    for t in range(spikes.shape[-1]):
        s1 = net[1](net[0](spikes[..., t]))
        s2, _ = net[3](net[2](s1))
        layers[0].append(s1)
        layers[1].append(s2)
    return [torch.stack(layer, -1) for layer in layers]


def counts(net, spikes: torch.Tensor, batch: int = 1000) -> list[np.ndarray]:
    """Per-layer spike counts (N, neurons) in snnTorch, without gradients."""
    with torch.no_grad():
        parts = [[layer.sum(-1).numpy() for layer in run(net, spikes[b:b + batch])]
                 for b in range(0, len(spikes), batch)]
    return [np.concatenate(layer) for layer in zip(*parts)]


def train(setup: Setup, x: torch.Tensor, y: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor):
    """Cross-entropy on output spike counts; keeps the epoch with the best validation accuracy."""
    from tqdm import tqdm

    torch.manual_seed(setup.seed)
    net = build(x.shape[1], setup.hidden, int(y.max()) + 1)
    opt = torch.optim.Adam(net.parameters(), lr=setup.lr)
    best, best_state = -1.0, None
    for epoch in range(setup.epochs):
        order = torch.randperm(len(x))
        for b in tqdm(range(0, len(x), setup.batch), desc=f"snnTorch epoch {epoch + 1}", leave=False):
            idx = order[b:b + setup.batch]
            loss = torch.nn.functional.cross_entropy(run(net, x[idx])[-1].sum(-1), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        val = float((counts(net, x_val)[-1].argmax(1) == y_val.numpy()).mean())
        print(f"epoch {epoch + 1}: validation accuracy {val:.2%}")
        if val > best:
            best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    return net, best


def export(net, inputs: int, path: Path) -> None:
    import nir
    from snntorch.export_nir import export_to_nir

    nir.write(path, export_to_nir(net, torch.zeros(inputs)))


def compare(theirs: list[np.ndarray], ours: list[np.ndarray], labels: np.ndarray | None) -> dict:
    """snnTorch's per-layer counts against ours: identical shares, correlations, argmax and accuracies."""
    layers = [{"layer": i, "identical_counts": float((a == b).mean()),
               "count_correlation": float(np.corrcoef(a.ravel(), b.ravel())[0, 1]),
               "spikes_per_sample": [float(a.sum(1).mean()), float(b.sum(1).mean())]}
              for i, (a, b) in enumerate(zip(theirs, ours))]
    out = {"layers": layers, "argmax_agreement": float((theirs[-1].argmax(1) == ours[-1].argmax(1)).mean())}
    if labels is not None:
        out["accuracy_snntorch"] = float((theirs[-1].argmax(1) == labels).mean())
        out["accuracy_ours"] = float((ours[-1].argmax(1) == labels).mean())
    return out


def plot(theirs: list[np.ndarray], ours: list[np.ndarray], path: Path) -> None:
    """Per layer: every (sample, neuron) count, snnTorch against Lava's, with how often each pair occurs."""
    import matplotlib.pyplot as plt

    from ppf_neuro.figures import save_figure

    fig, axes = plt.subplots(1, len(theirs), figsize=(4.5 * len(theirs), 4))
    for i, (ax, a, b) in enumerate(zip(np.atleast_1d(axes), theirs, ours)):
        pairs, n = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1, return_counts=True)
        ax.scatter(pairs[0], pairs[1], s=8 + 40 * np.log10(n), alpha=0.6)
        top = max(a.max(), b.max())
        ax.plot([0, top], [0, top], "k--", lw=0.8)
        ax.set(title=f"layer {i}: {(a == b).mean():.1%} identical", xlabel="snnTorch spikes per neuron",
               ylabel="integer reference (= Lava) spikes per neuron")
    save_figure(fig, path)
    plt.close(fig)


def cli(*args: str) -> None:
    """A ppf-neuro command, as a user runs it (its own process: its output is the user's)."""
    subprocess.run([sys.executable, "-m", "ppf_neuro.cli", *args], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="an MNIST-format directory")
    ap.add_argument("--out", type=Path, default=Path("out/snntorch_to_lava"))
    for name, value in asdict(Setup()).items():
        ap.add_argument(f"--{name}", type=type(value), default=value)
    args = ap.parse_args()
    setup = Setup(**{k: getattr(args, k) for k in asdict(Setup())})

    from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
    from ppf_neuro.data.datasets import load_idx
    from ppf_neuro.formats.netx import load_netx_file

    data = load_idx(args.data)
    x = spikes_of(data.train.images, setup.steps)
    y = torch.from_numpy(data.train.labels.astype(np.int64))
    net, val = train(setup, x[:-setup.val], y[:-setup.val], x[-setup.val:], y[-setup.val:])
    args.out.mkdir(parents=True, exist_ok=True)
    export(net, x.shape[1], args.out / "snntorch.nir")
    cli("import-nir", str(args.out / "snntorch.nir"), "-o", str(args.out / "net.h5"), "--steps", str(setup.steps))
    test = spikes_of(data.test.images, setup.steps)
    np.save(args.out / "snntorch_counts.npy", counts(net, test)[-1])  # snnTorch's own outputs: --expect
    cli("deploy", str(args.out / "net.h5"), "--data", f"idx:{args.data}", "--encoding", ENCODING, "--steps",
        str(setup.steps), "--report", str(args.out / "report.json"), "--expect", str(args.out / "snntorch_counts.npy"))

    report = json.loads((args.out / "report.json").read_text())
    ours = FixedPointSNN(load_netx_file(args.out / "net.h5")).counts(test.to(torch.int8).numpy())[0]
    result = compare(counts(net, test), ours, data.test.labels)
    lava = report["lava"]["spike_agreement"]
    result.update(setup=asdict(setup), validation_accuracy=val, accuracy_lava=report["outputs"]["output"]
                  ["accuracy_deployed"], lava_equals_integer_reference_in_every_layer=
                  lava["samples_with_identical_counts_in_every_layer"],
                  lava_vs_snntorch_argmax=report["expected"]["argmax_agreement"],
                  lava_vs_snntorch_identical_output_counts=report["expected"]["identical_counts"])
    (args.out / "comparison.json").write_text(json.dumps(result, indent=1))
    plot(counts(net, test), ours, args.out / "counts.png")
    print(f"\ntest accuracy: snnTorch {result['accuracy_snntorch']:.2%}, Lava {result['accuracy_lava']:.2%}; "
          f"argmax agreement Lava vs snnTorch {result['lava_vs_snntorch_argmax']:.2%}; Lava = integer reference "
          f"in every layer on {lava['samples_with_identical_counts_in_every_layer']:.2%} of samples")
    for layer in result["layers"]:
        print(f"layer {layer['layer']}: identical per-neuron counts {layer['identical_counts']:.2%}, "
              f"correlation {layer['count_correlation']:.4f}, spikes/sample snnTorch {layer['spikes_per_sample'][0]:.1f}"
              f" vs ours {layer['spikes_per_sample'][1]:.1f}")


if __name__ == "__main__":
    main()
