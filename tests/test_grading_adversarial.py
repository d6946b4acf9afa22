"""Adversarial submissions through ``make grade``'s pipeline (issue 7).

One class folder holds every kind in ``tests/adversarial/kinds.py`` plus two honest students
of a tiny homework, graded in ONE ``batch.grade_folder`` run with low limits; the tests read
that run. For every kind: the class is graded, the submission earns at most what its honest
part deserves and is flagged in the grading report, honest students get exactly their
scores, and the real gradebook stays consistent and untouched by student code. Then: the
fallback without bubblewrap (warning shown, gradebook restored), and one cheating submission
per real homework.
"""

import functools
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
import synthetic
from adversarial import kinds as K
from traitlets.config import Config

from tools.grading import batch, nbg, release, sandbox
from tools.grading.paths import ensure_venv_on_path, homework_names, notebook_name

ROOT = Path(__file__).resolve().parents[1]


pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.timeout(1500)]

#: Low limits so that hogs end fast; honest tiny submissions stay far below them. The memory
#: hog touches every byte it gets before its MemoryError (numpy takes about 0.6 GB of the
#: address space first): 0.4 GB here, as memory a fresh virtual machine touches for the first
#: time can be slow to hand out (a clean CI run timed out the hog at 1.5 GB and 5 s a cell).
LIMITS = sandbox.Limits(memory_mb=1024, cpu_seconds=30, processes=32, file_mb=8)
PER_CELL = 8  # seconds; a shared 2-core machine under load needs the margin
PER_SUBMISSION = 90.0
KINDS = {k.student: k for k in K.kinds()}
HONEST = ("honest_full", "honest_part")


def _extra() -> Config:
    extra = Config()
    extra.Execute.timeout = PER_CELL
    extra.Execute.iopub_timeout = 2
    return extra


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    ensure_venv_on_path()
    src = tmp_path_factory.mktemp("adv-src") / "source"
    (src / K.TINY).mkdir(parents=True)
    nbformat.write(K.tiny_source(), src / K.TINY / f"{K.TINY}.ipynb")
    (src / K.TINY / K.DATA_FILE).write_text("2.0\n")
    graders = src.parent / "graders"  # the trusted grader spec, next to source/ as in assignments/
    graders.mkdir()
    (graders / f"{K.TINY}.py").write_text(K.TINY_GRADER)
    root, template = release.build_course(tmp_path_factory.mktemp("adv-course"), [K.TINY],
                                          source_dir=src)
    return src, root, template


def _context(src, root, template, subs, course_dir, markers) -> K.Context:
    released = synthetic.read(root / "release" / K.TINY / f"{K.TINY}.ipynb")
    source = synthetic.read(src / K.TINY / f"{K.TINY}.ipynb")
    targets = {
        "own_notebook": f"{K.TINY}.ipynb", "secret": K.SECRET,
        "source_notebook": str(src / K.TINY / f"{K.TINY}.ipynb"),
        "template_gradebook": str(template), "real_gradebook": str(course_dir / "gradebook.db"),
        "victim_notebook": str(subs / "honest_full" / K.TINY / f"{K.TINY}.ipynb"),
        "victim_autograded": str(course_dir / "autograded" / "honest_full" / K.TINY
                                 / f"{K.TINY}.ipynb"),
        "marker": str(markers / "escaped.txt"), "process_tag": f"dl-adversarial-{os.getpid()}",
    }
    return K.Context(released, source, targets)


def _grade(tiny_course, tmp, students, **kw):
    src, root, template = tiny_course
    subs, course_dir, markers = tmp / "submissions", tmp / "course", tmp / "markers"
    markers.mkdir(parents=True)
    markers.chmod(0o777)  # a kernel running as nobody could write here if it could see it
    ctx = _context(src, root, template, subs, course_dir, markers)
    written = {s: K.write(KINDS[s], ctx, subs) for s in students}
    before = {s: p.read_bytes() for s, p in written.items()}
    report = batch.grade_folder(subs, [K.TINY], course_dir=course_dir, out_dir=tmp / "grades",
                                template_db=template, gradebook=course_dir / "gradebook.db",
                                extra=_extra(), timeout=PER_SUBMISSION, source_dir=src,
                                limits=LIMITS, **kw)
    return report, ctx, written, before, course_dir


@pytest.fixture(scope="module")
def graded(tiny_course, tmp_path_factory):
    if not sandbox.isolation()[0]:
        pytest.skip(f"no isolation here ({sandbox.isolation()[1]}); see the fallback test")
    return _grade(tiny_course, tmp_path_factory.mktemp("adv-run"), list(KINDS))


def _result(report, student):
    return next(r for r in report.results if r.student == student)


