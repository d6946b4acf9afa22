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
        ax.legend(fontsize=8, ncols=2, loc="upper right")
    else:
        # headroom above the tallest bar keeps the legend clear of the histograms
        ax.set_ylim(0, 1.45 * peak if peak > 0 else 1.0)
        ax.legend(fontsize=8, ncols=3, loc="upper center")
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
    for label, values in stds.items():
        v = as_float_array(values, f"stds[{label!r}]", ndim=1)
        if log and np.any(v <= 0):
            raise ValueError(f"stds[{label!r}] must be > 0 on a log axis; pass log=False")
        ax.plot(np.arange(1, v.size + 1), v, marker="o", label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of activations")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
