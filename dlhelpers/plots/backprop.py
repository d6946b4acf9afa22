"""Pictures for lesson 09 (backpropagation and multilayer networks).

* ``plot_scalar_graph``: a small computation graph with forward values and gradients;
* ``plot_decision_boundary``: class regions of any ``predict`` function over 2-D data;
* ``plot_activation_functions``: activations and their derivatives side by side;
* ``plot_preprocessing``: the same 2-D cloud after each preprocessing step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from dlhelpers._checks import as_float_array, as_labels, check_int, check_positive
from dlhelpers.plots import COLORS, PALETTE


def plot_scalar_graph(nodes: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str]],
                      values: Mapping[str, float], grads: Mapping[str, float], *,
                      title: str, ax: Axes | None = None) -> Axes:
    """Draw a computation graph: forward values above each node, gradients below.

    Parameters
    ----------
    nodes : mapping name -> (x, y)
        Where each node sits (any units; the axis is fitted around them).
    edges : sequence of (source, target)
        Arrows in the forward direction.
    values, grads : mapping name -> float
        Forward value and dL/d(node) of each node; every node needs both.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    missing = [n for n in nodes if n not in values or n not in grads]
    if missing:
        raise ValueError(f"every node needs a value and a gradient; missing for {missing}")
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise ValueError(f"edge ({a!r}, {b!r}) names a node that is not in nodes")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    for a, b in edges:
        ax.annotate("", xy=nodes[b], xytext=nodes[a],
                    arrowprops={"arrowstyle": "-|>", "color": "0.4", "shrinkA": 18, "shrinkB": 18})
    for name, (x, y) in nodes.items():
        ax.add_patch(plt.Circle((x, y), 0.28, color="white", ec="0.2", zorder=3))
        ax.text(x, y, name, ha="center", va="center", zorder=4)
        ax.text(x, y + 0.42, f"{values[name]:g}", ha="center", color=COLORS[2], fontsize=10)
        ax.text(x, y - 0.5, f"{grads[name]:g}", ha="center", color=COLORS[3], fontsize=10)
    xs, ys = zip(*nodes.values(), strict=True)
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    ax.plot([], [], color=COLORS[2], label="forward value")
    ax.plot([], [], color=COLORS[3], label="gradient dL/d(node)")
    ax.legend(loc="upper right")
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X, y, *, title: str,
                           ax: Axes | None = None, resolution: int = 200,
                           padding: float = 0.3) -> Axes:
    """Colour the plane by the class ``predict`` gives, and scatter the data on top.

    Parameters
    ----------
    predict : callable
        Maps an array of shape (M, 2) to integer class labels of shape (M,).
    X : array of shape (N, 2)
    y : int array of shape (N,)
    title : str
    ax : Axes, optional
    resolution : int
        Grid points per axis.
    padding : float
        Margin around the data, in data units.

    Returns
    -------
    Axes
    """
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to draw a plane; got {X.shape}")
    y = as_labels(y, "y", n=X.shape[0])
    resolution = check_int(resolution, "resolution", minimum=2)
    padding = check_positive(padding, "padding", allow_zero=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.2))
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    regions = np.asarray(predict(grid)).reshape(gx.shape)
    k = int(max(y.max(), regions.max())) + 1
    cmap = ListedColormap(COLORS[:k])
    ax.contourf(gx, gy, regions, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=k - 0.5, s=12,
               edgecolors="white", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.set_aspect("equal")
    return ax


def plot_activation_functions(functions: Mapping[str, tuple[Callable, Callable]], *,
                              z_range: tuple[float, float] = (-5.0, 5.0),
                              axes: Sequence[Axes] | None = None) -> np.ndarray:
    """Plot each activation (left) and its derivative (right) over ``z_range``.

    Parameters
    ----------
    functions : mapping name -> (f, df)
        ``f`` and ``df`` map an array of shape (M,) to an array of shape (M,).
    z_range : (low, high)
    axes : two Axes, optional

    Returns
    -------
    numpy.ndarray of two Axes
    """
    if not functions:
        raise ValueError("functions must hold at least one (f, df) pair")
    lo, hi = (float(v) for v in z_range)
    if not lo < hi:
        raise ValueError(f"z_range must be (low, high) with low < high; got {z_range}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    axes = np.asarray(axes, dtype=object).ravel()
    z = np.linspace(lo, hi, 801)
    # The palette without its pale yellow (unreadable on white); the dash pattern changes with
    # every line, so neighbours in the legend differ by more than their colour.
    colours = [c for c in PALETTE if c != "#F0E442"]
    dashes = ["-", "--", "-.", ":"]
    for i, (name, (f, df)) in enumerate(functions.items()):
        style = {"color": colours[i % len(colours)], "linestyle": dashes[i % len(dashes)], "lw": 1.8}
        axes[0].plot(z, f(z), label=name, **style)
        axes[1].plot(z, df(z), label=name, **style)
    axes[0].set(xlabel="z", ylabel="f(z)", title="Activation functions")
    axes[1].set(xlabel="z", ylabel="f'(z)", title="Their derivatives (the local gradients)")
    axes[0].legend()
    return axes


def plot_preprocessing(stages: Mapping[str, np.ndarray], *, axes: Sequence[Axes] | None = None,
                       limit: float | None = None,
                       axis_names: Mapping[str, tuple[str, str]] | None = None) -> np.ndarray:
    """Scatter the same 2-D data after each preprocessing step, one panel per step.

    Parameters
    ----------
    stages : mapping title -> array of shape (N, 2)
    axes : Axes, optional (one per stage)
    limit : float, optional
        Every panel shows [-limit, limit] on both axes; by default the largest |value|.
    axis_names : mapping title -> (x label, y label), optional
        For panels whose axes are not the original features (e.g. ``("PC1", "PC2")``).

    Returns
    -------
    numpy.ndarray of Axes
    """
    data = {t: as_float_array(v, f"stages[{t!r}]", ndim=2) for t, v in stages.items()}
    if not data:
        raise ValueError("stages must hold at least one array")
    for t, v in data.items():
        if v.shape[1] != 2:
            raise ValueError(f"stages[{t!r}] must have shape (N, 2); got {v.shape}")
    if axes is None:
        _, axes = plt.subplots(1, len(data), figsize=(2.9 * len(data), 3.2))
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if limit is None:
        limit = 1.05 * max(float(np.abs(v).max()) for v in data.values())
    for ax, (t, v) in zip(axes, data.items(), strict=True):
        ax.scatter(v[:, 0], v[:, 1], s=5, alpha=0.5)
        ax.axhline(0, color="0.5", lw=0.8)
        ax.axvline(0, color="0.5", lw=0.8)
        xname, yname = (axis_names or {}).get(t, ("feature 1", "feature 2"))
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), title=t, xlabel=xname, ylabel=yname)
        ax.set_aspect("equal")
    return axes


