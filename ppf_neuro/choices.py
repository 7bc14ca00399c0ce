"""Every allowed value of every enumerated option, in one place.

Configs, the command line and the modules that dispatch on these names all
import them from here, so adding a value is one edit and an error message
always lists what is accepted. Each enumerated option is a type (a
:class:`Choice`: its members are its values as strings), and the code compares
with members, never with string literals; each type's docstring names the
option, its config key and the module that implements its values. The numeric
options' ranges are here too (:data:`RANGES`): the command line parses with
them, so a value out of range is refused before any work, and ``--help`` and
docs/usage.md state them.
"""

from __future__ import annotations

import argparse
import enum
import math
from dataclasses import dataclass

from ppf_neuro.errors import PPFError, argument
from ppf_neuro.kinds import TRAINABLE


class Choice(str, enum.Enum):
    """The allowed values of one enumerated option, as a type. Each member is its value as a string
    (``Timing.ALIGNED == "aligned"``, the same hash, ``str()`` and JSON), so configs, reports and old files
    keep plain strings while the code names members: a misspelt value is an AttributeError at import,
    not a comparison that is silently never true."""

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The values, in order: what ``--help`` lists and error messages name."""
        return tuple(member.value for member in cls)

    @classmethod
    def check(cls, value, what: str) -> None:
        """A one-line PPFError naming the option (``what``) when ``value`` is none of the values."""
        if not isinstance(value, str) or value not in cls.values():
            raise PPFError(f"{what} must be one of {list(cls.values())}, got {value!r}")


#: Architectures of the paper's comparison (what each is made of: ppf_neuro.kinds).
MODELS = TRAINABLE


class SpikeEncoder(Choice):
    """Pixel-to-spike encoders (config ``encoding.kind``, ``--encoding``; ppf_neuro.encoding)."""

    REGULAR = "regular"
    RATE = "rate"
    INTEGRATE = "integrate"


class Reduction(Choice):
    """How the quantum branch turns its input into circuit features (``quantum.reduction``;
    ppf_neuro.quantum.reduction)."""

    DRESSED = "dressed"
    PCA = "pca"
    POOL = "pool"


class FeatureMap(Choice):
    """How features enter the circuit (config key ``quantum.feature_map``; ppf_neuro.quantum.circuit)."""

    ANGLE = "angle"
    AMPLITUDE = "amplitude"


class Ansatz(Choice):
    """Variational layers: StronglyEntanglingLayers or BasicEntanglerLayers (``quantum.ansatz``)."""

    STRONG = "strong"
    BASIC = "basic"


class Measurement(Choice):
    """What the circuit measures (config key ``quantum.measurement``): <Z_i>; <Z_i> and <Z_i Z_j>;
    basis-state probabilities of some wires (ppf_neuro.quantum.circuit)."""

    Z = "z"
    ZZ = "zz"
    PROBS = "probs"


class Simulator(Choice):
    """How the training circuit is simulated (``quantum.simulator``): the fast path where it applies,
    always the QNode, or always the fast path (refused where it does not apply; ppf_neuro.quantum.qnn)."""

    AUTO = "auto"
    QNODE = "qnode"
    FAST = "fast"


class FusionRule(Choice):
    """Fusion of the branches (``fusion.rule``; ppf_neuro.fusion)."""

    PROB = "prob"
    LOGIT = "logit"


class Selection(Choice):
    """Which checkpoint a run keeps (``train.select``): the epoch with the best validation accuracy, or the last."""

    BEST = "best"
    LAST = "last"


class InputNoise(Choice):
    """Input noise for robustness studies (``robustness --noise``; ppf_neuro.noise)."""

    GAUSSIAN = "gaussian"
    UNIFORM = "uniform"
    SALT_PEPPER = "salt_pepper"


class NoiseChannel(Choice):
    """Channels a noise-model file may apply, each with one probability (ppf_neuro.quantum.noise_model)."""

    DEPOLARIZING = "DepolarizingChannel"
    AMPLITUDE_DAMPING = "AmplitudeDamping"
    PHASE_DAMPING = "PhaseDamping"
    BIT_FLIP = "BitFlip"
    PHASE_FLIP = "PhaseFlip"


class ReplicaSynapse(Choice):
    """Synapses of a replicated Lava run (``--lava-synapse``; ppf_neuro.deployment.backends.lava.network)."""

    BATCHED = "batched"
    SPARSE = "sparse"


class Recorder(Choice):
    """How a Lava run records spikes (ppf_neuro.deployment.options.LavaMode): in-run counters, or Lava's
    RingBuffer sinks."""

    COUNTS = "counts"
    RINGBUFFER = "ringbuffer"


class NirConvention(Choice):
    """How a NIR graph's time constants are meant (``import-nir --convention``; ppf_neuro.formats.nir_time):
    as NIR defines them (ppf-neuro, snnTorch, NIR's own API), or as Norse 1.1's ``to_nir`` writes them."""

    NIR = "nir"
    NORSE = "norse"


class InputLayout(Choice):
    """The order of recorded (N, ., ., ., T) input dimensions (``--layout``): ppf-neuro's and PyTorch's
    C, H, W, or lava-dl's own arrays' W, H, C."""

    CHW = "chw"
    WHC = "whc"


class InputMode(Choice):
    """How recorded inputs enter a netx network (``--input-as``; ppf_neuro.deployment.inputs.stimulus):
    0/1 spikes into the first layer; graded integer payloads into its input neurons (2^6 = 1.0, netx's
    spike_exp); or each sample's values as its input neurons' bias for the sample's window (as lava-dl's
    tests do)."""

    SPIKES = "spikes"
    GRADED = "graded"
    BIAS = "bias"


class LavaReadout(Choice):
    """What a deployment reads from the output layer (``--readout``): spike counts per window; the output
    neurons' voltage at every step (regression nets); the graded payloads an SDNN's output sends."""

    COUNTS = "counts"
    VOLTAGE = "voltage"
    GRADED = "graded"


class RecordTime(Choice):
    """How kept steps (``--save-spikes``, a readout) are laid out in time (``--record``): each sample's
    window of each layer (window step 0 of layer i is Lava step first + i + k*T), or every Lava step of
    the run from the first, unaligned, as netx's RingBuffer sinks and ``Monitor`` record it."""

    WINDOWS = "windows"
    LAVA = "lava"


