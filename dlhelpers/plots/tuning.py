"""Pictures for lesson 13 (hyperparameter tuning and debugging training): grid against
random search over many peak positions, log-scale sampling, search results, short and long
trials, a capacity search, learning curves against training-set size, a gallery of training
curves, and the statistics one watches during training.

Each function draws on the axes it is given (or on new ones) and returns them.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from dlhelpers._checks import as_float_array, check_same_shape
from dlhelpers.plots import PALETTE
from dlhelpers.plots._figure import new_ax
from dlhelpers.plots.optimizers import line_style

__all__ = ["plot_log_sampling", "plot_search_results", "plot_learning_curves",
           "plot_curve_gallery", "plot_best_over_peaks", "plot_horizons", "plot_capacity",
           "plot_update_ratios", "plot_layer_stats"]

_BLUE, _ORANGE, _GREEN, _VERMILION = PALETTE[:4]


def plot_log_sampling(linear_samples, log_samples, *, ax=None) -> np.ndarray:
    """Where two ways of sampling a learning rate in [1e-4, 1] put their points.

    Parameters
    ----------
    linear_samples : array of shape (N,)
        Drawn uniformly in [1e-4, 1].
    log_samples : array of shape (M,)
        Drawn as 10**U(-4, 0).
    ax : pair of Axes, optional
        Where to draw the histogram and the points (default: a new figure with two axes).

    Every sample must lie in [1e-4, 1]: one outside would fall out of the four decades the
    histogram counts, so it raises instead of vanishing silently.

    Returns
    -------
    axes : array of two Axes (one histogram per decade of each sampler, then the points)
    """
    linear_samples = as_float_array(linear_samples, "linear_samples", ndim=1)
    log_samples = as_float_array(log_samples, "log_samples", ndim=1)
    edges = 10.0 ** np.arange(-4, 1)
    for name, samples in (("linear_samples", linear_samples), ("log_samples", log_samples)):
        if samples.size and (samples.min() < edges[0] or samples.max() > edges[-1]):
            raise ValueError(f"{name} must lie in [1e-4, 1] (the four decades counted); got values "
                             f"from {samples.min():.3g} to {samples.max():.3g}")
    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_hist, ax_strip = ax
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
    ax_hist.legend(loc="upper left")
    ax_strip.scatter(linear_samples, np.full(linear_samples.size, 1.0), marker="|", s=200,
                     label="uniform in [1e-4, 1]")
    ax_strip.scatter(log_samples, np.zeros(log_samples.size), marker="|", s=200,
                     label="10^U(-4, 0)")
    ax_strip.set_xscale("log")
    ax_strip.set_yticks([0, 1], ["log-uniform", "uniform"])
    ax_strip.set_ylim(-0.6, 1.6)
    ax_strip.set_xlabel("learning rate (log axis)")
    ax_strip.set_title("The same samples on a log axis")
    return np.asarray(ax)


def plot_search_results(lrs, regs, val_acc, *, ax: Axes | None = None, box=None,
                        title: str = "Random search: validation accuracy of each trial",
                        vmin: float | None = None, vmax: float | None = None) -> Axes:
    """Scatter search trials on log axes, coloured by validation accuracy.

    Parameters
    ----------
    lrs, regs, val_acc : arrays of shape (T,)
        Learning rate, L2 strength and validation accuracy of each trial.
    box : tuple (lr_lo, lr_hi, reg_lo, reg_hi), optional
        A region to outline (the "fine" search region).
    vmin, vmax : float, optional
        Ends of the colour scale; by default the lowest and highest accuracy shown, so
        that close scores (a fine search) still get different colours.
    """
    lrs = as_float_array(lrs, "lrs", ndim=1)
    regs = as_float_array(regs, "regs", ndim=1)
    val_acc = as_float_array(val_acc, "val_acc", ndim=1)
    check_same_shape(lrs, regs, "lrs", "regs")
    check_same_shape(lrs, val_acc, "lrs", "val_acc")
    ax = new_ax(ax)
    dots = ax.scatter(lrs, regs, c=val_acc, cmap="viridis", s=60, edgecolors="black",
                      vmin=val_acc.min() if vmin is None else vmin,
                      vmax=val_acc.max() if vmax is None else vmax)
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
    ax.legend()
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
    ax = new_ax(ax)
    for k, (label, (train_err, val_err)) in enumerate(curves.items()):
        train_err = as_float_array(train_err, f"curves[{label!r}] train error", ndim=1)
        val_err = as_float_array(val_err, f"curves[{label!r}] validation error", ndim=1)
        check_same_shape(sizes, train_err, "sizes", f"curves[{label!r}] train error")
        check_same_shape(sizes, val_err, "sizes", f"curves[{label!r}] validation error")
        color = plt.rcParams["axes.prop_cycle"].by_key()["color"][k % 8]
        marker = "osD^v"[k % 5]  # each model its own marker, not only its own colour
        ax.plot(sizes, train_err, linestyle="--", marker=marker, color=color,
                label=f"{label}: training")
        ax.plot(sizes, val_err, linestyle="-", marker=marker, color=color,
                label=f"{label}: validation")
    ax.set_xscale("log")
    ax.set_xlabel("number of training examples")
    ax.set_ylabel("error (1 - accuracy)")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_curve_gallery(runs: Mapping[str, Mapping], *, ncols: int = 3,
                       ylabel: str = "loss") -> np.ndarray:
    """One small panel per training run: training and (if present) validation curves.

    Parameters
    ----------
    runs : dict of title -> {"train": array (E,), "val": array (E,) optional, "log": bool}
        The curves of each run, one value per epoch. ``"log": True`` draws that panel's
        loss on a log axis (for a run whose loss grows by orders of magnitude).
    ncols : int
        Panels per row.

    Returns
    -------
    axes : array of Axes, shape (rows, ncols)
    """
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a non-empty dict of title -> {'train': ..., 'val': ...}")
    rows = -(-len(runs) // ncols)
    width = 3.6 if ncols <= 3 else 3.1
    fig, axes = plt.subplots(rows, ncols, figsize=(width * ncols, 2.9 * rows), squeeze=False)
    for ax, (name, run) in zip(axes.ravel(), runs.items(), strict=False):
        if not isinstance(run, Mapping) or "train" not in run:
            raise ValueError(f"runs[{name!r}] needs a 'train' curve")
        train = as_float_array(run["train"], f"runs[{name!r}]['train']", ndim=1)
        epochs = np.arange(1, train.size + 1)
        ax.plot(epochs, train, color=_BLUE, label="training")
        if run.get("val") is not None:
            val = as_float_array(run["val"], f"runs[{name!r}]['val']", ndim=1)
            check_same_shape(train, val, f"runs[{name!r}]['train']", f"runs[{name!r}]['val']")
            ax.plot(epochs, val, color=_ORANGE, linestyle="--", label="validation")
        if run.get("log"):
            ax.set_yscale("log")
        ax.set_title(name, fontsize=11)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel + (" (log axis)" if run.get("log") else ""))
        ax.legend()
    for ax in axes.ravel()[len(runs):]:
        ax.set_visible(False)
    fig.suptitle("Training curves, each produced on purpose")
    return axes


def plot_best_over_peaks(peaks, grid_best, random_best, *, grid_x=None, ax: Axes | None = None,
                         title: str = "Best score found, for every position of the peak") -> Axes:
    """The best score of a grid and of random search against where the peak sits.

    Parameters
    ----------
    peaks : array of shape (P,)
    grid_best : array of shape (P,)
    random_best : array of shape (P, S)
        One column per random-search seed: drawn as the mean and a 10-90 % band.
    grid_x : array, optional
        The grid's x values, marked as vertical lines.
    """
    peaks = as_float_array(peaks, "peaks", ndim=1)
    grid_best = as_float_array(grid_best, "grid_best", ndim=1)
    random_best = as_float_array(random_best, "random_best", ndim=2)
    check_same_shape(peaks, grid_best, "peaks", "grid_best")
    if random_best.shape[0] != peaks.size:
        raise ValueError(f"random_best must have shape ({peaks.size}, S); got {random_best.shape}")
    ax = new_ax(ax)
    lo, hi = np.percentile(random_best, [10, 90], axis=1)
    ax.fill_between(peaks, lo, hi, color=_BLUE, alpha=0.2, label="random: 10-90 % of seeds")
    ax.plot(peaks, random_best.mean(axis=1), color=_BLUE, label="random: mean over seeds")
    ax.plot(peaks, grid_best, color=_VERMILION, linestyle="--", label="grid")
    if grid_x is not None:
        for k, gx in enumerate(np.unique(as_float_array(grid_x, "grid_x"))):
            ax.axvline(gx, color="0.6", linestyle=":", linewidth=1,
                       label="the grid's x values" if k == 0 else None)
    ax.set_ylim(0, 1)
    ax.set_xlabel("position of the peak along x")
    ax.set_ylabel("best score found")
    ax.set_title(title)
    ax.legend(loc="lower center", ncols=2)
    return ax


def plot_horizons(lrs, acc_by_horizon: Mapping[str, np.ndarray], *, ax: Axes | None = None,
                  title: str = "Short trials punish small learning rates") -> Axes:
    """Validation accuracy against the learning rate, one curve per training length.

    Parameters
    ----------
    lrs : array of shape (R,)
    acc_by_horizon : dict of label -> array of shape (R,)
    """
    lrs = as_float_array(lrs, "lrs", ndim=1)
    if not isinstance(acc_by_horizon, Mapping) or not acc_by_horizon:
        raise TypeError("acc_by_horizon must be a non-empty dict of label -> accuracies")
    ax = new_ax(ax)
    for i, (label, acc) in enumerate(acc_by_horizon.items()):
        acc = as_float_array(acc, f"acc_by_horizon[{label!r}]", ndim=1)
        check_same_shape(lrs, acc, "lrs", f"acc_by_horizon[{label!r}]")
        ax.plot(lrs, acc, label=label, **line_style(i))
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("learning rate (log axis)")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title)
    ax.legend(loc="lower center")
    return ax


def plot_capacity(labels, train_acc, val_acc, *, ax: Axes | None = None,
                  title: str = "Capacity search: accuracy against network size") -> Axes:
    """Training and validation accuracy (mean and spread over seeds) for each network size.

    Parameters
    ----------
    labels : sequence of str, length M
        One name per network ("8", "64", "64-64", ...), drawn on the x axis in order.
    train_acc, val_acc : arrays of shape (M, S)
        One column per seed; drawn as mean with error bars of one (sample) standard deviation.
    """
    train_acc = as_float_array(train_acc, "train_acc", ndim=2)
    val_acc = as_float_array(val_acc, "val_acc", ndim=2)
    check_same_shape(train_acc, val_acc, "train_acc", "val_acc")
    if len(labels) != train_acc.shape[0]:
        raise ValueError(f"labels must name each of the {train_acc.shape[0]} networks; got {len(labels)}")
    ax = new_ax(ax)
    x = np.arange(len(labels))
    for acc, name, marker, color, dash in ((train_acc, "training", "s", _BLUE, "--"),
                                           (val_acc, "validation", "o", _ORANGE, "-")):
        spread = acc.std(axis=1, ddof=1) if acc.shape[1] > 1 else None   # sample sd, as lesson 12
        ax.errorbar(x, acc.mean(axis=1), yerr=spread, marker=marker, color=color,
                    linestyle=dash, capsize=3, label=f"{name} (mean +/- sd over seeds)")
    ax.set_xticks(x, list(labels))
    ax.set_xlabel("hidden units per layer")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax


def plot_update_ratios(monitors: Mapping[str, object], *, layer: int = 0, ax: Axes | None = None,
                       target: float = 1e-3,
                       title: str = "Update-to-weight ratio during training") -> Axes:
    """The update-to-weight ratio of one layer against the step, one curve per run.

    Parameters
    ----------
    monitors : dict of label -> dlhelpers.monitor.Monitor
    layer : int
        Which weight matrix (0 = the first).
    target : float
        The rule of thumb, drawn as a horizontal line.
    """
    if not isinstance(monitors, Mapping) or not monitors:
        raise TypeError("monitors must be a non-empty dict of label -> Monitor")
    ax = new_ax(ax)
    styles = (("-", _BLUE), ("--", _ORANGE), (":", _VERMILION), ("-.", _GREEN))
    for (label, mon), (dash, color) in zip(monitors.items(), styles, strict=False):
        ax.plot(mon.steps + 1, mon.update_ratio[:, layer], linestyle=dash, color=color, label=label)
    ax.axhline(target, color="black", linewidth=1, label=f"rule of thumb {target:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step (log axis)")
    ax.set_ylabel(f"||update|| / ||W{layer + 1}||  (log axis)")
    ax.set_title(title)
    ax.legend(loc="lower right")  # "best" can sit astride the rule-of-thumb line
    return ax


def plot_layer_stats(monitors: Mapping[str, object], *, over_time: str | None = None,
                     loss_drop_step: int | None = None, axes=None) -> np.ndarray:
    """Per-layer statistics: activation and gradient spread at the first step, and (optionally)
    one run's activation spread per layer during training.

    Parameters
    ----------
    monitors : dict of label -> dlhelpers.monitor.Monitor
    over_time : str, optional
        The label of one run whose hidden layers' activation std is drawn against the step
        in a third panel.
    loss_drop_step : int, optional
        A step to mark in the third panel (e.g. where that run's loss starts to fall).

    Returns
    -------
    axes : array of two or three Axes
    """
    if not isinstance(monitors, Mapping) or not monitors:
        raise TypeError("monitors must be a non-empty dict of label -> Monitor")
    if over_time is not None and over_time not in monitors:
        raise ValueError(f"over_time must be one of {list(monitors)}; got {over_time!r}")
    panels = 2 if over_time is None else 3
    if axes is None:
        _, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6))
    ax_act, ax_grad = axes[0], axes[1]
    styles = (("o", "-", _BLUE), ("s", "--", _ORANGE), ("^", ":", _GREEN))
    for (label, mon), (marker, dash, color) in zip(monitors.items(), styles, strict=False):
        layers = np.arange(1, mon.act_std.shape[1] + 1)
        ax_act.plot(layers, mon.act_std[0], marker=marker, linestyle=dash, color=color, label=label)
        layers = np.arange(1, mon.grad_std.shape[1] + 1)
        ax_grad.plot(layers, mon.grad_std[0], marker=marker, linestyle=dash, color=color, label=label)
    for ax, what in ((ax_act, "hidden activations"), (ax_grad, "weight gradients")):
        ax.set_yscale("log")
        ax.set_xlabel("layer")
        ax.set_ylabel(f"std of {what} (log axis)")
        ax.set_title(f"{what.capitalize()} at the first step")
        ax.legend()
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    if over_time is not None:
        ax = axes[2]
        mon = monitors[over_time]
        dashes = ("-", "--", ":", "-.")
        for layer in range(mon.act_std.shape[1]):
            ax.plot(mon.steps, mon.act_std[:, layer], linestyle=dashes[layer % 4],
                    color=(_BLUE, _ORANGE, _GREEN, _VERMILION)[layer % 4], label=f"layer {layer + 1}")
        if loss_drop_step is not None:
            ax.axvline(loss_drop_step, color="black", linestyle=":", linewidth=1,
                       label="loss starts to fall")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("std of activations (log axis)")
        ax.set_title(f"During training ({over_time})")
        ax.legend(loc="lower right")
    return np.asarray(axes)
