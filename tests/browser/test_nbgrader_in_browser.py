"""nbgrader's JupyterLab extensions, seen in a real browser: the instructor's formgrader lists
the homework, and a student's assignment list shows homework released through a local
exchange."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .lab import LabServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "assignments"
HOMEWORK = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
ARTIFACTS = ROOT / "artifacts" / "browser"


def _wait_for_app(page, lab: LabServer) -> None:
    page.goto(lab.page_url("lab?reset"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=60_000)
    page.wait_for_function("() => window.jupyterapp.commands.hasCommand('nbgrader:open-formgrader')"
                           " || window.jupyterapp.commands.hasCommand('nbgrader:open-assignment-list')",
                           timeout=60_000)


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(COURSE / "source", course / "source")
    shutil.copytree(COURSE / "release", course / "release")
    return course


def test_formgrader_lists_every_homework(course_copy, browser, tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    with LabServer(course_copy, tmp_path / "lab", env={"DL_COURSE_EXCHANGE": str(exchange)}) as lab:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _wait_for_app(page, lab)
        page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-formgrader')")
        frame = page.frame_locator("iframe").first
        for hw in HOMEWORK:
            frame.locator(f"text={hw}").first.wait_for(timeout=60_000)
        frame.locator(f"text={HOMEWORK[0]}").first.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "formgrader.png"))
        page.close()


def test_student_sees_released_homework_in_assignment_list(course_copy, browser, tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    os.chmod(exchange, 0o777)  # nbgrader wants a world-writable exchange root
    env = {**os.environ, "DL_COURSE_EXCHANGE": str(exchange),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    hw = HOMEWORK[0]
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "db", "assignment", "add", hw], cwd=course_copy, env=env, check=True,
                   capture_output=True, timeout=300)
    subprocess.run([*nbgrader, "release_assignment", hw, "--force"], cwd=course_copy, env=env, check=True,
                   capture_output=True, timeout=300)

    student_home = tmp_path / "student"
    student_home.mkdir()
    (student_home / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'dl-course'\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        "c.Exchange.path_includes_course = True\n")
    with LabServer(student_home, tmp_path / "lab-student", env={"DL_COURSE_EXCHANGE": str(exchange)}) as lab:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _wait_for_app(page, lab)
        page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
        page.locator("#released_assignments_list").get_by_text(hw).first.wait_for(timeout=60_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "assignment_list.png"))
        page.close()
