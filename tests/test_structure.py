"""The layering of docs/architecture.md, checked on the source: formats import no runtime code,
and no function in the packages grows past 60 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ppf_neuro", "deploy", "exporters")
MAX_FUNCTION_LINES = 60
#: What the format layer may import: the standard library, array and file libraries, NIR, and
#: ppf-neuro's own error and atomic-write helpers.
FORMAT_IMPORTS = {"numpy", "h5py", "nir", "ppf_neuro.errors", "ppf_neuro.atomic", "ppf_neuro.formats"}


def _sources(*packages):
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def test_formats_import_no_runtime_code():
    import sys

    stdlib = set(sys.stdlib_module_names)
    for path in _sources("ppf_neuro/formats"):
        for name in _imports(path):
            allowed = name.split(".")[0] in stdlib or any(name == a or name.startswith(a + ".") for a in FORMAT_IMPORTS)
            assert allowed, f"{path.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_function_over_60_lines(package):
    long = []
    for path in _sources(package):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long


@pytest.mark.parametrize("package, forbidden", [
    ("deploy", ("ppf_neuro.training", "ppf_neuro.cli", "ppf_neuro.commands", "exporters")),
    ("ppf_neuro/analysis", ("deploy", "ppf_neuro.models", "ppf_neuro.training", "lava", "pennylane")),
])
def test_layers_do_not_reach_back(package, forbidden):
    """docs/architecture.md: deployment never imports training code or the CLI; analysis reads reports only."""
    for path in _sources(package):
        for name in _imports(path):
            assert not name.startswith(forbidden), f"{path.relative_to(ROOT)} imports {name}"
