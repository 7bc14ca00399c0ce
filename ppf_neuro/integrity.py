"""Checkpoints and training states that know when they are damaged.

A PyTorch file holds no checksum: a flipped byte in a weight loads silently.
:func:`save_checked` serialises the payload with ``torch.save``, stores those
bytes together with their SHA-256, and writes the pair atomically;
:func:`load_checked` recomputes the digest before it deserialises anything and
refuses a mismatch. Both levels load with ``weights_only=True``, so nothing in
the file is ever executed.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path

import torch

from ppf_neuro.atomic import atomic_path
from ppf_neuro.errors import PPFError

FORMAT = "ppf-neuro-checked"


def save_checked(payload: dict, path: str | Path) -> None:
    buf = io.BytesIO()
    torch.save(payload, buf)
    data = buf.getvalue()
    outer = io.BytesIO()  # serialised in memory: a full disk fails the plain write, not torch's zip writer
    torch.save({"format": FORMAT, "sha256": hashlib.sha256(data).hexdigest(),
                "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8)}, outer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(outer.getvalue())


def load_checked(path: str | Path) -> dict:
    """The payload of a file written by :func:`save_checked`; any problem is a one-line PPFError."""
    path = Path(path)
    try:
        outer = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise PPFError(f"{path}: refused: it holds objects other than tensors (nothing in it was run)") from None
    except Exception as e:  # torch raises many types for damaged files
        raise PPFError(f"{path}: cannot be read: {type(e).__name__}: {e}") from None
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise PPFError(f"{path}: not a ppf-neuro checkpoint (no '{FORMAT}' header)")
    data = outer["payload"].numpy().tobytes()
    if hashlib.sha256(data).hexdigest() != outer.get("sha256"):
        raise PPFError(f"{path}: checksum mismatch: the file is damaged (refused)")
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise PPFError(f"{path}: refused: it holds objects other than tensors (nothing in it was run)") from None
