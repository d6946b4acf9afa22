"""Homework 2 through the real grading pipeline: full marks, zero, exact partial scores.

One module fixture builds a fresh course copy (fresh gradebook, fresh release) and grades a
folder of synthetic submissions once; the tests read that run. Copied from
``test_homework_hw1.py``: HW, DEPENDS and the mixed submission are what differ.
"""

import csv
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from grading import batch, release, testing  # noqa: E402
from grading.paths import RELEASE_DIR, ensure_venv_on_path, notebook_name  # noqa: E402
from grading.validate import release_differences  # noqa: E402

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.timeout(1200)]

HW = "hw2_optimizers"

# test cell -> the answer cells it needs working (read from the notebook's design, not run)
DEPENDS = {
    "test_sgd": {"sgd"},
    "test_momentum": {"momentum"},
    "test_nesterov": {"nesterov"},
    "test_adagrad": {"adagrad"},
    "test_rmsprop": {"rmsprop"},
    "test_adam": {"adam"},
    "test_adamw": {"adamw", "adam"},  # the model solution's adamw calls its own adam
    "test_step_decay": {"step_decay"},
    "test_cosine": {"cosine"},
    "test_warmup_cosine": {"warmup_cosine", "cosine"},
    "test_run_rule": {"run_rule"},
    "test_steps_to_tolerance": {"steps_to_tolerance"},
    "test_train_network": {"train_network"},
    # the model settings train with adam and a cosine schedule
    "test_training_run": {"training_run", "train_network", "adam", "cosine"},
}
WRITTEN = {"q1_answer": 6.0, "q2_answer": 6.0}

# The mixed submission: most parts solved; a Nesterov that is right but prints a
# RuntimeWarning to stderr; an RMSProp that delegates to dlhelpers.optim; a momentum that
# updates the state it was given in place (wrong: the old state changes); warm-up + cosine and
# steps_to_tolerance left blank; the SGD test cell deleted; written answers typed in.
NOISY_NESTEROV = '''
import warnings


def nesterov(w, dw, state=None, *, lr, rho=0.9):
    if state is None:
        warnings.simplefilter("always")  # defeats the tests' silencing: the warning reaches stderr
        warnings.warn("starting a fresh Nesterov velocity", RuntimeWarning, stacklevel=1)
        v = np.array(dw, dtype=float)
    else:
        v = rho * state["v"] + dw
    return w - lr * (dw + rho * v), {"v": v}
'''
DELEGATING_RMSPROP = '''
from dlhelpers.optim import rmsprop as course_rmsprop


def rmsprop(w, dw, state=None, *, lr, decay=0.99, eps=1e-8):
    return course_rmsprop(w, dw, state, lr=lr, decay=decay, eps=eps)
'''
INPLACE_MOMENTUM = '''
def momentum(w, dw, state=None, *, lr, rho=0.9):
    if state is None:
        state = {"v": np.zeros_like(w)}
    state["v"] *= rho
    state["v"] += dw
    return w - lr * state["v"], state
'''
MIXED_WORKING = {"sgd", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "step_decay", "cosine",
                 "run_rule", "train_network", "training_run"}
MIXED_ZEROED = {"test_rmsprop"}  # it works, but only by delegating
MIXED_EXPECTED_TOTAL = 67.0  # 88 minus momentum 6, rmsprop 5, warm-up 6, steps_to_tolerance 4


