"""Deploy a model file on inputs: every branch on its backend, the decision on the host, all checked.

The loop is the same for every model: build the plan (every backend, so bad
devices fail before any data is read), read the inputs once, run each branch on
its backend in order, combine them (the host fuser for PPF), run the reference
on the same inputs, and compare every output, class by class and neuron by neuron.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ppf_neuro.choices import InputLayout, InputMode, LavaReadout
from ppf_neuro.deployment.diagnosis.divergence import find_divergence
from ppf_neuro.deployment.windows import check_timing
from ppf_neuro.deployment.inputs.trained_outputs import Expected, check_expected, read_expected
from ppf_neuro.deployment.inputs.read import DeployInputs, encoded, from_arrays, from_dataset, from_spike_files
from ppf_neuro.deployment.references.netx_fixed_point import FixedPointSNN
from ppf_neuro.deployment.report.expected import expected_section
from ppf_neuro.deployment.model_files.open import load_model, plan_for
from ppf_neuro.deployment.model_files.plan import Plan
from ppf_neuro.deployment.report.build import Report, build_report
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.results import Deployment
from ppf_neuro.data.datasets import check_spec
from ppf_neuro.errors import PPFError, argument
from ppf_neuro.kinds import KINDS
from ppf_neuro.phases import PhaseClock
from ppf_neuro.threads import fit_threads


def prepare(request: DeployRequest) -> Plan:
    """Load the model file and build its plan: everything that can fail fast, fails here."""
    model = load_model(request.model, request.model_input_shape)
    if request.input_shape is not None and getattr(model, "declares_input", True):
        raise PPFError(f"{request.model}: {argument('input_shape')} is for a netx file that starts with a convolution "
                       "and states no input shape; this file states its own")
    return plan_for(model, request.options, request.encoder)


def read_inputs(plan: Plan, request: DeployRequest, clock: PhaseClock | None = None) -> DeployInputs:
    """The deployment's inputs: a dataset's test images (``data`` a spec), images in memory (``data``
    an array or tensor, an ``(images, labels)`` pair, or an iterable of such batches: see
    :func:`ppf_neuro.deployment.inputs.read.from_arrays`), encoded as the plan says, or recorded inputs. Without
    either, a bundle runs on the test split of the dataset it was trained on. ``clock`` times
    reading and encoding apart."""
    clock = clock or PhaseClock()
    data, recorded, samples, lava = request.data, request.inputs, request.options.samples, request.options.lava
    if data is None and recorded is None:
        data = plan.default_data
        if data is None:
            raise PPFError(f"a netx file needs its inputs: {argument('data')} (a dataset, encoded as {argument('encoding')} "
                           f"says) or recorded {argument('inputs')}")
    if recorded is not None:
        if plan.needs_images:
            why = ("its quantum branch reads pixels" if KINDS[plan.model].has_circuit else
                   "a bundle encodes them with the encoder it was trained with, and checks Lava against its SLAYER "
                   "model on them")
            raise PPFError(f"a '{plan.model}' bundle is deployed on images ({why}): use {argument('data')}")
        with clock.phase("read"):
            inputs = from_spike_files(Path(recorded), None if request.labels is None else Path(request.labels), samples,
                                      request.layout, lava.input_as, request.held_steps,
                                      plan.netx.steps if plan.netx is not None else None,
                                      lava.readout != LavaReadout.COUNTS)
    elif isinstance(data, str):
        check_spec(data)
        with clock.phase("read"):
            inputs = from_dataset(data, samples)
    else:
        with clock.phase("read"):
            inputs = from_arrays(*(data if isinstance(data, tuple) else (data,)), samples=samples)
    return _checked(plan, inputs, clock, recorded is not None, request.layout)


def _checked(plan: Plan, inputs: DeployInputs, clock: PhaseClock, recorded: bool, layout: str) -> DeployInputs:
    """The inputs checked against what the network takes, then encoded (images) as the plan says."""
    per_sample = inputs.values.shape[1:-1] if inputs.values is not None else inputs.images.shape[1:]
    if recorded and len(per_sample) == 3 == len(plan.input_shape) and tuple(per_sample) != tuple(
            plan.input_shape):
        raise PPFError(f"{inputs.source}: inputs shaped {tuple(per_sample)} per sample (as {layout.upper()}, "
                       f"read as C, H, W), the network takes {tuple(plan.input_shape)} (C, H, W)"
                       + ("; lava-dl's own arrays are (W, H, C): --layout whc" if layout == InputLayout.CHW else ""))
    if plan.needs_images and tuple(per_sample) != tuple(plan.input_shape):
        raise PPFError(f"the model expects images {tuple(plan.input_shape)} (C, H, W), "
                       f"{inputs.source} has {tuple(per_sample)}")
    if int(np.prod(per_sample)) != int(np.prod(plan.input_shape)):
        raise PPFError(f"the network takes {int(np.prod(plan.input_shape))} inputs {tuple(plan.input_shape)}, "
                       f"{inputs.source} has {int(np.prod(per_sample))} per sample {tuple(per_sample)}")
    if inputs.targets is not None and inputs.targets.reshape(len(inputs.targets), -1).shape[1] != plan.classes:
        raise PPFError(f"{inputs.source}: regression targets {inputs.targets.shape[1:] or '(N,)'} per sample, the "
                       f"output layer has {plan.classes} neurons")
    if inputs.labels is not None and len(inputs.labels) and (inputs.labels.min() < 0
                                                             or inputs.labels.max() >= plan.classes):
        bad = np.unique(inputs.labels[(inputs.labels < 0) | (inputs.labels >= plan.classes)]).tolist()
        raise PPFError(f"{inputs.source}: labels out of range: {bad[:10]} (the model has {plan.classes} classes, "
                       f"0..{plan.classes - 1})")
    if inputs.values is None and plan.encoding is not None:
        with clock.phase("encode"):
            clock.threads["encode"] = fit_threads()
            inputs = encoded(inputs, plan.encoding, plan.steps_from)
    return inputs


def _expected(plan: Plan, inputs: DeployInputs, expected: Expected, run: Deployment, options) -> dict:
    """The report's ``expected`` section (``ppf_neuro.deployment.report.expected``)."""
    snn, decision, reference = run.deployed.get("snn"), run.decision, run.reference
    per_step = plan.netx is not None and not plan.netx.sigma_delta and inputs.values is not None
    return expected_section(
        expected, None if snn is None else snn.counts.output, decision,
        None if reference.counts is None else reference.counts.output, inputs.labels, options.lava.timing,
        0 if plan.netx is None else len(plan.netx.layers), plan.model == "netx",
        (lambda: FixedPointSNN(plan.netx, options.lava.input_as).output_raster(inputs.values)) if per_step else None,
        plan.details.get("network", {}).get("timing", {}).get("not_exact"))


