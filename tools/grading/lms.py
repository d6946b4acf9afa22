"""Unpack an LMS download (a zip of ``<student>_<hw>.ipynb`` files) with our own strict code.

nbgrader's ``zip_collect`` extracts whatever the archive holds; an upload is untrusted. Here
each member is checked before a byte is written:

* sizes: at most :data:`MAX_MEMBERS` members, :data:`MAX_MEMBER_BYTES` per member,
  :data:`MAX_TOTAL_BYTES` in all and a compression ratio of at most :data:`MAX_RATIO`
  (measured while reading, not trusted from the header);
* names: no absolute path, ``..``, backslash or NUL; symbolic links and nested archives
  (by name or by magic bytes) are rejected;
* the name must match the regexp (default :data:`DEFAULT_REGEXP`) with a student id of
  :data:`STUDENT_ID` (letters, digits, ``.``, ``-``; no leading dot; at most 64) and the
  homework's notebook name;
* a student id found twice is reported and neither file is graded.

Every rejected member gets one line in :class:`Unpacked.rejected`; the rest is written as
``dest/<student>/<hw>/<hw>.ipynb``, ready for :func:`batch.grade_folder`.

:func:`infer_homework` reads which homework a download holds from the same names (``make
grade ZIP=...`` without ``HW=``), without extracting anything.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .paths import notebook_name

DEFAULT_REGEXP = r"^(?:.*/)?(?P<student_id>[^/_]+)_(?P<file_id>[^/]+\.ipynb)$"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")
MAX_MEMBERS = 5000
MAX_MEMBER_BYTES = 20 * 2**20
MAX_TOTAL_BYTES = 1024 * 2**20
MAX_RATIO = 200
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".whl", ".jar")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")


@dataclass
class Unpacked:
    """What :func:`unpack` wrote and what it refused."""

    folder: Path
    students: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


class ArchiveRejected(ValueError):
    """The archive as a whole cannot be read safely."""


class HomeworkUnknown(ValueError):
    """The zip does not name exactly one homework; the message lists the choices."""


def infer_homework(zip_path: Path, hws: list[str], *, regexp: str = DEFAULT_REGEXP) -> str:
    """The one homework whose notebook the zip's members are named after.

    Each member name is matched with ``regexp`` (as :func:`unpack` does); its ``file_id``
    must be a homework's notebook name (``<hw>.ipynb``). A zip holding notebooks of two
    homework, or of none, is refused with the list of homework. Only the names are read.
    """
    path = Path(zip_path)
    choices = f"say which with --assignment (make grade ZIP=... HW=...), one of: {', '.join(hws)}"
    if not path.is_file():
        raise HomeworkUnknown(f"no such zip: {path}; {choices}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = [m.filename for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError):
        raise HomeworkUnknown(f"{path} is not a readable zip file") from None
    pattern = re.compile(regexp)
    file_ids = {m.group("file_id") for m in map(pattern.match, names) if m is not None}
    found = sorted(hw for hw in hws if notebook_name(hw) in file_ids)
    if len(found) == 1:
        return found[0]
    notebooks = sum(1 for n in names if n.endswith(".ipynb"))
    what = (f"notebooks of several homework ({', '.join(found)})" if found else
            f"no notebook named after a homework ({notebooks} notebook(s))")
    raise HomeworkUnknown(f"{path} holds {what}; {choices}")


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = min(MAX_MEMBER_BYTES, max(info.compress_size, 1) * MAX_RATIO)
    chunks, size = [], 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise ValueError(f"expands past {limit} bytes (size or compression ratio cap)")
            chunks.append(chunk)
    return b"".join(chunks)


def _name_problem(name: str) -> str:
    if "\x00" in name or "\\" in name:
        return "a NUL or backslash in the name"
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        return "a path outside the archive (absolute or ..)"
    if name.lower().endswith(ARCHIVE_SUFFIXES):
        return "an archive inside the upload"
    return ""


def unpack(zip_path: Path, hw: str, dest: Path, *, regexp: str = DEFAULT_REGEXP) -> Unpacked:
    """Check and extract ``zip_path`` into ``dest/<student>/<hw>/`` (see the module docstring)."""
    pattern = re.compile(regexp)
    out = Unpacked(Path(dest))
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRejected(f"{Path(zip_path).name} is not a readable zip ({exc})") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise ArchiveRejected(f"{len(members)} members (the limit is {MAX_MEMBERS})")
        accepted: dict[str, list[tuple[str, bytes]]] = {}
        total = 0
        for info in members:
            name = info.filename
            shown = name[:120]
            problem = _name_problem(name)
            if not problem and stat.S_ISLNK(info.external_attr >> 16):
                problem = "a symbolic link"
            match = pattern.match(name) if not problem else None
            if not problem and match is None:
                problem = f"the name does not match {regexp!r}"
            if not problem:
                student, file_id = match.group("student_id"), match.group("file_id")
                if not STUDENT_ID.match(student):
                    problem = f"student id {student[:40]!r} is not letters, digits, '.', '-'"
                elif file_id != notebook_name(hw):
                    problem = f"not this homework's notebook ({notebook_name(hw)})"
            if not problem:
                try:
                    data = _read_capped(zf, info)
                except (ValueError, zipfile.BadZipFile, OSError, RuntimeError) as exc:
                    problem = str(exc)[:160]
                else:
                    total += len(data)
                    if total > MAX_TOTAL_BYTES:
                        raise ArchiveRejected(f"the archive expands past {MAX_TOTAL_BYTES} bytes")
                    if data.startswith(ARCHIVE_MAGIC):
                        problem = "an archive inside the upload"
            if problem:
                out.rejected.append(f"{shown}: {problem}")
                continue
            accepted.setdefault(student, []).append((shown, data))
        for student, files in sorted(accepted.items()):
            if len(files) > 1:
                out.rejected.append(f"student id {student!r} appears {len(files)} times "
                                    f"({', '.join(n for n, _ in files)}): none graded, "
                                    "decide which counts")
                continue
            target = Path(dest) / student / hw
            target.mkdir(parents=True, exist_ok=True)
            (target / notebook_name(hw)).write_bytes(files[0][1])
            out.students.append(student)
    return out
