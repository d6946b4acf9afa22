"""The checks every homework goes through in the real grading pipeline.

A homework's test module subclasses ``HomeworkChecks`` (as ``TestGrading``) and states only
what is its own: the homework, which answers each test cell needs, the written answers, and a
mixed submission whose exact score follows from that table. One class fixture builds a fresh
course copy (fresh gradebook, fresh release) and grades three synthetic students once
(alice: the solution, bob: the blank release, mallory: the mixed submission); the tests read
that run.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest
import synthetic

from tools.grading import batch, nbg, release
from tools.grading.paths import RELEASE_DIR, ensure_venv_on_path, notebook_name
from tools.grading.validate import release_differences

ROOT = Path(__file__).resolve().parents[1]


class HomeworkChecks:
    HW: ClassVar[str]
    DEPENDS: ClassVar[dict[str, set[str]]]   # test cell -> the answer cells it needs working
    WRITTEN: ClassVar[dict[str, float]]      # manually graded cell -> points
    AUTO_MAX: ClassVar[float]
    MIXED_WORKING: ClassVar[set[str]]        # answer cells that work in the mixed submission
    MIXED_ZEROED: ClassVar[set[str]]         # test cells zeroed although their answers work
    MIXED_SPOT_CHECKS: ClassVar[dict[str, float]]  # test cell -> score, each with its reason
    MIXED_TOTAL: ClassVar[float | None] = None
    # test cell -> score, for answers that lose only a part (a trusted spec's s.part)
    MIXED_PARTIAL: ClassVar[dict[str, float]] = {}
    HIDDEN_SECRETS: ClassVar[tuple[str, ...]]  # hidden-test text that feedback must not show

    @staticmethod
    def mixed(released, source):
        raise NotImplementedError("a homework's checks build their own mixed submission")

    # -- one grading run shared by the tests ---------------------------------------------------
    @pytest.fixture(scope="class")
    def course(self, tmp_path_factory):
        ensure_venv_on_path()
        return release.build_course(tmp_path_factory.mktemp(f"{self.HW}-course"), [self.HW])

    @pytest.fixture(scope="class")
    def graded(self, course, tmp_path_factory):
        root, template = course
        tmp = tmp_path_factory.mktemp(f"{self.HW}-grading")
        source = synthetic.source_notebook(self.HW)
        released = synthetic.read(root / "release" / self.HW / notebook_name(self.HW))
        subs = tmp / "submissions"
        synthetic.write(source, subs, "alice", self.HW)
        synthetic.write(released, subs, "bob", self.HW)
        synthetic.write(self.mixed(released, source), subs, "mallory", self.HW)
        course_dir = tmp / "course"
        report = batch.grade_folder(subs, [self.HW], course_dir=course_dir, out_dir=tmp / "grades",
                                    template_db=template, gradebook=course_dir / "gradebook.db",
                                    workers=2)
        return report, course_dir, tmp, template

    @staticmethod
    def _result(report, student):
        return next(r for r in report.results if r.student == student)

    # -- the checks ----------------------------------------------------------------------------
    def test_committed_release_is_in_sync_with_source(self, course):
        root, _ = course
        name = notebook_name(self.HW)
        assert release_differences(root / "release" / self.HW / name, RELEASE_DIR / self.HW / name) == []

    def test_points_add_up_to_100(self):
        points = synthetic.points_of_tests(synthetic.source_notebook(self.HW))
        assert set(points) == set(self.DEPENDS)
        assert sum(points.values()) + sum(self.WRITTEN.values()) == 100

    def test_solution_gets_full_marks(self, graded):
        alice = self._result(graded[0], "alice")
        assert alice.ok, alice.error
        for cell in alice.cells:
            if cell.autograded:
                assert cell.score == cell.max_score, cell
        assert alice.auto_score == alice.auto_max == self.AUTO_MAX
        assert not alice.flags

    def test_blank_release_gets_zero(self, graded):
        bob = self._result(graded[0], "bob")
        assert bob.ok, bob.error
        assert all(c.score == 0 for c in bob.cells if c.autograded)
        # untouched written answers are scored 0 ("no response") without a manual-grading flag
        assert all(c.score == 0 and not c.needs_manual for c in bob.cells if not c.autograded)
        # unfinished is not suspicious: stubs raising NotImplementedError are not flagged
        assert not bob.flags, bob.flags

    def test_mixed_submission_scores_exactly(self, graded):
        mallory = self._result(graded[0], "mallory")
        assert mallory.ok, mallory.error
        points = synthetic.points_of_tests(synthetic.source_notebook(self.HW))
        expected = synthetic.expected_score(points, self.DEPENDS, self.MIXED_WORKING)
        expected.update({name: 0.0 for name in self.MIXED_ZEROED})
        expected.update(self.MIXED_PARTIAL)
        got = {c.cell: c.score for c in mallory.cells if c.autograded}
        assert got == expected
        for cell, score in self.MIXED_SPOT_CHECKS.items():
            assert got[cell] == score, cell
        if self.MIXED_TOTAL is not None:
            assert sum(got.values()) == self.MIXED_TOTAL
        assert all(c.needs_manual for c in mallory.cells if not c.autograded)  # typed answers

    def test_feedback_explains_delegation_and_hides_hidden_tests(self, graded):
        _, course_dir, *_ = graded
        html = (course_dir / "feedback" / "mallory" / self.HW / f"{self.HW}.html").read_text()
        assert "delegating to dlhelpers is not allowed here" in html
        for secret in ("BEGIN HIDDEN TESTS", *self.HIDDEN_SECRETS):
            assert secret not in html
        assert (course_dir / "autograded" / "alice" / self.HW / notebook_name(self.HW)).is_file()

    def test_csv_exports_totals_and_parts(self, graded):
        report = graded[0]
        rows = {r["student_id"]: r for r in csv.DictReader(open(report.grades_csv))}
        assert set(rows) == {"alice", "bob", "mallory"}
        assert float(rows["alice"]["auto_score"]) == self.AUTO_MAX
        assert float(rows["alice"]["max_score"]) == 100
        assert float(rows["bob"]["auto_score"]) == 0
        assert float(rows["mallory"]["auto_score"]) == self._result(report, "mallory").auto_score
        assert rows["mallory"]["needs_manual_grade"] == "1"
        parts = list(csv.DictReader(open(report.parts_csv)))
        assert len(parts) == 3 * (len(self.DEPENDS) + len(self.WRITTEN))
        alice_parts = {p["cell"]: float(p["score"]) for p in parts
                       if p["student_id"] == "alice" and p["kind"] == "autograded"}
        assert alice_parts == synthetic.points_of_tests(synthetic.source_notebook(self.HW))

    def test_regrade_after_a_failed_submission_leaves_no_stale_grade(self, graded):

        _, course_dir, tmp, template = graded
        subs = tmp / "resubmissions"
        broken = subs / "alice" / self.HW / notebook_name(self.HW)
        broken.parent.mkdir(parents=True)
        broken.write_text('{"cells": [ this is not json')
        again = batch.grade_folder(subs, [self.HW], course_dir=course_dir, out_dir=tmp / "grades2",
                                   template_db=template, gradebook=course_dir / "gradebook.db")
        assert [r.student for r in again.failed] == ["alice"]
        with nbg.gradebook(course_dir / "gradebook.db") as gb:
            sub = gb.find_submission(self.HW, "alice")
            assert sub.score == 0 and sub.needs_manual_grade
            assert gb.find_submission(self.HW, "bob").score == 0  # other students untouched
        assert not (course_dir / "autograded" / "alice" / self.HW).exists()
        row = next(r for r in csv.DictReader(open(again.grades_csv)) if r["student_id"] == "alice")
        assert row["failed"] == "1" and float(row["score"]) == 0

    def test_mixed_notebook_is_valid_nbformat(self, course):
        root, _ = course
        released = synthetic.read(root / "release" / self.HW / notebook_name(self.HW))
        nbformat.validate(self.mixed(released, synthetic.source_notebook(self.HW)))
