"""The layering of docs/layers.json (explained in docs/architecture.md), checked on the source: every
module in one layer, every import one its layer may make, the architecture page naming every layer's
paths, formats import no runtime code, file names unique,
no function in the packages grows past 60 lines and no module past 400."""

import ast
import json
from pathlib import Path

import pytest
from locations import ROOT

LAYERS = ROOT / "docs" / "layers.json"
PACKAGES = ("ppf_neuro", "deploy", "exporters")  # the source folders
#: The folders that install as ppf_neuro's subpackages (pyproject.toml's package-dir): their import names.
IMPORT_NAMES = {"deploy": "ppf_neuro.deployment", "exporters": "ppf_neuro.exporters"}
MAX_FUNCTION_LINES = 60
#: A module past this holds more than one job (docs/architecture.md: small modules, one job each).
MAX_MODULE_LINES = 400
#: What the format layer may import: the standard library, array and file libraries, NIR, and
#: ppf-neuro's own error and atomic-write helpers and its table of allowed values.
FORMAT_IMPORTS = {"numpy", "h5py", "nir", "ppf_neuro.errors", "ppf_neuro.atomic", "ppf_neuro.choices",
                  "ppf_neuro.kinds", "ppf_neuro.formats", "ppf_neuro.conversion"}


def _sources(*packages):
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every absolute import, at the top or inside a function; ``from a import b`` also as ``a.b``
    (``b`` may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _documented_layers() -> list[tuple[int, list[str], set[int], list[str]]]:
    """docs/layers.json: (layer, paths, layers it may import, single modules it may import)."""
    data = json.loads(LAYERS.read_text())
    return [(entry["layer"], entry["modules"], set(entry["may_import_layers"]), entry["may_import_modules"])
            for entry in data["layers"]]


def _module(path: str) -> str:
    """A source path (or a documented folder) as its import name (a package's own file: pkg.__init__)."""
    dotted = path.removesuffix(".py").rstrip("/").replace("/", ".")
    top, _, rest = dotted.partition(".")
    return IMPORT_NAMES.get(top, top) + ("." + rest if rest else "")


def _layer_of(module: str, owners: dict[str, int]) -> int | None:
    """The layer of the longest documented path that contains ``module``."""
    best = None
    for owner, layer in owners.items():
        if (module == owner or module.startswith(owner + ".")) and (best is None or len(owner) > len(best[0])):
            best = (owner, layer)
    return None if best is None else best[1]


def test_every_import_is_one_its_documented_layer_may_make():
    layers = _documented_layers()
    assert [n for n, *_ in layers] == list(range(10)), "docs/layers.json: layers 0-9, in order"
    owners = {_module(p): n for n, paths, _, _ in layers for p in paths}
    allowed = {n: (may, {_module(p) for p in extra}) for n, _, may, extra in layers}
    wrong = []
    for path in _sources(*PACKAGES):
        module = _module(str(path.relative_to(ROOT)))
        layer = _layer_of(module, owners)
        if layer is None:
            wrong.append(f"{module}: in no layer of docs/layers.json")
            continue
        may, extra = allowed[layer]
        for name in _imports(path):
            target = _layer_of(name, owners) if name.split(".")[0] == "ppf_neuro" else None
            if target is not None and target not in may and not any(name.startswith(e) for e in extra):
                wrong.append(f"{module} (layer {layer}) imports {name} (layer {target})")
    assert not wrong, "\n".join(wrong)


def test_the_architecture_page_names_every_layers_paths():
    """docs/architecture.md's table explains docs/layers.json: each layer's row names its paths."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    rows = {int(line.split("|")[1].strip().split(".")[0]): line for line in doc.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip()[:1].isdigit()}
    for n, paths, _, _ in _documented_layers():
        missing = [p for p in paths if f"`{p}" not in rows.get(n, "")]
        assert not missing, f"docs/architecture.md, layer {n}: {missing} (in docs/layers.json)"


def test_no_two_modules_share_a_file_name():
    seen = {}
    for path in _sources(*PACKAGES):
        if path.name != "__init__.py" and path.parent.name != "commands":
            seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert not {name: paths for name, paths in seen.items() if len(paths) > 1}


def test_formats_import_no_runtime_code():
    import sys

    stdlib = set(sys.stdlib_module_names)
    for path in _sources("ppf_neuro/formats", "ppf_neuro/conversion"):
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


def test_no_module_over_400_lines():
    long = [f"{p.relative_to(ROOT)} ({n})" for p in _sources(*PACKAGES)
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES]
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


@pytest.mark.parametrize("package, forbidden", [
    ("deploy", ("ppf_neuro.training", "ppf_neuro.cli", "ppf_neuro.commands", "ppf_neuro.exporters")),
    ("ppf_neuro/analysis", ("ppf_neuro.deployment", "ppf_neuro.models", "ppf_neuro.training", "lava", "pennylane")),
])
def test_layers_do_not_reach_back(package, forbidden):
    """docs/architecture.md: deployment never imports training code or the CLI; analysis reads reports only."""
    for path in _sources(package):
        for name in _imports(path):
            assert not name.startswith(forbidden), f"{path.relative_to(ROOT)} imports {name}"


def _package_of(module: str) -> str:
    """The package an import graph node stands for: a subpackage of ppf_neuro or of its deployment
    package, or a top-level module of ppf_neuro on its own."""
    parts = module.split(".")
    depth = 3 if parts[:2] == ["ppf_neuro", "deployment"] and len(parts) > 2 else 2
    return ".".join(parts[:depth])


def _package_graph() -> dict[str, set[str]]:
    """Which package imports which (at the top of a module or inside a function); ``from a import b``
    counts as importing ``a.b`` where that is a module, else ``a`` itself (a package's __init__)."""
    modules = {_module(str(p.relative_to(ROOT))).removesuffix(".__init__"): p for p in _sources(*PACKAGES)}

    def resolved(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                         for a in node.names]
            else:
                continue
            for target in filter(None, map(resolved, names)):
                if _package_of(target) != _package_of(module):
                    graph.setdefault(_package_of(module), set()).add(_package_of(target))
    return graph


def test_the_package_import_graph_has_no_cycle():
    """No package imports one that imports it back, directly or around a circle (the layers allow
    imports within a layer, so they do not rule this out)."""
    graph = _package_graph()
    done, path = set(), []

    def visit(node: str) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(node):] + [node]))
        if node in done:
            return
        path.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        path.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


