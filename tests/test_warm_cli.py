"""The tests' warm command runner (``tests/warm_cli.py``) behaves as a command started from the shell:
the same output and exit status as a fresh interpreter, signals and exit statuses as ``Popen`` has them."""

import signal
import subprocess

import warm_cli


def test_a_warm_command_prints_and_exits_as_a_fresh_one(tmp_path):
    warm = {}
    for argv in (["--help"], ["deploy", "missing.h5", "--samples", "3"], ["train", "--epochs", "0"]):
        fresh, warm[argv[0]] = warm_cli.fresh_run(argv, cwd=tmp_path), warm_cli.run(argv, cwd=tmp_path)
        assert (warm[argv[0]].returncode, warm[argv[0]].stdout, warm[argv[0]].stderr) == \
            (fresh.returncode, fresh.stdout, fresh.stderr), argv
    assert warm["--help"].returncode == 0 and "usage: ppf-neuro" in warm["--help"].stdout
    assert warm["deploy"].returncode == 2 and "missing.h5" in warm["deploy"].stderr


def test_a_signalled_command_reports_the_signal_as_popen_does(tmp_path):
    proc = warm_cli.Command(["--quiet", "train", "--model", "snn", "--data", "digits", "--epochs", "50", "-o",
                             str(tmp_path / "run")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
