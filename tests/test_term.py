"""A whole term of one homework, as an instructor runs it, with nothing lost.

release -> every student fetches and submits through the real nbgrader exchange (one late,
one resubmission) -> collect -> ``python -m tools.course grade`` -> written answers graded by hand in
formgrader through Chromium (mark scheme visible) -> the whole class regraded -> feedback
generated, released and fetched -> exported for Canvas, Moodle and as CSV with the late
policy applied.

Everything lives in a temp dir: a copy of the course, an exchange, one home per student.
After the hand grading, the late student resubmits with one written answer changed: the
regrade keeps every manual score and comment of unchanged work, and reports the changed
answer for a new look (its old score kept in ``grading_state/``). The late policy is the
course's own file format (``course_policy.toml`` in the course), here 10 % per started hour.

``DL_TERM_STUDENTS`` sets the class size (default 4, at least 3); each step's time is printed
and written to ``artifacts/term/timing.json``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
import synthetic
from browser.lab import CHROMIUM, CHROMIUM_ARGS, LabServer, chromium_available

from tools.grading import export, markscheme, nbg, policy
from tools.grading.paths import ensure_venv_on_path

ROOT = Path(__file__).resolve().parents[1]


pytestmark = [pytest.mark.slow, pytest.mark.grading, pytest.mark.timeout(3600)]

HW = "hw2_optimizers"
COURSE_ID = "dl-course"
STUDENTS = [f"s{i:02d}" for i in range(max(3, int(os.environ.get("DL_TERM_STUDENTS", "4"))))]
ON_TIME, LATE, RESUBMITTER = STUDENTS[0], STUDENTS[1], STUDENTS[2]
HAND_GRADED = {ON_TIME: {"q1_answer": (5.0, "Right factors; the v bias is not explained."),
                         "q2_answer": (6.0, "Complete.")},
               LATE: {"q1_answer": (6.0, "Complete."), "q2_answer": (4.5, "SGD case missing.")}}
WRITTEN_ANSWER = "Both moments start at zero, so early averages are too small; divide by 1-b^t."
#: the late student's second try at q2, handed in after the hand grading
REVISED_ANSWER = "Plain SGD has no moments to correct; Adam's m and v start at 0 (biased)."
AUTO_MAX, TOTAL_MAX = 88.0, 100.0
#: 10 % of the maximum per started hour late, no grace: a few seconds late costs 10 points
POLICY_TOML = """timezone = "UTC"
[late_policy]
grace_minutes = 0
percent_per_unit = 10
unit = "hour"
cap_percent = 50
[due]
{hw} = "{due}"
"""


class Term:
    """What the term left behind, and how long each step took."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.course = tmp / "course"
        self.exchange = tmp / "exchange"
        self.cache = tmp / "nbgrader_cache"
        self.out = tmp / "grades"
        self.times: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self.due: datetime | None = None
        self.submitted_versions: dict[str, int] = {}
        self.after_manual: dict = {}
        self.after_regrade: dict = {}
        self.exports: dict[str, str] = {}
        self.browser: dict = {}
        self.feedback_after_regrade: dict[str, str] = {}
        self.regrade_report = ""
        self.stamps: dict[str, datetime] = {}

    @contextlib.contextmanager
    def step(self, name: str, *, expect_failure: bool = False):
        start = time.perf_counter()
        try:
            yield
        except Exception as exc:  # a step the redesign fixes: recorded, the term goes on
            if not expect_failure:
                raise
            self.errors[name] = f"{type(exc).__name__}: {str(exc)[-400:]}"
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start

    @property
    def gradebook(self) -> Path:
        return self.course / "gradebook.db"

    def home(self, student: str) -> Path:
        return self.tmp / "students" / student


def nbgrader(args: list[str], cwd: Path) -> None:
    """One nbgrader command, in-process (no 5 s start-up), run from ``cwd``."""
    from nbgrader.tests import run_nbgrader

    with contextlib.chdir(cwd):
        run_nbgrader(args)


