"""The grading pipeline's mechanics on a tiny homework (fast to execute).

Covers what does not depend on a particular homework: validation catching a broken homework,
a warning on stderr, a deleted test cell, an endless loop, a kernel crash, a renamed
notebook, an LMS zip, and nbgrader's exchange flow end to end. Every nbgrader call runs in a
temporary course copy with a fresh gradebook, under a wall-clock limit.
"""

import contextlib
import csv
import functools
import os
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import synthetic
from nbcells import answer, given_code, instructions, notebook, written
from nbcells import tests as make_test_cell  # renamed: pytest collects "tests"
from traitlets.config import Config

from tools.grading import batch, nbg, release, server, submission, validate
from tools.grading.paths import CONFIG_FILE, ensure_venv_on_path

ROOT = Path(__file__).resolve().parents[1]


pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.timeout(900)]

TINY = "tiny"
LEAKY = "leaky"

SQUARE = '''
def square(x):
    """x * x, elementwise."""
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION
'''
TEST_SQUARE = """
from dlhelpers import grading as G

G.assert_close(G.call_student(square, 3.0), 9.0, name="square(3)")
### BEGIN HIDDEN TESTS
G.assert_close(G.call_student(square, np.arange(4.0)), np.arange(4.0) ** 2, name="hidden_square_array")
### END HIDDEN TESTS
"""
HALF = '''
def half(x):
    ### BEGIN SOLUTION
    return x / 2
    ### END SOLUTION
'''
TEST_HALF = """
from dlhelpers import grading as G

G.assert_close(G.call_student(half, 4.0), 2.0, name="half(4)")
### BEGIN HIDDEN TESTS
G.assert_close(G.call_student(half, -1.0), -0.5, name="hidden_half_negative")
### END HIDDEN TESTS
"""


def _tiny_notebook(*, test_half: str = TEST_HALF, half: str = HALF):
    return notebook([
        instructions("intro", "# A tiny homework\nTwo functions and one question."),
        given_code("setup", "import numpy as np\nfrom dlhelpers import grading"),
        answer("square", SQUARE),
        make_test_cell("test_square", 2, TEST_SQUARE),
        answer("half", half),
        make_test_cell("test_half", 1, test_half),
        written("why", 1, "**Model answer.** Because squaring is symmetric."),
    ])


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """``source/tiny`` (a good homework) and ``source/leaky`` (two authoring mistakes)."""
    ensure_venv_on_path()
    src = tmp_path_factory.mktemp("sources") / "source"
    good = _tiny_notebook()
    # leaky: its half test passes on the stub, and its square solution is wrong
    bad = _tiny_notebook(test_half="print('no real test')\n### BEGIN HIDDEN TESTS\n"
                                   "### END HIDDEN TESTS")
    for cell in bad.cells:
        if synthetic.grade_id(cell) == "square":
            cell.source = cell.source.replace("return x * x", "return x + x")
    for hw, nb in ((TINY, good), (LEAKY, bad)):
        (src / hw).mkdir(parents=True)
        nbformat.write(nb, src / hw / f"{hw}.ipynb")
    return src


@pytest.fixture(scope="module")
def course(sources, tmp_path_factory):
    root, template = release.build_course(tmp_path_factory.mktemp("course"), [TINY],
                                          source_dir=sources)
    return root, template


def _submission(course, sources, *, square=None, delete=None):
    root, _ = course
    released = synthetic.read(root / "release" / TINY / f"{TINY}.ipynb")
    nb = synthetic.fill(released, synthetic.read(sources / TINY / f"{TINY}.ipynb"), ["square", "half"])
    if square is not None:
        synthetic.set_answer(nb, "square", square)
    if delete:
        synthetic.delete_cell(nb, delete)
    return nb


