"""Autograde submissions of course copies in this process, answer as JSON.

    python tools/grading/worker.py ROOT HW STUDENT [EXTRA_CONFIG_JSON]
    python tools/grading/worker.py --serve ANSWER_FD

The first form grades one submission; the last line of stdout is
``{"success": bool, "error": str, "log": str}`` (used by
:func:`tools.grading.submission.autograde_in_subprocess`, which may prefix the command with a
sandbox). The second form is the long-lived worker of :mod:`tools.grading.server`: it imports
nbgrader once, then reads one request per line on stdin
(``{"root", "hw", "student", "extra", "env"}``) and writes each answer as one JSON line to
the inherited pipe ``ANSWER_FD``, never to stdout: a kernel shares the worker's stdout, and
what a student's code writes there must not be mistaken for an answer.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# submission.autograde_in_subprocess runs this file BY PATH (its folder, not the repo, is then
# sys.path[0]) with the grader's environment: the repo root is put first so the course's
# ``tools`` package imports. Drop this line when the spawner runs ``python -m
# tools.grading.worker`` with the repo root as cwd or PYTHONPATH.
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from traitlets.config import Config  # noqa: E402

from tools.grading import nbg  # noqa: E402

#: Address space of the trusted worker: what a flood of kernel messages can cost at most.
WORKER_MEMORY_BYTES = 8 * 2**30
#: Where, in a submission's course copy, a long-lived worker's stderr goes while it grades it.
STDERR_FILE = "worker-stderr.log"
#: What of a submission's environment a long-lived worker takes over (see sandbox.worker_env).
SUBMISSION_ENV = ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS")


def autograde(root: Path, hw: str, student: str, extra: Config | None) -> nbg.Answer:
    """nbgrader's autograde of ``student``'s ``hw`` in the course copy ``root``, as JSON data."""
    api = nbg.make_api(nbg.load_config(root, extra=extra))
    answer = nbg.run(lambda: api.autograde(hw, student, force=True, create=True),
                     f"autograde {hw} for {student}", timeout=None, check=False)
    return {"success": bool(answer.get("success")), "error": str(answer.get("error", "")),
            "log": str(answer.get("log", ""))[-20000:]}


def serve(answer_fd: int) -> int:
    """Grade one request per stdin line until stdin closes (the parent is gone or done)."""
    os.set_inheritable(answer_fd, False)  # no kernel or helper process may hold the answer pipe
    # what every autograde needs, imported once: the reason this worker is long-lived
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import nbgrader.api  # noqa: F401
    import nbgrader.apps  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    nbg.load_config(Path.cwd())  # the course config, with the pipeline's preprocessors

    with os.fdopen(answer_fd, "w", encoding="utf-8") as answers:
        for line in sys.stdin:
            request = json.loads(line)
            root = Path(request["root"])
            _stderr_to(root / STDERR_FILE)  # the kernel inherits this submission's file only
            # the sandbox kernelspec and runtime folder of this submission's course copy
            os.environ.update({k: str(v) for k, v in request["env"].items()
                               if k in SUBMISSION_ENV})
            extra = Config(request["extra"]) if request.get("extra") else None
            try:
                answer = dict(autograde(root, request["hw"], request["student"], extra))
            except Exception as exc:  # noqa: BLE001 - one bad submission must not end the worker
                answer = {"success": False, "error": f"{type(exc).__name__}: {exc}", "log": ""}
            answer["id"] = request["id"]
            answers.write(json.dumps(answer) + "\n")
            answers.flush()
    return 0


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
