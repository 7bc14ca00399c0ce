"""How a model file deploys: its branches (each a backend and where its inputs come from),
how their outputs become the decision, and the reference that checks them.

Building a plan builds every backend, so a bad quantum device, shot count or
noise level fails here, before any data is read or Lava starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from deploy.backends import (
    Backend,
    BranchResult,
    LavaBackend,
    PennyLaneBackend,
    softmax,
)
from deploy.bundle import Bundle
from deploy.counts import SpikeCounts
from deploy.divergence import Stepper
from deploy.fixed_point import FixedPointSNN, fixed_point_stepper
from deploy.fuser import Fuser
from deploy.inputs import DeployInputs
from deploy.lava import LavaMode
from deploy.reference import ReferenceResult, run_classifier, slayer_stepper
from ppf_neuro.config import EncodingConfig
from ppf_neuro.formats.netx import NetxFile, load_netx_file
from ppf_neuro.readout import spike_logits


@dataclass(frozen=True)
class DeployOptions:
    """Everything about where and how a deployment runs (not what it runs on)."""

    samples: int | None = None
    qdevice: str | None = None
    shots: int | None = None
    noise: float = 0.0
    lava: LavaMode = LavaMode()
    workers: int = 1
    ray_address: str | None = None
    progress: bool = True
    divergence_plot: Path | None = None  # where to plot the first divergence, if Lava and the reference part


@dataclass(frozen=True)
class Branch:
    """``name`` (``snn`` or ``qnn``) runs on ``backend``; ``inputs`` picks its input from the deployment's
    inputs and the branches already run. ``classifies``: its scores are a class output of the model."""

    name: str
    backend: Backend
    inputs: Callable[[DeployInputs, dict[str, BranchResult]], np.ndarray]
    classifies: bool


@dataclass(frozen=True)
class Plan:
    model: str
    branches: list[Branch]
    decide: Callable[[dict[str, BranchResult]], np.ndarray]
    reference: Callable[[DeployInputs], ReferenceResult]
    encoding: EncodingConfig | None
    needs_images: bool
    input_shape: tuple[int, ...]  # (C, H, W) of an image, or the SNN's input neurons
    default_data: str | None = None  # dataset spec when none is given (a bundle's training data)
    netx: NetxFile | None = None  # the spiking branch's network, parsed once
    stepper: Stepper | None = None  # the reference step by step, for deploy.divergence
    details: dict = field(default_factory=dict)  # e.g. the fusion ratio and rule, for the report


def spikes_in(inputs: DeployInputs, done: dict) -> np.ndarray:
    return inputs.spikes


def pixels_in(inputs: DeployInputs, done: dict) -> np.ndarray:
    return inputs.images.reshape(len(inputs.images), -1)


#: Whether each compared output's reference is an independent computation (the report says so).
INDEPENDENCE = {
    "snn": "yes: SLAYER in PyTorch against the Lava processes",
    "qnn": "yes: the training simulator against the PennyLane device",
    "ppf": "no: the host fuser and the trained model apply the same rule (ppf_neuro.fusion.fuse) to the "
           "branch outputs compared above, so agreement checks the wiring (inputs, ratio, rule name), not the "
           "rule; the rule is tested against a hand computation",
}


def independence(model: str) -> dict[str, str]:
    """Per compared output of a ``model`` bundle: is its reference independent of the deployment?"""
    out = {"snn": INDEPENDENCE["snn"]} if model in ("snn", "ppf") else {}
    if model != "snn":
        out["qnn"] = INDEPENDENCE["qnn"]
    decision = {"snn": "snn", "qnn": "qnn", "serial": "qnn", "ppf": "ppf"}[model]
    out["output"] = INDEPENDENCE[decision] if model != "serial" else \
        "yes: Lava's SNN and the PennyLane device against SLAYER and the training simulator, in series"
    return out


def bundle_plan(bundle: Bundle, options: DeployOptions) -> Plan:
    """SNN on Lava and VQC on a PennyLane device, as the bundle's model kind combines them."""
    cfg = bundle.config
    steps = cfg.encoding.steps
    branches = []
    if bundle.has_snn:
        classifies = bundle.model in ("snn", "ppf")

        def logits(counts: np.ndarray) -> np.ndarray:
            if not classifies:  # the serial model's SNN ends at its hidden layer: its rates feed the VQC
                return counts / steps
            return spike_logits(torch.from_numpy(counts).float(), steps, cfg.snn.readout_scale).double().numpy()

        netx = load_netx_file(bundle.path)
        lava = LavaBackend(netx, options.lava, logits, softmax if classifies else (lambda x: x),
                           options.workers, options.ray_address, options.progress)
        branches.append(Branch("snn", lava, spikes_in, classifies))
    if bundle.model != "snn":
        qnet = bundle.quantum_net(options.qdevice, options.shots, options.noise)
        vqc = PennyLaneBackend(qnet, options.shots, options.noise, progress=options.progress)
        source = (lambda inputs, done: done["snn"].logits.astype(np.float32)) if bundle.model == "serial" \
            else (lambda inputs, done: pixels_in(inputs, done).astype(np.float32))
        branches.append(Branch("qnn", vqc, source, True))
    details = {"config": cfg.to_dict(), "versions": bundle.file.versions, "trained_on": bundle.file.dataset}
    if bundle.model == "ppf":
        fuser = Fuser(**bundle.fusion)
        details["fusion"] = bundle.fusion

        def decide(done: dict) -> np.ndarray:
            return fuser(done["snn"].logits, done["qnn"].logits)
    else:
        def decide(done: dict) -> np.ndarray:
            return done[branches[-1].name].scores

    def reference(inputs: DeployInputs) -> ReferenceResult:
        result = run_classifier(bundle.reference_model(), inputs.images, inputs.spikes)
        result.info["independent"] = independence(bundle.model)
        return result

    snn = {"netx": netx, "stepper": slayer_stepper(bundle.reference_model().snn)} if bundle.has_snn else {}
    return Plan(bundle.model, branches, decide, reference, cfg.encoding if bundle.has_snn else None,
                needs_images=True, input_shape=bundle.image_shape, default_data=cfg.data.spec, details=details, **snn)


