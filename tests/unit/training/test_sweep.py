"""The sweep: grid expansion, validation before work, aggregation over seeds, and resume."""

import json

import pytest

from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.training.sweep import aggregate, make_trials

BASE = {"model": "snn", "data": {"spec": "digits", "train_limit": 120, "test_limit": 30},
        "encoding": {"steps": 4}, "snn": {"hidden": [8]}, "train": {"epochs": 1, "batch_size": 60}}


def test_grid_is_the_cartesian_product():
    trials = make_trials(BASE, {"encoding.steps": [4, 6], "train.seed": [0, 1, 2]})
    assert len(trials) == 6
    assert {(t.config.encoding.steps, t.config.train.seed) for t in trials} == {(s, k) for s in (4, 6) for k in (0, 1, 2)}
    assert len({t.name for t in trials}) == 6


def test_bad_values_fail_before_any_training():
    with pytest.raises(PPFError, match="fusion.ratio"):
        make_trials(BASE, {"fusion.ratio": [0.5, 2.0]})
    with pytest.raises(PPFError, match="SECTION.FIELD"):
        make_trials(BASE, {"nonsense": [1]})
    with pytest.raises(PPFError, match="non-empty lists"):
        make_trials(BASE, {"encoding.steps": []})


def test_aggregate_over_seeds_by_hand():
    rows = [{"model": "a", "train.seed": s, "test_acc": acc, "test_loss": 1.0} for s, acc in enumerate([0.5, 0.7])]
    (entry,) = aggregate(rows, ["model", "train.seed"])
    assert entry["test_acc"] == pytest.approx(0.6) and entry["test_acc_std"] == pytest.approx(0.2 / 2 ** 0.5)
    assert entry["seeds"] == 2


def test_sweep_resumes_without_redoing_finished_runs(tmp_path, capsys):
    spec = tmp_path / "sweep.json"
    spec.write_text(json.dumps({"base": BASE, "grid": {"encoding.steps": [4, 6], "train.seed": [0]}}))
    out = tmp_path / "out"
    argv = ["--quiet", "sweep", str(spec), "-o", str(out), "--workers", "1"]
    assert main(argv) == 0
    runs = sorted(p for p in (out / "runs").iterdir())
    assert len(runs) == 2 and (out / "table.md").is_file() and (out / "accuracy.png").is_file()
    stamps = {p.name: (p / "checkpoint.pt").stat().st_mtime_ns for p in runs}
    # Interrupt one run: without metrics.json it counts as unfinished and is trained again.
    (runs[1] / "metrics.json").unlink()
    assert main(argv) == 0
    assert (runs[0] / "checkpoint.pt").stat().st_mtime_ns == stamps[runs[0].name]
    assert (runs[1] / "checkpoint.pt").stat().st_mtime_ns != stamps[runs[1].name]
    rows = json.loads((out / "results.json").read_text())
    assert [r["encoding.steps"] for r in rows] == [4, 6]


def test_run_names_are_unambiguous():
    trials = make_trials(BASE, {"quantum.measurement": ["z", "zz"], "fusion.ratio": [0.5, None]})
    assert sorted(t.name for t in trials) == ["measurement=z_ratio=0.5", "measurement=z_ratio=learned",
                                              "measurement=zz_ratio=0.5", "measurement=zz_ratio=learned"]
    from ppf_neuro.training.sweep import _slug

    assert _slug({"x": "0.5"}) != _slug({"x": 0.5}) and _slug({"x": "learned"}) != _slug({"x": None})


def test_a_finished_run_of_another_config_is_refused(tmp_path):
    spec = tmp_path / "sweep.json"
    spec.write_text(json.dumps({"base": BASE, "grid": {"train.seed": [0]}}))
    out = tmp_path / "out"
    assert main(["--quiet", "sweep", str(spec), "-o", str(out), "--workers", "1"]) == 0
    changed = {**BASE, "snn": {"hidden": [9]}}
    spec.write_text(json.dumps({"base": changed, "grid": {"train.seed": [0]}}))
    with pytest.raises(PPFError, match=r"snn.hidden: \(8,\) there, \(9,\) now"):
        from ppf_neuro.training.sweep import check_reuse

        check_reuse(make_trials(changed, {"train.seed": [0]}), out)


def test_a_stopped_trial_resumes_from_its_last_epoch(tmp_path, monkeypatch, capsys):
    """A long sweep run stopped after an epoch continues from it, to the same weights and metrics."""
    import ppf_neuro.training.sweep as sweep
    from ppf_neuro.training.run_dir import TRAINING_STATE, is_finished

    cfg = make_trials({**BASE, "train": {**BASE["train"], "epochs": 2}}, {"train.seed": [0]})[0].config.to_dict()
    whole = sweep.run_trial(cfg, str(tmp_path / "whole"))
    real = sweep.train_model

    def stop_after_first_epoch(*args, log, **kwargs):
        def log_then_stop(line):
            log(line)
            raise KeyboardInterrupt

        return real(*args, log=log_then_stop, **kwargs)

    monkeypatch.setattr(sweep, "train_model", stop_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_trial(cfg, str(tmp_path / "stopped"))
    assert (tmp_path / "stopped" / TRAINING_STATE).is_file() and not is_finished(tmp_path / "stopped")
    monkeypatch.setattr(sweep, "train_model", real)
    capsys.readouterr()
    resumed = sweep.run_trial(cfg, str(tmp_path / "stopped"))
    out = capsys.readouterr().out
    assert "resuming after epoch 1 of 2" in out and "stopped: epoch 2 " in out and "stopped: epoch 1 " not in out
    assert resumed["test"] == whole["test"]
    assert [r["train_loss"] for r in resumed["history"]] == [r["train_loss"] for r in whole["history"]]
    assert not (tmp_path / "stopped" / TRAINING_STATE).exists()


def test_a_stopped_run_of_another_config_is_refused(tmp_path):
    """A run directory that holds only a training state (a stopped trial) is never resumed with another config."""
    from ppf_neuro.config import RunConfig
    from ppf_neuro.training.run_dir import write_config
    from ppf_neuro.training.sweep import check_reuse

    trial = make_trials(BASE, {"train.seed": [0]})[0]
    write_config(tmp_path / "runs" / trial.name, RunConfig.from_dict({**BASE, "snn": {"hidden": [9]}}),
                 "digits", (1, 8, 8), 10)
    with pytest.raises(PPFError, match=r"snn.hidden: \(9,\) there, \(8,\) now"):
        check_reuse([trial], tmp_path)


def test_a_summary_that_fails_half_way_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    """results.json/.csv and table.md are written before the plot: a plot that fails (a full disk)
    must not leave new tables beside the old plot."""
    import ppf_neuro.figures
    from ppf_neuro.errors import PPFError
    from ppf_neuro.atomic import MANIFEST
    from ppf_neuro.training.sweep import write_summary

    rows = [{"snn.hidden": [8], "train.seed": 0, "val_acc": 0.5, "test_acc": 0.5}]
    monkeypatch.setattr(ppf_neuro.figures, "sweep_plot", lambda rows, keys, path: path.write_bytes(b"png"))
    write_summary(rows, ["snn.hidden", "train.seed"], tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {"results.json", "results.csv", "table.md", "accuracy.png", MANIFEST}

    def full(rows, keys, path):
        raise PPFError("cannot write accuracy.png: No space left on device")

    monkeypatch.setattr(ppf_neuro.figures, "sweep_plot", full)
    with pytest.raises(PPFError):
        write_summary([{**rows[0], "val_acc": 0.9, "test_acc": 0.9}], ["snn.hidden", "train.seed"], tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