SCENARIOS = {
    # student: (square answer or None for the solution, deleted cell, expected per test cell)
    "correct": (None, None, {"test_square": 2, "test_half": 1}),
    "warns": ("import warnings\n\ndef square(x):\n    warnings.simplefilter('always')\n"
              "    warnings.warn('slow square', RuntimeWarning, stacklevel=1)\n    return x * x",
              None, {"test_square": 2, "test_half": 1}),
    "deleter": (None, "test_square", {"test_square": 2, "test_half": 1}),
    "wrong_deleter": ("def square(x):\n    return x + x", "test_square",
                      {"test_square": 0, "test_half": 1}),
    "looper": ("def square(x):\n    while True:\n        pass", None,
               {"test_square": 0, "test_half": 1}),
    "patcher": ("import numpy as np\n\nnp.testing.assert_allclose = lambda *a, **k: None\n"
                "np.allclose = lambda *a, **k: True\n\ndef square(x):\n    return x + x",
                None, {"test_square": 0, "test_half": 0}),  # tampering voids every later test
    "stderr": ("import sys\n\ndef square(x):\n    print('debug', file=sys.stderr)\n"
               "    return x * x", None, {"test_square": 0, "test_half": 1}),
}


@pytest.fixture(scope="module")
def batch_run(course, sources, tmp_path_factory):
    root, template = course
    tmp = tmp_path_factory.mktemp("batch")
    subs = tmp / "submissions"
    for student, (square, delete, _) in SCENARIOS.items():
        synthetic.write(_submission(course, sources, square=square, delete=delete), subs,
                      student, TINY)
    crash = _submission(course, sources,
                        square="import os\n\ndef square(x):\n    os._exit(1)")
    synthetic.write(crash, subs, "crasher", TINY)
    renamed = subs / "renamer" / TINY / f"{TINY} (1).ipynb"
    renamed.parent.mkdir(parents=True)
    nbformat.write(_submission(course, sources), renamed)
    extra = Config()
    extra.Execute.timeout = 4  # the looping submission must be cut short
    report = batch.grade_folder(subs, [TINY], course_dir=tmp / "course", out_dir=tmp / "grades",
                                template_db=template, gradebook=tmp / "course" / "gradebook.db",
                                extra=extra, source_dir=sources)
    return report, tmp


@pytest.mark.parametrize("student", sorted(SCENARIOS))
def test_each_scenario_scores_as_expected(batch_run, student):
    report, _ = batch_run
    result = next(r for r in report.results if r.student == student)
    assert result.ok, result.error
    got = {c.cell: c.score for c in result.cells if c.autograded}
    assert got == SCENARIOS[student][2]


def test_a_kernel_crash_fails_only_that_submission(batch_run):
    report, tmp = batch_run
    assert [r.student for r in report.failed] == ["crasher"]
    assert len(report.results) == len(SCENARIOS) + 2
    row = next(r for r in csv.DictReader(open(report.grades_csv)) if r["student_id"] == "crasher")
    assert row["failed"] == "1" and float(row["score"]) == 0
    assert "FAILED" in report.summary()


def test_a_renamed_notebook_is_graded_and_flagged(batch_run):
    report, _ = batch_run
    renamer = next(r for r in report.results if r.student == "renamer")
    assert renamer.ok and renamer.auto_score == 3
    assert any("renamed" in f for f in renamer.flags)


def test_feedback_hides_hidden_tests_but_keeps_messages(batch_run):
    report, tmp = batch_run
    html = (tmp / "course" / "feedback" / "wrong_deleter" / TINY / f"{TINY}.html").read_text()
    assert "square(3): expected 9, got 6" in html  # the failure message the student needs...
    assert "np.arange(4.0) ** 2" not in html  # ...but not the hidden test's code
    assert "BEGIN HIDDEN TESTS" not in html


def test_validate_passes_a_good_homework_and_catches_a_leaky_one(sources):
    checks = {c.hw: c for c in validate.validate_homework([TINY, LEAKY], source_dir=sources,
                                                          committed_release=None)}
    assert checks[TINY].ok, validate.table(list(checks.values()))
    leaky = checks[LEAKY]
    assert not leaky.ok
    assert any("test_square" in f or "square" in f for f in leaky.source_failures) or \
        leaky.source_failures, leaky.source_failures
    assert any("test_half passes on the stub" in p for p in leaky.problems), leaky.problems
    assert "FAILED" in validate.table([leaky])


