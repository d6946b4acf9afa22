"""The student kit holds lessons, dlhelpers and released homework, and no solution."""

import shutil
import zipfile
from pathlib import Path

import pytest

from tools.grading import kit
from tools.grading.paths import SOURCE_DIR, homework_names, notebook_name

ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dest = tmp_path_factory.mktemp("kit") / "student-kit"
    archive = kit.build_kit(dest)
    return dest, archive


def test_kit_has_what_learners_need(built):
    dest, archive = built
    assert (dest / "README.md").is_file() and (dest / "pyproject.toml").is_file()
    assert (dest / "dlhelpers" / "__init__.py").is_file()
    assert (dest / "dlhelpers" / "grading.py").is_file()  # the homework's tests import it
    for hw in homework_names():
        assert (dest / "homework" / hw / notebook_name(hw)).is_file()
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (dest / "notebooks").glob("*.ipynb")) == [p.name for p in lessons]
    names = zipfile.ZipFile(archive).namelist()
    assert "student-kit/README.md" in names


def test_kit_holds_no_instructor_material(built):
    dest, _ = built
    for unwanted in ("source", "builders", "graders", "nbgrader_config.py", "tests",
                     "gradebook.db"):
        assert not list(dest.rglob(unwanted)), unwanted
    assert kit.scan(dest) == []


def test_scan_knows_the_solutions():
    lines = kit.solution_lines()["hw1_linear_classifiers"]
    assert "coeff[rows, y] = -coeff.sum(axis=1)" in lines  # a solution line of hw1
    # hw1's hidden tests live in its trusted grader spec
    assert "def _cross_validate(X, y, k, folds, classes):" in lines
    assert kit.solution_lines()["hw2_optimizers"]  # a homework with hidden regions still
    assert "rng = np.random.default_rng(seed)" not in lines  # given code, outside any region


def test_scan_finds_a_planted_leak(built, tmp_path):
    dest, _ = built
    leaky = tmp_path / "kit"
    shutil.copytree(dest, leaky)
    hw = homework_names()[0]
    shutil.copy(SOURCE_DIR / hw / notebook_name(hw), leaky / "homework" / hw / notebook_name(hw))
    (leaky / "homework" / "graders").mkdir()
    shutil.copy(SOURCE_DIR.parent / "graders" / f"{hw}.py", leaky / "homework" / "graders")
    leaks = kit.scan(leaky)
    assert any("BEGIN SOLUTION" in leak for leak in leaks)
    assert any("a folder of grader specs" in leak for leak in leaks)
    assert any("= Grader(" in leak for leak in leaks)
    assert any("solution line" in leak for leak in leaks)
