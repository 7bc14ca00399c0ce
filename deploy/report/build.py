"""The deployment report: every deployed output against the reference, and what ran.

Lava is compared with PyTorch for the spiking layers (per neuron and layer) and the
PennyLane device with the training simulator for the circuit: independent computations.
The fused decision is *not* independently checked here: the host fuser and the
trained model both apply ``ppf_neuro.fusion.fuse``, so their agreement shows the
wiring (branch outputs, ratio, rule name) is right, not the rule; the rule itself
is tested against a hand computation (``tests/unit/deployment/test_fuser.py``). Class outputs are
compared by their scores with a tolerance (``max_abs_diff``, ``allclose``), not only
by their argmax.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ppf_neuro.choices import InputMode
from ppf_neuro.deployment.report.activity import activity_section
from ppf_neuro.deployment.results import BranchResult, Deployment
from ppf_neuro.deployment.results import SpikeCounts
from ppf_neuro.deployment.report.fan_outs import fan_outs
from ppf_neuro.deployment.report.input_dependence import input_dependence
from ppf_neuro.deployment.inputs.read import DeployInputs
from ppf_neuro.formats.report import LavaSection, OutputComparison, Report
from ppf_neuro.phases import PhaseClock, format_rate

#: Deployed and reference class scores agree when every entry is within this (probabilities,
#: or spike counts) of its twin: float32 arithmetic on the two sides differs by ~1e-7.
SCORE_ATOL = 1e-5


def compare_spikes(lava: SpikeCounts, ref: SpikeCounts, indices: list[int]) -> dict:
    """How exactly the Lava counts reproduce the reference counts, layer by layer (each named by its
    index in the netx file, ``indices``: the npz entries' and the console's numbering)."""
    layers = []
    for index, a, b in zip(indices, lava.layers, ref.layers):
        diff = np.abs(a - b)
        layers.append({
            "layer": index,
            "neurons": int(a.shape[1]),
            "exact_neuron_counts": float((diff == 0).mean()),
            "max_abs_count_diff": int(diff.max(initial=0)),
            "spikes_per_sample_lava": float(a.sum(1).mean()),
            "spikes_per_sample_reference": float(b.sum(1).mean()),
        })
    return {"samples_with_identical_output_counts": float((lava.output == ref.output).all(1).mean()),
            "samples_with_identical_counts_in_every_layer": float(
                np.all([(a == b).all(1) for a, b in zip(lava.layers, ref.layers)], axis=0).mean()),
            "layers": layers}


def lava_section(result: BranchResult, ref: SpikeCounts, indices: list[int]) -> LavaSection:
    counts = result.counts
    return LavaSection(
        setup={k: result.info[k] for k in ("network", "replicas", "synapse", "neuron", "recorder", "mode", "shards",
                                           "inputs")
               if k in result.info},
        spike_agreement=compare_spikes(counts, ref, indices),
        spikes_per_sample={"lava": float(counts.per_layer_totals().sum(1).mean()),
                           "reference": float(ref.per_layer_totals().sum(1).mean())},
        timing={k: result.info[k] for k in ("seconds", "time_steps", "steps_per_second", "samples_per_second")},
        layer_spikes_per_sample=counts.per_layer_totals().tolist(),
    )


def outputs_section(deployed: dict[str, np.ndarray], reference: dict[str, np.ndarray],
                    labels: np.ndarray | None) -> dict[str, OutputComparison]:
    """Per output: accuracy of the deployment and of its reference twin (with labels), argmax
    agreement, and how far their scores are apart."""
    out = {}
    for name, scores in deployed.items():
        ref = reference[name]
        pred, ref_pred = scores.argmax(-1), ref.argmax(-1)
        diff = float(np.abs(scores - ref).max(initial=0.0))
        out[name] = OutputComparison(
            accuracy_deployed=None if labels is None else float((pred == labels).mean()),
            accuracy_reference=None if labels is None else float((ref_pred == labels).mean()),
            agreement=float((pred == ref_pred).mean()), max_abs_diff=diff, allclose=bool(diff <= SCORE_ATOL),
            predictions=pred.tolist())
    return out


def _regression(scores: np.ndarray, targets: np.ndarray) -> dict:
    """MSE and R^2 of (N, outputs) scores against float targets of the same shape."""
    err = ((scores - targets) ** 2).mean()
    var = ((targets - targets.mean(0)) ** 2).mean()
    return {"mse": float(err), "r2": float(1 - err / var) if var > 0 else None}


def readout_section(kind: str, lava: np.ndarray, reference: np.ndarray, scores: np.ndarray, ref_scores: np.ndarray,
                    targets: np.ndarray | None) -> dict:
    """The output layer's states at every step, Lava against the reference (the largest difference,
    which must be 0), and with float targets the regression error of both."""
    diff = np.abs(lava.astype(np.int64) - reference.astype(np.int64))
    section = {"kind": kind, "shape": list(lava.shape), "max_abs_state_diff": int(diff.max(initial=0)),
               "identical_states": float((diff == 0).mean()),
               "scores": "the mean over each sample's window, in the network's units (1.0 = 2^12 for voltages "
                         "and SigmaDelta payloads, 2^18 for a Sigma output)"}
    if targets is not None:
        targets = targets.reshape(scores.shape)
        section["regression"] = {"deployed": _regression(scores, targets), "reference": _regression(ref_scores, targets)}
    return section


def _graded_inputs(net, options) -> list[bool]:
    """Per layer, whether what it receives are graded payloads: a sigma-delta layer's inputs after
    the first, and the first layer's with ``--input-as graded``."""
    return [options.lava.input_as == InputMode.GRADED if i == 0 else net.sigma_delta for i in range(len(net.layers))]