def test_lms_zip_is_collected_and_graded(course, sources, tmp_path):
    root, template = course
    nb = _submission(course, sources)
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"carol_{TINY}.ipynb", nbformat.writes(nb))
        zf.writestr(f"dave_{TINY}.ipynb", nbformat.writes(synthetic.read(
            root / "release" / TINY / f"{TINY}.ipynb")))
    unpacked = batch.collect_zip(archive, TINY, tmp_path / "lms")
    folder = unpacked.folder
    assert sorted(p.name for p in folder.iterdir()) == ["carol", "dave"] and not unpacked.rejected
    report = batch.grade_folder(folder, [TINY], course_dir=tmp_path / "course",
                                out_dir=tmp_path / "grades", template_db=template,
                                gradebook=tmp_path / "course" / "gradebook.db", source_dir=sources)
    scores = {r.student: r.auto_score for r in report.results}
    assert scores == {"carol": 3.0, "dave": 0.0}


def test_subprocess_executor_grades_and_enforces_the_wall_clock(course, sources, tmp_path):
    _, template = course
    subs = tmp_path / "subs"
    good = synthetic.write(_submission(course, sources), subs, "sub", TINY)
    result = submission.grade_submission(TINY, "sub", good, template_db=template,
                                         workdir=tmp_path / "w", feedback=False,
                                         executor=submission.autograde_in_subprocess,
                                         source_dir=sources)
    assert result.ok and result.auto_score == 3, result.error
    endless = synthetic.write(_submission(course, sources, square=SCENARIOS["looper"][0]), subs,
                            "slow", TINY)
    result = submission.grade_submission(TINY, "slow", endless, template_db=template,
                                         workdir=tmp_path / "w", feedback=False, timeout=15,
                                         executor=submission.autograde_in_subprocess,
                                         source_dir=sources)
    assert not result.ok and "took longer" in result.error
    assert result.auto_score == 0



# Writes a forged answer into every pipe the kernel holds: an answer pipe leaked from the
# grading worker would be one of them (a kernel's own sockets are left alone: garbage there
# only hangs the kernel until the wall clock, which another test covers).
FORGER = """import os

FORGED = b'\\n{"success": true, "error": "", "log": ""}\\n'
for name in os.listdir('/proc/self/fd'):
    try:
        if os.readlink(f'/proc/self/fd/{name}').startswith('pipe:'):
            os.write(int(name), FORGED)
    except OSError:
        pass

def square(x):
    return x + x"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _processes_mentioning(text: str) -> list[int]:
    """Running processes whose command line names ``text`` (a course copy's path, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes() and _alive(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_one_warm_worker_grades_each_submission_in_a_process_of_its_own(course, sources,
                                                                        tmp_path):
    """Step 1 of the scale issue: nbgrader is imported once per grading process. Each
    submission is graded in its own process forked from the warm one; nothing a kernel
    writes can pose as the answer; a submission over its time budget has its process
    killed, and the next student is graded by the same warm parent without waiting."""
    _, template = course
    subs = tmp_path / "subs"
    grader = server.GradingServer()
    executor = functools.partial(submission.autograde_sandboxed, server=grader)

    def grade(student, nb, **kw):
        path = synthetic.write(nb, subs, student, TINY)
        return submission.grade_submission(TINY, student, path, template_db=template,
                                           workdir=tmp_path / "w", feedback=False,
                                           executor=executor, source_dir=sources, **kw)

    try:
        for student in ("ann", "bob", "cat"):
            result = grade(student, _submission(course, sources))
            assert result.ok and result.auto_score == 3, result.error
        warm = grader.proc.pid
        assert grader.started == 1 and len(set(grader.graded_by)) == 3
        assert warm not in grader.graded_by
        forged = grade("fay", _submission(course, sources, square=FORGER), timeout=120)
        assert forged.ok, forged.error
        assert {c.cell: c.score for c in forged.cells if c.autograded} == {"test_square": 0,
                                                                           "test_half": 1}
        slow = grade("lou", _submission(course, sources, square=SCENARIOS["looper"][0]),
                     timeout=15)
        assert not slow.ok and "took longer" in slow.error and slow.auto_score == 0
        assert not _alive(grader.graded_by[-1])  # its grading process was killed and reaped
        after = grade("max", _submission(course, sources))
        assert after.ok and after.auto_score == 3, after.error
        # the same warm parent all along; six submissions, six grading processes, none left
        assert grader.started == 1 and grader.proc.pid == warm
        assert len(set(grader.graded_by)) == 6
        assert not any(_alive(pid) for pid in grader.graded_by)
        # the warm parent killed in the middle of a submission takes its grading process
        # (and that one's sandboxed kernel) along; the submission fails, the next is graded
        import threading

        outcome = {}
        running = threading.Thread(target=lambda: outcome.setdefault("r", grade(
            "kim", _submission(course, sources, square=SCENARIOS["looper"][0]), timeout=120)))
        running.start()
        deadline = time.monotonic() + 60
        while len(grader.graded_by) < 7 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # its kernel is up and looping
        os.kill(warm, 9)
        running.join(60)
        assert not outcome["r"].ok and "exited" in outcome["r"].error
        time.sleep(1)
        assert not _alive(grader.graded_by[-1])
        last = grade("ned", _submission(course, sources))
        assert last.ok and last.auto_score == 3 and grader.started == 2, last.error
        # the server gone (its end of the request pipe closed) in the middle of a submission:
        # the warm parent kills that grading process at once and exits
        running = threading.Thread(target=lambda: outcome.__setitem__("r", grade(
            "ole", _submission(course, sources, square=SCENARIOS["looper"][0]), timeout=120)))
        running.start()
        while len(grader.graded_by) < 9 and time.monotonic() < deadline + 120:
            time.sleep(0.1)
        time.sleep(2)
        parent = grader.proc
        parent.stdin.close()
        assert parent.wait(timeout=20) == 0
        running.join(60)
        assert not outcome["r"].ok and "without an answer" in outcome["r"].error
        assert not _alive(grader.graded_by[-1])
    finally:
        grader.stop()
    assert grader.proc is None
    assert _processes_mentioning(str(tmp_path / "w")) == []  # no grader, kernel or helper left


