"""Numerical gradients and gradient checks.

A gradient check compares an analytic gradient (from a backward pass) with centred
differences ``(f(x + h) - f(x - h)) / (2h)``, one entry of ``x`` at a time, and reports the
relative error ``|a - n| / max(|a| + |n|, FLOOR)`` of every entry.

How to read the relative error in float64 with ``h = 1e-5`` (the course's one threshold
story, docs/CONVENTIONS.md "Relative error"):

* below ``1e-7``: the gradient is right;
* ``1e-7`` to ``1e-4``: look closer; normal only if ``f`` has kinks (ReLU, hinge, L1) near
  ``x``, or the entry's gradient is tiny compared with ``f`` (round-off in ``f`` dominates);
* above ``1e-4``: a bug.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import (
    as_float_array,
    as_generator,
    check_int,
    check_positive,
    check_same_shape,
)
from ._numerics import FLOOR as FLOOR  # re-exported: the floor belongs to this module's API
from ._numerics import elementwise_relative_error as _elementwise_relative_error


# ------------------------------------------------------------------------------ helpers
def _writable_float64(x, name: str = "x") -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array (it is perturbed in place so that f sees "
                        f"the change); got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"{name} must have dtype float64 (centred differences in {x.dtype} are "
                        f"mostly round-off); got {x.dtype}. Create it with .astype(np.float64) "
                        "before building f")
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable; got a read-only array")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite; got NaN/inf values")
    return x


def _scalar(value, what: str = "f(x)") -> float:
    """Read f's output as a float; a ``(loss, grads)`` tuple counts as its first item."""
    if isinstance(value, tuple) and value:
        value = value[0]
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(f"{what} must return one number (a scalar loss); got shape "
                         f"{arr.shape} dtype {arr.dtype}. For a layer output use "
                         "numerical_gradient_array")
    out = float(arr.reshape(()))
    if not math.isfinite(out):
        raise ValueError(f"{what} returned {out} during the check; the numerical gradient "
                         "needs finite values")
    return out


def _central_difference(f: Callable, x: np.ndarray, idx: tuple, h: float, read: Callable):
    """(read(f(x + h e_idx)) - read(f(x - h e_idx))) / 2h, with x[idx] restored whatever happens."""
    old = x[idx]
    try:
        x[idx] = old + h
        plus = read(f(x))
        x[idx] = old - h
        minus = read(f(x))
    finally:
        x[idx] = old
    return (plus - minus) / (2.0 * h)


# ------------------------------------------------------------------------- public: numbers
def numerical_gradient(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (or ``(float, ...)``, whose first item is used). It is called
        ``2 * x.size`` times with ``x`` perturbed in place.
    x : float64 ndarray, any shape
        The point. Every entry is restored after use, even if ``f`` raises.
    h : float > 0

    Returns
    -------
    ndarray, shape of x
    """
    x = _writable_float64(x)
    h = check_positive(h, "h")
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        grad[idx] = _central_difference(f, x, idx, h, _scalar)
    return grad


def numerical_gradient_array(f: Callable, x: np.ndarray, dout, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of ``sum(f(x) * dout)`` for an array-valued ``f`` (a layer).

    The two perturbed outputs are subtracted before the weighted sum, so outputs that ``x[i]``
    does not touch cancel exactly and add no round-off.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of the same shape as ``dout``; a tuple such as a layer's
        ``(out, cache)`` counts as its first item, so ``lambda v: nn.relu_forward(v)`` works.
    x : float64 ndarray, any shape
    dout : array, the shape of ``f(x)``
        The upstream gradient.
    h : float > 0

    Returns
    -------
    ndarray, shape of x
    """
    x = _writable_float64(x)
    h = check_positive(h, "h")
    dout = as_float_array(dout, "dout")

    def read(out):
        if isinstance(out, tuple) and out:  # a layer's (out, cache)
            out = out[0]
        out = np.asarray(out, dtype=np.float64)
        check_same_shape(out, dout, "f(x)", "dout")
        return out

    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        grad[idx] = np.sum(_central_difference(f, x, idx, h, read) * dout)
    return grad


def relative_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, 1e-12)``.

    The denominator floor ``FLOOR = 1e-12`` makes two exact zeros agree (error 0) instead of
    dividing 0 by 0. Returns 0.0 for empty arrays.

    Parameters
    ----------
    a, b : arrays of the same shape (no broadcasting)
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    check_same_shape(a, b, "a", "b")
    if a.size == 0:
        return 0.0
    return float(np.max(_elementwise_relative_error(a.astype(np.float64), b.astype(np.float64))))


