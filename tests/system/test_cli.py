"""The ppf-neuro command line end to end, and its one-line errors (exit status 2)."""

import json

import pytest

from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError

pytestmark = pytest.mark.lava


def test_train_export_deploy(tmp_path, capsys):
    run, bundle, report = tmp_path / "run", tmp_path / "m.h5", tmp_path / "r.json"
    assert main(["--quiet", "train", "--model", "ppf", "--data", "digits", "--epochs", "1", "--set", "snn.hidden=[12]",
                 "--set", "data.train_limit=200", "--set", "encoding.steps=6", "--set", "quantum.qubits=3",
                 "-o", str(run)]) == 0
    assert main(["export", str(run), "-o", str(bundle)]) == 0
    assert main(["--quiet", "deploy", str(bundle), "--data", "digits", "--samples", "5",
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "ppf (decision)" in out and "SNN branch (Lava)" in out and "quantum branch" in out
    r = json.loads(report.read_text())
    assert r["samples"] == 5 and r["config"]["snn"]["hidden"] == [12] and r["model"] == "ppf"
    assert all(o["agreement"] == 1.0 for o in r["outputs"].values())


@pytest.mark.parametrize("argv, fragment", [
    (["train", "--set", "snn.hidden=[-1]"], "snn.hidden"),
    (["train", "--set", "bogus"], "SECTION.KEY=VALUE"),
    (["train", "--set", "nosuch.key=1"], "SECTION.FIELD"),
    (["train", "--data", "nowhere"], "dataset spec"),
    (["export", "/nonexistent/run", "-o", "x.h5"], "missing config.json"),
    (["deploy", "/nonexistent/model.h5"], "does not exist"),
    (["train", "--set", "fusion.ratio=1.5"], "fusion.ratio"),
    (["train", "--set", "quantum.qubits=-2"], "quantum.qubits"),
])
def test_errors_are_one_line_with_status_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_debug_works_after_the_subcommand_and_usage_errors_are_one_line(tmp_path, capsys):
    with pytest.raises(PPFError, match="none.h5' does not exist"):  # --debug shows the real exception
        main(["deploy", str(tmp_path / "none.h5"), "--debug"])
    assert main(["deploy", str(tmp_path / "none.h5"), "--quiet"]) == 2
    capsys.readouterr()
    assert main(["deploy", "--sampels", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ppf-neuro: error: ") and "--help" in err[0]


def test_atomic_writes_fsync_the_file_and_its_directory_before_and_after_the_rename(tmp_path, monkeypatch):
    """A spy on os.fsync (the real fsync still runs) records what was flushed, in order."""
    import os

    from ppf_neuro.atomic import write_text

    synced, real = [], os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_text(tmp_path / "a.txt", "x")
    assert len(synced) == 2 and ".a.txt." in synced[0] and synced[1] == str(tmp_path)


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_deploy_exits_3_when_the_deployment_does_not_reproduce_its_reference(ppf_bundle, tmp_path, capsys):
    from conftest import edited_copy

    assert main(["--quiet", "deploy", str(ppf_bundle), "--samples", "4"]) == 0

    def invert_output_layer(f):  # the netx file no longer holds what the model was trained with
        f["layer/1/weight"][...] = -f["layer/1/weight"][()]

    edited = edited_copy(ppf_bundle, tmp_path / "edited.h5", invert_output_layer)
    capsys.readouterr()
    assert main(["--quiet", "deploy", str(edited), "--samples", "4"]) == 3
    assert "does not reproduce its reference" in capsys.readouterr().err


def test_every_option_of_every_command_has_help_and_shows_its_default(capsys):
    """Help that teaches: no bare option, and the default printed where there is one."""
    import argparse

    from ppf_neuro.cli import build_parser

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"train", "export", "deploy", "diff", "analyze", "robustness", "sweep", "import-nir"} <= set(commands)
    for name, parser in commands.items():
        bare = [a.option_strings for a in parser._actions if a.option_strings and not a.help]
        assert not bare, (name, bare)
        text = parser.format_help()
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert f"(default: {action.default}" in " ".join(text.split()), (name, action.option_strings)


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_diff_runs_no_circuit(ppf_bundle, monkeypatch, capsys):
    """``diff`` compares the spiking branch on Lava with its reference only: the quantum device never runs."""
    import ppf_neuro.deployment.backends.pennylane_backend as backend

    def no_circuit(self, features):
        raise AssertionError("diff ran the circuit")

    monkeypatch.setattr(backend.PennyLaneBackend, "run", no_circuit)
    assert main(["--quiet", "diff", str(ppf_bundle), "--samples", "4"]) == 0
    assert "Lava and the reference agree" in capsys.readouterr().out


def test_the_report_has_every_samples_probabilities_beside_it(ppf_bundle, tmp_path):
    import numpy as np

    report = tmp_path / "r.json"
    assert main(["--quiet", "deploy", str(ppf_bundle), "--samples", "9", "--report", str(report)]) == 0
    r = json.loads(report.read_text())
    assert r["per_sample"]["file"] == "r.per_sample.npz"
    with np.load(tmp_path / "r.per_sample.npz") as saved:
        assert r["per_sample"]["arrays"] == {k: list(saved[k].shape) for k in saved.files}
        for name in ("output", "snn", "qnn"):
            p = saved[f"scores/{name}"]
            assert p.shape == (9, 10) and np.allclose(p.sum(1), 1, atol=1e-5)  # class probabilities
            assert p.argmax(1).tolist() == r["outputs"][name]["predictions"]
        assert saved["layer_spikes"].tolist() == r["activity"]["per_sample"]["spikes"]
