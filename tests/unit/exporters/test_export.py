"""The bundle: written atomically, loadable by netx, read back identically, bad files refused."""

import json

import h5py
import numpy as np
import pytest
import torch
from conftest import edited_copy

from ppf_neuro.deployment.model_files.bundle_models import load_bundle
from ppf_neuro.exporters.export_bundle import export_bundle
from ppf_neuro.encoding import encode
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.bundle import META_GROUP
from ppf_neuro.lava_dl import netx


def test_netx_loads_the_bundle_with_expected_shapes(tiny_bundle, tiny_run):
    net = netx.hdf5.Network(net_config=str(tiny_bundle))
    assert [int(np.prod(layer.out.shape)) for layer in net.layers] == [32, 10]
    assert tuple(net.inp.shape) == (64,)


def test_round_trip_reproduces_the_model(tiny_bundle, tiny_run):
    bundle = load_bundle(tiny_bundle)
    assert bundle.config == tiny_run.config
    assert bundle.image_shape == (1, 8, 8) and bundle.num_classes == 10
    spikes = encode(torch.rand(4, 1, 8, 8), tiny_run.config.encoding)
    with torch.no_grad():
        assert torch.equal(bundle.reference_model().snn(spikes), tiny_run.model.snn(spikes))


def test_exported_weights_are_the_quantised_training_weights(tiny_bundle, tiny_run):
    with h5py.File(tiny_bundle) as f:
        w = f["layer/0/weight"][()]
    block = tiny_run.model.snn.blocks[0]
    expected = block.synapse.pre_hook_fx(block.synapse.weight, descale=True).reshape(w.shape)
    np.testing.assert_array_equal(w, expected.detach().numpy())
    assert np.all(w == np.round(w)) and np.abs(w).max() <= 256


