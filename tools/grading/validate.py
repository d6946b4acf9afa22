"""Check every homework: the solution scores full marks, the released stub scores zero."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from traitlets.config import Config

from . import nbg
from .paths import RELEASE_DIR, SOURCE_DIR, homework_names, notebook_name
from .release import build_course
from .spec import grader_path, load_grader
from .submission import grade_submission

BLANK_STUDENT = "ci_blank"
SOLUTION_STUDENT = "ci_solution"


@dataclass
class HomeworkCheck:
    """The verdict on one homework."""

    hw: str
    auto_points: float = 0.0
    manual_points: float = 0.0
    source_failures: list[str] = field(default_factory=list)
    blank_score: float | None = None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.source_failures and self.blank_score == 0.0 and not self.problems


def points(nb: nbformat.NotebookNode) -> tuple[float, float]:
    """(autograded points, manually graded points) of a source notebook."""
    auto = manual = 0.0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if meta.get("solution"):
                manual += float(meta.get("points", 0))
            else:
                auto += float(meta.get("points", 0))
    return auto, manual


def static_problems(nb: nbformat.NotebookNode, grader=None) -> list[str]:
    """Authoring rules nbgrader does not enforce (see assignments/AUTHORING.md).

    With a grader spec (``grader``, a :class:`grading.spec.Grader`) every test cell must have
    an entry worth the same points, no entry may name a missing cell, and no test cell may
    keep hidden tests in the notebook (they belong in the spec).
    """
    from nbgrader.nbgraderformat import MetadataValidator

    problems = []
    try:
        MetadataValidator().validate_nb(nb)
    except Exception as exc:  # nbgrader raises several unrelated types here
        problems.append(f"nbgrader metadata: {exc}")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("kernelspec must be python3")
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        name = meta.get("grade_id", "?")
        if not meta:
            problems.append(f"cell {cell.get('id')} has no nbgrader metadata (make it read-only)")
        if meta.get("solution") and cell.cell_type == "code" and "BEGIN SOLUTION" not in cell.source:
            problems.append(f"{name}: answer cell without a BEGIN SOLUTION region")
        is_test = meta.get("grade") and not meta.get("solution")
        if is_test and grader is None and "BEGIN HIDDEN TESTS" not in cell.source:
            problems.append(f"{name}: test cell without hidden tests")
        if is_test and grader is not None:
            entry = grader.tests.get(name)
            if "BEGIN HIDDEN TESTS" in cell.source:
                problems.append(f"{name}: hidden tests belong in the grader spec, not the notebook")
            if entry is None:
                problems.append(f"{name}: no entry in the grader spec")
            elif float(entry.points) != float(meta.get("points", 0)):
                problems.append(f"{name}: the grader spec gives {entry.points:g} points, the "
                                f"notebook {meta.get('points')}")
    if grader is not None:
        cells = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        problems += [f"{name}: the grader spec names a test cell the notebook does not have"
                     for name in grader.tests if name not in cells]
    return problems


def release_differences(generated: Path, committed: Path) -> list[str]:
    """Cells whose source or nbgrader metadata differ between two release notebooks."""
    if not committed.is_file():
        return [f"{committed} is missing: run `make release`"]
    new = nbformat.read(generated, as_version=4).cells
    old = nbformat.read(committed, as_version=4).cells
    if len(new) != len(old):
        return [f"{committed.name}: {len(old)} cells committed, {len(new)} generated"]
    diffs = []
    for a, b in zip(new, old, strict=True):
        same_meta = json.dumps(a.metadata.get("nbgrader"), sort_keys=True) == json.dumps(
            b.metadata.get("nbgrader"), sort_keys=True)
        if a.source != b.source or a.cell_type != b.cell_type or not same_meta:
            diffs.append(f"{committed.name}: cell {a.metadata.get('nbgrader', {}).get('grade_id')}"
                         " differs from a fresh release: run `make release`")
    return diffs


def validate_source(root: Path, hw: str, extra: Config | None, timeout: float) -> list[str]:
    """Run nbgrader's Validator on the instructor notebook; return the failing cells."""
    from nbgrader.validator import Validator

    cfg = nbg.load_config(root, extra=extra)
    validator = Validator(config=cfg)
    path = root / "source" / hw / notebook_name(hw)
    with nbg.wall_clock(timeout, f"validate {path.name}"):
        verdict = validator.validate(str(path))
    failures = []
    for key, cells in verdict.items():
        for cell in cells:
            error = str(cell.get("error", "")).strip().splitlines()
            failures.append(f"{key}: {error[-1] if error else cell.get('source', '')[:80]}")
    return failures


