"""Each lesson, opened in real JupyterLab in headless Chromium, runs without errors and shows
live widgets (not text, not "Error displaying widget"); the optimizer playground redraws when a
control moves. A screenshot of each lesson goes to artifacts/browser/."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .lab import (
    JS_WIDGET_REPORT,
    LabServer,
    error_outputs,
    nudge_slider,
    open_notebook,
    run_all_cells,
    widget_outputs,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Console errors that would mean the course itself is broken in the page (widgets, figures).
COURSE_ERROR = re.compile(r"widget|jupyter-widgets|ipywidgets|dlhelpers|matplotlib|Model not found|"
                          r"Could not create (a )?(model|view)|Class .* not found", re.IGNORECASE)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, browser):
    root = tmp_path_factory.mktemp("lessons")
    for name in LESSONS:  # a copy: running cells in the browser must not touch the committed lessons
        shutil.copy(ROOT / "notebooks" / name, root / name)
    with LabServer(root, tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_in_jupyterlab(lesson, lab, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    try:
        open_notebook(page, lab, lesson)
        nb = run_all_cells(page)
        assert not error_outputs(nb), f"{lesson}: cells raised {error_outputs(nb)}"

        report = page.evaluate(JS_WIDGET_REPORT)
        expected = widget_outputs(nb)
        assert report["errorBoxes"] == 0, f"{lesson}: 'Error displaying widget' shown {report['errorBoxes']}x"
        assert report["loading"] == 0, f"{lesson}: a widget is stuck at 'Loading widget...'"
        assert report["rendered"] >= expected, (
            f"{lesson}: the kernel displayed {expected} widgets but only {report['rendered']} rendered live")

        if "optimizer_playground(" in json.dumps(nb):
            _check_playground_redraws(page, nb, lesson)
        if "transfer_explorer(" in json.dumps(nb):
            _check_widget_redraws(page, nb, lesson, "transfer_explorer(", "transfer explorer")

        first_widget = page.locator(".jp-OutputArea-output > .jupyter-widgets").first
        if expected:
            first_widget.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"{Path(lesson).stem}.png"))
        course_errors = [m for m in messages if m.startswith("pageerror") or COURSE_ERROR.search(m)]
        assert not course_errors, f"{lesson}: JavaScript errors from the course: {course_errors[:5]}"
    finally:
        (ARTIFACTS / f"{Path(lesson).stem}.console.txt").write_text("\n".join(messages))
        page.evaluate("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                      " && window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()


def _check_playground_redraws(page, nb: dict, lesson: str) -> None:
    index = next(i for i, c in enumerate(nb["cells"])
                 if c["cell_type"] == "code" and "optimizer_playground(" in "".join(c["source"])
                 and any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.get("outputs", [])))
    widget = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output > .jupyter-widgets").first
    before, after = nudge_slider(page, widget)
    assert before, f"{lesson}: the optimizer playground shows no figure"
    assert after != before, f"{lesson}: moving a playground slider did not change its figure"


def _check_widget_redraws(page, nb: dict, lesson: str, builder: str, name: str) -> None:
    """Move the first slider of the widget that ``builder`` displays; its figure must change."""
    index = next(i for i, c in enumerate(nb["cells"])
                 if c["cell_type"] == "code" and builder in "".join(c["source"])
                 and any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.get("outputs", [])))
    widget = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output > .jupyter-widgets").first
    before, after = nudge_slider(page, widget)
    assert before, f"{lesson}: the {name} shows no figure"
    assert after != before, f"{lesson}: moving a slider of the {name} did not change its figure"