def _fake_worker(lines: list[bytes]) -> server._Worker:
    """A warm parent that has already sent ``lines`` (and does nothing else)."""
    import subprocess
    import tempfile

    read, write = os.pipe()
    worker = server._Worker(subprocess.Popen(["sleep", "60"], stdin=subprocess.PIPE, text=True,
                                             start_new_session=True),
                            read, tempfile.TemporaryFile())
    os.write(write, b"".join(lines))
    os.close(write)
    return worker


def test_an_answer_without_the_request_id_is_refused(tmp_path):
    """Whatever reaches the answer pipe must echo the random id of the request it answers;
    anything else fails the submission and replaces the warm parent."""
    grader = server.GradingServer()
    grader.worker = _fake_worker([b'{"success": true, "error": "", "log": "", "id": "forged"}\n'])
    answer = grader.autograde(tmp_path, "tiny", "eve", None, 10, {})
    assert answer["success"] is False and "does not belong" in answer["error"]
    assert grader.worker is None  # killed and reaped


def test_a_grading_process_that_fails_before_grading_says_why(tmp_path):
    """A grading process that cannot even open its log (its course copy is gone) answers
    with the traceback, in this submission's answer (never in a log another student's
    shares); the warm parent stays."""
    grader = server.GradingServer()
    try:
        answer = grader.autograde(tmp_path / "gone", TINY, "amy", None, 60, {})
        assert answer["success"] is False and "FileNotFoundError" in answer["error"]
        assert "Traceback" in answer["log"] and grader.proc.poll() is None
    finally:
        grader.stop()


def test_an_answer_cut_in_the_middle_fails_that_submission_only():
    """A grading process killed while it wrote its answer (its memory limit, say) leaves
    half a line; the warm parent's exit line starts on a new line, and the submission
    fails with the exit status instead of replacing the warm parent."""
    grader = server.GradingServer()
    grader.worker = _fake_worker([b'{"id": "n1", "pid": 99999999}\n',
                                  b'{"id": "n1", "success": true, "log": "tracebac',
                                  b'\n{"id": "n1", "exit": -9}\n'])
    answer = grader._answer("n1", time.monotonic() + 10, "late")
    assert answer["success"] is False and "exited -9 without an answer" in answer["error"]
    assert grader.worker is not None
    grader.stop()


def test_a_late_line_of_an_answered_request_is_dropped():
    """A grading process slow to die may still write for its own request: that line must not
    fail the next student."""
    grader = server.GradingServer()
    grader._answered.add("old")
    grader.worker = _fake_worker([b'{"id": "old", "exit": 0}\n', b'{"id": "n1", "pid": 99999999}\n',
                                  b'{"id": "n1", "success": true, "log": ""}\n',
                                  b'{"id": "n1", "exit": 0}\n'])
    assert grader._answer("n1", time.monotonic() + 10, "late") == {"success": True, "log": ""}
    grader.stop()


