"""Deploy a bundle on a dataset: SNN on Lava, VQC on a PennyLane device, fusion on the host.

The images are encoded once; the same spikes go to Lava and to the PyTorch
reference, the same pixels (or, for the serial model, the Lava run's own
hidden spike rates) go to the quantum device, and the fuser combines the two
deployed branch outputs. Every deployed output is compared with the trained
PyTorch model on the same inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from deploy.activity import activity_section
from deploy.bundle import load_bundle
from deploy.fuser import Fuser
from deploy.lava_runner import run_on_lava, run_on_lava_sharded
from deploy.quantum_runner import run_quantum
from deploy.report import lava_section, outputs_section
from deploy.torch_reference import predict, run_on_torch
from ppf_neuro.config import DataConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError
from ppf_neuro.readout import spike_logits


def deploy(bundle_path: str | Path, data_spec: str, samples: int | None = None, qdevice: str | None = None,
           shots: int | None = None, noise: float = 0.0, progress: bool = True, workers: int = 1,
           ray_address: str | None = None) -> dict:
    """Run the bundle on the first ``samples`` test images of ``data_spec`` and report.

    ``workers`` > 1 (or ``ray_address``) shards the samples over that many Lava
    runs in parallel processes (or Ray tasks); the merged counts are those of
    one run, in sample order.
    """
    if samples is not None and samples < 1:
        raise PPFError(f"--samples must be at least 1, got {samples}")
    bundle = load_bundle(bundle_path)
    data = load_dataset(DataConfig(spec=data_spec, test_limit=samples))
    if data.image_shape != bundle.image_shape:
        raise PPFError(
            f"{bundle.path}: the model expects images {bundle.image_shape} (C, H, W), "
            f"'{data_spec}' has {data.image_shape}"
        )
    cfg = bundle.config
    images, labels = data.test.images, data.test.labels
    reference_model = bundle.reference_model()
    spikes = None
    if bundle.has_snn:
        spikes = encode(torch.from_numpy(images), cfg.encoding, seeded_generator(cfg.encoding)).numpy().astype(np.int8)
    reference = predict(reference_model, images, spikes)

    report = {"bundle": str(bundle.path), "model": bundle.model, "data": data_spec, "samples": len(labels),
              "trained_on": bundle.dataset, "config": cfg.to_dict(), "versions": bundle.versions}
    deployed: dict[str, np.ndarray] = {}
    if bundle.has_snn:
        if workers > 1 or ray_address:
            lava = run_on_lava_sharded(str(bundle.path), spikes, workers, ray_address, progress)
        else:
            lava = run_on_lava(str(bundle.path), spikes, progress=progress)
        report["lava"] = lava_section(lava, run_on_torch(reference_model.snn, spikes))
        report["activity"] = activity_section(reference_model.snn, spikes, lava)
        counts = torch.from_numpy(lava.counts.output).float()
        if bundle.model in ("snn", "ppf"):
            deployed["snn"] = spike_logits(counts, cfg.encoding.steps, cfg.snn.readout_scale).numpy()
    if bundle.model != "snn":
        qnet = bundle.quantum_net(qdevice, shots, noise)
        features = lava.counts.output / cfg.encoding.steps if bundle.model == "serial" else images.reshape(len(images), -1)
        quantum = run_quantum(qnet, features.astype(np.float32), progress=progress)
        deployed["qnn"] = quantum.logits
        report["quantum"] = {"device": qnet.qnode.device.name, "shots": shots, "noise": noise,
                             "seconds": quantum.seconds, "samples_per_second": len(labels) / quantum.seconds,
                             "resources_per_sample": qnet.resources(features[:1].astype(np.float32))}
    if bundle.model == "ppf":
        fuser = Fuser(bundle.fusion["ratio"], bundle.fusion["rule"])
        report["fusion"] = {"ratio": fuser.ratio, "rule": fuser.rule}
        deployed = {"output": fuser(deployed["snn"], deployed["qnn"]), **deployed}
    else:
        deployed = {"output": next(iter(deployed.values()))}
    report["outputs"] = outputs_section(deployed, reference, labels)
    return report
