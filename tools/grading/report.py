"""What the instructor should look at: flags per submission, tripwires, the grading report.

Three sources of flags, all computed outside the student's kernel:

* :func:`static_flags`: the submitted notebook against the released one (locked cells
  edited, deleted or converted; an empty notebook) and a scan of the code the student wrote
  for things honest answers do not need (exits, processes, files, patching libraries...);
* :func:`runtime_flags`: the autograded notebook nbgrader wrote (answer cells that raised,
  timeouts, output cut by the grader, tampering and delegation detected by the tests);
* :class:`Tripwire`: files student code must never change (the real gradebook, the course
  config, the grading code, ``dlhelpers``, other students' submissions), checked around each
  submission; a changed gradebook is restored from the copy taken before.

Unfinished work is not a flag: an answer left as the released stub (it raises
``NotImplementedError``) is listed by :func:`unfinished_parts` in its own report section, and
a written answer left blank is simply waiting for its manual grade.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import nbformat

from dlhelpers.grading import DELEGATION_MESSAGE

from .analysis import imports_of
from .preprocessors import TRUNCATION_MARK

#: (pattern over the code a student wrote, what it suggests)
SUSPICIOUS = (
    (r"\bsqlite3\b|gradebook", "touches a gradebook"),
    (r"\bos\._exit\b|\bsys\.exit\b|\bexit\(|\bquit\(|\babort\(", "exits or kills the kernel"),
    (r"\bsubprocess\b|\bos\.(fork|system|spawn\w*|exec\w*|popen|kill)\b|multiprocessing|\bpty\b",
     "starts or signals processes"),
    (r"\bthreading\b|\bThread\(|\batexit\b", "runs code in the background"),
    (r"\bctypes\b|\bcffi\b|\bfaulthandler\b", "touches native memory"),
    (r"\bsignal\.", "handles signals"),
    (r"\.ipynb|\bopen\(|\bos\.(listdir|walk|scandir|remove|unlink|rename|chmod|environ)\b|"
     r"\bglob\b|\bshutil\b|\bpathlib\b|\bPath\(", "reads or writes files"),
    (r"\b(np|numpy)(\.\w+)+\s*=[^=]|\bsetattr\(|\bbuiltins\b|__builtins__|"
     r"\bsys\.modules\b|__code__|__class__\s*=", "replaces library functions"),
    (r"\binspect\b|\bsys\._getframe\b|\bf_locals\b|\bf_back\b|\bf_globals\b|__array\w*__|"
     r"\bgc\.get_\w+", "walks the call stack or fakes array conversion"),
    (r"\b_ih\b|\b_oh\b|\bIn\s*\[|\bOut\s*\[|\bprint\(\s*(In|Out)\b|history_manager|%hist",
     "reads the kernel's input history"),
    (r"get_ipython|\bIPython\b|showtraceback|transformers|\bsys\.set(trace|profile)\b|"
     r"\bsys\.(stdout|stderr)\s*=", "reaches into the kernel"),
    (r"dlhelpers\.grading|\bgrading\.", "touches the grading helpers"),
    (r"dlhelpers\.(nn|knn|models|train|optim)\b|from\s+dlhelpers\s+import\s+"
     r"(nn|knn|models|train|optim)\b", "imports dlhelpers' reference code"),
    (r"NBGRADER", "behaves differently while graded"),
    (r"\bexec\(|\beval\(|\bcompile\(|__import__|\bimportlib\b|\bmarshal\b|\bpickle\b",
     "runs generated code"),
)


def _meta(cell) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


_HIDDEN = re.compile(r"^[^\n]*BEGIN HIDDEN TESTS.*?END HIDDEN TESTS[^\n]*\n?",
                     re.DOTALL | re.MULTILINE)


def _visible(source: str) -> str:
    """A test cell as the release shows it (an instructor's copy still has hidden tests)."""
    return _HIDDEN.sub("", source).strip()


def _core(meta: dict) -> dict:
    """nbgrader metadata without what only the release adds (checksum, cell_type)."""
    return {k: v for k, v in meta.items() if k not in ("checksum", "cell_type")}


def _load(path: Path) -> dict | None:
    """The notebook at ``path`` (format 4), or None when it is missing or not a notebook.

    Read like ``kit`` and ``validate`` read notebooks; a student's file is hostile input, so
    whatever nbformat refuses it with (bad JSON, a broken schema, JSON that is no notebook)
    means None.
    """
    try:
        nb = nbformat.reads(Path(path).read_text(encoding="utf-8", errors="replace"),
                            as_version=4)
    except (OSError, ValueError, nbformat.ValidationError, AttributeError, TypeError):
        return None
    return nb if isinstance(nb, dict) else None


def static_flags(submitted: Path, released: Path) -> list[str]:
    """Flags from comparing the submitted notebook with the released one.

    Parameters
    ----------
    submitted, released : Path
        Notebook files; ``released`` is the student version of the same homework.
    """
    nb, rel = _load(submitted), _load(released)
    if nb is None or not isinstance(nb.get("cells"), list):
        return ["the notebook is not valid JSON (corrupt or not a notebook)"]
    if rel is None:
        return []
    cells = [c for c in nb["cells"] if isinstance(c, dict)]
    if not cells:
        return ["the notebook is empty"]
    flags = []
    by_id = {_meta(c).get("grade_id"): c for c in cells if _meta(c).get("grade_id")}
    released_sources = {_source(c) for c in rel.get("cells", [])}
    for ref in rel.get("cells", []):
        meta, name = _meta(ref), _meta(ref).get("grade_id")
        if not name:
            continue
        mine = by_id.get(name)
        if mine is None:
            flags.append(f"cell {name} was deleted or lost its nbgrader tag")
        elif mine.get("cell_type") != ref.get("cell_type"):
            flags.append(f"cell {name} was converted to {mine.get('cell_type')}")
        elif meta.get("locked") and _visible(_source(mine)) != _visible(_source(ref)):
            flags.append(f"locked cell {name} was edited")
        elif meta.get("locked") and _core(_meta(mine)) != _core(meta):
            flags.append(f"the nbgrader metadata of cell {name} was changed")
    new_code = [_source(c) for c in cells if c.get("cell_type") == "code"
                and _source(c) not in released_sources]
    written = "\n".join(new_code)
    found = sorted({why for pattern, why in SUSPICIOUS if re.search(pattern, written)})
    if found:
        flags.append("code written by the student " + ", ".join(found))
    imported = imports_of(new_code)
    if imported:
        flags.append("imports " + ", ".join(imported[:8]) + " (the homework allows numpy only; "
                     "these are not available while grading)")
    return flags


#: What a stub left as released raises: unfinished work, reported but never flagged (it
#: gains the student nothing, and nearly every class has a partly done submission).
UNFINISHED_ERROR = "NotImplementedError"


def unfinished_parts(autograded: Path) -> list[str]:
    """Answer cells of the executed notebook that raised :data:`UNFINISHED_ERROR`."""
    nb = _load(autograded)
    if nb is None:
        return []
    parts = []
    for cell in nb.get("cells", []):
        meta = _meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell's verdict already says what is missing
        if any(out.get("output_type") == "error" and out.get("ename") == UNFINISHED_ERROR
               for out in cell.get("outputs", []) or []):
            parts.append(meta.get("grade_id") or "an untagged cell")
    return list(dict.fromkeys(parts))


def runtime_flags(autograded: Path) -> list[str]:
    """Flags from the executed notebook nbgrader wrote (never from the kernel's word).

    For test cells graded by a grader spec the verdict text (written by the grader) is read:
    a function missing, a call that timed out, loops where none are allowed.
    """
    nb = _load(autograded)
    if nb is None:
        return []
    flags = []
    for cell in nb.get("cells", []):
        meta, name = _meta(cell), _meta(cell).get("grade_id") or "an untagged cell"
        is_test = meta.get("grade") and not meta.get("solution")
        if (cell.get("metadata") or {}).get("output_truncated_by_grader"):
            flags.append(f"{name}: output cut by the grader (too large)")
        for out in cell.get("outputs", []) or []:
            text = json.dumps(out)[:200_000]
            ename = out.get("ename", "") if out.get("output_type") == "error" else ""
            if ename in ("CellTimeoutError", "KeyboardInterrupt") or "CellTimeoutError" in text:
                flags.append(f"{name}: timed out")
            elif ename == "ProbeFailed":
                flags.append(f"{name}: the grader's integrity probe got no answer")
            elif ename == "TamperingDetected" or "TamperingDetected" in text:
                flags.append(f"{name}: the tests detected tampering")
            elif DELEGATION_MESSAGE in text:
                flags.append(f"{name}: delegated to dlhelpers' reference code")
            elif ename and not is_test and ename != UNFINISHED_ERROR:
                flags.append(f"{name}: raised {ename} when run")
            elif ename == "NameError" and is_test:
                flags.append(f"{name}: {out.get('evalue', '')[:80]} (renamed or missing?)")
            if is_test and out.get("output_type") == "stream":
                if "is not defined" in text:
                    flags.append(f"{name}: a function or variable it needs is not defined "
                                 "(renamed or missing?)")
                if "did not finish within" in text or "stopped answering" in text:
                    flags.append(f"{name}: a call timed out")
                if "the grader could not check this" in text:
                    flags.append(f"{name}: the grader spec failed on this submission (a spec "
                                 "bug or unexpected data): check it by hand")
                if "must not loop" in text:
                    flags.append(f"{name}: loops in a function that must not loop")
            if "removed by the grader]" in text:
                flags.append(f"{name}: active content (script, SVG, widget...) removed by the "
                             "grader")
            if TRUNCATION_MARK in text or "... Output truncated ..." in text:
                flags.append(f"{name}: output cut by the grader (too large)")
    return list(dict.fromkeys(flags))


#: A file changed this recently when the tripwire is armed is hashed as well: file times tick
#: every few milliseconds, so a second write within the same tick would not show in them.
RECENT_NS = 1_000_000_000


def _snapshot(path: Path) -> dict[str, os.stat_result | None]:
    """``path`` (key ``""``), or every file under the folder ``path`` by relative path.

    Byte-code caches are left out (any import rewrites them); a folder that cannot be read
    is recorded as such (None), never an error that would stop the run.
    """
    try:
        info = os.stat(path)
    except OSError:
        return {"": None}
    if not stat.S_ISDIR(info.st_mode):
        return {"": info}
    return dict(_tree(str(path)))


def _tree(folder: str, prefix: str = "") -> Iterator[tuple[str, os.stat_result | None]]:
    try:
        with os.scandir(folder) as found:
            entries = list(found)  # in any order: snapshots are compared as dicts
    except OSError:
        yield prefix, None
        return
    for entry in entries:
        name = prefix + entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _tree(entry.path, name + "/")
            elif not entry.name.endswith(".pyc"):
                yield name, entry.stat(follow_symlinks=False)
        except OSError:
            yield name, None


def _key(info: os.stat_result | None) -> str:
    """What changes when a file is written, replaced or touched: size, times, inode.

    The change time (``st_ctime``) cannot be set back by a process, unlike the modification
    time. Stat only, not a hash of the content: the tripwire runs twice per submission over
    every submission's notebook, and hashing them made a class of 1000 cost 0.38 s per
    submission (measured); files changed within :data:`RECENT_NS` of arming are hashed too.
    """
    if info is None:
        return "missing or unreadable"
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def _hash(path: Path) -> str:
    """The content hash of the regular file ``path`` (a link, pipe or device is not read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return "unreadable"
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        return hashlib.sha256(fh.read(info.st_size + 1)).hexdigest()


class Tripwire:
    """Files and folders that student code must not change while it is being graded.

    Parameters
    ----------
    watched : iterable of Path
        Files and folders (every file under them), compared by :func:`_key` and, for a
        file changed just before :meth:`arm`, by content.
    gradebook : Path, optional
        The real gradebook: copied aside at :meth:`arm` and restored if it changed.
    """

    def __init__(self, watched: Iterable[Path], gradebook: Path | None = None) -> None:
        self.watched = [Path(p) for p in watched]
        self.gradebook = Path(gradebook) if gradebook else None
        self._before: dict[Path, dict[str, str]] = {}
        self._hashes: dict[Path, dict[Path, str]] = {}  # watched path -> recent file -> hash
        self._backup: Path | None = None

    def arm(self, backup_dir: Path) -> None:
        """Record the current state (call right before a submission's code runs)."""
        now = time.time_ns()
        self._before, self._hashes = {}, {}
        for path in self._all():
            files = _snapshot(path)
            self._before[path] = {rel: _key(info) for rel, info in files.items()}
            self._hashes[path] = {path / rel: _hash(path / rel) for rel, info in files.items()
                                  if info is not None and now - info.st_ctime_ns < RECENT_NS}
        if self.gradebook is not None and self.gradebook.is_file():
            Path(backup_dir).mkdir(parents=True, exist_ok=True)
            self._backup = Path(backup_dir) / "gradebook.backup"
            shutil.copyfile(self.gradebook, self._backup)

    def check(self) -> list[str]:
        """Flags for whatever changed since :meth:`arm`; restores the gradebook if it did."""
        changed = []
        for path in self._all():
            now = {rel: _key(info) for rel, info in _snapshot(path).items()}
            if now != self._before.get(path) or any(
                    _hash(file) != digest for file, digest in self._hashes[path].items()):
                changed.append(path)
        flags = [f"changed {p} while its code ran" for p in changed]
        if self.gradebook in changed and self._backup is not None:
            shutil.copyfile(self._backup, self.gradebook)
            flags.append("the real gradebook was restored from the copy taken before")
        return flags

    def _all(self) -> list[Path]:
        return self.watched + ([self.gradebook] if self.gradebook else [])


def write_report(path: Path, results, *, isolation: str, skipped: Iterable[str] = (),
                 problems: Iterable[str] = (), notes: Iterable[str] = (),
                 lateness: dict | None = None) -> Path:
    """The grading report the instructor reads: isolation used, then every flagged submission."""
    import datetime

    covered = sorted({f"{r.student}/{r.hw}" for r in results})
    lines = [f"# Grading report of the run of {datetime.datetime.now():%Y-%m-%d %H:%M}", "",
             f"This run graded {len(covered)} submission(s): {', '.join(covered) or 'none'}. "
             "It lists only their flags (an earlier run's report is replaced); grades.csv "
             "and parts.csv cover the whole gradebook.", "", f"Isolation: {isolation}", ""]
    problems = list(problems)
    if problems:
        lines += ["## Gradebook consistency problems", ""] + [f"- {p}" for p in problems] + [""]
    flagged = [r for r in results if r.flags or not r.ok]
    lines += [f"## Submissions to look at ({len(flagged)} of {len(results)})", ""]
    for r in flagged:
        state = f"FAILED ({r.error})" if not r.ok else "graded"
        lines.append(f"### {r.student} / {r.hw}: {state}, autograded {r.auto_score:g}/"
                     f"{r.auto_max:g}")
        lines += [f"- {f}" for f in r.flags] + [""]
    unfinished = [r for r in results if getattr(r, "unfinished", None)]
    if unfinished:
        lines += ["## Unfinished work (not flagged: parts still raise NotImplementedError)", ""]
        lines += [f"- {r.student} / {r.hw}: {', '.join(r.unfinished)}" for r in unfinished]
        lines.append("")
    notes = list(notes)
    if notes:
        lines += ["## Manual grades to look at again (resubmissions)", ""]
        lines += [f"- {n}" for n in notes] + [""]
    late = {k: v for k, v in (lateness or {}).items() if "late" in v and "on time" not in v}
    if late:
        lines += ["## Late submissions (course_policy.toml; applied in final_grades.csv)", ""]
        lines += [f"- {student} / {hw}: {what}" for (student, hw), what in sorted(late.items())]
        lines.append("")
    skipped = list(skipped)
    if skipped:
        lines += ["## Skipped", ""] + [f"- {s}" for s in skipped] + [""]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)
