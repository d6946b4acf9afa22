""""Check yourself" helpers for lessons.

A lesson asks a question, the learner writes an answer in a cell, and one call tells them in
plain words whether it is right and, if not, what is off (missing, wrong type, wrong shape,
wrong values and by how much). The checks print and return a bool; they never raise, so a
lesson still runs top to bottom while an exercise is unanswered.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np

_OK = "Correct:"
_NOT_YET = "Not yet:"


def _report(ok: bool, name: str, message: str, hint: str | None) -> bool:
    if ok:
        print(f"{_OK} {name}. {message}".rstrip())
    else:
        tail = f" Hint: {hint}" if hint else ""
        print(f"{_NOT_YET} {name}. {message}{tail}")
    return ok


def _compare(answer, expected, rtol: float, atol: float) -> tuple[bool, str]:
    """Return (ok, explanation) for one answer against the expected value."""
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return False, f"expected text such as {expected!r}, got {type(answer).__name__}."
        ok = answer.strip().lower() == expected.strip().lower()
        return ok, "" if ok else f"got {answer!r}."
    if isinstance(expected, (bool, np.bool_)):
        ok = isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(expected)
        return ok, "" if ok else f"expected True or False, got {answer!r}."
    if isinstance(answer, (str, bytes)):  # np.asarray("3", dtype=float) would parse it
        return False, f"expected a number or array, got text {answer!r}."
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return False, f"expected a number or array, got {type(answer).__name__}."
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        return False, f"expected shape {want.shape}, got shape {got.shape}."
    if not np.all(np.isfinite(got)):
        return False, "your answer contains NaN or inf."
    close = np.isclose(got, want, rtol=rtol, atol=atol)
    if np.all(close):
        return True, ""
    if want.ndim == 0:
        return False, f"got {float(got):.6g}, which is off by {abs(float(got) - float(want)):.3g}."
    worst = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
    return False, (f"{int((~close).sum())} of {want.size} entries differ; the largest gap is "
                   f"{abs(got[worst] - want[worst]):.3g} at index {tuple(int(i) for i in worst)}.")


def _fresh(args) -> tuple:
    """A deep copy of one case's arguments (the originals if something cannot be copied)."""
    try:
        return copy.deepcopy(tuple(args))
    except Exception:  # modules, open files and the like: share them
        return tuple(args)


def _compare_outputs(got, want, rtol: float, atol: float) -> tuple[bool, str]:
    """Like _compare, but a reference returning a tuple is compared output by output."""
    if not isinstance(want, tuple):
        return _compare(got, want, rtol, atol)
    if not isinstance(got, tuple) or len(got) != len(want):
        what = f"a tuple of {len(got)}" if isinstance(got, tuple) else type(got).__name__
        return False, f"expected a tuple of {len(want)} outputs, got {what}."
    for k, (g, w) in enumerate(zip(got, want, strict=True), start=1):
        ok, why = _compare(g, w, rtol, atol)
        if not ok:
            return False, f"output {k} of {len(want)}: {why}"
    return True, ""


def check(answer, expected, *, name: str = "your answer", rtol: float = 1e-6,
          atol: float = 1e-9, hint: str | None = None) -> bool:
    """Compare a learner's answer with the expected one and print what is wrong.

    Parameters
    ----------
    answer : number, array-like, str or bool
        What the learner computed. ``None`` (or ``...``) means "not answered yet".
    expected : same kind as ``answer``
        The right value (arrays compare elementwise with ``rtol``/``atol``; text ignores case).
    name : str
        How the exercise is named in the message.
    hint : str, optional
        Printed only when the answer is wrong.

    Returns
    -------
    bool
        True when the answer matches.
    """
    if answer is None or answer is Ellipsis:
        return _report(False, name, "no answer yet: replace the None (or ...) with your answer and "
                       "run the cell again.", None)
    ok, why = _compare(answer, expected, rtol, atol)
    return _report(ok, name, why, hint)


def check_function(fn: Callable | None, reference: Callable, cases: Sequence[tuple], *,
                   name: str = "your function", rtol: float = 1e-6, atol: float = 1e-9,
                   hint: str | None = None) -> bool:
    """Call ``fn`` and ``reference`` on each tuple of arguments in ``cases`` and compare.

    Exceptions raised by ``fn`` are caught and reported, so a lesson keeps running. Each call
    gets its own deep copy of the arguments, so a function that updates an array in place
    cannot change what the other one sees. When ``reference`` returns a tuple (such as
    ``(loss, grad)``), ``fn`` must return a tuple of the same length, compared item by item.
    """
    if fn is None or fn is Ellipsis:
        return check(None, 0, name=name)
    for i, args in enumerate(cases, start=1):
        want = reference(*_fresh(args))
        try:
            got = fn(*_fresh(args))
        except NotImplementedError:
            return _report(False, name, "it still raises NotImplementedError: fill in the body.", None)
        except Exception as exc:  # the learner's bug, reported in words
            return _report(False, name, f"case {i} raised {type(exc).__name__}: {exc}", hint)
        ok, why = _compare_outputs(got, want, rtol, atol)
        if not ok:
            return _report(False, name, f"case {i}: {why}", hint)
    return _report(True, name, f"all {len(cases)} cases match.", None)
