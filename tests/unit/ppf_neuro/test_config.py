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


OLD_NAMES = {"encoding": "feature_map", "readout": "measurement", "readout_wires": "measured_wires"}


def test_renamed_quantum_keys_are_read_under_their_new_names_and_said():
    """Files and overrides written before the rename still work; each old key is said once, by name."""
    from ppf_neuro.config import build_config
    from ppf_neuro.errors import RenamedKey

    old = {"quantum": {"qubits": 3, "encoding": "angle", "readout": "probs", "readout_wires": 2}}
    with pytest.warns(RenamedKey) as said:
        cfg = RunConfig.from_dict(old)
    assert (cfg.quantum.feature_map, cfg.quantum.measurement, cfg.quantum.measured_wires) == ("angle", "probs", 2)
    assert sorted(str(w.message).split("'")[1] for w in said) == sorted(f"quantum.{k}" for k in OLD_NAMES)
    assert "'quantum.readout' is now 'quantum.measurement'" in " ".join(str(w.message) for w in said)
    assert set(cfg.to_dict()["quantum"]) & set(OLD_NAMES) == set(), "what is written uses the new names"
    with pytest.warns(RenamedKey, match="quantum.readout_wires"):
        over = build_config(overrides={"quantum.readout": "probs", "quantum.readout_wires": 1, "quantum.qubits": 3})
    assert (over.quantum.measurement, over.quantum.measured_wires) == ("probs", 1)


def test_a_section_with_a_key_under_both_names_is_refused():
    with pytest.warns(Warning), pytest.raises(PPFError, match="'readout' is the old name of 'measurement', and both"):
        RunConfig.from_dict({"quantum": {"readout": "z", "measurement": "zz"}})


def test_the_command_line_says_a_renamed_key_in_one_line(capsys):
    from ppf_neuro.cli import main

    assert main(["train", "--set", "quantum.readout=z", "--set", "quantum.qubits=0", "-o", "unused"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("ppf-neuro: warning: config key 'quantum.readout' is now 'quantum.measurement': read under "
                      "the new name, which files written from now on use")
    assert err[1].startswith("ppf-neuro: error: config field 'quantum.qubits'") and len(err) == 2


def test_a_bundle_written_with_the_old_names_loads_as_before(tiny_bundle, tmp_path):
    """A bundle exported before the rename (its config attribute with the old keys) reads as the same model."""
    from conftest import edited_copy

    from ppf_neuro.deployment.model_files.bundle_models import load_bundle
    from ppf_neuro.errors import RenamedKey
    from ppf_neuro.formats.bundle import META_GROUP

    def old_names(f):
        cfg = json.loads(f[META_GROUP].attrs["config"])
        new = {v: k for k, v in OLD_NAMES.items()}
        cfg["quantum"] = {new.get(k, k): v for k, v in cfg["quantum"].items()}
        f[META_GROUP].attrs["config"] = json.dumps(cfg)

    old = edited_copy(tiny_bundle, tmp_path / "old.h5", old_names)
    with pytest.warns(RenamedKey, match="quantum.encoding"):
        then = load_bundle(old)
    assert then.config == load_bundle(tiny_bundle).config
