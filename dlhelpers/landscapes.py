"""Two-dimensional test functions for watching optimizers move, and a runner that records paths.

A :class:`Landscape` bundles a loss ``f(p)`` of a point ``p = (x, y)``, its gradient, the
plotting window, a known minimum and a suggested starting point. ``f`` and ``grad`` accept a
single point of shape ``(2,)`` or a whole grid of shape ``(..., 2)`` (the last axis holds
``x, y``), so the same function draws the contour plot and drives the optimizer.

:func:`run_optimizer` applies any update rule from :mod:`dlhelpers.optim` to a landscape and
returns a :class:`Trajectory` with every iterate and its loss.

Example
-------
>>> from dlhelpers import landscapes, optim
>>> path = landscapes.run_optimizer(landscapes.rosenbrock(), optim.adam, steps=500, lr=0.05)
>>> path.points.shape, path.losses.shape
((501, 2), (501,))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlhelpers._checks import as_float_array, check_int, check_positive
from dlhelpers.optim import get_rule

__all__ = [
    "Landscape",
    "Trajectory",
    "himmelblau",
    "ill_conditioned_quadratic",
    "noisy",
    "rosenbrock",
    "run_optimizer",
    "saddle",
]

# A run counts as diverged once a coordinate or the loss passes these sizes: well past any
# plotting window, yet far from float64 overflow, so the recorded path stays finite.
_MAX_COORD = 1e8
_MAX_LOSS = 1e15


def _xy(p) -> tuple[np.ndarray, np.ndarray]:
    """Split points of shape ``(..., 2)`` into their x and y arrays of shape ``(...)``."""
    arr = as_float_array(p, "p", allow_nan=True)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"p must have shape (2,) or (..., 2) with x, y on the last axis; got {arr.shape}")
    return arr[..., 0], arr[..., 1]


def _stack(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return np.stack([dx, dy], axis=-1)


@dataclass(frozen=True)
class Landscape:
    """A 2-D loss surface with its gradient.

    Attributes
    ----------
    name : str
        Short label for plots and legends.
    f : callable
        Loss: points of shape ``(..., 2)`` -> values of shape ``(...)``.
    grad : callable
        Gradient: points of shape ``(..., 2)`` -> gradients of shape ``(..., 2)``.
    xlim, ylim : (float, float)
        A plotting window that shows the interesting part.
    minimum : (float, float)
        A point where the gradient vanishes and ``f`` is smallest (one of them, if several).
    start : (float, float)
        A starting point that makes the landscape's difficulty visible.
    reset : callable or None
        For noisy landscapes: restarts the noise sequence (called by :func:`run_optimizer` so
        every run sees the same noise). ``None`` for deterministic ones.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minimum: tuple[float, float]
    start: tuple[float, float]
    reset: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    def grid(self, n: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``X, Y, Z`` of shape ``(n, n)`` over the plotting window, ready for ``contour``."""
        n = check_int(n, "n", minimum=2)
        xs = np.linspace(*self.xlim, n)
        ys = np.linspace(*self.ylim, n)
        X, Y = np.meshgrid(xs, ys)
        return X, Y, self.f(np.stack([X, Y], axis=-1))


def ill_conditioned_quadratic(kappa: float = 10.0, angle: float = 0.0) -> Landscape:
    """A bowl whose curvatures differ by the factor ``kappa`` (the condition number).

    ``f(p) = 0.5 * p^T A p`` with ``A = R diag(1, kappa) R^T`` and ``R`` a rotation by
    ``angle`` radians. With ``angle = 0`` this is ``0.5 * (x**2 + kappa * y**2)``: gradient
    descent zig-zags across the steep ``y`` direction and crawls along ``x``. Rotating the
    bowl takes away the advantage that per-coordinate methods (RMSProp, Adam) get from axes
    that line up with the curvature. Minimum at the origin.
    """
    kappa = check_positive(kappa, "kappa")
    angle = float(angle)
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    hess = rot @ np.diag([1.0, kappa]) @ rot.T

    def f(p):
        x, y = _xy(p)
        return 0.5 * (hess[0, 0] * x * x + 2.0 * hess[0, 1] * x * y + hess[1, 1] * y * y)

    def grad(p):
        x, y = _xy(p)
        return _stack(hess[0, 0] * x + hess[0, 1] * y, hess[1, 0] * x + hess[1, 1] * y)

    # Start far along the shallow axis and a little up the steep one, in the rotated frame.
    start = tuple(float(v) for v in rot @ np.array([-4.0, 1.0]))
    span = 5.0
    return Landscape(f"quadratic (kappa={kappa:g})", f, grad, (-span, span), (-span / 2, span / 2),
                     (0.0, 0.0), start)


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    """Rosenbrock's banana valley: ``(a - x)**2 + b * (y - x**2)**2``.

    The minimum ``(a, a**2)`` sits at the end of a long curved valley with a flat floor:
    finding the valley is easy, following it is slow. ``b`` sets how steep the walls are.
    """
    a = float(a)
    b = check_positive(b, "b")

    def f(p):
        x, y = _xy(p)
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(p):
        x, y = _xy(p)
        ridge = y - x * x
        return _stack(-2.0 * (a - x) - 4.0 * b * x * ridge, 2.0 * b * ridge)

    return Landscape(f"Rosenbrock (a={a:g}, b={b:g})", f, grad, (-2.0, 2.0), (-1.0, 3.0),
                     (a, a * a), (-1.5, 2.0))


def saddle() -> Landscape:
    """A saddle at the origin with two valleys: ``x**2 - y**2 + y**4 / 4``.

    Near the origin this is the classic ``x**2 - y**2`` saddle (downhill along ``y``); the
    ``y**4 / 4`` term turns the surface up again so it is bounded below, with minima at
    ``(0, +sqrt(2))`` and ``(0, -sqrt(2))`` where ``f = -1``. ``minimum`` lists the upper one.
    The start lies almost on the ridge ``y = 0``: plain gradient descent first slides to the
    saddle and needs many steps to leave it.
    """

    def f(p):
        x, y = _xy(p)
        return x * x - y * y + 0.25 * y ** 4

    def grad(p):
        x, y = _xy(p)
        return _stack(2.0 * x, -2.0 * y + y ** 3)

    return Landscape("saddle", f, grad, (-2.0, 2.0), (-2.2, 2.2), (0.0, math.sqrt(2.0)),
                     (-1.8, 1e-3))


def himmelblau() -> Landscape:
    """Himmelblau's function ``(x**2 + y - 11)**2 + (x + y**2 - 7)**2``: four minima.

    All four minima have ``f = 0``; ``minimum`` lists ``(3, 2)``, the one with whole-number
    coordinates. Which one an optimizer ends in depends on where it starts and how it moves.
    """

    def f(p):
        x, y = _xy(p)
        return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2

    def grad(p):
        x, y = _xy(p)
        u, v = x * x + y - 11.0, x + y * y - 7.0
        return _stack(4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v)

    return Landscape("Himmelblau", f, grad, (-5.0, 5.0), (-5.0, 5.0), (3.0, 2.0), (-0.3, -0.9))


def noisy(landscape: Landscape, sigma: float, seed: int = 0) -> Landscape:
    """The same landscape, but its gradient carries Gaussian noise of standard deviation ``sigma``.

    A stand-in for mini-batch gradients: ``grad(p) = true_grad(p) + sigma * z`` with fresh
    ``z ~ N(0, I)`` on every call. ``f`` stays exact. The noise comes from a generator seeded
    with ``seed``; :func:`run_optimizer` calls ``reset`` first, so every run on the returned
    landscape sees the same noise sequence and results are reproducible.
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape; got {type(landscape).__name__}")
    sigma = check_positive(sigma, "sigma", allow_zero=True)
    seed = check_int(seed, "seed", minimum=0)
    rng = [np.random.default_rng(seed)]
    exact = landscape.grad

    def grad(p):
        g = exact(p)
        return g + sigma * rng[0].standard_normal(g.shape)

    def reset() -> None:
        rng[0] = np.random.default_rng(seed)

    return Landscape(f"{landscape.name} + noise (sigma={sigma:g})", landscape.f, grad,
                     landscape.xlim, landscape.ylim, landscape.minimum, landscape.start, reset)


@dataclass(frozen=True)
class Trajectory:
    """The record of one optimizer run on a landscape.

    Attributes
    ----------
    points : ndarray, shape (k + 1, 2)
        The start followed by every iterate; ``k = steps`` unless the run diverged.
    losses : ndarray, shape (k + 1,)
        ``f`` at each point.
    minimum : (float, float)
        The landscape's listed minimum (used by :meth:`steps_to`).
    diverged : bool
        True if the run was stopped early because it blew up.
    message : str
        What happened, in words (why and when a run stopped).
    """

    points: np.ndarray
    losses: np.ndarray
    minimum: tuple[float, float]
    diverged: bool = False
    message: str = ""

    @property
    def steps(self) -> int:
        """Number of updates actually made (``len(points) - 1``)."""
        return len(self.points) - 1

    def steps_to(self, tol: float) -> int | None:
        """First step whose point lies within distance ``tol`` of ``minimum``; None if none does."""
        tol = check_positive(tol, "tol")
        dist = np.linalg.norm(self.points - np.asarray(self.minimum), axis=1)
        hits = np.flatnonzero(dist <= tol)
        return int(hits[0]) if hits.size else None


def _blow_up(point: np.ndarray, loss: float) -> str:
    """Return why ``point``/``loss`` count as diverged, or '' if they do not."""
    if not (np.all(np.isfinite(point)) and math.isfinite(loss)):
        return "the iterate or its loss became NaN/inf"
    if np.max(np.abs(point)) > _MAX_COORD:
        return f"a coordinate exceeded {_MAX_COORD:g} in size"
    if abs(loss) > _MAX_LOSS:
        return f"the loss exceeded {_MAX_LOSS:g} in size"
    return ""


def run_optimizer(landscape: Landscape, rule, x0=None, steps: int = 100, **hparams) -> Trajectory:
    """Run ``rule`` from ``x0`` for ``steps`` updates and record the path.

    Parameters
    ----------
    landscape : Landscape
    rule : callable or str
        An update rule ``w, state = rule(w, dw, state, **hparams)`` (see :mod:`dlhelpers.optim`)
        or its name in ``OPTIMIZERS``.
    x0 : array of shape (2,), optional
        Starting point; defaults to ``landscape.start``.
    steps : int
        Number of updates.
    **hparams
        Passed to the rule on every step (``lr=0.1``, ``rho=0.9``, a schedule as ``lr``, ...).

    Returns
    -------
    Trajectory
        ``points`` of shape ``(steps + 1, 2)`` and ``losses`` of shape ``(steps + 1,)``. If the
        run blows up (NaN/inf, a coordinate beyond 1e8 or a loss beyond 1e15) it stops there:
        the arrays are shorter, ``diverged`` is True and ``message`` says at which step and why.
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"landscape must be a Landscape; got {type(landscape).__name__}")
    update = get_rule(rule, "rule")
    steps = check_int(steps, "steps", minimum=0)
    start = landscape.start if x0 is None else x0
    point = as_float_array(start, "x0", ndim=1).astype(np.float64)
    if point.shape != (2,):
        raise ValueError(f"x0 must have shape (2,); got {point.shape}")
    if landscape.reset is not None:
        landscape.reset()

    points, losses = [point], [float(landscape.f(point))]
    state = None
    message, diverged = f"completed {steps} steps", False
    for k in range(1, steps + 1):
        g = np.asarray(landscape.grad(point), dtype=np.float64)
        if not np.all(np.isfinite(g)):
            message, diverged = f"diverged: stopped at step {k}, the gradient became NaN/inf", True
            break
        new_point, state = update(point, g, state, **hparams)
        loss = float(landscape.f(new_point))
        reason = _blow_up(new_point, loss)
        if reason:
            message, diverged = f"diverged: stopped at step {k}, {reason}", True
            break
        point = new_point
        points.append(point)
        losses.append(loss)
    return Trajectory(np.array(points), np.array(losses), landscape.minimum, diverged, message)
