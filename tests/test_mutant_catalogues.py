"""The mutant catalogues are well formed (fast; the grading run is tests/test_grading_mutants.py).

Each catalogue holds at least 20 distinct mistakes, each edit applies to exactly one place of
the current solution notebook, and each cost names a real test cell and at most its points.
"""

from pathlib import Path

import pytest
import synthetic
from mutants import apply, hw1, hw2, hw3

ROOT = Path(__file__).resolve().parents[1]


CATALOGUES = [hw1, hw2, hw3]


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda c: c.HW)
def test_catalogue_applies_to_the_solution(catalogue):
    source = synthetic.source_notebook(catalogue.HW)
    points = synthetic.points_of_tests(source)
    names = [m.name for m in catalogue.MUTANTS]
    assert len(names) >= 20 and len(set(names)) == len(names)
    for mutant in catalogue.MUTANTS:
        mutated = apply(mutant, source)  # raises unless every edit matches exactly once
        assert mutated.cells != source.cells, mutant.name
        for cell, cost in mutant.costs.items():
            assert cell in points, f"{mutant.name}: no test cell {cell}"
            assert 0 < cost <= points[cell], f"{mutant.name}: {cell} costs {cost} of {points[cell]}"
