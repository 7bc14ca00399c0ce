"""The layering of docs/architecture.md, checked on the source: formats import no runtime code,
and no function in the packages grows past 60 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ppf_neuro", "deploy", "exporters")
MAX_FUNCTION_LINES = 60
#: What the format layer may import: the standard library, array and file libraries, NIR, and
#: ppf-neuro's own error and atomic-write helpers and its table of allowed values.
FORMAT_IMPORTS = {"numpy", "h5py", "nir", "ppf_neuro.errors", "ppf_neuro.atomic", "ppf_neuro.choices",
                  "ppf_neuro.kinds", "ppf_neuro.formats"}


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


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_help_imports_no_heavy_package():
    """``ppf-neuro --help`` parses only: torch, Lava, lava-dl and PennyLane stay unimported."""
    loaded = _modules_after("from ppf_neuro.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert not {"torch", "pennylane", "lava", "h5py"} & {m.split(".")[0] for m in loaded}


def test_a_netx_file_deploys_without_pennylane_or_training_code(tiny_bundle, tmp_path):
    import h5py

    with h5py.File(tiny_bundle) as src, h5py.File(tmp_path / "net.h5", "w") as dst:
        src.copy("layer", dst)
    loaded = _modules_after(f"from ppf_neuro.cli import main\nassert main(['--quiet', 'deploy', "
                            f"{str(tmp_path / 'net.h5')!r}, '--data', 'digits', '--samples', '3']) == 0")
    assert "deploy.lava_backend" in loaded  # it deployed
    heavy = {m for m in loaded if m.split(".")[0] == "pennylane"
             or m.startswith(("ppf_neuro.training", "ppf_neuro.models", "ppf_neuro.quantum"))}
    assert not heavy, sorted(heavy)
