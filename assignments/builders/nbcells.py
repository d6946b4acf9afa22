"""Small constructors for nbgrader cells, and the notebook that holds them.

Each function returns an nbformat cell carrying the schema-v3 ``nbgrader`` metadata that
JupyterLab's "Create Assignment" sidebar would write for that cell type (see
``assignments/AUTHORING.md`` for the table). The homeworks themselves are percent files
(``build.py`` reads them); the tests use these constructors to write tiny homeworks.
"""

from __future__ import annotations

import textwrap

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
