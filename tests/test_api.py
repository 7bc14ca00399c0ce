"""The Python API (``import ppf_neuro as ppf``): a run trained, saved, exported and deployed on arrays."""

import numpy as np
import pytest
import torch

import ppf_neuro as ppf
from ppf_neuro.data import load_dataset
from ppf_neuro.errors import PPFError

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
