"""Autograde one submission of a course copy in this process, print the answer as JSON.

    python tools/grading/worker.py ROOT HW STUDENT [EXTRA_CONFIG_JSON]

Used by :func:`tools.grading.submission.autograde_in_subprocess`, which may prefix the command
with a sandbox (bubblewrap, prlimit...). The last line of stdout is
``{"success": bool, "error": str, "log": str}``.
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


def main(argv: list[str]) -> int:
    os.umask(0o077)  # what nbgrader writes (the notebook with hidden tests) stays private
    root, hw, student = Path(argv[0]), argv[1], argv[2]
    extra = Config(json.loads(argv[3])) if len(argv) > 3 else None
    api = nbg.make_api(nbg.load_config(root, extra=extra))
    answer = nbg.run(lambda: api.autograde(hw, student, force=True, create=True),
                     f"autograde {hw} for {student}", timeout=None, check=False)
    print(json.dumps({"success": bool(answer.get("success")),
                      "error": str(answer.get("error", "")),
                      "log": str(answer.get("log", ""))[-20000:]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
