"""Typed configuration: one frozen dataclass per stage, nested in :class:`RunConfig`.

Configs are plain data (no tensors, no callables) so that the full config of a
run can be saved as JSON inside every artifact and rebuilt exactly with
:meth:`RunConfig.from_dict`. Values are checked where they are made; a bad value
raises :class:`~ppf_neuro.errors.PPFError` naming the field; JSON becomes these
dataclasses through :mod:`ppf_neuro.typed_json`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ppf_neuro import choices
from ppf_neuro.choices import Ansatz, FeatureMap, FusionRule, Measurement, Reduction, Selection, Simulator, SpikeEncoder
from ppf_neuro.errors import PPFError, read_json_file
from ppf_neuro.typed_json import check as _check
from ppf_neuro.typed_json import current_name, section_from_dict


def _check_seed(value, where: str) -> None:
    _check(isinstance(value, int) and 0 <= value <= choices.SEED_MAX, where, f"an integer in [0, {choices.SEED_MAX}]", value)


def _check_positive(value, where: str) -> None:
    """A positive, finite number (an infinite step size trains to NaN)."""
    _check(math.isfinite(value) and value > 0, where, "a positive finite number", value)


def _check_size(values, limit: int, where: str) -> None:
    """Positive integers up to ``limit`` (one, or each of a tuple)."""
    many = isinstance(values, tuple)
    for v in values if many else (values,):
        _check(isinstance(v, int) and 1 <= v <= limit, where, f"{'integers' if many else 'an integer'} in [1, {limit}]",
               values)


def _check_choice(value, allowed: tuple, where: str) -> None:
    _check(value in allowed, where, f"one of {list(allowed)}", value)


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, and how much of it.

    ``spec`` is ``digits`` (scikit-learn's bundled 8x8 digits) or ``idx:PATH``
    (a directory in the MNIST file layout). Limits take the first N samples of
    each split, for quick runs. ``val_fraction`` of the training images (after
    the limit; stratified by class, drawn with ``split_seed``) are held out for
    validation: per-epoch metrics and checkpoint selection use them, never the
    test set. The split is fixed by ``split_seed``, so runs that differ only in
    their training seed see the same validation images.
    """

    spec: str = "digits"
    train_limit: int | None = None
    test_limit: int | None = None
    val_fraction: float = 0.1
    split_seed: int = 0

    def __post_init__(self):
        for name in ("train_limit", "test_limit"):
            v = getattr(self, name)
            _check(v is None or v > 0, f"data.{name}", "a positive integer or null", v)
        _check(0 <= self.val_fraction < 1, "data.val_fraction", "a value in [0, 1)", self.val_fraction)
        _check_seed(self.split_seed, "data.split_seed")


@dataclass(frozen=True)
class EncodingConfig:
    """How pixels in [0, 1] become binary spike trains over ``steps`` time steps.

    ``rate``: Bernoulli spikes with probability ``gain * pixel`` per step (seeded).
    ``regular``: deterministic integrate-and-fire coding, a pixel of value x
    spikes ``floor(steps * gain * x)`` times at evenly spaced steps.
    ``integrate``: lava-dl's netx MNIST tutorial convention: per step
    ``v += gain * x + bias``, spike when ``v > threshold`` (strict), then ``v = 0``.
    ``blank`` leading steps of every window carry no spikes (any kind).
    """

    kind: str = SpikeEncoder.REGULAR
    steps: int = 16
    gain: float = 1.0
    seed: int = 0
    threshold: float = 1.0
    bias: float = 0.0
    blank: int = 0

    def __post_init__(self):
        _check_choice(self.kind, SpikeEncoder.values(), "encoding.kind")
        _check_size(self.steps, choices.MAX_STEPS, "encoding.steps")
        _check_positive(self.gain, "encoding.gain")
        _check_positive(self.threshold, "encoding.threshold")
        _check_seed(self.seed, "encoding.seed")
        _check(0 <= self.blank < self.steps, "encoding.blank", f"an integer in [0, steps={self.steps})", self.blank)


@dataclass(frozen=True)
class ConvSpec:
    """One strided convolution layer (netx deploys no pooling, so strides downsample)."""

    channels: int
    kernel: int = 3
    stride: int = 2
    padding: int = 1

    def __post_init__(self):
        _check(self.channels >= 1, "snn.conv.channels", "at least 1", self.channels)
        _check(self.kernel >= 1, "snn.conv.kernel", "at least 1", self.kernel)
        _check(self.stride >= 1, "snn.conv.stride", "at least 1", self.stride)
        _check(self.padding >= 0, "snn.conv.padding", "at least 0", self.padding)


