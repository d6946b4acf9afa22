"""Turn each homework's percent source into its instructor notebook, or check that they agree.

The homework is written once, in ``assignments/builders/<hw>.py``: a jupytext percent file whose
cell headers carry the nbgrader metadata (``# %% nbgrader={...}``). This script writes
``assignments/source/<hw>/<hw>.ipynb`` from it, which is what nbgrader reads::

    python assignments/builders/build.py                  # rebuild every homework
    python assignments/builders/build.py hw2_optimizers   # rebuild one
    python assignments/builders/build.py --check          # exit 1 if a committed notebook differs

The percent source lives here, not in ``source/<hw>/``, because nbgrader copies every
non-notebook file of ``source/<hw>/`` into the student release.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
from nbcells import notebook

BUILDERS = Path(__file__).resolve().parent
SOURCE = BUILDERS.parent / "source"


def percent_sources(builders: Path = BUILDERS) -> dict[str, Path]:
    """Every homework's percent source, by homework name (``hw*.py`` in ``builders``)."""
    return {path.stem: path for path in sorted(builders.glob("hw*.py"))}


def _check_points_comment(hw: str, cell) -> None:
    """A graded test cell opens with ``# Graded (N points): ...``, N equal to its points."""
    meta = cell.metadata["nbgrader"]
    if cell.cell_type != "code" or not meta.get("grade"):
        return
    expected = f"# Graded ({meta['points']:g} points):"
    if not cell.source.startswith(expected):
        first = cell.source.partition("\n")[0]
        raise ValueError(f"{hw}: test cell {meta['grade_id']!r} must start with {expected!r} "
                         f"(its points in the cell header); it starts with {first!r}")


def build(path: Path) -> nbformat.NotebookNode:
    """The instructor notebook written by the percent source at ``path``."""
    hw = path.stem
    cells = jupytext.read(path, fmt="py:percent").cells
    for index, cell in enumerate(cells):
        if "nbgrader" not in cell.metadata:
            raise ValueError(f"{hw}: cell {index} ({cell.source[:40]!r}...) has no nbgrader "
                             "metadata in its '# %%' header; every homework cell needs one "
                             "(assignments/AUTHORING.md)")
        cell.id = cell.metadata["nbgrader"]["grade_id"]  # stable ids: rebuilds diff cleanly
        _check_points_comment(hw, cell)
    return notebook(cells)


def notebook_path(hw: str, source: Path = SOURCE) -> Path:
    """Where nbgrader reads homework ``hw``'s instructor notebook."""
    return source / hw / f"{hw}.ipynb"


def stale(hw: str, path: Path, source: Path = SOURCE) -> str | None:
    """Why the committed notebook of ``hw`` is not what its percent source builds, or None."""
    target = notebook_path(hw, source)
    if not target.exists():
        return f"{target} is missing"
    built = nbformat.writes(build(path)) + "\n"  # nbformat.write ends the file with a newline
    committed = target.read_text(encoding="utf-8")
    if built == committed:
        return None
    old = {c.get("id"): c for c in nbformat.reads(committed, as_version=4).cells}
    for cell in nbformat.reads(built, as_version=4).cells:
        if old.get(cell.id) != cell:
            return f"{target} differs from {path.name} first at cell {cell.id!r}"
    return f"{target} differs from {path.name} (cells removed, reordered or notebook metadata)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("homework", nargs="*", help="homework names (default: every one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a committed notebook is out of date")
    parser.add_argument("--builders", type=Path, default=BUILDERS,
                        help="folder of the percent sources (default: this one)")
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="nbgrader's source folder (default: assignments/source)")
    args = parser.parse_args(argv)
    sources = percent_sources(args.builders)
    unknown = sorted(set(args.homework) - set(sources))
    if unknown:
        parser.error(f"no percent source for {unknown}; expected one of {sorted(sources)}")
    chosen = {hw: sources[hw] for hw in args.homework or sources}
    if args.check:
        orphans = sorted(p.name for p in args.source.iterdir() if p.is_dir() and p.name not in sources)
        problems = [f"{args.source / hw} has no percent source {hw}.py" for hw in orphans]
        problems += [why for hw, path in chosen.items() if (why := stale(hw, path, args.source))]
        for problem in problems:
            print(problem)
        if problems:
            print("rebuild: python assignments/builders/build.py")
        return 1 if problems else 0
    for hw, path in chosen.items():
        target = notebook_path(hw, args.source)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build(path), target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
