"""Enumerated options as types (``ppf_neuro.choices.Choice``): a member is its value as a string wherever
a string goes (comparison, hashing, ``str``, JSON, a dict key), the command line offers exactly a type's
values, and the package compares options with members, never with string literals."""

import ast
import json

import pytest
from locations import ROOT

from ppf_neuro import choices
from ppf_neuro.choices import Choice
from ppf_neuro.errors import PPFError
from test_ranges import _subcommands

TYPES = [t for t in vars(choices).values() if isinstance(t, type) and issubclass(t, Choice) and t is not Choice]
#: The option a command-line flag takes its values from.
FLAGS = {"--input-as": choices.InputMode, "--layout": choices.InputLayout, "--encoding": choices.SpikeEncoder,
         "--readout": choices.LavaReadout, "--record": choices.RecordTime, "--timing": choices.Timing,
         "--lava-synapse": choices.ReplicaSynapse, "--format": choices.ExportFormat,
         "--convention": choices.NirConvention, "--noise": choices.InputNoise}
#: Names under which the package holds an enumerated option's value.
OPTION_NAMES = {"readout", "timing", "input_as", "record", "recorder", "encoding", "ansatz", "reduction", "simulator",
                "rule", "select", "layout", "synapse", "mode", "convention", "format"}


@pytest.mark.parametrize("kind", TYPES, ids=lambda t: t.__name__)
def test_a_member_is_its_value_as_a_string(kind):
    for member in kind:
        value = member.value
        assert member == value and hash(member) == hash(value) and str(member) == value and f"{member}" == value
        assert json.dumps(member) == json.dumps(value) and {value: 1}[member] == 1 and kind(value) is member
    kind.check(kind.values()[0], "it")
    with pytest.raises(PPFError, match=r"^it must be one of \[.*\], got 'no such value'$"):
        kind.check("no such value", "it")


def test_the_command_line_offers_each_types_values():
    seen = set()
    for sub in _subcommands().values():
        for action in sub._actions:
            flag = next((f for f in action.option_strings if f in FLAGS), None)
            if flag is not None and action.choices is not None:
                assert tuple(action.choices) == FLAGS[flag].values(), flag
                seen.add(flag)
    assert seen == set(FLAGS)


def _literal_comparisons(tree: ast.AST, values: set[str]):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names = {s.attr if isinstance(s, ast.Attribute) else s.id for s in sides if isinstance(s, (ast.Attribute, ast.Name))}
        literals = {s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)}
        literals |= {e.value for s in sides if isinstance(s, (ast.Tuple, ast.Set, ast.List)) for e in s.elts
                     if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        if names & OPTION_NAMES and literals & values:
            yield node.lineno, ast.unparse(node)


def test_the_package_compares_options_with_members():
    values = {v for kind in TYPES for v in kind.values()}
    found = []
    for folder in ("ppf_neuro", "deploy", "exporters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, text in _literal_comparisons(ast.parse(path.read_text()), values):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not found, "\n".join(found)