def diff(request: DeployRequest) -> tuple[dict | None, int, int]:
    """Where the spiking branch on Lava and its reference part, if they do (``ppf_neuro.deployment.diagnosis.divergence``),
    with no circuit and no decision: (the divergence or None, samples, layers compared)."""
    plan = prepare(request)
    snn = next((b for b in plan.branches if b.name == "snn"), None)
    if snn is None:
        raise PPFError(f"{request.model}: the model has no spiking branch to compare")
    inputs = read_inputs(plan, request)
    check_timing(plan.netx, inputs.values.shape[-1], request.options.lava.timing)
    lava = snn.backend.run(snn.inputs(inputs, {})).counts
    reference = plan.spiking_reference(inputs)
    spikes_in = request.options.lava.input_as == InputMode.SPIKES and not plan.netx.sigma_delta
    divergence = find_divergence(plan.netx, inputs.values, lava, reference, plan.stepper,
                                 request.options.divergence_plot, spikes_in)
    return divergence, len(inputs), len(lava.layers)


def deploy(request: DeployRequest, clock: PhaseClock | None = None) -> Report:
    """Run the request's model on the first ``options.samples`` of its inputs and report; each phase
    is timed on ``clock``."""
    clock = clock or PhaseClock()
    options = request.options
    with clock.phase("load"):
        plan = prepare(request)
        expected = None if request.expect is None else read_expected(request.expect)
    inputs = read_inputs(plan, request, clock)
    steps = None if inputs.values is None else inputs.values.shape[-1]
    if plan.netx is not None and steps is not None:
        check_timing(plan.netx, steps, options.lava.timing)
    if expected is not None:
        expected = check_expected(expected, len(inputs), plan.classes, steps)
    deployed = {}
    for branch in plan.branches:
        with clock.phase(branch.backend.phase):
            deployed[branch.name] = branch.backend.run(branch.inputs(inputs, deployed))
    with clock.phase("fuse" if KINDS[plan.model].decided_by == "fuser" else "decide"):
        decision = plan.decide(deployed)
    with clock.phase("reference"):
        clock.threads["reference"] = fit_threads()
        reference = plan.reference(inputs)
    divergence = None
    if "snn" in deployed:
        with clock.phase("divergence check"):
            divergence = find_divergence(plan.netx, inputs.values, deployed["snn"].counts, reference.counts,
                                         plan.stepper, options.divergence_plot,
                                         options.lava.input_as == InputMode.SPIKES and not plan.netx.sigma_delta)
    run = Deployment(deployed, decision, reference, divergence)
    if expected is not None:
        with clock.phase("expected"):
            run = replace(run, expected=_expected(plan, inputs, expected, run, options))
    return build_report(request.model, plan, inputs, run, options, clock)