@dataclass(frozen=True)
class SNNConfig:
    """The spiking branch: optional strided convolutions, dense hidden layers, CUBA neurons.

    Neuron parameters are in SLAYER's units: ``threshold`` in units of the
    weight scale, decays as the fraction lost per step (12-bit on hardware).
    ``readout_scale`` turns output spike rates (count / steps, in [0, 1]) into
    logits: ``logits = readout_scale * rate``.
    """

    conv: tuple[ConvSpec, ...] = ()
    hidden: tuple[int, ...] = (128,)
    threshold: float = 1.25
    current_decay: float = 0.25
    voltage_decay: float = 0.03
    tau_grad: float = 0.03
    scale_grad: float = 3.0
    weight_scale: float = 2.0
    dropout: float = 0.05
    readout_scale: float = 10.0

    def __post_init__(self):
        _check_size(self.hidden, choices.MAX_WIDTH, "snn.hidden")
        _check(self.threshold > 0, "snn.threshold", "a positive number", self.threshold)
        for name in ("current_decay", "voltage_decay"):
            v = getattr(self, name)
            _check(0 <= v <= 1, f"snn.{name}", "a value in [0, 1]", v)
        _check(0 <= self.dropout < 1, "snn.dropout", "a value in [0, 1)", self.dropout)
        _check(self.readout_scale > 0, "snn.readout_scale", "a positive number", self.readout_scale)
        for name in ("weight_scale", "tau_grad", "scale_grad"):  # SLAYER divides by or scales with them
            _check(getattr(self, name) > 0, f"snn.{name}", "a positive number", getattr(self, name))


@dataclass(frozen=True)
class QuantumConfig:
    """The variational quantum branch: reduction -> feature map -> ansatz -> measurement -> linear head.

    ``reduction`` maps the input to one feature per qubit (``2**qubits`` for
    the amplitude feature map): ``dressed`` is a trainable linear layer squashed to
    angles ``tanh(Wx) * pi/2`` (the paper's reference code), ``pca`` projects on
    principal components fitted on the training set, ``pool`` averages equal
    blocks of pixels. ``ansatz`` is ``strong`` (StronglyEntanglingLayers, 3
    rotations per qubit and layer) or ``basic`` (BasicEntanglerLayers, 1).
    ``reupload`` re-encodes the features before every ansatz layer.
    ``feature_map`` is how the features enter the circuit: ``angle`` (one rotation
    per qubit) or ``amplitude`` (the state's amplitudes).
    ``measurement`` is what the circuit measures, the input of the linear head:
    ``z`` the n values <Z_i>; ``zz`` those plus the n(n-1)/2 correlators
    <Z_i Z_j>; ``probs`` the 2**k computational-basis probabilities of the first
    k = ``measured_wires`` wires (all wires when null).
    ``hidden`` puts classical hidden layers (ReLU) before a dressed reduction's
    squashing layer (the paper's code has a 128-unit spiking one there).
    ``device`` and ``diff_method`` are the training simulator; ``simulator``
    ``auto`` evaluates the training circuit with ppf-neuro's fast path where it
    is exact (analytic, noiseless ``default.qubit``, ``backprop``), ``qnode``
    always with the PennyLane QNode, ``fast`` insists on the fast path.
    Deployment executes the circuit on a PennyLane device (any).
    """

    qubits: int = 10
    reduction: str = Reduction.DRESSED
    feature_map: str = FeatureMap.ANGLE
    ansatz: str = Ansatz.STRONG
    layers: int = 3
    reupload: bool = False
    measurement: str = Measurement.ZZ
    measured_wires: int | None = None
    hidden: tuple[int, ...] = ()
    device: str = "default.qubit"
    diff_method: str = "backprop"
    simulator: str = Simulator.AUTO

    #: Keys renamed on 2026-12-07, read under their new names from older files and overrides, each said once:
    #: "encoding" is also the spike encoder, "readout" also Lava's output and the SNN's spike-to-logit rule.
    RENAMED: typing.ClassVar[dict[str, str]] = {"encoding": "feature_map", "readout": "measurement",
                                                "readout_wires": "measured_wires"}

    def __post_init__(self):
        _check(1 <= self.qubits <= 16, "quantum.qubits", "an integer in [1, 16]", self.qubits)
        _check_choice(self.reduction, Reduction.values(), "quantum.reduction")
        _check_choice(self.feature_map, FeatureMap.values(), "quantum.feature_map")
        _check_choice(self.ansatz, Ansatz.values(), "quantum.ansatz")
        _check_choice(self.measurement, Measurement.values(), "quantum.measurement")
        _check_choice(self.simulator, Simulator.values(), "quantum.simulator")
        _check_size(self.layers, choices.MAX_CIRCUIT_LAYERS, "quantum.layers")
        _check(not (self.reupload and self.feature_map == FeatureMap.AMPLITUDE), "quantum.reupload",
               "false with the amplitude feature map (state preparation must come first)", self.reupload)
        _check(self.measured_wires is None or 1 <= self.measured_wires <= self.qubits, "quantum.measured_wires",
               f"null or an integer in [1, qubits={self.qubits}]", self.measured_wires)
        _check(self.measured_wires is None or self.measurement == Measurement.PROBS, "quantum.measured_wires",
               "null unless quantum.measurement is 'probs'", self.measured_wires)
        _check_size(self.hidden, choices.MAX_WIDTH, "quantum.hidden")
        _check(not self.hidden or self.reduction == Reduction.DRESSED, "quantum.hidden",
               "empty unless quantum.reduction is 'dressed' (the only trainable reduction)", self.hidden)
        _check(not (self.simulator == Simulator.FAST and self.diff_method != "backprop"), "quantum.simulator",
               "'auto' or 'qnode' with a diff_method other than backprop (the fast path differentiates "
               "by backprop only)", self.simulator)

    @property
    def features(self) -> int:
        """Features the reduction produces: one per qubit, or 2**qubits amplitudes."""
        return 2 ** self.qubits if self.feature_map == FeatureMap.AMPLITUDE else self.qubits

    @property
    def measurement_size(self) -> int:
        """Numbers the circuit's measurement hands the head."""
        if self.measurement == Measurement.Z:
            return self.qubits
        if self.measurement == Measurement.ZZ:
            return self.qubits + self.qubits * (self.qubits - 1) // 2
        return 2 ** (self.measured_wires or self.qubits)


