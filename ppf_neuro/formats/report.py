"""The deployment report (JSON): typed, versioned, read and written through these records.

``ppf_neuro.deployment.report.build.build_report`` is the one place a report is made; ``analyze``, the CLI and the
benchmarks read it back with :meth:`Report.from_dict`. Every field: ``docs/report.md``.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, fields

import numpy as np

from ppf_neuro.atomic import atomic_path, write_json
from ppf_neuro.errors import PPFError

#: Bumped on any change a reader of the previous version would misread (docs/report.md).
REPORT_VERSION = 6


@dataclass(frozen=True)
class OutputComparison:
    """One class output, deployed against its reference twin."""

    accuracy_deployed: float | None
    accuracy_reference: float | None
    agreement: float
    max_abs_diff: float
    allclose: bool
    predictions: list[int]


@dataclass(frozen=True)
class LavaSection:
    """The spiking branch on Lava: what ran, per-layer agreement with the reference, timing."""

    setup: dict
    spike_agreement: dict
    spikes_per_sample: dict
    timing: dict
    layer_spikes_per_sample: list


def _per_sample_json(per_sample: dict | None, file: str | None) -> dict | None:
    """The per-sample section as JSON: a side file's name and shapes, or the arrays as lists (a report read
    back from JSON keeps what it had)."""
    if per_sample is None or not any(hasattr(v, "shape") for v in per_sample.values()):
        return per_sample
    if file is not None:
        return {"file": file, "arrays": {k: list(v.shape) for k, v in per_sample.items()}}
    return {"arrays": {k: v.tolist() for k, v in per_sample.items()}}


def write_per_sample(report: "Report", path) -> None:
    """The report's per-sample arrays as an .npz at ``path`` (float32 scores, integer spike counts), atomically."""
    buf = io.BytesIO()
    np.savez(buf, **report.per_sample)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getvalue())


def write_report(report: "Report", path) -> None:
    """``report`` as ``deploy --report`` writes it: the JSON, and its per-sample arrays beside it."""
    side = path.with_name(path.stem + ".per_sample.npz")
    write_per_sample(report, side)
    write_json(path, report.to_dict(side.name))


@dataclass(frozen=True)
class Report:
    """A deployment report: written by :func:`build_report` only, read by ``analyze``, the CLI and
    the benchmarks through :meth:`from_dict`."""

    model_file: str
    model: str
    data: str
    samples: int
    labelled: bool
    options: dict
    reference: dict
    outputs: dict[str, OutputComparison]
    config: dict | None = None
    versions: dict | None = None
    trained_on: str | None = None
    fusion: dict | None = None
    network: dict | None = None
    #: what the deployment was compared with: the reference, and whether it is the trained model
    compared: dict | None = None
    #: the deployment against the trained model's own outputs (``--expect``)
    expected: dict | None = None
    #: how images were encoded as spikes (the encoder's fields, ``steps_from``); None for given inputs
    encoding: dict | None = None
    #: per sample: every compared output's scores (class probabilities; a netx file's output counts) and the
    #: spikes of each layer, as arrays in memory (numpy, ``scores/NAME`` and ``layer_spikes``); in JSON a
    #: side file's name and the arrays' shapes (:meth:`to_dict`), or the lists themselves
    per_sample: dict | None = None
    lava: LavaSection | None = None
    activity: dict | None = None
    input_dependence: dict | None = None
    readout: dict | None = None
    quantum: dict | None = None
    divergence: dict | None = None
    timing: dict | None = None
    report_version: int = REPORT_VERSION

    @property
    def exact_circuit(self) -> bool:
        """Whether the circuit ran analytic and noiseless, so that its outputs must equal the reference's
        (with shots, depolarising noise, a noise model or a device target they differ by design)."""
        o = self.options
        return o.get("shots") is None and not o.get("noise") and not o.get("noise_model") and not o.get("qbackend")

    def __repr__(self) -> str:
        """One line: what ran on how much, and how each output compares (not every prediction)."""
        outputs = ", ".join(f"{name}: accuracy {'-' if o.accuracy_deployed is None else f'{o.accuracy_deployed:.4f}'}"
                            f", agreement {o.agreement:.4f}" for name, o in self.outputs.items())
        return f"Report({self.model} '{self.model_file}' on {self.samples} samples of {self.data}; {outputs})"

    def to_dict(self, per_sample_file: str | None = None) -> dict:
        """The JSON layout: optional sections appear only where they apply (``divergence`` with ``lava``).
        ``per_sample_file``: the .npz the per-sample arrays were written to (:func:`write_per_sample`),
        which the JSON then names with their shapes; without it the arrays are written inline."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["per_sample"] = _per_sample_json(self.per_sample, per_sample_file)
        d["outputs"] = {k: asdict(v) for k, v in self.outputs.items()}
        d["lava"] = None if self.lava is None else asdict(self.lava)
        keep = {"divergence"} if self.lava is not None else set()
        return {k: v for k, v in d.items() if v is not None or k in keep}

    @classmethod
    def from_dict(cls, d, name: str) -> "Report":
        """A report read back from JSON; an older, newer or damaged one is a one-line PPFError."""
        if not isinstance(d, dict) or "outputs" not in d or "model" not in d:
            raise PPFError(f"{name}: not a ppf-neuro deployment report (no 'outputs'/'model')")
        version = d.get("report_version")
        if version != REPORT_VERSION:
            raise PPFError(f"{name}: report version {version!r}, this ppf-neuro reads version {REPORT_VERSION} "
                           "(deploy again to write a current report)")
        try:
            values = {**d, "outputs": {k: OutputComparison(**v) for k, v in d["outputs"].items()},
                      "lava": None if d.get("lava") is None else LavaSection(**d["lava"])}
            return cls(**values)
        except (TypeError, AttributeError) as e:
            raise PPFError(f"{name}: deployment report is damaged or incomplete: {e}") from None
