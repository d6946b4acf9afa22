"""Pictures for lesson 01: decision regions, unit "circles" of distances, cross-validation
curves and prediction-time scaling.

Every function draws on an Axes (a new one if none is given) and returns it, titled and
labelled, so a lesson cell stays short and a test can inspect what was drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.colors import ListedColormap

from dlhelpers._checks import as_float_array, as_labels, check_int
from dlhelpers.plots import COLORS
from dlhelpers.plots._figure import new_ax

# One marker shape per class, so classes differ by shape as well as colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def grid_over(X, *, resolution: int = 150, padding: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regular grid of points covering the 2-D data ``X`` with a margin.

    Parameters
    ----------
    X : array, shape (N, 2)
    resolution : int
        Grid points along each axis.
    padding : float
        Margin added on every side, in data units.

    Returns
    -------
    xx, yy : arrays, shape (resolution, resolution)
        Grid coordinates (as from ``np.meshgrid``).
    points : array, shape (resolution * resolution, 2)
        The same grid as rows, ready for a ``predict`` function.
    """
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (N, 2) with N >= 1; got {X.shape}")
    resolution = check_int(resolution, "resolution", minimum=2)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def plot_decision_regions(predict: Callable[[np.ndarray], np.ndarray], X, y, *, ax=None,
                          title: str = "Decision regions", resolution: int = 300,
                          class_names: Sequence[str] | None = None, padding: float = 0.5):
    """Colour the plane by the class ``predict`` assigns, and draw the data on top.

    Parameters
    ----------
    predict : callable
        Maps points of shape (M, 2) to integer labels of shape (M,).
    X : array, shape (N, 2)
        The data points.
    y : array of int, shape (N,)
        Their labels, used for the colours of the dots.
    ax : matplotlib Axes, optional
    title : str
    resolution : int
        Grid points per axis for the background (300 keeps the raster steps of the region
        borders below a pixel at the course's figure size).
    class_names : sequence of str, optional
        Legend names; defaults to "class 0", "class 1", ...

    The axes have equal aspect (one unit is as long on both axes), so distances, angles
    and a weight vector's right angle to its boundary look as they are; the legend sits
    outside the data.

    Returns
    -------
    ax : the Axes drawn on; ``ax.region_labels`` holds the predicted grid,
        shape (resolution, resolution).
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0])
    if not callable(predict):
        raise TypeError(f"predict must be callable; got {type(predict).__name__}")
    xx, yy, points = grid_over(X, resolution=resolution, padding=padding)
    labels = as_labels(predict(points), "predict(points)", n=points.shape[0]).reshape(xx.shape)
    num_classes = int(max(labels.max(), y.max())) + 1
    if num_classes > len(COLORS):
        raise ValueError(f"at most {len(COLORS)} classes can be coloured; got {num_classes}")
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(num_classes)]
    if len(names) < num_classes:
        raise ValueError(f"class_names must name {num_classes} classes; got {len(names)}")
    ax = new_ax(ax)
    cmap = ListedColormap(COLORS[:num_classes])
    ax.pcolormesh(xx, yy, labels, cmap=cmap, vmin=-0.5, vmax=num_classes - 0.5, alpha=0.25,
                  shading="auto", rasterized=True)
    for c in range(num_classes):
        mask = y == c
        if mask.any():  # a marker per class as well as a colour: meaning never by colour alone
            ax.scatter(X[mask, 0], X[mask, 1], s=24, color=COLORS[c], edgecolor="black",
                       linewidth=0.5, marker=MARKERS[c % len(MARKERS)], label=names[c])
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(False)
    ax.region_labels = labels
    return ax


def plot_unit_balls(*, ax=None, radius: float = 1.0):
    """Draw the points at distance ``radius`` from the origin under L1, L2 and L-infinity.

    Returns
    -------
    ax : the Axes drawn on (equal aspect, so a circle looks round).
    """
    radius = float(radius)
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be finite and > 0; got {radius!r}")
    ax = new_ax(ax)
    t = np.linspace(0, 2 * np.pi, 400)
    ax.plot(radius * np.cos(t), radius * np.sin(t), lw=2.5, label="L2: $\\sqrt{x_1^2 + x_2^2} = 1$")
    diamond = radius * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]])
    ax.plot(diamond[:, 0], diamond[:, 1], lw=2.5, label="L1: $|x_1| + |x_2| = 1$")
    square = radius * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]])
    ax.plot(square[:, 0], square[:, 1], lw=1.5, ls="--", color="grey",
            label="L$\\infty$: $\\max(|x_1|, |x_2|) = 1$")
    ax.scatter([0], [0], color="black", zorder=3)
    ax.set_aspect("equal")
    lim = 1.35 * radius
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim + 0.6 * radius)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"Points at distance {radius:g} from the origin")
    ax.legend(loc="upper center", ncol=1)
    return ax


def plot_cv_accuracy(results: Mapping[int, np.ndarray], *, ax=None,
                     title: str = "Cross-validation accuracy of k-NN",
                     label: str = "mean over folds $\\pm$ 1 std", color: str = COLORS[0],
                     marker: str = "o", linestyle: str = "-", shift: float = 0.0,
                     best_label: str = "best k = {k} ({acc:.1%})"):
    """Accuracy of every fold for each k (small dots), with the mean (line) and +-1 std (bars).

    Call it twice on one Axes to compare two settings (for example L2 and L1): give each its
    own ``label``, ``color``, ``marker``, ``linestyle`` and a small ``shift`` of the k
    positions so the two sets of fold dots do not cover each other.

    Parameters
    ----------
    results : mapping from k (int) to an array of fold accuracies, shape (folds,)
        As returned by ``dlhelpers.knn.cross_validate_k``.
    shift : float
        Horizontal offset of this curve's dots, in units of k.
    best_label : str
        Legend text for the best k, a format string with fields ``k`` and ``acc``.

    Returns
    -------
    ax : the Axes drawn on. The best k (highest mean, smallest k among ties) is marked with a
        large open marker on the mean curve and named in the legend; ``ax.best_k`` holds it.
    """
    if not results:
        raise ValueError("results must hold at least one k")
    ks = sorted(int(k) for k in results)
    accs = [as_float_array(results[k], f"results[{k}]", ndim=1) for k in ks]
    ax = new_ax(ax)
    xs = np.array(ks, dtype=float) + shift
    for x, a in zip(xs, accs, strict=True):
        ax.scatter(np.full(a.shape, x), a, s=12, color=color, alpha=0.45, marker=marker,
                   linewidths=0)
    means = np.array([a.mean() for a in accs])
    stds = np.array([a.std() for a in accs])
    ax.errorbar(xs, means, yerr=stds, color=color, lw=2, ls=linestyle, marker=marker, ms=5,
                capsize=4, label=label)
    best = int(np.argmax(means))
    ax.plot(xs[best], means[best], marker=marker, ms=15, mfc="none", mec="black", mew=1.8,
            ls="none", label=best_label.format(k=ks[best], acc=means[best]))
    ax.set_xlabel("k (number of neighbours that vote)")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title)
    ax.legend(loc="lower center")
    ax.best_k = ks[best]
    return ax


def plot_prediction_time(sizes, seconds, *, ax=None, label: str = "measured",
                         title: str = "k-NN prediction time grows with the training set"):
    """Prediction time against training-set size, with a least-squares straight line.

    Parameters
    ----------
    sizes : array, shape (S,)
        Training-set sizes N.
    seconds : array, shape (S,)
        Measured prediction time for each size.

    Returns
    -------
    ax : the Axes drawn on.
    """
    sizes = as_float_array(sizes, "sizes", ndim=1)
    seconds = as_float_array(seconds, "seconds", ndim=1)
    if sizes.shape != seconds.shape or sizes.size < 2:
        raise ValueError(f"sizes and seconds must be 1-D of equal length >= 2; got {sizes.shape} "
                         f"and {seconds.shape}")
    ax = new_ax(ax)
    ms = 1e3 * seconds
    slope, intercept = np.polyfit(sizes, ms, 1)  # least-squares straight line
    grid = np.linspace(0, sizes.max(), 50)
    ax.plot(grid, intercept + slope * grid, color="grey", ls="--",
            label=f"straight-line fit: {slope * 1e3:.0f} ms more per 1000 examples")
    ax.plot(sizes, ms, "o-", lw=2, label=label)
    ax.set_xlim(0, None)
    ax.set_ylim(0, None)
    ax.set_xlabel("training-set size N")
    ax.set_ylabel("prediction time (ms)")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax
