"""Deployment of a bundle on a dataset: encode once, run Lava and the PyTorch reference, report."""

from __future__ import annotations

from pathlib import Path

import torch

from deploy.bundle import load_bundle
from deploy.lava_runner import run_on_lava
from deploy.report import snn_report
from deploy.torch_reference import run_on_torch
from ppf_neuro.config import DataConfig
from ppf_neuro.data import load_dataset
from ppf_neuro.encoding import encode, seeded_generator
from ppf_neuro.errors import PPFError


def deploy(bundle_path: str | Path, data_spec: str, samples: int | None = None, progress: bool = True) -> dict:
    """Run the bundle's SNN on the first ``samples`` test images of ``data_spec``."""
    if samples is not None and samples < 1:
        raise PPFError(f"--samples must be at least 1, got {samples}")
    bundle = load_bundle(bundle_path)
    data = load_dataset(DataConfig(spec=data_spec, test_limit=samples))
    if data.image_shape != bundle.image_shape:
        raise PPFError(
            f"{bundle.path}: the SNN expects images {bundle.image_shape} (C, H, W), "
            f"'{data_spec}' has {data.image_shape}"
        )
    enc = bundle.config.encoding
    spikes = encode(torch.from_numpy(data.test.images), enc, seeded_generator(enc)).numpy().astype("int8")
    lava = run_on_lava(str(bundle.path), spikes, progress=progress)
    ref = run_on_torch(bundle.snn_model(), spikes)
    return {
        "bundle": str(bundle.path),
        "data": data_spec,
        "trained_on": bundle.dataset,
        "config": bundle.config.to_dict(),
        "versions": bundle.versions,
        "snn": snn_report(lava, ref, data.test.labels, enc.steps, bundle.config.snn.readout_scale),
    }
