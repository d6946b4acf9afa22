"""Export to Canvas and Moodle: golden files from a small real nbgrader gradebook.

The gradebook is made with nbgrader's Gradebook API (two homework, three students: on time,
within the grace, a day late, far too late, no timestamp, no submission, a manual grade
still pending). The golden CSVs in tests/data/golden/ are compared byte for byte; the
penalties are also checked against hand-computed numbers, so a wrong golden file cannot
hide a wrong policy. Regenerate them with ``DL_REGEN_GOLDEN=1`` after a deliberate change.
"""

import csv
import io
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tools.grading import export, nbg, policy
from tools.grading.paths import ensure_venv_on_path

ROOT = Path(__file__).resolve().parents[1]


GOLDEN = ROOT / "tests" / "data" / "golden"
pytestmark = pytest.mark.grading
ensure_venv_on_path()

DUE_A = datetime(2026, 10, 9, 23, 59)
DUE_B = datetime(2026, 10, 30, 23, 59)
COURSE = policy.CoursePolicy(
    late=policy.LatePolicy(grace=timedelta(minutes=15), percent_per_unit=10,
                           unit=timedelta(days=1), cap_percent=50,
                           zero_after=timedelta(days=7)),
    due={"hwA": policy.as_utc(DUE_A), "hwB": policy.as_utc(DUE_B)})


def make_gradebook(path: Path) -> Path:
    """hwA: test t1 (6) + written q1 (4); hwB: test t2 (20). Scores as a term leaves them."""

    with nbg.gradebook(path) as gb:
        gb.add_assignment("hwA", duedate=DUE_A)
        gb.add_notebook("hwA", "hwA")
        gb.add_grade_cell("t1", "hwA", "hwA", max_score=6, cell_type="code")
        gb.add_grade_cell("q1", "hwA", "hwA", max_score=4, cell_type="markdown")
        gb.add_solution_cell("q1", "hwA", "hwA")
        gb.add_assignment("hwB", duedate=DUE_B)
        gb.add_notebook("hwB", "hwB")
        gb.add_grade_cell("t2", "hwB", "hwB", max_score=20, cell_type="code")
        gb.add_student("alice", first_name="Alice", last_name="Liddell",
                       email="alice@uni.example", lms_user_id="101")
        gb.add_student("bob")
        gb.add_student("carol", first_name="Carol", last_name="de la Cruz",
                       email="carol@uni.example")

        def grade(cell, hw, student, auto, manual=None):
            g = gb.find_grade(cell, hw, hw, student)
            g.auto_score, g.manual_score = auto, manual
            g.needs_manual_grade = auto is None and manual is None

        gb.add_submission("hwA", "alice", timestamp=DUE_A - timedelta(hours=3))
        grade("t1", "hwA", "alice", 6.0)
        grade("q1", "hwA", "alice", None, 3.5)
        gb.add_submission("hwB", "alice", timestamp=DUE_B + timedelta(days=1, hours=2))
        grade("t2", "hwB", "alice", 18.0)
        gb.add_submission("hwA", "bob", timestamp=DUE_A + timedelta(minutes=10))
        grade("t1", "hwA", "bob", 6.0)
        grade("q1", "hwA", "bob", None)  # written answer not graded yet
        gb.add_submission("hwA", "carol", timestamp=DUE_A + timedelta(days=9))
        grade("t1", "hwA", "carol", 6.0)
        grade("q1", "hwA", "carol", None, 4.0)
        gb.add_submission("hwB", "carol")  # graded from a plain folder: no timestamp
        grade("t2", "hwB", "carol", 15.0)
        gb.db.commit()
    return path


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    return make_gradebook(tmp_path_factory.mktemp("export") / "gradebook.db")


def test_late_policy_reaches_every_row(gradebook, tmp_path):
    _, hws, rows = export.collect(gradebook, course_dir=tmp_path, course_policy=COURSE)
    finals = {(r.student, r.hw): r.final for r in rows}
    assert hws == ["hwA", "hwB"]
    assert finals == {
        ("alice", "hwA"): 9.5,     # on time: 6 + 3.5
        ("alice", "hwB"): 14.0,    # 26 h late: 2 started days, 20 % of 20 = 4 off 18
        ("bob", "hwA"): 6.0,       # 10 min late, within the 15-minute grace
        ("bob", "hwB"): None,      # nothing submitted
        ("carol", "hwA"): 0.0,     # 9 days late: past zero_after (7 days)
        ("carol", "hwB"): 15.0,    # no timestamp anywhere: no penalty
    }
    assert export.pending_manual(rows) == ["bob/hwA"]


