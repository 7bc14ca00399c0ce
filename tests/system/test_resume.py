"""Interrupted training (SIGINT or SIGTERM) resumes with --resume to the same weights."""

import signal
import subprocess
import time

import pytest
import torch
import cli_runner

pytestmark = pytest.mark.slow

#: Four epochs of ~0.75 s here: a signal sent once the first epoch's state is saved lands with three to go.
EPOCHS = 4
ARGS = ["--quiet", "train", "--model", "ppf", "--data", "digits", "--epochs", str(EPOCHS), "--set", "data.train_limit=1000",
        "--set", "data.test_limit=50", "--set", "snn.hidden=[16]", "--set", "encoding.steps=6",
        "--set", "quantum.qubits=3", "--set", "train.batch_size=50"]


def _weights(run_dir):
    from ppf_neuro.integrity import load_checked

    return load_checked(run_dir / "checkpoint.pt")["state_dict"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run, trained once for both signals."""
    out = tmp_path_factory.mktemp("resume") / "ref"
    cli_runner.run([*ARGS, "-o", str(out)], check=True)
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_then_resume_equals_uninterrupted(tmp_path, reference, sig):
    interrupted = tmp_path / "int"

    proc = cli_runner.Command([*ARGS, "-o", str(interrupted)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = tmp_path / "int.partial" / "training_state.pt"  # the run is built beside its directory
    deadline = time.time() + 120
    while time.time() < deadline and not (state.is_file() and state.stat().st_size > 0):
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode == 130
    assert "train --resume -o" in proc.stderr.read().decode(), "the interrupt names how to continue"
    assert not interrupted.exists(), "the run was meant to be cut short, and is not written until complete"

    done = cli_runner.run(["--quiet", "train", "--resume", "-o", str(interrupted)])
    assert done.returncode == 0, done.stderr
    resumed_after = int(done.stdout.split("resuming after epoch ")[1].split()[0])
    assert 1 <= resumed_after < EPOCHS, done.stdout  # it continued; it did not start over
    ref, res = _weights(reference), _weights(interrupted)
    assert ref.keys() == res.keys()
    for key in ref:
        assert torch.allclose(ref[key], res[key], atol=1e-6, equal_nan=True), key
    assert not state.exists(), "the training state is removed once the run is saved"


def test_resume_without_state_is_a_clear_error(tmp_path, capsys):
    from ppf_neuro.cli import main

    assert main(["train", "--resume", "-o", str(tmp_path)]) == 2
    assert "nothing interrupted to resume" in capsys.readouterr().err


def test_an_interrupted_train_into_an_existing_run_leaves_that_run_as_it_was(tmp_path, reference):
    """Issue 21: the new config.json used to land beside the old checkpoint, and export then wrote a
    bundle whose config did not match its weights."""
    import shutil

    existing = tmp_path / "existing"
    shutil.copytree(reference, existing)
    before = {p.name: p.read_bytes() for p in existing.iterdir()}
    other = [a if a != str(EPOCHS) else str(EPOCHS - 1) for a in ARGS] + ["--set", "snn.hidden=[24]", "--force"]  # another run
    proc = cli_runner.Command([*other, "-o", str(existing)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = tmp_path / "existing.partial" / "training_state.pt"
    deadline = time.time() + 120
    while time.time() < deadline and not (state.is_file() and state.stat().st_size > 0):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert {p.name: p.read_bytes() for p in existing.iterdir()} == before


def test_interrupted_in_the_first_epoch_says_there_is_nothing_to_resume(tmp_path):
    """No epoch ended, so no state: the message must not offer --resume, and no .partial is left."""
    out = tmp_path / "early"
    proc = cli_runner.Command([*ARGS, "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    config = tmp_path / "early.partial" / "config.json"  # written before the first batch
    deadline = time.time() + 120
    while time.time() < deadline and not config.is_file():
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read().decode()
    assert "nothing to resume" in err and "--resume" not in err, err
    assert not (tmp_path / "early.partial").exists() and not out.exists()


def test_a_ctrl_c_just_after_config_json_is_written_leaves_nothing(tmp_path, monkeypatch, capsys):
    """The race the test above can hit (CI did once): the signal lands the moment config.json exists,
    before training starts. It must still say there is nothing to resume and leave no .partial."""
    from ppf_neuro.cli import main
    from ppf_neuro.commands import train
    from ppf_neuro.training.run_dir import write_config

    def write_then_interrupt(*a, **k):
        write_config(*a, **k)
        raise KeyboardInterrupt

    monkeypatch.setattr(train, "write_config", write_then_interrupt)
    out = tmp_path / "early"
    assert main([*ARGS, "-o", str(out)]) == 130
    assert "nothing to resume" in capsys.readouterr().err
    assert not (tmp_path / "early.partial").exists() and not out.exists()
