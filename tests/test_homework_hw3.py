"""Homework 3 through the real grading pipeline: full marks, zero, exact partial scores.

One module fixture builds a fresh course copy (fresh gradebook, fresh release) and grades a
folder of synthetic submissions once; the tests read that run. To add a homework, copy this
file, set HW and DEPENDS (which answer cells each test cell needs), and adapt MIXED.
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

HW = "hw3_backprop"

# test cell -> the answer cells it needs working (read from the notebook's design, not run)
LAYERS_AND_BN = {"affine", "relu", "batchnorm_forward", "batchnorm_backward"}
DEPENDS = {
    "test_affine": {"affine"},
    "test_relu": {"relu"},
    "test_sigmoid_tanh": {"sigmoid_tanh"},
    "test_softmax_ce": {"softmax_ce"},
    "test_init": {"init"},
    "test_two_layer": {"two_layer", "affine", "relu", "softmax_ce"},
    "test_batchnorm_forward": {"batchnorm_forward"},
    # the backward pass reads the cache the student's own forward pass made
    "test_batchnorm_backward": {"batchnorm_backward", "batchnorm_forward"},
    "test_dropout": {"dropout"},
    "test_deep_net": {"deep_net"} | LAYERS_AND_BN,
    "test_training": {"training", "deep_net", "softmax_ce", "init"} | LAYERS_AND_BN,
}
WRITTEN = {"q1_answer": 5.0, "q2_answer": 5.0}

# The mixed submission: everything solved except two_layer_loss (left as the stub); tanh
# delegates to dlhelpers.nn (its sigmoid is the student's own and right); dropout is right
# but prints a RuntimeWarning to stderr; one test cell deleted; written answers typed in.
NOISY_DROPOUT = '''
import warnings


def dropout_forward(x, keep_prob, *, train, rng):
    warnings.simplefilter("always")  # defeats the tests' silencing: the warning reaches stderr
    warnings.warn("dropout mask drawn the slow way", RuntimeWarning, stacklevel=1)
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) < keep_prob
    return np.where(keep, x / keep_prob, 0.0), keep / keep_prob


def dropout_backward(dout, cache):
    return dout.copy() if cache is None else dout * cache
'''
DELEGATING_TANH = '''
from dlhelpers.nn import tanh_backward as library_tanh_backward
from dlhelpers.nn import tanh_forward as library_tanh_forward


def sigmoid_forward(x):
    s = 0.5 * (1.0 + np.tanh(0.5 * x))
    return s, s


def sigmoid_backward(dout, cache):
    return dout * cache * (1.0 - cache)


def tanh_forward(x):
    return library_tanh_forward(x)


def tanh_backward(dout, cache):
    return library_tanh_backward(dout, cache)
'''
ALL_ANSWERS = {"affine", "relu", "sigmoid_tanh", "softmax_ce", "init", "two_layer",
               "batchnorm_forward", "batchnorm_backward", "dropout", "deep_net", "training"}
MIXED_WORKING = ALL_ANSWERS - {"two_layer"}
MIXED_ZEROED = {"test_sigmoid_tanh"}  # it works, but only by delegating


def _mixed(released, source):
    nb = testing.fill(released, source, MIXED_WORKING - {"sigmoid_tanh", "dropout"})
    testing.set_answer(nb, "sigmoid_tanh", DELEGATING_TANH)
    testing.set_answer(nb, "dropout", NOISY_DROPOUT)
    testing.delete_cell(nb, "test_affine")
    for cell in nb.cells:
        if testing.grade_id(cell) in WRITTEN:
            cell.source = "The Jacobian is diagonal, so a mask does the same job."
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A fresh course copy: generated release and a template gradebook (no students)."""
    ensure_venv_on_path()
    root, template = release.build_course(tmp_path_factory.mktemp("hw3-course"), [HW])
    return root, template


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """Grade solution, blank and mixed submissions in one batch into a scratch gradebook."""
    root, template = course
    tmp = tmp_path_factory.mktemp("hw3-grading")
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
    assert alice.auto_score == alice.auto_max == 90
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
    assert got["test_affine"] == 10  # the deleted test cell was restored and graded
    assert got["test_dropout"] == 7  # a RuntimeWarning on stderr did not zero it
    assert got["test_two_layer"] == 0 and got["test_sigmoid_tanh"] == 0
    assert sum(got.values()) == 90 - 10 - 8
    assert all(c.needs_manual for c in mallory.cells if not c.autograded)  # typed answers


def test_feedback_explains_delegation_and_hides_hidden_tests(graded):
    report, course_dir, *_ = graded
    html = (course_dir / "feedback" / "mallory" / HW / f"{HW}.html").read_text()
    assert "delegating to dlhelpers is not allowed here" in html
    for secret in ("BEGIN HIDDEN TESTS", "_ref_cross_entropy", "_numeric_vs_student",
                   "_ref_deep_scores", "_ref_batchnorm"):
        assert secret not in html
    assert (course_dir / "autograded" / "alice" / HW / notebook_name(HW)).is_file()


def test_csv_exports_totals_and_parts(graded):
    report, _, tmp, _ = graded
    rows = {r["student_id"]: r for r in csv.DictReader(open(report.grades_csv))}
    assert set(rows) == {"alice", "bob", "mallory"}
    assert float(rows["alice"]["auto_score"]) == 90 and float(rows["alice"]["max_score"]) == 100
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