def _input_events(inputs: DeployInputs, options) -> np.ndarray:
    """What reaches the first layer as messages: the inputs, or nothing where they are the input
    neurons' bias (``--input-as bias``: no synaptic events, no synaptic operations)."""
    if options.lava.input_as == InputMode.BIAS:
        return np.broadcast_to(np.zeros(1, dtype=np.int8), inputs.values.shape)
    return inputs.values


def build_report(path: Path, plan, inputs: DeployInputs, run: Deployment, options, clock: PhaseClock) -> Report:
    """The one place a report is written, from what the deployment produced (``run``)."""
    deployed, decision, reference, expected = run.deployed, run.decision, run.reference, run.expected
    scores = {"output": decision}
    scores.update({b.name: deployed[b.name].scores for b in plan.branches
                   if b.classifies and b.name in reference.scores})
    snn = deployed.get("snn")
    per_sample = {f"scores/{name}": s.astype(np.float32) for name, s in scores.items()}
    if snn is not None:
        per_sample["layer_spikes"] = snn.counts.per_layer_totals().astype(np.int32)
    details = dict(plan.details)
    if expected is not None and "compared" in details:
        details["compared"] = {**details["compared"], "trained_model": f"its outputs from {expected['file']}, "
                               f"against {expected['against']}: the 'expected' section"}
    return Report(
        model_file=str(path), model=plan.model, data=inputs.source, samples=len(inputs),
        labelled=inputs.labels is not None, encoding=inputs.encoding, per_sample=per_sample, **details,
        options=json.loads(json.dumps({k: v for k, v in asdict(options).items() if k != "progress"}, default=str)),
        reference=reference.info, outputs=outputs_section(scores, reference.scores, inputs.labels),
        lava=None if snn is None else lava_section(snn, reference.counts, [layer.index for layer in plan.netx.layers]),
        activity=None if snn is None else activity_section(fan_outs(plan.netx), _input_events(inputs, options),
                                                           snn.counts, snn.extra.get("input_steps"),
                                                           snn.extra.get("rasters"), _graded_inputs(plan.netx, options)),
        input_dependence=None if snn is None else input_dependence(plan.netx, inputs.values, snn.counts,
                                                                   snn.extra.get("readout"), inputs.labels),
        readout=None if reference.readout is None else readout_section(
            options.lava.readout, snn.extra["readout"], reference.readout, scores["output"],
            reference.scores["output"], inputs.targets),
        quantum=deployed["qnn"].info if "qnn" in deployed else None, divergence=run.divergence, expected=expected,
        timing={"phases": dict(clock.seconds), "seconds": clock.total, "torch_threads": dict(clock.threads),
                "samples_per_second": len(inputs) / max(clock.total, 1e-9)})