def plot_least_squares_path(X, t, path, *, title: str, ax: Axes | None = None,
                            half_width: float | None = None) -> Axes:
    """Contours of ``L(w) = sum((X w - t)**2)`` for a two-weight linear unit, and a descent path.

    Parameters
    ----------
    X : array of shape (N, 2)
        Inputs, one example per row.
    t : array of shape (N,)
        Targets.
    path : array of shape (S, 2)
        The weights after each step, starting point first.
    title : str
    ax : Axes, optional
    half_width : float, optional
        Half the side of the (square) window around the minimum; by default it holds the path.

    Returns
    -------
    Axes (equal aspect, so a round bowl looks round and a ravine looks narrow)
    """
    X = as_float_array(X, "X", ndim=2)
    t = as_float_array(t, "t", ndim=1)
    path = as_float_array(path, "path", ndim=2)
    if X.shape[1] != 2 or path.shape[1] != 2 or t.shape[0] != X.shape[0]:
        raise ValueError(f"X must be (N, 2), t (N,) and path (S, 2); got {X.shape}, {t.shape}, {path.shape}")
    w_star = np.linalg.lstsq(X, t, rcond=None)[0]
    if half_width is None:
        half_width = 1.1 * float(np.abs(path - w_star).max())
    check_positive(half_width, "half_width")
    if ax is None:
        _, ax = plt.subplots()
    g = np.linspace(-half_width, half_width, 301)
    W1, W2 = np.meshgrid(w_star[0] + g, w_star[1] + g)
    pred = X[:, 0, None, None] * W1 + X[:, 1, None, None] * W2          # (N, 301, 301)
    loss = ((pred - t[:, None, None]) ** 2).sum(axis=0)
    start_loss = float(((X @ path[0] - t) ** 2).sum())
    levels = np.geomspace(start_loss * 1e-4, start_loss * 4, 10)     # log-spaced: ravines show
    ax.contour(W1, W2, loss, levels=levels, colors="0.65", linewidths=0.8)
    ax.plot(path[:, 0], path[:, 1], color=PALETTE[0], marker=".", ms=5, lw=1.2, label="gradient descent")
    ax.plot(*w_star, marker="*", ms=12, color=PALETTE[3], linestyle="none", label="minimum")
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title=title)
    ax.set_aspect("equal")
    return ax
