"""The report as written is the report documented: every field of real deployments (a ppf bundle
whose output layer was edited, so that it also has a divergence, and a plain netx file) is listed
in docs/report.md; reports read back through the same record, and other versions are refused."""

import json

import h5py
import pytest
from conftest import edited_copy

from ppf_neuro.deployment.pipeline import deploy
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.errors import PPFError
from ppf_neuro.formats.report import REPORT_VERSION, Report
from locations import ROOT

pytestmark = pytest.mark.lava

DOC = ROOT / "docs" / "report.md"
#: Sections whose inner keys are data, not fields (a config, package names, gate names, traces).
OPAQUE = ("config", "versions", "quantum.resources_per_sample.gate_types", "quantum.target.native_gate_counts", "divergence.traces", "divergence.spiked",
          "timing.phases", "timing.torch_threads")


def _paths(value, prefix=""):
    if prefix in OPAQUE:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}".lstrip(".")
            yield path
            yield from _paths(inner, path)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        yield from _paths(value[0], prefix + "[]")


@pytest.fixture(scope="module")
def reports(ppf_bundle, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")

    def invert_output_layer(f):
        f["layer/1/weight"][...] = -f["layer/1/weight"][()]

    edited = edited_copy(ppf_bundle, tmp / "edited.h5", invert_output_layer)
    netx = tmp / "net.h5"
    with h5py.File(ppf_bundle) as src, h5py.File(netx, "w") as dst:
        src.copy("layer", dst)
    options = DeployOptions(samples=6, progress=False)
    on_device = DeployOptions(samples=2, progress=False, qbackend="fake_brisbane", shots=100, seed=0)
    return [deploy(DeployRequest(edited, "digits", options)),
            deploy(DeployRequest(netx, "digits", options, encoding={"kind": "rate", "steps": 8})),
            deploy(DeployRequest(ppf_bundle, "digits", on_device))]


def test_every_written_field_is_documented(reports):
    doc = DOC.read_text()
    dicts = [r.to_dict() for r in reports]
    assert dicts[0]["divergence"] is not None and "network" in dicts[1]  # both kinds of section were written
    # a section counts as documented through its fields (`lava.timing.seconds` documents `lava.timing`)
    missing = sorted({p for d in dicts for p in _paths(d) if not any(f"`{p}{end}" in doc for end in ("`", ".", "[]"))})
    assert not missing, f"fields missing from docs/report.md: {missing}"


def test_the_heavy_phases_say_how_many_torch_threads_they_chose(reports):
    threads = reports[1].timing["torch_threads"]
    assert set(threads) == {"encode", "reference"} and all(n >= 1 for n in threads.values())
    assert set(threads) <= set(reports[1].timing["phases"])


def test_a_report_reads_back_through_its_record(reports, tmp_path):
    for report in reports:
        text = json.dumps(report.to_dict())
        again = Report.from_dict(json.loads(text), "r.json")
        assert json.dumps(again.to_dict()) == text and again.report_version == REPORT_VERSION


def test_an_older_or_damaged_report_is_refused_by_name(reports):
    d = reports[1].to_dict()
    with pytest.raises(PPFError, match=f"report version 0, this ppf-neuro reads version {REPORT_VERSION}"):
        Report.from_dict({**d, "report_version": 0}, "old.json")
    with pytest.raises(PPFError, match="report version None"):
        Report.from_dict({k: v for k, v in d.items() if k != "report_version"}, "unversioned.json")
    with pytest.raises(PPFError, match="damaged or incomplete"):
        Report.from_dict({k: v for k, v in d.items() if k != "samples"}, "cut.json")
