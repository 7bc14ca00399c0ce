"""The plan of a ppf-neuro bundle: the SNN on Lava and the VQC on a PennyLane device, combined as
the bundle's model kind says, checked against the trained PyTorch model."""

from __future__ import annotations

import numpy as np
import torch

from deploy.branch import ReferenceResult, softmax
from deploy.bundle import Bundle
from deploy.fuser import Fuser
from deploy.inputs import DeployInputs
from deploy.lava_backend import LavaBackend
from deploy.plan import Branch, DeployOptions, Plan, pixels_in, spikes_in
from deploy.reference import run_classifier, slayer_stepper
from ppf_neuro.formats.netx import load_netx_file
from ppf_neuro.readout import spike_logits

_SNN = ("yes: the trained model's quantised parameters in integer arithmetic (checked against SLAYER) against "
        "the Lava processes netx built from the file")
_QNN = "yes: the training simulator against the PennyLane device"
#: Whether each compared output's reference is an independent computation (the report says so): the
#: decision of each model kind, and a ppf model's two branches, the only branch outputs compared.
INDEPENDENCE = {
    "snn": _SNN,
    "qnn": _QNN,
    "serial": "yes: Lava's SNN and the PennyLane device against the trained SNN (integer arithmetic checked "
              "against SLAYER) and the training simulator, in series",
    "ppf": "no: the host fuser and the trained model apply the same rule (ppf_neuro.fusion.fuse) to the branch "
           "outputs compared above, so agreement checks the wiring (inputs, ratio, rule name), not the rule; "
           "the rule is tested against a hand computation",
}


def independence(model: str) -> dict[str, str]:
    """Per compared output of a ``model`` bundle: is its reference independent of the deployment?"""
    return {"output": INDEPENDENCE[model], **({"snn": _SNN, "qnn": _QNN} if model == "ppf" else {})}


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
                           options.workers, options.ray_address, options.progress, options.save_spikes)
        branches.append(Branch("snn", lava, spikes_in, classifies))
    if bundle.model != "snn":
        qnet = bundle.quantum_net(options.qdevice, options.shots, options.noise)
        # imported here: only models with a circuit need PennyLane
        from deploy.quantum_backend import PennyLaneBackend

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
                needs_images=True, input_shape=bundle.image_shape, classes=bundle.num_classes,
                default_data=cfg.data.spec, details=details, **snn)