def _outputs_table(report: Report) -> list[str]:
    names = {"output": f"{report.model} (decision)", "snn": "SNN branch (Lava)", "qnn": "quantum branch"}
    rows = [("output", "deployed", "reference", "agreement", "max |diff|")]
    percent = lambda v: "-" if v is None else f"{100 * v:.2f} %"  # noqa: E731
    for key, o in report.outputs.items():
        rows.append((names[key], percent(o.accuracy_deployed), percent(o.accuracy_reference), percent(o.agreement),
                     f"{o.max_abs_diff:.1e}"))
    e = report.expected
    if e is not None:  # the trained model's own outputs in the reference's column, against the deployment
        deployed = report.outputs["snn" if "snn" in report.outputs else "output"].accuracy_deployed
        diff = e.get("max_abs_count_diff", e.get("max_abs_diff"))
        rows.append(("trained model (--expect)", percent(deployed), percent(e.get("accuracy")),
                     percent(e["argmax_agreement"]), f"{diff:.1e}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _events(report: Report) -> str:
    """What a layer's messages are called: spikes, or a sigma-delta network's graded events."""
    return "events" if "sigma-delta" in (report.network or {}).get("dynamics", "") else "spikes"


def _compared_lines(report: Report) -> list[str]:
    """What the agreement figures compare, and how the trained model's own outputs compare."""
    c, e = report.compared or {}, report.expected
    lines = []
    if c:
        lines.append(f"compared: {c['deployed']} against {c['reference']}")
        lines += [f"note: {c[key]}" for key in ("graded_spike", "adaptive_threshold") if key in c]
        if "quantisation_summary" in c:
            lines.append(f"NIR import quantisation: {c['quantisation_summary']}")
    if e is not None:
        what = {"spikes": "output spikes per step", "counts": "output spike counts", "scores": "scores"}[e["kind"]]
        line = f"trained model ({e['file']}, {what}) against {e['against']}: argmax {100 * e['argmax_agreement']:.2f} %"
        if e.get("identical_counts") is not None:
            line += (f", identical counts {100 * e['identical_counts']:.2f} % of samples, "
                     f"{100 * e['per_neuron_identical']:.2f} % per neuron")
        if "best_shift" in e:
            b = e["best_shift"]
            line += f"; best time shift {b['shift']} step(s) ({100 * b['identical_samples']:.2f} % of samples identical)"
        lines += [line, f"hint: {e['hint']}"]
    elif report.model == "netx":
        lines.append("note: this is the file's network, not necessarily the one that was trained; give --expect "
                     "FILE.npy (the trained model's outputs on these inputs) to compare with it")
    return lines


def summary_table(report: Report) -> str:
    """The few lines a person reads after a deployment."""
    lines = _outputs_table(report)
    lines += [f"WARNING: {w}" for w in (report.input_dependence or {}).get("warnings", [])]
    targets = "regression targets" if "regression" in (report.readout or {}) else "no labels"
    lines.append(f"samples: {report.samples} of {report.data}" + ("" if report.labelled else f" ({targets})"))
    if report.encoding is not None and report.encoding["steps_from"].startswith("the default"):
        lines.append(f"note: images encoded by the {report.encoding['kind']} encoder over {report.encoding['steps']} "
                     f"steps, {report.encoding['steps_from']} (--encoding and --steps choose)")
    lines += _compared_lines(report)
    if not report.exact_circuit:
        lines.append("note: with shots, noise or a device target the circuit's outputs differ from the analytic "
                     "reference by design (its agreement above measures that); the exit status judges the other outputs")
    if report.fusion is not None:
        lines.append(f"fusion: a = {report.fusion['ratio']:.3f} (SNN share), rule {report.fusion['rule']}")
    if report.lava is not None:
        lava = report.lava
        asked = lava.setup["mode"]["replicas"]
        clamped = f" (--replicas {asked} clamped to the samples)" if asked and asked > lava.setup["replicas"] else ""
        lines.append(f"Lava: {lava.setup['network']}, {lava.setup['replicas']} replica(s){clamped}; identical counts in every "
                     f"layer on {100 * lava.spike_agreement['samples_with_identical_counts_in_every_layer']:.2f} % "
                     f"of samples, {lava.spikes_per_sample['lava']:.1f} {_events(report)}/sample, "
                     f"run {lava.timing['seconds']:.2f} s ({format_rate(lava.timing['samples_per_second'])}; the "
                     "Lava phase below adds building, compiling and starting the network)")
    if report.readout is not None:
        r = report.readout
        line = (f"readout: {r['kind']} of the output layer at every step {tuple(r['shape'])}; Lava against the "
                f"reference: max |diff| {r['max_abs_state_diff']}")
        if "regression" in r:
            d, ref = r["regression"]["deployed"], r["regression"]["reference"]
            r2 = "-" if d["r2"] is None else f"{d['r2']:.4f}"
            line += f"; MSE {d['mse']:.4g} (reference {ref['mse']:.4g}), R² {r2}"
        lines.append(line)
    if (report.activity or {}).get("rasters", {}).get("file"):
        lines.append(f"rasters: every step of every layer in {report.activity['rasters']['file']}")
    if report.divergence:
        from ppf_neuro.deployment.diagnosis.divergence import describe

        lines.append("DIVERGENCE: " + describe(report.divergence) +
                     (f"; plot: {report.divergence['plot']}" if "plot" in report.divergence else ""))
    if report.quantum is not None:
        q = report.quantum
        shots = "analytic" if q["shots"] is None else f"{q['shots']} shots"
        noise = f", depolarising p={q['noise']}" if q["noise"] else ""
        lines.append(f"quantum: {q['evaluated_by']} ({shots}{noise}): {q['device_executions']} device executions, "
                     f"{q['seconds']:.2f} s")
    if report.timing is not None:
        threads = report.timing["torch_threads"]
        phases = ", ".join(f"{name} {seconds:.2f} s" + (f" ({threads[name]} torch threads)" if name in threads else "")
                           for name, seconds in report.timing["phases"].items())
        lines.append(f"time: {phases}; {report.timing['seconds']:.2f} s in all "
                     f"({format_rate(report.timing['samples_per_second'])})")
    return "\n".join(lines)
