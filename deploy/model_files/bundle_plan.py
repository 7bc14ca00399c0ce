"""The plan of a ppf-neuro bundle: the SNN on Lava and the VQC on a PennyLane device, combined as
the bundle's model kind says, checked against the trained PyTorch model."""

from __future__ import annotations

import numpy as np
import torch

from ppf_neuro.choices import Timing
from ppf_neuro.deployment.backends.branch import softmax

from ppf_neuro.deployment.results import ReferenceResult
from ppf_neuro.deployment.model_files.bundle_models import Bundle
from ppf_neuro.deployment.backends.fuser import Fuser
from ppf_neuro.deployment.inputs.read import DeployInputs
from ppf_neuro.deployment.backends.lava_backend import LavaBackend
from ppf_neuro.deployment.model_files.plan import Branch, Plan, pixels_in, spikes_in
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.references.trained_model import run_classifier, slayer_stepper, spiking_reference
from ppf_neuro.errors import PPFError
from ppf_neuro.kinds import KINDS
from ppf_neuro.readout import spike_logits


def bundle_plan(bundle: Bundle, options: DeployOptions) -> Plan:
    """SNN on Lava and VQC on a PennyLane device, as the bundle's model kind combines them."""
    cfg, kind = bundle.config, KINDS[bundle.model]
    if options.lava.timing != Timing.ALIGNED:
        raise PPFError(f"--timing {options.lava.timing} counts what SLAYER's delay shift leaves of a window; a "
                       "ppf-neuro bundle's SNN trains without it and deploys with every step (aligned)")
    steps = cfg.encoding.steps
    branches = []
    if kind.has_snn:
        classifies = kind.snn_classifies

        def logits(counts: np.ndarray) -> np.ndarray:
            if not classifies:  # the serial model's SNN ends at its hidden layer: its rates feed the VQC
                return counts / steps
            return spike_logits(torch.from_numpy(counts).float(), steps, cfg.snn.readout_scale).double().numpy()

        netx = bundle.file.netx  # parsed when the file was read
        lava = LavaBackend(netx, options, logits, softmax if classifies else (lambda x: x))
        branches.append(Branch("snn", lava, spikes_in, classifies))
    if kind.has_circuit:
        qnet = bundle.quantum_net(options.qdevice, options.shots, options.noise, options.seed, options.qbackend,
                                  options.qdevice_options, options.noise_model)
        # imported here: only models with a circuit need PennyLane
        from ppf_neuro.deployment.backends.pennylane_backend import PennyLaneBackend

        vqc = PennyLaneBackend(qnet, options.shots, options.noise, progress=options.progress)
        source = (lambda inputs, done: done["snn"].logits.astype(np.float32)) if kind.circuit_reads == "rates" \
            else (lambda inputs, done: pixels_in(inputs, done).astype(np.float32))
        branches.append(Branch("qnn", vqc, source, True))
    details = {"config": cfg.to_dict(), "versions": bundle.file.versions, "trained_on": bundle.file.dataset,
               "compared": {"deployed": "the bundle's branches: the SNN as Lava processes, the circuit on the "
                                        "PennyLane device, the decision on the host",
                            "reference": "the trained PyTorch model, independently: its SNN in integer arithmetic "
                                         "from the model's own quantised parameters (checked against SLAYER), the "
                                         "circuit on the training simulator",
                            "trained_model": "the reference"}}
    if kind.decided_by == "fuser":
        fuser = Fuser(**bundle.fusion)
        details["fusion"] = bundle.fusion

        def decide(done: dict) -> np.ndarray:
            return fuser(done["snn"].logits, done["qnn"].logits)
    else:
        def decide(done: dict) -> np.ndarray:
            return done[branches[-1].name].scores

    def reference(inputs: DeployInputs) -> ReferenceResult:
        result = run_classifier(bundle.reference_model(), inputs.images, inputs.values)
        result.info["independent"] = kind.branch_independence()
        return result

    snn = {"netx": netx, "stepper": slayer_stepper(bundle.reference_model().snn),
           "spiking_reference": lambda inputs: SpikeCounts(spiking_reference(bundle.reference_model().snn,
                                                                             inputs.values)[0])} if bundle.has_snn else {}
    return Plan(bundle.model, branches, decide, reference, cfg.encoding if bundle.has_snn else None,
                needs_images=True, input_shape=bundle.image_shape, classes=bundle.num_classes,
                default_data=cfg.data.spec, details=details, **snn)
