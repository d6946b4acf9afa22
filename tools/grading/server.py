"""A long-lived autograde worker: nbgrader is imported once, not once per submission.

A fresh worker process per submission (:func:`submission.autograde_in_subprocess`) spends
most of a small homework's grading time starting Python and importing nbgrader. A
:class:`GradingServer` keeps one worker (``worker.py --serve``) and sends it one submission
at a time. Each submission still gets its own throwaway course copy, its own gradebook and
its own sandboxed kernel; only the trusted grader process is reused. The protections stay:

* the worker runs in a session of its own under the same memory limit, and a submission
  over its wall-clock budget gets the whole session killed (its kernel exits with it);
* answers come back on a private pipe that the kernel does not inherit, so nothing a
  student's code prints can pose as an answer;
* after any submission that did not grade cleanly (kernel death, timeout, an exception), and
  after :data:`MAX_TASKS` submissions, the worker is replaced by a fresh one, so whatever a
  hostile notebook did to the grader process cannot reach the next student.

One server per grading thread: the serial run, each process of the ``WORKERS=`` pool and
each Dask worker thread have their own (:func:`shared_server`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from traitlets.config import Config

from .nbg import Answer

#: Submissions one worker grades before it is replaced (bounds what a slow leak can grow to).
MAX_TASKS = 50
WORKER = Path(__file__).resolve().parent / "worker.py"
#: What of the per-submission environment the worker takes over (see sandbox.worker_env).
SUBMISSION_ENV = ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS")


class GradingServer:
    """One long-lived ``worker.py --serve`` process, started on demand and replaced on failure."""

    def __init__(self, *, max_tasks: int = MAX_TASKS) -> None:
        self.max_tasks = max_tasks
        self.proc: subprocess.Popen | None = None
        self.answers: int | None = None  # read end of the answer pipe
        self.stderr = None
        self.tasks = 0
        self.started = 0  # workers started so far (tests read it)

    def start(self) -> None:
        """Start a worker now (it imports nbgrader while the caller does other work)."""
        from .submission import _limit_worker

        self.stop()
        read, write = os.pipe()
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), "--serve", str(write)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=self.stderr, pass_fds=(write,), text=True,
            start_new_session=True, preexec_fn=_limit_worker)
        os.close(write)
        self.answers, self.tasks = read, 0
        self.started += 1

    def warm(self) -> None:
        """Start a worker unless one is running (call it before the first submission)."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()

    def stop(self) -> None:
        """Kill the worker's whole session (its kernel, if one is running, dies with it)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            self.proc.wait()
            self.proc = None
        if self.answers is not None:
            os.close(self.answers)
            self.answers = None
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None

    def autograde(self, root: Path, hw: str, student: str, extra: Config | None,
                  timeout: float, env: dict[str, str]) -> Answer:
        """Autograde one staged submission; the answer of ``worker.autograde``.

        ``env`` is the submission's worker environment (:func:`sandbox.worker_env`), of which
        the :data:`SUBMISSION_ENV` variables are applied in the worker.
        """
        self.warm()
        request = {"root": str(root), "hw": hw, "student": student, "extra": extra or {},
                   "env": {k: env[k] for k in SUBMISSION_ENV if k in env}}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except OSError:
            answer = self._failure(f"the grading worker exited {self.proc.poll()}")
        else:
            answer = self._read_answer(timeout, f"autograde {hw} for {student}")
        self.tasks += 1
        if not answer.get("success") or self.tasks >= self.max_tasks:
            self.start()  # a fresh grader for the next student, warming up meanwhile
        return answer

    def _read_answer(self, timeout: float, what: str) -> Answer:
        deadline = time.monotonic() + timeout
        data = b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.answers], [], [], max(left, 0))
            if not ready:
                return self._failure(f"{what} took longer than {timeout:.0f} s")
            chunk = os.read(self.answers, 1 << 16)
            if not chunk:
                return self._failure(f"the grading worker exited {self.proc.wait()}")
            data += chunk
        try:
            return json.loads(data)
        except ValueError:
            return self._failure("the grading worker sent an unreadable answer")

    def _failure(self, error: str) -> Answer:
        log = ""
        if self.stderr is not None:
            self.stderr.seek(0)
            log = self.stderr.read()[-5000:].decode("utf-8", "replace")
        self.stop()
        return {"success": False, "error": error, "log": log}


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
