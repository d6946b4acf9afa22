"""A warm autograde worker: nbgrader is imported once, not once per submission.

A fresh worker process per submission (:func:`submission.autograde_in_subprocess`) spends
most of a small homework's grading time starting Python and importing nbgrader. A
:class:`GradingServer` keeps one warm worker (``worker.py --serve``) that has imported
nbgrader and forks a grading process for each submission. Each submission still gets its
own throwaway course copy, its own gradebook, its own sandboxed kernel and now its own
grading process; only the imports are shared. The warm parent is used only where the
kernel runs in bubblewrap (:func:`submission.autograde_sandboxed` falls back to a fresh
process per submission without it: a kernel outside a pid namespace could reach the warm
parent through ``/proc``). The protections:

* the warm parent never grades and never talks to a kernel; whatever a submission does to
  its grading process (the only process its kernel talks to) ends when that process exits,
  before the next submission's process is forked;
* every process runs under the same memory limit; a submission over its wall-clock budget
  gets its grading process's group killed (bubblewrap's ``--die-with-parent`` takes the
  kernel along), and the warm parent goes on;
* messages come back on a private pipe that the kernel does not inherit, each echoing a
  random id sent with its request, so nothing a student's code writes can pose as an answer;
  a message that does not belong, or a warm parent that stops answering, gets the warm
  parent replaced;
* the grading process's stderr is a write-only file in that submission's course copy, so no
  student's text reaches another's log.

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

WORKER = Path(__file__).resolve().parent / "worker.py"
#: Seconds the warm parent may take to report a killed grading process gone.
EXIT_GRACE = 10.0
#: An answer carries at most 20 kB of log: anything far longer is not one.
MAX_MESSAGE_BYTES = 16 * 2**20


@dataclass
class _Worker:
    proc: subprocess.Popen
    answers: int  # read end of the private answer pipe
    startup_log: IO[bytes]  # the warm parent's stderr (import errors)
    pending: bytes = b""  # what was read past the last complete line


def _spawn() -> _Worker:
    read, write = os.pipe()
    log = tempfile.TemporaryFile()
    # one BLAS thread: the warm parent forks, and a thread pool does not survive a fork
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), "--serve", str(write)], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=log, pass_fds=(write,), text=True,
        start_new_session=True, env=env)
    os.close(write)
    return _Worker(proc, read, log)


def _kill(worker: _Worker) -> None:
    _kill_group(worker.proc.pid)  # its session: the warm parent
    with contextlib.suppress(OSError):
        worker.proc.stdin.close()
    worker.proc.wait()
    os.close(worker.answers)
    worker.startup_log.close()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _Broken(Exception):
    """The warm parent broke the protocol (or is gone): it is replaced."""


class _Unreadable(_Broken):
    """A line that is not JSON (after a kill: the half answer of the killed process)."""


class GradingServer:
    """One warm ``worker.py --serve`` process, started on demand and replaced if it breaks."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.started = 0  # warm parents started so far (tests read it)
        #: the grading process of each submission sent so far (tests read it)
        self.graded_by: list[int] = []
        self._answered: set[str] = set()  # ids of requests already answered

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.worker.proc if self.worker else None

    def start(self) -> None:
        """Start a fresh warm parent (it imports nbgrader meanwhile), replacing the current one."""
        self.stop()
        self.worker = _spawn()
        self.started += 1

    def warm(self) -> None:
        """Start a warm parent unless one is running (call it before the first submission)."""
        if self.worker is None or self.worker.proc.poll() is not None:
            self.start()

    def stop(self) -> None:
        """Kill the warm parent; a grading process still running dies with it."""
        if self.worker is not None:
            _kill(self.worker)
            self.worker = None

    def autograde(self, root: Path, hw: str, student: str, extra: Config | None,
                  timeout: float, env: dict[str, str]) -> Answer:
        """Autograde one staged submission in a process of its own; ``worker.autograde``'s answer.

        ``env`` is the submission's worker environment (:func:`sandbox.worker_env`), of which
        only the :data:`SUBMISSION_ENV` variables are sent. The grading process's stderr goes
        to ``root/worker-stderr.log`` (write-only for the kernel, which inherits it): no other
        student's text can show up in this one's log.
        """
        self.warm()
        nonce = secrets.token_hex(16)  # every message must echo it: nothing else can pose as one
        request = {"id": nonce, "root": str(root), "hw": hw, "student": student,
                   "extra": extra or {}, "env": {k: env[k] for k in SUBMISSION_ENV if k in env}}
        what = f"autograde {hw} for {student}"
        try:
            self.worker.proc.stdin.write(json.dumps(request) + "\n")
            self.worker.proc.stdin.flush()
            answer = self._answer(nonce, time.monotonic() + timeout,
                                  f"{what} took longer than {timeout:.0f} s")
        except OSError:
            answer = self._failure(f"the grading worker exited {self.worker.proc.poll()}")
        except _Broken as exc:
            answer = self._failure(str(exc))
        except BaseException:  # interrupted (Ctrl-C...): no grading outlives its deadline
            self.stop()
            raise
        self._answered.add(nonce)
        if not answer.get("success"):
            answer["log"] = answer.get("log") or _tail(Path(root) / STDERR_FILE)
        return answer

    def _answer(self, nonce: str, deadline: float, late: str) -> Answer:
        """Read this request's messages: the grading process, its answer, its exit."""
        pid = answer = None
        while True:
            try:
                message = self._message(nonce, deadline)
            except _Unreadable:
                if pid is None or answer is not None:
                    raise
                continue  # its process died in the middle of it: the exit line follows
            except TimeoutError:
                if pid is None:
                    raise _Broken(late) from None
                _kill_group(pid)  # the warm parent reaps it and reports its exit
                self._message_after_kill(nonce, pid)
                # an answer already complete still counts: only its process was slow to end
                return answer or {"success": False, "error": late, "log": ""}
            if "pid" in message and pid is None:
                pid = int(message["pid"])
                self.graded_by.append(pid)
            elif "exit" in message:
                if answer is None:
                    return {"success": False, "log": "", "error": "the grading process exited "
                            f"{message['exit']} without an answer"}
                return answer
            elif pid is not None and answer is None:
                answer = message
            else:
                raise _Broken("the grading worker sent a message out of turn")

    def _message_after_kill(self, nonce: str, pid: int) -> None:
        deadline = time.monotonic() + EXIT_GRACE
        while True:
            try:
                if "exit" in self._message(nonce, deadline):
                    return
            except TimeoutError:
                raise _Broken(f"the grading worker did not report process {pid} gone") \
                    from None
            except _Unreadable:
                continue  # half an answer, cut by the kill: the exit line follows

    def _message(self, nonce: str, deadline: float) -> dict:
        """The next JSON line on the answer pipe, which must carry ``nonce``.

        A line of a request already answered is dropped: a grading process that was slow to
        die must not fail the next student.
        """
        while True:
            message = self._line(deadline)
            got = message.pop("id", None)
            if got == nonce:
                return message
            if got not in self._answered:
                raise _Broken("the grading worker's answer does not belong to this submission")

    def _line(self, deadline: float) -> dict:
        worker = self.worker
        while b"\n" not in worker.pending:
            ready, _, _ = select.select([worker.answers], [], [],
                                        max(deadline - time.monotonic(), 0))
            if not ready:
                raise TimeoutError
            chunk = os.read(worker.answers, 1 << 16)
            if not chunk:
                raise _Broken(f"the grading worker exited {worker.proc.wait()}")
            worker.pending += chunk
            if len(worker.pending) > MAX_MESSAGE_BYTES:
                raise _Broken("the grading worker sent an answer too large to be one")
        line, worker.pending = worker.pending.split(b"\n", 1)
        if not line.strip():  # the newline the warm parent puts before an exit line
            return self._line(deadline)
        try:
            message = json.loads(line)
        except ValueError:
            raise _Unreadable("the grading worker sent an unreadable answer") from None
        if not isinstance(message, dict):
            raise _Broken("the grading worker's answer does not belong to this submission")
        return message

    def _failure(self, error: str) -> Answer:
        log = self._startup_tail()
        self.stop()
        return {"success": False, "error": error, "log": log}

    def _startup_tail(self) -> str:
        if self.worker is None:
            return ""
        self.worker.startup_log.seek(0)
        return self.worker.startup_log.read()[-5000:].decode("utf-8", "replace")


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
