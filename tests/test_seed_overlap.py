"""The course is written in its own words: no run of 9+ words repeats the source lectures."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT.parent / "shared" / "tools" / "seed_overlap.py"


@pytest.mark.skipif(not TOOL.exists(), reason="the lectures (../shared/seeds) are not beside this checkout")
def test_no_passage_repeats_the_lectures():
    out = subprocess.run([sys.executable, str(TOOL), str(ROOT)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:]
