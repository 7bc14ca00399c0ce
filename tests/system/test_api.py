"""The Python API (``import ppf_neuro as ppf``): a run trained, saved, exported and deployed on arrays."""

import json
import numpy as np
import pytest
import torch

import ppf_neuro as ppf
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError

pytestmark = pytest.mark.lava

SAMPLES = 30


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    directory = tmp_path_factory.mktemp("api")
    run = ppf.train({"model": "ppf", "data": {"spec": "digits", "train_limit": 400, "test_limit": SAMPLES},
                     "snn": {"hidden": [16]}, "quantum": {"qubits": 3, "layers": 1},
                     "train": {"epochs": 4, "batch_size": 32, "lr": 0.01}}, progress=False)
    assert isinstance(run.model, torch.nn.Module) and run.metrics["test"]["acc"] > 0.3
    ppf.save(run, directory / "run")
    assert ppf.load(directory / "run").config == run.config
    return ppf.export(directory / "run", directory / "m.h5")


@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_arrays_tensors_and_loaders_deploy_like_the_dataset(bundle):
    """The same test images given as a spec, as arrays, as tensors and as batches give the same outputs."""
    test = load_dataset("digits").test
    by_spec = ppf.deploy(bundle, "digits", samples=SAMPLES, progress=False)
    images, labels = test.images[:SAMPLES], test.labels[:SAMPLES]
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(images),
                                                                        torch.from_numpy(labels)), batch_size=7)
    for data in ((images, labels), (torch.from_numpy(images[:, 0]), torch.from_numpy(labels)), loader):
        report = ppf.deploy(bundle, data, progress=False)
        assert report.samples == SAMPLES and report.data.startswith("arrays")
        for name, out in by_spec.outputs.items():
            assert report.outputs[name].accuracy_deployed == out.accuracy_deployed, name
            assert report.outputs[name].agreement == 1.0 and report.outputs[name].allclose, name
        assert report.lava.layer_spikes_per_sample == by_spec.lava.layer_spikes_per_sample
    unlabelled = ppf.deploy(bundle, images[:5], progress=False)
    assert unlabelled.outputs["output"].accuracy_deployed is None and unlabelled.samples == 5
    text = repr(by_spec)
    assert "\n" not in text and len(text) < 400 and "agreement 1.0000" in text


@pytest.mark.parametrize("data, message", [
    ((np.full((3, 1, 8, 8), 2.0), np.zeros(3, dtype=int)), r"values must be in \[0, 1\]"),
    ((np.zeros((3, 1, 8, 8)), np.zeros(4, dtype=int)), r"expected 3 integer class labels"),
    ((np.zeros((3, 1, 8, 8)), np.zeros(3)), r"integer class labels"),
    (np.zeros((3, 64)), r"\(N, C, H, W\) or \(N, H, W\)"),
    (np.zeros((3, 1, 6, 6)), r"expects images \(1, 8, 8\)"),
])
def test_bad_arrays_are_one_clear_error(bundle, data, message):
    with pytest.raises(PPFError, match=message):
        ppf.deploy(bundle, data, progress=False)


@pytest.mark.parametrize("argument", ["samples", "workers", "replicas"])
def test_errors_name_the_python_argument_not_the_flag(bundle, argument):
    """A Python caller never saw ``--samples``; the command line's user sees the flag (test_bad_inputs)."""
    with pytest.raises(PPFError, match=rf"^{argument} must be a whole number(, at least 1| from 1 to 1,024), got 0$"):
        ppf.deploy(bundle, "digits", progress=False, **{argument: 0})


