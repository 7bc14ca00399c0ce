"""Every numeric option has one range (``ppf_neuro.choices.RANGES``): the command line parses with
it, --help and docs/usage.md state it, and the edges are where the table says."""

import argparse
import math

import pytest

from ppf_neuro.choices import RANGES, Range
from ppf_neuro.cli import build_parser
from ppf_neuro.errors import PPFError
from locations import ROOT

USAGE = ROOT / "docs" / "usage.md"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def _documented_rows() -> list[str]:
    uses: dict[str, list[str]] = {}
    for command, sub in _subcommands().items():
        for action in sub._actions:
            if isinstance(action.type, Range):
                uses.setdefault(action.dest, []).append(command)
    return [f"| `--{name.replace('_', '-')}` | {', '.join(uses.get(name, []))} | {r.describe()}"
            f"{'; ' + r.note if r.note else ''} |" for name, r in RANGES.items()]


def test_no_numeric_option_escapes_the_table():
    for command, sub in _subcommands().items():
        for action in sub._actions:
            assert action.type not in (int, float), f"{command} {action.option_strings}: a bare {action.type.__name__}"
            if isinstance(action.type, Range):
                assert action.type is RANGES[action.dest], f"{command} --{action.dest}: another option's range"


def test_docs_list_every_range_as_the_table_has_it():
    text = USAGE.read_text()
    for row in _documented_rows():
        assert "  " + row in text, f"docs/usage.md lacks (or states otherwise) the row {row}"


@pytest.mark.parametrize("name", list(RANGES))
def test_each_edge_is_where_the_table_says(name):
    r = RANGES[name]
    low = r.low if not r.low_open else math.nextafter(r.low, math.inf)
    assert r.holds(int(low) if r.whole else low)
    assert not r.holds(r.low - 1) and not r.holds(math.nan) and not r.holds(True)
    if r.high is not None:
        assert r.holds(r.high) and not r.holds(r.high + 1)
    else:
        assert r.holds(r.low + 10 ** 9) and not r.holds(math.inf)
    if r.whole:
        assert not r.holds(r.low + 0.5)
    with pytest.raises(argparse.ArgumentTypeError, match="expected"):
        r("nan")


def test_help_states_the_range():
    help_text = " ".join(_subcommands()["deploy"].format_help().split())
    assert "[a whole number from 1 to 1,024; bounded to the samples, with a note]" in help_text


def test_the_api_checks_the_same_ranges(tiny_bundle):
    import ppf_neuro as ppf

    with pytest.raises(PPFError, match="^replicas must be a whole number from 1 to 1,024, got 0$"):
        ppf.deploy(tiny_bundle, replicas=0)
    with pytest.raises(PPFError, match="^seed must be a whole number from 0"):
        ppf.deploy(tiny_bundle, seed=-1)
