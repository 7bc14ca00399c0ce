"""Progress in a log file (stderr not a terminal): plain lines, a few per phase, never a carriage
return per batch (issue 27: a training log used to grow by one tqdm update per batch)."""

import pytest
import cli_runner

pytestmark = pytest.mark.lava


def _stderr_lines(*argv, cwd):
    done = cli_runner.run(list(argv), cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "\r" not in done.stderr, "carriage returns in a log"
    return done.stderr.splitlines()


def test_training_and_deployment_logs_are_a_few_lines_per_phase(tmp_path, tiny_bundle):
    lines = _stderr_lines("train", "--model", "snn", "--data", "digits", "--epochs", "2", "--set",
                          "train.batch_size=16", "-o", str(tmp_path / "run"), cwd=tmp_path)
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert 2 <= len(epochs) <= 2 * 4, lines  # ~80 batches per epoch, at most a start, a few updates and an end
    lines = _stderr_lines("deploy", str(tiny_bundle), "--samples", "60", cwd=tmp_path)
    assert 1 <= len([line for line in lines if line.startswith("Lava")]) <= 4, lines


def test_a_long_phase_is_announced_with_its_estimate(capsys):
    """default.mixed takes seconds per sample: the line says how long the rest will take; short
    phases say nothing."""
    from ppf_neuro.processes.progress import announce_estimate

    announce_estimate("quantum (default.mixed)", 7.0, 400)
    announce_estimate("quantum (default.qubit)", 0.01, 400)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["quantum (default.mixed): 7.0 s per sample, about 47 min for the 400 samples to go "
                     "(fewer with --samples)"]


def test_the_quantum_estimate_leaves_out_the_compiling_first_call(monkeypatch):
    """The first call compiles (seconds); the estimate for the rest is timed on the second sample."""
    import time
    from types import SimpleNamespace

    import numpy as np
    import torch

    import ppf_neuro.deployment.backends.pennylane_backend as backend

    calls, said = [], []

    import pennylane as qml

    class Circuit:
        qnode = SimpleNamespace(device=qml.device("default.qubit", wires=1))
        fast, backend, target = None, "fake", None

        def reduction(self, x):
            return x

        def head(self, x):
            return x

        def circuit(self, x):
            time.sleep(0.5 if not calls else 0.001)  # the first call: compiling
            calls.append(len(x))
            return torch.zeros(len(x), 3)

        def resources(self, x):
            return {}

    monkeypatch.setattr(backend, "announce_estimate", lambda what, each, count: said.append((each, count)))
    backend.PennyLaneBackend(Circuit(), progress=True).run(np.zeros((40, 4), dtype=np.float32))
    assert calls[:2] == [1, 1] and sum(calls) == 40
    (each, count), = said
    assert count == 38 and each < 0.1, "timed on the compiling call"
