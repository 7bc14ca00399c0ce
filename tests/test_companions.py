"""A user's own ``deploy.py`` does not stand in for ppf-neuro's ``deploy`` package (ppf_neuro.companions)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)


def test_a_users_deploy_module_is_named_in_one_line(tmp_path):
    (tmp_path / "deploy.py").write_text("raise SystemExit('the user module ran')\n")
    cli = _run("import sys; from ppf_neuro.cli import main; sys.exit(main(['deploy', 'model.h5', '--data', 'digits']))",
               tmp_path)
    assert cli.returncode == 2, cli.stderr
    lines = cli.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "deploy.py") in lines[0] and "rename your own 'deploy'" in lines[0]
    api = _run("import ppf_neuro as ppf\ntry:\n    ppf.deploy('model.h5')\nexcept Exception as e:\n    print(e)",
               tmp_path)
    assert "rename your own 'deploy'" in api.stdout and "the user module ran" not in api.stdout + api.stderr


def test_the_installed_companions_pass(tmp_path):
    done = _run("from ppf_neuro.companions import check_companions; check_companions(); print('ok')", tmp_path)
    assert done.stdout.strip() == "ok", done.stderr
