"""Pictures for lesson 14 (transfer learning and self-supervised learning): learning curves
of the transfer options, first-layer features, the similar/different x little/much table,
rotated digits, the rotation task's accuracy per digit and the linear-probe comparison.

Each function draws on the axes (or figure) it is given, or on new ones, and returns them.
Options are told apart by marker and dash as well as colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dlhelpers._checks import as_float_array, check_int
from dlhelpers.plots import PALETTE
from dlhelpers.plots._figure import new_ax

__all__ = ["OPTION_STYLES", "option_style", "check_results", "plot_transfer_curves",
           "plot_first_layer_features", "plot_transfer_table", "plot_rotations",
           "plot_rotation_by_digit", "plot_probe_comparison"]

# One look per option, used by every figure and the widget of the lesson.
OPTION_STYLES = {
    "scratch": {"color": PALETTE[0], "marker": "o", "linestyle": "-"},
    "fine-tune": {"color": PALETTE[1], "marker": "s", "linestyle": "--"},
    "freeze": {"color": PALETTE[2], "marker": "^", "linestyle": ":"},
}
_EXTRA = [{"color": c, "marker": m, "linestyle": "-."} for c, m in zip(PALETTE[3:], "Dvph*", strict=False)]


def option_style(name: str, index: int = 0) -> dict:
    """Colour, marker and dash of an option (known names keep theirs; others get the next look)."""
    return dict(OPTION_STYLES.get(name, _EXTRA[index % len(_EXTRA)]))


def check_results(counts, results: Mapping) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Validate a learning-curve table: ``counts`` (C,) increasing, each result (S, C) in [0, 1]."""
    counts = as_float_array(counts, "counts", ndim=1)
    if counts.size == 0 or np.any(counts <= 0) or np.any(np.diff(counts) <= 0):
        raise ValueError(f"counts must be positive and increasing; got {counts}")
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty dict {option name: array (seeds, counts)}")
    out = {}
    for name, acc in results.items():
        acc = as_float_array(acc, f"results[{name!r}]", ndim=2)
        if acc.shape[1] != counts.size:
            raise ValueError(f"results[{name!r}] must have shape (seeds, {counts.size}) (one column per "
                             f"count); got {acc.shape}")
        if not np.all(np.isfinite(acc)) or acc.min() < 0 or acc.max() > 1:
            raise ValueError(f"results[{name!r}] must hold accuracies in [0, 1]")
        out[str(name)] = acc
    return counts, out


def _spread(acc: np.ndarray) -> np.ndarray:
    """Sample standard deviation over seeds (axis 0); zero for a single seed."""
    return acc.std(axis=0, ddof=1) if acc.shape[0] > 1 else np.zeros(acc.shape[1:])


