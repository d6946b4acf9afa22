"""Pictures for lesson 08: polynomial fits, train-vs-validation sweeps, weight histograms
and small image grids for data augmentation.

Each function draws on the ``ax`` (or axes) it is given, or on new ones, and returns them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from dlhelpers._checks import as_float_array, check_same_shape
from dlhelpers.plots._figure import new_ax

__all__ = ["diverging_cmap", "plot_polynomial_fits", "plot_train_val", "plot_weight_cdf", "plot_weight_histograms", "show_images"]


def diverging_cmap():
    """A diverging colormap built from the course palette: vermillion (negative), white (0),
    blue (positive), for signed images such as weight templates."""
    from matplotlib.colors import LinearSegmentedColormap

    from dlhelpers.plots import PALETTE

    return LinearSegmentedColormap.from_list("course_diverging", [PALETTE[3], "#FFFFFF", PALETTE[0]])


def plot_polynomial_fits(x_train, y_train, x_grid, fits: Mapping[str, np.ndarray], *,
                         x_val=None, y_val=None, ax: Axes | None = None,
                         title: str = "Polynomial fits of rising degree") -> Axes:
    """Scatter the data and draw each fitted curve.

    Parameters
    ----------
    x_train, y_train : arrays of shape (N,)
        Training points (drawn as filled dots).
    x_grid : array of shape (G,)
        Where the fitted curves were evaluated.
    fits : dict of str -> array of shape (G,)
        One curve per label, e.g. ``{"degree 1": ..., "degree 9": ...}``.
    x_val, y_val : arrays of shape (M,), optional
        Validation points (drawn as open circles).
    """
    ax = new_ax(ax)
    x_train = as_float_array(x_train, "x_train", ndim=1)
    y_train = as_float_array(y_train, "y_train", ndim=1)
    check_same_shape(x_train, y_train, "x_train", "y_train")
    x_grid = as_float_array(x_grid, "x_grid", ndim=1)
    if not isinstance(fits, Mapping) or not fits:
        raise TypeError("fits must be a non-empty dict of label -> curve of shape (G,)")
    ax.scatter(x_train, y_train, color="black", s=22, zorder=3, label="training points")
    if x_val is not None:
        x_val = as_float_array(x_val, "x_val", ndim=1)
        y_val = as_float_array(y_val, "y_val", ndim=1)
        check_same_shape(x_val, y_val, "x_val", "y_val")
        ax.scatter(x_val, y_val, facecolors="none", edgecolors="0.4", s=22, zorder=3,
                   label="validation points")
    for label, curve in fits.items():
        curve = as_float_array(curve, f"fits[{label!r}]", ndim=1)
        check_same_shape(curve, x_grid, f"fits[{label!r}]", "x_grid")
        ax.plot(x_grid, curve, linewidth=2, label=label)
    pad = 0.5 * np.ptp(y_train) + 1e-9
    ax.set_ylim(y_train.min() - pad, y_train.max() + pad)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_train_val(values: Sequence[float], train, val, *, ax: Axes | None = None,
                   xlabel: str = "regularization strength", ylabel: str = "accuracy",
                   log_x: bool = True, title: str = "Training vs validation",
                   mark_best: str | None = "max") -> Axes:
    """Plot a training and a validation metric against a swept setting.

    Parameters
    ----------
    values : sequence of shape (S,)
        The swept setting (e.g. lambda, polynomial degree, epoch).
    train, val : arrays of shape (S,)
        Metric on the training and the validation set at each setting.
    mark_best : "max", "min" or None
        Mark the best validation value (highest accuracy or lowest error).
    """
    ax = new_ax(ax)
    x = as_float_array(values, "values", ndim=1)
    tr = as_float_array(train, "train", ndim=1)
    va = as_float_array(val, "val", ndim=1)
    check_same_shape(x, tr, "values", "train")
    check_same_shape(x, va, "values", "val")
    if mark_best not in ("max", "min", None):
        raise ValueError(f"mark_best must be 'max', 'min' or None; got {mark_best!r}")
    ax.plot(x, tr, marker="o", label="training")
    ax.plot(x, va, marker="s", label="validation")
    if mark_best is not None:
        i = int(np.argmax(va) if mark_best == "max" else np.argmin(va))
        ax.axvline(x[i], color="0.5", linestyle="--", linewidth=1, label="best validation")
    if log_x:
        # symlog keeps a setting of 0 (no regularization) on the axis next to the log-spaced ones
        smallest = float(np.min(x[x > 0])) if np.any(x > 0) else 1.0
        ax.set_xscale("symlog", linthresh=smallest)
        if x.min() >= 0:
            ax.set_xlim(left=0, right=x.max() * 1.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_weight_histograms(weights: Mapping[str, np.ndarray], *, axes=None, bins: int = 60,
                           zero_tol: float = 1e-3, xlim: float | None = None):
    """One histogram per weight array, titled with the share of (near-)zero weights.

    Parameters
    ----------
    weights : dict of str -> array of any shape
        Flattened before counting.
    zero_tol : float
        Weights with ``abs(w) < zero_tol`` count as zero in the title.
    Returns
    -------
    array of Axes, one per entry
    """
    if not isinstance(weights, Mapping) or not weights:
        raise TypeError("weights must be a non-empty dict of label -> array")
    if axes is None:
        _, axes = plt.subplots(1, len(weights), figsize=(3.2 * len(weights), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    if axes.size != len(weights):
        raise ValueError(f"need one axis per weight array: {len(weights)} arrays, {axes.size} axes")
    flat = {k: as_float_array(v, f"weights[{k!r}]").ravel() for k, v in weights.items()}
    span = xlim or max(float(np.abs(v).max()) for v in flat.values()) or 1.0
    edges = np.linspace(-span, span, bins + 1)
    for ax, (label, w) in zip(axes.ravel(), flat.items(), strict=True):
        zeros = float(np.mean(np.abs(w) < zero_tol))
        ax.hist(np.clip(w, -span, span), bins=edges, color="#0072B2")
        ax.set_yscale("log")
        ax.set_title(f"{label}\n{100 * zeros:.0f}% of weights ~ 0", fontsize=10)
        ax.set_xlabel("weight value")
    axes.ravel()[0].set_ylabel("count (log scale)")
    return axes


def plot_weight_cdf(weights: Mapping[str, np.ndarray], *, ax: Axes | None = None,
                    title: str = "Share of weights at most a given size") -> Axes:
    """For each weight array, the share of weights with ``|w| <= t`` against ``t`` (log x).

    Exact zeros show up as the height at which a curve *starts* on the left, so sparsity is
    read off the data, not off a title: a penalty that zeros half the weights starts at 0.5,
    one that only shrinks them starts at 0 and is shifted to the left.

    Parameters
    ----------
    weights : dict of str -> array of any shape (flattened)
    """
    from dlhelpers.plots.optimizers import line_style

    if not isinstance(weights, Mapping) or not weights:
        raise TypeError("weights must be a non-empty dict of label -> array")
    ax = new_ax(ax)
    flat = {k: np.abs(as_float_array(v, f"weights[{k!r}]").ravel()) for k, v in weights.items()}
    nonzero = np.concatenate([w[w > 0] for w in flat.values()])
    if nonzero.size == 0:
        raise ValueError("every weight is exactly zero: nothing to draw")
    lo, hi = float(nonzero.min()), float(nonzero.max())
    grid = np.geomspace(lo, hi, 200)
    for i, (label, w) in enumerate(flat.items()):
        share = np.searchsorted(np.sort(w), grid, side="right") / w.size
        zeros = float(np.mean(w == 0))
        ax.plot(grid, share, label=f"{label} ({100 * zeros:.0f}% exactly 0)", markevery=25,
                markersize=5, **line_style(i))
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("|w| (log scale)")
    ax.set_ylabel("share of weights with |weight| <= |w|")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax


def show_images(images, titles: Sequence[str] | None = None, *, axes=None, cmap: str = "gray",
                ncols: int | None = None, vmin: float | None = None, vmax: float | None = None):
    """Show a row (or grid) of grey images with optional titles.

    Parameters
    ----------
    images : array of shape (n, H, W) or sequence of (H, W) arrays
    titles : sequence of n str, optional
    """
    imgs = [as_float_array(im, "image", ndim=2) for im in images]
    if titles is not None and len(titles) != len(imgs):
        raise ValueError(f"titles must have one entry per image: {len(imgs)} images, {len(titles)} titles")
    n = len(imgs)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    if axes is None:
        _, axes = plt.subplots(nrows, ncols, figsize=(1.7 * ncols, 1.9 * nrows), squeeze=False)
    axes = np.atleast_1d(axes).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i], cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    return axes
