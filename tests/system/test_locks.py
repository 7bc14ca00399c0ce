"""Two commands writing one path: the second is refused (one line, naming the first's pid) instead
of both saying "written" and one result being lost (issue 21); a lock whose owner died is taken over."""

import pytest
import signal
import subprocess
import sys
import time

import cli_runner

from ppf_neuro.cli import main

pytestmark = pytest.mark.slow


def test_a_second_writer_of_one_path_is_refused(tmp_path, capsys):
    first = cli_runner.Command(["--quiet", "train", "--model", "snn", "--data", "digits", "--epochs", "50", "-o",
                              str(tmp_path / "run")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = tmp_path / ".run.lock"
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (lock.is_file() and lock.read_text()):
            time.sleep(0.05)
        assert main(["--quiet", "train", "--model", "snn", "--data", "digits", "--epochs", "1",
                     "-o", str(tmp_path / "run")]) == 2
        assert f"is being written by another ppf-neuro command (pid {first.pid})" in capsys.readouterr().err
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
    assert not lock.exists(), "an interrupted command releases its lock"


def test_a_lock_whose_owner_died_is_taken_over(tmp_path, tiny_bundle):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".report.json.lock").write_text(dead.stdout.strip())
    assert main(["--quiet", "deploy", str(tiny_bundle), "--samples", "5", "--report", str(tmp_path / "report.json")]) == 0
    assert (tmp_path / "report.json").is_file() and not (tmp_path / ".report.json.lock").exists()


def test_a_lock_file_naming_a_live_unrelated_process_is_not_a_lock(tmp_path, tiny_bundle):
    """A pid in a lock file means nothing by itself (pids are reused, e.g. in containers): only the
    kernel's lock held by a live command refuses. Here the file names this very (live) test process."""
    import os

    (tmp_path / ".report.json.lock").write_text(str(os.getpid()))
    assert main(["--quiet", "deploy", str(tiny_bundle), "--samples", "5", "--report", str(tmp_path / "report.json")]) == 0
    assert (tmp_path / "report.json").is_file() and not (tmp_path / ".report.json.lock").exists()


def test_a_holder_killed_outright_leaves_no_lock(tmp_path, tiny_bundle):
    """The kernel drops a killed holder's flock: its leftover file blocks nothing."""
    import os

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom ppf_neuro.atomic import output_locks\n"
                               f"with output_locks([{str(tmp_path / 'report.json')!r}]):\n"
                               "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    assert main(["--quiet", "deploy", str(tiny_bundle), "--samples", "5", "--report",
                 str(tmp_path / "report.json")]) == 2, "a live holder refuses"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    assert (tmp_path / ".report.json.lock").exists(), "killed outright, it could not remove its file"
    assert main(["--quiet", "deploy", str(tiny_bundle), "--samples", "5", "--report", str(tmp_path / "report.json")]) == 0
