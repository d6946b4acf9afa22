"""`make formgrader`: formgrader works from the course directory, its autograde button is refused.

The server is started the way the Makefile starts it (the guard extension on the command
line, cwd = the course directory); formgrader's API must answer, and the autograde endpoint
must answer 403 with the guard's message instead of running a student's notebook.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser.lab import LabServer

from tools.grading import formgrader_guard

ROOT = Path(__file__).resolve().parents[1]


pytestmark = [pytest.mark.slow, pytest.mark.grading]


def guard_args() -> tuple[str, ...]:
    """The guard part of the Makefile's formgrader command (so the test follows the Makefile)."""
    recipe = re.search(r"^formgrader:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "Makefile has no formgrader target"
    assert "-m tools.course markscheme" in recipe[1]  # graders see the mark scheme
    args = re.findall(r"--ServerApp\.jpserver_extensions \S+|--LabApp\.default_url=\S+",
                      recipe[1])
    assert any("tools.grading.formgrader_guard=True" in a for a in args), recipe[1]
    return tuple(part for a in args for part in a.split(" "))


def request(lab: LabServer, path: str, method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(f"{lab.url}{path}", method=method, data=b"" if method ==
                                 "POST" else None,
                                 headers={"Authorization": f"token {lab.token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_formgrader_autograde_is_refused(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "assignments" / "source", course / "source")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    env = {"PYTHONPATH": str(ROOT), "DL_COURSE_EXCHANGE": str(exchange)}
    with LabServer(course, tmp_path / "lab", extra_args=guard_args(), env=env) as lab:
        status, body = request(lab, "/formgrader/api/assignments")
        assert status == 200 and isinstance(json.loads(body), list)
        # formgrader's own endpoint exists and is reachable ...
        status, body = request(lab, "/formgrader/api/submission/hw1_linear_classifiers/alice")
        assert status != 404 or "formgrader" in body.lower()
        # ... but autograding there is refused before it can start a kernel
        status, body = request(
            lab, "/formgrader/api/submission/hw1_linear_classifiers/alice/autograde", "POST")
        assert status == 403, body
        assert json.loads(body) == {"success": False, "error": formgrader_guard.MESSAGE,
                                    "log": formgrader_guard.MESSAGE}
        # MathJax for formgrader's grading page comes from this server, not a CDN
        status, body = request(lab, f"/{formgrader_guard.MATHJAX_URL}/tex-svg-full.js")
        assert status == 200 and len(body) > 1_000_000 and "MathJax" in body
        # the landing page of `make formgrader` is formgrader itself
        status, _ = request(lab, "/")
        assert status == 200
    assert "formgrader_guard: formgrader's autograde endpoint is refused" in \
        lab.log_path.read_text()
    assert not (course / "autograded").exists()