def test_the_api_docstring_examples_run():
    """The module docstring's round trip (train, export, deploy) is a doctest: it cannot rot."""
    import doctest

    import ppf_neuro.api

    result = doctest.testmod(ppf_neuro.api, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0


def test_diff_from_python(bundle, tmp_path, monkeypatch):
    """``ppf.diff``: None where Lava and the reference agree; the divergence where they part (a weight netx
    clips, let past the reader's refusal here)."""
    import h5py

    import ppf_neuro.formats.netx.reader as reader

    assert ppf.diff(bundle, "digits", samples=4, progress=False) is None
    monkeypatch.setattr(reader, "WEIGHT_RANGE", (-10 ** 6, 10 ** 6))
    monkeypatch.setattr(reader, "WEIGHT_MAX", 10 ** 6)
    netx = tmp_path / "net.h5"
    with h5py.File(bundle) as src, h5py.File(netx, "w") as dst:
        src.copy("layer", dst)
        w = dst["layer/1/weight"][()]
        w[:, :] = 1000  # netx clips it to 254: Lava computes less than the file says
        dst["layer/1/weight"][...] = w
    found = ppf.diff(netx, "digits", samples=4, progress=False)
    assert found is not None and found["layer"] == 1


def test_every_deploy_option_is_a_keyword_of_the_api():
    """A notebook user never drops to the shell for a deploy option: each flag of ``ppf-neuro deploy`` has
    its keyword in ``ppf.deploy`` (the few named otherwise, or only meaningful to a shell, listed here)."""
    import argparse
    import inspect

    from ppf_neuro.cli import build_parser

    renamed = {"set": "encoder", "qdevice_option": "qdevice_options", "quiet": "progress"}
    shell_only = {"debug", "expect_min", "command", "target"}  # tracebacks; an exit status; the dispatch
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["deploy"]
    flags = {a.dest for a in sub._actions if a.dest != "help"} - shell_only
    keywords = set(inspect.signature(ppf.deploy).parameters) | set(inspect.signature(ppf.api.deploy_request).parameters)
    missing = sorted(renamed.get(f, f) for f in flags if renamed.get(f, f) not in keywords)
    assert not missing, f"deploy flags without an API keyword: {missing}"


def test_the_api_writes_the_report_the_command_line_writes(bundle, tmp_path):
    report = ppf.deploy(bundle, "digits", samples=4, report=tmp_path / "r.json", progress=False)
    written = json.loads((tmp_path / "r.json").read_text())
    assert written["samples"] == report.samples == 4 and (tmp_path / "r.per_sample.npz").exists()
    analyses = ppf.analyze([tmp_path / "r.json", report])  # a file and an object; nothing written
    assert [a.summary["samples"] for a in analyses] == [4, 4] and not (tmp_path / "analysis").exists()
    layers, energy = analyses[0].tables["layers"], analyses[0].tables["energy"]  # pandas DataFrames
    spikes = [layer["spikes_per_sample"] for layer in analyses[0].summary["activity"]["layers"]]
    assert list(layers.index) == [layer["layer"] for layer in analyses[0].summary["activity"]["layers"]]
    np.testing.assert_allclose(layers["spikes_per_sample"], spikes, atol=0.005)
    assert energy.index[0] == "SNN on Intel Loihi" and (energy["high_nJ"] >= energy["low_nJ"]).all()
    figure = analyses[0].figures["layer_spikes"]  # a matplotlib Figure, not a file
    assert len(figure.axes) == 3 and "raster" not in analyses[0].figures  # no spikes saved, no raster
    written = ppf.analyze([report], plots=tmp_path / "analysis", tables=False, figures=False)
    assert (tmp_path / "analysis" / "summary.json").exists() and written[0].tables == written[0].figures == {}


def test_the_rest_of_the_command_line_in_python(tmp_path, tiny_run):
    """export_nir, import_nir, robustness and sweep: objects in, objects out, files only where asked."""
    graph = ppf.export_nir(tiny_run, tmp_path / "net.nir")
    made = ppf.import_nir(graph, tmp_path / "back.h5", steps=8)
    assert made["approximations"] == [] and made["layers"][-1] == "dense" and made["file"].exists()
    assert [q["scale"] for q in made["quantisation"]] == [64.0] * len(made["quantisation"])  # netx's own, exact
    rows = ppf.robustness([tiny_run], samples=20, noise=["gaussian"], levels=[0.1], shots=[], progress=False)
    assert [r["noise"] for r in rows] == ["clean", "gaussian"] and 0 <= rows[1]["snn"] <= 1
    assert not list(tmp_path.glob("robustness*"))
    sweep = tmp_path / "grid.json"
    sweep.write_text(json.dumps({"base": {"model": "snn", "data": {"spec": "digits", "train_limit": 200, "test_limit": 20},
                                          "snn": {"hidden": [8]}, "train": {"epochs": 1}},
                                 "grid": {"train.seed": [0, 1]}}))
    results = ppf.sweep(sweep, tmp_path / "sweep", workers=1, progress=False)
    assert len(results) == 2 and (tmp_path / "sweep" / "results.csv").exists()


def test_no_submodule_shadows_an_api_function():
    """``import ppf_neuro.X`` sets the package's attribute X: a module named like an API function would
    replace ``ppf.X`` once anything imported it (``ppf_neuro/robustness.py`` did)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(ppf.__path__):
        assert module.name not in ppf.__all__, f"ppf_neuro.{module.name} shadows ppf.{module.name}"
        importlib.import_module(f"ppf_neuro.{module.name}")
    assert all(callable(getattr(ppf, name)) for name in ppf.__all__ if name != "__version__")
