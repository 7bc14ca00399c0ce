"""The documentation site builds from docs/ with no broken link and API pages that still import
(mkdocs --strict), and every link in the README leads to a file of the repository."""

import re
import subprocess
import sys
from locations import ROOT



def test_the_docs_site_builds_strictly_with_the_api_pages(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    api = (site / "api" / "index.html").read_text()
    for name in ("ppf_neuro.api.train", "ppf_neuro.api.export", "ppf_neuro.api.deploy", "RunConfig"):
        assert name in api, f"the API page lacks {name}"


def test_every_link_of_the_readme_leads_to_a_file():
    readme = (ROOT / "README.md").read_text()
    links = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", readme) if "://" not in t]
    assert links, "the README links its docs"
    missing = [t for t in links if t and not (ROOT / t).exists()]
    assert not missing, missing