@dataclass(frozen=True)
class FusionConfig:
    """Proportional fusion ``p = a * p_snn + (1 - a) * p_qnn``.

    ``ratio`` is the SNN's share ``a``; ``null`` learns it (``a = sigmoid(s)``,
    so it stays in (0, 1) by construction) starting from ``init_ratio``.
    ``rule``: ``prob`` fuses class probabilities, ``logit`` fuses the logits
    before the softmax (as the paper's reference code does).
    ``aux_weight`` adds that multiple of each branch's own loss.
    """

    ratio: float | None = None
    init_ratio: float = 0.5
    rule: str = FusionRule.PROB
    aux_weight: float = 0.5

    def __post_init__(self):
        _check(self.ratio is None or 0 <= self.ratio <= 1, "fusion.ratio", "a value in [0, 1] or null (learned)", self.ratio)
        _check(0 < self.init_ratio < 1, "fusion.init_ratio", "a value in (0, 1)", self.init_ratio)
        _check_choice(self.rule, FusionRule.values(), "fusion.rule")
        _check(self.aux_weight >= 0, "fusion.aux_weight", "a non-negative number", self.aux_weight)


@dataclass(frozen=True)
class SerialConfig:
    """The serial baseline (Konar et al. 2023): SNN hidden rates feed a dressed VQC.

    ``pretrain_epochs`` first trains the SNN alone (with an output layer that
    is then dropped); ``freeze_snn`` keeps it fixed afterwards, as Konar et al. did.
    """

    pretrain_epochs: int = 0
    freeze_snn: bool = False

    def __post_init__(self):
        _check(self.pretrain_epochs >= 0, "serial.pretrain_epochs", "at least 0", self.pretrain_epochs)
        _check(not self.freeze_snn or self.pretrain_epochs > 0, "serial.freeze_snn",
               "false unless serial.pretrain_epochs > 0 (a frozen untrained SNN learns nothing)", self.freeze_snn)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation: Adam with a cosine schedule on the NLL of the model's output.

    ``quantum_lr`` is the step size of the quantum branch and the fusion ratio:
    circuit angles need larger steps than spiking weights (measured on
    mnist-10k, quantum branch alone after 6 epochs: 46.8 % at 1e-3, 75.6 % at 1e-2).
    ``shift`` > 0 augments every training batch with random translations of up
    to that many pixels (zero fill; both branches see the same shifted image).
    ``select`` keeps the epoch with the best validation accuracy (``best``;
    ties go to the lower validation loss) or the last one (``last``, also what
    happens without a validation split).
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    quantum_lr: float = 1e-2
    seed: int = 0
    shift: int = 0
    select: str = Selection.BEST

    def __post_init__(self):
        _check(1 <= self.epochs <= choices.MAX_EPOCHS, "train.epochs", f"from 1 to {choices.MAX_EPOCHS:,}", self.epochs)
        _check(self.batch_size >= 1, "train.batch_size", "at least 1", self.batch_size)
        _check_positive(self.lr, "train.lr")
        _check_positive(self.quantum_lr, "train.quantum_lr")
        _check_seed(self.seed, "train.seed")
        _check(self.shift >= 0, "train.shift", "a non-negative integer", self.shift)
        _check_choice(self.select, Selection.values(), "train.select")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run; saved verbatim in every artifact.

    ``model`` picks the architecture: ``snn`` (spiking only), ``qnn`` (quantum
    only), ``serial`` (SNN feeding a VQC) or ``ppf`` (both in parallel, fused).
    """

    model: str = "ppf"
    data: DataConfig = field(default_factory=DataConfig)
    encoding: EncodingConfig = field(default_factory=EncodingConfig)
    snn: SNNConfig = field(default_factory=SNNConfig)
    quantum: QuantumConfig = field(default_factory=QuantumConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    serial: SerialConfig = field(default_factory=SerialConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self):
        _check_choice(self.model, choices.MODELS, "model")
        _check(self.model != "serial" or self.quantum.reduction != Reduction.PCA, "quantum.reduction",
               "'dressed' or 'pool' for the serial model (its VQC reads spike rates, not images)",
               self.quantum.reduction)
        _check(self.model != "serial" or bool(self.snn.hidden), "snn.hidden",
               "at least one hidden layer for the serial model (its rates feed the VQC)", self.snn.hidden)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        return section_from_dict(cls, d, "")

    @classmethod
    def from_file(cls, path: str | Path) -> "RunConfig":
        """A config file, or a run's ``config.json`` (whose ``config`` entry is the run's config)."""
        d = read_json_file(path, "config file")
        if isinstance(d, dict) and "ppf_neuro_version" in d and isinstance(d.get("config"), dict):
            d = d["config"]
        return cls.from_dict(d)

    def replace(self, **sections) -> "RunConfig":
        """A copy with whole sections replaced, e.g. ``cfg.replace(train=...)``."""
        return dataclasses.replace(self, **sections)


def set_value(cfg_dict: dict, key: str, value) -> None:
    """Set ``key`` (``model`` or ``SECTION.FIELD``, e.g. ``quantum.qubits``) in a config dict.

    The value is checked when the dict becomes a :class:`RunConfig`.
    """
    parts = key.split(".")
    if parts == ["model"]:
        cfg_dict["model"] = value
        return
    if len(parts) != 2 or not isinstance(cfg_dict.get(parts[0]), dict):
        sections = sorted(k for k, v in cfg_dict.items() if isinstance(v, dict))
        raise PPFError(f"config key '{key}': expected 'model' or SECTION.FIELD with SECTION in {sections}")
    section = typing.get_type_hints(RunConfig).get(parts[0])
    cfg_dict[parts[0]][current_name(section, parts[1], parts[0])] = value


def build_config(config_file: Path | None = None, overrides: dict | None = None) -> RunConfig:
    """A run's config: the file's (or the defaults), then ``overrides`` by key (``model`` or
    ``SECTION.FIELD``, e.g. ``{"quantum.qubits": 8}``), every value checked by field name."""
    d = (RunConfig.from_file(config_file) if config_file else RunConfig()).to_dict()
    for key, value in (overrides or {}).items():
        set_value(d, key, value)
    return RunConfig.from_dict(d)


def check_encoding(fields: dict) -> dict:
    """Encoder fields (``kind``, ``steps``, ...) checked now, by field name, so that a bad value fails
    before any work; returns them."""
    if fields:
        section_from_dict(EncodingConfig, fields, "encoding")
    return fields
