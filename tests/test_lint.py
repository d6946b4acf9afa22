"""ruff over the code, as part of the test run so one summary line covers every check."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# notebooks: the lessons' code cells; assignments: the homework percent sources, the builders,
# the instructor notebooks they write and the grader specs (release/ and grading output are
# excluded in pyproject.toml: they are generated from source/)
PATHS = ("dlhelpers", "tests", "benchmarks", "tools", "notebooks", "assignments")


def _ruff() -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    return ruff


def test_ruff_is_clean():
    paths = [p for p in PATHS if (ROOT / p).exists()]
    out = subprocess.run([_ruff(), "check", *paths], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-4000:]


def test_ruff_reads_every_lesson_and_homework_source():
    out = subprocess.run([_ruff(), "check", "--show-files", "notebooks", "assignments"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    seen = {Path(line).relative_to(ROOT).as_posix() for line in out.stdout.split()}
    lessons = {p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb")}
    homework = {p.relative_to(ROOT).as_posix()
                for pattern in ("assignments/source/*/*.ipynb", "assignments/builders/hw*.py")
                for p in ROOT.glob(pattern)}
    assert len(lessons) >= 15 and len(homework) >= 6
    assert lessons | homework <= seen, sorted((lessons | homework) - seen)
