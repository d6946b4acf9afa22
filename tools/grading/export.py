"""Grades out of the gradebook, late policy applied, as the CSV a learning platform imports.

Three formats (``python -m tools.course export --format ...``, ``make export FORMAT=...``):

``canvas``
    Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
    column per homework headed ``Name (canvas id)`` (a header without an id makes Canvas
    create a new assignment), and a ``Points Possible`` row. Canvas matches a row by ``ID``,
    ``SIS User ID`` or ``SIS Login ID``; give ``--roster`` (the CSV Canvas exports from the
    same gradebook) to take those, the sections and the assignment ids from Canvas itself.
``moodle``
    Moodle's "Import grades > CSV file": ``Username, Email address``, then one column per
    homework. In Moodle map "Username" to "username" (or "Email address" to "email
    address") and each homework column to its grade item.
``csv``
    One row per student and homework: the raw score, submission time, lateness, penalty and
    final score (what the instructor checks before uploading).

Scores are the gradebook's (autograded plus manual); a submission still waiting for a
manual grade is exported with what it has and listed by :func:`pending_manual`. The
submission time is the gradebook's, else the ``timestamp.txt`` nbgrader's exchange wrote.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import nbg
from . import policy as late_policy
from .paths import COURSE_DIR

FORMATS = ("canvas", "moodle", "csv")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
_CANVAS_HEADER = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")


@dataclass(frozen=True)
class StudentInfo:
    """Who a gradebook student is (names and email may be unknown: empty)."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""

    @property
    def sortable_name(self) -> str:
        """``Last, First`` as Canvas lists students; the id when no name is known."""
        if self.last_name or self.first_name:
            return ", ".join(p for p in (self.last_name, self.first_name) if p)
        return self.id


@dataclass(frozen=True)
class GradeRow:
    """One student's homework after the late policy (``raw`` None: nothing submitted)."""

    student: str
    hw: str
    raw: float | None
    max_score: float
    submitted: datetime | None
    late: late_policy.LateResult | None
    needs_manual: bool = False

    @property
    def final(self) -> float | None:
        return None if self.raw is None else self.late.final


def collect(gradebook: Path, *, course_dir: Path = COURSE_DIR,
            course_policy: late_policy.CoursePolicy | None = None,
            hws: list[str] | None = None) -> tuple[list[StudentInfo], list[str], list[GradeRow]]:
    """Students, homework and one :class:`GradeRow` per (student, homework) from the gradebook.

    Parameters
    ----------
    gradebook : Path
        nbgrader's ``gradebook.db``.
    course_dir : Path
        Where ``autograded/`` and ``submitted/`` are (for ``timestamp.txt`` files).
    course_policy : CoursePolicy, optional
        Default: ``course_policy.toml`` of ``course_dir`` (``assignments/course_policy.toml``).
    hws : list of str, optional
        Homework to export, in this order; default every assignment in the gradebook.
    """
    from nbgrader.api import MissingEntry

    course_policy = course_policy or late_policy.load(Path(course_dir)
                                                      / late_policy.POLICY_FILE.name)
    with nbg.gradebook(gradebook) as gb:
        students = sorted((_info(s) for s in gb.students), key=lambda s: s.id)
        hws = hws or sorted(a.name for a in gb.assignments)
        rows = []
        for hw in hws:
            max_score = float(gb.find_assignment(hw).max_score)
            for info in students:
                try:
                    sub = gb.find_submission(hw, info.id)
                except MissingEntry:
                    rows.append(GradeRow(info.id, hw, None, max_score, None, None))
                    continue
                stamp = (late_policy.as_utc(sub.timestamp) if sub.timestamp is not None
                         else _timestamp_file(course_dir, info.id, hw))
                raw = min(max(float(sub.score or 0.0), 0.0), max_score)
                late = late_policy.apply(stamp, course_policy.due.get(hw), raw, max_score,
                                         course_policy.late)
                rows.append(GradeRow(info.id, hw, raw, max_score, stamp, late,
                                     bool(sub.needs_manual_grade)))
    return students, hws, rows


def _info(student) -> StudentInfo:
    return StudentInfo(student.id, student.first_name or "", student.last_name or "",
                       student.email or "", str(student.lms_user_id or ""))


def _timestamp_file(course_dir: Path, student: str, hw: str) -> datetime | None:
    """The exchange's ``timestamp.txt`` of the graded (else the collected) submission."""
    for step in ("autograded", "submitted"):
        path = Path(course_dir) / step / student / hw / "timestamp.txt"
        if path.is_file():
            try:
                return late_policy.timestamp_from_file(path)
            except late_policy.PolicyError:
                return None
    return None