def test_timestamp_file_is_used_when_the_gradebook_has_none(gradebook, tmp_path):
    stamp = tmp_path / "submitted" / "carol" / "hwB" / "timestamp.txt"
    stamp.parent.mkdir(parents=True)
    stamp.write_text("2026-11-02 12:00:00.000000 UTC")  # 2 d 12 h late: 3 days, 30 %
    _, _, rows = export.collect(gradebook, course_dir=tmp_path, course_policy=COURSE)
    carol_b = next(r for r in rows if (r.student, r.hw) == ("carol", "hwB"))
    assert carol_b.late.units_late == 3 and carol_b.final == 15.0 - 6.0


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_golden_file(gradebook, tmp_path, fmt):
    out = tmp_path / f"{fmt}.csv"
    export.export(gradebook, fmt, out, course_dir=tmp_path, course_policy=COURSE)
    golden = GOLDEN / f"{fmt}.csv"
    if os.environ.get("DL_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(out.read_bytes())
    assert out.read_bytes() == golden.read_bytes()


def test_canvas_layout(gradebook, tmp_path):
    students, hws, rows = export.collect(gradebook, course_dir=tmp_path, course_policy=COURSE)
    table = list(csv.reader(io.StringIO(export.canvas_csv(students, hws, rows))))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hwA", "hwB"]
    assert table[1] == ["Points Possible", "", "", "", "", "10", "20"]
    assert table[2] == ["Liddell, Alice", "101", "alice", "alice", "", "9.5", "14"]
    assert table[4][0] == "de la Cruz, Carol"


def test_canvas_roster_gives_ids_sections_and_assignment_columns(gradebook, tmp_path):
    roster = tmp_path / "canvas_export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,hwA (5501),Midterm (5509)\n"
        "    Points Possible,,,,,10,50\n"
        '"Liddell, Alice",88001,S-1,alice,Lab 1,,\n'
        "Bob Builder,88002,S-2,bob,Lab 2,,\n")
    students, hws, rows = export.collect(gradebook, course_dir=tmp_path, course_policy=COURSE)
    table = list(csv.reader(io.StringIO(export.canvas_csv(students, hws, rows,
                                                          roster=roster))))
    assert table[0][5:] == ["hwA (5501)", "hwB"]  # hwB has no Canvas id: a new column
    assert table[2][:5] == ["Liddell, Alice", "88001", "S-1", "alice", "Lab 1"]
    assert table[3][:5] == ["Bob Builder", "88002", "S-2", "bob", "Lab 2"]
    bad = tmp_path / "not_canvas.csv"
    bad.write_text("name,grade\nx,1\n")
    with pytest.raises(ValueError, match=r"missing \['Student', 'ID'"):
        export.read_canvas_roster(bad)


def test_moodle_layout(gradebook, tmp_path):
    students, hws, rows = export.collect(gradebook, course_dir=tmp_path, course_policy=COURSE)
    table = list(csv.reader(io.StringIO(export.moodle_csv(students, hws, rows))))
    assert table == [["Username", "Email address", "hwA", "hwB"],
                     ["alice", "alice@uni.example", "9.5", "14"],
                     ["bob", "", "6", ""],
                     ["carol", "carol@uni.example", "0", "15"]]


def test_number_format():
    assert [export.number(x) for x in (88, 70.5, 1 / 3, 0.0, -0.0001, None)] == \
        ["88", "70.5", "0.33", "0", "0", ""]


def test_bad_format_and_missing_gradebook(gradebook, tmp_path):
    with pytest.raises(ValueError, match=r"format must be one of \('canvas', 'moodle', 'csv'\)"):
        export.export(gradebook, "blackboard", tmp_path / "x.csv")
    with pytest.raises(FileNotFoundError, match="no gradebook at"):
        export.export(tmp_path / "none.db", "csv", tmp_path / "x.csv")


def test_course_export_and_csv_commands(gradebook, tmp_path, capsys):
    from tools import course

    out = tmp_path / "moodle.csv"
    assert course.main(["export", "--format", "moodle", "--gradebook", str(gradebook),
                        "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "Username,Email address,hwA,hwB"
    assert "bob/hwA" in capsys.readouterr().err  # a manual grade is still pending
    assert course.main(["csv", "--gradebook", str(gradebook), "--out", str(tmp_path)]) == 0
    grades = (tmp_path / "grades.csv").read_text().splitlines()
    assert grades[0].startswith("assignment,student_id,score")
    assert "hwA,alice,9.5,10," in "\n".join(grades)
    assert (tmp_path / "final_grades.csv").read_text().startswith("student_id,assignment")
    assert course.main(["export", "--gradebook", str(tmp_path / "none.db")]) == 2