def plot_transfer_curves(counts, results: Mapping, *, ax: Axes | None = None,
                         highlight: str | None = None, chance: float | None = None,
                         title: str = "Test accuracy as the labelled examples grow") -> Axes:
    """Mean accuracy (line) and one standard deviation over seeds (band) per option.

    Parameters
    ----------
    counts : array of shape (C,)
        Labelled examples per class, increasing (drawn on a log axis).
    results : dict {option name: array of shape (S, C)}
        Test accuracy of each seed at each count.
    highlight : str, optional
        An option to draw bold; the others are drawn faint.
    chance : float, optional
        Accuracy of guessing, drawn as a grey line.
    """
    counts, results = check_results(counts, results)
    if highlight is not None and highlight not in results:
        raise ValueError(f"highlight must be one of {list(results)}; got {highlight!r}")
    ax = new_ax(ax, figsize=(7.0, 4.0))
    for i, (name, acc) in enumerate(results.items()):
        style = option_style(name, i)
        faint = highlight is not None and name != highlight
        mean, sd = acc.mean(axis=0), _spread(acc)
        ax.plot(counts, mean, label=f"{name} (mean of {acc.shape[0]} seeds, band ± sd)", alpha=0.35 if faint else 1.0,
                linewidth=1.2 if faint else 2.2, markersize=5 if faint else 7, **style)
        ax.fill_between(counts, mean - sd, mean + sd, color=style["color"], alpha=0.06 if faint else 0.18,
                        linewidth=0)
    if chance is not None:
        ax.axhline(chance, color="grey", linewidth=1, linestyle="-", label="chance")
    ax.set_xscale("log")
    ax.set_xticks(counts, [f"{c:g}" for c in counts])
    ax.minorticks_off()
    ax.set_xlabel("labelled examples per class (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax


def plot_first_layer_features(weights: Mapping, image_shape: tuple[int, int], *, units: int = 10,
                              fig: Figure | None = None) -> Figure:
    """The incoming weights of a network's first-layer units, drawn as images, one row per network.

    Each row shows the ``units`` units with the largest weight norm, each on its own symmetric
    colour scale (cividis: dark = negative, light = positive), so the pattern a unit responds
    to is visible whatever its size.

    Parameters
    ----------
    weights : dict {row title: array of shape (H * W, M)}
        First-layer weight matrices (``params["W1"]`` of an MLP on flat images).
    image_shape : (H, W)
    units : int
        Units shown per row (at most M).
    """
    units = check_int(units, "units", minimum=1)
    h, w = (check_int(s, "image_shape entries", minimum=1) for s in image_shape)
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError("weights must be a non-empty dict {title: array (H * W, M)}")
    mats = {}
    for name, W in weights.items():
        W = as_float_array(W, f"weights[{name!r}]", ndim=2)
        if W.shape[0] != h * w:
            raise ValueError(f"weights[{name!r}] must have {h * w} rows (one per pixel of {h}x{w} "
                             f"images); got shape {W.shape}")
        if W.shape[1] < units:
            raise ValueError(f"weights[{name!r}] has {W.shape[1]} units, fewer than units={units}")
        mats[name] = W
    if fig is None:
        fig = plt.figure(figsize=(1.0 * units + 0.4, 1.35 * len(mats) + 0.2))
    rows = fig.subfigures(len(mats), 1, squeeze=False)[:, 0]
    for row, (name, W) in zip(rows, mats.items(), strict=True):
        order = np.argsort(-np.linalg.norm(W, axis=0), kind="stable")[:units]
        axes = row.subplots(1, units)
        for ax, unit in zip(np.atleast_1d(axes), order, strict=True):
            img = W[:, unit].reshape(h, w)
            lim = np.abs(img).max() or 1.0
            ax.imshow(img, cmap="cividis", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        row.suptitle(name, fontsize=11)
    return fig


def _clear_lead(best: np.ndarray, second: np.ndarray) -> bool:
    """Whether ``best`` beats ``second`` by more than twice the standard error of their
    difference, seed by seed (the same seed means the same labelled draw in both)."""
    diff = best - second
    if diff.size < 2:
        return bool(diff.mean() > 0)
    return bool(diff.mean() > 2 * diff.std(ddof=1) / np.sqrt(diff.size))


def plot_transfer_table(cells: Mapping, *, fig: Figure | None = None, chance: float | None = None) -> Figure:
    """The 2 x 2 table (data similar / different x little / much data) as four bar charts.

    Parameters
    ----------
    cells : dict {(row, column): {option: array of shape (S,)}}
        Exactly two distinct rows and two distinct columns, e.g. ``("similar", "little")``;
        each option's test accuracies over S seeds. Bars show the mean, error bars one
        standard deviation, dots the single seeds. The best mean is marked "best" (and
        hatched) only when it beats the runner-up by more than twice the standard error of
        their seed-by-seed difference; otherwise the panel's title says "no clear best".
    """
    if not isinstance(cells, Mapping) or any(not isinstance(k, tuple) or len(k) != 2 for k in cells):
        raise ValueError("cells must be a dict {(row, column): {option: accuracies}}")
    rows = list(dict.fromkeys(k[0] for k in cells))
    cols = list(dict.fromkeys(k[1] for k in cells))
    if len(rows) != 2 or len(cols) != 2 or len(cells) != 4:
        raise ValueError(f"cells must fill a 2 x 2 table; got rows {rows} and columns {cols}")
    if fig is None:
        fig = plt.figure(figsize=(10, 6.4))
    axes = fig.subplots(2, 2, sharey=True)
    for (r, c), ax in zip([(r, c) for r in rows for c in cols], axes.ravel(), strict=True):
        options = cells[r, c]
        accs = {name: as_float_array(v, f"cells[{(r, c)!r}][{name!r}]", ndim=1) for name, v in options.items()}
        means = {name: a.mean() for name, a in accs.items()}
        ranked = sorted(means, key=means.get, reverse=True)
        clear = len(ranked) < 2 or _clear_lead(accs[ranked[0]], accs[ranked[1]])
        best = ranked[0] if clear else None
        for i, (name, a) in enumerate(accs.items()):
            style = option_style(name, i)
            sd = a.std(ddof=1) if a.size > 1 else 0.0
            ax.bar(i, means[name], color=style["color"], alpha=0.75, hatch="//" if name == best else None,
                   edgecolor="black", yerr=sd, capsize=4)
            ax.plot(np.full(a.size, i) + np.linspace(-0.15, 0.15, a.size), a, linestyle="none",
                    marker=style["marker"], color="black", markersize=4)
        ax.set_xticks(range(len(accs)), [f"{name}\n{means[name]:.3f}" + (" (best)" if name == best else "")
                                         for name in accs])
        ax.set_title(f"{r} data, {c} data" + ("" if clear else ": no clear best"), fontsize=11)
        if chance is not None:
            ax.axhline(chance, color="grey", linewidth=1)
        ax.set_ylim(0, 1.05)
    for ax in axes[:, 0]:
        ax.set_ylabel("test accuracy")
    return fig


def plot_rotations(images, *, titles: Sequence[str] | None = None, fig: Figure | None = None) -> Figure:
    """Each image (one per row) at 0, 90, 180 and 270 degrees (counter-clockwise).

    Parameters
    ----------
    images : array of shape (M, H, W)
    titles : list of M str, optional
        A label for each row (shown left of it).
    """
    from dlhelpers.data import rotate_images

    images = as_float_array(images, "images", ndim=3)
    if titles is not None and len(titles) != images.shape[0]:
        raise ValueError(f"titles must have one entry per image ({images.shape[0]}); got {len(titles)}")
    if fig is None:
        fig = plt.figure(figsize=(6.0, 1.5 * images.shape[0] + 0.5))
    axes = np.atleast_2d(fig.subplots(images.shape[0], 4))
    for k in range(4):
        turned = rotate_images(images, 90 * k)
        for m in range(images.shape[0]):
            ax = axes[m, k]
            ax.imshow(turned[m], cmap="gray_r", vmin=0, vmax=max(images.max(), 1e-12))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if m == 0:
                ax.set_title(f"{90 * k} degrees\n(label {k})", fontsize=10)
            if k == 0 and titles is not None:
                ax.set_ylabel(titles[m], fontsize=10)
    return fig


def plot_rotation_by_digit(accuracy, upside_down_called_upright=None, *, axes=None,
                           marked: Sequence[int] = ()) -> np.ndarray:
    """How well the rotation task is solved for each digit, mean and spread over seeds.

    Parameters
    ----------
    accuracy : array of shape (S, 10)
        Rotation accuracy on each digit's test images (all four angles), per seed.
    upside_down_called_upright : array of shape (S, 10), optional
        Fraction of each digit's 180-degree copies that the network calls 0 degrees; adds a
        second panel.
    marked : digits whose bars are hatched and named in the legend (e.g. the ambiguous ones).
    """
    acc = as_float_array(accuracy, "accuracy", ndim=2)
    if acc.shape[1] != 10:
        raise ValueError(f"accuracy must have shape (seeds, 10), one column per digit; got {acc.shape}")
    panels = [(acc, "rotation accuracy (4 angles)", "Rotation task: accuracy per digit", 0.25)]
    if upside_down_called_upright is not None:
        flip = as_float_array(upside_down_called_upright, "upside_down_called_upright", ndim=2)
        if flip.shape != acc.shape:
            raise ValueError(f"upside_down_called_upright must have shape {acc.shape}; got {flip.shape}")
        panels.append((flip, "fraction of 180-degree copies\ncalled 0 degrees",
                       "Upside-down copies mistaken for upright", None))
    if axes is None:
        _, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
        axes = axes[0]
    axes = np.atleast_1d(axes)
    digits = np.arange(10)
    for ax, (values, ylabel, title, chance) in zip(axes, panels, strict=True):
        mean = values.mean(axis=0)
        sd = values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.zeros(10)
        for d in digits:
            ax.bar(d, mean[d], color=PALETTE[3] if d in marked else PALETTE[0], yerr=sd[d], capsize=3,
                   hatch="xx" if d in marked else None, edgecolor="black",
                   label=("ambiguous when turned: " + ", ".join(map(str, marked))) if d == min(marked, default=-1)
                   else None)
        if chance is not None:
            ax.axhline(chance, color="grey", linewidth=1, label="chance (1 in 4)")
        ax.set_xticks(digits)
        ax.set_xlabel("digit")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=11)
        ax.set_ylim(0, 1.25)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.legend(loc="upper center", ncols=2)
    return axes


def plot_probe_comparison(results: Mapping, *, ax: Axes | None = None, chance: float | None = None,
                          title: str = "Linear probe with few labels") -> Axes:
    """Mean test accuracy (bar), one standard deviation (error bar) and each seed (dots) per input.

    Parameters
    ----------
    results : dict {input name: array of shape (S,)}
    """
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty dict {name: accuracies over seeds}")
    ax = new_ax(ax, figsize=(6.5, 3.8))
    markers = "os^Dv"
    for i, (name, acc) in enumerate(results.items()):
        acc = as_float_array(acc, f"results[{name!r}]", ndim=1)
        sd = acc.std(ddof=1) if acc.size > 1 else 0.0
        ax.bar(i, acc.mean(), color=PALETTE[i % len(PALETTE)], alpha=0.8, yerr=sd, capsize=5,
               edgecolor="black")
        ax.plot(np.full(acc.size, i) + np.linspace(-0.12, 0.12, acc.size), acc, linestyle="none",
                marker=markers[i % len(markers)], color="black", markersize=5)
    if chance is not None:
        ax.axhline(chance, color="grey", linewidth=1, label="chance")
        ax.legend(loc="upper left")
    ax.set_xticks(range(len(results)),
                  [f"{name}\n{as_float_array(a, name).mean():.3f}" for name, a in results.items()])
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    return ax
