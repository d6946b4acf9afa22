"""The student kit: what learners get, and a scan proving it leaks no solution."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from .paths import RELEASE_DIR, REPO, SOURCE_DIR, homework_names, notebook_name

KIT_DIR = REPO / "dist" / "student-kit"

#: Text that exists only in instructor material.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME", "Mark scheme (", "**Model answer.**",
           "= Grader(", "@GRADER.test(")
GRADERS_DIR = SOURCE_DIR.parent / "graders"

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")

README = """\
# Deep learning from scratch: student kit

This folder has everything you need to follow the course on your own computer:

- `notebooks/`: the lessons, one notebook per topic, already run so you can read them first;
- `dlhelpers/`: the small numpy package the lessons and homework import;
- `homework/`: the homework notebooks you complete and hand in.

## Set up (once)

You need Python 3.11 or newer.

    python3 -m venv .venv
    source .venv/bin/activate          # on Windows: .venv\\Scripts\\activate
    pip install -e .
    jupyter lab notebooks/00_start_here.ipynb

## Homework

Open `homework/<name>/<name>.ipynb` in JupyterLab. Write code only where you see
`# YOUR CODE HERE` (remove the `raise NotImplementedError()` line below it) and written
answers where you see `YOUR ANSWER HERE`. The other cells are read-only.

Each function is followed by a test cell. Run it: it checks shapes, types and one small value
and tells you what to fix. Your grade comes from the course grader, which runs your notebook
and then checks each function itself with more tests (other shapes, fresh random inputs,
edge cases, gradient checks, accuracy targets); each test cell then shows its verdict. Test
your code on cases of your own too.

Before you hand in: **Kernel > Restart and Run All**, check that every test cell prints
`visible tests passed`, save, and submit the notebook under its original file name.

The rules the grader enforces are written at the top of each homework: numpy only (torch,
scipy and scikit-learn are not available while grading), no calls to the course's reference
implementations in `dlhelpers.knn`, `dlhelpers.nn`, `dlhelpers.models`, `dlhelpers.train`,
`dlhelpers.optim`, `dlhelpers.schedules` or `dlhelpers.landscapes` (they only raise while
grading), functions that return numbers and numpy arrays, and no loops where a function is
marked vectorized (the grader reads your code, including the functions it calls).
"""


def build_kit(dest: Path = KIT_DIR, *, release_dir: Path = RELEASE_DIR) -> Path:
    """Assemble the kit in ``dest`` and zip it next to it; return the zip's path."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(REPO / "dlhelpers", dest / "dlhelpers", ignore=_IGNORE)
    (dest / "notebooks").mkdir()
    for lesson in sorted((REPO / "notebooks").glob("*.ipynb")):
        shutil.copy2(lesson, dest / "notebooks" / lesson.name)
    for extra in sorted((REPO / "notebooks").iterdir()):
        if extra.is_dir() and not extra.name.startswith("."):
            shutil.copytree(extra, dest / "notebooks" / extra.name, ignore=_IGNORE)
    for hw in homework_names():
        released = Path(release_dir) / hw
        if not (released / notebook_name(hw)).is_file():
            raise FileNotFoundError(f"{released / notebook_name(hw)} is missing: run `make release`")
        shutil.copytree(released, dest / "homework" / hw, ignore=_IGNORE)
    for name in ("pyproject.toml", "LICENSE"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    (dest / "README.md").write_text(README)
    archive = shutil.make_archive(str(dest), "zip", root_dir=dest.parent, base_dir=dest.name)
    return Path(archive)


def solution_lines(source_dir: Path = SOURCE_DIR, *, min_length: int = 30) -> dict[str, set[str]]:
    """Per homework, the distinctive lines of its solution and hidden-test regions and grader spec.

    A line the author also wrote outside every region (given code such as
    ``rng = np.random.default_rng(seed)``) is not secret, and lines shorter than
    ``min_length`` (idioms like ``rows = np.arange(len(y))``) are not evidence of a leak.
    """
    region = re.compile(r"BEGIN (SOLUTION|HIDDEN TESTS)(.*?)END (SOLUTION|HIDDEN TESTS)", re.S)
    secrets: dict[str, set[str]] = {}
    for hw in homework_names(source_dir):
        nb = nbformat.read(source_dir / hw / notebook_name(hw), as_version=4)
        hidden: set[str] = set()
        public: set[str] = set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("solution"):
                found, rest = [cell.source], ""  # a model answer: instructor-only throughout
            else:
                found = [m.group(2) for m in region.finditer(cell.source)]
                rest = region.sub("", cell.source)
            hidden |= {ln.strip() for text in found for ln in text.splitlines()}
            public |= {ln.strip() for ln in rest.splitlines()}
        spec = Path(source_dir).parent / "graders" / f"{hw}.py"
        if spec.is_file():  # the trusted grader's tests and references are hidden tests
            hidden |= {ln.strip() for ln in spec.read_text().splitlines()}
        secrets[hw] = {ln for ln in hidden - public
                       if len(ln) >= min_length and not ln.startswith("#")}
    return secrets


def scan(kit: Path, source_dir: Path = SOURCE_DIR) -> list[str]:
    """Every leak found in ``kit``: an instructor marker, or a line of a solution/hidden test.

    A homework's secret lines are searched in its own released notebook and in the lessons;
    ``dlhelpers/`` is searched for markers only, since it legitimately holds the course's
    reference implementations. A ``graders`` folder anywhere is a leak.
    """
    leaks = []
    secrets = solution_lines(source_dir)
    every_secret = set().union(*secrets.values()) if secrets else set()
    for path in sorted(Path(kit).rglob("*")):
        if path.is_dir() and path.name == "graders":
            leaks.append(f"{path.relative_to(kit)}: a folder of grader specs")
        if not path.is_file() or path.suffix not in {".ipynb", ".py", ".md", ".txt", ".toml"}:
            continue
        text = path.read_text(errors="replace")
        rel = path.relative_to(kit)
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        leaks += [f"{rel}: contains {m!r}" for m in MARKERS if m in text]
        if rel.parts[0] == "homework":
            secret = secrets.get(rel.parts[1], set())
        elif rel.parts[0] == "notebooks":
            secret = every_secret
        else:
            continue
        present = {ln.strip() for ln in text.splitlines()}
        leaks += [f"{rel}: contains the solution line {ln!r}" for ln in sorted(secret & present)]
    return leaks
