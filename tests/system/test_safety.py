"""No code from data, and no torn artifacts."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

from ppf_neuro.errors import PPFError
from ppf_neuro.training.run_dir import load_run, save_run

pytestmark = pytest.mark.slow


class Payload:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_planted_pickle_in_checkpoint_is_refused_not_executed(tiny_run, tmp_path):
    save_run(tmp_path / "run", tiny_run)
    marker = tmp_path / "pwned"
    torch.save({"state_dict": {"x": Payload(str(marker))}}, tmp_path / "run" / "checkpoint.pt")
    with pytest.raises(PPFError, match="objects other than tensors"):
        load_run(tmp_path / "run")
    assert not marker.exists()


def test_planted_pickle_inside_a_checked_payload_is_refused_too(tmp_path):
    """Even with a valid checksum around it, the payload is loaded with weights_only."""
    import hashlib
    import io

    from ppf_neuro.integrity import FORMAT, load_checked

    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    torch.save({"x": Payload(str(marker))}, buf)
    data = buf.getvalue()
    torch.save({"format": FORMAT, "sha256": hashlib.sha256(data).hexdigest(),
                "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8)}, tmp_path / "c.pt")
    with pytest.raises(PPFError, match="objects other than tensors"):
        load_checked(tmp_path / "c.pt")
    assert not marker.exists()


def test_a_flipped_byte_in_a_checkpoint_is_refused(tiny_run, tmp_path):
    save_run(tmp_path / "run", tiny_run)
    path = tmp_path / "run" / "checkpoint.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(PPFError, match="checksum mismatch|cannot be read"):
        load_run(tmp_path / "run")


def test_killed_writer_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "artifact.json"
    target.write_text('{"version": 1}')
    writer = textwrap.dedent(f"""
        import time
        from ppf_neuro.atomic import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            with open(tmp, "w") as f:
                f.write('{{"version": 2, "data": "')
                f.flush()
                print("writing", flush=True)
                time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert target.read_text() == '{"version": 1}'
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert all(p.name.startswith(".artifact.json.") for p in leftovers)  # only an invisible temp file