def student_args(term: Term, student: str) -> list[str]:
    """What a student's ~/.jupyter/nbgrader_config.py says (README), plus a private cache."""
    return ["--course", COURSE_ID, f"--Exchange.root={term.exchange}",
            "--Exchange.path_includes_course=True", f"--Exchange.cache={term.cache / student}",
            f"--CourseDirectory.root={term.home(student)}",
            f"--CourseDirectory.student_id={student}"]


def answer(released, source, *, complete: bool = True,
           q2: str = WRITTEN_ANSWER) -> nbformat.NotebookNode:
    """The model code answers (all, or all but adam) and the student's written answers."""
    answers = set(synthetic.answer_ids(source)) - (set() if complete else {"adam"})
    nb = synthetic.fill(released, source, answers)
    for cell in nb.cells:
        if synthetic.grade_id(cell) == "q1_answer":
            cell.source = WRITTEN_ANSWER
        elif synthetic.grade_id(cell) == "q2_answer":
            cell.source = q2
    return nb


def submit(term: Term, student: str, nb) -> None:
    # path_includes_course (the course's setting): fetched into <home>/<course id>/<hw>/
    target = term.home(student) / COURSE_ID / HW / synthetic.notebook_name(HW)
    nbformat.write(nb, target)
    with term.step("submit (each student)"):
        nbgrader(["submit", HW, *student_args(term, student)], term.home(student))
    term.submitted_versions[student] = term.submitted_versions.get(student, 0) + 1


def course_cli():
    from tools import course

    return course


def grade_class(term: Term, name: str) -> int:
    """``python -m tools.course grade`` on the collected submissions, into the temp course."""
    cli = course_cli()
    original = cli.batch.grade_folder
    cli.batch.grade_folder = functools.partial(original, course_dir=term.course)
    try:
        with term.step(name):
            return cli.main(["grade", "--submissions", str(term.course / "submitted"),
                             "--assignment", HW, "--out", str(term.out)])
    finally:
        cli.batch.grade_folder = original


def gradebook_state(term: Term) -> dict:
    """{student: {cell: (auto, manual, manual comment)}, "_score": total} from the gradebook."""
    from nbgrader.api import MissingEntry

    state = {}
    with nbg.gradebook(term.gradebook) as gb:
        for student in STUDENTS:
            try:
                sub = gb.find_submission(HW, student)
            except MissingEntry:
                continue
            cells = {}
            for nb in sub.notebooks:
                comments = {c.name: c.manual_comment for c in nb.comments}
                for g in nb.grades:
                    cells[g.name] = (g.auto_score, g.manual_score, comments.get(g.name))
            state[student] = {"cells": cells, "score": float(sub.score),
                              "timestamp": sub.timestamp}
    return state


def grade_by_hand(term: Term) -> None:
    """In formgrader (Chromium): type each score and comment of HAND_GRADED, as a grader does."""
    from playwright.sync_api import sync_playwright

    with nbg.gradebook(term.gradebook) as gb:
        ids = {s: gb.find_submission_notebook(HW, HW, s).id for s in HAND_GRADED}
    guard = ["--ServerApp.jpserver_extensions", "tools.grading.formgrader_guard=True"]
    env = {"PYTHONPATH": str(ROOT), "DL_COURSE_EXCHANGE": str(term.exchange)}
    with term.step("formgrader: start JupyterLab"):
        lab = LabServer(term.course, term.tmp / "lab", extra_args=tuple(guard), env=env)
        lab.__enter__()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # the token in the URL logs in (a cookie); formgrader's API calls need that cookie
            page.goto(lab.page_url("formgrader/manage_assignments"), wait_until="load")
            for student, marks in HAND_GRADED.items():
                with term.step("formgrader: grade one student by hand"):
                    page.goto(f"{lab.url}/formgrader/submissions/{ids[student]}",
                              wait_until="domcontentloaded")
                    page.wait_for_selector("input.score#q1_answer", timeout=60_000)
                    page.wait_for_selector("mjx-container svg", timeout=60_000)
                    text = page.inner_text("body")
                    term.browser[student] = {
                        "mark_scheme": "Instructor only: model answer and mark scheme for "
                                       "q1_answer" in text.replace("`", ""),
                        "images": page.locator("div.output_png img, .output_area img").count(),
                        "formulas": page.locator("mjx-container").count()}
                    for cell, (score, comment) in marks.items():
                        page.fill(f"textarea#{cell}-comment", comment)
                        page.press(f"textarea#{cell}-comment", "Tab")
                        page.fill(f"input.score#{cell}", str(score))
                        page.press(f"input.score#{cell}", "Tab")
                    _wait_saved(term, student, marks)
            shots = ROOT / "artifacts" / "term"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "formgrader_manual.png"))
            browser.close()
    finally:
        lab.__exit__(None, None, None)


