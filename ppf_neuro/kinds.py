"""Model kinds: what each is made of, how it decides, and how independent its check is. One table.

Training, export, deployment and reports ask this table instead of comparing kind names, so a
kind's parts are stated once. ``netx`` is a plain lava-dl network file: deployable, not trained here.
"""

from __future__ import annotations

from dataclasses import dataclass

_SNN_CHECK = ("yes: the trained model's quantised parameters in integer arithmetic (checked against SLAYER) against "
              "the Lava processes netx built from the file")
_CIRCUIT_CHECK = "yes: the training simulator against the PennyLane device"


@dataclass(frozen=True)
class ModelKind:
    """``circuit_reads``: what the circuit's input is (``pixels``, the SNN's ``rates``, or None without a
    circuit). ``decided_by``: whose scores are the model's decision (``snn``, ``qnn`` or the host
    ``fuser``). ``independence``: whether the decision's reference is a computation independent of
    the deployment, in words (reports quote it)."""

    name: str
    has_snn: bool
    circuit_reads: str | None
    decided_by: str
    trainable: bool
    independence: str

    @property
    def has_circuit(self) -> bool:
        return self.circuit_reads is not None

    @property
    def snn_classifies(self) -> bool:
        """Whether the SNN ends in class scores (not when it only feeds the circuit its rates)."""
        return self.has_snn and self.circuit_reads != "rates"

    def branch_independence(self) -> dict[str, str]:
        """Per compared output: the decision's, and for a fused model each branch's (both are compared)."""
        branches = {"snn": _SNN_CHECK, "qnn": _CIRCUIT_CHECK} if self.decided_by == "fuser" else {}
        return {"output": self.independence, **branches}


KINDS = {k.name: k for k in (
    ModelKind("snn", True, None, "snn", True, _SNN_CHECK),
    ModelKind("qnn", False, "pixels", "qnn", True, _CIRCUIT_CHECK),
    ModelKind("serial", True, "rates", "qnn", True,
              "yes: Lava's SNN and the PennyLane device against the trained SNN (integer arithmetic checked against "
              "SLAYER) and the training simulator, in series"),
    ModelKind("ppf", True, "pixels", "fuser", True,
              "no: the host fuser and the trained model apply the same rule (ppf_neuro.fusion.fuse) to the branch "
              "outputs compared above, so agreement checks the wiring (inputs, ratio, rule name), not the rule; the "
              "rule is tested against a hand computation"),
    ModelKind("netx", True, None, "snn", False,
              "yes: integer arithmetic rebuilt from the file against the Lava processes netx built from it"),
)}

#: The kinds ppf-neuro trains (the paper's comparison), in the paper's order.
TRAINABLE = tuple(name for name, k in KINDS.items() if k.trainable)
