"""A long-lived autograde worker: nbgrader is imported once, not once per submission.

A fresh worker process per submission (:func:`submission.autograde_in_subprocess`) spends
most of a small homework's grading time starting Python and importing nbgrader. A
:class:`GradingServer` keeps one worker (``worker.py --serve``) and sends it one submission
at a time. Each submission still gets its own throwaway course copy, its own gradebook and
its own sandboxed kernel; only the trusted grader process is reused, and only where the
kernel runs in bubblewrap (:func:`submission.autograde_sandboxed` falls back to a fresh
process per submission without it: a kernel outside a pid namespace could reach the worker
through ``/proc``). The protections stay:

* the worker runs in a session of its own under the same memory limit, and a submission
  over its wall-clock budget gets the whole session killed (bubblewrap's
  ``--die-with-parent`` takes the kernel along);
* answers come back on a private pipe that the kernel does not inherit, each echoing a random
  id sent with its request, so nothing a student's code writes can pose as an answer;
* the worker's stderr while it grades a submission is a write-only file in that
  submission's course copy, so no student's text reaches another's log;
* after any submission that did not grade cleanly (kernel death, timeout, an exception), and
  after :data:`MAX_TASKS` submissions, the worker is replaced by a fresh one, so whatever a
  hostile notebook did to the grader process cannot reach the next student.

A serial ``make grade`` run has one server, stopped with the run; each process of the
``WORKERS=`` pool and each Dask worker thread keeps its own (:func:`shared_server`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from traitlets.config import Config

from .nbg import Answer
from .worker import STDERR_FILE, SUBMISSION_ENV

#: Submissions one worker grades before it is replaced (bounds what a slow leak can grow to).
MAX_TASKS = 50
WORKER = Path(__file__).resolve().parent / "worker.py"


@dataclass
class _Worker:
    proc: subprocess.Popen
    answers: int  # read end of the private answer pipe
    startup_log: IO[bytes]  # the worker's stderr until its first submission (import errors)


def _spawn() -> _Worker:
    read, write = os.pipe()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), "--serve", str(write)], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=log, pass_fds=(write,), text=True,
        start_new_session=True)
    os.close(write)
    return _Worker(proc, read, log)


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(worker.proc.pid, signal.SIGKILL)  # its session: the worker and its helpers
    with contextlib.suppress(OSError):
        worker.proc.stdin.close()
    worker.proc.wait()
    os.close(worker.answers)
    worker.startup_log.close()


class GradingServer:
    """One long-lived ``worker.py --serve`` process, started on demand and replaced on failure."""

    def __init__(self, *, max_tasks: int = MAX_TASKS) -> None:
        self.max_tasks = max_tasks
        self.worker: _Worker | None = None
        self.tasks = 0
        self.started = 0  # workers put to work so far (tests read it)

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.worker.proc if self.worker else None

    def start(self) -> None:
        """Start a fresh worker (it imports nbgrader meanwhile), replacing the current one."""
        self.stop()
        self.worker = _spawn()
        self.tasks = 0
        self.started += 1

    def warm(self) -> None:
        """Start a worker unless one is running (call it before the first submission)."""
        if self.worker is None or self.worker.proc.poll() is not None:
            self.start()

    def stop(self) -> None:
        """Kill the worker's whole session."""
        if self.worker is not None:
            _kill(self.worker)
            self.worker = None

    def autograde(self, root: Path, hw: str, student: str, extra: Config | None,
                  timeout: float, env: dict[str, str]) -> Answer:
        """Autograde one staged submission; the answer of ``worker.autograde``.

        ``env`` is the submission's worker environment (:func:`sandbox.worker_env`), of which
        only the :data:`SUBMISSION_ENV` variables are sent. The worker's stderr during this
        submission goes to ``root/worker-stderr.log`` (write-only for the kernel, which
        inherits it): no other student's text can show up in this one's log.
        """
        self.warm()
        nonce = secrets.token_hex(16)  # an answer must echo it: nothing else can pose as one
        request = {"id": nonce, "root": str(root), "hw": hw, "student": student,
                   "extra": extra or {}, "env": {k: env[k] for k in SUBMISSION_ENV if k in env}}
        what = f"autograde {hw} for {student}"
        try:
            self.worker.proc.stdin.write(json.dumps(request) + "\n")
            self.worker.proc.stdin.flush()
        except OSError:
            answer = self._failure(f"the grading worker exited {self.worker.proc.poll()}")
        else:
            answer = self._read_answer(timeout, what, nonce)
        if not answer.get("success"):
            answer["log"] = (answer.get("log") or _tail(Path(root) / STDERR_FILE))
        self.tasks += 1
        if not answer.get("success") or self.tasks >= self.max_tasks:
            self.start()  # a fresh grader for the next student, warming up meanwhile
        return answer

    def _read_answer(self, timeout: float, what: str, nonce: str) -> Answer:
        deadline = time.monotonic() + timeout
        data = b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.worker.answers], [], [], max(left, 0))
            if not ready:
                return self._failure(f"{what} took longer than {timeout:.0f} s")
            chunk = os.read(self.worker.answers, 1 << 16)
            if not chunk:
                return self._failure(f"the grading worker exited {self.worker.proc.wait()}")
            data += chunk
        try:
            answer = json.loads(data)
        except ValueError:
            return self._failure("the grading worker sent an unreadable answer")
        if not isinstance(answer, dict) or answer.pop("id", None) != nonce:
            return self._failure("the grading worker's answer does not belong to this "
                                 "submission")
        return answer

    def _failure(self, error: str) -> Answer:
        self.worker.startup_log.seek(0)
        log = self.worker.startup_log.read()[-5000:].decode("utf-8", "replace")
        self.stop()
        return {"success": False, "error": error, "log": log}


def _tail(path: Path, size: int = 5000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - size))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


_LOCAL = threading.local()


def shared_server() -> GradingServer:
    """This thread's server (created on first use, stopped at exit).

    One per thread: a Dask worker may run several grading tasks at once in threads, and a
    server grades one submission at a time.
    """
    server = getattr(_LOCAL, "server", None)
    if server is None:
        server = _LOCAL.server = GradingServer()
        atexit.register(server.stop)
    return server
