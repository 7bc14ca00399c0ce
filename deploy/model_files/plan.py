"""How a model file deploys: its branches (each a backend and where its inputs come from),
how their outputs become the decision, and the reference that checks them; the plan of a plain
netx network (a bundle's is ``ppf_neuro.deployment.model_files.bundle_plan``, which alone needs PennyLane and the models).

Building a plan builds every backend, so a bad quantum device, shot count or
noise level fails here, before any data is read or Lava starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ppf_neuro.choices import InputMode, Timing
from ppf_neuro.deployment.backends.branch import Backend

from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.deployment.results import BranchResult, ReferenceResult
from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.diagnosis.divergence import Stepper
from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN, fixed_point_stepper
from ppf_neuro.deployment.inputs.read import DeployInputs
from ppf_neuro.deployment.windows import TIMING_MEANING, biased_after_first, check_timing, window_start
from ppf_neuro.deployment.backends.lava_backend import LavaBackend
from ppf_neuro.deployment.inputs.stimulus import INPUT_MEANING, check_mode, check_readout
from ppf_neuro.config import EncodingConfig
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.netx import NetxFile
from ppf_neuro.kinds import KINDS


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
    classes: int  # class outputs (a bundle's classes, or a netx file's output neurons): labels must be below
    default_data: str | None = None  # dataset spec when none is given (a bundle's training data)
    netx: NetxFile | None = None  # the spiking branch's network, parsed once
    stepper: Stepper | None = None  # the reference step by step, for ppf_neuro.deployment.diagnosis.divergence
    #: the spiking branch's reference counts alone (``diff``: no circuit, no decision)
    spiking_reference: Callable[[DeployInputs], SpikeCounts] | None = None
    details: dict = field(default_factory=dict)  # e.g. the fusion ratio and rule, for the report
    steps_from: str = "the bundle's training config"  # where ``encoding.steps`` came from, for the report


def spikes_in(inputs: DeployInputs, done: dict) -> np.ndarray:
    return inputs.values


def pixels_in(inputs: DeployInputs, done: dict) -> np.ndarray:
    return inputs.images.reshape(len(inputs.images), -1)


WINDOWED = ("every sample in a fresh window of T steps (--steps, else the file's tSample): netx's Network is built "
            "with reset_interval=T, so states reset at each window's first step (a netx recording made with another "
            "reset_interval R is reproduced with --steps R)")
#: What makes a network's samples one stream (``NetxFile.carries``), in the messages' words.
CARRIED_BY = "synaptic delays, recurrent weights or never-reset resonate-and-fire neurons"
CARRYING = (f"every sample in a window of T steps as WINDOWED says, but the samples are one stream on netx's own "
            f"network: what is in flight or held ({CARRIED_BY}) crosses each window's start into the next sample's "
            "window, and the reference runs the same stream")
FREE_RUNNING = ("sigma-delta, free-running: no resets (netx ignores them), so the samples are one stream in their "
                "order and each window starts from the state the previous sample left; the reference runs the same "
                "stream")


def netx_compared(net: NetxFile) -> dict:
    """What a netx file's deployment compares: Lava with ppf-neuro's integer model of the file, which is
    not the network that was trained (that comparison needs the trained model's outputs, ``--expect``)."""
    compared = {"deployed": "the file's network as Lava processes",
                "reference": "ppf-neuro's integer model of the file (netx's semantics: what the file says, not "
                             "what the training framework computed)",
                "trained_model": "not compared: give --expect with the trained model's outputs on these inputs"}
    graded = [layer.index for layer in net.layers if getattr(layer.neuron, "graded_spike", False)]
    if graded:
        compared["graded_spike"] = (f"layers {graded} have gradedSpike neurons: netx builds Lava's binary LIF for them "
                                    "(as deployed and referenced here), while SLAYER trained them with graded spikes")
    dropped = [layer.index for layer in net.layers if getattr(layer.neuron, "adaptive_dropped", False)]
    if dropped:
        compared["adaptive_threshold"] = (f"layers {dropped} have ADRF neurons: netx builds them without their adaptive "
                                          "threshold (vThStep, thDecay, refDecay), as deployed and referenced here; "
                                          "the trained model had it")
    if net.nir_import is not None:
        q = net.nir_import.get("quantisation") or []
        compared["reference"] = ("ppf-neuro's integer model of the file that import-nir wrote: the NIR graph "
                                 "quantised, not the float graph the framework exported")
        compared["quantisation"] = q
        if q:
            compared["quantisation_summary"] = (
                f"largest relative errors over {len(q)} layer(s): weight {max(x['weight_error'] for x in q):.2%}, "
                f"threshold {max(x['threshold_error'] for x in q):.2%}, decay {max(x['decay_error'] for x in q):.2%}")
    return compared


def netx_plan(net: NetxFile, options: DeployOptions, encoding: dict) -> Plan:
    """A plain netx network: its SNN on Lava, checked against the fixed-point reference rebuilt from
    the file (``ppf_neuro.deployment.references.netx_fixed_point``); the class scores are the output layer's spike counts. Images
    are encoded over the file's own ``/simulation/tSample`` steps unless ``encoding`` says otherwise."""
    check_mode(net, options.lava.input_as)
    timing = options.lava.timing
    check_timing(net, None, timing)
    stream = ("a sigma-delta network runs free (no resets)" if net.sigma_delta else
              f"{CARRIED_BY} carry spikes or states across each window's start" if net.carries else None)
    if stream and (options.workers > 1 or options.ray_address or options.lava.replicas not in (None, 1)):
        raise PPFError(f"{net.path}: {stream}: its samples are one stream, which replicas and shards would cut (run "
                       "it with --replicas 1 --workers 1, the defaults for such a network)")
    if net.carries and options.lava.input_as == InputMode.BIAS:
        raise PPFError(f"{net.path}: --input-as bias sets each window's bias; this network's samples run as one stream "
                       f"({CARRIED_BY}): give the inputs as --input-as spikes or graded")
    readout = options.lava.readout
    check_readout(net, readout)
    steps_from = ("the option (--steps)" if "steps" in encoding else "the file's /simulation/tSample"
                  if net.steps is not None else f"the default ({EncodingConfig().steps}): no --steps, and the file "
                                                "names no tSample")
    if net.steps is not None:
        encoding = {"steps": net.steps, **encoding}
    unit = net.layers[-1].neuron.output_unit(readout)

    def as_scores(output: np.ndarray) -> np.ndarray:
        """Counts as they are; a readout's states (N, neurons, T) as their mean over the window, in
        the network's units (1.0 = ``unit``)."""
        return output.astype(np.float64) if output.ndim == 2 else output.mean(-1) / unit

    lava = LavaBackend(net, options, as_scores, as_scores)
    reference_model = FixedPointSNN(net, options.lava.input_as, timing)

    def reference(inputs: DeployInputs) -> ReferenceResult:
        counts, _, states = reference_model.counts_and_states(inputs.values, readout)
        counts = SpikeCounts(counts)
        return ReferenceResult({"output": as_scores(counts.output if states is None else states)}, counts,
                               {"backend": "ppf-neuro fixed-point reference rebuilt from the netx file "
                                           "(PyTorch integer arithmetic, no Lava)",
                                "independent": KINDS["netx"].branch_independence()}, states)

    details = {"network": {"input_shape": list(net.input_shape), "inputs": INPUT_MEANING[options.lava.input_as],
                           "dynamics": FREE_RUNNING if net.sigma_delta else CARRYING if net.carries else WINDOWED, "t_sample": net.steps,
                           "timing": {"name": timing, "meaning": TIMING_MEANING[timing],
                                      **({"not_exact": f"layers {biased} have biases: SLAYER runs a layer's bias "
                                          "for as many steps as it has layers before it, ahead of its input, which "
                                          "no Lava schedule gives"} if (biased := biased_after_first(net))
                                         and timing != Timing.ALIGNED else {})},
                           "layers": [{"index": layer.index, "kind": layer.kind, "shape": list(layer.shape),
                                       "neuron": layer.neuron.type, "window_start_lava_step": window_start(net, i)}
                                      for i, layer in enumerate(net.layers)]},
               "compared": netx_compared(net)}
    return Plan("netx", [Branch("snn", lava, spikes_in, True)], lambda done: done["snn"].scores, reference,
                EncodingConfig(**encoding), needs_images=False, input_shape=net.input_shape,
                classes=net.layers[-1].neurons, netx=net, stepper=fixed_point_stepper(net), details=details,
                steps_from=steps_from,
                spiking_reference=lambda inputs: SpikeCounts(reference_model.counts(inputs.values)[0]))
