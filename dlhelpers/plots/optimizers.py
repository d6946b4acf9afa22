"""Pictures for lessons 06 and 07: optimizer paths on contours, loss against the step,
training curves of several runs side by side, and learning-rate schedules.

Every function draws on an ``ax`` it is given (or a new one) and returns that ``ax``, so a
lesson can place several pictures in one figure and a test can read back what was drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from dlhelpers._checks import as_float_array, check_int, check_positive
from dlhelpers.plots._figure import new_ax, png_bytes, standalone_figure

__all__ = ["standalone_figure", "png_bytes", "plot_contours", "plot_paths", "plot_loss_vs_step", "plot_runs", "plot_schedules",
           "line_style", "plot_path_panels"]


def _check_mapping(items, name: str) -> None:
    if not isinstance(items, Mapping) or len(items) == 0:
        raise TypeError(f"{name} must be a non-empty dict of label -> data; got {type(items).__name__}")


def plot_contours(f: Callable[[np.ndarray], np.ndarray], xlim: tuple[float, float],
                  ylim: tuple[float, float], *, ax: Axes | None = None, levels: int = 25,
                  resolution: int = 120, minimum=None, equal_aspect: bool = True) -> Axes:
    """Draw filled log-spaced contours of a 2-D function.

    Parameters
    ----------
    f : callable
        Vectorised function: an array of shape (..., 2) goes in, shape (...) comes out.
    xlim, ylim : (float, float)
        The window to draw.
    levels : int
        Number of contour levels (log-spaced, so both the steep walls and the flat valley
        floor stay visible).
    minimum : array-like of shape (2,), optional
        Marked with a star.
    equal_aspect : bool
        One unit is as long on both axes (the default), so level sets and paths keep their
        true shape: a gradient is drawn perpendicular to its contour only at equal aspect.
    """
    ax = new_ax(ax)
    levels = check_int(levels, "levels", minimum=2)
    resolution = check_int(resolution, "resolution", minimum=10)
    gx = np.linspace(*xlim, resolution)
    gy = np.linspace(*ylim, resolution)
    xx, yy = np.meshgrid(gx, gy)
    zz = np.asarray(f(np.stack([xx, yy], axis=-1)), dtype=float)
    if zz.shape != xx.shape:
        raise ValueError(f"f must map shape (..., 2) to (...); got output shape {zz.shape} "
                         f"for input grid {xx.shape + (2,)}")
    # Shift so the lowest value is slightly above zero: log levels need positive numbers,
    # and a saddle has no lower bound in the window.
    zpos = zz - zz.min() + 1e-3 * (np.ptp(zz) + 1e-12)
    lv = np.geomspace(zpos.min(), zpos.max(), levels)
    ax.contourf(xx, yy, zpos, levels=lv, norm=LogNorm(), cmap="Greys_r", alpha=0.55)
    ax.contour(xx, yy, zpos, levels=lv, norm=LogNorm(), colors="0.45", linewidths=0.4)
    if minimum is not None:
        m = as_float_array(minimum, "minimum", ndim=1)
        ax.plot(m[0], m[1], marker="*", color="black", markersize=13, linestyle="none",
                label="minimum")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    if equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    ax.grid(False)
    return ax


# One look per optimizer, so curves differ by colour AND dash AND marker (never colour alone).
LINE_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v"),
               ((0, (1, 1)), "x"), ((0, (8, 2)), "P"))


def line_style(i: int) -> dict:
    """Colour, dash pattern and marker for the ``i``-th curve of a figure (cycles after 7)."""
    from dlhelpers.plots import PALETTE

    i = check_int(i, "i", minimum=0)
    dash, marker = LINE_STYLES[i % len(LINE_STYLES)]
    return {"color": PALETTE[i % (len(PALETTE) - 1)], "linestyle": dash, "marker": marker}


def plot_paths(paths: Mapping[str, np.ndarray], *, landscape=None, ax: Axes | None = None,
               title: str = "Optimizer paths", markevery: int | None = None,
               legend: bool = True) -> Axes:
    """Draw optimizer paths, optionally on top of a landscape's contours.

    Parameters
    ----------
    paths : dict of str -> array of shape (T, 2)
        One path per optimizer: the point after each step (row 0 is the start).
    landscape : object with ``f``, ``xlim``, ``ylim`` (and optionally ``minimum``), optional
        For example a :mod:`dlhelpers.landscapes` landscape; its contours are drawn first.
    legend : bool
        Draw a legend (turn off when a neighbouring panel already names the colours).
    """
    _check_mapping(paths, "paths")
    ax = new_ax(ax)
    if landscape is not None:
        plot_contours(landscape.f, landscape.xlim, landscape.ylim, ax=ax,
                      minimum=getattr(landscape, "minimum", None))
    for label, pts in paths.items():
        pts = as_float_array(pts, f"paths[{label!r}]", ndim=2, allow_nan=True)
        if pts.shape[1] != 2:
            raise ValueError(f"paths[{label!r}] must have shape (T, 2); got {pts.shape}")
        ax.plot(pts[:, 0], pts[:, 1], marker="o", markersize=2.5, linewidth=1.4,
                markevery=markevery, label=label)
    starts = np.array([as_float_array(p, "path", ndim=2, allow_nan=True)[0] for p in paths.values()])
    ax.plot(starts[:1, 0], starts[:1, 1], marker="s", color="black", markersize=7,
            linestyle="none", label="start")
    ax.set_title(title)
    if legend:
        ax.legend()
    return ax


def plot_loss_vs_step(losses: Mapping[str, np.ndarray], *, ax: Axes | None = None,
                      log: bool = True, title: str = "Loss against the step",
                      ylabel: str = "loss") -> Axes:
    """Plot one loss curve per label against the step number.

    Parameters
    ----------
    losses : dict of str -> array of shape (T,)
        Loss after each step; non-positive values are clipped when ``log`` is True.
    log : bool
        Use a logarithmic y axis (losses that shrink geometrically become straight lines).
    """
    _check_mapping(losses, "losses")
    ax = new_ax(ax)
    for i, (label, curve) in enumerate(losses.items()):
        curve = as_float_array(curve, f"losses[{label!r}]", ndim=1, allow_nan=True)
        shown = np.maximum(curve, 1e-16) if log else curve
        ax.plot(np.arange(curve.size), shown, label=label, markersize=4,
                markevery=max(1, curve.size // 10), **line_style(i))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def _series(run, key: str) -> np.ndarray:
    """Read one recorded series from a training History (attribute) or a dict."""
    values = run[key] if isinstance(run, Mapping) else getattr(run, key, None)
    if values is None:
        raise ValueError(f"run has no recorded series {key!r}")
    return as_float_array(values, key, ndim=1, allow_nan=True)


def plot_runs(runs: Mapping[str, object], key: str = "loss", *, ax: Axes | None = None,
              log: bool = False, title: str | None = None, xlabel: str = "epoch",
              ylabel: str | None = None) -> Axes:
    """Plot one recorded series (``"loss"``, ``"val_acc"``, ``"step_loss"`` ...) of several runs.

    Parameters
    ----------
    runs : dict of str -> History or dict
        Training histories from :func:`dlhelpers.train.train` (or dicts of lists).
    key : str
        Which series to draw; each has shape (epochs,) or (steps,).
    """
    _check_mapping(runs, "runs")
    ax = new_ax(ax)
    for i, (label, run) in enumerate(runs.items()):
        y = _series(run, key)
        start = 0 if key == "step_loss" else 1
        ax.plot(np.arange(start, start + y.size), y, label=label, markersize=4,
                markevery=max(1, y.size // 10), **line_style(i))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or key.replace("_", " "))
    ax.set_title(title or key.replace("_", " "))
    ax.legend()
    return ax


def plot_schedules(schedules: Mapping[str, Callable], steps: int, *, ax: Axes | None = None,
                   log: bool = False, title: str = "Learning-rate schedules") -> Axes:
    """Plot ``lr(step)`` for ``step = 0 .. steps - 1`` for each schedule.

    Parameters
    ----------
    schedules : dict of str -> callable
        Each maps an integer step to a learning rate (a float).
    steps : int
        How many steps to draw.
    """
    _check_mapping(schedules, "schedules")
    steps = check_int(steps, "steps", minimum=1)
    ax = new_ax(ax)
    t = np.arange(steps)
    for label, sched in schedules.items():
        lr = np.array([float(sched(int(s))) for s in t])
        for v in lr:
            check_positive(v, f"{label}(step)", allow_zero=True)
        ax.plot(t, lr, label=label, markersize=4, markevery=max(1, steps // 8),
                **line_style(len(ax.get_lines())))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_path_panels(paths: Mapping[str, object], landscape, axes, *, titles: Mapping[str, str] | None = None) -> list:
    """One contour panel per optimizer: ``paths[name]`` drawn alone on ``axes[i]``.

    Six paths on one contour plot overlap into a band; one small panel each keeps every
    path readable. Each panel uses the optimizer's own :func:`line_style`.

    Parameters
    ----------
    paths : dict of str -> :class:`dlhelpers.landscapes.Trajectory` or array of shape (T, 2)
    landscape : a landscape (``f``, ``xlim``, ``ylim``, ``minimum``)
    axes : sequence of Axes, at least ``len(paths)``
    titles : dict of str -> str, optional
        Panel titles (default: the key, plus "diverged" when a Path diverged).
    """
    _check_mapping(paths, "paths")
    axes = list(np.ravel(axes))
    if len(axes) < len(paths):
        raise ValueError(f"need one axes per path: got {len(axes)} axes for {len(paths)} paths")
    for i, (name, path) in enumerate(paths.items()):
        ax = axes[i]
        pts = as_float_array(getattr(path, "points", path), f"paths[{name!r}]", ndim=2, allow_nan=True)
        if pts.shape[1] != 2:
            raise ValueError(f"paths[{name!r}] must have shape (T, 2); got {pts.shape}")
        plot_contours(landscape.f, landscape.xlim, landscape.ylim, ax=ax,
                      minimum=getattr(landscape, "minimum", None), resolution=80, levels=18)
        style = line_style(i)
        ax.plot(pts[:, 0], pts[:, 1], color=style["color"], linestyle="-", linewidth=1.3,
                marker=style["marker"], markersize=2.5)
        ax.plot(pts[0, 0], pts[0, 1], marker="s", color="black", markersize=6, linestyle="none")
        default = name + (" (diverged)" if getattr(path, "diverged", False) else "")
        ax.set_title((titles or {}).get(name, default), fontsize=10)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=8)
    return axes[:len(paths)]
