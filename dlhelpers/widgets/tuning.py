"""Grid-versus-random search explorer (lesson 13).

A made-up validation score depends strongly on one hyperparameter (the "important" axis, x)
and hardly at all on the other (y). Pick a strategy, a budget of trials and where the
score's peak sits along x (nobody knows that in advance): the picture
shows where the trials land on the score's contour map, and underneath, the score along the
important axis with each trial's x marked. A grid of k x k trials tries only k values of x;
the same number of random trials tries k*k different ones. Move the peak: the grid's best
swings from excellent (peak on a grid line) to hopeless (peak between two lines), while
random search does about equally well wherever the peak is. Readouts give the number of
distinct x values tried and the best score found.

``search_explorer()`` returns the widget; ``search_figure(...)`` draws the same picture
without widgets (the lesson's static view).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlhelpers._checks import as_float_array, check_in_range, check_int
from dlhelpers.plots._figure import standalone_figure
from dlhelpers.widgets._display import SEED_MAX, Explorer, check_slider_seed

__all__ = ["toy_score", "search_points", "search_figure", "search_explorer", "SearchExplorer",
           "best_over_peaks"]

STRATEGIES = ("grid", "random")
BUDGETS = (4, 9, 16, 25)


PEAK_WIDTH = 0.09


def toy_score(x, y, peak: float = 0.68) -> np.ndarray:
    """A made-up validation score on the unit square, shape of ``x`` (x and y broadcast).

    It peaks at x = ``peak`` (a narrow bump of width 0.09: x is the important
    hyperparameter) and changes by at most 0.05 along y (y barely matters). Values lie in
    [0, 1].
    """
    x = as_float_array(x, "x")
    y = as_float_array(y, "y")
    peak = check_in_range(peak, "peak", 0.0, 1.0)
    return 0.9 * np.exp(-((x - peak) / PEAK_WIDTH) ** 2) + 0.05 * y


def search_points(strategy: str, n_trials: int, seed: int = 0) -> np.ndarray:
    """Trial positions in the unit square, shape (n_trials, 2), columns (x, y).

    ``"grid"`` needs a square ``n_trials`` = k*k and puts the trials at the centres of a k x k
    grid of cells; ``"random"`` draws them uniformly (seeded).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    if strategy == "random":
        return np.random.default_rng(seed).random((n_trials, 2))
    k = int(round(np.sqrt(n_trials)))
    if k * k != n_trials:
        raise ValueError(f"a grid needs a square number of trials (4, 9, 16, ...); got {n_trials}")
    ticks = (np.arange(k) + 0.5) / k
    gx, gy = np.meshgrid(ticks, ticks, indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()])


def best_over_peaks(n_trials: int, peaks, seeds) -> tuple[np.ndarray, np.ndarray]:
    """Best toy score found by a grid and by random search, for many peak positions.

    Parameters
    ----------
    n_trials : int
        A square number (the grid's budget; random search gets the same).
    peaks : array of shape (P,)
        Positions of the score's peak along x, in [0, 1].
    seeds : array of int, shape (S,)
        Seeds of the random searches.

    Returns
    -------
    grid_best : ndarray, shape (P,)
        The grid's best score for each peak position (a grid has no seed).
    random_best : ndarray, shape (P, S)
        Random search's best score for each peak position and seed.
    """
    peaks = as_float_array(peaks, "peaks", ndim=1)
    if np.any((peaks < 0) | (peaks > 1)):
        raise ValueError(f"peaks must lie in [0, 1]; got values from {peaks.min()} to {peaks.max()}")
    grid = search_points("grid", n_trials)
    rand = np.stack([search_points("random", n_trials, int(s)) for s in seeds])  # (S, n, 2)
    grid_best = np.array([toy_score(grid[:, 0], grid[:, 1], p).max() for p in peaks])
    random_best = np.array([toy_score(rand[..., 0], rand[..., 1], p).max(axis=1) for p in peaks])
    return grid_best, random_best


