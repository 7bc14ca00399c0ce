"""lava-dl's own kinds of network, built and exported with lava-dl, deployed on Lava, checked against SLAYER.

Two small PilotNet-like nets (frames -> two strided convolutions -> dense -> one regression output),
built from lava-dl's ``slayer.block`` classes and written by their own ``export_hdf5``:

* **LIF**: ``cuba.Input`` (input neurons, current decay 1 as in PilotNet LIF), ``cuba.Conv`` x 2,
  ``cuba.Flatten``, ``cuba.Dense`` x 2; deployed twice, with the frames as **bias** (each sample's
  values as the input neurons' bias for its window, as lava-dl's netx tests feed PilotNet LIF; on
  Lava sent as their input current, which with current decay 1 adds exactly the same) and
  as **graded** input currents (what SLAYER computes), with ``--readout voltage`` (the output
  neuron's voltage at every step is the regression output);
* **SDNN**: ``sigma_delta.Input``, ``Conv`` x 2, ``Flatten``, ``Dense``, ``Output`` (a Sigma
  output); deployed with **graded** frames and ``--readout graded``, the samples one free stream.

Every run saves all rasters (``--save-spikes``). For each, the script compares: Lava against
ppf-neuro's integer reference (the deployment's own check: per-neuron counts and output states),
and Lava's rasters against SLAYER's forward pass, step by step and neuron by neuron (SLAYER
computes the same thing here: integer-valued inputs on its 8-bit grid, current decay 1 for the
bias run). The nets are untrained (seeded): this checks the deployment, not a driving model.

    python examples/lava_dl_nets.py --out out/lava_dl_nets

Inputs: scikit-learn's 8x8 digits (offline), scaled up to (3, 24, 48) frames that drift from step
to step like video. Writes ``comparison.json``, ``outputs.png`` and the nets and npz files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

SHAPE = (3, 24, 48)


def frames(n: int, steps: int, seed: int) -> np.ndarray:
    """(N, 3, 24, 48, T) even integers in [0, 254] (SLAYER's 8-bit input grid times 64): two digits side
    by side per frame, one colour gain per channel, sliding one pixel every other step."""
    from sklearn.datasets import load_digits

    digits = load_digits().images / 16.0
    rng = np.random.default_rng(seed)
    pairs = digits[rng.integers(0, len(digits), (n, 2))]
    wide = np.concatenate([np.kron(pairs[:, k], np.ones((3, 3))) for k in range(2)], -1)  # (n, 24, 48)
    gains = np.array([1.0, 0.7, 0.4])[None, :, None, None]
    video = np.stack([np.roll(wide, t // 2, axis=-1) for t in range(steps)], -1)  # (n, 24, 48, T)
    return (2 * np.round(gains[..., None] * video[:, None] * 127)).astype(np.int64)


def lif_blocks():
    from ppf_neuro.lava_dl import slayer

    cuba = slayer.block.cuba
    neuron = dict(threshold=1.0, current_decay=0.25, voltage_decay=0.03, tau_grad=0.03, scale_grad=3,
                  requires_grad=False)
    return [cuba.Input(dict(neuron, current_decay=1.0), weight=1.0, bias=0.0, delay_shift=False),
            cuba.Conv(neuron, 3, 8, 5, stride=2, padding=2, weight_scale=4, delay_shift=False),
            cuba.Conv(neuron, 8, 12, 3, stride=2, padding=1, weight_scale=4, delay_shift=False),
            cuba.Flatten(),
            cuba.Dense(neuron, 12 * 6 * 12, 20, weight_scale=4, delay_shift=False),
            cuba.Dense(dict(neuron, threshold=64.0), 20, 1, weight_scale=2, delay_shift=False)]  # never fires: v is read


def sdnn_blocks():
    from ppf_neuro.lava_dl import slayer

    sd = slayer.block.sigma_delta
    p = dict(threshold=0.05, tau_grad=0.5, scale_grad=1, requires_grad=False, shared_param=True,
             activation=torch.nn.functional.relu)
    return [sd.Input(p), sd.Conv(p, 3, 8, 5, stride=2, padding=2, weight_scale=2),
            sd.Conv(p, 8, 12, 3, stride=2, padding=1, weight_scale=2), sd.Flatten(),
            sd.Dense(p, 12 * 6 * 12, 20, weight_scale=2), sd.Output(p, 20, 1, weight_scale=2)]


def slayer_outputs(blocks, values: np.ndarray, stream: bool) -> tuple[list[np.ndarray], np.ndarray | None]:
    """SLAYER's output of every block with neurons, (N, neurons, T), the input being the payload / 64,
    and for a LIF net the output neurons' voltage (N, neurons, T). A sigma-delta net sees the
    samples as one stream (as Lava runs it: no resets)."""
    from ppf_neuro.lava_dl import slayer

    n, steps = len(values), values.shape[-1]
    x = torch.from_numpy(values).float() / 64
    if stream:
        x = x.movedim(0, -2).reshape(1, *values.shape[1:-1], n * steps)
    out, voltage = [], None
    with torch.no_grad():
        for block in blocks:
            if block is blocks[-1] and not stream:  # the read-out voltage: SLAYER's own neuron dynamics
                voltage = block.neuron.dynamics(block.synapse(x))[1].reshape(n, -1, steps).numpy()
            x = block(x)
            if not isinstance(block, (slayer.block.cuba.Flatten, slayer.block.sigma_delta.Flatten)):
                y = x.reshape(-1, n, steps).permute(1, 0, 2) if stream else x.reshape(n, -1, steps)
                out.append(y.numpy())
    return out, voltage


def deploy_one(net: Path, values: Path, input_as: str, readout: str, rasters: Path, held_for: int | None) -> dict:
    from ppf_neuro.deployment.backends.lava import LavaMode
    from ppf_neuro.deployment.pipeline import deploy
    from ppf_neuro.deployment.request import DeployRequest
    from ppf_neuro.deployment.options import DeployOptions

    options = DeployOptions(progress=False, save_spikes=rasters,
                            lava=LavaMode(input_as=input_as, readout=readout, keep_rasters=True))
    return deploy(DeployRequest(net, None, options, inputs=values,
                                encoding={"steps": held_for} if held_for else None)).to_dict()


def compare(report: dict, rasters: Path, theirs: list[np.ndarray], units: list[int], voltage: np.ndarray | None
            ) -> dict:
    """Lava's saved rasters against SLAYER's outputs (payloads in SLAYER's float units), and the
    read-out voltage (Lava's state / 2^12) against SLAYER's."""
    layers = []
    with np.load(rasters) as saved:
        names = sorted((k for k in saved.files if k.startswith("layer")), key=lambda k: int(k[5:]))
        for name, slayer, unit in zip(names, theirs, units):
            lava = saved[name] / unit
            layers.append({"layer": name, "identical_to_slayer": float((lava == slayer).mean()),
                           "max_abs_diff": float(np.abs(lava - slayer).max()),
                           "nonzero_share": float((saved[name] != 0).mean())})
        output = saved[names[-1]] / units[-1]
        if voltage is not None:
            lava_v = output = saved[f"v{names[-1][5:]}"] / 4096
            layers.append({"layer": f"v{names[-1][5:]} (voltage)", "identical_to_slayer": float((lava_v == voltage).mean()),
                           "max_abs_diff": float(np.abs(lava_v - voltage).max()),
                           "nonzero_share": float((lava_v != 0).mean())})
    agreement = report["lava"]["spike_agreement"]
    return {"lava_vs_reference": {"identical_counts_every_layer": agreement["samples_with_identical_counts_in_every_layer"],
                                  "max_abs_state_diff": report["readout"]["max_abs_state_diff"]},
            "lava_vs_slayer": layers, "warnings": report["input_dependence"]["warnings"],
            "lava_samples_per_second": report["lava"]["timing"]["samples_per_second"],
            "lava": {k: report["lava"]["setup"].get(k) for k in ("network", "neuron", "replicas", "inputs")},
            "outputs": output.reshape(len(output), -1).mean(-1).tolist()}  # the regression output: window mean


def main() -> None:
    from ppf_neuro.formats.netx import load_netx_file
    from ppf_neuro.lava_dl import export_blocks

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out/lava_dl_nets"))
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    values = frames(args.samples, args.steps, args.seed)
    held = values[..., 0]  # the bias run holds each sample's first frame for its window
    results = {}
    lif, sdnn = lif_blocks(), sdnn_blocks()
    sample = torch.from_numpy(values[:2]).float() / 64
    nets = {"lif": export_blocks(lif, sample, args.out / "pilotnet_lif.h5"),
            "sdnn": export_blocks(sdnn, sample, args.out / "pilotnet_sdnn.h5")}
    runs = [("lif", "bias", "voltage", held, lif), ("lif", "graded", "voltage", values, lif),
            ("sdnn", "graded", "graded", values, sdnn)]
    for kind, input_as, readout, data, blocks in runs:
        name = f"{kind}-{input_as}"
        path = args.out / f"{name}.npy"
        np.save(path, data)
        report = deploy_one(nets[kind], path, input_as, readout, args.out / f"{name}.npz",
                            args.steps if data.ndim == 4 else None)
        if input_as == "bias":  # SLAYER's input current, held: the same as the bias where the current decays fully
            data = np.repeat(held[..., None], args.steps, -1)
        units = [layer.neuron.output_unit("graded") if kind == "sdnn" else 1
                 for layer in load_netx_file(nets[kind]).layers]
        theirs, voltage = slayer_outputs(blocks, data, kind == "sdnn")
        results[name] = compare(report, args.out / f"{name}.npz", theirs, units, voltage)
    (args.out / "comparison.json").write_text(json.dumps(results, indent=2))
    print(f"{'run':<12} {'Lava = reference':>17} {'Lava = SLAYER (every step, every neuron)':>44} {'Lava samples/s':>15}")
    for name, r in results.items():
        same = r["lava_vs_reference"]["identical_counts_every_layer"] == 1 and r["lava_vs_reference"][
            "max_abs_state_diff"] == 0
        slayer = ", ".join(f"{100 * layer['identical_to_slayer']:.2f} %" for layer in r["lava_vs_slayer"])
        print(f"{name:<12} {'yes' if same else 'NO':>17} {slayer:>44} {r['lava_samples_per_second']:>15.1f}")
        for warning in r["warnings"]:
            print(f"  WARNING: {warning}")
    plot(results, args.out / "outputs.png")
    print(f"written to {args.out}: comparison.json, outputs.png, the nets and every raster (.npz)")


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for name, r in results.items():
        ax.plot(r["outputs"], marker="o", label=name)
    ax.set(xlabel="sample", ylabel="regression output (Lava, window mean)",
           title="lava-dl PilotNet-like nets on Lava (untrained; every value also equals SLAYER's)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
