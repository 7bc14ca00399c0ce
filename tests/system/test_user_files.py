"""A command only ever removes or replaces files it wrote, never one it reads, and a set of outputs goes in
whole or not at all (issue 40's escapes, each reproduced first)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import write_idx_dataset

from ppf_neuro.atomic import MANIFEST, result_set
from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.processes.pools import usable_workers

pytestmark = pytest.mark.lava


@pytest.fixture(scope="module")
def report(tmp_path_factory, tiny_bundle) -> Path:
    path = tmp_path_factory.mktemp("deployed") / "report.json"
    assert main(["--quiet", "deploy", str(tiny_bundle), "--samples", "8", "--report", str(path)]) == 0
    return path


def test_analyze_leaves_a_users_own_files_alone(report, tmp_path):
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "holiday_raster.png").write_bytes(b"a user's photo")  # matches analyze's own glob *raster.png
    assert main(["--quiet", "analyze", str(report), "--plots", str(plots)]) == 0
    assert main(["--quiet", "analyze", str(report), "--plots", str(plots)]) == 0  # replaces its own set
    assert (plots / "holiday_raster.png").read_bytes() == b"a user's photo"
    assert "summary.json" in json.loads((plots / MANIFEST).read_text())


def test_a_users_file_in_the_way_refuses_the_whole_set(report, tmp_path, capsys):
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "summary.json").write_text("mine")
    assert main(["--quiet", "analyze", str(report), "--plots", str(plots)]) == 2
    assert "a file ppf-neuro did not write there" in capsys.readouterr().err
    assert (plots / "summary.json").read_text() == "mine" and not (plots / "layers.csv").exists()


def test_analyze_does_not_overwrite_the_report_it_reads(report, tmp_path, capsys):
    plots = tmp_path / "p"
    plots.mkdir()
    given = plots / "summary.json"
    given.write_bytes(report.read_bytes())
    (plots / MANIFEST).write_text(json.dumps(["summary.json"]))  # even where ppf-neuro wrote it before
    assert main(["--quiet", "analyze", str(given), "--plots", str(plots)]) == 2
    assert "one of the files this command reads" in capsys.readouterr().err
    assert given.read_bytes() == report.read_bytes()


def test_deploy_does_not_write_its_report_over_the_dataset_it_reads(tiny_bundle, tmp_path, capsys):
    data = write_idx_dataset(tmp_path / "ds", size=8)
    labels = data / "t10k-labels-idx1-ubyte"
    before = labels.read_bytes()
    code = main(["--quiet", "deploy", str(tiny_bundle), "--data", f"idx:{data}", "--report", str(labels)])
    assert code == 2 and "is also an input (data)" in capsys.readouterr().err
    assert labels.read_bytes() == before


def test_train_leaves_a_foreign_partial_directory_alone(tmp_path, capsys):
    foreign = tmp_path / "x.partial"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("years of work")
    code = main(["--quiet", "train", "--data", "digits", "--epochs", "1", "-o", str(tmp_path / "x")])
    assert code == 2 and "not a staging directory train made" in capsys.readouterr().err
    assert (foreign / "thesis.tex").read_text() == "years of work"


def test_a_set_with_a_directory_in_a_members_place_replaces_nothing(tmp_path):
    out = tmp_path / "out"
    with result_set(out, ("*.json", "*.png")) as stage:
        for name in ("a.json", "b.png"):
            (stage / name).write_text("first")
    (out / "b.png").unlink()
    (out / "b.png").mkdir()  # a directory where the set's plot goes
    with pytest.raises(PPFError, match="b.png' is in the way"):
        with result_set(out, ("*.json", "*.png")) as stage:
            for name in ("a.json", "b.png"):
                (stage / name).write_text("second")
    assert (out / "a.json").read_text() == "first"  # not half replaced


def test_workers_are_bounded_by_the_tasks_and_the_cores(capsys):
    cores = os.cpu_count() or 1
    assert usable_workers(1_000_000, 2) == min(2, cores)
    assert "bounded to" in capsys.readouterr().err
    assert usable_workers(2, 1) == 1 and usable_workers(1, 50) == 1


def test_a_sweep_directory_from_before_manifests_is_adopted(tmp_path):
    """A sweep resumed in a directory whose summary an earlier ppf-neuro wrote (no manifest) replaces it; a
    directory that holds no runs of a sweep is not adopted."""
    out = tmp_path / "sweep"
    (out / "runs").mkdir(parents=True)
    (out / "table.md").write_text("old")
    with result_set(out, ("*.md",), adopt=(out / "runs").is_dir()) as stage:
        (stage / "table.md").write_text("new")
    assert (out / "table.md").read_text() == "new"
    other = tmp_path / "other"
    other.mkdir()
    (other / "table.md").write_text("mine")
    with pytest.raises(PPFError, match="in the way"):
        with result_set(other, ("*.md",), adopt=(other / "runs").is_dir()) as stage:
            (stage / "table.md").write_text("new")
