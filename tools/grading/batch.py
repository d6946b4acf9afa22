"""Grade a folder (or an LMS zip) of submissions into the real gradebook; export CSVs."""

from __future__ import annotations

import contextlib
import csv
import functools
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from . import cluster, lms, nbg, sandbox
from .paths import (
    ARTIFACTS,
    CONFIG_FILE,
    COURSE_DIR,
    RELEASE_DIR,
    SOURCE_DIR,
    homework_names,
    notebook_name,
)
from .release import build_course, register_homework
from .report import Tripwire, write_report
from .server import GradingServer, shared_server
from .submission import (
    Executor,
    SubmissionResult,
    autograde_sandboxed,
    grade_submission,
    import_result,
)

#: LMS file names like ``alice_hw1_linear_classifiers.ipynb`` (student id without "_"),
#: matched against each member's name in the archive.
DEFAULT_ZIP_REGEXP = lms.DEFAULT_REGEXP


@dataclass
class Submission:
    """One notebook to grade; ``note`` records a repair such as a renamed file."""

    student: str
    hw: str
    notebook: Path
    note: str = ""


@dataclass
class BatchReport:
    """Everything one grading run produced."""

    results: list[SubmissionResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    grades_csv: Path | None = None
    parts_csv: Path | None = None
    report_md: Path | None = None
    isolation: str = ""
    problems: list[str] = field(default_factory=list)
    #: manual grades a resubmission made stale (moved to history) or kept without a record
    regrade_notes: list[str] = field(default_factory=list)
    #: final grades with the late policy applied (``make export FORMAT=csv``'s file)
    final_csv: Path | None = None
    #: per submission of this run: "on time" or "2.0 h late: -10 points"
    lateness: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def failed(self) -> list[SubmissionResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        """A short table for the terminal."""
        lines = [f"{'student':16s} {'homework':26s} {'auto':>11s} {'seconds':>8s}  notes"]
        for r in self.results:
            notes = "FAILED: " + r.error if not r.ok else ""
            manual = sum(1 for c in r.cells if c.needs_manual)
            if manual and r.ok:
                notes = f"{manual} answer(s) to grade by hand"
            if r.unfinished:
                notes += ("; " if notes else "") + "unfinished: " + ", ".join(r.unfinished)
            late = self.lateness.get((r.student, r.hw), "")
            if late and late != "on time":
                notes += ("; " if notes else "") + late
            if r.flags:
                notes += ("; " if notes else "") + "FLAGGED: " + "; ".join(r.flags)
            lines.append(f"{r.student:16s} {r.hw:26s} {r.auto_score:5.1f}/{r.auto_max:<5.1f}"
                         f" {r.seconds:8.1f}  {notes}")
        lines += [f"skipped: {s}" for s in self.skipped]
        if self.results:
            median = statistics.median(r.seconds for r in self.results)
            lines.append(f"{len(self.results)} submission(s), {len(self.failed)} failed, "
                         f"median {median:.1f} s per submission")
        lines += [f"GRADEBOOK PROBLEM: {p}" for p in self.problems]
        lines += [f"REGRADE: {n}" for n in self.regrade_notes]
        if self.isolation:
            lines.append(f"isolation: {self.isolation}")
        if self.grades_csv:
            lines.append(f"grades: {self.grades_csv}\nper part: {self.parts_csv}")
        if self.final_csv:
            lines.append(f"final grades (late policy applied): {self.final_csv}")
        if self.report_md:
            lines.append(f"report (flagged submissions): {self.report_md}")
        return "\n".join(lines)


def discover(submissions_dir: Path, hws: list[str]) -> tuple[list[Submission], list[str]]:
    """Find ``DIR/<student>/<hw>/<hw>.ipynb``.

    A homework folder holding exactly one notebook under another name (a renamed copy such as
    ``hw1 (1).ipynb``) is graded with a note; anything else is reported as skipped.
    """
    found, skipped = [], []
    for student_dir in sorted(p for p in Path(submissions_dir).iterdir() if p.is_dir()):
        for hw in hws:
            folder = student_dir / hw
            if not folder.is_dir():
                continue
            expected = folder / notebook_name(hw)
            if expected.is_file():
                found.append(Submission(student_dir.name, hw, expected))
                continue
            notebooks = sorted(folder.glob("*.ipynb"))
            if len(notebooks) == 1:
                found.append(Submission(student_dir.name, hw, notebooks[0],
                                        note=f"renamed notebook {notebooks[0].name}"))
            else:
                skipped.append(f"{student_dir.name}/{hw}: expected {notebook_name(hw)}, "
                               f"found {[p.name for p in notebooks]}")
    return found, skipped


def collect_zip(zip_path: Path, hw: str, dest: Path, *,
                regexp: str = DEFAULT_ZIP_REGEXP) -> lms.Unpacked:
    """Unpack an LMS download into ``dest/<student>/<hw>/`` with :func:`lms.unpack`.

    Returns what was written (``.folder``, ready for :func:`grade_folder`) and one line per
    rejected member (``.rejected``: traversal, links, nested archives, size or ratio caps,
    bad student ids, duplicates).
    """
    return lms.unpack(Path(zip_path), hw, Path(dest), regexp=regexp)


def grade_folder(submissions_dir: Path, hws: list[str] | None = None, *,
                 course_dir: Path = COURSE_DIR, out_dir: Path = ARTIFACTS / "grades",
                 extra: Config | None = None, timeout: float = 300.0,
                 gradebook: Path | None = None, template_db: Path | None = None,
                 source_dir: Path = SOURCE_DIR, executor: Executor | None = None,
                 limits: sandbox.Limits | None = None,
                 rejected: list[str] | None = None, workers: int = 1,
                 progress: bool | None = None, dask: str | None = None) -> BatchReport:
    """Grade every submission found, each in its own throwaway course copy.

    ``workers`` submissions are graded at once (``workers > 1``: in a pool of worker
    processes, each still running every kernel in its own sandbox). Results are imported
    into the real gradebook by this process alone, in the order the submissions were found,
    so scores, flags and CSVs are those of a serial run. ``progress`` shows a bar on the
    terminal (default: when stderr is a terminal). ``dask`` (a scheduler address, or
    ``"local"`` for an embedded LocalCluster of ``workers`` processes) grades on a Dask
    cluster instead (:mod:`cluster`): notebooks go to the workers as bytes and results come
    back as bytes; the gradebook is still written here only.

    Scores are imported into ``gradebook`` (default ``course_dir/gradebook.db``, created and
    told about the homework if needed); autograded notebooks and feedback land in
    ``course_dir/autograded`` and ``course_dir/feedback``; CSVs and ``grading_report.md``
    in ``out_dir``. ``template_db`` (a gradebook from :func:`release.build_course` that knows
    the homework) saves generating one.

    Student code runs in the sandbox of :mod:`sandbox` (``executor`` default:
    :func:`submission.autograde_sandboxed` with ``limits``); where bubblewrap is unavailable
    a warning is printed and written into the report. Around each submission a
    :class:`report.Tripwire` watches the real gradebook, the course and grading code and the
    other submissions; at the end the real gradebook is checked against what was imported.
    """
    hws = hws or homework_names(source_dir)
    gradebook = Path(gradebook or Path(course_dir) / "gradebook.db")
    report = BatchReport()
    found, report.skipped = discover(Path(submissions_dir), hws)
    report.skipped[:0] = list(rejected or [])  # e.g. members of an LMS zip that were refused
    graded_hws = sorted({s.hw for s in found})
    if not graded_hws:
        return report
    grader: GradingServer | str | None = None
    if dask and executor is not None:
        raise ValueError("a custom executor cannot be sent to Dask workers; expected "
                         "executor=None with dask")
    if dask:
        report.isolation = ("kernels sandboxed on the Dask workers at " + dask + " (a worker "
                            "without bubblewrap flags each submission it grades)")
    elif executor is None:
        # one warm grader for this run (serially), or one per pool process
        grader = GradingServer() if workers <= 1 else "thread"
        executor = functools.partial(autograde_sandboxed, limits=limits, server=grader)
        isolated, detail = sandbox.isolation()
        report.isolation = (f"kernel sandboxed with {detail} and OS limits" if isolated else
                            sandbox.FALLBACK_WARNING.format(reason=detail))
        if not isolated:
            print(report.isolation, file=sys.stderr)
        elif isinstance(grader, GradingServer):
            grader.warm()  # it imports nbgrader while the course is staged
    else:
        report.isolation = f"custom executor {getattr(executor, '__name__', executor)!r}"
    with tempfile.TemporaryDirectory(prefix="dl-grade-") as tmp, _stopped_after(grader):
        template = template_db or build_course(Path(tmp) / "template", graded_hws,
                                               source_dir=source_dir)[1]
        if gradebook.exists():
            register_homework(graded_hws, gradebook, source_dir=source_dir)
        else:  # a template knows the homework and no student: a ready-made real gradebook
            gradebook.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, gradebook)
        tripwire = Tripwire(_watched(found, course_dir, source_dir), gradebook)
        backup = Path(tmp) / "backup"

        def workdir(i: int) -> Path:
            return Path(tmp) / f"work-{i}"

        def job(i: int, sub: Submission) -> dict:
            return dict(hw=sub.hw, student=sub.student, notebook=sub.notebook,
                        template_db=template, workdir=workdir(i), extra=extra,
                        timeout=timeout, source_dir=source_dir, executor=executor,
                        released=_released(template, sub.hw), inside=Path(submissions_dir))

        bar = _progress_bar(len(found), progress)
        if dask:
            tripwire.arm(backup)
            graded = ((i, sub, result, True) for i, sub, result in cluster.graded_on_dask(
                found, dask, workers=workers, inside=Path(submissions_dir),
                source_dir=None if Path(source_dir) == SOURCE_DIR else Path(source_dir),
                extra=extra, timeout=timeout, limits=limits, tmp=Path(tmp)))
        else:
            graded = _graded(found, job, workers, tripwire, backup, warm=grader == "thread")
        for i, sub, result, parallel in graded:
            flags = tripwire.check()
            if parallel and flags:  # several submissions ran while the change happened
                flags = [f + " (graded in parallel: any submission running then)" for f in flags]
            result.flags.extend(flags)
            if sub.note:
                result.flags.append(sub.note)
            report.regrade_notes += import_result(result, gradebook, Path(course_dir))
            report.results.append(result)
            tripwire.arm(backup)  # our own import changed the gradebook: the new baseline
            shutil.rmtree(workdir(i), ignore_errors=True)  # nothing of this student stays around
            bar.update(1)
            bar.set_postfix(failed=len(report.failed), refresh=False)
        bar.close()
    report.problems = check_gradebook(gradebook, report.results)
    report.problems += refresh_feedback(Path(course_dir), gradebook, report.results, timeout)
    report.grades_csv, report.parts_csv = export_csv(gradebook, graded_hws, Path(out_dir),
                                                     failed={(r.student, r.hw) for r in report.failed})
    report.final_csv, report.lateness = export_final(gradebook, Path(course_dir), Path(out_dir),
                                                     report)
    report.report_md = write_report(Path(out_dir) / "grading_report.md", report.results,
                                    isolation=report.isolation, skipped=report.skipped,
                                    problems=report.problems, notes=report.regrade_notes,
                                    lateness=report.lateness)
    return report


def default_workers() -> int:
    """One grading worker per core."""
    return max(1, os.cpu_count() or 1)


def _graded(found: list[Submission], job, workers: int, tripwire: Tripwire, backup: Path,
            *, warm: bool = False):
    """Yield (index, submission, result, parallel) in the order found.

    Serially, the tripwire is armed right before each submission's code runs. With several
    workers it is armed once before the pool starts (and again by the caller after each
    import), and results are taken in order while later submissions keep running.
    """
    if workers <= 1 or len(found) <= 1:
        for i, sub in enumerate(found):
            tripwire.arm(backup)
            yield i, sub, grade_submission(**job(i, sub)), False
        return
    tripwire.arm(backup)
    # spawn: a clean interpreter per worker (no inherited threads, locks or open gradebooks)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(found)), mp_context=context,
                             initializer=_warm_grader if warm else None) as pool:
        futures = [pool.submit(grade_submission, **job(i, sub)) for i, sub in enumerate(found)]
        for i, (sub, future) in enumerate(zip(found, futures, strict=True)):
            yield i, sub, future.result(), True