def _wait_saved(term: Term, student: str, marks: dict, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cells = gradebook_state(term).get(student, {}).get("cells", {})
        if all(cells.get(c, (None, None, None))[1:] == (s, m) for c, (s, m) in marks.items()):
            return
        time.sleep(0.5)
    raise AssertionError(f"formgrader did not save {student}'s marks: "
                         f"{gradebook_state(term).get(student)}")


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    if not chromium_available():
        pytest.skip(f"chromium is needed for grading by hand in formgrader ({CHROMIUM})")
    ensure_venv_on_path()
    term = Term(tmp_path_factory.mktemp("term"))
    course = term.course
    course.mkdir()
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "assignments" / "source" / HW, course / "source" / HW)
    shutil.copytree(ROOT / "assignments" / "release" / HW, course / "release" / HW)
    term.exchange.mkdir(mode=0o777)
    os.chmod(term.exchange, 0o777)
    old_exchange = os.environ.get("DL_COURSE_EXCHANGE")
    os.environ["DL_COURSE_EXCHANGE"] = str(term.exchange)
    try:
        run_term(term)
    finally:
        if old_exchange is None:
            os.environ.pop("DL_COURSE_EXCHANGE", None)
        else:
            os.environ["DL_COURSE_EXCHANGE"] = old_exchange
    report_times(term)
    return term


def run_term(term: Term) -> None:
    course = term.course
    released = synthetic.read(course / "release" / HW / synthetic.notebook_name(HW))
    source = synthetic.read(course / "source" / HW / synthetic.notebook_name(HW))
    with term.step("release_assignment"):
        nbgrader(["db", "assignment", "add", HW], course)
        nbgrader(["release_assignment", HW, "--force"], course)
    for student in STUDENTS:
        term.home(student).mkdir(parents=True)
        with term.step("fetch_assignment (each student)"):
            nbgrader(["fetch_assignment", HW, *student_args(term, student)], term.home(student))
    # the resubmitter first hands in an unfinished notebook, then the finished one
    submit(term, RESUBMITTER, answer(released, source, complete=False))
    time.sleep(1.1)  # nbgrader's submissions are told apart by their timestamp
    for student in STUDENTS:
        if student != LATE:
            submit(term, student, answer(released, source))
    term.due = datetime.now(UTC)
    (course / "course_policy.toml").write_text(POLICY_TOML.format(
        hw=HW, due=term.due.strftime("%Y-%m-%d %H:%M:%S.%f UTC")))
    time.sleep(1.1)
    submit(term, LATE, answer(released, source))
    with term.step("collect"):
        nbgrader(["collect", HW], course)
    term.grade_rc = grade_class(term, "make grade (whole class)")
    term.after_grade = gradebook_state(term)
    markscheme.annotate_course(course, course / "source")  # what make formgrader does first
    grade_by_hand(term)
    term.after_manual = gradebook_state(term)
    # after the hand grading the late student changes the second written answer only
    submit(term, LATE, answer(released, source, q2=REVISED_ANSWER))
    with term.step("collect --update (the resubmission)"):
        nbgrader(["collect", HW, "--update"], course)
    term.stamps = {s: policy.timestamp_from_file(course / "submitted" / s / HW / "timestamp.txt")
                   for s in STUDENTS}
    term.regrade_rc = grade_class(term, "make grade again (whole class)")
    term.after_regrade = gradebook_state(term)
    term.regrade_report = (term.out / "grading_report.md").read_text()
    term.feedback_after_regrade = {s: _feedback(term, s) for s in HAND_GRADED}
    # the instructor opens make formgrader again after the regrade (the mark scheme is quoted
    # into the regraded notebooks), then writes the feedback: it must not show the scheme
    markscheme.annotate_course(course, course / "source")
    with term.step("generate_feedback (after manual grading)"):
        nbgrader(["generate_feedback", HW, "--force"], course)
    with term.step("release_feedback"):
        nbgrader(["release_feedback", HW], course)
    for student in STUDENTS:
        with term.step("fetch_feedback (each student)"):
            nbgrader(["fetch_feedback", HW, *student_args(term, student)], term.home(student))
    for fmt in export.FORMATS:  # the course's own policy file, as make export reads it
        with term.step(f"export {fmt}"):
            out = term.out / f"{fmt}.csv"
            export.export(term.gradebook, fmt, out, course_dir=course)
            term.exports[fmt] = out.read_text()


