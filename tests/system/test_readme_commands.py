"""Every command of the README's "Use" section and its Python snippet run as written, from a
checkout's root, in order (later lines use what earlier ones wrote); only sizes are cut (epochs,
samples, and the circuit's qubits: the commands on ``default.mixed`` and a device target simulate a
density matrix or noisy trajectories, whose cost grows as 4^qubits), by flags appended to the line,
so that the suite stays in minutes. Each command is what the console script ``ppf-neuro`` runs
(``ppf_neuro.cli:run``) and the snippet what ``python -c`` runs, each in a process forked from a warm
one (``cli_runner``: the imports paid once)."""

import re

import pytest
import cli_runner
from locations import ROOT

pytestmark = pytest.mark.slow

SHARED = ROOT.parent / "shared"
#: Appended to a command of this subcommand.
SMALLER = {"train": ["--epochs", "2", "--set", "data.train_limit=400", "--set", "data.test_limit=100",
                     "--set", "quantum.qubits=4"]}
#: The most samples a command of this subcommand runs on: a line naming more runs on these.
MOST_SAMPLES = {"deploy": 20, "diff": 5, "robustness": 50}


def _blocks(language: str) -> list[str]:
    use = (ROOT / "README.md").read_text().split("## Use", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", use, flags=re.S)


def _commands() -> list[list[str]]:
    lines = [line.split("#")[0].split() for block in _blocks("bash") for line in block.splitlines()]
    return [words for words in lines if words]


@pytest.fixture
def checkout(tmp_path):
    """A directory laid out as the repository root (examples/, and ../shared where it exists)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "examples").symlink_to(ROOT / "examples")
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    return root


def _sized(words: list[str]) -> list[str]:
    """The line with its sizes cut; a deployment of recorded inputs (the file fixes its samples) stays as is."""
    words = words + SMALLER.get(words[1], [])
    most = MOST_SAMPLES.get(words[1])
    if most is None or "--inputs" in words:
        return words
    if "--samples" not in words:
        return words + ["--samples", str(most)]
    at = words.index("--samples") + 1
    return words[:at] + [str(min(int(words[at]), most))] + words[at + 1:]


def test_the_readme_uses_the_cli_only_through_runnable_lines():
    commands = _commands()
    assert len(commands) >= 8 and all(words[0] == "ppf-neuro" for words in commands), commands
    assert not any("|" in w or w.isupper() for words in commands for w in words[1:]), "placeholders or a|b"


def test_every_readme_command_runs_as_written(checkout):
    for words in _commands():
        if any(w.startswith("../shared/") for w in words) and not SHARED.is_dir():
            continue  # the data beside the checkout is missing here
        done = cli_runner.run(["--quiet", *_sized(words)[1:]], cwd=checkout)  # what the console script ppf-neuro runs
        assert done.returncode == 0, f"{' '.join(words)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    for written in ("ppf.h5", "report.json", "ppf.nir", "from_nir.h5", "out/analysis", "out/robustness/robustness.csv",
                    "out/sweep/results.csv"):
        assert (checkout / written).exists(), written


def test_the_readme_python_snippet_runs_as_written(checkout):
    (snippet,) = _blocks("python")
    done = cli_runner.python(["-c", snippet + "\nassert summary['samples'] == 100, summary['samples']\n"], cwd=checkout)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "agreement" in done.stdout and (checkout / "model.h5").is_file()
