"""Where the tests find the repository, their stored data and the shared datasets, wherever a test
module sits under tests/ (unit/<package>/ or system/)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"