class Timing(Choice):
    """Which steps of each sample's window count, i.e. which trained model a netx file is deployed as
    (``--timing``; ppf_neuro.deployment.windows): every step of every layer's window (SLAYER with
    ``delay_shift=False``, ppf-neuro's own bundles), or the steps SLAYER's blocks output with their
    default ``delay_shift=True``: layer i's first T - 1 - i (its one-step shifts push the rest out)."""

    ALIGNED = "aligned"
    DELAY_SHIFT = "delay-shift"


class ExportFormat(Choice):
    """What ``export`` writes (``--format``): a ppf-neuro bundle, or the SNN as a NIR graph."""

    BUNDLE = "bundle"
    NIR = "nir"


#: Name under which deployment runs the quantum branch on ppf-neuro's own simulator instead
#: of a PennyLane device (only when asked for by this name).
FAST_DEVICE = "ppf-neuro.fast"

#: Upper bounds on sizes, checked before anything is allocated (configs, netx files): a window of
#: more steps is over ~10 s of Lava time per sample, a wider layer's weights alone (square, with
#: Adam's two moments) over 3 GiB, a deeper circuit over ~10^4 gates per qubit; all far above what
#: the models here need.
MAX_STEPS = 10_000
#: At ~1 s an epoch on the smallest data, more epochs are months of training: a typo, not a plan.
MAX_EPOCHS = 100_000
MAX_WIDTH = 16_384
MAX_CIRCUIT_LAYERS = 1_000
#: Seeds seed numpy's and torch's generators, which take 0 .. 2^32 - 1.
SEED_MAX = 2 ** 32 - 1
#: PennyLane devices take the shot count as a C int.
SHOTS_MAX = 2 ** 31 - 1
#: Copies of a net in one Lava run: past this, one step's arrays outgrow the gain (and memory).
MAX_REPLICAS = 1024
#: The most a single-qubit depolarising channel can mix (p = 3/4 is the fully mixed state).
MAX_DEPOLARIZING = 0.75


@dataclass(frozen=True)
class Range:
    """The allowed values of one numeric option: whole numbers (``whole``) or finite numbers from
    ``low`` (excluded when ``low_open``) to ``high`` (``None``: no upper bound). ``note``: what
    happens within the range that a user should know (a value bounded further at run time). Called
    with the option's text it parses it, as argparse's ``type``."""

    low: float
    high: float | None = None
    whole: bool = True
    low_open: bool = False
    note: str = ""

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        low = f"{self.low:,}" if self.whole else f"{self.low:g}"
        if self.high is None:
            return f"{kind} above {low}" if self.low_open else f"{kind}, at least {low}"
        high = f"{self.high:,}" if self.whole else f"{self.high:g}"
        return f"{kind} {'above' if self.low_open else 'from'} {low} to {high}"

    def holds(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if self.whole and value != int(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and (self.high is None or value <= self.high)

    def check(self, name: str, value) -> None:
        """A PPFError naming the option as the caller knows it (``ppf_neuro.errors.argument``) when
        ``value`` is out of range; ``None`` (not given) passes."""
        if value is not None and not self.holds(value):
            raise PPFError(f"{argument(name)} must be {self.describe()}, got {value}")

    def __call__(self, text: str):
        try:
            value = int(text) if self.whole else float(text)
        except ValueError:
            value = None
        if value is None or not self.holds(value):
            raise argparse.ArgumentTypeError(f"expected {self.describe()}, got '{text}'")
        return value


_FRACTION = Range(0, 1, whole=False)
_SEED = Range(0, SEED_MAX)
#: Every numeric option of every command, by its name (as a keyword of the API; ``--`` and dashes on
#: the command line).
RANGES = {
    "steps": Range(1, MAX_STEPS),
    "samples": Range(1, note="at most the dataset's test split is used"),
    "replicas": Range(1, MAX_REPLICAS, note="bounded to the samples, with a note"),
    "workers": Range(1, note="bounded to the shards or trials and this machine's cores, with a note"),
    "shots": Range(1, SHOTS_MAX),
    "qbackend_shots": Range(1, SHOTS_MAX),
    "seed": _SEED,
    "noise": Range(0, MAX_DEPOLARIZING, whole=False),
    "depolarizing": Range(0, MAX_DEPOLARIZING, whole=False),
    "expect_min": _FRACTION,
    "epochs": Range(1, MAX_EPOCHS),
    "raster_samples": Range(0, note="indices of deployed samples"),
    "dt": Range(0, whole=False, low_open=True, note="seconds"),
    "levels": Range(0, whole=False, note="a salt-and-pepper fraction at most 1"),
}
