"""The tests' command runner (``tests/cli_runner.py``) behaves as a command started from the shell:
the same output and exit status as a fresh interpreter, in the test process and as a process forked
from the warm forkserver; signals and exit statuses as ``Popen`` has them."""

import pytest
import os
import signal
import subprocess

import cli_runner

pytestmark = pytest.mark.slow


def test_a_command_prints_and_exits_as_a_fresh_one_both_ways(tmp_path):
    runs = {}
    for argv in (["--help"], ["deploy", "missing.h5", "--samples", "3"], ["train", "--epochs", "0"]):
        fresh = cli_runner.fresh_run(argv, cwd=tmp_path)
        for how in (cli_runner.run, cli_runner.in_process):
            runs[argv[0], how.__name__] = done = how(argv, cwd=tmp_path)
            assert (done.returncode, done.stdout, done.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr), \
                (argv, how.__name__)
    assert runs["--help", "run"].returncode == 0 and "usage: ppf-neuro" in runs["--help", "run"].stdout
    assert runs["deploy", "in_process"].returncode == 2 and "missing.h5" in runs["deploy", "in_process"].stderr
    assert os.getcwd() != str(tmp_path)  # in_process went back


def test_python_runs_a_script_and_code_as_a_fresh_interpreter_does(tmp_path):
    """As ``__main__``, with its arguments, the script's directory (``-c``: the working directory) first on
    ``sys.path``, its exit status and an uncaught exception's traceback."""
    import sys

    show = "import sys; print(__name__, sys.argv, repr(sys.path[0])); sys.exit(int(sys.argv[-1]))"
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "show.py"
    script.write_text(show + "\n")
    runs = []
    for argv in ([script, "a", "3"], ["-c", show, "b", "0"], ["-c", "raise ValueError('no')"]):
        fresh = subprocess.run([sys.executable, *map(str, argv)], cwd=tmp_path, capture_output=True, text=True)
        runs.append(done := cli_runner.python(argv, cwd=tmp_path))
        assert (done.returncode, done.stdout) == (fresh.returncode, fresh.stdout), argv
        assert done.stderr.splitlines()[-1:] == fresh.stderr.splitlines()[-1:], argv
    assert runs[0].returncode == 3 and runs[0].stdout.startswith("__main__") and "scripts'" in runs[0].stdout
    assert runs[1].returncode == 0 and runs[1].stdout.strip().endswith("''")
    assert runs[2].returncode == 1 and runs[2].stderr.splitlines()[-1] == "ValueError: no"


def test_a_command_is_a_process_of_its_own(tmp_path):
    """Its own pid and session and working directory, the environment given (argparse wraps --help at
    $COLUMNS), and Popen's exit status for a signal."""
    widest = {}
    for columns in (60, 200):
        done = cli_runner.run(["--help"], env=dict(os.environ, COLUMNS=str(columns)))
        widest[columns] = max(len(line) for line in done.stdout.splitlines())
    assert widest[60] < 100 < widest[200] <= 200
    proc = cli_runner.Command(["--quiet", "train", "--model", "snn", "--data", "digits", "--epochs", "50", "-o",
                               str(tmp_path / "run")], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    assert proc.poll() is None and proc.pid != os.getpid()
    assert os.getsid(proc.pid) == proc.pid
    assert os.readlink(f"/proc/{proc.pid}/cwd") == str(tmp_path)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL


def test_a_command_leaves_the_test_process_start_method_unchosen():
    """The forkserver's start reads this process's default start method, which fixes it; Lava's import
    then fails to choose its own ("context has already been set": test_resume alone failed so)."""
    import multiprocessing

    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(None, force=True)
    try:
        assert cli_runner.run(["--help"]).returncode == 0
        assert multiprocessing.get_start_method(allow_none=True) is None
    finally:
        multiprocessing.set_start_method(before, force=True)