def _feedback(term: Term, student: str) -> str:
    return (term.course / "feedback" / student / HW / f"{HW}.html").read_text()


def report_times(term: Term) -> None:
    lines = [f"term of {len(STUDENTS)} students, {HW}: seconds per step"]
    lines += [f"  {name:45s} {sec:7.1f}" for name, sec in term.times.items()]
    print("\n".join(lines))
    out = ROOT / "artifacts" / "term"
    out.mkdir(parents=True, exist_ok=True)
    (out / "timing.json").write_text(json.dumps({"students": len(STUDENTS), "seconds":
                                                 term.times, "errors": term.errors}, indent=1))


# --- what the term must leave behind ---------------------------------------------------------


def test_everyone_was_collected_and_graded(term):
    assert term.grade_rc == 0, f"make grade exited {term.grade_rc}"
    assert sorted(term.after_grade) == STUDENTS
    for student, got in term.after_grade.items():
        auto = sum(a or 0.0 for a, _, _ in got["cells"].values())
        assert auto == AUTO_MAX, f"{student}: autograded {auto}, a full solution gets {AUTO_MAX}"


def test_the_resubmission_is_the_one_graded(term):
    assert term.submitted_versions[RESUBMITTER] == 2
    # the first version lacked adam (and what builds on it): full marks mean the second counted
    assert sum(a or 0.0 for a, _, _ in term.after_grade[RESUBMITTER]["cells"].values()) == \
        AUTO_MAX


def test_manual_grades_entered_in_formgrader_are_saved(term):
    for student, marks in HAND_GRADED.items():
        cells = term.after_manual[student]["cells"]
        for cell, (score, comment) in marks.items():
            assert cells[cell][1:] == (score, comment)
        assert term.after_manual[student]["score"] == AUTO_MAX + sum(s for s, _ in
                                                                     marks.values())


def test_graders_see_the_mark_scheme_next_to_the_answer(term):
    assert all(seen["mark_scheme"] for seen in term.browser.values()), term.browser


def test_formgrader_renders_formulas_without_a_network(term):
    # the machine is offline: MathJax comes from the course's formgrader extension
    assert all(seen["formulas"] >= 10 for seen in term.browser.values()), term.browser


def test_graders_see_the_students_figures(term):
    assert all(seen["images"] > 0 for seen in term.browser.values()), term.browser


def test_feedback_shows_the_figures_without_fontconfig_noise(term):
    for student in STUDENTS:
        html = _feedback(term, student)
        assert "data:image/png;base64," in html, student
        assert "Fontconfig" not in html, student


def test_formgrader_autograde_stays_refused_during_the_term(term):
    assert not any("autograde" in name for name in term.errors)


def test_regrade_keeps_every_manual_score_and_comment_of_unchanged_work(term):
    for student, marks in HAND_GRADED.items():
        cells = term.after_regrade[student]["cells"]
        for cell, (score, comment) in marks.items():
            if (student, cell) == (LATE, "q2_answer"):
                continue  # resubmitted: see the next test
            assert cells[cell][1:] == (score, comment), f"{student} {cell} lost"
    assert term.after_regrade[ON_TIME]["score"] == term.after_manual[ON_TIME]["score"]


