"""Build the course website from the committed, executed notebooks (`make site`).

Nothing is executed and nothing is fetched: the lessons' stored outputs are the content, the
homework pages are the released student notebooks (no solutions, no hidden tests), the
learner's and instructor's paths come from the README, and MathJax is copied from the
django-static-mathjax package. Output: site/index.html.

Usage: python -m tools.build_site [--out site] [--keep-source]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "docs" / "site"


def readme_section(title: str) -> str:
    """The README's ``## <title>`` section, up to the next ``## `` heading, as a page."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if not match:
        raise SystemExit(f"README.md has no '## {title}' section (the site's {title.lower()} page)")
    body = match.group(1).replace("\n### ", "\n## ")
    return f"# {title}\n{body}"


def notebook_title(path: Path) -> str:
    """The first level-1 heading of a notebook, or its file name."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("*An interactive widget runs here when you open this lesson in JupyterLab "
               "(`make lab`). Its default picture is shown with the lesson's figures.*")


def static_copy(path: Path, dest: Path) -> None:
    """Copy a notebook for the site: a live widget needs a kernel, so its output becomes a
    note (widget JavaScript would otherwise be loaded from a CDN)."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if WIDGET_MIME in out.get("data", {}):
                out["data"] = {"text/markdown": WIDGET_NOTE}
                out["metadata"] = {}
    nbformat.write(nb, dest)


def mathjax_script() -> Path:
    """MathJax 3's single-file TeX-to-SVG bundle from django-static-mathjax, the same copy the
    homework feedback inlines (tools/grading/offline_feedback.py)."""
    try:
        import mathjax
    except ImportError:
        raise SystemExit("django-static-mathjax is missing: run `make venv` (the site's MathJax "
                         "ships inside it; nothing is downloaded)") from None
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"


def assemble(src: Path) -> None:
    """Lay out the Sphinx source tree in ``src``."""
    shutil.copytree(CONF_DIR, src, dirs_exist_ok=True)
    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    homework = sorted((ROOT / "assignments" / "release").glob("*/*.ipynb"))
    if not lessons:
        raise SystemExit("no lessons found in notebooks/")
    (src / "lessons").mkdir()
    (src / "homework").mkdir()
    for nb in lessons:
        static_copy(nb, src / "lessons" / nb.name)
    for nb in homework:
        static_copy(nb, src / "homework" / nb.name)
    (src / "learner.md").write_text(readme_section("Learner path"), encoding="utf-8")
    (src / "instructor.md").write_text(readme_section("Instructor path"), encoding="utf-8")
    toc_lessons = "\n".join(f"lessons/{nb.stem}" for nb in lessons)
    toc_homework = "\n".join(f"homework/{nb.stem}" for nb in homework)
    (src / "index.md").write_text(f"""# Deep learning from the ground up

Lessons that build each idea of an introductory deep-learning course from numpy up, with a
picture for every idea and a check after every step, and three homeworks that grade
themselves. Every page here is the lesson as it runs: the figures and numbers are the stored
output of the notebook. To run and change them, clone the course and type `make lab`.

```{{toctree}}
:caption: Start
:maxdepth: 1

learner
instructor
```

```{{toctree}}
:caption: Lessons
:maxdepth: 1

{toc_lessons}
```

```{{toctree}}
:caption: Homework
:maxdepth: 1

{toc_homework}
```
""", encoding="utf-8")
    (src / "_static" / "mathjax").mkdir(parents=True)
    shutil.copy2(mathjax_script(), src / "_static" / "mathjax" / "tex-svg-full.js")


# Fixes applied to every page Sphinx writes, each for an axe-core rule it would break:
# toctree captions carry role="heading" without a level (aria-required-attr, critical), and
# code and output blocks that scroll sideways must be reachable by keyboard
# (scrollable-region-focusable, serious).
PAGE_FIXES = [
    ('<p class="caption" role="heading">', '<p class="caption" role="heading" aria-level="2">'),
    ("<pre>", '<pre tabindex="0">'),
    ('<div class="math-wrapper docutils container">',
     '<div class="math-wrapper docutils container" tabindex="0">'),
    # two <aside> landmarks need names of their own (landmark-unique, moderate)
    ('<aside class="sidebar-drawer">', '<aside class="sidebar-drawer" aria-label="Course pages">'),
    ('<aside class="toc-drawer', '<aside aria-label="On this page" class="toc-drawer'),
]


def fix_pages(out: Path) -> None:
    for page in out.rglob("*.html"):
        if "mathjax" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        for old, new in PAGE_FIXES:
            text = text.replace(old, new)
        page.write_text(text, encoding="utf-8")


def build(out: Path, keep_source: bool = False) -> Path:
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        src = Path(tmp) / "src"
        assemble(src)
        if out.exists():
            shutil.rmtree(out)
        cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               "-d", str(Path(tmp) / "doctrees"), str(src), str(out)]
        result = subprocess.run(cmd, cwd=src)
        if keep_source:
            shutil.copytree(src, out.parent / (out.name + "-src"), dirs_exist_ok=True)
        if result.returncode != 0:
            raise SystemExit(f"sphinx-build failed (warnings are errors): exit {result.returncode}")
    fix_pages(out)
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_site",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    parser.add_argument("--keep-source", action="store_true")
    args = parser.parse_args(argv)
    index = build(args.out.resolve(), args.keep_source)
    print(f"site built: {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