# -------------------------------------------------------------------------- result object
@dataclass
class GradCheckResult:
    """Outcome of a gradient check.

    Attributes
    ----------
    indices : list of tuple
        The entries of x that were checked (all of them, or a sample).
    analytic, numeric, rel_errors : 1-D ndarrays, one value per checked entry
    shape : tuple
        Shape of x.
    tol : float
        The pass threshold on the largest relative error.
    h : float
        Step of the centred differences.
    """

    indices: list
    analytic: np.ndarray
    numeric: np.ndarray
    rel_errors: np.ndarray
    shape: tuple
    tol: float
    h: float

    @property
    def max_rel_error(self) -> float:
        return float(self.rel_errors.max()) if self.rel_errors.size else 0.0

    @property
    def passed(self) -> bool:
        return self.max_rel_error < self.tol

    @property
    def is_full(self) -> bool:
        return len(self.indices) == math.prod(self.shape)

    def __bool__(self) -> bool:
        return self.passed

    def worst(self, k: int = 5) -> list[tuple[tuple, float, float, float]]:
        """The ``k`` checked entries with the largest relative error, worst first.

        Returns
        -------
        list of (index, analytic, numeric, relative error)
        """
        k = check_int(k, "k", minimum=1)
        order = np.argsort(-self.rel_errors, kind="stable")[:k]
        return [(self.indices[i], float(self.analytic[i]), float(self.numeric[i]),
                 float(self.rel_errors[i])) for i in order]

    def _summary(self) -> tuple[str, str]:
        verdict = "PASS" if self.passed else "FAIL"
        which = "all" if self.is_full else "a sample of"
        line = (f"gradient check {verdict}: max relative error {self.max_rel_error:.2e} "
                f"{'<' if self.passed else '>='} tol {self.tol:.0e} ({which} "
                f"{len(self.indices)} entries of x with shape {self.shape}, h={self.h:g})")
        meaning = ("(relative error < 1e-7: correct; 1e-7..1e-4: suspicious unless f has kinks; "
                   "> 1e-4: probably a bug)")
        return line, meaning

    def __repr__(self) -> str:
        line, meaning = self._summary()
        rows = [line, meaning]
        if not self.passed:
            rows.append("worst entries (index, analytic, numeric, rel. error):")
            rows += [f"  {idx}  {a:+.6e}  {n:+.6e}  {r:.2e}" for idx, a, n, r in self.worst()]
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        line, meaning = self._summary()
        colour = "#1a7f37" if self.passed else "#cf222e"
        body = "".join(
            f"<tr><td>{html.escape(str(idx))}</td><td>{a:+.6e}</td><td>{n:+.6e}</td>"
            f"<td>{r:.2e}</td></tr>" for idx, a, n, r in self.worst())
        return (f"<div><b style='color:{colour}'>{html.escape(line)}</b><br>"
                f"<small>{html.escape(meaning)}</small>"
                "<table><tr><th>index</th><th>analytic</th><th>numeric</th>"
                f"<th>rel. error</th></tr>{body}</table></div>")

    def plot(self, ax=None):
        """Draw log10 of the elementwise relative error.

        A full check is drawn as a heatmap over x (1-D x as one row; more than 2-D x folded to
        ``(shape[0], -1)``); a sparse check as one dot per sampled entry. The tolerance is
        marked on the colour bar or as a dashed line.

        Returns
        -------
        matplotlib Axes
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        logs = np.log10(np.maximum(self.rel_errors, 1e-18))
        tol_log = math.log10(self.tol)
        verdict = "PASS" if self.passed else "FAIL"
        if self.is_full:
            grid = np.empty(self.shape)
            for idx, value in zip(self.indices, logs, strict=True):  # sparse runs list them shuffled
                grid[idx] = value
            grid = grid.reshape(1, -1) if grid.ndim <= 1 else grid.reshape(grid.shape[0], -1)
            image = ax.imshow(grid, cmap="viridis", aspect="auto", interpolation="nearest",
                              vmin=min(logs.min(), tol_log - 1), vmax=max(logs.max(), tol_log + 1))
            bar = ax.figure.colorbar(image, ax=ax)
            bar.set_label("log10 relative error (red line: tol)")
            bar.ax.axhline(tol_log, color="red", linewidth=2)
            ax.set_xlabel("column of x" if len(self.shape) > 1 else "entry of x")
            ax.set_ylabel("row of x" if len(self.shape) > 1 else "")
        else:
            ax.plot(range(len(logs)), logs, "o", label="sampled entries")
            ax.axhline(tol_log, color="red", linestyle="--", label=f"tol = {self.tol:.0e}")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("sampled entry")
            ax.set_ylabel("log10 relative error")
            ax.legend()
        ax.set_title(f"Gradient check {verdict}: max rel. error {self.max_rel_error:.1e}")
        return ax


# ------------------------------------------------------------------------- public: checks
def _analytic(analytic, x: np.ndarray) -> np.ndarray:
    analytic = as_float_array(analytic, "analytic")
    check_same_shape(analytic, x, "analytic", "x")
    return analytic.astype(np.float64)


def gradient_check(f: Callable, x: np.ndarray, analytic, *, dout=None, h: float = 1e-5,
                   tol: float = 1e-7) -> GradCheckResult:
    """Compare an analytic gradient with centred differences at every entry of ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (or ``(float, ...)``); with ``dout`` given, ``f(x) -> ndarray`` and
        the checked function is ``sum(f(x) * dout)``.
    x : float64 ndarray, any shape (restored after the check)
    analytic : array, shape of x
    dout : array, optional
        Upstream gradient for array-valued ``f``.
    h : float > 0
    tol : float > 0
        The check passes when the largest relative error is below ``tol``.

    Returns
    -------
    GradCheckResult
    """
    x = _writable_float64(x)
    analytic = _analytic(analytic, x)
    tol = check_positive(tol, "tol")
    if dout is None:
        numeric = numerical_gradient(f, x, h)
    else:
        numeric = numerical_gradient_array(f, x, dout, h)
    indices = list(np.ndindex(x.shape))
    errors = _elementwise_relative_error(analytic, numeric).ravel()
    return GradCheckResult(indices, analytic.ravel(), numeric.ravel(), errors, x.shape, tol,
                           float(h))


def sparse_gradient_check(f: Callable, x: np.ndarray, analytic, num_checks: int = 10,
                          rng=None, h: float = 1e-5, tol: float = 1e-7) -> GradCheckResult:
    """Check ``num_checks`` randomly chosen entries only (for big parameter arrays).

    Parameters
    ----------
    f : callable, ``f(x) -> float`` (or ``(float, ...)``)
    x : float64 ndarray, any shape (restored after the check)
    analytic : array, shape of x
    num_checks : int >= 1
        Entries to sample (without replacement; capped at ``x.size``).
    rng : np.random.Generator, int seed or None
        ``None`` means seed 0, so repeated calls check the same entries.
    h, tol : float > 0

    Returns
    -------
    GradCheckResult
    """
    x = _writable_float64(x)
    analytic = _analytic(analytic, x)
    num_checks = check_int(num_checks, "num_checks", minimum=1)
    h = check_positive(h, "h")
    tol = check_positive(tol, "tol")
    gen = as_generator(rng, default=0)
    flat = gen.choice(x.size, size=min(num_checks, x.size), replace=False)
    indices = [tuple(int(i) for i in np.unravel_index(k, x.shape)) for k in flat]
    numeric = np.array([_central_difference(f, x, idx, h, _scalar) for idx in indices])
    picked = np.array([analytic[idx] for idx in indices])
    errors = _elementwise_relative_error(picked, numeric)
    return GradCheckResult(indices, picked, numeric, errors, x.shape, tol, float(h))