def _mixed(released, source):
    nb = testing.fill(released, source, MIXED_WORKING - {"nesterov", "rmsprop"})
    testing.set_answer(nb, "nesterov", NOISY_NESTEROV)
    testing.set_answer(nb, "rmsprop", DELEGATING_RMSPROP)
    testing.set_answer(nb, "momentum", INPLACE_MOMENTUM)
    testing.delete_cell(nb, "test_sgd")
    for cell in nb.cells:
        if testing.grade_id(cell) in WRITTEN:
            cell.source = "Both moments start at zero, so the early averages are too small."
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A fresh course copy: generated release and a template gradebook (no students)."""
    ensure_venv_on_path()
    root, template = release.build_course(tmp_path_factory.mktemp("hw2-course"), [HW])
    return root, template


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """Grade solution, blank and mixed submissions in one batch into a scratch gradebook."""
    root, template = course
    tmp = tmp_path_factory.mktemp("hw2-grading")
    source = testing.source_notebook(HW)
    released = testing.read(root / "release" / HW / notebook_name(HW))
    subs = tmp / "submissions"
    testing.write(source, subs, "alice", HW)
    testing.write(released, subs, "bob", HW)
    testing.write(_mixed(released, source), subs, "mallory", HW)
    course_dir = tmp / "course"
    report = batch.grade_folder(subs, [HW], course_dir=course_dir, out_dir=tmp / "grades",
                                template_db=template, gradebook=course_dir / "gradebook.db")
    return report, course_dir, tmp, template


def _result(report, student):
    return next(r for r in report.results if r.student == student)


def test_committed_release_is_in_sync_with_source(course):
    root, _ = course
    generated = root / "release" / HW / notebook_name(HW)
    assert release_differences(generated, RELEASE_DIR / HW / notebook_name(HW)) == []


def test_points_add_up_to_100():
    points = testing.points_of_tests(testing.source_notebook(HW))
    assert set(points) == set(DEPENDS)
    assert sum(points.values()) + sum(WRITTEN.values()) == 100


def test_solution_gets_full_marks(graded):
    report, *_ = graded
    alice = _result(report, "alice")
    assert alice.ok, alice.error
    for cell in alice.cells:
        if cell.autograded:
            assert cell.score == cell.max_score, cell
    assert alice.auto_score == alice.auto_max == 88
    assert not alice.flags


def test_blank_release_gets_zero(graded):
    report, *_ = graded
    bob = _result(report, "bob")
    assert bob.ok, bob.error
    assert all(c.score == 0 for c in bob.cells if c.autograded)
    # untouched written answers are scored 0 ("no response") without a manual-grading flag
    assert all(c.score == 0 and not c.needs_manual for c in bob.cells if not c.autograded)


def test_mixed_submission_scores_exactly(graded):
    report, *_ = graded
    mallory = _result(report, "mallory")
    assert mallory.ok, mallory.error
    points = testing.points_of_tests(testing.source_notebook(HW))
    expected = testing.expected_score(points, DEPENDS, MIXED_WORKING)
    expected.update({name: 0.0 for name in MIXED_ZEROED})
    got = {c.cell: c.score for c in mallory.cells if c.autograded}
    assert got == expected
    assert sum(got.values()) == MIXED_EXPECTED_TOTAL
    assert got["test_sgd"] == 3  # the deleted test cell was restored and graded
    assert got["test_nesterov"] == 6  # a RuntimeWarning on stderr did not zero it
    assert got["test_momentum"] == 0  # the state passed in was modified
    assert all(c.needs_manual for c in mallory.cells if not c.autograded)  # typed answers


def test_feedback_explains_delegation_and_hides_hidden_tests(graded):
    report, course_dir, *_ = graded
    html = (course_dir / "feedback" / "mallory" / HW / f"{HW}.html").read_text()
    assert "delegating to dlhelpers is not allowed here" in html
    for secret in ("BEGIN HIDDEN TESTS", "_weighted(", "_reference(", "_fake_rule", "_val_accuracy"):
        assert secret not in html
    assert (course_dir / "autograded" / "alice" / HW / notebook_name(HW)).is_file()


def test_csv_exports_totals_and_parts(graded):
    report, _, tmp, _ = graded
    rows = {r["student_id"]: r for r in csv.DictReader(open(report.grades_csv))}
    assert set(rows) == {"alice", "bob", "mallory"}
    assert float(rows["alice"]["auto_score"]) == 88 and float(rows["alice"]["max_score"]) == 100
    assert float(rows["bob"]["auto_score"]) == 0
    assert float(rows["mallory"]["auto_score"]) == _result(report, "mallory").auto_score
    assert rows["mallory"]["needs_manual_grade"] == "1"
    parts = list(csv.DictReader(open(report.parts_csv)))
    assert len(parts) == 3 * (len(DEPENDS) + len(WRITTEN))
    alice_parts = {p["cell"]: float(p["score"]) for p in parts if p["student_id"] == "alice"
                   and p["kind"] == "autograded"}
    assert alice_parts == testing.points_of_tests(testing.source_notebook(HW))


def test_regrade_after_a_failed_submission_leaves_no_stale_grade(graded):
    from nbgrader.api import Gradebook

    report, course_dir, tmp, template = graded
    subs = tmp / "resubmissions"
    broken = subs / "alice" / HW / notebook_name(HW)
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [ this is not json')
    again = batch.grade_folder(subs, [HW], course_dir=course_dir, out_dir=tmp / "grades2",
                               template_db=template, gradebook=course_dir / "gradebook.db")
    assert [r.student for r in again.failed] == ["alice"]
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        sub = gb.find_submission(HW, "alice")
        assert sub.score == 0 and sub.needs_manual_grade
        assert gb.find_submission(HW, "bob").score == 0  # other students untouched
    assert not (course_dir / "autograded" / "alice" / HW).exists()
    row = next(r for r in csv.DictReader(open(again.grades_csv)) if r["student_id"] == "alice")
    assert row["failed"] == "1" and float(row["score"]) == 0


def test_mixed_notebook_is_valid_nbformat(course):
    root, _ = course
    released = testing.read(root / "release" / HW / notebook_name(HW))
    nbformat.validate(_mixed(released, testing.source_notebook(HW)))