def netx_plan(net: NetxFile, options: DeployOptions, encoding: dict) -> Plan:
    """A plain netx network: its SNN on Lava, checked against the fixed-point reference rebuilt from
    the file (``deploy.fixed_point``); the class scores are the output layer's spike counts."""
    def as_scores(counts: np.ndarray) -> np.ndarray:
        return counts.astype(np.float64)

    lava = LavaBackend(net, options.lava, as_scores, as_scores, options.workers, options.ray_address,
                       options.progress)
    reference_model = FixedPointSNN(net)

    def reference(inputs: DeployInputs) -> ReferenceResult:
        counts = SpikeCounts(reference_model.counts(inputs.spikes)[0])
        return ReferenceResult({"output": as_scores(counts.output)}, counts,
                               {"backend": "ppf-neuro fixed-point reference rebuilt from the netx file "
                                           "(PyTorch integer arithmetic, no Lava)",
                                "independent": {"output": "yes: integer arithmetic rebuilt from the file against "
                                                          "the Lava processes netx built from it"}})

    details = {"network": {"input_shape": list(net.input_shape),
                           "layers": [{"index": layer.index, "kind": layer.kind, "shape": list(layer.shape),
                                       "neuron": layer.neuron.type} for layer in net.layers]}}
    return Plan("netx", [Branch("snn", lava, spikes_in, True)], lambda done: done["snn"].scores, reference,
                EncodingConfig(**encoding), needs_images=False, input_shape=net.input_shape,
                netx=net, stepper=fixed_point_stepper(net), details=details)
