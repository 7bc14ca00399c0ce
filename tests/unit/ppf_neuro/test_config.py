import json

import pytest

from ppf_neuro.config import RunConfig
from ppf_neuro.errors import PPFError


def test_round_trip_through_json():
    cfg = RunConfig()
    d = json.loads(cfg.to_json())
    d["snn"]["conv"] = [{"channels": 4}]
    assert RunConfig.from_dict(json.loads(json.dumps(RunConfig.from_dict(d).to_dict()))) == RunConfig.from_dict(d)


@pytest.mark.parametrize("bad, fragment", [
    ({"nope": {}}, "unknown key"),
    ({"snn": {"hiden": [3]}}, "unknown key(s) ['hiden']"),
    ({"encoding": {"steps": 0}}, "encoding.steps"),
    ({"encoding": {"kind": "latency"}}, "encoding.kind"),
    ({"snn": {"threshold": -1}}, "snn.threshold"),
    ({"snn": {"hidden": "12"}}, "snn.hidden"),
    ({"train": {"epochs": 1.5}}, "train.epochs"),
    ({"train": {"lr": "fast"}}, "train.lr"),
])
def test_bad_values_name_the_field(bad, fragment):
    with pytest.raises(PPFError) as e:
        RunConfig.from_dict(bad)
    assert fragment in str(e.value)


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(PPFError, match="does not exist"):
        RunConfig.from_file(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(PPFError, match="not valid JSON"):
        RunConfig.from_file(tmp_path / "bad.json")
    with pytest.raises(PPFError, match="is a directory"):
        RunConfig.from_file(tmp_path)


@pytest.mark.parametrize("reader", ["sweep", "profile"])
def test_other_json_inputs_refuse_a_directory_in_one_line(tmp_path, reader):
    from ppf_neuro.analysis.profiles import load_profile
    from ppf_neuro.training.sweep import load_sweep_file

    read = {"sweep": load_sweep_file, "profile": lambda p: load_profile(p, "neuromorphic")}[reader]
    (tmp_path / "d.json").mkdir()
    with pytest.raises(PPFError, match="is a directory"):
        read(tmp_path / "d.json")


def test_a_runs_config_json_is_a_config_file(tmp_path, tiny_run):
    """README: every run's config.json works with --config (it wraps the config with the run's facts)."""
    from ppf_neuro.config import build_config
    from ppf_neuro.training.run_dir import save_run

    save_run(tmp_path / "run", tiny_run)
    assert build_config(tmp_path / "run" / "config.json") == tiny_run.config


def test_set_values_are_json_or_strings_and_a_key_given_twice_is_refused():
    from ppf_neuro.commands.assignments import overrides
    from ppf_neuro.config import build_config

    values = overrides(["snn.hidden=[64]", "data.spec=idx:/data/mnist", "snn.hidden=[32]"], {"model": "snn",
                                                                                             "train.seed": None})
    assert values == {"model": "snn", "snn.hidden": [32], "data.spec": "idx:/data/mnist"}
    cfg = build_config(None, values)
    assert cfg.snn.hidden == (32,) or list(cfg.snn.hidden) == [32]
    with pytest.raises(PPFError, match="also given by its own option"):
        overrides(["model=qnn"], {"model": "snn"})
    with pytest.raises(PPFError, match="expected SECTION.KEY=VALUE"):
        overrides(["snn.hidden"], {})
