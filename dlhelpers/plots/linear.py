"""Pictures for lesson 02: class templates, the decision regions of a 2-D linear classifier
with their borders, a binary classifier's boundary with one point's score, and model size
against training-set size.

Weights follow the course layout: ``W`` has shape (D, K), one column per class, and scores are
``X @ W + b``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, as_labels, check_shape
from dlhelpers.plots import COLORS
from dlhelpers.plots.images import PALETTE_CMAPS  # noqa: F401  (registers the course_* maps)
from dlhelpers.plots.knn import grid_over, plot_decision_regions


def _weights(W, b) -> tuple[np.ndarray, np.ndarray]:
    W = as_float_array(W, "W", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    check_shape(b, (W.shape[1],), "b (one bias per class, i.e. per column of W)")
    return W, b


def plot_templates(W, image_shape: tuple[int, int], class_names: Sequence[str] | None = None, *,
                   ncols: int = 5, size: float = 1.7, title: str = "Learned class templates"):
    """Show each class's weights (a column of ``W``) as an image.

    Vermillion (red-orange) pixels raise the class's score when inked, blue ones lower it;
    white is 0. Each
    template has its own symmetric colour range, so the pattern (not the scale) is compared.

    Parameters
    ----------
    W : array, shape (D, K)
        Weights, one column per class, with ``D = H * W``.
    image_shape : (H, W)
    class_names : sequence of K str, optional

    Returns
    -------
    fig, axes : the figure and a 2-D array of its axes.
    """
    W = as_float_array(W, "W", ndim=2)
    h, w = image_shape
    if h * w != W.shape[0]:
        raise ValueError(f"image_shape {image_shape} holds {h * w} pixels but W has {W.shape[0]} "
                         "rows; W must have shape (D, K) with one column per class")
    k = W.shape[1]
    names = list(class_names) if class_names is not None else [f"class {c}" for c in range(k)]
    if len(names) != k:
        raise ValueError(f"class_names must have one name per column of W ({k}); got {len(names)}")
    ncols = min(ncols, k)
    nrows = -(-k // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.5), squeeze=False)
    for c, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if c < k:
            template = W[:, c].reshape(h, w)
            lim = float(np.abs(template).max()) or 1.0
            ax.imshow(template, cmap="course_diverging", vmin=-lim, vmax=lim, interpolation="nearest")
            ax.set_title(names[c], fontsize=10)
    fig.suptitle(title)
    return fig, axes


def region_borders(W, b, box: tuple[float, float, float, float]) -> list[tuple[int, int, np.ndarray]]:
    """The borders of the decision regions of ``argmax(x @ W + b)`` inside a box, exactly.

    Classes i and j share a border where their scores tie and no other class scores more:
    on the line ``(w_i - w_j) . x + (b_i - b_j) = 0``, cut down to the part where
    ``s_i = s_j >= s_k`` for every other k. Each condition is linear along the line, so the
    piece that remains is one segment (or nothing).

    Parameters
    ----------
    W : array, shape (2, K)
    b : array, shape (K,)
    box : (x_lo, x_hi, y_lo, y_hi)

    Returns
    -------
    borders : list of (i, j, ends) with i < j and ``ends`` of shape (2, 2), one segment's two
        end points as rows.
    """
    W, b = _weights(W, b)
    if W.shape[0] != 2:
        raise ValueError(f"W must have shape (2, K) for 2-D data; got {W.shape}")
    x_lo, x_hi, y_lo, y_hi = (float(v) for v in box)
    span = max(x_hi - x_lo, y_hi - y_lo)
    borders = []
    for i in range(W.shape[1]):
        for j in range(i + 1, W.shape[1]):
            normal, offset = W[:, i] - W[:, j], b[i] - b[j]
            length = float(np.hypot(*normal))
            if length == 0:
                continue  # equal weights: the two classes tie everywhere or nowhere
            base = -offset * normal / length**2               # the line's point nearest the origin
            along = np.array([-normal[1], normal[0]]) / length
            lo, hi = -np.inf, np.inf
            # keep x = base + t * along inside the box and where s_i (= s_j) >= s_k
            conditions = [(along[0], base[0] - x_lo), (-along[0], x_hi - base[0]),
                          (along[1], base[1] - y_lo), (-along[1], y_hi - base[1])]
            for k in range(W.shape[1]):
                if k not in (i, j):
                    gap = W[:, i] - W[:, k]
                    conditions.append((float(gap @ along), float(gap @ base + b[i] - b[k])))
            for slope, value in conditions:              # value + slope * t >= 0
                if abs(slope) < 1e-12 * span:
                    if value < 0:
                        lo, hi = np.inf, -np.inf
                elif slope > 0:
                    lo = max(lo, -value / slope)
                else:
                    hi = min(hi, -value / slope)
            if hi > lo:
                borders.append((i, j, np.array([base + lo * along, base + hi * along])))
    return borders


def plot_class_lines(W, b, X, y, *, ax=None, title: str = "A linear classifier in 2-D",
                     class_names: Sequence[str] | None = None):
    """Decision regions of ``argmax(X @ W + b)``, their borders, and each class's w.

    The borders drawn are where two classes' scores tie (the edges of the coloured
    regions), not where a single class's score is zero. Each class's weight vector w_k is
    drawn as an arrow from the origin (marked "+"), scaled so the longest reaches about a
    third of the plot: the class's score grows fastest in that direction.

    Parameters
    ----------
    W : array, shape (2, K)
    b : array, shape (K,)
    X : array, shape (N, 2)
    y : array of int, shape (N,)

    Returns
    -------
    ax : the Axes drawn on; ``ax.borders`` holds ``region_borders``'s segments.
    """
    W, b = _weights(W, b)
    if W.shape[0] != 2:
        raise ValueError(f"W must have shape (2, K) for 2-D data; got {W.shape}")

    def predict(points: np.ndarray) -> np.ndarray:
        return np.argmax(points @ W + b, axis=1)

    ax = plot_decision_regions(predict, X, y, ax=ax, title=title, class_names=class_names)
    x_lo, x_hi = ax.get_xlim()
    y_lo, y_hi = ax.get_ylim()
    borders = region_borders(W, b, (x_lo, x_hi, y_lo, y_hi))
    for n, (_, _, ends) in enumerate(borders):
        ax.plot(ends[:, 0], ends[:, 1], color="black", lw=2,
                label="border: two scores tie" if n == 0 else None)
    norms = np.hypot(W[0], W[1])
    if norms.max() > 0:
        scale = 0.33 * min(x_hi - x_lo, y_hi - y_lo) / norms.max()
        ax.plot([0], [0], marker="+", ms=12, mew=2, color="black", ls="none", label="origin")
        for c in range(W.shape[1]):
            if norms[c] > 0:
                ax.annotate("", xy=scale * W[:, c], xytext=(0, 0),
                            arrowprops={"arrowstyle": "-|>", "color": COLORS[c], "lw": 2.5,
                                        "mutation_scale": 18, "shrinkA": 0, "shrinkB": 0})
                ax.annotate(f"$w_{c}$", xy=scale * W[:, c], xytext=(5, 5),
                            textcoords="offset points", color="black",
                            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                  "alpha": 0.85})
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.borders = borders
    return ax


def binary_boundary(w, b: float, X, y, point, *, ax=None, padding: float = 0.5):
    """A two-class linear classifier ``s = w . x + b``: half-planes, boundary, one point's score.

    Parameters
    ----------
    w : array, shape (2,)
    b : float
    X : array, shape (N, 2)
    y : array of int in {0, 1}, shape (N,)
        Class 1 is predicted where ``s > 0``.
    point : array, shape (2,)
        The point whose score is written on the picture.

    Returns
    -------
    ax : the Axes drawn on.
    score : float
        ``w . point + b``.
    accuracy : float
        Fraction of ``X`` on the correct side.
    """
    w = as_float_array(w, "w", ndim=1)
    check_shape(w, (2,), "w")
    b = float(as_float_array(b, "b", ndim=0))
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0], num_classes=2)
    point = as_float_array(point, "point", ndim=1)
    check_shape(point, (2,), "point")
    if ax is None:
        _, ax = plt.subplots(figsize=(8.4, 4.6))
    xx, yy, grid = grid_over(np.vstack([X, point]), resolution=200, padding=padding)
    s = (grid @ w + b).reshape(xx.shape)
    ax.contourf(xx, yy, (s > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=[COLORS[0], COLORS[1]],
                alpha=0.2)
    if np.ptp(s) > 0 and s.min() < 0 < s.max():
        ax.contour(xx, yy, s, levels=[0], colors="black", linewidths=2)
    for c, marker in ((0, "o"), (1, "s")):
        ax.scatter(*X[y == c].T, s=24, color=COLORS[c], edgecolor="black", linewidth=0.5,
                   marker=marker, label=f"class {c}")
    norm = float(np.hypot(*w))
    if norm > 0:  # w drawn from the boundary's point nearest the origin: it points to class 1
        foot = -b * w / norm**2
        ax.annotate("", xy=foot + w / norm, xytext=foot,
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2,
                                "mutation_scale": 16, "shrinkA": 0, "shrinkB": 0})
        ax.plot([], [], color="black", lw=2, marker=">", ms=6, label="direction of $w$")
    score = float(point @ w + b)
    ax.scatter(*point, marker="*", s=260, color="#F0E442", edgecolor="black", zorder=4,
               label=f"chosen point: score {score:+.2f}")
    accuracy = float(np.mean((X @ w + b > 0).astype(int) == y))
    ax.plot([], [], color="black", lw=2, label="boundary  $w \\cdot x + b = 0$")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_aspect("equal", adjustable="box")  # so w looks perpendicular to the boundary
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_title(f"w = ({w[0]:.1f}, {w[1]:.1f}), b = {b:.1f}: accuracy {accuracy:.0%}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(False)
    return ax, score, accuracy


def plot_model_size(sizes, num_features: int, num_classes: int, *, ax=None,
                    title: str = "Numbers a model must keep to make predictions"):
    """Stored numbers of k-NN (the whole training set) vs a linear classifier (W and b).

    Parameters
    ----------
    sizes : array, shape (S,)
        Training-set sizes N.
    num_features : int
        D, features per example.
    num_classes : int
        K, classes.

    Returns
    -------
    ax : the Axes drawn on (both axes log-scaled).
    """
    sizes = as_float_array(sizes, "sizes", ndim=1)
    if sizes.size < 2 or np.any(sizes <= 0):
        raise ValueError(f"sizes must hold at least two positive values; got {sizes}")
    if num_features < 1 or num_classes < 2:
        raise ValueError(f"need num_features >= 1 and num_classes >= 2; got {num_features}, {num_classes}")
    if ax is None:
        _, ax = plt.subplots()
    knn_numbers = sizes * (num_features + 1)  # every pixel plus the label of every example
    linear_numbers = np.full_like(sizes, num_features * num_classes + num_classes)
    ax.plot(sizes, knn_numbers, "o-", lw=2, label="k-NN: N x (D + 1)")
    ax.plot(sizes, linear_numbers, "s-", lw=2, label="linear: D x K + K")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training-set size N")
    ax.set_ylabel("numbers stored")
    ax.set_title(title)
    ax.legend()
    return ax
