"""tools/course.py: argument errors and empty inputs fail with a non-zero exit code, fast."""

import importlib.util
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def course():
    spec = importlib.util.spec_from_file_location("course_cli", ROOT / "tools" / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grade_needs_exactly_one_source(course, tmp_path, capsys):
    assert course.main(["grade"]) == 2
    assert course.main(["grade", "--submissions", str(tmp_path), "--zip", "x.zip"]) == 2
    assert "exactly one" in capsys.readouterr().err


def test_zip_needs_an_assignment(course, tmp_path, capsys):
    assert course.main(["grade", "--zip", str(tmp_path / "lms.zip")]) == 2
    assert "--assignment" in capsys.readouterr().err


def test_an_empty_submissions_folder_is_an_error(course, tmp_path, capsys):
    assert course.main(["grade", "--submissions", str(tmp_path), "--out", str(tmp_path)]) == 1
    assert "no submissions found" in capsys.readouterr().err


def test_missing_folder_is_an_error(course, tmp_path):
    assert course.main(["grade", "--submissions", str(tmp_path / "nope")]) == 2


def test_wall_clock_limit_interrupts(course):
    from grading import nbg

    start = time.monotonic()
    with pytest.raises(nbg.WallClockTimeout, match="took longer"):
        with nbg.wall_clock(0.2, "a sleeping step"):
            time.sleep(5)
    assert time.monotonic() - start < 2
    answer = nbg.run(lambda: time.sleep(5) or {"success": True}, "slow call", timeout=0.2,
                     check=False)
    assert answer["success"] is False and "took longer" in answer["error"]
    with pytest.raises(nbg.NbgraderFailure, match="slow call failed"):
        nbg.run(lambda: time.sleep(5) or {"success": True}, "slow call", timeout=0.2)


def test_validate_exit_code_follows_the_checks(course, monkeypatch, capsys):
    from grading import validate

    good = validate.HomeworkCheck("hw_ok", 10, 2, blank_score=0.0)
    bad = validate.HomeworkCheck("hw_bad", 10, 2, source_failures=["failed: test_x"],
                                 blank_score=0.0)
    monkeypatch.setattr(validate, "validate_homework", lambda hws=None: [good])
    assert course.main(["validate"]) == 0
    monkeypatch.setattr(validate, "validate_homework", lambda hws=None: [good, bad])
    assert course.main(["validate"]) == 1
    captured = capsys.readouterr()
    assert "VALIDATION FAILED: hw_bad" in captured.err and "FAILED" in captured.out


def test_grade_exit_code_flags_failed_submissions(course, monkeypatch, tmp_path, capsys):
    from grading import batch
    from grading.submission import SubmissionResult

    ok = SubmissionResult("hw", "ann", ok=True)
    broken = SubmissionResult("hw", "ben", ok=False, error="NotJSONError")
    for results, code in (([ok], 0), ([ok, broken], 1)):
        monkeypatch.setattr(batch, "grade_folder",
                            lambda *a, results=results, **k: batch.BatchReport(results=results))
        assert course.main(["grade", "--submissions", str(tmp_path)]) == code
    assert "FAILED: NotJSONError" in capsys.readouterr().out
