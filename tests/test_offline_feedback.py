"""Feedback readable offline; the mark scheme in formgrader only; figures and no Fontconfig noise.

A tiny nbgrader homework (a formula, a plotting answer, a long error line, a written answer
with a model answer and mark scheme) goes through generate_assignment, autograde, the mark
scheme annotation and generate_feedback with the course's nbgrader_config.py. The feedback is
then opened in Chromium with every network request refused.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter

from tools.grading import markscheme, nbg, offline_feedback, sandbox, submission

ROOT = Path(__file__).resolve().parents[1]


pytestmark = [pytest.mark.slow, pytest.mark.grading]
HW = "hwf"
SCHEME = "Mark scheme (2). 1: names the fixed point; 1: gives x = 0."
LONG = "the worst is at index (1,): expected -2.370605012, got -2.370605338 " * 4


def _meta(**kw):
    return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False,
                         "grade": False, **kw}}


def source_notebook() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("The loss is $L(w) = \\frac{1}{2} w^2$ and "
                                      "$$w_{t+1} = (1 - \\eta) w_t.$$",
                                      metadata=_meta(grade_id="intro", locked=True)),
        nbformat.v4.new_code_cell(
            "def curve():\n    ### BEGIN SOLUTION\n    import matplotlib.pyplot as plt\n"
            "    fig, ax = plt.subplots(figsize=(2, 2))\n    ax.plot([0, 1], [1, 0])\n"
            "    plt.show()\n    return 1\n    ### END SOLUTION",
            metadata=_meta(grade_id="curve", solution=True)),
        nbformat.v4.new_code_cell("curve()", metadata=_meta(grade_id="draw", locked=True)),
        nbformat.v4.new_code_cell(f"assert curve() == 2, {LONG!r}",
                                  metadata=_meta(grade_id="test_curve", grade=True, points=3,
                                                 locked=True)),
        nbformat.v4.new_markdown_cell("**Question (2 points).** Where does $w$ end up?",
                                      metadata=_meta(grade_id="q_text", locked=True)),
        nbformat.v4.new_markdown_cell(f"**Model answer.** At $w = 0$.\n\n**{SCHEME}**",
                                      metadata=_meta(grade_id="q_answer", solution=True,
                                                     grade=True, points=2)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                              "language": "python"}
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """generate_assignment, one honest submission autograded, annotated, feedback written."""
    root = tmp_path_factory.mktemp("course")
    src = root / "source" / HW
    src.mkdir(parents=True)
    nb = source_notebook()
    nbformat.write(nb, src / f"{HW}.ipynb")
    api = nbg.make_api(nbg.load_config(root))
    nbg.run(lambda: api.generate_assignment(HW, force=True), "generate")
    released = nbformat.read(root / "release" / HW / f"{HW}.ipynb", as_version=4)
    answer = nbformat.read(src / f"{HW}.ipynb", as_version=4)  # the solution as a student
    answer.cells[1].source = "\n".join(line for line in answer.cells[1].source.splitlines()
                                        if "SOLUTION" not in line)
    answer.cells[5].source = "It goes to zero, since each step multiplies it by 1 - eta."
    for cell, rel in zip(answer.cells, released.cells, strict=True):
        cell.metadata = rel.metadata
    sub = root / "submitted" / "alice" / HW
    sub.mkdir(parents=True)
    nbformat.write(answer, sub / f"{HW}.ipynb")
    nbg.run(lambda: api.autograde(HW, "alice", force=True, create=True), "autograde")
    added = markscheme.annotate_course(root, root / "source")
    nbg.run(lambda: api.generate_feedback(HW, "alice", force=True), "feedback")
    return root, released, added


def test_release_has_no_mark_scheme(course):
    _, released, _ = course
    assert SCHEME not in str(released)


def test_formgrader_notebook_shows_the_scheme_after_the_answer(course):
    root, _, added = course
    graded = nbformat.read(root / "autograded" / "alice" / HW / f"{HW}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in graded.cells]
    at = ids.index("q_answer")
    assert added == 1 and markscheme.is_scheme(graded.cells[at + 1])
    assert SCHEME in graded.cells[at + 1].source
    # annotating again replaces the cell instead of adding a second one
    assert markscheme.annotate_course(root, root / "source") == 1
    again = nbformat.read(root / "autograded" / "alice" / HW / f"{HW}.ipynb", as_version=4)
    assert sum(markscheme.is_scheme(c) for c in again.cells) == 1


def test_graded_notebook_keeps_the_figure(course):
    root, _, _ = course
    graded = nbformat.read(root / "autograded" / "alice" / HW / f"{HW}.ipynb", as_version=4)
    draw = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") ==
                "draw")
    assert any("image/png" in o.get("data", {}) for o in draw.outputs)


def test_feedback_html_is_offline_and_has_no_scheme(course):
    root, _, _ = course
    html = (root / "feedback" / "alice" / HW / f"{HW}.html").read_text()
    assert SCHEME not in html and "Instructor only" not in html
    assert 'id="dl-offline-mathjax"' in html and "MathJax" in html
    assert not re.findall(r"<script[^>]+src=", html), "feedback loads a script from elsewhere"
    assert "cdnjs" not in html
    assert "white-space: pre-wrap" in html
    assert re.search(r'<img[^>]*src="data:image/png;base64', html)  # the student's figure


def _page(html: str):
    """A page as its tags (name and attributes, in any order) and its text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    tags = [(t.name, sorted((k, " ".join(v) if isinstance(v, list) else v)
                            for k, v in t.attrs.items())) for t in soup.find_all(True)]
    return tags, soup.get_text()