def _scores(result) -> dict[str, float]:
    return {c.cell: c.score for c in result.cells if c.autograded}


@pytest.mark.parametrize("student", sorted(KINDS))
def test_each_kind_earns_only_its_honest_part_and_is_flagged(graded, student):
    report = graded[0]
    kind, result = KINDS[student], _result(report, student)
    if kind.expected is K.FAILED or (student == "empty" and not result.ok):
        assert not result.ok and result.auto_score == 0, result
    else:
        assert result.ok, result.error
        assert _scores(result) == kind.expected
    said = " ".join(result.flags) + ("" if result.ok else " FAILED " + result.error)
    if student in HONEST:
        assert not result.flags, result.flags
    else:
        assert kind.flag in said, said
    # nothing escaped into the gradebook or anyone's files (repository files are left out:
    # other people may edit dlhelpers while this runs in a shared tree)
    escaped = [f for f in result.flags if "while its code ran" in f and str(ROOT) not in f]
    assert escaped == []


def test_the_whole_class_is_graded_and_reported(graded):
    report, *_ = graded
    assert sorted(r.student for r in report.results) == sorted(KINDS)
    text = report.report_md.read_text()
    assert "kernel sandboxed with bubblewrap" in text
    for student in KINDS:
        assert (f"### {student} /" in text) == (student not in HONEST), student


def test_real_gradebook_holds_exactly_the_imported_scores(graded):
    report, _, _, _, course_dir = graded
    assert report.problems == []
    assert batch.check_gradebook(course_dir / "gradebook.db", report.results) == []
    with nbg.gradebook(course_dir / "gradebook.db") as gb:
        for student in HONEST:
            sub = gb.find_submission(K.TINY, student)
            got = {g.name: g.score for g in sub.notebooks[0].grades if g.name != "why"}
            assert got == KINDS[student].expected
        for student in gb.students:
            for sub in student.submissions:
                for g in sub.notebooks[0].grades:
                    assert g.manual_score is None  # nobody wrote a manual score
                    assert g.score <= g.max_score


def test_no_file_outside_the_sandbox_changed_and_no_process_survived(graded):
    report, ctx, written, before, course_dir = graded
    for student, path in written.items():
        assert path.read_bytes() == before[student], f"{student}'s submission was changed"
    victim = Path(ctx.targets["victim_autograded"])
    assert json.loads(victim.read_text())["cells"], "the victim's autograded notebook was replaced"
    assert not Path(ctx.targets["marker"]).exists()
    tag = ctx.targets["process_tag"].encode()
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag in Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
        except OSError:
            continue
    assert alive == [], "a background process outlived its submission"


def _without_mathjax(html: str) -> str:
    """Feedback without the inlined MathJax library (its minified code has ``s.call(``)."""
    return re.sub(r'<script id="dl-offline-mathjax">.*?</script>', "", html, flags=re.DOTALL)


def test_hidden_tests_stay_out_of_reach(graded):
    report, *_ = graded
    reader = _result(report, "reads_hidden")
    assert reader.cell("test_half").score == 0  # it found no hidden test to answer
    html = (graded[4] / "feedback" / "reads_hidden" / K.TINY / f"{K.TINY}.html").read_text()
    assert "cannot read" in html and "scale file: 2.0" in html  # data file yes, secrets no
    for student in ("reads_hidden", "history_leak", "honest_part"):
        html = _without_mathjax(
            (graded[4] / "feedback" / student / K.TINY / f"{K.TINY}.html").read_text())
        assert "s.call(" not in html and "GRADER" not in html, student
        if student != "reads_hidden":  # whose own code searches files for the secret's name
            assert K.SECRET not in html, student
    history = (graded[4] / "feedback" / "history_leak" / K.TINY / f"{K.TINY}.html").read_text()
    assert "HISTORY" in history  # the leak attempt ran, and found only the student's own cells


def test_symlinked_submission_reads_nothing_of_the_instructor(graded):
    report, _, _, _, course_dir = graded
    result = _result(report, "symlinked")
    assert not result.ok and "symbolic link" in result.error
    for step in ("autograded", "feedback"):
        assert not (course_dir / step / "symlinked").exists()


