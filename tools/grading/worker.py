"""Autograde submissions of course copies, answer as JSON.

    python tools/grading/worker.py ROOT HW STUDENT [EXTRA_CONFIG_JSON]
    python tools/grading/worker.py --serve ANSWER_FD

The first form grades one submission; the last line of stdout is
``{"success": bool, "error": str, "log": str}`` (used by
:func:`tools.grading.submission.autograde_in_subprocess`, which may prefix the command with a
sandbox). The second form is the warm parent of :mod:`tools.grading.server`: it imports
nbgrader once, then reads one request per line on stdin
(``{"id", "root", "hw", "student", "extra", "env"}``) and grades each in a process of its
own, forked from it (fork copies the imported modules: about 5 ms instead of 1.5-2 s of
imports). It never grades in itself, so nothing a submission does to its grading process
reaches the next one. On the inherited pipe ``ANSWER_FD`` (never stdout: a kernel shares
the worker's stdout, and what a student's code writes there must not pass for an answer),
each request gets three JSON lines, each echoing the request's ``id``:
``{"pid"}`` (the grading process, so the server can kill it at its deadline), the answer
from that process, and ``{"exit"}`` (its exit status, on a line of its own even after half
an answer) once it and its process group are gone. A grading process dies with the warm
parent (``PR_SET_PDEATHSIG``), and is killed at once when the server closes stdin (the
server is gone: nobody waits for its answer or keeps its deadline); the warm parent then
exits.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import sys
import traceback
from pathlib import Path

# submission.autograde_in_subprocess runs this file BY PATH (its folder, not the repo, is then
# sys.path[0]) with the grader's environment: the repo root is put first so the course's
# ``tools`` package imports. Drop this line when the spawner runs ``python -m
# tools.grading.worker`` with the repo root as cwd or PYTHONPATH.
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from traitlets.config import Config  # noqa: E402

from tools.grading import nbg  # noqa: E402
from tools.grading.kernel_launcher import die_with_parent  # noqa: E402
from tools.grading.paths import ensure_venv_on_path  # noqa: E402

#: Address space of the trusted worker: what a flood of kernel messages can cost at most.
WORKER_MEMORY_BYTES = 8 * 2**30
#: Where, in a submission's course copy, its grading process's stderr goes.
STDERR_FILE = "worker-stderr.log"
#: What of a submission's environment its grading process takes over (sandbox.worker_env).
SUBMISSION_ENV = ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS")


def autograde(root: Path, hw: str, student: str, extra: Config | None) -> nbg.Answer:
    """nbgrader's autograde of ``student``'s ``hw`` in the course copy ``root``, as JSON data."""
    api = nbg.make_api(nbg.load_config(root, extra=extra))
    answer = nbg.run(lambda: api.autograde(hw, student, force=True, create=True),
                     f"autograde {hw} for {student}", timeout=None, check=False)
    return {"success": bool(answer.get("success")), "error": str(answer.get("error", ""))[:5000],
            "log": str(answer.get("log", ""))[-20000:]}


def serve(answer_fd: int) -> int:
    """Grade one request per stdin line, each in a forked process, until stdin closes."""
    os.set_inheritable(answer_fd, False)  # no kernel or helper process may hold the answer pipe
    ensure_venv_on_path()  # the kernel and nbgrader's helpers are started by name
    # what every autograde needs, imported once: the reason this worker is kept warm
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat.validator
    import nbgrader.api  # noqa: F401
    import nbgrader.apps  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    _import_ahead(nbg.load_config(Path.cwd()))  # the course config, its preprocessors...
    nbformat.validator.get_validator(version=4, version_minor=5)  # built once, then cached
    # what is imported stays out of the collector's sight: a grading process's first full
    # collection would otherwise walk (and so copy, page by page) all of it, 0.13 s (profiled)
    gc.collect()
    gc.freeze()

    parent = os.getpid()
    for line in sys.stdin:  # one request at a time: the next comes after this one's "exit"
        request = json.loads(line)
        nonce = request["id"]
        go_read, go_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_write)
            _grade_forked(request, answer_fd, go_read, parent)  # never returns
        os.close(go_read)
        with contextlib.suppress(OSError):  # also done by the child: whichever runs first
            os.setpgid(pid, pid)
        _send(answer_fd, {"id": nonce, "pid": pid})
        os.close(go_write)  # only now may the child answer: its lines never split this one
        status, server_gone = _wait_and_clear(pid)
        # after a newline: a child killed in the middle of its answer left half a line
        _send(answer_fd, {"id": nonce, "exit": os.waitstatus_to_exitcode(status)},
              newline_first=True)
        if server_gone:
            break
    return 0


def _wait_and_clear(pid: int) -> tuple[int, bool]:
    """Wait for the grading process ``pid``, kill what is left of its group, reap it.

    Returns its wait status, and whether the server went away meanwhile (stdin closed: the
    grading process is then killed at once, as nobody waits for its answer or deadline).
    """
    server_gone = False
    with contextlib.suppress(OSError):  # without pidfds, just wait for it
        exited = os.pidfd_open(pid)
        try:
            while True:
                ready, _, _ = select.select([exited, 0], [], [])
                if exited in ready:
                    break
                if not os.read(0, 1):  # only EOF can come: the next request waits for "exit"
                    server_gone = True
                    os.killpg(pid, signal.SIGKILL)
                    break
        finally:
            os.close(exited)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    # still unreaped, so the group id cannot have been reused: nothing it started survives
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1], server_gone


def _import_ahead(cfg: Config) -> None:
    """Import, before any fork, what grading a submission imports (about 0.3 s of homework 1).

    The source analysis reads cells as IPython does, and each grader spec imports what it
    compares with (numpy, dlhelpers): loading every spec of the course once imports those.
    A spec that fails to load here fails again, with its message, in the submission's
    grading process.
    """
    import ctypes  # noqa: F401 (each grading process asks to die with the warm parent)

    import IPython.core.inputtransformer2  # noqa: F401
    import numpy  # noqa: F401

    from tools.grading import spec

    # SQLAlchemy works out nbgrader's table mappings on first use (0.13 s in each grading
    # process, profiled): once here, on tables in memory (not nbgrader's Gradebook, which
    # runs alembic in a subprocess for a new database)
    with contextlib.suppress(Exception):
        _map_gradebook_tables()
    grader_dir = Path(str(cfg.TrustedExecute.get("grader_dir", "")))
    for path in sorted(grader_dir.glob("*.py")) if str(grader_dir) not in ("", ".") else []:
        with contextlib.suppress(Exception):
            spec.load_grader(path)


def _map_gradebook_tables() -> None:
    from nbgrader.api import Assignment, Base, Student, SubmittedAssignment
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        assignment, student = Assignment(name="warm-up"), Student(id="warm-up")
        db.add_all([assignment, student,
                    SubmittedAssignment(assignment=assignment, student=student)])
        db.flush()
    engine.dispose()
    for mapper in Base.registry.mappers:
        _ = mapper.relationships


def _grade_forked(request: dict, answer_fd: int, go: int, parent: int) -> None:
    """In the forked grading process: grade one submission, send the answer, exit.

    A failure before nbgrader runs (the course copy gone, say) is answered too, with its
    traceback, in this submission's answer: never in a log another student's shares.
    """
    code = 1
    answer: dict = {"success": False, "error": "the grading process failed", "log": ""}
    try:
        die_with_parent(parent)  # the warm parent stopped or killed: this one goes too
        os.setpgid(0, 0)  # a group of its own: the server kills it (and its helpers) at once
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # the next request is the warm parent's, never this process's
        os.close(null)
        root = Path(request["root"])
        _stderr_to(root / STDERR_FILE)  # the kernel inherits this submission's file only
        # the sandbox kernelspec and runtime folder of this submission's course copy
        os.environ.update({k: str(v) for k, v in request["env"].items()
                           if k in SUBMISSION_ENV})
        extra = Config(request["extra"]) if request.get("extra") else None
        try:
            answer = dict(autograde(root, request["hw"], request["student"], extra))
        except Exception as exc:  # noqa: BLE001 - reported as this submission's failure
            answer = {"success": False, "error": f"{type(exc).__name__}: {exc}", "log": ""}
    except BaseException as exc:  # noqa: BLE001 - answered below, with its traceback
        answer = {"success": False, "log": traceback.format_exc()[-5000:],
                  "error": f"the grading process failed: {type(exc).__name__}: {exc}"[:2000]}
    finally:
        try:
            answer["id"] = request["id"]
            os.read(go, 1)  # returns at EOF: the parent has sent the "pid" line
            _send(answer_fd, answer)
            code = 0
        finally:
            sys.stderr.flush()
            os._exit(code)  # no atexit handler, buffer or finally of the parent runs here


def _send(fd: int, message: dict, *, newline_first: bool = False) -> None:
    data = (("\n" if newline_first else "") + json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _stderr_to(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    sys.stderr.flush()
    os.dup2(fd, 2)
    os.close(fd)


def _limit_memory() -> None:
    """The trusted worker's address space: what a flood of kernel messages can cost at most."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = WORKER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(hard,
                                                                            WORKER_MEMORY_BYTES)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main(argv: list[str]) -> int:
    os.umask(0o077)  # what nbgrader writes (the notebook with hidden tests) stays private
    _limit_memory()  # set here, not in a preexec_fn: the spawner may have threads (Dask)
    if argv and argv[0] == "--serve":
        return serve(int(argv[1]))
    root, hw, student = Path(argv[0]), argv[1], argv[2]
    extra = Config(json.loads(argv[3])) if len(argv) > 3 else None
    print(json.dumps(autograde(root, hw, student, extra)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
