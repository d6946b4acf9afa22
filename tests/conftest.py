"""Shared pytest set-up.

- Notebooks under tests/ are fixtures, never lessons to re-run.
- Figures draw on matplotlib's Agg backend (no display), chosen here once, before any test
  module imports pyplot.
- Hypothesis draws the same examples on every run: a property test that fails must fail for
  everyone, and a rare round-off case (a gradient entry near zero, where a 1e-7 relative
  error measures round-off rather than the gradient) must not make CI flaky.
  To explore new examples locally, load a profile with derandomize=False.
"""

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

collect_ignore_glob = ["**/*.ipynb"]

settings.register_profile("course", derandomize=True, deadline=None)
settings.load_profile("course")
