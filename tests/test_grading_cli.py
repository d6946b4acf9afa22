"""python -m tools.course: argument errors and empty inputs fail with a non-zero exit code, fast."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def course():
    from tools import course

    return course


def test_cli_runs_as_a_module_from_the_repo_root():
    """The Makefile's form of the command: ``python -m tools.course`` in the repo root."""
    out = subprocess.run([sys.executable, "-m", "tools.course", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for command in ("release", "validate", "grade", "kit", "export"):
        assert command in out.stdout


def test_grade_needs_exactly_one_source(course, tmp_path, capsys):
    assert course.main(["grade"]) == 2
    assert "one of the arguments --submissions --zip is required" in capsys.readouterr().err
    assert course.main(["grade", "--submissions", str(tmp_path), "--zip", "x.zip"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_zip_needs_an_assignment(course, tmp_path, capsys):
    assert course.main(["grade", "--zip", str(tmp_path / "lms.zip")]) == 2
    assert "--assignment" in capsys.readouterr().err


def test_an_empty_submissions_folder_is_an_error(course, tmp_path, capsys):
    assert course.main(["grade", "--submissions", str(tmp_path), "--out", str(tmp_path)]) == 1
    assert "no submissions found" in capsys.readouterr().err


def test_missing_folder_is_an_error(course, tmp_path):
    assert course.main(["grade", "--submissions", str(tmp_path / "nope")]) == 2


def test_wall_clock_limit_interrupts(course):
    from tools.grading import nbg

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
    from tools.grading import validate

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
    from tools.grading import batch
    from tools.grading.submission import SubmissionResult

    ok = SubmissionResult("hw", "ann", ok=True)
    broken = SubmissionResult("hw", "ben", ok=False, error="NotJSONError")
    for results, code in (([ok], 0), ([ok, broken], 1)):
        monkeypatch.setattr(batch, "grade_folder",
                            lambda *a, results=results, **k: batch.BatchReport(results=results))
        assert course.main(["grade", "--submissions", str(tmp_path)]) == code
    assert "FAILED: NotJSONError" in capsys.readouterr().out


def test_zip_homework_is_inferred_or_the_choices_listed(course, tmp_path):
    import zipfile

    from tools.grading.lms import HomeworkUnknown, infer_homework

    hws = ["hw1_linear_classifiers", "hw2_optimizers"]
    one = tmp_path / "one.zip"
    with zipfile.ZipFile(one, "w") as z:
        z.writestr("alice_hw2_optimizers.ipynb", "{}")
        z.writestr("bob_hw2_optimizers.ipynb", "{}")
        z.writestr("readme.txt", "")
    assert infer_homework(one, hws) == "hw2_optimizers"
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("alice_hw2_optimizers.ipynb", "{}")
        z.writestr("bob_hw1_linear_classifiers.ipynb", "{}")
    with pytest.raises(HomeworkUnknown, match=r"several homework .*HW=.*one of: "
                       r"hw1_linear_classifiers, hw2_optimizers"):
        infer_homework(two, hws)
    none = tmp_path / "none.zip"
    with zipfile.ZipFile(none, "w") as z:
        z.writestr("alice_essay.ipynb", "{}")
    with pytest.raises(HomeworkUnknown, match="no notebook named after a homework"):
        infer_homework(none, hws)


def test_report_is_labelled_as_one_run(tmp_path):
    from types import SimpleNamespace

    from tools.grading.report import write_report

    results = [SimpleNamespace(student="bob", hw="hw2", flags=[], ok=True, auto_score=1,
                               auto_max=1),
               SimpleNamespace(student="amy", hw="hw2", flags=["x"], ok=True, auto_score=0,
                               auto_max=1)]
    text = write_report(tmp_path / "r.md", results, isolation="test").read_text()
    assert text.startswith("# Grading report of the run of 20")
    assert "This run graded 2 submission(s): amy/hw2, bob/hw2." in text
