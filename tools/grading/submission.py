"""Grade ONE submission in a throwaway copy of the course, then import its scores.

:func:`grade_submission` builds ``workdir/<student>-<hw>/`` holding only

* ``source/<hw>/``: the homework's non-notebook files (no instructor notebook),
* ``gradebook.db``: a copy of a template gradebook that knows the homework and no student,
* ``submitted/<student>/<hw>/<hw>.ipynb``: this one submission,

runs autograde and generate_feedback there, and reads the per-cell grades back. Student code
can damage only that copy. :func:`import_result` then writes the scores into the real
gradebook, replacing any earlier submission of the same student and homework, so a failed
regrade never leaves a stale score behind.

The execution step is a parameter (``executor``) so that a sandboxed runner (bubblewrap,
resource limits) can replace :func:`autograde_in_process` without touching the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from . import nbg, report, sandbox
from .paths import SOURCE_DIR, notebook_name
from .release import stage_sources

DEFAULT_SUBMISSION_TIMEOUT = 300.0


@dataclass
class CellScore:
    """The grade of one graded cell (a test cell or a manually graded answer)."""

    notebook: str
    cell: str
    score: float | None
    max_score: float
    needs_manual: bool
    autograded: bool
    comment: str = ""


@dataclass
class SubmissionResult:
    """What grading one submission produced."""

    hw: str
    student: str
    ok: bool
    error: str = ""
    cells: list[CellScore] = field(default_factory=list)
    autograded_dir: Path | None = None
    feedback_dir: Path | None = None
    seconds: float = 0.0
    flags: list[str] = field(default_factory=list)
    log: str = ""
    timestamp: str | None = None
    #: per graded cell, a hash of what its grade depends on (see :func:`content_keys`)
    keys: dict[str, str] = field(default_factory=dict)
    staged_dir: Path | None = None
    #: answer cells left unfinished (still raising NotImplementedError): reported, not flagged
    unfinished: list[str] = field(default_factory=list)

    @property
    def auto_score(self) -> float:
        """Points earned on autograded cells (0 for a failed submission)."""
        return sum(c.score or 0.0 for c in self.cells if c.autograded) if self.ok else 0.0

    @property
    def auto_max(self) -> float:
        return sum(c.max_score for c in self.cells if c.autograded)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)

    def cell(self, name: str) -> CellScore:
        """The score of the graded cell ``name`` (its grade_id)."""
        for c in self.cells:
            if c.cell == name:
                return c
        raise KeyError(name)


Executor = Callable[[Path, str, str, Config, float], nbg.Answer]


def autograde_in_process(root: Path, hw: str, student: str, extra: Config | None,
                         timeout: float) -> nbg.Answer:
    """Autograde ``student``'s ``hw`` in the course copy ``root`` with nbgrader's Python API."""
    api = nbg.make_api(nbg.load_config(root, extra=extra))
    return nbg.run(lambda: api.autograde(hw, student, force=True, create=True),
                   f"autograde {hw} for {student}", timeout=timeout, check=False)


WORKER = Path(__file__).resolve().parent / "worker.py"


def autograde_in_subprocess(root: Path, hw: str, student: str, extra: Config | None,
                            timeout: float, *, prefix: Sequence[str] = (),
                            env: dict[str, str] | None = None) -> nbg.Answer:
    """Autograde in a separate process (optionally wrapped by ``prefix``, e.g. a sandbox).

    The process gets its own session and is killed with everything in it on timeout; the
    kernel (which jupyter_client starts in a session of its own) exits within a second when
    its parent dies (ipykernel's parent poller), measured here. Use ``functools.partial(autograde_in_subprocess, prefix=[...])`` as
    the ``executor`` of :func:`grade_submission`.
    """
    command = [*prefix, sys.executable, str(WORKER), str(root), hw, student,
               json.dumps(extra or {})]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session
        proc.communicate()
        return {"success": False, "error": f"autograde {hw} for {student} took longer than "
                f"{timeout:.0f} s", "log": ""}
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"success": False, "error": f"worker exited {proc.returncode}",
                "log": err[-5000:]}


def autograde_sandboxed(root: Path, hw: str, student: str, extra: Config | None,
                        timeout: float, *, limits: sandbox.Limits | None = None,
                        isolate: bool | None = None, server=None) -> nbg.Answer:
    """Autograde in a worker process whose kernel runs in the sandbox of :mod:`sandbox`.

    nbgrader itself (and the grading copy's gradebook) stays in the worker, outside the
    sandbox; the kernel gets the OS ``limits`` and, where bubblewrap works (or ``isolate``
    says so), a view of the data files only. The worker is killed at ``timeout``.

    ``server`` picks the worker: None, a fresh process for this submission; a
    :class:`server.GradingServer`, a process forked from its warm worker (nbgrader imported
    already); ``"thread"``, the warm worker of this thread (:func:`server.shared_server`:
    what a pool process or a Dask worker uses, as a server object cannot travel to it). A
    warm worker is used only where bubblewrap isolates the kernel.
    """
    cfg = sandbox.prepare(root, hw, limits or sandbox.Limits(), isolate=isolate)
    if extra is not None:
        cfg.merge(extra)
    env = sandbox.worker_env(root)
    # a warm worker only behind bubblewrap: outside a pid namespace the kernel, running as
    # the worker's user, could reach the warm worker's pipes through /proc
    if server is not None and (isolate if isolate is not None else sandbox.isolation()[0]):
        from .server import shared_server

        grader = shared_server() if server == "thread" else server
        return grader.autograde(root, hw, student, cfg, timeout, env)
    return autograde_in_subprocess(root, hw, student, cfg, timeout, env=env)


def feedback_in_process(root: Path, hw: str, student: str, extra: Config | None,
                        timeout: float) -> nbg.Answer:
    """generate_feedback (hidden tests stripped by the course config) in ``root``."""
    api = nbg.make_api(nbg.load_config(root, extra=extra))
    return nbg.run(lambda: api.generate_feedback(hw, student, force=True),
                   f"generate_feedback {hw} for {student}", timeout=timeout, check=False)


#: Files nbgrader's exchange puts next to a submission, carried into the autograded copy.
CARRIED_FILES = ("timestamp.txt", "submission_secret.txt")
#: Largest submitted notebook accepted (bytes).
MAX_NOTEBOOK_BYTES = 20 * 2**20


class UnsafeSubmission(ValueError):
    """A submission that is not a plain regular file inside the submissions folder."""


def read_regular(path: Path, *, limit: int, inside: Path | None = None) -> bytes:
    """The bytes of ``path``, refusing symlinks (in the path below ``inside`` too) and size.

    A symlinked submission must never read an instructor's file: every component from
    ``inside`` down is checked with ``lstat`` and the file is opened with ``O_NOFOLLOW``.
    """
    path = Path(path)
    if inside is not None:
        inside = Path(inside)
        try:
            parts = path.relative_to(inside).parts
        except ValueError:
            raise UnsafeSubmission(f"{path} is outside {inside}") from None
        current = inside
        for part in parts:
            current = current / part
            if current.is_symlink():
                raise UnsafeSubmission(f"{current.relative_to(inside)} is a symbolic link")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError as exc:
        raise UnsafeSubmission(f"{path.name} cannot be opened as a plain file "
                               f"({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeSubmission(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise UnsafeSubmission(f"{path.name} is {info.st_size} bytes, over the limit of "
                                   f"{limit}")
        return fh.read(limit + 1)


def preflight(data: bytes) -> dict:
    """The submitted notebook as JSON, or :class:`UnsafeSubmission` saying why it is not one."""
    try:
        nb = json.loads(data.decode("utf-8", errors="replace"))
    except RecursionError:
        raise UnsafeSubmission("the notebook is nested too deeply to be read") from None
    except ValueError:
        raise UnsafeSubmission("the notebook is not valid JSON (corrupt or not a notebook)") \
            from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise UnsafeSubmission("the notebook is not valid JSON (corrupt or not a notebook)")
    return nb


def stage_submission(workdir: Path, hw: str, student: str, notebook: Path,
                     template_db: Path, *, source_dir: Path = SOURCE_DIR,
                     data: bytes | None = None) -> Path:
    """Create the throwaway course copy for one submission; return its root.

    ``data`` is the notebook's content when the caller has already read it safely
    (:func:`read_regular`); the small files of :data:`CARRIED_FILES` next to the notebook
    are carried along when they are plain files.
    """
    # A short fixed-length name: the kernel's unix sockets live below root/runtime, and a
    # path over 107 bytes fails ("File name too long") for long student ids (up to 64).
    root = Path(workdir) / ("c-" + hashlib.sha256(f"{student}/{hw}".encode()).hexdigest()[:10])
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    stage_sources(root, [hw], notebooks=False, source_dir=source_dir)
    shutil.copyfile(template_db, root / "gradebook.db")
    dest = root / "submitted" / student / hw
    dest.mkdir(parents=True)
    if data is None:
        data = read_regular(Path(notebook), limit=MAX_NOTEBOOK_BYTES)
    (dest / notebook_name(hw)).write_bytes(data)
    for name in CARRIED_FILES:
        try:
            extra = read_regular(Path(notebook).parent / name, limit=4096)
        except UnsafeSubmission:
            continue
        (dest / name).write_bytes(extra)
    return root


def content_keys(nb: dict) -> dict[str, str]:
    """Per graded cell, a hash of what its grade depends on.

    A written answer depends on its own text; an autograded test cell on all the code the
    student wrote. A regrade keeps a manual score or comment whose key did not change.
    """
    code = []
    keys = {}
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        if meta.get("grade") and meta.get("solution") and meta.get("grade_id"):
            keys[str(meta["grade_id"])] = hashlib.sha256(src.encode()).hexdigest()
        if cell.get("cell_type") == "code" and not meta.get("locked"):
            code.append(src)
    keys["__code__"] = hashlib.sha256("\n\0".join(code).encode()).hexdigest()
    return keys


def read_timestamp(root: Path, hw: str, student: str) -> str | None:
    """The submission time nbgrader read from ``timestamp.txt`` (ISO text), if any."""
    from nbgrader.api import MissingEntry

    with nbg.gradebook(root / "gradebook.db") as gb:
        try:
            stamp = gb.find_submission(hw, student).timestamp
        except MissingEntry:
            return None
        return stamp.isoformat() if stamp is not None else None


def read_scores(root: Path, hw: str, student: str) -> list[CellScore]:
    """Per-cell grades of ``student``'s ``hw`` from the gradebook of the copy ``root``."""
    from nbgrader.api import MissingEntry

    with nbg.gradebook(root / "gradebook.db") as gb:
        try:
            submission = gb.find_submission(hw, student)
        except MissingEntry:
            return []
        cells = []
        for nb in submission.notebooks:
            comments = {c.name: (c.auto_comment or "") for c in nb.comments}
            answers = {cell.name for cell in nb.notebook.solution_cells}
            for grade in nb.grades:
                cells.append(CellScore(
                    notebook=nb.name, cell=grade.name, score=grade.score,
                    max_score=float(grade.max_score), needs_manual=bool(grade.needs_manual_grade),
                    autograded=grade.name not in answers, comment=comments.get(grade.name, "")))
        return sorted(cells, key=lambda c: (c.notebook, c.cell))


def post_checks(cells: list[CellScore], root: Path, hw: str, student: str) -> list[str]:
    """Flags for the instructor: impossible scores and manual scores nobody entered."""

    flags = [f"{c.cell}: score {c.score} exceeds its maximum {c.max_score}"
             for c in cells if c.score is not None and c.score > c.max_score + 1e-9]
    with nbg.gradebook(root / "gradebook.db") as gb:
        for s in gb.students:
            if s.id != student:
                flags.append(f"the grading gradebook gained a student {s.id!r}")
        for nb in gb.find_submission(hw, student).notebooks if cells else []:
            for grade in nb.grades:
                if grade.manual_score is not None:
                    flags.append(f"{grade.name}: a manual score appeared during autograding")
    return flags


def grade_submission(hw: str, student: str, notebook: Path, *, template_db: Path,
                     workdir: Path, extra: Config | None = None, feedback: bool = True,
                     timeout: float = DEFAULT_SUBMISSION_TIMEOUT,
                     executor: Executor = autograde_in_process,
                     source_dir: Path = SOURCE_DIR,
                     released: Path | None = None,
                     inside: Path | None = None) -> SubmissionResult:
    """Autograde one submission in its own throwaway course copy.

    Parameters
    ----------
    hw, student : str
        Homework name and student id.
    notebook : Path
        The submitted notebook.
    template_db : Path
        Gradebook that knows ``hw`` (from :func:`release.build_course`); it is copied.
    workdir : Path
        Where the copy is made (``workdir/<student>-<hw>``).
    extra : Config, optional
        nbgrader settings merged over the course config.
    feedback : bool
        Also write the feedback HTML (hidden tests stripped).
    timeout : float
        Wall-clock seconds for the autograde step.
    executor : callable
        Runs autograde in the copy; :func:`autograde_in_process` by default (trusted
        notebooks); :func:`autograde_sandboxed` for students' code.
    released : Path, optional
        The released notebook; when given, the submission is compared with it and the
        student's code scanned (:func:`report.static_flags`).
    inside : Path, optional
        The submissions folder: no component of ``notebook`` below it may be a symlink.

    Returns
    -------
    SubmissionResult
        ``ok`` is False when the submission could not be graded (a symlink, a file too
        large, corrupt or too deeply nested JSON, kernel death, timeout...); its autograded
        cells then count 0 and ``error`` says why in one line.
    """
    start = time.perf_counter()
    cfg = Config()
    cfg.TrustedExecute.grader_dir = str(Path(source_dir).parent / "graders")
    if extra is not None:
        cfg.merge(extra)
    try:
        data = read_regular(Path(notebook), limit=MAX_NOTEBOOK_BYTES, inside=inside)
        keys = content_keys(preflight(data))
    except UnsafeSubmission as exc:
        return SubmissionResult(hw=hw, student=student, ok=False, error=str(exc),
                                seconds=time.perf_counter() - start)
    root = stage_submission(workdir, hw, student, Path(notebook), template_db,
                            source_dir=source_dir, data=data)
    answer = executor(root, hw, student, cfg, timeout)
    autograded = root / "autograded" / student / hw
    ok = bool(answer.get("success")) and (autograded / notebook_name(hw)).is_file()
    cells = read_scores(root, hw, student)
    result = SubmissionResult(hw=hw, student=student, ok=ok, cells=cells,
                              error="" if ok else _short_error(answer),
                              autograded_dir=autograded if ok else None,
                              log=str(answer.get("log", "")), keys=keys,
                              timestamp=read_timestamp(root, hw, student),
                              staged_dir=root / "submitted" / student / hw)
    if ok:
        for name in CARRIED_FILES:  # issue 16's feedback release needs the submission time
            if (result.staged_dir / name).is_file() and not (autograded / name).exists():
                shutil.copyfile(result.staged_dir / name, autograded / name)
    if ok and feedback:
        fb = feedback_in_process(root, hw, student, cfg, timeout)
        fb_dir = root / "feedback" / student / hw
        if fb.get("success") and fb_dir.is_dir():
            result.feedback_dir = fb_dir
        else:
            result.flags.append("feedback could not be generated: " + _short_error(fb))
    if released is not None:
        result.flags[:0] = report.static_flags(Path(notebook), Path(released))
    if ok:
        result.flags.extend(report.runtime_flags(autograded / notebook_name(hw)))
        result.unfinished = report.unfinished_parts(autograded / notebook_name(hw))
    result.flags.extend(post_checks(cells, root, hw, student))
    result.seconds = time.perf_counter() - start
    return result


def _short_error(answer: dict) -> str:
    text = str(answer.get("error") or "").strip() or str(answer.get("log", "")).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    interesting = [ln for ln in lines if "Error" in ln or "error" in ln or "took longer" in ln]
    # nbgrader ends with a generic NbGraderException; the cause (DeadKernelError,
    # NotJSONError...) is on an earlier line
    specific = [ln for ln in interesting if "NbGraderException" not in ln
                and "Please see" not in ln]
    return (specific or interesting or lines or ["unknown error"])[-1][:300]


def import_result(result: SubmissionResult, gradebook: Path, course_dir: Path) -> list[str]:
    """Write one graded submission into the real gradebook and course folders.

    The only writer of the real gradebook. Auto scores are replaced by this run's (0 and a
    manual-review flag for a failed submission, so nothing stale survives). Manual scores
    and comments entered in formgrader are KEPT when what they judged is unchanged (same
    written answer text; for a test cell, the same code) and, when it changed, moved into
    ``course_dir/grading_state/<student>__<hw>.json`` (history) and the cell flagged for a
    new look. The submission time (``timestamp.txt``) is recorded. Returns report lines.

    Returns
    -------
    list of str
        What needs the instructor's attention: manual grades that no longer apply.
    """
    from nbgrader.api import MissingEntry

    for step in ("autograded", "feedback"):
        old = Path(course_dir) / step / result.student / result.hw
        if old.exists():
            shutil.rmtree(old)
    state_file = Path(course_dir) / "grading_state" / f"{result.student}__{result.hw}.json"
    state = _read_state(state_file)
    before = state.get("keys")  # None: no record (first grading by this pipeline)
    notes: list[str] = []
    with nbg.gradebook(gradebook) as gb:
        gb.update_or_create_student(result.student)
        try:
            sub = gb.find_submission(result.hw, result.student)
        except MissingEntry:
            sub = gb.add_submission(result.hw, result.student)
        sub.timestamp = _parse_time(result.timestamp)
        names = [c.cell for c in result.cells] or _graded_cell_names(gb, result.hw)
        scores = {c.cell: c for c in result.cells}
        for nb in sub.notebooks:
            answers = {cell.name for cell in nb.notebook.solution_cells}
            for grade in nb.grades:
                if grade.name not in names:
                    continue
                got = scores.get(grade.name)
                written = grade.name in answers
                if result.ok and got is not None:
                    grade.auto_score = got.score
                    grade.needs_manual_grade = got.needs_manual
                else:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = True
                if grade.manual_score is None:
                    continue
                key = grade.name if written else "__code__"
                if before is not None and before.get(key) == result.keys.get(key) \
                        and result.ok:
                    continue  # the same work: the instructor's score still applies
                if before is None and result.ok:
                    notes.append(f"{result.student}/{result.hw} {grade.name}: manual score "
                                 f"{grade.manual_score:g} kept (no record of the earlier "
                                 "submission's content); please check it still applies")
                    continue
                state.setdefault("history", []).append(
                    {"cell": grade.name, "manual_score": grade.manual_score,
                     "replaced": time.strftime("%Y-%m-%d %H:%M:%S")})
                notes.append(f"{result.student}/{result.hw} {grade.name}: changed since it was "
                             f"graded by hand ({grade.manual_score:g} points): needs a new look")
                grade.manual_score = None
                grade.needs_manual_grade = True
            for comment in nb.comments:
                got = scores.get(comment.name)
                comment.auto_comment = (got.comment or None) if got is not None and result.ok \
                    else None
                if not comment.manual_comment:
                    continue
                key = comment.name if comment.name in answers else "__code__"
                if before is not None and before.get(key) != result.keys.get(key) \
                        or not result.ok:
                    state.setdefault("history", []).append(
                        {"cell": comment.name, "manual_comment": comment.manual_comment,
                         "replaced": time.strftime("%Y-%m-%d %H:%M:%S")})
                    comment.manual_comment = None
        gb.db.commit()
    state["keys"] = result.keys if result.ok else {}
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=1))
    for step, src in (("autograded", result.autograded_dir), ("feedback", result.feedback_dir)):
        if src is not None and src.is_dir():
            shutil.copytree(src, Path(course_dir) / step / result.student / result.hw)
    return notes


def _read_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _parse_time(text: str | None):
    import datetime

    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _graded_cell_names(gb, hw: str) -> list[str]:
    return [cell.name for nb in gb.find_assignment(hw).notebooks for cell in nb.grade_cells]
