"""One deployment, as asked: the model file, what it runs on, and how (:class:`DeployRequest`).

Every rule that relates its fields is checked where the request is built, before anything is read,
and an error names the field as the caller knows it (``inputs`` to a Python caller, ``--inputs`` on
the command line: ``ppf_neuro.errors.argument``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ppf_neuro.choices import RANGES, InputLayout, InputMode
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.errors import PPFError, argument


@dataclass(frozen=True)
class DeployRequest:
    """``model``: a bundle or netx file. What it runs on: ``data`` (a dataset spec, images in memory,
    or batches; default: a bundle's own test split) or recorded ``inputs`` (an ``.npy`` of spikes,
    graded or bias values, entering as ``options.lava.input_as`` says) with optional ``labels``, in
    ``layout`` (``chw``, or lava-dl's ``whc``). ``encoding``: a netx file's spike encoder fields for
    ``data`` (with ``inputs``, only ``steps``: for how long values without a time axis are held).
    ``expect``: the trained model's own outputs on the same inputs (``ppf_neuro.deployment.inputs.trained_outputs``), which
    the report compares with the deployment. ``input_shape`` (C, H, W): for a netx file that starts with a
    convolution and states no input shape (else taken from 4-D or 5-D recorded ``inputs``)."""

    model: Path
    data: object = None
    options: DeployOptions = DeployOptions()
    inputs: Path | None = None
    labels: Path | None = None
    layout: str = InputLayout.CHW
    encoding: dict | None = field(default_factory=dict)
    expect: Path | None = None
    input_shape: tuple[int, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "model", Path(self.model))
        if self.expect is not None:
            object.__setattr__(self, "expect", Path(self.expect))
        if self.input_shape is not None and (len(self.input_shape) != 3 or min(self.input_shape) < 1):
            raise PPFError(f"{argument('input_shape')} is (C, H, W), three positive sizes; got {self.input_shape}")
        object.__setattr__(self, "encoding", dict(self.encoding or {}))
        o = self.options
        RANGES["samples"].check("samples", o.samples)
        RANGES["workers"].check("workers", o.workers)
        recorded = self.inputs is not None
        if recorded and self.data is not None:
            raise PPFError(f"give the inputs either as {argument('data')} or as {argument('inputs')}, not both")
        if self.labels is not None and not recorded:
            raise PPFError(f"{argument('labels')} go with {argument('inputs')}; a dataset given with "
                           f"{argument('data')} (or a bundle's own) has its labels")
        if self.layout != InputLayout.CHW and not recorded:
            raise PPFError(f"{argument('layout')} orders recorded {argument('inputs')}; images from "
                           f"{argument('data')} are (C, H, W) already")
        if recorded and set(self.encoding) - {"steps"}:
            raise PPFError(f"{argument('encoding')} encodes the images of {argument('data')}; recorded "
                           f"{argument('inputs')} are used as they are")
        if o.lava.input_as != InputMode.SPIKES and not recorded:
            raise PPFError(f"{argument('input_as')} {o.lava.input_as} feeds recorded {argument('inputs')}; "
                           f"{argument('data')} images are encoded as spikes")

    @property
    def model_input_shape(self) -> tuple[int, ...] | None:
        """The (C, H, W) input shape given for a conv-first file: ``input_shape``, else that of 4-D or 5-D
        recorded ``inputs`` (read from the .npy header; a file that cannot be read is reported where
        the inputs are read)."""
        if self.input_shape is not None or self.inputs is None:
            return self.input_shape
        try:
            shape = np.load(self.inputs, mmap_mode="r", allow_pickle=False).shape
        except (OSError, ValueError, EOFError):
            return None
        if len(shape) not in (4, 5):
            return None
        per_sample = tuple(int(v) for v in shape[1:4])
        return per_sample[::-1] if self.layout == InputLayout.WHC else per_sample

    @property
    def held_steps(self) -> int | None:
        """With recorded inputs: the steps each value without a time axis is held."""
        return self.encoding.get("steps") if self.inputs is not None else None

    @property
    def encoder(self) -> dict:
        """The spike encoder's fields for images (none with recorded inputs)."""
        return {} if self.inputs is not None else dict(self.encoding)
