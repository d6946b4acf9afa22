"""Synthetic submissions for the grading tests of every homework.

A homework's test module (``tests/test_homework_<hw>.py``) states, per test cell, which
answer cells it needs (``depends``); these helpers build submissions from the source and
released notebooks and compute the score each must get.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path

import nbformat

from tools.grading.paths import SOURCE_DIR, notebook_name


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def source_notebook(hw: str, source_dir: Path = SOURCE_DIR) -> nbformat.NotebookNode:
    return read(source_dir / hw / notebook_name(hw))


def points_of_tests(nb: nbformat.NotebookNode) -> dict[str, float]:
    """grade_id -> points of every autograder test cell."""
    return {grade_id(c): float(c.metadata.nbgrader["points"]) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.nbgrader.get("solution")}


def answer_ids(nb: nbformat.NotebookNode) -> list[str]:
    """grade_ids of the autograded answer (code solution) cells, in order."""
    return [grade_id(c) for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("solution")]


def fill(released: nbformat.NotebookNode, source: nbformat.NotebookNode,
         answers: Iterable[str]) -> nbformat.NotebookNode:
    """The released notebook with the listed answer cells taken from the solution."""
    solutions = {grade_id(c): c.source for c in source.cells}
    out = copy.deepcopy(released)
    wanted = set(answers)
    for cell in out.cells:
        if grade_id(cell) in wanted:
            cell.source = solutions[grade_id(cell)]
    return out


def set_answer(nb: nbformat.NotebookNode, cell_id: str, code: str) -> nbformat.NotebookNode:
    """Replace the source of answer cell ``cell_id`` (a student's own attempt)."""
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            cell.source = code
            return nb
    raise KeyError(cell_id)


def delete_cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    """Remove the cell ``cell_id`` (as a student deleting a test cell would)."""
    keep = [c for c in nb.cells if grade_id(c) != cell_id]
    if len(keep) == len(nb.cells):
        raise KeyError(cell_id)
    nb.cells = keep
    return nb


def expected_score(points: Mapping[str, float], depends: Mapping[str, set[str]],
                   working: set[str]) -> dict[str, float]:
    """Score of each test cell: its points when every answer it needs is working, else 0."""
    missing = set(points) ^ set(depends)
    if missing:
        raise ValueError(f"depends must name exactly the test cells; mismatch: {sorted(missing)}")
    return {test: (pts if depends[test] <= working else 0.0) for test, pts in points.items()}


def write(nb: nbformat.NotebookNode, folder: Path, student: str, hw: str) -> Path:
    """Save ``nb`` as ``folder/<student>/<hw>/<hw>.ipynb``."""
    path = Path(folder) / student / hw / notebook_name(hw)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
