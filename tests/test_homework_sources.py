"""Each homework's committed instructor notebook is exactly what its percent source builds.

The homework is written once, in ``assignments/builders/<hw>.py``; nbgrader reads
``assignments/source/<hw>/<hw>.ipynb``. These tests fail when the two drift apart (someone
edited one and did not rebuild), and prove that the check notices a one-character change.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILDERS = ROOT / "assignments" / "builders"
SOURCE = ROOT / "assignments" / "source"
HOMEWORK = sorted(p.name for p in SOURCE.iterdir() if p.is_dir())


def _build(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILDERS / "build.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_there_are_homeworks_and_each_has_a_percent_source():
    assert HOMEWORK == ["hw1_linear_classifiers", "hw2_optimizers", "hw3_backprop"]
    for hw in HOMEWORK:
        assert (BUILDERS / f"{hw}.py").read_text().startswith("# ---\n# jupyter:")


def test_committed_source_notebooks_match_their_percent_sources():
    out = _build("--check")
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_percent_source_inside_an_assignment_folder():
    # nbgrader copies every non-notebook file of source/<hw>/ into the student release,
    # so a percent source there would hand out the solutions.
    strays = [p for hw in HOMEWORK for p in (SOURCE / hw).rglob("*") if p.suffix != ".ipynb"]
    assert strays == []


@pytest.fixture()
def copied(tmp_path):
    """A scratch copy of the builders and source folders, for tampering."""
    shutil.copytree(BUILDERS, tmp_path / "builders", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SOURCE, tmp_path / "source")
    return tmp_path / "builders", tmp_path / "source"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) >= 1, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_check_names_each_notebook_that_drifted(copied):
    builders, source = copied
    _edit(builders / "hw2_optimizers.py", "return w - lr * dw, {}", "return w - lr * dw , {}")
    _edit(source / "hw1_linear_classifiers" / "hw1_linear_classifiers.ipynb",
          '"points": 6', '"points": 7')
    out = _build("--check", "--builders", builders, "--source", source)
    assert out.returncode == 1
    assert "hw2_optimizers.ipynb differs from hw2_optimizers.py first at cell 'sgd'" in out.stdout
    assert "hw1_linear_classifiers.ipynb differs" in out.stdout
    assert "hw3_backprop" not in out.stdout


def test_rebuilding_restores_the_notebook(copied):
    builders, source = copied
    target = source / "hw3_backprop" / "hw3_backprop.ipynb"
    committed = target.read_text()
    target.write_text("{}")
    out = _build("hw3_backprop", "--builders", builders, "--source", source)
    assert out.returncode == 0, out.stderr
    assert target.read_text() == committed


def test_a_test_cell_whose_points_comment_disagrees_is_refused(copied):
    builders, source = copied
    path = builders / "hw3_backprop.py"
    _edit(path, '"grade_id": "test_affine", "locked": true, "points": 10',
          '"grade_id": "test_affine", "locked": true, "points": 12')
    out = _build("hw3_backprop", "--builders", builders, "--source", source)
    assert out.returncode != 0
    assert "test_affine" in out.stderr and "# Graded (12 points):" in out.stderr
