"""Accuracy of trained models under input noise and, for the quantum branch, device noise.

Input noise is evaluated on the PyTorch models: their spiking branch is what
Lava runs, spike for spike (tested), so the figures hold for the deployment.
Device noise rebuilds each model's quantum branch on a noisy PennyLane device
(depolarising channel after every gate on ``default.mixed``, finite shots, or a
real device's calibration: ``ppf_neuro.quantum.device_target``) with the trained
weights; the spiking-only model is unaffected by it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ppf_neuro.atomic import result_set, write_csv, write_json, write_text
from ppf_neuro.choices import RANGES, InputNoise
from ppf_neuro.data import Split
from ppf_neuro.errors import PPFError
from ppf_neuro.noise import check_intensity, corrupt
from ppf_neuro.processes.progress import announce_estimate, progress_bar
from ppf_neuro.quantum import QuantumNet
from ppf_neuro.training.run_dir import TrainedRun, load_run
from ppf_neuro.training.trainer import evaluate


@dataclass(frozen=True)
class Condition:
    kind: str  # gaussian | uniform | salt_pepper | depolarizing | shots | device | clean
    level: float  # an intensity; for shots and device, the shots
    target: str | None = None  # device: the calibration snapshot the circuit runs on (ppf_neuro.quantum.device_target)

    @property
    def name(self) -> str:
        """The table's ``noise`` column: the kind, or for a device the snapshot's name."""
        return f"device {self.target}" if self.kind == "device" else self.kind


def _with_noisy_device(run: TrainedRun, cond: Condition, seed: int | None = None) -> torch.nn.Module:
    """The run's model with its quantum branch on a noisy device (same weights), its sampling seeded."""
    model = run.model
    if not hasattr(model, "qnn"):
        return model
    device, shots, p = ("default.mixed", None, cond.level) if cond.kind == "depolarizing" else \
        (None if cond.kind == "device" else "default.qubit", int(cond.level), 0.0)
    noisy = QuantumNet(run.config.quantum, model.qnn.in_features, run.num_classes, device, shots, p, seed=seed,
                       target=cond.target)
    noisy.load_state_dict(model.qnn.state_dict())
    noisy.prepare()
    clone = type(model)(run.config, run.image_shape, run.num_classes)
    clone.load_state_dict(model.state_dict())
    clone.qnn = noisy
    return clone.eval()


def accuracy_under(run: TrainedRun, split: Split, cond: Condition, seed: int = 0) -> float | None:
    """The run's test accuracy (a fraction) under ``cond``; None for device noise on a model
    without a quantum branch (there is nothing for it to act on)."""
    images = torch.from_numpy(split.images)
    if cond.kind in InputNoise.values():
        images = corrupt(images, cond.kind, cond.level, torch.Generator().manual_seed(seed))
        return evaluate(run.model, Split(images.numpy(), split.labels), run.config)["acc"]
    if cond.kind in ("depolarizing", "shots", "device"):
        if not hasattr(run.model, "qnn"):
            return None
        return evaluate(_with_noisy_device(run, cond, seed), split, run.config)["acc"]
    return evaluate(run.model, split, run.config)["acc"]


def _announce_device_noise(runs: dict[str, TrainedRun], split: Split, conditions: list[Condition]) -> None:
    """Device noise (``default.mixed``, a device target) costs seconds per sample: one sample is timed
    first and the whole phase's estimate printed before it starts."""
    noisy = [c for c in conditions if c.kind in ("depolarizing", "device")]
    hybrids = [run for run in runs.values() if hasattr(run.model, "qnn")]
    if noisy and hybrids:
        tick = time.perf_counter()
        accuracy_under(hybrids[0], split.head(1), noisy[0])
        announce_estimate("device noise", time.perf_counter() - tick,
                          len(split) * len(noisy) * len(hybrids))


def robustness_table(runs: dict[str, TrainedRun], split: Split, conditions: list[Condition],
                     progress: bool = True, seed: int = 0) -> list[dict]:
    """Each run's accuracy under each condition; ``seed`` seeds the input noise and the device's
    sampling, so that a rerun gives the same table."""
    if progress:
        _announce_device_noise(runs, split, conditions)
    rows = []
    for cond in progress_bar(conditions, desc="robustness", disable=not progress):
        rows.append({"noise": cond.name, "level": cond.level,
                     **{name: accuracy_under(run, split, cond, seed) for name, run in runs.items()}})
    return rows


