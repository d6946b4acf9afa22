"""The layering of dlhelpers holds: ``lint-imports`` keeps every contract in pyproject.toml.

Each contract is also shown to bite: a scratch copy of the package with one bad import must
break exactly that contract.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))

pytestmark = pytest.mark.skipif(LINT_IMPORTS is None,
                                reason="import-linter is not installed (pip install -e '.[dev]')")

LAYERS = "dlhelpers layers: _checks < math rooms < composed rooms < widgets"
STANDALONE = "grading and selfcheck import only _numerics of dlhelpers"
NO_TOOLS = "dlhelpers never imports tools"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_every_import_contract_is_kept():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    for name in (LAYERS, STANDALONE, NO_TOOLS):
        assert f"{name} KEPT" in out.stdout


@pytest.mark.parametrize(("module", "bad_import", "broken"), [
    ("nn/layers.py", "from dlhelpers import widgets", LAYERS),  # a math room reaching up
    ("grading.py", "from dlhelpers.nn import affine_forward", STANDALONE),
    ("selfcheck.py", "import dlhelpers._checks", STANDALONE),
    ("optim.py", "import tools.grading", NO_TOOLS),
])
def test_a_bad_import_breaks_its_contract(tmp_path, module, bad_import, broken):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "dlhelpers", tmp_path / "dlhelpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tools" / "grading").mkdir(parents=True)
    (tmp_path / "tools" / "__init__.py").write_text("")
    (tmp_path / "tools" / "grading" / "__init__.py").write_text("")
    target = tmp_path / "dlhelpers" / module
    target.write_text(target.read_text() + f"\n{bad_import}\n")
    out = lint_imports(tmp_path)
    assert out.returncode == 1, out.stdout[-4000:] + out.stderr[-2000:]
    assert f"{broken} BROKEN" in out.stdout
    others = {LAYERS, STANDALONE, NO_TOOLS} - {broken}
    assert all(f"{name} KEPT" in out.stdout for name in others), out.stdout[-4000:]


#: The only files that may still edit sys.path, and why.
SYS_PATH_ALLOWED = {
    # run by path by submission.autograde_in_subprocess (its own folder is sys.path[0])
    "tools/grading/worker.py",
    # run by path by `make bench`: needs the repo root, tests/ and the builders
    "benchmarks/bench_grading.py",
    # an attack in a string: a submission that reaches the base interpreter's site-packages
    "tests/adversarial/kinds.py",
    # the homework builders (run as scripts) import their shared nbcells module
    "assignments/builders/hw1_linear_classifiers.py",
    "assignments/builders/hw2_optimizers.py",
    "assignments/builders/hw3_backprop.py",
}


def test_imports_come_from_packaging_not_sys_path_edits():
    """tools is a package, pytest's `pythonpath` finds tests/ and the builders: no new edits."""
    edits = set()
    for folder in ("tools", "tests", "benchmarks", "assignments", "dlhelpers"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(__file__).resolve():  # this test names what it looks for
                continue
            text = path.read_text(encoding="utf-8")
            if "sys.path.insert(" in text or "sys.path[:0]" in text or "sys.path.append(" in text:
                edits.add(path.relative_to(ROOT).as_posix())
    assert edits <= SYS_PATH_ALLOWED, sorted(edits - SYS_PATH_ALLOWED)