class _WithSoup(offline_feedback.FeedbackExporter):
    """The course's feedback exporter with nbconvert's own HTMLExporter pass (the oracle)."""

    from_notebook_node = HTMLExporter.from_notebook_node


def test_feedback_exporter_writes_the_page_html_exporter_would(course, tmp_path):
    """FeedbackExporter skips HTMLExporter's BeautifulSoup pass (0.3 s of a homework-1
    feedback). The oracle: generate_feedback again in a copy of the course with nbconvert's
    own HTMLExporter.from_notebook_node; the same tags, attributes and text, and the
    figure has its alt text."""
    from traitlets.config import Config

    root, _, _ = course
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    oracle = Config()
    oracle.GenerateFeedback.exporter_class = _WithSoup
    api = nbg.make_api(nbg.load_config(copy, extra=oracle))
    nbg.run(lambda: api.generate_feedback(HW, "alice", force=True), "feedback with the oracle")
    ours = (root / "feedback" / "alice" / HW / f"{HW}.html").read_text()
    theirs = (copy / "feedback" / "alice" / HW / f"{HW}.html").read_text()
    assert ours != theirs  # the oracle did run (BeautifulSoup writes the page its own way)
    assert _page(ours) == _page(theirs)
    images = [attrs for name, attrs in _page(ours)[0] if name == "img"]
    assert images and all(("alt", offline_feedback.DEFAULT_ALT) in attrs for attrs in images)


def test_missing_alt_is_added_to_images_only():
    images = ('<img src="a.png"><IMG SRC="b.png"><img alt="a plot" src="c.png"><img src="x>y">'
              '<img/src="e.png"><img src="f.png" ALT=\'x\'><img title="alt=1" src="g.png">'
              '<img\nsrc="h.png"><img><img alt src="i.png">')
    default = offline_feedback.DEFAULT_ALT
    fixed = offline_feedback.add_missing_alt(images)
    assert [dict(attrs).get("alt") for _, attrs in _page(fixed)[0]] == [
        default, default, "a plot", default, default, "x", default, default, default, ""]
    assert offline_feedback.add_missing_alt(fixed) == fixed  # once is enough
    text = ('<script>var s = "<img src=x>";</script><style>/* <img> */</style>'
            '<!-- <img src=y> --><textarea><img src=z></textarea>')
    assert offline_feedback.add_missing_alt(text) == text  # text, not tags: left alone


def test_added_alt_text_cannot_break_out_of_an_attribute():
    """An ``<img`` inside an attribute value (raw HTML the sanitizer would escape, if it ever
    got through) gets the alt text as well, but the text has no quote to end the value."""
    html = ('<a title="<img onmouseover=alert(1) x">t</a><a title=\'<img src=1>\'>u</a>'
            '<a title=<img/onmouseover=alert(1)>x</a><a href=x<img/onclick=alert(1)>y</a>')
    fixed = offline_feedback.add_missing_alt(html)
    assert fixed == html  # no image tag there: nothing to add, nothing that could split a tag
    assert [name for name, _ in _page(fixed)[0]] == ["a", "a", "a", "a"]


def test_the_alt_scan_stays_linear_on_unclosed_comments_and_scripts():
    import time

    for opener in ("<!--", "<script", "<title", "<img ", '<img "'):
        start = time.perf_counter()
        offline_feedback.add_missing_alt(opener * 50_000)
        assert time.perf_counter() - start < 2, opener


@pytest.mark.browser
def test_feedback_renders_formulas_and_wraps_lines_without_network(course, tmp_path):
    from browser.lab import CHROMIUM, CHROMIUM_ARGS, chromium_available

    if not chromium_available():
        pytest.skip(f"chromium not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    root, _, _ = course
    html = root / "feedback" / "alice" / HW / f"{HW}.html"
    refused = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 900})

        def block(route):
            if route.request.url.startswith(("file:", "data:")):
                return route.continue_()
            refused.append(route.request.url)
            return route.abort()

        page.route("**/*", block)
        page.goto(html.as_uri())
        page.wait_for_selector("mjx-container svg", timeout=30_000)
        formulas = page.locator("mjx-container").count()
        raw_dollars = page.evaluate("() => document.body.innerText.includes('$L(w)')")
        overflow = page.evaluate("""() => Array.from(document.querySelectorAll('.output_area pre'))
            .filter(p => p.textContent.includes('the worst is at index'))
            .map(p => p.scrollWidth - p.clientWidth)""")
        shots = ROOT / "artifacts" / "feedback"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "offline_feedback.png"), full_page=True)
        browser.close()
    assert formulas >= 3 and not raw_dollars
    assert overflow and max(overflow) <= 1, f"long error line overflows by {overflow} px"
    assert refused == []


def test_sandboxed_kernel_draws_figures_without_fontconfig_noise(course, tmp_path):
    """The real sandbox: inline backend and /etc/fonts (sandbox.kernel_env, readonly_paths)."""
    if not sandbox.isolation()[0]:
        pytest.skip("bubblewrap cannot sandbox here: " + sandbox.isolation()[1])
    root, _, _ = course
    copy = tmp_path / "copy"
    shutil.copytree(root / "source", copy / "source")
    shutil.copy(root / "gradebook.db", copy / "gradebook.db")
    shutil.copytree(root / "submitted", copy / "submitted")
    run = functools.partial(submission.autograde_sandboxed, isolate=True)
    answer = run(copy, HW, "alice", None, 240.0)
    assert answer.get("success"), answer
    graded = nbformat.read(copy / "autograded" / "alice" / HW / f"{HW}.ipynb", as_version=4)
    text = nbformat.writes(graded)
    assert "Fontconfig" not in text
    assert "image/png" in text