def markdown(rows: list[dict], names: list[str]) -> str:
    """The table in percent (the unit in each header); n/a where device noise has no quantum branch."""
    lines = ["| noise | level | " + " | ".join(f"{n} accuracy (%)" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for r in rows:
        cells = ("n/a" if r[n] is None else f"{100 * r[n]:.2f}" for n in names)
        lines.append(f"| {r['noise']} | {r['level']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def file_rows(rows: list[dict], names: list[str]) -> list[dict]:
    """Rows for the JSON and CSV files: accuracies as fractions in ``accuracy_<model>`` columns
    (empty where not applicable)."""
    return [{"noise": r["noise"], "level": r["level"], **{f"accuracy_{n}": r[n] for n in names}} for r in rows]


#: The files of one robustness result set, replaced together.
ROBUSTNESS_FILES = ("robustness.json", "robustness.csv", "robustness.md", "robustness.png")


def write_robustness(rows: list[dict], names: list[str], out: Path) -> None:
    """The table (JSON, CSV, Markdown) and its plot in ``out``, as one set (``atomic.result_set``)."""
    from ppf_neuro.figures import robustness_plot

    with result_set(out, ROBUSTNESS_FILES) as stage:
        write_json(stage / "robustness.json", file_rows(rows, names))
        write_csv(stage / "robustness.csv", file_rows(rows, names))
        write_text(stage / "robustness.md", markdown(rows, names) + "\n")
        robustness_plot(rows, names, stage / "robustness.png")


def default_conditions(levels: list[float], depolarizing: list[float], shots: list[int], kinds: list[str],
                       targets: list[str] = (), target_shots: int = 1000) -> list[Condition]:
    conds = [Condition("clean", 0.0)]
    for k in kinds:
        for lv in levels:
            check_intensity(k, lv)
    conds += [Condition(k, lv) for k in kinds for lv in levels]
    conds += [Condition("depolarizing", p) for p in depolarizing]
    conds += [Condition("shots", float(s)) for s in shots]
    conds += [Condition("device", float(target_shots), t) for t in targets]
    return conds


def _named_runs(runs: list) -> dict[str, TrainedRun]:
    """Runs (``TrainedRun`` objects or run directories) by their model's name (made unique)."""
    named = {}
    for i, r in enumerate(runs):
        run_ = load_run(r) if isinstance(r, (str, Path)) else r
        label = Path(r).name if isinstance(r, (str, Path)) else str(i)
        named[run_.config.model if run_.config.model not in named else f"{run_.config.model} ({label})"] = run_
    return named


@dataclass(frozen=True)
class RobustnessStudy:
    """The conditions of a robustness study, one value for the command line and the API: input-noise
    ``kinds`` at ``levels``, ``depolarizing`` rates, ideal ``shots``, device ``targets`` at
    ``target_shots``; ``samples`` test images; ``seed`` for the noise and the devices' sampling."""

    samples: int | None = 500
    kinds: tuple[str, ...] = ()
    levels: tuple[float, ...] = ()
    depolarizing: tuple[float, ...] = ()
    shots: tuple[int, ...] = ()
    targets: tuple[str, ...] = ()
    target_shots: int = 1000
    seed: int = 0

    def conditions(self) -> list[Condition]:
        """Clean first, then every condition asked for (each checked; at least one besides clean)."""
        RANGES["seed"].check("seed", self.seed)
        RANGES["samples"].check("samples", self.samples)
        conditions = default_conditions(list(self.levels), list(self.depolarizing), list(self.shots), list(self.kinds),
                                        list(self.targets), self.target_shots)
        if len(conditions) == 1:
            raise PPFError("no condition besides the clean one: give noise kinds (--noise), --depolarizing, --shots "
                           "or --qbackend")
        return conditions


def run_robustness(runs: list, data: str | None, study: RobustnessStudy, out: Path | None,
                   progress: bool = True) -> list[dict]:
    """The whole study as ``robustness`` runs it: every cheap check first (the output place, the
    conditions, the runs, the device snapshots, the images' shape), then the table, written to ``out``
    when given."""
    from ppf_neuro.atomic import check_writable
    from ppf_neuro.config import DataConfig
    from ppf_neuro.data import load_dataset

    if out is not None:
        check_writable(out, "--out", directory=True)
    conditions = study.conditions()
    named = _named_runs(runs)
    if study.targets:  # every snapshot named and runnable by every circuit, before the data loads
        from ppf_neuro.quantum.device_target import check_target, device_backend

        for target in study.targets:
            device_backend(target)
            for run_ in named.values():
                if hasattr(run_.model, "qnn"):
                    check_target(run_.config.quantum, target, study.target_shots)
    dataset = load_dataset(DataConfig(spec=data or next(iter(named.values())).config.data.spec,
                                      test_limit=study.samples))
    for name, run_ in named.items():
        if run_.image_shape != dataset.image_shape:
            raise PPFError(f"{name}: trained on images {run_.image_shape}, '{dataset.name}' has {dataset.image_shape}")
    rows = robustness_table(named, dataset.test, conditions, progress=progress, seed=study.seed)
    if out is not None:
        write_robustness(rows, list(named), out)
    return rows

