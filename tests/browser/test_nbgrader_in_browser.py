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

from tools.grading import nbg

from .lab import LabServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "assignments"
HOMEWORK = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
ARTIFACTS = ROOT / "artifacts" / "browser"
FORMGRADER_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"


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
    with LabServer(course_copy, tmp_path / "lab", env={"DL_COURSE_EXCHANGE": str(exchange),
                                                       "PYTHONPATH": str(ROOT)}) as lab:
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
    env = {**os.environ, "DL_COURSE_EXCHANGE": str(exchange), "PYTHONPATH": str(ROOT),
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


def test_formgrader_shows_a_hostile_submission_without_running_it(browser, tmp_path):
    """Issue 15: a student's HTML/JS/SVG/markdown, graded and opened by the instructor in
    formgrader, runs nothing and makes the page fetch nothing from outside."""
    import synthetic
    from adversarial import kinds as K

    from tools.grading import batch, release
    from tools.grading.paths import ensure_venv_on_path

    ensure_venv_on_path()
    src = tmp_path / "src" / "source"
    (src / K.TINY).mkdir(parents=True)
    import nbformat

    nbformat.write(K.tiny_source(), src / K.TINY / f"{K.TINY}.ipynb")
    (src / K.TINY / K.DATA_FILE).write_text("2.0\n")
    (src.parent / "graders").mkdir()
    (src.parent / "graders" / f"{K.TINY}.py").write_text(K.TINY_GRADER)
    root, template = release.build_course(tmp_path / "build", [K.TINY], source_dir=src)
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(src, course / "source")
    shutil.copytree(root / "release", course / "release")
    ctx = K.Context(synthetic.read(root / "release" / K.TINY / f"{K.TINY}.ipynb"),
                    synthetic.read(src / K.TINY / f"{K.TINY}.ipynb"), {})
    hostile = next(k for k in K.kinds() if k.student == "hostile_html")
    K.write(hostile, ctx, tmp_path / "subs")
    report = batch.grade_folder(tmp_path / "subs", [K.TINY], course_dir=course,
                                out_dir=tmp_path / "grades", template_db=template,
                                gradebook=course / "gradebook.db", source_dir=src)
    assert report.results[0].ok and report.results[0].auto_score == 3
    with nbg.gradebook(course / "gradebook.db") as gb:
        notebook_id = gb.find_submission_notebook(K.TINY, K.TINY, "hostile_html").id

    requests, dialogs, console = [], [], []
    with LabServer(course, tmp_path / "lab", env={"PYTHONPATH": str(ROOT)}) as lab:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: console.append(m.text))
        page.goto(lab.page_url(f"formgrader/submissions/{notebook_id}/?index=0"),
                  wait_until="load")
        page.wait_for_timeout(3000)  # time for anything that would fire late
        html = page.content()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "formgrader_hostile_submission.png"), full_page=True)
        page.close()
    assert "bold" in html and "Because squaring is symmetric" in html  # the submission is shown
    assert dialogs == []  # no alert() ran
    outside = [u for u in requests if not u.startswith(lab.url) and not u.startswith("data:")]
    assert [u for u in outside if "evil.example" in u] == []
    # nothing else left the page but MathJax, which nbgrader's own formgrader template loads
    # from cdnjs for every notebook (not student content; offline it simply fails)
    assert [u for u in outside if not u.startswith(FORMGRADER_MATHJAX)] == [], outside
    assert not any("evil" in line for line in console)
