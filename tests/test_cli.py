"""The ppf-neuro command line end to end, and its one-line errors (exit status 2)."""

import json

import pytest

from ppf_neuro.cli import main


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