def test_a_resubmitted_answer_is_reported_for_a_new_look_and_its_old_grade_kept_aside(term):
    cells = term.after_regrade[LATE]["cells"]
    assert cells["q2_answer"][1:] == (None, None)  # the new text has not been read yet
    assert f"{LATE}/{HW} q2_answer: changed since it was graded by hand (4.5 points)" in \
        term.regrade_report
    assert "q1_answer" not in term.regrade_report.split("## Manual grades to look at again")[1]
    history = json.loads((term.course / "grading_state" / f"{LATE}__{HW}.json").read_text())
    assert {(h["cell"], h.get("manual_score"), h.get("manual_comment"))
            for h in history["history"]} == {("q2_answer", 4.5, None),
                                             ("q2_answer", None, "SGD case missing.")}


def test_regrade_loses_no_student_and_no_autograded_point(term):
    assert term.regrade_rc == 0
    assert sorted(term.after_regrade) == STUDENTS
    for student in STUDENTS:
        before = {c: v[0] for c, v in term.after_grade[student]["cells"].items()}
        after = {c: v[0] for c, v in term.after_regrade[student]["cells"].items()}
        assert before == after, student


def test_gradebook_records_submission_times(term):
    for student in STUDENTS:  # the exchange's timestamp.txt, the resubmission's for LATE
        recorded = policy.as_utc(term.after_regrade[student]["timestamp"])
        assert recorded == term.stamps[student], student
    assert term.stamps[LATE] > term.due > term.stamps[ON_TIME]


def test_feedback_is_released_and_fetched(term):
    assert not term.errors, term.errors
    for student in STUDENTS:
        fetched = list((term.home(student) / COURSE_ID / HW / "feedback").glob("*/*.html"))
        assert fetched, f"{student} got no feedback"


def test_feedback_is_offline_and_shows_no_mark_scheme(term):
    for student in STUDENTS:
        html = (term.course / "feedback" / student / HW / f"{HW}.html").read_text()
        assert "Instructor only" not in html and "Mark scheme" not in html
        assert 'id="dl-offline-mathjax"' in html and "cdnjs" not in html


def test_feedback_carries_the_manual_grades(term):
    # already the feedback make grade wrote on the regrade, and nbgrader's own afterwards
    for html in (term.feedback_after_regrade[ON_TIME], _feedback(term, ON_TIME)):
        assert HAND_GRADED[ON_TIME]["q1_answer"][1] in html
        assert HAND_GRADED[ON_TIME]["q2_answer"][1] in html
    assert HAND_GRADED[LATE]["q1_answer"][1] in term.feedback_after_regrade[LATE]
    assert HAND_GRADED[LATE]["q2_answer"][1] not in term.feedback_after_regrade[LATE]


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_late_submission_is_penalised_as_configured_and_the_csvs_agree(term):
    rows = {r[0]: r for r in _table(term.exports["csv"])[1:]}
    raw = {s: float(rows[s][2]) for s in STUDENTS}
    final = {s: float(rows[s][7]) for s in STUDENTS}
    assert raw == {s: term.after_regrade[s]["score"] for s in STUDENTS}
    for student in STUDENTS:
        expected = raw[student] - (10.0 if student == LATE else 0.0)  # 10 % of 100, 1 hour
        assert final[student] == pytest.approx(expected), (student, rows[student])
        if student != LATE:
            assert rows[student][8] == "on time", rows[student]
    assert rows[LATE][8].endswith("late: -10 points")
    # make grade's own files say the same: its report names the late student, its
    # final_grades.csv is the export's, its grades.csv holds the raw scores
    assert f"- {LATE} / {HW}: " in term.regrade_report and "late: -10 points" in \
        term.regrade_report
    assert (term.out / "final_grades.csv").read_text() == term.exports["csv"]
    grades = {r[1]: float(r[2]) for r in _table((term.out / "grades.csv").read_text())[1:]}
    assert grades == raw
    canvas = _table(term.exports["canvas"])
    assert canvas[0] == export.CANVAS_IDENTITY + [HW]
    assert {r[2]: float(r[5]) for r in canvas[2:]} == final
    moodle = _table(term.exports["moodle"])
    assert {r[0]: float(r[2]) for r in moodle[1:]} == final


def test_every_graded_notebook_and_feedback_file_exists(term):
    for student in STUDENTS:
        assert (term.course / "autograded" / student / HW / f"{HW}.ipynb").is_file()
        assert (term.course / "feedback" / student / HW / f"{HW}.html").is_file()
