"""Every allowed value of every enumerated option, in one place.

Configs, the command line and the modules that dispatch on these names all
import them from here, so adding a value is one edit and an error message
always lists what is accepted. The numeric options' ranges are here too
(:data:`RANGES`): the command line parses with them, so a value out of range is
refused before any work, and ``--help`` and docs/usage.md state them.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from ppf_neuro.errors import PPFError, argument
from ppf_neuro.kinds import TRAINABLE

#: Architectures of the paper's comparison (what each is made of: ppf_neuro.kinds).
MODELS = TRAINABLE
#: Pixel-to-spike encoders (ppf_neuro.encoding).
ENCODINGS = ("regular", "rate", "integrate")
#: How the quantum branch turns its input into circuit features (ppf_neuro.quantum.reduction).
REDUCTIONS = ("dressed", "pca", "pool")
#: How features enter the circuit.
QUANTUM_ENCODINGS = ("angle", "amplitude")
#: Variational layers: StronglyEntanglingLayers or BasicEntanglerLayers.
ANSATZE = ("strong", "basic")
#: What the circuit measures: <Z_i>; <Z_i> and <Z_i Z_j>; basis-state probabilities of some wires.
READOUTS = ("z", "zz", "probs")
#: How the training circuit is simulated: the fast path where it applies, always the QNode, or
#: always the fast path (refused where it does not apply).
SIMULATORS = ("auto", "qnode", "fast")
#: Fusion of the branches (ppf_neuro.fusion).
FUSION_RULES = ("prob", "logit")
#: Which checkpoint a run keeps: the epoch with the best validation accuracy, or the last.
SELECTIONS = ("best", "last")
#: Input noise for robustness studies (ppf_neuro.noise).
NOISE_KINDS = ("gaussian", "uniform", "salt_pepper")
#: Channels a noise-model file may apply (ppf_neuro.quantum.noise_model), each with one probability.
NOISE_CHANNELS = ("DepolarizingChannel", "AmplitudeDamping", "PhaseDamping", "BitFlip", "PhaseFlip")
#: Synapses of a replicated Lava run (ppf_neuro.deployment.backends.lava.network).
LAVA_SYNAPSES = ("batched", "sparse")
#: How a Lava run records spikes (ppf_neuro.deployment.options.LavaMode).
LAVA_RECORDERS = ("counts", "ringbuffer")
#: How a NIR graph's time constants are meant (ppf_neuro.formats.nir_time): as NIR defines them
#: (ppf-neuro, snnTorch, NIR's own API), or as Norse 1.1's ``to_nir`` writes them.
NIR_CONVENTIONS = ("nir", "norse")
#: The order of recorded (N, ., ., ., T) input dimensions: ppf-neuro's and PyTorch's C, H, W, or
#: lava-dl's own arrays' W, H, C.
INPUT_LAYOUTS = ("chw", "whc")
#: How recorded inputs enter a netx network (ppf_neuro.deployment.inputs.stimulus): 0/1 spikes into the first layer;
#: graded integer payloads into its input neurons (2^6 = 1.0, netx's spike_exp); or each
#: sample's values as its input neurons' bias for the sample's window (as lava-dl's tests do).
INPUT_MODES = ("spikes", "graded", "bias")
#: What a deployment reads from the output layer: spike counts per window; the output neurons'
#: voltage at every step (regression nets); the graded payloads an SDNN's output sends.
OUTPUT_READOUTS = ("counts", "voltage", "graded")
#: How kept steps (``--save-spikes``, a readout) are laid out in time: each sample's window of each
#: layer (window step 0 of layer i is Lava step first + i + k*T), or every Lava step of the run from
#: the first, unaligned, as netx's RingBuffer sinks and ``Monitor`` record it.
RECORD_TIMES = ("windows", "lava")
#: Which steps of each sample's window count, i.e. which trained model a netx file is deployed as
#: (ppf_neuro.deployment.windows): every step of every layer's window (SLAYER with
#: ``delay_shift=False``, ppf-neuro's own bundles), or the steps SLAYER's blocks output with their
#: default ``delay_shift=True``: layer i's first T - 1 - i (its one-step shifts push the rest out).
TIMINGS = ("aligned", "delay-shift")
#: What ``export`` writes: a ppf-neuro bundle, or the SNN as a NIR graph.
EXPORT_FORMATS = ("bundle", "nir")
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