@contextlib.contextmanager
def _stopped_after(grader):
    """The run's own warm grader (if any) ends with the run."""
    try:
        yield
    finally:
        if isinstance(grader, GradingServer):
            grader.stop()


def _warm_grader() -> None:
    """A pool process starts its warm grader before its first submission arrives."""
    shared_server().warm()


def _progress_bar(total: int, show: bool | None):
    """A terminal progress bar: submissions done, failures, time left."""
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="submission", file=sys.stderr,
                disable=(not sys.stderr.isatty()) if show is None else not show,
                dynamic_ncols=True)


def refresh_feedback(course_dir: Path, gradebook: Path, results: list[SubmissionResult],
                     timeout: float) -> list[str]:
    """Feedback again, in the real course, for submissions that keep manual grades.

    The grading copy knew no manual score or comment, so its feedback shows none; a regrade
    that kept them (see :func:`submission.import_result`) would otherwise hand out feedback
    without them. nbgrader's generate_feedback runs no student code: it converts the graded
    notebook with the course's feedback settings (hidden tests and mark scheme stripped).
    """
    from nbgrader.api import MissingEntry

    todo = []
    with nbg.gradebook(gradebook) as gb:
        for r in results:
            if not r.ok or r.feedback_dir is None:
                continue
            try:
                sub = gb.find_submission(r.hw, r.student)
            except MissingEntry:
                continue
            if any(g.manual_score is not None for nb in sub.notebooks for g in nb.grades) or \
                    any(c.manual_comment for nb in sub.notebooks for c in nb.comments):
                todo.append((r.hw, r.student))
    if not todo:
        return []
    api = nbg.make_api(nbg.load_config(course_dir, db_path=gradebook))
    problems = []
    for hw, student in todo:
        answer = nbg.run(lambda hw=hw, student=student: api.generate_feedback(hw, student,
                                                                                force=True),
                         f"generate_feedback {hw} for {student}", timeout=timeout, check=False)
        if not answer.get("success"):
            problems.append(f"{student}/{hw}: feedback with the manual grades could not be "
                            f"written ({str(answer.get('error', ''))[:200]})")
    return problems


