"""A full disk, met as a file-size limit (RLIMIT_FSIZE: every write past it fails with EFBIG, as a
full disk fails with ENOSPC): one line naming the path and the OS error, exit status 2, nothing
partial left. ``export`` used to die with SIGSEGV inside the HDF5 library (issue 21)."""

import pytest
import cli_runner

from ppf_neuro.training.run_dir import save_run

pytestmark = pytest.mark.slow

LIMIT = 4096  # bytes: more than config.json, less than any checkpoint, bundle or report


def _cli_limited(*argv, cwd):
    return cli_runner.run(list(argv), fsize_limit=LIMIT, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny_run):
    path = tmp_path_factory.mktemp("disk") / "run"
    save_run(path, tiny_run)
    return path


@pytest.mark.parametrize("what", ["export", "export-nir", "deploy-report", "deploy-rasters", "train", "import-nir"])
def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, run_dir, tiny_bundle, what):
    out = tmp_path / "out"
    out.mkdir()
    argv = {
        "export": ["export", str(run_dir), "-o", str(out / "model.h5")],
        "export-nir": ["export", str(tiny_bundle), "--format", "nir", "-o", str(out / "net.nir")],
        "deploy-report": ["deploy", str(tiny_bundle), "--samples", "20", "--report", str(out / "report.json")],
        "deploy-rasters": ["deploy", str(tiny_bundle), "--samples", "20", "--save-spikes", str(out / "r.npz")],
        "train": ["train", "--model", "snn", "--data", "digits", "--epochs", "1", "-o", str(out / "run")],
        "import-nir": ["import-nir", str(tmp_path / "g.nir"), "-o", str(out / "g.h5")],
    }[what]
    if what == "import-nir":  # a graph written without the limit
        assert cli_runner.run(["export", str(tiny_bundle), "--format", "nir", "-o", str(tmp_path / "g.nir")]) \
            .returncode == 0
    done = _cli_limited(*argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("ppf-neuro: error: cannot write"), lines[-1]
    # numpy's own message (the Lava run's temporary files, written first by deploy) has no OS error text
    assert "File too large" in lines[-1] or what.startswith("deploy-"), lines[-1]
    assert "Traceback" not in done.stderr
    assert list(out.iterdir()) == [], "nothing partial is left"


@pytest.mark.parametrize("what", ["robustness", "analyze"])
def test_a_result_set_is_replaced_whole_or_not_at_all(tmp_path, run_dir, tiny_bundle, what):
    """A table and its plot belong together: a second run into the same directory that fails half way
    (the disk fills at the plot) leaves the first run's files exactly as they were."""
    out = tmp_path / "out"
    if what == "robustness":
        argv = ["robustness", str(run_dir), "--samples", "5", "--noise", "gaussian", "--shots", "-o", str(out)]
        first, second = [*argv, "--levels", "0.5"], [*argv, "--levels", "0.2", "0.4"]
    else:
        for samples in (10, 12):  # two reports: two different result sets
            assert cli_runner.run(["--quiet", "deploy", str(tiny_bundle), "--samples", str(samples), "--report",
                                 str(tmp_path / f"r{samples}.json")]).returncode == 0
        first = ["analyze", str(tmp_path / "r10.json"), "--plots", str(out)]
        second = ["analyze", str(tmp_path / "r12.json"), "--plots", str(out)]
    done = cli_runner.run(["--quiet", *first], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert any(name.endswith(".png") for name in before) and any(name.endswith(".json") for name in before)
    done = _cli_limited("--quiet", *second, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _fills_the_disk():
    import errno
    import os

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/dev/shm/psm_x")


def _dies():
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_lava_run_that_meets_a_full_disk_or_dies_is_one_line():
    """Inside the Lava run's own process (Lava's shared-memory channels, our counters): a full disk is
    a PPFError naming the file, and a child killed outright (the OOM killer) is one too, not an EOFError."""
    from ppf_neuro.processes.isolated import in_own_process_group
    from ppf_neuro.errors import PPFError

    with pytest.raises(PPFError, match="cannot write /dev/shm/psm_x during the Lava run: No space left on device"):
        in_own_process_group(_fills_the_disk)
    with pytest.raises(PPFError, match="ended without an answer .exit code -9: killed by SIGKILL"):
        in_own_process_group(_dies)
