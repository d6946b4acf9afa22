"""The mark scheme next to each written answer in formgrader, and never in feedback.

Each written answer of the homework is a manually graded solution cell; its source in
``assignments/source/<hw>/<hw>.ipynb`` holds the model answer and the mark scheme, which
``generate_assignment`` replaces by "YOUR ANSWER HERE" in the release. formgrader shows the
*autograded* notebook, which has the student's answer only.

:func:`annotate_course` (run by ``make formgrader`` before JupyterLab starts) inserts, after
each written answer of every autograded notebook, a markdown cell quoting that source cell,
marked ``metadata.dl_course.mark_scheme = <grade_id>``. The grader reads the answer and the
scheme side by side. :class:`StripMarkScheme` (one of ``GenerateFeedback.preprocessors`` in
``assignments/nbgrader_config.py``) removes those cells again, so feedback generated from
formgrader or the command line never shows them. Annotating twice replaces, never doubles.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .paths import COURSE_DIR, SOURCE_DIR, notebook_name

KEY = "dl_course"
HEADING = ("**Instructor only: model answer and mark scheme for `{grade_id}`** "
           "(from the source notebook; removed from feedback)")


def written_answers(nb: nbformat.NotebookNode) -> dict[str, str]:
    """``grade_id -> source`` of every manually graded answer (a graded solution cell)."""
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade") and meta.get("grade_id"):
            out[meta["grade_id"]] = cell.source
    return out


def is_scheme(cell) -> bool:
    return bool(cell.get("metadata", {}).get(KEY, {}).get("mark_scheme"))


def scheme_cell(grade_id: str, source: str) -> nbformat.NotebookNode:
    quoted = "\n".join("> " + line if line else ">" for line in source.splitlines())
    cell = nbformat.v4.new_markdown_cell(HEADING.format(grade_id=grade_id) + "\n>\n" + quoted)
    cell.metadata[KEY] = {"mark_scheme": grade_id}
    return cell


def annotate(nb: nbformat.NotebookNode, schemes: dict[str, str]) -> int:
    """Insert the scheme after each written answer of ``nb`` (in place); returns how many."""
    nb.cells = [c for c in nb.cells if not is_scheme(c)]
    cells, added = [], 0
    for cell in nb.cells:
        cells.append(cell)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in schemes and cell.metadata["nbgrader"].get("solution"):
            cells.append(scheme_cell(grade_id, schemes[grade_id]))
            added += 1
    nb.cells = cells
    return added


def annotate_course(course_dir: Path = COURSE_DIR, source_dir: Path = SOURCE_DIR) -> int:
    """Annotate every ``autograded/<student>/<hw>/<hw>.ipynb``; returns the cells inserted."""
    total = 0
    for path in sorted(Path(course_dir).glob("autograded/*/*/*.ipynb")):
        hw = path.parent.name
        source = Path(source_dir) / hw / notebook_name(hw)
        if path.name != notebook_name(hw) or not source.is_file():
            continue
        schemes = written_answers(nbformat.read(source, as_version=4))
        nb = nbformat.read(path, as_version=4)
        total += annotate(nb, schemes)
        mode = stat.S_IMODE(path.stat().st_mode)
        os.chmod(path, mode | stat.S_IWUSR)  # nbgrader leaves autograded files read-only
        try:
            nbformat.write(nb, path)
        finally:
            os.chmod(path, mode)
    return total


class StripMarkScheme(Preprocessor):
    """Remove the instructor-only mark-scheme cells (feedback must never show them)."""

    enabled = Bool(True)  # nbconvert registers preprocessor classes disabled

    def preprocess(self, nb, resources):
        nb.cells = [c for c in nb.cells if not is_scheme(c)]
        return nb, resources