def export_final(gradebook: Path, course_dir: Path, out_dir: Path,
                 report: BatchReport) -> tuple[Path | None, dict[tuple[str, str], str]]:
    """``final_grades.csv`` (late policy of ``course_dir/course_policy.toml`` applied).

    Returns the file and, per submission graded in this run, what the policy said of it. A
    policy file that cannot be read is a gradebook problem of the report, not a crash.
    """
    from . import export, policy

    out = out_dir / "final_grades.csv"
    try:
        rows = export.export(gradebook, "csv", out, course_dir=course_dir)
    except policy.PolicyError as exc:
        report.problems.append(f"late policy not applied: {exc}")
        return None, {}
    graded = {(r.student, r.hw) for r in report.results}
    return out, {(r.student, r.hw): (policy.describe(r.late) if r.submitted else "no timestamp")
                 for r in rows if (r.student, r.hw) in graded and r.late is not None}


def _released(template_db: Path, hw: str) -> Path:
    """The released notebook next to a template gradebook (else the committed release)."""
    beside = Path(template_db).parent / "release" / hw / notebook_name(hw)
    return beside if beside.is_file() else RELEASE_DIR / hw / notebook_name(hw)


def _watched(found: list[Submission], course_dir: Path, source_dir: Path) -> list[Path]:
    """What no submission's code may change: course, grading code, everyone's notebooks."""
    import dlhelpers

    return [CONFIG_FILE, Path(source_dir), Path(dlhelpers.__file__).resolve().parent,
            Path(__file__).resolve().parent, Path(course_dir) / "autograded",
            Path(course_dir) / "feedback", *(s.notebook for s in found)]


