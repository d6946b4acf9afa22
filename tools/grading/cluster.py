"""Grading on a Dask cluster: submissions and results travel through Dask, not a shared disk.

The client (``make grade DASK=ADDRESS``) reads each notebook with the grader's own checks
(:func:`submission.read_regular`: a regular file, not a symlink, under the size cap) and sends
its bytes, with ``timestamp.txt`` when present, in the task. A worker stages them in a temp
dir of its own, builds the template course ONCE per worker process from ITS OWN copy of the
course (so each worker needs this repo's environment and bubblewrap), grades with
:func:`submission.grade_submission` (every kernel sandboxed as on one machine) and returns the
:class:`SubmissionResult` plus the autograded and feedback folders as an in-memory tar. The
client checks every tar member on unpacking (regular files and folders only, no absolute
path, no ``..``) and imports the result itself: the real gradebook is written by the client
alone, once per submission.

A worker lost in the middle of a run (killed, its machine gone) has its tasks rescheduled by
the Dask scheduler on other workers; a submission whose grading kills ``allowed-failures``
workers in a row fails alone with an error saying so, like a kernel crash.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import threading
from pathlib import Path, PurePosixPath

from .paths import SOURCE_DIR, notebook_name
from .submission import (
    CARRIED_FILES,
    MAX_NOTEBOOK_BYTES,
    SubmissionResult,
    UnsafeSubmission,
    read_regular,
)

#: Rescheduling of a task whose worker died: a worker killed mid-run is survived, a
#: submission that kills every worker it lands on is given up after this many deaths.
ALLOWED_FAILURES = 2
#: Largest packed result (autograded notebook + feedback HTML) the client unpacks.
MAX_RESULT_BYTES = 200 * 2**20

_TEMPLATES: dict[tuple, tuple[Path, Path]] = {}
_TEMPLATE_LOCK = threading.Lock()


def source_digest(hw: str, source_dir: Path | None = None) -> str:
    """A hash of the source notebook of ``hw``: client and worker must grade the same one."""
    path = Path(source_dir or SOURCE_DIR) / hw / notebook_name(hw)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_job(sub, *, inside: Path, source_dir: Path | None, extra, timeout: float,
             limits) -> dict:
    """The task of one submission: its bytes (read with the grader's checks) and settings.

    Raises :class:`submission.UnsafeSubmission` when the notebook is refused.
    """
    data = read_regular(Path(sub.notebook), limit=MAX_NOTEBOOK_BYTES, inside=Path(inside))
    carried = {}
    for name in CARRIED_FILES:
        try:
            carried[name] = read_regular(Path(sub.notebook).parent / name, limit=4096,
                                         inside=Path(inside))
        except UnsafeSubmission:
            continue
    return dict(hw=sub.hw, student=sub.student, data=data, carried=carried, extra=extra,
                timeout=timeout, limits=limits,
                source_dir=str(source_dir) if source_dir is not None else None,
                digest=source_digest(sub.hw, source_dir))


def _template(hw: str, source_dir: Path | None) -> tuple[Path, Path]:
    """(template gradebook, released notebook) of ``hw``, built once per worker process."""
    from .release import build_course

    key = (hw, str(source_dir))
    with _TEMPLATE_LOCK:
        if key not in _TEMPLATES:
            root = Path(tempfile.mkdtemp(prefix="dl-grade-template-"))
            kwargs = {"source_dir": Path(source_dir)} if source_dir else {}
            course, template = build_course(root / "template", [hw], **kwargs)
            _TEMPLATES[key] = (template, course / "release" / hw / notebook_name(hw))
        return _TEMPLATES[key]


def _safe_component(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"expected a plain folder name, received {name!r}")
    return name


def grade_remote(job: dict) -> dict:
    """Run on a Dask worker: grade one submission sent as bytes, return result and files."""
    import functools

    from . import sandbox
    from .submission import autograde_sandboxed, grade_submission

    hw, student = _safe_component(job["hw"]), _safe_component(job["student"])
    source_dir = job["source_dir"]
    if source_digest(hw, source_dir) != job["digest"]:
        raise RuntimeError(f"worker {os.uname().nodename}: its course's source of {hw} differs "
                           "from the client's (expected the same commit of the course repo)")
    template, released = _template(hw, source_dir)
    with tempfile.TemporaryDirectory(prefix="dl-grade-task-") as tmp:
        folder = Path(tmp) / "in" / student / hw
        folder.mkdir(parents=True)
        notebook = folder / notebook_name(hw)
        notebook.write_bytes(job["data"])
        for name, content in job["carried"].items():
            if name in CARRIED_FILES:
                (folder / name).write_bytes(content)
        kwargs = {"source_dir": Path(source_dir)} if source_dir else {}
        result = grade_submission(
            hw, student, notebook, template_db=template, workdir=Path(tmp) / "work",
            extra=job["extra"], timeout=job["timeout"], released=released,
            executor=functools.partial(autograde_sandboxed, limits=job["limits"],
                                       server="thread"),
            inside=Path(tmp) / "in", **kwargs)
        packed = pack({"autograded": result.autograded_dir, "feedback": result.feedback_dir})
    result.autograded_dir = result.feedback_dir = result.staged_dir = None
    isolated, detail = sandbox.isolation()
    if not isolated:  # the client cannot see the worker's machine: say it per submission
        result.flags.append(f"graded on Dask worker {os.uname().nodename} WITHOUT bubblewrap "
                            f"({detail}): less protected")
    return {"result": result, "files": packed, "worker": os.getpid()}


def pack(folders: dict[str, Path | None]) -> bytes:
    """The regular files of each folder as an in-memory tar under ``name/``; links skipped."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, folder in folders.items():
            if folder is None or not Path(folder).is_dir():
                continue
            for dirpath, _, files in os.walk(folder):
                for file in sorted(files):
                    path = Path(dirpath) / file
                    if path.is_symlink() or not path.is_file():
                        continue
                    tar.add(path, arcname=f"{name}/{path.relative_to(folder)}", recursive=False)
    return buffer.getvalue()


class UnsafeArchive(ValueError):
    """A packed result with a member that could write outside its folder."""


def unpack(data: bytes, dest: Path) -> dict[str, Path]:
    """Unpack :func:`pack`'s bytes into ``dest``; return the folders found (by name).

    Every member is checked first: a regular file or folder, a relative path without ``..``,
    under ``autograded/`` or ``feedback/``, and the total size under :data:`MAX_RESULT_BYTES`.
    """
    if len(data) > MAX_RESULT_BYTES:
        raise UnsafeArchive(f"packed result is {len(data)} bytes, over {MAX_RESULT_BYTES}")
    dest = Path(dest)
    found: dict[str, Path] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        members = tar.getmembers()
        for m in members:
            parts = PurePosixPath(m.name).parts
            if not (m.isfile() or m.isdir()):
                raise UnsafeArchive(f"member {m.name!r} is not a regular file or folder")
            if PurePosixPath(m.name).is_absolute() or ".." in parts or not parts \
                    or parts[0] not in ("autograded", "feedback"):
                raise UnsafeArchive(f"member {m.name!r} escapes its folder")
        if sum(m.size for m in members) > MAX_RESULT_BYTES:
            raise UnsafeArchive("packed result unpacks to more than the limit")
        for m in members:
            target = dest.joinpath(*PurePosixPath(m.name).parts)
            found.setdefault(PurePosixPath(m.name).parts[0], dest / PurePosixPath(m.name).parts[0])
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(m) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return found


def receive(answer: dict, dest: Path) -> SubmissionResult:
    """The worker's result with its folders unpacked into ``dest`` (client side)."""
    result: SubmissionResult = answer["result"]
    folders = unpack(answer["files"], dest)
    result.autograded_dir = folders.get("autograded") if result.ok else None
    result.feedback_dir = folders.get("feedback")
    return result


def connect(address: str, workers: int):
    """A Dask client: ``"local"`` starts an embedded LocalCluster of ``workers`` processes.

    Returns (client, cluster or None); close both when done.
    """
    import dask
    from distributed import Client, LocalCluster

    if address != "local":
        return Client(address), None
    # worker processes start kernels' graders as subprocesses: not daemonic
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          "distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
    return Client(cluster), cluster


def graded_on_dask(found: list, address: str, *, workers: int, inside: Path,
                   source_dir: Path | None, extra, timeout: float, limits, tmp: Path):
    """Yield (index, submission, result) in the order found, graded on the cluster."""
    from distributed import KilledWorker

    client, cluster = connect(address, workers)
    try:
        futures = []
        for sub in found:
            try:
                job = make_job(sub, inside=inside, source_dir=source_dir, extra=extra,
                               timeout=timeout, limits=limits)
            except UnsafeSubmission as exc:
                futures.append(SubmissionResult(hw=sub.hw, student=sub.student, ok=False,
                                                error=str(exc)))
                continue
            futures.append(client.submit(grade_remote, job, pure=False,
                                         key=f"grade-{sub.student}-{sub.hw}-{os.urandom(4).hex()}"))
        for i, (sub, future) in enumerate(zip(found, futures, strict=True)):
            if isinstance(future, SubmissionResult):
                yield i, sub, future
                continue
            try:
                answer = future.result()
                result = receive(answer, Path(tmp) / f"work-{i}")  # removed after import
            except KilledWorker as exc:
                result = SubmissionResult(hw=sub.hw, student=sub.student, ok=False,
                                          error="grading killed every Dask worker it ran on "
                                                f"({exc.__class__.__name__})")
            except UnsafeArchive as exc:
                result = SubmissionResult(hw=sub.hw, student=sub.student, ok=False,
                                          error=f"the worker's result was refused: {exc}")
            future.release()
            yield i, sub, result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