def pending_manual(rows: list[GradeRow]) -> list[str]:
    """``student/hw`` of every submission that still waits for a manual grade."""
    return [f"{r.student}/{r.hw}" for r in rows if r.needs_manual]


def number(value: float | None) -> str:
    """Two decimals at most, no trailing zeros, no exponent: ``88``, ``70.5``, ``''``."""
    if value is None:
        return ""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def read_canvas_roster(path: Path) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """A Canvas gradebook export: identity columns by login/SIS id, and assignment headers.

    Returns
    -------
    people : dict
        ``{SIS Login ID or SIS User ID: {identity column: value}}``.
    headers : dict
        ``{assignment name: "name (canvas id)"}`` for every column shaped like that.
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CANVAS_IDENTITY if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: not a Canvas gradebook export; expected the columns "
                             f"{CANVAS_IDENTITY}, missing {missing}")
        headers = {}
        for name in reader.fieldnames:
            match = _CANVAS_HEADER.match(name)
            if match and name not in CANVAS_IDENTITY:
                headers[match["name"]] = name
        people = {}
        for row in reader:
            if not row["ID"] or "Points Possible" in row["Student"]:
                continue
            identity = {c: row[c] for c in CANVAS_IDENTITY}
            for key in (row["SIS Login ID"], row["SIS User ID"]):
                if key:
                    people.setdefault(key, identity)
    return people, headers


def canvas_csv(students: list[StudentInfo], hws: list[str], rows: list[GradeRow], *,
               roster: Path | None = None) -> str:
    """The Canvas gradebook import file (final scores, late policy applied)."""
    people, headers = read_canvas_roster(roster) if roster else ({}, {})
    finals = {(r.student, r.hw): r.final for r in rows}
    maxima = {r.hw: r.max_score for r in rows}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CANVAS_IDENTITY + [headers.get(hw, hw) for hw in hws])
    writer.writerow(["Points Possible", "", "", "", ""] + [number(maxima.get(hw)) for hw in hws])
    for s in students:
        person = people.get(s.id) or {"Student": s.sortable_name, "ID": s.lms_user_id,
                                      "SIS User ID": s.id, "SIS Login ID": s.id, "Section": ""}
        writer.writerow([person[c] for c in CANVAS_IDENTITY]
                        + [number(finals.get((s.id, hw))) for hw in hws])
    return out.getvalue()


def moodle_csv(students: list[StudentInfo], hws: list[str], rows: list[GradeRow]) -> str:
    """The Moodle "Import grades > CSV file" file (final scores, late policy applied)."""
    finals = {(r.student, r.hw): r.final for r in rows}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Username", "Email address"] + hws)
    for s in students:
        writer.writerow([s.id, s.email] + [number(finals.get((s.id, hw))) for hw in hws])
    return out.getvalue()


def plain_csv(rows: list[GradeRow]) -> str:
    """Per student and homework: raw score, time, lateness, penalty, final, pending manual."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "assignment", "raw_score", "max_score", "submitted_utc",
                     "hours_late", "penalty", "final_score", "late_policy",
                     "needs_manual_grade"])
    for r in sorted(rows, key=lambda r: (r.student, r.hw)):
        if r.raw is None:
            writer.writerow([r.student, r.hw, "", number(r.max_score), "", "", "", "",
                             "no submission", 0])
            continue
        when = r.submitted.strftime("%Y-%m-%d %H:%M:%S") if r.submitted else ""
        hours = number(r.late.lateness.total_seconds() / 3600) if r.submitted else ""
        writer.writerow([r.student, r.hw, number(r.raw), number(r.max_score), when, hours,
                         number(r.late.penalty), number(r.final),
                         late_policy.describe(r.late) if r.submitted else "no timestamp",
                         int(r.needs_manual)])
    return out.getvalue()


def export(gradebook: Path, fmt: str, out: Path, *, course_dir: Path = COURSE_DIR,
           course_policy: late_policy.CoursePolicy | None = None,
           roster: Path | None = None, hws: list[str] | None = None) -> list[GradeRow]:
    """Write the ``fmt`` file to ``out``; returns the rows (for the pending-manual warning)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}")
    if not Path(gradebook).is_file():
        raise FileNotFoundError(f"no gradebook at {gradebook} (grade something first)")
    students, hws, rows = collect(gradebook, course_dir=course_dir,
                                  course_policy=course_policy, hws=hws)
    if fmt == "canvas":
        text = canvas_csv(students, hws, rows, roster=roster)
    elif fmt == "moodle":
        text = moodle_csv(students, hws, rows)
    else:
        text = plain_csv(rows)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text, encoding="utf-8")
    return rows