def check_gradebook(gradebook: Path, results: list[SubmissionResult]) -> list[str]:
    """Problems in the real gradebook after grading: impossible scores, unexpected grades.

    Every grade must lie in ``[0, max_score]``; every autograded cell of a submission graded
    in this run must hold exactly the auto score imported (0 for a failed submission). A
    manual score there is the instructor's override, kept across regrades on purpose.
    """
    from nbgrader.api import MissingEntry

    problems = []
    with nbg.gradebook(gradebook) as gb:
        for student in gb.students:
            for sub in student.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        for kind, value in (("auto", g.auto_score), ("manual", g.manual_score)):
                            if value is not None and not 0 <= value <= g.max_score + 1e-9:
                                problems.append(f"{student.id}/{sub.assignment.name} {g.name}: "
                                                f"{kind} score {value} outside [0, {g.max_score}]")
        for r in results:
            try:
                sub = gb.find_submission(r.hw, r.student)
            except MissingEntry:
                problems.append(f"{r.student}/{r.hw}: graded but missing from the gradebook")
                continue
            imported = {c.cell: (c.score if r.ok else 0.0) for c in r.cells if c.autograded}
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.name in imported and (g.auto_score or 0.0) != (imported[g.name] or 0.0):
                        problems.append(f"{r.student}/{r.hw} {g.name}: gradebook holds "
                                        f"{g.auto_score}, grading gave {imported[g.name]}")
    return problems