def test_failed_export_keeps_previous_file(tiny_run, tiny_bundle, tmp_path):
    """A real failure half-way through writing (a tensor h5py cannot store), nothing faked."""
    import copy

    from ppf_neuro.training.run_dir import TrainedRun

    target = tmp_path / "model.h5"
    target.write_bytes(tiny_bundle.read_bytes())
    before = target.read_bytes()
    model = copy.deepcopy(tiny_run.model)
    model.register_buffer("unstorable", torch.zeros(2, dtype=torch.bfloat16))  # numpy has no bfloat16
    broken = TrainedRun(tiny_run.config, tiny_run.image_shape, tiny_run.num_classes, tiny_run.dataset, model,
                        tiny_run.metrics)
    with pytest.raises(TypeError):
        export_bundle(broken, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.h5"]


@pytest.mark.parametrize("tamper, fragment", [
    (lambda f: f["layer/0/weight"].__setitem__((0, 0), f["layer/0/weight"][0, 0] + 2), "written weights differ"),
    (lambda f: f["layer/1/neuron/vThMant"].__setitem__((), 1), "neuron parameter vThMant"),
])
def test_netx_read_back_finds_a_changed_weight_or_neuron_parameter(tiny_run, tmp_path, tamper, fragment):
    import h5py

    from ppf_neuro.exporters.verify_netx import verify_netx

    path = tmp_path / "net.h5"
    with h5py.File(path, "w") as f:
        tiny_run.model.snn.export_hdf5(f.create_group("layer"))
    verify_netx(path, tiny_run.model.snn)  # as written: accepted
    with h5py.File(path, "a") as f:
        tamper(f)
    with pytest.raises(PPFError, match=fragment):
        verify_netx(path, tiny_run.model.snn)


def test_a_flipped_weight_byte_is_refused_by_the_checksum(ppf_bundle, tmp_path):
    def nudge(f):
        w = f["ppf_neuro/state/qnn.head.weight"]
        w[0, 0] = w[0, 0] + 1e-3

    path = edited_copy(ppf_bundle, tmp_path / "flip.h5", nudge, reseal=False)
    with pytest.raises(PPFError, match="checksum mismatch"):
        load_bundle(path)


def test_not_hdf5(tmp_path):
    (tmp_path / "x.h5").write_text("hello")
    with pytest.raises(PPFError, match="not a readable HDF5"):
        load_bundle(tmp_path / "x.h5")


def test_hdf5_but_not_a_bundle(tmp_path):
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("data", data=[1, 2])
    with pytest.raises(PPFError, match="not a ppf-neuro bundle"):
        load_bundle(tmp_path / "x.h5")


def test_future_version(tiny_bundle, tmp_path):
    path = edited_copy(tiny_bundle, tmp_path / "future.h5", lambda f: f[META_GROUP].attrs.__setitem__("format_version", 99))
    with pytest.raises(PPFError, match="version 99"):
        load_bundle(path)


def test_truncated_bundle(tiny_bundle, tmp_path):
    path = tmp_path / "cut.h5"
    path.write_bytes(tiny_bundle.read_bytes()[:3000])
    with pytest.raises(PPFError):
        load_bundle(path)


def test_missing_bundle(tmp_path):
    with pytest.raises(PPFError, match="does not exist"):
        load_bundle(tmp_path / "none.h5")


def test_ppf_bundle_holds_everything(ppf_bundle, ppf_run):
    with h5py.File(ppf_bundle) as f:
        meta = f[META_GROUP].attrs
        assert meta["model"] == "ppf"
        assert "fusion" not in meta  # the ratio lives in one place: the state's ratio_logit
        assert "RY" in meta["quantum_circuit"] and "Rot" in meta["quantum_circuit"]
        assert json.loads(meta["class_names"]) == [str(i) for i in range(10)]
        assert {"lava-nc", "lava-dl", "pennylane", "torch"} <= set(json.loads(meta["versions"]))
        assert "ppf_neuro/state/qnn.weights" in f and "ppf_neuro/state/qnn.head.weight" in f
    bundle = load_bundle(ppf_bundle)
    assert bundle.fusion == {"ratio": pytest.approx(float(ppf_run.model.ratio)), "rule": "prob"}
    ref = bundle.reference_model()
    for (name, w), w2 in zip(ppf_run.model.state_dict().items(), ref.state_dict().values()):
        assert torch.allclose(w, w2, equal_nan=True), name


def test_class_names_only_where_the_dataset_names_them():
    from ppf_neuro.data.datasets import class_names

    assert class_names("digits", 10) == [str(i) for i in range(10)]  # scikit-learn's target_names
    assert class_names("idx:/any/mnist", 10) is None  # IDX files name no classes


def test_qnn_bundle_has_no_netx_group(tmp_path):
    from conftest import export_tiny, tiny_config, train_tiny

    path = export_tiny(train_tiny(tiny_config(model="qnn", epochs=1)), tmp_path, "q.h5")
    with h5py.File(path) as f:
        assert "layer" not in f
    assert not load_bundle(path).has_snn


def _replace(name, value):
    def mutate(f):
        del f[name]
        f[name] = value
    return mutate


def test_quantum_weights_that_do_not_match_the_circuit(ppf_bundle, tmp_path):
    path = edited_copy(ppf_bundle, tmp_path / "bad.h5", _replace("ppf_neuro/state/qnn.weights",
                                                                 np.zeros((7, 3, 3), dtype=np.float32)))
    with pytest.raises(PPFError, match="weights do not match"):
        load_bundle(path).reference_model()


def test_artifacts_get_the_usual_file_mode(tmp_path):
    import os

    from ppf_neuro.atomic import write_text

    write_text(tmp_path / "a.txt", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_state_of_wrong_dtype(ppf_bundle, tmp_path):
    path = edited_copy(ppf_bundle, tmp_path / "dtype.h5", _replace("ppf_neuro/state/qnn.head.bias",
                                                                   np.array([b"evil"] * 10)))
    with pytest.raises(PPFError, match="'qnn.head.bias' has dtype"):
        load_bundle(path)


def test_missing_state_tensor(tiny_bundle, tmp_path):
    path = edited_copy(tiny_bundle, tmp_path / "missing.h5",
                       lambda f: f.__delitem__("ppf_neuro/state/snn.blocks.0.synapse.weight"))
    with pytest.raises(PPFError, match="weights do not match"):
        load_bundle(path)


@pytest.mark.parametrize("corrupt", ["drop_weight", "pool_layer"])
def test_corrupt_netx_group_is_a_clear_error(tiny_bundle, tmp_path, corrupt):
    from ppf_neuro.formats.netx import load_netx_file

    path = tmp_path / "netx.h5"
    path.write_bytes(tiny_bundle.read_bytes())
    with h5py.File(path, "a") as f:
        if corrupt == "drop_weight":
            del f["layer/0/weight"]
        else:
            del f["layer/0/type"]
            f["layer/0"].create_dataset("type", (1,), "S10", [b"pool"])
    with pytest.raises(PPFError, match="layer 0"):
        load_netx_file(path)
