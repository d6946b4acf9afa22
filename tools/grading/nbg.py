"""nbgrader through its in-process Python API, with a wall-clock limit and loud failures.

Every nbgrader call of the pipeline goes through :func:`run`, which turns nbgrader's
``{'success': False, 'error': ..., 'log': ...}`` answers into an exception (nbgrader's CLI
would exit 0 on a failed validation and keep stale grades after a failed autograde).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .paths import CONFIG_FILE, ensure_venv_on_path

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

DEFAULT_TIMEOUT = 600.0


class Answer(TypedDict):
    """What an nbgrader API call answers (and what every autograde executor returns)."""

    success: bool
    error: NotRequired[str]
    log: str


class NbgraderFailure(RuntimeError):
    """An nbgrader step failed; the message carries the step, error and log tail."""


class WallClockTimeout(Exception):
    """A step ran longer than its wall-clock budget."""


@contextlib.contextmanager
def gradebook(path: Path | str) -> Iterator[Gradebook]:
    """nbgrader's gradebook in the sqlite file ``path``, open for the ``with`` block.

    The one place that turns a gradebook file into nbgrader's database URL (from the absolute
    path: a relative one would depend on the working directory).
    """
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(path).resolve()}") as gb:
        yield gb


@contextlib.contextmanager
def wall_clock(seconds: float | None, what: str) -> Iterator[None]:
    """Raise :class:`WallClockTimeout` in the main thread if the block outlasts ``seconds``.

    nbgrader's per-cell ``Execute.timeout`` bounds each cell, not a whole notebook; this
    bounds the whole step. Off the main thread (where signals cannot be used) it is a no-op.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:  # an enclosing limit (pytest-timeout) fires first
        yield
        return

    def expire(signum, frame):
        raise WallClockTimeout(f"{what} took longer than {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:  # give the enclosing limit back what is left of it
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def load_config(root: Path, *, db_path: Path | None = None, extra: Config | None = None) -> Config:
    """The course's nbgrader config, re-pointed at the course copy ``root``.

    Parameters
    ----------
    root : Path
        Course directory to work in (has ``source/``, maybe ``submitted/``...).
    db_path : Path, optional
        Gradebook file; default ``root/gradebook.db``.
    extra : Config, optional
        Settings merged last (tests use it for short timeouts or an exchange root).
    """
    cfg = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    root = Path(root).resolve()
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.db_url = f"sqlite:///{(db_path or root / 'gradebook.db').resolve()}"
    cfg.NbGraderAPI.log_level = logging.WARNING
    if extra is not None:
        cfg.merge(extra)
    return cfg


def make_api(cfg: Config):
    """An ``NbGraderAPI`` bound to the course directory named in ``cfg``."""
    ensure_venv_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    share_compiled_templates()
    return NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)


def share_compiled_templates() -> None:
    """Compile nbconvert's Jinja templates once per process, not once per feedback file.

    nbgrader makes a new HTML exporter, so a new Jinja environment, for every feedback file,
    and each one compiled the same ten templates again: about 0.25 s of every submission
    (profiled). A Jinja bytecode cache shared by those environments keeps each compiled
    template; Jinja checks the template's source checksum on every load, so an edited
    template is compiled afresh.
    """
    from nbconvert.exporters.templateexporter import TemplateExporter

    if getattr(TemplateExporter._create_environment, "shares_bytecode", False):
        return
    create = TemplateExporter._create_environment

    def create_sharing(self):
        environment = create(self)
        # async and sync environments compile the same template differently: one cache each
        environment.bytecode_cache = _BYTECODE.setdefault(environment.is_async,
                                                          _MemoryBytecodeCache())
        return environment

    create_sharing.shares_bytecode = True
    TemplateExporter._create_environment = create_sharing


class _MemoryBytecodeCache:
    """Jinja's bytecode-cache interface, kept in this process's memory."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source):
        from jinja2.bccache import Bucket

        key = hashlib.sha1(f"{name}|{filename or ''}".encode()).hexdigest()
        bucket = Bucket(environment, key, hashlib.sha1(source.encode()).hexdigest())
        if key in self.store:
            bucket.bytecode_from_string(self.store[key])  # reset if the checksum differs
        return bucket

    def set_bucket(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE: dict[bool, _MemoryBytecodeCache] = {}


def run(call: Callable[[], dict], what: str, *, timeout: float | None = DEFAULT_TIMEOUT,
        check: bool = True) -> Answer:
    """Run one nbgrader API call under a wall-clock limit.

    Parameters
    ----------
    call : callable
        E.g. ``lambda: api.autograde("hw1", "alice", force=True)``.
    what : str
        Names the step in errors.
    check : bool
        Raise :class:`NbgraderFailure` when nbgrader reports failure.

    Returns
    -------
    dict
        nbgrader's answer: ``success`` (bool), ``log`` and, on failure, ``error``.
    """
    try:
        with wall_clock(timeout, what):
            result = call()
    except WallClockTimeout as exc:
        result = {"success": False, "error": str(exc), "log": ""}
    if check and not result.get("success"):
        tail = "\n".join(str(result.get("log", "")).splitlines()[-25:])
        raise NbgraderFailure(f"{what} failed: {result.get('error', '')}\n--- log tail ---\n{tail}")
    return result
