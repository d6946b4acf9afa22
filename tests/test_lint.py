"""ruff over the code, as part of the test run so one summary line covers every check."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    paths = [p for p in ("dlhelpers", "tests", "benchmarks", "tools") if (ROOT / p).exists()]
    out = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-4000:]
