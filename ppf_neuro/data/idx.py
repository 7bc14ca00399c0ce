"""Reader for the IDX format of MNIST-style datasets (plain or gzip).

IDX layout (LeCun et al.): two zero bytes, a type code, the number of
dimensions n, then n big-endian uint32 sizes, then the values in C order.
Every check happens before the data is trusted: the claimed size is compared
with a cap before anything is allocated, and the payload must be exactly as
long as the header says (truncated and over-long files are both refused).
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from ppf_neuro.errors import PPFError

# IDX type codes -> numpy big-endian dtypes.
_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: Largest payload we agree to read (2 GiB): full MNIST is 47 MB, EMNIST ~700 MB.
MAX_BYTES = 2 << 30


def _open(path: Path):
    with path.open("rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else path.open("rb")


def read_idx(path: str | Path, ndim: int | None, what: str) -> np.ndarray:
    """Read one IDX file that must have ``ndim`` dimensions (None: any).

    ``what`` ("images" or "labels") only shapes the error messages, so that a
    labels file passed as images is reported as such.
    """
    path = Path(path)
    try:
        with _open(path) as f:
            header = f.read(4)
            if len(header) < 4:
                raise PPFError(f"{path}: file is empty or truncated (no IDX header)")
            zero, code, dims = struct.unpack(">HBB", header)
            if zero != 0 or code not in _DTYPES:
                raise PPFError(
                    f"{path}: not an IDX file (magic {header.hex()}, expected "
                    f"0000 followed by a type code in {sorted(hex(c) for c in _DTYPES)})"
                )
            if ndim is not None and dims != ndim:
                hint = {1: "a labels file", 3: "an images file"}.get(dims, f"{dims}-D data")
                raise PPFError(
                    f"{path}: expected {what} with {ndim} dimension(s), but the file "
                    f"holds {dims} dimension(s) ({hint}); are images and labels swapped?"
                )
            raw = f.read(4 * dims)
            if len(raw) < 4 * dims:
                raise PPFError(f"{path}: truncated IDX header (dimension sizes missing)")
            shape = struct.unpack(f">{dims}I", raw)
            dtype = _DTYPES[code]
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if nbytes > MAX_BYTES:
                raise PPFError(
                    f"{path}: header claims shape {shape} ({nbytes / 2**30:.1f} GiB), "
                    f"more than the {MAX_BYTES / 2**30:.0f} GiB this reader accepts"
                )
            payload = f.read(nbytes)
            if len(payload) < nbytes:
                raise PPFError(
                    f"{path}: truncated: header claims shape {shape} ({nbytes} bytes of "
                    f"data), file holds {len(payload)}"
                )
            if f.read(1):
                raise PPFError(f"{path}: more data than header shape {shape} declares")
    except FileNotFoundError:
        raise PPFError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as e:  # corrupt gzip stream and the like
        raise PPFError(f"{path}: cannot read: {e}") from None
    return np.frombuffer(payload, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
