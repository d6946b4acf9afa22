"""Small constructors for nbgrader cells, so a homework can be written as a Python file.

Each function returns an nbformat cell carrying the schema-v3 ``nbgrader`` metadata that
JupyterLab's "Create Assignment" sidebar would write for that cell type (see
``assignments/AUTHORING.md`` for the table).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _tag(cell, *, grade_id: str, grade: bool = False, solution: bool = False,
         locked: bool = False, points: float | None = None, task: bool = False):
    meta = {"schema_version": 3, "grade": grade, "solution": solution, "locked": locked,
            "grade_id": grade_id}
    if task:
        meta["task"] = True
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    cell.id = grade_id  # stable ids keep rebuilt notebooks diff-free
    return cell


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def instructions(grade_id: str, text: str):
    """Read-only markdown: instructions, maths, hints."""
    return _tag(new_markdown_cell(_clean(text)), grade_id=grade_id, locked=True)


def given_code(grade_id: str, source: str):
    """Read-only code the student runs but cannot change (data, plots, comparisons)."""
    return _tag(new_code_cell(_clean(source)), grade_id=grade_id, locked=True)


def answer(grade_id: str, source: str):
    """Autograded answer: code with a ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region."""
    return _tag(new_code_cell(_clean(source)), grade_id=grade_id, solution=True)


def tests(grade_id: str, points: float, source: str):
    """Autograder tests: visible checks, then a ``### BEGIN HIDDEN TESTS`` region."""
    return _tag(new_code_cell(_clean(source)), grade_id=grade_id, grade=True, locked=True,
                points=points)


def written(grade_id: str, points: float, model_answer: str):
    """Manually graded markdown answer; the source holds the model answer and mark scheme."""
    return _tag(new_markdown_cell(_clean(model_answer)), grade_id=grade_id, grade=True,
                solution=True, points=points)


def notebook(cells: list) -> nbformat.NotebookNode:
    """A python3 notebook from ``cells``, validated by nbformat and nbgrader's schema."""
    from nbgrader.nbgraderformat import MetadataValidator

    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)
    return nb


def mark_graded_cells(nb: nbformat.NotebookNode, marking: dict[str, str]) -> nbformat.NotebookNode:
    """Start each graded test cell with its mark scheme, ``# Graded (N points): ...``.

    ``marking`` maps a test cell's grade_id to the scheme's text (what each part is worth).
    """
    for cell in nb.cells:
        scheme = marking.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if scheme and cell.metadata["nbgrader"].get("grade"):
            points = cell.metadata["nbgrader"]["points"]
            text = textwrap.wrap(f"Graded ({points:g} points): {scheme}.", 93)
            cell.source = "".join(f"# {line}\n" for line in text) + cell.source
    return nb


def write_source(hw: str, nb: nbformat.NotebookNode) -> Path:
    """Write ``nb`` as the instructor notebook ``assignments/source/<hw>/<hw>.ipynb``."""
    out = Path(__file__).resolve().parents[1] / "source" / hw / f"{hw}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    print(f"wrote {out}")
    return out
