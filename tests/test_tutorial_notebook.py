"""The tutorial notebook runs from top to bottom without a cell error.

The notebook is executed in a fresh kernel with the repository root as working directory,
as the tutorial asks. nbclient and ipykernel are test dependencies: this test must run in
CI, so it is never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"

read_notebook: Callable[..., Any] = nbformat.read  # nbformat.read is not annotated


def _execute() -> Any:
    notebook = read_notebook(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # judge this run only, not the outputs stored in the file
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError at the first failing cell
    return notebook


def _texts(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def test_the_tutorial_notebook_is_valid_and_runs_without_a_cell_error() -> None:
    nbformat.validate(read_notebook(NOTEBOOK, as_version=4))
    notebook = _execute()
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    errors = [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert all(c.execution_count is not None for c in code_cells)
    text = "\n".join(_texts(c) for c in code_cells)
    assert "3000 rows, 0 with errors" in text
    html = "\n".join(o.get("data", {}).get("text/html", "") for c in code_cells for o in c.outputs)
    assert "<table><caption>" in html  # a Decision rendered through its _repr_html_
    assert "Entscheidung für Kontakt" in text  # the German explanation
    assert "express_consent" in text  # decisions_to_frame / summary_frame outputs


def test_the_tutorial_uses_paths_relative_to_the_repository_root() -> None:
    source = "\n".join(c.source for c in read_notebook(NOTEBOOK, as_version=4).cells)
    assert "examples/campaign.jsonl" in source
    assert "examples/message.json" in source
    assert "2026-11-23T10:00:00+01:00" in source
    assert str(ROOT) not in source
