"""Input validation shared by every public function.

Learners will pass lists instead of arrays, labels as floats, a weight matrix transposed.
Each helper here raises a ``ValueError`` (or ``TypeError``) whose message names what was
expected and what arrived, so the mistake is found at the call, not three layers later as a
silent broadcast or a NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_float_array(x, name: str, *, ndim: int | Sequence[int] | None = None,
                   allow_nan: bool = False) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray, checking its rank and finiteness.

    Integer and boolean input is converted to float64; float32 stays float32.

    Raises
    ------
    TypeError
        if ``x`` is not numeric (strings, objects, complex).
    ValueError
        if the rank differs from ``ndim`` or ``x`` holds NaN/inf (unless ``allow_nan``).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers; got {type(x).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}; got shape {arr.shape} ({arr.ndim}-D)")
    if not allow_nan and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; got {bad} NaN/inf value(s)")
    return arr


def as_labels(y, name: str, *, n: int | None = None, num_classes: int | None = None) -> np.ndarray:
    """Return ``y`` as a 1-D int64 array of class indices in ``[0, num_classes)``.

    Floats are accepted only when they are whole numbers (``2.0``), because a learner who
    passes one-hot rows or probabilities should be told so.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        hint = " (one-hot rows? pass y.argmax(axis=1))" if arr.ndim == 2 else ""
        raise ValueError(f"{name} must be 1-D class indices of shape (N,); got shape {arr.shape}{hint}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold whole-number class indices; got non-integer values")
    elif arr.dtype.kind not in "biu":
        raise TypeError(f"{name} must hold integer class indices; got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have length {n} (one label per row); got length {arr.shape[0]}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or (num_classes is not None and hi >= num_classes):
            top = "num_classes - 1" if num_classes is None else str(num_classes - 1)
            raise ValueError(f"{name} must lie in [0, {top}]; got values from {lo} to {hi}")
    return arr


def check_shape(arr: np.ndarray, expected: tuple, name: str) -> None:
    """Raise unless ``arr.shape`` matches ``expected``; ``None`` in ``expected`` matches any size."""
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape, strict=True))
    if not ok:
        want = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ("," if len(expected) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}; got {arr.shape}")


def _as_number(value, name: str) -> float:
    """float(value) for real numbers only: text ("0.1") and booleans are rejected, not parsed."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a number; got {value!r} ({type(value).__name__})")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number; got {value!r}") from exc


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float, raising unless it is finite and > 0 (or >= 0)."""
    v = _as_number(value, name)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {want}; got {value!r}")
    return v


def check_in_range(value, name: str, lo: float, hi: float, *, lo_open: bool = False,
                   hi_open: bool = False) -> float:
    """Return ``value`` as float, raising unless it lies in the interval from ``lo`` to ``hi``."""
    v = _as_number(value, name)
    below = v <= lo if lo_open else v < lo
    above = v >= hi if hi_open else v > hi
    if not np.isfinite(v) or below or above:
        interval = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}; got {value!r}")
    return v


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as int, raising unless it is a whole number ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise unless two arrays have identical shapes (no broadcasting allowed)."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape; got {a.shape} and {b.shape}")


# ------------------------------------------------------------------ random generators
def as_generator(rng, name: str = "rng", *, default: int | None = None) -> np.random.Generator:
    """Return ``rng`` as a ``np.random.Generator``: the course's one rule (docs/CONVENTIONS.md).

    Parameters
    ----------
    rng : np.random.Generator, int seed >= 0, or None
        A Generator is returned as it is (its draws continue across calls); an int is
        ``np.random.default_rng(rng)``.
    name : str
        How the argument is named in error messages.
    default : int seed, optional
        What ``None`` means, for a function that documents a fixed seed (the same draws on
        every call). Without it ``None`` is refused: a silent default would hide a
        forgotten ``rng``. The global generator is never used.

    Raises
    ------
    TypeError
        for ``None`` without ``default``, and for anything but a Generator or an int
        (``RandomState``, floats, bools), naming the type that came.
    ValueError
        for a negative seed.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None and default is not None:
        rng = default
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} must be a non-negative int seed; got {rng}")
        return np.random.default_rng(int(rng))
    hint = " (the legacy API; use np.random.default_rng(seed))" if isinstance(
        rng, np.random.RandomState) else ""
    raise TypeError(f"{name} must be a np.random.Generator (e.g. np.random.default_rng(0)) "
                    f"or an int seed; got {type(rng).__name__}{hint}")
