"""The course's relative error, written once (docs/CONVENTIONS.md, "Relative error").

:mod:`dlhelpers.gradcheck` (lessons, tests) and :mod:`dlhelpers.grading` (homework test
cells) both use :func:`elementwise_relative_error`. This module imports nothing from
``dlhelpers`` and calls no function of numpy's namespace, only ``ndarray`` methods, which
student code cannot replace: :mod:`dlhelpers.grading` keeps its tamper resistance when it
imports it (it checks this function's code object like its own, see ``_OWN_CODE``).
"""

from __future__ import annotations

FLOOR = 1e-12
"""Smallest denominator of the relative error, so that two exact zeros give 0, not 0/0."""


def elementwise_relative_error(a, b):
    """``|a - b| / max(|a| + |b|, FLOOR)`` entry by entry.

    Parameters
    ----------
    a, b : float ndarrays of the same shape (the callers check shape and dtype)

    Returns
    -------
    ndarray, shape of ``a``
    """
    return (a - b).__abs__() / (a.__abs__() + b.__abs__()).clip(min=FLOOR)