def _tags(html: str) -> list[tuple[str, dict]]:
    """Every start tag of a page, with its attributes, as a browser's parser reads them."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {k: v or "" for k, v in attrs}))

        handle_startendtag = handle_starttag

    Collect().feed(html)
    return found


def test_hostile_output_is_inert_in_the_gradebook_notebook_and_feedback(graded):
    course_dir = graded[4]
    nb = json.loads((course_dir / "autograded" / "hostile_html" / K.TINY
                     / notebook_name(K.TINY)).read_text())
    # what a browser renders as markup: outputs and markdown (code is shown as escaped text)
    rendered = json.dumps([c.get("outputs", []) for c in nb["cells"]]
                          + [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"])
    feedback = (course_dir / "feedback" / "hostile_html" / K.TINY / f"{K.TINY}.html").read_text()
    markup = ("<script>fetch", "<script>alert", "<img src=", "<svg xmlns", "<iframe",
              'href="javascript:')
    for live in (*markup, 'src="http://evil', "javascript:alert", "](http://evil.example"):
        assert live not in rendered, live  # escaped text (&lt;img ...) is fine, markup is not
    for live in markup:  # the feedback also shows the student's code, as escaped text
        if live != "<img src=":  # an image may stay, neutralised: checked tag by tag below
            assert live not in feedback, live
    tags = _tags(_without_mathjax(feedback))
    assert ("img", {"src": "#removed", "alt": "t"}) in tags  # the neutralised image is there
    assert [src for name, attrs in tags if name == "img" for src in [attrs.get("src", "")]
            if src != "#removed" and not src.startswith("data:image/")] == []
    assert [(name, key) for name, attrs in tags for key in attrs if key.startswith("on")] == []
    kept = {mime for c in nb["cells"] for o in c.get("outputs", []) for mime in o.get("data", {})}
    assert kept == {"text/plain", "text/html", "text/markdown"}  # no JS, SVG or widget view
    assert "removed by the grader" in rendered
    assert "<b>bold</b>" in rendered  # harmless formatting survives
    assert "&lt;script&gt;" in rendered  # the script is shown as text


def test_output_floods_are_cut(graded):
    course_dir = graded[4]
    for student in ("big_line", "many_lines"):
        path = course_dir / "autograded" / student / K.TINY / notebook_name(K.TINY)
        assert path.stat().st_size < 1_000_000, student


def test_fork_bomb_hits_the_process_limit(graded):
    course_dir = graded[4]
    nb = json.loads((course_dir / "autograded" / "fork_bomb" / K.TINY
                     / notebook_name(K.TINY)).read_text())
    text = json.dumps(next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {})
                           .get("grade_id") == "half")["outputs"])
    assert "fork refused after" in text
    forked = int(text.split("fork refused after ")[1].split()[0])
    assert forked < LIMITS.processes


def test_fallback_warns_and_still_protects_gradebook_and_grades(tiny_course, tmp_path,
                                                                monkeypatch, capsys):
    monkeypatch.setenv("DL_GRADING_NO_SANDBOX", "1")
    sandbox.isolation.cache_clear()
    try:
        report, ctx, written, before, course_dir = _grade(
            tiny_course, tmp_path, ["honest_full", "honest_part", "writes_gradebook"])
    finally:
        sandbox.isolation.cache_clear()
    assert "WITHOUT isolation" in capsys.readouterr().err
    assert "WITHOUT isolation" in report.report_md.read_text()
    for student in HONEST:
        assert _scores(_result(report, student)) == KINDS[student].expected
    attacker = _result(report, "writes_gradebook")
    assert _scores(attacker) == K.OK_SQUARE
    assert report.problems == []
    if os.getuid() == 0:  # the kernel ran as root: it could write, and was undone
        assert any("restored" in f for f in attacker.flags), attacker.flags


@pytest.mark.parametrize("hw", homework_names())
def test_real_homework_cheat_earns_nothing(hw, tmp_path):
    """A blank submission of a real homework that patches numpy's and the helpers' checks."""
    ensure_venv_on_path()
    root, template = release.build_course(tmp_path / "course-src", [hw])
    released = synthetic.read(root / "release" / hw / notebook_name(hw))
    first = synthetic.answer_ids(released)[0]
    cell = next(c for c in released.cells if synthetic.grade_id(c) == first)
    cell.source = ("import builtins\nimport numpy as np\nfrom dlhelpers import grading as _g\n"
                   "np.testing.assert_allclose = lambda *a, **k: None\n"
                   "np.allclose = lambda *a, **k: True\n_g.assert_close = lambda *a, **k: None\n"
                   "builtins.isinstance = isinstance\n\n" + cell.source)
    subs = tmp_path / "subs"
    synthetic.write(released, subs, "cheater", hw)
    report = batch.grade_folder(subs, [hw], course_dir=tmp_path / "course",
                                out_dir=tmp_path / "grades", template_db=template,
                                gradebook=tmp_path / "course" / "gradebook.db",
                                executor=functools.partial(batch.autograde_sandboxed,
                                                           limits=sandbox.Limits()))
    cheater = report.results[0]
    assert cheater.ok, cheater.error
    assert cheater.auto_score == 0
    assert any("replaces library functions" in f for f in cheater.flags), cheater.flags
    assert report.problems == []