def test_a_grading_process_that_dies_without_an_answer_fails_its_submission_only():
    """The warm parent reports the exit of a grading process that never answered (killed
    by the memory limit, say): that submission fails with the exit status, and the warm
    parent keeps serving."""
    grader = server.GradingServer()
    grader.worker = _fake_worker([b'{"id": "n1", "pid": 99999999}\n',
                                  b'{"id": "n1", "exit": -9}\n'])
    answer = grader._answer("n1", time.monotonic() + 10, "late")
    assert answer["success"] is False and "exited -9 without an answer" in answer["error"]
    assert grader.worker is not None
    grader.stop()


# ---------------------------------------------------------------- nbgrader's exchange flow

def _write_config(folder: Path, exchange: Path, *, course_root: Path | None = None) -> None:
    lines = ["c = get_config()"]
    if course_root is not None:  # the instructor: the course config, re-rooted
        lines += [f"load_subconfig({str(CONFIG_FILE)!r})",
                  f"c.CourseDirectory.root = {str(course_root)!r}"]
    lines += ["c.CourseDirectory.course_id = 'dl-course'",
              f"c.Exchange.root = {str(exchange)!r}", "c.Exchange.path_includes_course = True"]
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")


def _nbgrader(cwd: Path, *args: str) -> str:
    from nbgrader.tests import run_nbgrader

    with contextlib.chdir(cwd), nbg.wall_clock(180, f"nbgrader {' '.join(args)}"):
        return run_nbgrader(list(args))


def test_exchange_flow_end_to_end(sources, course, tmp_path):
    _, template = course
    exchange, instructor, student = (tmp_path / n for n in ("exchange", "instructor", "student"))
    for folder in (exchange, instructor, student):
        folder.mkdir()
    release.stage_sources(instructor, [TINY], source_dir=sources)
    (instructor / "gradebook.db").write_bytes(template.read_bytes())  # fresh: no students
    _write_config(instructor, exchange, course_root=instructor)
    _write_config(student, exchange)

    _nbgrader(instructor, "generate_assignment", TINY, "--force")
    _nbgrader(instructor, "release_assignment", TINY, "--force")
    _nbgrader(student, "fetch_assignment", TINY)
    fetched = student / "dl-course" / TINY / f"{TINY}.ipynb"
    source = synthetic.read(sources / TINY / f"{TINY}.ipynb")
    nbformat.write(synthetic.fill(synthetic.read(fetched), source, ["square"]), fetched)
    _nbgrader(student, "submit", TINY)
    _nbgrader(instructor, "collect", TINY)
    submitted = list((instructor / "submitted").glob(f"*/{TINY}/{TINY}.ipynb"))
    assert len(submitted) == 1
    who = submitted[0].parents[1].name
    _nbgrader(instructor, "autograde", TINY)
    _nbgrader(instructor, "generate_feedback", TINY)
    _nbgrader(instructor, "release_feedback", TINY)
    _nbgrader(student, "fetch_feedback", TINY)

    with nbg.gradebook(instructor / "gradebook.db") as gb:
        grades = {g.name: g.score for g in gb.find_submission_notebook(TINY, TINY, who).grades}
    assert grades["test_square"] == 2 and grades["test_half"] == 0
    feedback = list((student / "dl-course" / TINY / "feedback").glob(f"*/{TINY}.html"))
    assert len(feedback) == 1
    html = feedback[0].read_text()
    assert "BEGIN HIDDEN TESTS" not in html and "np.arange(4.0) ** 2" not in html


