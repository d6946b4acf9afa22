"""The course's relative error, written once (docs/CONVENTIONS.md, "Relative error").

:mod:`dlhelpers.gradcheck` (lessons, tests) and :mod:`dlhelpers.grading` (homework test
cells) both use :func:`elementwise_relative_error`. This module imports nothing from
``dlhelpers`` and keeps its own references to the numpy ufuncs it needs, taken at import
(which the homework's read-only set-up cell does before any student cell runs), so a later
patch of ``np.abs`` or ``np.maximum`` cannot reach it; :mod:`dlhelpers.grading` also checks
this function's code object like its own (``_OWN_CODE``).
"""

from __future__ import annotations

import numpy as np

_absolute = np.absolute
_maximum = np.maximum

FLOOR = 1e-12
"""Smallest denominator of the relative error, so that two exact zeros give 0, not 0/0."""


def elementwise_relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b| / max(|a| + |b|, FLOOR)`` entry by entry.

    Parameters
    ----------
    a, b : float ndarrays of the same shape (the callers check shape and dtype)

    Returns
    -------
    ndarray, shape of ``a``
    """
    return _absolute(a - b) / _maximum(_absolute(a) + _absolute(b), FLOOR)
