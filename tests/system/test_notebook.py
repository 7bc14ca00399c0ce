"""examples/notebook.ipynb runs top to bottom in a fresh kernel, and its outputs say what it claims."""

import pytest
from locations import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.lava

NOTEBOOK = ROOT / "examples" / "notebook.ipynb"


def test_the_notebook_runs(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = ["".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))
               for cell in nb.cells if cell.cell_type == "code"]
    assert "(40, 10) 1.0" in outputs[2], outputs[2]  # per-sample probabilities; Lava = the trained SNN
    assert "spikes_per_sample" in outputs[3] and "dense" in outputs[3], outputs[3]  # a DataFrame of the layers
    assert "'gaussian'" in outputs[4] and "'shots'" in outputs[4]
