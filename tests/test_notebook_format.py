"""Every lesson is clean JSON, uses the python3 kernel, is committed executed top to bottom,
and follows the lesson shape (objectives, check yourself, summary, a picture, a widget)."""

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in LESSONS]


def _cells(path, kind):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == kind]


def test_lessons_exist_and_are_numbered_consecutively():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers, "no lessons found in notebooks/"
    assert numbers == list(range(len(numbers))), f"lesson numbers must run 00, 01, ...; got {numbers}"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_valid_json_and_kernel(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    nbformat.validate(nb)
    spec = nb.metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", f"kernelspec must be python3, got {spec}"
    assert path.stat().st_size < 3_000_000, "keep executed lessons under 3 MB (smaller figures?)"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_committed_executed_top_to_bottom_without_errors(path):
    code = [c for c in _cells(path, "code") if c.source.strip()]
    counts = [c.execution_count for c in code]
    assert None not in counts, "some code cells were never run: run `make notebooks`"
    assert counts == list(range(1, len(counts) + 1)), "cells were run out of order; re-execute in a fresh kernel"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"committed outputs contain errors: {[e.ename for e in errors]}"


@pytest.mark.parametrize("path", [p for p in LESSONS if not p.name.startswith("00")],
                         ids=[i for i in IDS if not i.startswith("00")])
def test_lesson_shape(path):
    markdown = "\n".join(c.source for c in _cells(path, "markdown")).lower()
    code = "\n".join(c.source for c in _cells(path, "code"))
    assert "objective" in markdown, "state the learning objectives"
    assert "check yourself" in markdown, "add a 'Check yourself' section"
    assert "summary" in markdown, "end with a summary"
    assert len(re.findall(r"\bcheck(_function)?\(", code)) >= 2, "at least two self-check calls"
    assert "widgets" in code, "at least one interactive widget"
    assert "assert_allclose" in code or "assert " in code, "worked examples are asserted"
    images = [o for c in _cells(path, "code") for o in c.outputs if "image/png" in o.get("data", {})]
    assert images, "a lesson shows at least one picture"
