"""An interrupted deployment stops its Lava processes: nothing of it is left running."""

import os
import signal
import subprocess
import sys
import time

import pytest


def _live_members(pgid: int) -> list[str]:
    """Processes of the group that still run. Exited ones that no parent has reaped yet
    (state Z, 'defunct': the CLI has exited and this container's PID 1 does not reap)
    run no code and hold no resources but their table entry, so they do not count."""
    out = subprocess.run(["ps", "-g", str(pgid), "-o", "pid=,stat=,cmd="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split()[1][0] != "Z"]


@pytest.mark.parametrize("sig, workers", [(signal.SIGINT, 1), (signal.SIGTERM, 1), (signal.SIGTERM, 2)])
def test_interrupted_deployment_leaves_no_lava_process(tiny_bundle, sig, workers):
    # netx's own network (one sample per window) keeps Lava busy long enough to be interrupted.
    cmd = [sys.executable, "-m", "ppf_neuro.cli", "deploy", str(tiny_bundle), "--samples", "359", "--replicas", "1",
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: Lava's children join it
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until the Lava run is under way (its progress bar appears)
        line = proc.stderr.read(1)
        if line == "L":
            break
    time.sleep(1.0)
    children = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) > 1, "Lava should be running its processes"
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode == 130, proc.stderr.read()
    time.sleep(1.0)
    assert _live_members(proc.pid) == []
