"""Pictures for lessons 04 and 05 (gradient descent and SGD).

Each function draws on a given ``ax`` (or a new figure) and returns the axes it drew on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from dlhelpers._checks import as_float_array, check_int
from dlhelpers.plots import COLORS
from dlhelpers.plots._figure import new_ax

# Path colours: the palette without its pale yellow, which vanishes on a white background.
_PATH_COLORS = [COLORS[i] for i in (0, 1, 2, 3, 4, 5, 7)]
# Meaning never by colour alone: each curve or path also gets its own dash and marker.
_DASHES = ["-", "--", "-.", ":", (0, (8, 2, 1, 2, 1, 2)), (0, (12, 4))]   # six distinct patterns
_MARKERS = ["o", "^", "s", "D", "v", "P", "X"]


def _check_range(lim, name: str) -> tuple[float, float]:
    arr = as_float_array(lim, name, ndim=1)
    if arr.shape != (2,) or arr[1] <= arr[0]:
        raise ValueError(f"{name} must be (low, high) with low < high; got {tuple(arr)}")
    return float(arr[0]), float(arr[1])


def plot_loss_curves(curves: Mapping[str, np.ndarray], *, ax=None, logy: bool = True,
                     xlabel: str = "epoch", ylabel: str = "loss", title: str = "Loss curves"):
    """One line per named loss history.

    Parameters
    ----------
    curves : mapping label -> array-like of shape (T,)
        Loss values; NaN/inf are allowed (a diverging run) and are simply not drawn.
    logy : bool
        Log-scale loss axis (the usual choice: losses shrink by orders of magnitude).

    Returns
    -------
    matplotlib Axes
    """
    if not curves:
        raise ValueError("curves must hold at least one named history; got an empty mapping")
    ax = new_ax(ax)
    for i, (label, values) in enumerate(curves.items()):
        v = as_float_array(values, f"curves[{label!r}]", ndim=1, allow_nan=True)
        ax.plot(np.arange(1, v.shape[0] + 1), v, label=label, color=_PATH_COLORS[i % len(_PATH_COLORS)],
                ls=_DASHES[i % len(_DASHES)])
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax


def plot_path_1d(f: Callable[[np.ndarray], np.ndarray], path, *, xlim=(-3.0, 3.0), ax=None,
                 label: str = "iterates", title: str = "Gradient descent in one dimension",
                 color: str | None = None, show_function: bool = True):
    """A 1-D function and the points a descent visited, joined in order.

    Parameters
    ----------
    f : callable
        Vectorized: maps an array of x values, shape (M,), to f(x), shape (M,).
    path : array-like, shape (T,)
        The iterates x_0, x_1, ...
    xlim : (low, high)
    color : str, optional
        Colour of the path (several paths on one axes: pass a different one each time).
    show_function : bool
        Draw the curve of ``f`` (turn off when adding a second path to the same axes).

    Returns
    -------
    matplotlib Axes
    """
    p = as_float_array(path, "path", ndim=1, allow_nan=True)
    lo, hi = _check_range(xlim, "xlim")
    ax = new_ax(ax)
    if show_function:
        xs = np.linspace(lo, hi, 400)
        ax.plot(xs, f(xs), color="gray", lw=1.5, label="f(x)")
    shown = p[np.isfinite(p) & (p >= lo) & (p <= hi)]
    color = COLORS[3] if color is None else color
    ax.plot(shown, f(shown), "o-", ms=4, lw=1, color=color, label=label)
    if shown.size:
        ax.plot(shown[:1], f(shown[:1]), "s", ms=8, color=color, mec="black")
    ax.set(title=title, xlabel="x", ylabel="f(x)")
    ax.legend()
    return ax


def grid_values(f: Callable[[np.ndarray], float], xlim, ylim, n: int = 80):
    """Evaluate a function of a 2-vector on an n x n grid.

    ``f`` is first called once on the whole grid, shape (n, n, 2); if it does not return an
    (n, n) array (it only understands single points), it is called point by point.

    Returns
    -------
    xs : (n,), ys : (n,), values : (n, n) with ``values[i, j] = f([xs[j], ys[i]])``
    """
    n = check_int(n, "n", minimum=2)
    xs = np.linspace(*_check_range(xlim, "xlim"), n)
    ys = np.linspace(*_check_range(ylim, "ylim"), n)
    points = np.stack(np.meshgrid(xs, ys), axis=-1)
    try:
        values = np.asarray(f(points), dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != (n, n):
        values = np.array([[float(f(p)) for p in row] for row in points])
    return xs, ys, values


def plot_contour_paths(f: Callable[[np.ndarray], float], paths: Mapping[str, np.ndarray],
                       *, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0), ax=None, levels: int = 25,
                       log_levels: bool = True, title: str = "Paths on the loss surface",
                       mark: Mapping[str, tuple[float, float]] | None = None,
                       legend_loc: str | None = "upper right"):
    """Contours of a 2-D function with one or more optimizer paths on top, at equal aspect.

    Equal aspect keeps circles round, so the picture shows the true shape of the level sets
    (and a gradient looks perpendicular to them, as it is). Each path has its own colour,
    marker and dash; its start is a square.

    Parameters
    ----------
    f : callable
        Maps a point, shape (2,), to a float.
    paths : mapping label -> array-like of shape (T, 2)
        Iterates in order; points outside the view (a divergent run) are clipped.
    log_levels : bool
        Space contour levels geometrically (good when the function spans decades).
    mark : mapping label -> (x, y), optional
        Special points (a minimum, a saddle) drawn as stars.
    legend_loc : str or None
        Where the legend goes; None draws no legend.

    Returns
    -------
    matplotlib Axes
    """
    xs, ys, z = grid_values(f, xlim, ylim)
    ax = new_ax(ax)
    if log_levels:
        shift = z.min()
        lv = shift + np.geomspace(1e-3 * (z.max() - shift) + 1e-12, z.max() - shift, levels)
    else:
        lv = np.linspace(z.min(), z.max(), levels)
    ax.contour(xs, ys, z, levels=lv, colors="gray", linewidths=0.7, alpha=0.8,
               linestyles="solid")  # matplotlib would dash negative levels
    for i, (label, path) in enumerate(paths.items()):
        p = as_float_array(path, f"paths[{label!r}]", ndim=2, allow_nan=True)
        if p.shape[1] != 2:
            raise ValueError(f"paths[{label!r}] must have shape (T, 2); got {p.shape}")
        color = _PATH_COLORS[i % len(_PATH_COLORS)]
        ax.plot(p[:, 0], p[:, 1], marker=_MARKERS[i % len(_MARKERS)], ms=3, lw=1.2,
                ls=_DASHES[i % len(_DASHES)], color=color, label=label)
        ax.plot(p[0, 0], p[0, 1], "s", ms=7, color=color, mec="black")
    for label, (mx, my) in (mark or {}).items():
        ax.plot(mx, my, "*", ms=14, color="black", mec="white", label=label)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")
    ax.set(title=title, xlabel=r"$w_1$", ylabel=r"$w_2$")
    if legend_loc is not None:
        ax.legend(loc=legend_loc)
    return ax


def plot_gradient_arrows(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                         points, *, xlim=(-3.0, 3.0), ylim=(-3.0, 3.0), ax=None, levels: int = 12,
                         length: float = 0.6,
                         title: str = "Minus the gradient: steepest descent, across the level sets"):
    """Level sets of a 2-D function with an arrow of minus the gradient at each given point.

    The axes have equal aspect, so an arrow that crosses its level set at a right angle
    also looks perpendicular. Arrows all have the same length (only the direction is shown).

    Parameters
    ----------
    f : callable, point (2,) -> float (vectorized over (..., 2) if possible)
    grad : callable, point (2,) -> gradient (2,)
    points : array-like, shape (M, 2)
        Where to draw the arrows.
    length : float > 0
        Drawn length of every arrow, in axis units.

    Returns
    -------
    matplotlib Axes
    """
    pts = as_float_array(points, "points", ndim=2)
    if pts.shape[1] != 2:
        raise ValueError(f"points must have shape (M, 2); got {pts.shape}")
    if length <= 0:
        raise ValueError(f"length must be > 0; got {length}")
    xs, ys, z = grid_values(f, xlim, ylim)
    ax = new_ax(ax)
    through = [float(f(p)) for p in pts]  # draw the level set through every arrow's foot
    lv = np.unique(np.concatenate([np.linspace(z.min(), z.max(), levels), through]))
    ax.contour(xs, ys, z, levels=lv, colors="gray", linewidths=0.7, linestyles="solid")
    for p in pts:
        g = as_float_array(grad(p), "grad(point)", ndim=1)
        norm = np.linalg.norm(g)
        if norm == 0:
            continue
        d = -g / norm * length
        ax.annotate("", xy=p + d, xytext=p,
                    arrowprops={"arrowstyle": "-|>", "color": COLORS[3], "lw": 1.8})
        ax.plot(*p, "o", ms=4, color="black")
    ax.plot([], [], color=COLORS[3], lw=1.8, label=r"$-\nabla f$ (direction only)")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")
    ax.set(title=title, xlabel=r"$w_1$", ylabel=r"$w_2$")
    ax.legend(loc="upper right")
    return ax


def plot_mean_band(x, runs, *, ax=None, label: str = "", color: str | None = None,
                   ls: str = "-", logx: bool = True, logy: bool = True):
    """Mean over seeds of several runs, with a band from the smallest to the largest run.

    Parameters
    ----------
    x : array-like, shape (T,)
        Shared horizontal positions (e.g. examples processed).
    runs : array-like, shape (S, T)
        One row per seed.

    Returns
    -------
    matplotlib Axes
    """
    xv = as_float_array(x, "x", ndim=1)
    r = as_float_array(runs, "runs", ndim=2)
    if r.shape[1] != xv.shape[0]:
        raise ValueError(f"runs must have shape (S, {xv.shape[0]}) to match x; got {r.shape}")
    ax = new_ax(ax)
    color = COLORS[0] if color is None else color
    ax.plot(xv, r.mean(axis=0), ls=ls, color=color, label=label)
    if r.shape[0] > 1:
        ax.fill_between(xv, r.min(axis=0), r.max(axis=0), color=color, alpha=0.25, lw=0)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    return ax


def plot_error_vs_h(hs, errors: Mapping[str, np.ndarray], *, ax=None,
                    title: str = "Finite-difference error against step h"):
    """Log-log plot of the error of derivative estimates against the step ``h``.

    Parameters
    ----------
    hs : array-like, shape (M,), all > 0
    errors : mapping label -> array-like of shape (M,)
        Absolute errors; zeros (an exact hit) are drawn at the bottom of the axis.

    Returns
    -------
    matplotlib Axes
    """
    h = as_float_array(hs, "hs", ndim=1)
    if np.any(h <= 0):
        raise ValueError("hs must all be > 0 (they go on a log axis)")
    ax = new_ax(ax)
    for label, err in errors.items():
        e = as_float_array(err, f"errors[{label!r}]", ndim=1)
        if e.shape != h.shape:
            raise ValueError(f"errors[{label!r}] must have shape {h.shape} like hs; got {e.shape}")
        ax.loglog(h, np.maximum(e, 1e-17), "o-", ms=3, label=label)  # colours: the style's cycle
    ax.set(title=title, xlabel="step h", ylabel="|estimate - true derivative|")
    ax.legend()
    return ax