def export_csv(gradebook: Path, hws: list[str], out_dir: Path, *,
               failed: set[tuple[str, str]] = frozenset()) -> tuple[Path, Path]:
    """Write ``grades.csv`` (one row per student and homework) and ``parts.csv`` (per cell)."""
    from nbgrader.api import MissingEntry

    out_dir.mkdir(parents=True, exist_ok=True)
    grades_path, parts_path = out_dir / "grades.csv", out_dir / "parts.csv"
    with nbg.gradebook(gradebook) as gb, \
            open(grades_path, "w", newline="") as gf, open(parts_path, "w", newline="") as pf:
        grades = csv.writer(gf)
        parts = csv.writer(pf)
        grades.writerow(["assignment", "student_id", "score", "max_score", "auto_score",
                         "auto_max", "needs_manual_grade", "failed"])
        parts.writerow(["assignment", "student_id", "notebook", "cell", "kind", "score",
                        "max_score", "needs_manual_grade"])
        for hw in hws:
            for student in sorted(s.id for s in gb.students):
                try:
                    sub = gb.find_submission(hw, student)
                except MissingEntry:
                    continue
                auto = auto_max = 0.0
                for nb in sub.notebooks:
                    answers = {c.name for c in nb.notebook.solution_cells}
                    for g in sorted(nb.grades, key=lambda g: g.name):
                        kind = "written" if g.name in answers else "autograded"
                        if kind == "autograded":
                            auto += g.score or 0.0
                            auto_max += g.max_score
                        parts.writerow([hw, student, nb.name, g.name, kind, _fmt(g.score),
                                        _fmt(g.max_score), int(bool(g.needs_manual_grade))])
                grades.writerow([hw, student, _fmt(sub.score), _fmt(sub.max_score), _fmt(auto),
                                 _fmt(auto_max), int(bool(sub.needs_manual_grade)),
                                 int((student, hw) in failed)])
    return grades_path, parts_path


def _fmt(value) -> str:
    return "" if value is None else f"{float(value):g}"
