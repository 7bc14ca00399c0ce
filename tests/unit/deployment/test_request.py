"""A deployment request is checked where it is built, and its errors name fields as the caller
knows them: ``inputs`` in Python, ``--inputs`` on the command line (ppf_neuro.deployment.request)."""

import pytest

from ppf_neuro.deployment.backends.lava import LavaMode
from ppf_neuro.deployment.options import DeployOptions
from ppf_neuro.deployment.request import DeployRequest
from ppf_neuro.errors import PPFError, on_command_line

CASES = [
    (dict(data="digits", inputs="s.npy"), "give the inputs either as data or as inputs, not both"),
    (dict(labels="l.npy"), "labels go with inputs"),
    (dict(layout="whc"), "layout orders recorded inputs"),
    (dict(inputs="s.npy", encoding={"kind": "rate"}), "encoding encodes the images of data"),
    (dict(options=DeployOptions(lava=LavaMode(input_as="bias"))), "input_as bias feeds recorded inputs"),
    (dict(options=DeployOptions(samples=0)), "samples must be a whole number, at least 1"),
    (dict(options=DeployOptions(workers=0)), "workers must be a whole number, at least 1"),
]


@pytest.mark.parametrize("fields, message", CASES, ids=[m.split(" ")[0] + str(i) for i, (_, m) in enumerate(CASES)])
def test_a_bad_request_is_refused_naming_its_fields(fields, message):
    with pytest.raises(PPFError, match=message):
        DeployRequest("model.h5", **fields)


def test_on_the_command_line_the_fields_are_flags():
    with on_command_line(), pytest.raises(PPFError, match="--labels go with --inputs; a dataset given with --data"):
        DeployRequest("model.h5", labels="l.npy")


def test_a_good_request_keeps_what_it_was_given():
    r = DeployRequest("model.h5", inputs="s.npy", encoding={"steps": 5}, layout="whc")
    assert r.held_steps == 5 and r.encoder == {} and str(r.model) == "model.h5"
    assert DeployRequest("net.h5", "digits", encoding={"kind": "rate"}).encoder == {"kind": "rate"}
