"""Headings in order, in every lesson and released homework: one title (level 1) first, and
no level skipped on the way down (a screen reader's outline and the website's table of
contents both follow them)."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + \
    sorted((ROOT / "assignments" / "release").glob("*/*.ipynb"))


def headings(path: Path) -> list[tuple[int, str]]:
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
            match = re.match(r"^(#{1,6})\s+(.*)", line)
            if match and not in_fence:
                found.append((len(match.group(1)), match.group(2).strip()))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_headings_are_in_order(path):
    found = headings(path)
    assert found and found[0][0] == 1, f"{path.name}: the first heading must be the title (#)"
    assert [t for level, t in found if level == 1] == [found[0][1]], \
        f"{path.name}: one title only, found {[t for level, t in found if level == 1]}"
    skips = [(a, b) for a, b in zip(found, found[1:], strict=False) if b[0] > a[0] + 1]
    assert skips == [], f"{path.name}: heading levels skipped: {skips}"