def test_regrades_keep_manual_grades_and_record_the_submission_time(course, sources, tmp_path):
    """Issue 16 builds on this: a regrade never loses what the instructor entered by hand."""

    _, template = course
    subs, course_dir = tmp_path / "subs", tmp_path / "course"
    db = course_dir / "gradebook.db"
    nb = _submission(course, sources)
    synthetic.set_answer(nb, "why", "Because (-x)^2 = x^2.")
    path = synthetic.write(nb, subs, "erin", TINY)
    (path.parent / "timestamp.txt").write_text("2026-03-01 12:30:00.000000 UTC")

    def grade():
        return batch.grade_folder(subs, [TINY], course_dir=course_dir, out_dir=tmp_path / "g",
                                  template_db=template, gradebook=db, source_dir=sources)

    grade()
    assert (course_dir / "autograded" / "erin" / TINY / "timestamp.txt").is_file()
    with nbg.gradebook(db) as gb:
        sub = gb.find_submission(TINY, "erin")
        assert sub.timestamp is not None and (sub.timestamp.month, sub.timestamp.hour) == (3, 12)
        nbk = sub.notebooks[0]
        gb.find_grade("why", TINY, TINY, "erin").manual_score = 0.5
        gb.find_grade("test_half", TINY, TINY, "erin").manual_score = 0.25  # an override
        gb.find_comment("why", TINY, TINY, "erin").manual_comment = "Say why it matters."
        gb.db.commit()
        assert nbk is not None
    # the same submission again: every manual grade and comment is kept
    again = grade()
    assert again.regrade_notes == [] and again.problems == []
    with nbg.gradebook(db) as gb:
        assert gb.find_grade("why", TINY, TINY, "erin").manual_score == 0.5
        assert gb.find_grade("test_half", TINY, TINY, "erin").manual_score == 0.25
        assert gb.find_comment("why", TINY, TINY, "erin").manual_comment == "Say why it matters."
    # a resubmission with a new written answer and the same code: the written grade needs a
    # new look (moved to the history file), the override on the unchanged code stays
    synthetic.set_answer(nb, "why", "A different answer.")
    synthetic.write(nb, subs, "erin", TINY)
    third = grade()
    assert any("erin/tiny why" in n and "new look" in n for n in third.regrade_notes)
    with nbg.gradebook(db) as gb:
        why = gb.find_grade("why", TINY, TINY, "erin")
        assert why.manual_score is None and why.needs_manual_grade
        assert gb.find_grade("test_half", TINY, TINY, "erin").manual_score == 0.25
        assert gb.find_comment("why", TINY, TINY, "erin").manual_comment is None
    history = (course_dir / "grading_state" / f"erin__{TINY}.json").read_text()
    assert '"manual_score": 0.5' in history and "Say why it matters." in history
    assert "new look" in third.report_md.read_text()


def test_parallel_grading_matches_a_serial_run(batch_run, course, sources, tmp_path):
    """Two workers grade the same class: every score, flag and CSV equals the serial run's,
    and the real gradebook is written by this process only (results imported in order)."""
    serial, serial_tmp = batch_run
    _, template = course
    extra = Config()
    extra.Execute.timeout = 4
    parallel = batch.grade_folder(serial_tmp / "submissions", [TINY], course_dir=tmp_path / "course",
                                  out_dir=tmp_path / "grades", template_db=template,
                                  gradebook=tmp_path / "course" / "gradebook.db", extra=extra,
                                  source_dir=sources, workers=2)

    def outcome(report):
        return [(r.student, r.ok, [(c.cell, c.score) for c in r.cells], sorted(r.flags))
                for r in report.results]

    assert outcome(parallel) == outcome(serial)
    for name in ("grades.csv", "parts.csv"):
        assert (tmp_path / "grades" / name).read_text() == (serial_tmp / "grades" / name).read_text()
    assert parallel.problems == [] and serial.problems == []


def test_a_long_student_id_is_graded(course, sources, tmp_path):
    """An id of 64 characters (the longest the LMS pattern allows) must not push the kernel's
    socket path past the 107-byte unix limit."""
    _, template = course
    student = "s" + "0123456789" * 6 + "abc"
    assert len(student) == 64
    synthetic.write(_submission(course, sources), tmp_path / "subs", student, TINY)
    report = batch.grade_folder(tmp_path / "subs", [TINY], course_dir=tmp_path / "course",
                                out_dir=tmp_path / "grades", template_db=template,
                                gradebook=tmp_path / "course" / "gradebook.db",
                                source_dir=sources)
    (result,) = report.results
    assert result.ok, result.error
    assert {c.cell: c.score for c in result.cells if c.autograded} == {"test_square": 2,
                                                                       "test_half": 1}
