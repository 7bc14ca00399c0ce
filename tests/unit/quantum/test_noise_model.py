"""A PennyLane noise model from a JSON file (``--noise-model``): it reaches the circuit, it is data not
code, and a bad file is one line."""

import json

import pytest
import torch

from ppf_neuro.cli import main
from ppf_neuro.errors import PPFError
from ppf_neuro.quantum import QuantumNet
from ppf_neuro.quantum.noise_model import check_noise_model


def test_a_fully_depolarising_model_leaves_only_the_heads_bias(ppf_run):
    """p = 3/4 after every gate mixes every wire completely: <Z> and <ZZ> are 0 whatever the input, as
    with --noise 0.75; a model on other gates only leaves the outputs input-dependent."""
    trained = ppf_run.model.qnn
    x = torch.rand(3, trained.in_features, generator=torch.Generator().manual_seed(0))

    def branch(rules):
        q = QuantumNet(ppf_run.config.quantum, trained.in_features, ppf_run.num_classes, "default.mixed",
                       noise_model=check_noise_model({"rules": rules}))
        q.load_state_dict(trained.state_dict())
        with torch.no_grad():
            return q(x)

    bias = trained.head.bias.expand(3, -1)
    torch.testing.assert_close(branch([{"channel": "DepolarizingChannel", "probability": 0.75}]), bias,
                               atol=1e-6, rtol=0)
    untouched = branch([{"gates": ["Toffoli"], "channel": "DepolarizingChannel", "probability": 0.75}])
    with torch.no_grad():
        torch.testing.assert_close(untouched, trained(x), atol=1e-5, rtol=0)


@pytest.mark.parametrize("spec, message", [
    ({"rules": []}, "at least one rule"),
    ({"rules": [{"channel": "Teleport", "probability": 0.1}]}, "is not one of"),
    ({"rules": [{"channel": "BitFlip", "probability": 1.5}]}, "probability must be a number from 0 to 1"),
    ({"rules": [{"channel": "BitFlip", "probability": 0.1, "code": "import os"}]}, "expected channel, probability"),
    ({"rules": [{"channel": "BitFlip", "probability": 0.1, "wires": [-1]}]}, "wires must be a list of wire numbers"),
])
def test_a_bad_noise_model_is_refused_by_field(spec, message):
    with pytest.raises(PPFError, match=message):
        check_noise_model(spec)


@pytest.mark.lava  # it deploys: Lava runs
@pytest.mark.usefixtures("lava_replayed")  # the Lava run is not the subject: identical runs replayed
def test_deploy_with_a_noise_model_judges_the_other_outputs(ppf_bundle, tmp_path, capsys):
    """Analytic but noisy: the circuit differs from the reference by design, so the exit status (0) judges the
    SNN and the report records the rules."""
    path = tmp_path / "noise.json"
    path.write_text(json.dumps({"rules": [{"channel": "AmplitudeDamping", "probability": 0.2}]}))
    assert main(["--quiet", "deploy", str(ppf_bundle), "--samples", "4", "--qdevice", "default.mixed",
                 "--noise-model", str(path), "--report", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["options"]["noise_model"]["rules"][0]["channel"] == "AmplitudeDamping"
    assert report["outputs"]["qnn"]["max_abs_diff"] > 1e-3 and report["outputs"]["snn"]["allclose"]
    assert "differ from the analytic reference by design" in capsys.readouterr().out
