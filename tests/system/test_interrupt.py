"""An interrupted deployment stops its Lava processes: nothing of it is left running, whether the
signal reaches the command alone or, as a terminal's Ctrl-C does, its whole process group."""

import os
import signal
import subprocess
import time

import pytest
import cli_runner

pytestmark = pytest.mark.slow


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,stat="], capture_output=True, text=True).stdout
    return {int(p): (int(pp), st) for p, pp, st in (line.split()[:3] for line in out.splitlines())}


def _descendants(root: int) -> set[int]:
    table, found, frontier = _processes(), set(), {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> list[int]:
    """Those of ``pids`` that still run. Exited ones no parent has reaped yet (state Z: this
    container's PID 1 does not reap) run no code and hold nothing but a table entry."""
    table = _processes()
    return [pid for pid in pids if pid in table and table[pid][1][0] != "Z"]


def _left_running(pids: set[int], within: float = 1.0) -> list[int]:
    """Those of ``pids`` still running ``within`` seconds after the command ended (a killed process
    takes a moment to go): polled, so that a clean stop is seen as soon as it is complete."""
    deadline = time.monotonic() + within
    while (left := _alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _deploying(bundle, workers: int, delay: float) -> "cli_runner.Command":
    """A deployment in its own process group (as a terminal's job), ``delay`` seconds into its Lava stage
    (its progress bar has appeared); netx's own network (one sample per window) keeps Lava busy long
    enough to be interrupted."""
    cmd = ["deploy", str(bundle), "--samples", "359", "--replicas", "1", "--workers", str(workers)]
    proc = cli_runner.Command(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.stderr.read(1) == "L":
            break
    time.sleep(delay)
    return proc


@pytest.mark.parametrize("sig, to_group, workers, delay", [
    (signal.SIGINT, True, 1, 1.0),   # a terminal's Ctrl-C in the Lava stage of one run
    (signal.SIGINT, True, 2, 1.0),   # ... and of shards
    (signal.SIGINT, True, 2, 0.0),   # ... the moment the Lava stage starts
    (signal.SIGTERM, False, 1, 1.0),  # kill PID
    (signal.SIGTERM, True, 2, 1.0),
])
def test_interrupted_deployment_leaves_no_lava_process(tiny_bundle, sig, to_group, workers, delay):
    proc = _deploying(tiny_bundle, workers, delay)
    family = _descendants(proc.pid)
    if delay:
        assert len(family) > 1, "Lava should be running its processes"
    (os.killpg if to_group else os.kill)(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode == 130, proc.stderr.read()
    left = _left_running(family | _descendants(proc.pid))
    assert left == [], _describe(left)


@pytest.mark.parametrize("to_group, workers", [(False, 1), (True, 1), (False, 2), (True, 2)])
def test_a_sigkilled_deployment_leaves_no_lava_process(tiny_bundle, to_group, workers):
    """SIGKILL runs no handler: the children notice their parent's death themselves (ppf_neuro.processes.orphans)."""
    proc = _deploying(tiny_bundle, workers, 1.0)
    family = _descendants(proc.pid)
    assert len(family) > 2, "Lava should be running its processes"
    (os.killpg if to_group else os.kill)(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    left = _left_running(family, within=2.0)
    assert left == [], _describe(left)


def test_a_sigkilled_ray_deployment_leaves_no_lava_process(tiny_bundle):
    """A Ray worker runs the shard's Lava run: when the command dies, its local Ray instance ends its workers
    (SIGKILL, from outside), and the Lava run's processes follow their parent (ppf_neuro.processes.orphans). Ray's
    own agents of a local instance are Ray's to manage and not counted. One shard: a second is the same case
    again, at the cost of a second Ray worker's imports (``test_a_sigkilled_deployment_leaves_no_lava_process``
    kills local shards)."""
    cmd = ["deploy", str(tiny_bundle), "--samples", "359", "--replicas", "1", "--workers", "1", "--ray", "local"]
    proc = cli_runner.Command(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 180
    lava = set()
    while time.time() < deadline and len(lava) < 4:  # the shard's Lava run under way
        time.sleep(0.5)
        table = _commands(_descendants(proc.pid))
        lava = {pid for pid, cmd in table.items() if "_single_threaded" in cmd}
    assert len(lava) >= 4, "the shard's Lava run should be running"
    time.sleep(1.0)
    family = _descendants(proc.pid)
    lava = {pid for pid, cmd in _commands(family).items() if "_single_threaded" in cmd}
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    try:
        left = _left_running(lava, within=10.0)
        assert left == [], _describe(left)
    finally:
        for pid in _alive(family):  # Ray's agents of the dead command's instance
            os.kill(pid, signal.SIGKILL)


def _commands(pids: set[int]) -> dict[int, str]:
    out = subprocess.run(["ps", "-o", "pid=,args=", "-p", ",".join(map(str, pids)) or "0"], capture_output=True,
                         text=True).stdout
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in out.splitlines() if line.strip()}


def _describe(pids: list[int]) -> str:
    return subprocess.run(["ps", "-o", "pid,ppid,pgid,stat,etime,cmd", "-p", ",".join(map(str, pids))],
                          capture_output=True, text=True).stdout


def test_ctrl_c_stops_a_sweep_and_its_queued_trials(tmp_path):
    """Issue 21: forked trial workers took the signal as their own and went on with queued trials."""
    import json

    sweep = tmp_path / "sweep.json"
    sweep.write_text(json.dumps({"base": {"model": "snn", "data": {"spec": "digits"}, "train": {"epochs": 40}},
                                 "grid": {"train.seed": [0, 1, 2, 3, 4, 5]}}))
    cmd = ["sweep", str(sweep), "-o", str(tmp_path / "out"), "--workers", "2"]
    proc = cli_runner.Command(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(_descendants(proc.pid)) < 2:  # both workers training
        time.sleep(0.2)
    time.sleep(2.0)
    family = _descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in proc.stderr.read()
    assert _left_running(family | _descendants(proc.pid)) == []


def test_ctrl_c_in_a_bias_fed_run_that_saves_rasters(tmp_path):
    """Issue 18's stages: a run that sets the input neurons' bias before every window (Var.set) and
    keeps every raster beside the npz is stopped by a terminal's Ctrl-C without leaving a process, an
    npz or its kept files."""
    import numpy as np
    import torch

    from ppf_neuro.lava_dl import export_blocks, slayer

    cuba = slayer.block.cuba
    neuron = dict(threshold=1.0, current_decay=0.2, voltage_decay=0.05, tau_grad=0.03, scale_grad=3,
                  requires_grad=False)
    net = export_blocks([cuba.Input(neuron, delay_shift=False), cuba.Dense(neuron, 16, 8, delay_shift=False)],
                        torch.rand(2, 16, 4), tmp_path / "net.h5")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).integers(0, 200, (3000, 16)))
    out = tmp_path / "out"
    cmd = ["deploy", str(net), "--inputs", str(tmp_path / "x.npy"), "--input-as", "bias", "--steps", "10",
           "--replicas", "1", "--save-spikes", str(out / "r.npz")]
    proc = cli_runner.Command(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.stderr.read(1) == "L":
            break
    time.sleep(1.5)
    family = _descendants(proc.pid)
    assert len(family) > 1, "Lava should be running its processes"
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode == 130, proc.stderr.read()
    assert _left_running(family | _descendants(proc.pid)) == []
    assert sorted(p.name for p in out.iterdir()) == [], "no npz, no kept rasters, no lock left"


def _runs_until_killed(pid_file: str) -> None:
    """A run that does not stop when asked (as Lava's may not, under load): only the kill ends it."""
    from pathlib import Path

    Path(pid_file).write_text(str(os.getpid()))
    while True:
        time.sleep(0.01)


def test_a_second_signal_during_the_stop_does_not_cut_it_short(tmp_path, monkeypatch):
    """A shard worker gets its group's SIGTERM and then the command's. Here the second one arrives as
    the run's stop begins: it used to interrupt the stop and leave the run going."""
    import threading

    from ppf_neuro.processes import isolated

    pid_file = tmp_path / "pid"
    handled: list[int] = []

    def on_sigterm(signum, frame):
        handled.append(signum)
        raise KeyboardInterrupt("SIGTERM")

    def first_signal():
        while not pid_file.is_file() or not pid_file.read_text():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    stop = isolated._stop

    def stop_meeting_a_second_signal(child):
        os.kill(os.getpid(), signal.SIGTERM)
        stop(child)

    monkeypatch.setattr(isolated, "_stop", stop_meeting_a_second_signal)
    monkeypatch.setattr(isolated, "STOP_TIMEOUT_S", 0.5)  # the wait before the kill
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    sender = threading.Thread(target=first_signal)
    sender.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            isolated.in_own_process_group(_runs_until_killed, str(pid_file))
    finally:
        sender.join()
        signal.signal(signal.SIGTERM, previous)
    left = _left_running({int(pid_file.read_text())})
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the run outlived the interrupt"
    assert handled, "the command's own handler saw the signal"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_a_library_swallowed_is_raised_at_the_next_progress_step(sig):
    """autograd's import (run by PennyLane's) catches BaseException around hundreds of small steps;
    a Ctrl-C landing there was lost and the training ran to the end (CI, exit 0)."""
    from ppf_neuro.processes.interrupts import interruptible
    from ppf_neuro.processes.progress import progress_bar

    # as a terminal starts a process: a suite started in the background (make test &) inherits SIGINT
    # ignored, which interruptible() rightly leaves ignored
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    with interruptible():
        try:  # raise_signal: to this very thread, handled before the try ends (a kill to the process may
            signal.raise_signal(sig)  # reach another thread and be handled later on a loaded machine)
        except BaseException:  # noqa: BLE001 - what the library does
            pass
        with pytest.raises(KeyboardInterrupt):
            for _ in progress_bar(range(3), disable=True):
                pass
        with pytest.raises(KeyboardInterrupt):
            progress_bar(total=3, disable=True).update()
    signal.signal(signal.SIGINT, inherited)
    assert list(progress_bar(range(2), disable=True)) == [0, 1], "outside a command nothing is pending"
