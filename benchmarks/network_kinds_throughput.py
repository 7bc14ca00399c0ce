"""Lava-stage throughput per kind of lava-dl network and input mode, side by side in one run.

On the PilotNet-like nets that ``examples/lava_dl_nets.py`` builds with lava-dl and writes to
``--nets`` (``pilotnet_lif.h5``: input neurons, two convolutions, two dense layers;
``pilotnet_sdnn.h5``: the same shape as a sigma-delta net; ``lif-graded.npy``: the frames): each
kind and mode runs on the same samples, on netx's own network and (where the mode allows) on
replicas, and its per-neuron counts are asserted identical to the integer reference's, whose
time is the yardstick. Bias inputs run both ways Lava gets them: as the input current where the
input neurons' current decays fully (the example's net), and with ``Var.set`` before every window
(a copy whose input current decays).

    python examples/lava_dl_nets.py --out out/lava_dl_nets --samples 64
    python benchmarks/network_kinds_throughput.py --nets out/lava_dl_nets
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.deployment.backends.lava import LavaMode, run_on_lava
from ppf_neuro.formats.netx import load_netx_file


def decaying(path: Path):
    """A copy of the LIF net whose input neurons' current decays (iDecay 4095, not 4096): its bias
    inputs reach Lava by ``Var.set`` before every window, lava-dl's own way."""
    import shutil

    import h5py

    copy = path.with_name("pilotnet_lif_decaying.h5")
    shutil.copyfile(path, copy)
    with h5py.File(copy, "a") as f:
        f["layer/0/neuron/iDecay"][()] = 4095
    return load_netx_file(copy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", type=Path, default=Path("out/lava_dl_nets"))
    parser.add_argument("--replicas", type=int, nargs="+", default=[16])
    args = parser.parse_args()
    frames = np.load(args.nets / "lif-graded.npy")
    held = np.ascontiguousarray(np.repeat(frames[..., :1], frames.shape[-1], -1))
    spikes = (frames > 127).astype(np.int8)  # the frames as 0/1 events, for the spike mode
    lif, sdnn = (load_netx_file(args.nets / f"pilotnet_{k}.h5") for k in ("lif", "sdnn"))
    cases = [("LIF, input neurons", lif, "spikes", spikes, True), ("LIF, input neurons", lif, "graded", frames, True),
             ("LIF, input neurons", lif, "bias", held, True),
             ("LIF, input current decaying (iDecay 4095)", decaying(args.nets / "pilotnet_lif.h5"), "bias", held, True),
             ("SDNN (one stream)", sdnn, "graded", frames, False)]
    n = len(frames)
    print(f"{n} samples of {frames.shape[1:-1]} x {frames.shape[-1]} steps\n")
    print("| network | inputs | Lava stage | seconds | samples/s | vs reference |")
    print("|---|---|---|---|---|---|")
    for name, net, mode, values, replicable in cases:
        start = time.perf_counter()
        reference = FixedPointSNN(net, mode).counts(values)[0]
        ref_s = time.perf_counter() - start
        print(f"| {name} | {mode} | integer reference | {ref_s:.2f} | {n / ref_s:,.0f} | 1 |")
        for replicas in [1] + (args.replicas if replicable else []):
            result = run_on_lava(net, values, LavaMode(replicas=replicas, input_as=mode), progress=False)
            for i, (got, want) in enumerate(zip(result.counts.layers, reference)):
                assert np.array_equal(got, want), f"{name}, {mode}, B={replicas}: layer {i} differs"
            what = "netx `Network`" if replicas == 1 else f"replicas B={replicas}"
            print(f"| {name} | {mode} | {what} | {result.seconds:.2f} | {n / result.seconds:,.1f} | "
                  f"{ref_s / result.seconds:.3f}x |")


if __name__ == "__main__":
    main()
