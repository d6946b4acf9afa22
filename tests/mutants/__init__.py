"""Mutant catalogues: typical student mistakes, each with the exact points it must cost.

One module per homework (``hw1.py``, ...) defines ``MUTANTS``: a list of :class:`Mutant`, each
a small edit of one answer cell of the solution notebook. ``tests/test_grading_mutants.py``
grades every mutant of a homework as one class through the real pipeline and fails when a
mutant costs more or less than written. The costs are the mark scheme's decisions
(assignments/MARK_SCHEMES.md); change both together.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mutant:
    """One typical mistake: replace ``old`` by ``new`` in answer cell ``cell``.

    ``costs`` maps test cell -> points it must lose (cells not named lose nothing);
    ``message`` is a phrase the student's feedback must contain (the teaching message).
    """

    name: str
    cell: str
    old: str
    new: str
    costs: dict[str, float]
    why: str
    message: str = ""
    extra: tuple[tuple[str, str, str], ...] = field(default=())  # more (cell, old, new) edits

    @property
    def total(self) -> float:
        return float(sum(self.costs.values()))


def apply(mutant: Mutant, source_nb):
    """A copy of the solution notebook with the mutant's edits (each must match exactly once)."""
    nb = copy.deepcopy(source_nb)
    for cell_id, old, new in ((mutant.cell, mutant.old, mutant.new), *mutant.extra):
        cells = [c for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id]
        if len(cells) != 1:
            raise KeyError(f"{mutant.name}: no single cell {cell_id}")
        count = cells[0].source.count(old)
        if count != 1:
            raise ValueError(f"{mutant.name}: {old!r} occurs {count} times in {cell_id}")
        cells[0].source = cells[0].source.replace(old, new)
    return nb