#: Printed before the modules an interpreter has loaded, to tell that line from the code's own output.
LOADED = "LOADED:"


def _modules_after(*steps: str) -> list[set[str]]:
    """The modules one fresh interpreter has loaded after each of ``steps`` (code, run in order)."""
    import subprocess
    import sys

    show = f"\nimport sys; print({LOADED!r}, ' '.join(sys.modules))\n"
    out = subprocess.run([sys.executable, "-c", show.join(steps) + show], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    return [set(line.split()[1:]) for line in out.stdout.splitlines() if line.startswith(LOADED)]


def test_help_imports_no_heavy_package():
    """``ppf-neuro --help`` parses only: torch, Lava, lava-dl and PennyLane stay unimported."""
    (loaded,) = _modules_after("from ppf_neuro.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert not {"torch", "pennylane", "lava", "h5py"} & {m.split(".")[0] for m in loaded}


@pytest.mark.lava  # it deploys: Lava runs
def test_a_deployment_imports_only_what_it_runs(tiny_bundle, ppf_bundle, tmp_path):
    """One fresh interpreter: a plain netx file deploys without PennyLane or the training code; then a PPF
    bundle's analytic deployment imports no Qiskit (only a device target needs it)."""
    import h5py

    with h5py.File(tiny_bundle) as src, h5py.File(tmp_path / "net.h5", "w") as dst:
        src.copy("layer", dst)
    netx, analytic = _modules_after(
        "from ppf_neuro.cli import main\n"
        f"assert main(['--quiet', 'deploy', {str(tmp_path / 'net.h5')!r}, '--data', 'digits', '--samples', '3']) == 0",
        f"import ppf_neuro as ppf; ppf.deploy({str(ppf_bundle)!r}, 'digits', samples=2, progress=False)")
    assert "ppf_neuro.deployment.backends.lava_backend" in netx  # it deployed
    heavy = {m for m in netx if m.split(".")[0] == "pennylane"
             or m.startswith(("ppf_neuro.training", "ppf_neuro.models", "ppf_neuro.quantum"))}
    assert not heavy, sorted(heavy)
    assert "pennylane" in analytic  # the circuit ran
    assert not {m for m in analytic if m.split(".")[0] in ("qiskit", "qiskit_aer", "pennylane_qiskit")}


def test_one_import_name(tmp_path):
    """The folders deploy/ and exporters/ install inside ppf_neuro: from anywhere but the checkout, ``import deploy``
    finds nothing (a user's own deploy.py shadows nothing), and the subpackage leaves the API's ``ppf.deploy``."""
    import subprocess
    import sys

    code = ("import importlib.util as u, ppf_neuro as ppf, ppf_neuro.deployment, ppf_neuro.exporters\n"
            "print(u.find_spec('deploy') is None, u.find_spec('exporters') is None, callable(ppf.deploy),\n"
            "      u.find_spec('ppf_neuro.deployment.pipeline') is not None, u.find_spec('ppf_neuro.exporters.export_bundle') is not None)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["True"] * 5, done.stderr[-2000:]