def search_figure(strategy: str = "grid", n_trials: int = 9, seed: int = 0, peak: float = 0.68):
    """Draw the explorer's picture for one strategy, budget and peak position.

    Returns
    -------
    fig : matplotlib Figure with two axes (the square, the important axis)
    readout : dict with "distinct_x" (number of different x values tried), "best_score",
        "best_x" and "points" (array of shape (n_trials, 2))
    """
    pts = search_points(strategy, n_trials, seed)
    scores = toy_score(pts[:, 0], pts[:, 1], peak)
    best = int(np.argmax(scores))
    readout = {"distinct_x": int(np.unique(np.round(pts[:, 0], 12)).size),
               "best_score": float(scores[best]), "best_x": float(pts[best, 0]), "points": pts}
    fig = standalone_figure((9.0, 4.2))
    ax_map, ax_line = fig.subplots(1, 2)
    grid = np.linspace(0, 1, 101)
    gx, gy = np.meshgrid(grid, grid, indexing="xy")
    filled = ax_map.contourf(gx, gy, toy_score(gx, gy, peak), levels=12, cmap="viridis")
    fig.colorbar(filled, ax=ax_map, label="validation score")
    ax_map.scatter(pts[:, 0], pts[:, 1], color="white", edgecolors="black", s=50, zorder=3,
                   label="trials")
    ax_map.scatter(pts[best, 0], pts[best, 1], marker="*", color="#D55E00", s=260,
                   edgecolors="black", zorder=4, label="best trial")
    ax_map.set_aspect("equal")
    ax_map.set_xlabel("important hyperparameter x")
    ax_map.set_ylabel("unimportant hyperparameter y")
    ax_map.set_title(f"{strategy} search, {n_trials} trials")
    # below the map, so it never hides a trial
    ax_map.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)
    ax_line.plot(grid, toy_score(grid, 0.5, peak), color="black", label="score along x (y = 0.5)")
    ax_line.scatter(pts[:, 0], scores, color="#0072B2", zorder=3, label="trials")
    ax_line.set_xlabel("important hyperparameter x")
    ax_line.set_ylabel("validation score")
    ax_line.set_title(f"{readout['distinct_x']} distinct x values, best {readout['best_score']:.3f}")
    ax_line.set_ylim(-0.05, 1.05)
    ax_line.legend(loc="upper left")
    return fig, readout


class SearchExplorer(Explorer):
    """The widget: ``.controls`` (strategy, trials, seed), ``.output``, ``.figure`` (the last
    Figure drawn) and ``.readout`` (its numbers)."""

    def __init__(self, strategy: str, n_trials: int, seed: int, peak: float) -> None:
        controls = {
            "strategy": widgets.ToggleButtons(options=list(STRATEGIES), value=strategy,
                                              description="strategy"),
            "n_trials": widgets.SelectionSlider(options=list(BUDGETS), value=n_trials,
                                                description="trials", continuous_update=False),
            "seed": widgets.IntSlider(value=seed, min=0, max=SEED_MAX, description="seed",
                                      continuous_update=False),
            "peak": widgets.FloatSlider(value=peak, min=0.0, max=1.0, step=0.01,
                                        description="peak at x", continuous_update=False),
        }
        super().__init__(controls, search_figure)


def search_explorer(strategy: str = "grid", n_trials: int = 9, seed: int = 0,
                    peak: float = 0.68) -> SearchExplorer:
    """Build the grid-versus-random search explorer (see the module docstring).

    Parameters
    ----------
    strategy : "grid" or "random"
    n_trials : one of 4, 9, 16, 25
    seed : int in [0, 20]
        Seeds the random trials (a grid ignores it).
    peak : float in [0, 1]
        Where the score peaks along the important axis.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    if n_trials not in BUDGETS:
        raise ValueError(f"n_trials must be one of {BUDGETS}; got {n_trials}")
    seed = check_slider_seed(seed)
    peak = check_in_range(peak, "peak", 0.0, 1.0)
    return SearchExplorer(strategy, n_trials, seed, peak)