def validate_homework(hws: list[str] | None = None, *, extra: Config | None = None,
                      timeout: float = 600.0, committed_release: Path = RELEASE_DIR,
                      source_dir: Path = SOURCE_DIR) -> list[HomeworkCheck]:
    """Validate each homework in a fresh course copy with a fresh gradebook.

    For each: static authoring checks; nbgrader's Validator on the source (every test cell
    passes); with a grader spec, the source graded as a student by the trusted grader (full
    marks); the generated release autograded as a blank student (every autograded cell must
    score 0); the committed release matches the generated one.
    """
    hws = hws or homework_names(source_dir)
    checks = []
    with tempfile.TemporaryDirectory(prefix="dl-validate-") as tmp:
        root, template = build_course(Path(tmp), hws, source_dir=source_dir)
        for hw in hws:
            start = time.perf_counter()
            source_nb = nbformat.read(root / "source" / hw / notebook_name(hw), as_version=4)
            check = HomeworkCheck(hw, *points(source_nb))
            spec_file = grader_path(Path(source_dir).parent / "graders", hw)
            grader = load_grader(spec_file) if spec_file.is_file() else None
            check.problems += static_problems(source_nb, grader)
            # the visible tests pass on the solution (what a student sees)
            check.source_failures = validate_source(root, hw, extra, timeout)
            if grader is not None:  # and the trusted grader gives it full marks
                solution = grade_submission(hw, SOLUTION_STUDENT,
                                            root / "source" / hw / notebook_name(hw),
                                            template_db=template, workdir=Path(tmp) / "work",
                                            extra=extra, feedback=False, timeout=timeout,
                                            source_dir=source_dir)
                if not solution.ok:
                    check.source_failures.append(f"the solution could not be graded: "
                                                 f"{solution.error}")
                check.source_failures += [
                    f"{c.cell}: the grader gives the solution {c.score:g} of {c.max_score:g}"
                    for c in solution.cells if c.autograded and c.score != c.max_score]
            released = root / "release" / hw / notebook_name(hw)
            blank = grade_submission(hw, BLANK_STUDENT, released, template_db=template,
                                     workdir=Path(tmp) / "work", extra=extra, feedback=False,
                                     timeout=timeout, source_dir=source_dir)
            if blank.ok:
                check.blank_score = blank.auto_score
                check.problems += [f"{c.cell} passes on the stub ({c.score} points)"
                                   for c in blank.cells if c.autograded and c.score]
            else:
                check.problems.append(f"the blank release could not be graded: {blank.error}")
            if committed_release is not None:
                check.problems += release_differences(released,
                                                      Path(committed_release) / hw / notebook_name(hw))
            check.seconds = time.perf_counter() - start
            checks.append(check)
    return checks


def table(checks: list[HomeworkCheck]) -> str:
    """The per-homework verdict as a text table."""
    rows = [f"{'homework':26s} {'auto':>5s} {'manual':>6s} {'solution':>9s} {'blank':>6s} "
            f"{'seconds':>8s}  verdict"]
    for c in checks:
        solution = "full" if not c.source_failures else f"{len(c.source_failures)} fail"
        blank = "-" if c.blank_score is None else f"{c.blank_score:g}"
        rows.append(f"{c.hw:26s} {c.auto_points:5g} {c.manual_points:6g} {solution:>9s} "
                    f"{blank:>6s} {c.seconds:8.1f}  {'OK' if c.ok else 'FAILED'}")
        rows += [f"    source: {f}" for f in c.source_failures]
        rows += [f"    problem: {p}" for p in c.problems]
    return "\n".join(rows)
