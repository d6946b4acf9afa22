"""Pictures for lesson 10 (weight initialization): how activations spread out layer by layer.

The lesson pushes a batch through a deep stack of layers and asks how the activation values
are distributed in each layer. ``plot_layer_distributions`` overlays one histogram per layer
on a single axis (light = first layer, dark = last); ``plot_layer_std`` draws the per-layer
standard deviation of several set-ups as lines on one axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from dlhelpers._checks import as_float_array, check_int

MARKERS = ("o", "s", "^", "D", "v", "P", "X")
DASHES = ("-", "--", "-.", ":")


def plot_mean_spread(ax: Axes, x, runs, *, label: str, index: int = 0,
                     markevery: int | None = None) -> None:
    """Draw the mean over seeds as a line with markers and the spread (min to max) as a band.

    Parameters
    ----------
    ax : Axes
    x : array of shape (P,)
        Where the P points sit (a setting, an epoch, a layer).
    runs : array of shape (S, P)
        One row per seed. Non-finite entries (a diverged run) are left out of that point's
        mean and band; a point where every seed diverged is not drawn.
    label : str
        Legend entry; the number of seeds is added.
    index : int
        Picks the colour, marker and dash, so each set-up is told apart by more than colour.
    markevery : int, optional
        Draw a marker on every n-th point only (for long curves).
    """
    from dlhelpers.plots import PALETTE

    x = as_float_array(x, "x", ndim=1)
    runs = as_float_array(runs, "runs", ndim=2, allow_nan=True)
    if runs.shape[1] != x.size:
        raise ValueError(f"runs must have shape (seeds, {x.size}) to match x; got {runs.shape}")
    finite = np.isfinite(runs)
    ok = finite.any(axis=0)
    clean = np.where(finite, runs, np.nan)
    with np.errstate(all="ignore"):
        mean = np.nanmean(clean[:, ok], axis=0)
        lo, hi = np.nanmin(clean[:, ok], axis=0), np.nanmax(clean[:, ok], axis=0)
    colours = [c for c in PALETTE if c != "#F0E442"]   # the pale yellow is unreadable on white
    colour = colours[index % len(colours)]
    ax.fill_between(x[ok], lo, hi, color=colour, alpha=0.2, lw=0)
    ax.plot(x[ok], mean, color=colour, marker=MARKERS[index % len(MARKERS)],
            linestyle=DASHES[index % len(DASHES)], markevery=markevery,
            label=f"{label} ({runs.shape[0]} seeds)")


def _layer_arrays(activations: Sequence) -> list[np.ndarray]:
    if isinstance(activations, np.ndarray) or len(activations) == 0:
        raise ValueError("activations must be a non-empty list with one array per layer")
    return [as_float_array(a, f"activations[{i}]") for i, a in enumerate(activations)]


def plot_layer_distributions(activations: Sequence, *, title: str, ax: Axes | None = None,
                             bins: int = 50, value_range: tuple[float, float] | None = None,
                             log: bool = False) -> Axes:
    """Overlay the histogram of each layer's activation values on one axis.

    Parameters
    ----------
    activations : list of arrays
        ``activations[l]`` holds layer ``l + 1``'s outputs, any shape (usually ``(N, D)``);
        every value goes into that layer's histogram.
    title : str
        Axis title (name the set-up, e.g. "tanh, std 0.01").
    ax : Axes, optional
        Where to draw; a new figure is made when omitted.
    bins : int
        Number of bins, shared by all layers.
    value_range : (low, high), optional
        Range of the bins; by default the range of all layers' values together.
    log : bool
        Logarithmic y-axis (useful for ReLU, whose spike at 0 dwarfs the rest).

    Returns
    -------
    Axes
        The y-axis shows the fraction of a layer's values in each bin.
    """
    layers = _layer_arrays(activations)
    bins = check_int(bins, "bins", minimum=2)
    if value_range is None:
        value_range = (min(float(h.min()) for h in layers), max(float(h.max()) for h in layers))
    if ax is None:
        _, ax = plt.subplots()
    colors = plt.get_cmap("viridis_r")(np.linspace(0.15, 1.0, len(layers)))
    peak = 0.0
    for i, (h, color) in enumerate(zip(layers, colors, strict=True), start=1):
        counts, edges = np.histogram(h.ravel(), bins=bins, range=value_range)
        ax.stairs(counts / h.size, edges, color=color, linewidth=1.6, label=f"layer {i}")
        peak = max(peak, float(counts.max()) / h.size)
    if log:
        ax.set_yscale("log")
        ax.legend(ncols=2, loc="upper right")
    else:
        # headroom above the tallest bar keeps the legend clear of the histograms
        ax.set_ylim(0, 1.45 * peak if peak > 0 else 1.0)
        ax.legend(ncols=3, loc="upper center")
    ax.set_xlabel("activation value")
    ax.set_ylabel("fraction of values")
    ax.set_title(title)
    return ax


def plot_layer_std(stds: Mapping[str, Sequence[float]], *, title: str, ax: Axes | None = None,
                   log: bool = True) -> Axes:
    """Plot the standard deviation of the activations against layer depth, one line per set-up.

    Parameters
    ----------
    stds : mapping label -> sequence of floats
        ``stds[label][l]`` is the standard deviation of layer ``l + 1``'s activations.
    title : str
        Axis title.
    ax : Axes, optional
        Where to draw; a new figure is made when omitted.
    log : bool
        Use a logarithmic y-axis (collapse and explosion are exponential in depth).

    Returns
    -------
    Axes
    """
    if not stds:
        raise ValueError("stds must name at least one set-up")
    if ax is None:
        _, ax = plt.subplots()
    for i, (label, values) in enumerate(stds.items()):
        v = as_float_array(values, f"stds[{label!r}]", ndim=1)
        if log and np.any(v <= 0):
            raise ValueError(f"stds[{label!r}] must be > 0 on a log axis; pass log=False")
        # Marker and dash change with the line: two set-ups with nearly equal values stay
        # distinguishable where they overlap, and not by colour alone.
        ax.plot(np.arange(1, v.size + 1), v, marker=MARKERS[i % len(MARKERS)],
                linestyle=DASHES[i % len(DASHES)], label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of activations")
    ax.set_title(title)
    ax.legend()
    return ax
