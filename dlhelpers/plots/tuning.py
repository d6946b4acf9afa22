"""Pictures for lesson 13 (hyperparameter tuning and debugging training): log-scale
sampling, search results, learning curves against training-set size, and a gallery of
training curves.

Each function draws on the axes it is given (or on new ones) and returns them.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from dlhelpers._checks import as_float_array, check_same_shape

__all__ = ["plot_log_sampling", "plot_search_results", "plot_learning_curves",
           "plot_curve_gallery"]


def _new_ax(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_log_sampling(linear_samples, log_samples, *, axes=None) -> np.ndarray:
    """Where two ways of sampling a learning rate in [1e-4, 1] put their points.

    Parameters
    ----------
    linear_samples : array of shape (N,)
        Drawn uniformly in [1e-4, 1].
    log_samples : array of shape (M,)
        Drawn as 10**U(-4, 0).

    Returns
    -------
    axes : array of two Axes (one histogram per decade of each sampler, then the points)
    """
    linear_samples = as_float_array(linear_samples, "linear_samples", ndim=1)
    log_samples = as_float_array(log_samples, "log_samples", ndim=1)
    if np.any(linear_samples <= 0) or np.any(log_samples <= 0):
        raise ValueError("learning-rate samples must be > 0 to be drawn on a log axis")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_hist, ax_strip = axes
    edges = 10.0 ** np.arange(-4, 1)
    width = 0.35
    centres = np.arange(4)
    for k, (samples, name) in enumerate(((linear_samples, "uniform in [1e-4, 1]"),
                                         (log_samples, "10^U(-4, 0)"))):
        counts, _ = np.histogram(samples, bins=edges)
        ax_hist.bar(centres + (k - 0.5) * width, counts / samples.size, width=width, label=name)
    ax_hist.set_xticks(centres, [f"[1e{e}, 1e{e + 1})" for e in range(-4, 0)])
    ax_hist.set_xlabel("decade of the learning rate")
    ax_hist.set_ylabel("fraction of samples")
    ax_hist.set_title("How many samples land in each decade")
    ax_hist.legend(loc="upper left", fontsize=9)
    ax_strip.scatter(linear_samples, np.full(linear_samples.size, 1.0), marker="|", s=200,
                     label="uniform in [1e-4, 1]")
    ax_strip.scatter(log_samples, np.zeros(log_samples.size), marker="|", s=200,
                     label="10^U(-4, 0)")
    ax_strip.set_xscale("log")
    ax_strip.set_yticks([0, 1], ["log-uniform", "uniform"])
    ax_strip.set_ylim(-0.6, 1.6)
    ax_strip.set_xlabel("learning rate (log axis)")
    ax_strip.set_title("The same samples on a log axis")
    return np.asarray(axes)


def plot_search_results(lrs, regs, val_acc, *, ax: Axes | None = None, box=None,
                        title: str = "Random search: validation accuracy of each trial") -> Axes:
    """Scatter search trials on log axes, coloured by validation accuracy.

    Parameters
    ----------
    lrs, regs, val_acc : arrays of shape (T,)
        Learning rate, L2 strength and validation accuracy of each trial.
    box : tuple (lr_lo, lr_hi, reg_lo, reg_hi), optional
        A region to outline (the "fine" search region).
    """
    lrs = as_float_array(lrs, "lrs", ndim=1)
    regs = as_float_array(regs, "regs", ndim=1)
    val_acc = as_float_array(val_acc, "val_acc", ndim=1)
    check_same_shape(lrs, regs, "lrs", "regs")
    check_same_shape(lrs, val_acc, "lrs", "val_acc")
    ax = _new_ax(ax)
    dots = ax.scatter(lrs, regs, c=val_acc, cmap="viridis", s=60, edgecolors="black",
                      vmin=0.0, vmax=1.0)
    best = int(np.argmax(val_acc))
    ax.scatter(lrs[best], regs[best], marker="*", s=300, color="#D55E00", edgecolors="black",
               zorder=3, label=f"best: {val_acc[best]:.3f}")
    if box is not None:
        lo, hi, rlo, rhi = box
        ax.plot([lo, hi, hi, lo, lo], [rlo, rlo, rhi, rhi, rlo], color="#D55E00",
                linestyle="--", label="region searched next")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("L2 strength")
    ax.set_title(title)
    ax.figure.colorbar(dots, ax=ax, label="validation accuracy")
    ax.legend(loc="best", fontsize=9)
    return ax


def plot_learning_curves(sizes, curves: Mapping[str, tuple], *, ax: Axes | None = None,
                         title: str = "Error against training-set size") -> Axes:
    """Training (dashed) and validation (solid) error against the number of training examples.

    Parameters
    ----------
    sizes : array of shape (S,)
    curves : dict of label -> (train_error (S,), val_error (S,))
    """
    sizes = as_float_array(sizes, "sizes", ndim=1)
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty dict of label -> (train_error, val_error)")
    ax = _new_ax(ax)
    for k, (label, (train_err, val_err)) in enumerate(curves.items()):
        train_err = as_float_array(train_err, f"curves[{label!r}] train error", ndim=1)
        val_err = as_float_array(val_err, f"curves[{label!r}] validation error", ndim=1)
        check_same_shape(sizes, train_err, "sizes", f"curves[{label!r}] train error")
        check_same_shape(sizes, val_err, "sizes", f"curves[{label!r}] validation error")
        color = plt.rcParams["axes.prop_cycle"].by_key()["color"][k % 8]
        ax.plot(sizes, train_err, linestyle="--", marker="o", color=color,
                label=f"{label}: training")
        ax.plot(sizes, val_err, linestyle="-", marker="o", color=color,
                label=f"{label}: validation")
    ax.set_xscale("log")
    ax.set_xlabel("number of training examples")
    ax.set_ylabel("error (1 - accuracy)")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=9)
    return ax


def plot_curve_gallery(runs: Mapping[str, Mapping], *, ncols: int = 3,
                       ylabel: str = "loss") -> np.ndarray:
    """One small panel per training run: training and (if present) validation curves.

    Parameters
    ----------
    runs : dict of title -> {"train": array (E,), "val": array (E,) optional}
        The curves of each run, one value per epoch.
    ncols : int
        Panels per row.

    Returns
    -------
    axes : array of Axes, shape (rows, ncols)
    """
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a non-empty dict of title -> {'train': ..., 'val': ...}")
    rows = -(-len(runs) // ncols)
    fig, axes = plt.subplots(rows, ncols, figsize=(3.6 * ncols, 2.9 * rows), squeeze=False)
    for ax, (name, run) in zip(axes.ravel(), runs.items(), strict=False):
        if "train" not in run:
            raise ValueError(f"runs[{name!r}] needs a 'train' curve")
        train = as_float_array(run["train"], f"runs[{name!r}]['train']", ndim=1)
        epochs = np.arange(1, train.size + 1)
        ax.plot(epochs, train, label="training")
        if run.get("val") is not None:
            val = as_float_array(run["val"], f"runs[{name!r}]['val']", ndim=1)
            check_same_shape(train, val, f"runs[{name!r}]['train']", f"runs[{name!r}]['val']")
            ax.plot(epochs, val, label="validation")
        ax.set_title(name, fontsize=11)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize=8)
    for ax in axes.ravel()[len(runs):]:
        ax.set_visible(False)
    fig.suptitle("Training curves, each produced on purpose")
    return axes
