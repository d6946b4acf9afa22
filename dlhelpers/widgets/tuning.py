"""Grid-versus-random search explorer (lesson 13).

A made-up validation score depends strongly on one hyperparameter (the "important" axis, x)
and hardly at all on the other (y). Pick a strategy and a budget of trials: the picture
shows where the trials land on the score's contour map, and underneath, the score along the
important axis with each trial's x marked. A grid of k x k trials tries only k values of x;
the same number of random trials tries k*k different ones. Readouts give the number of
distinct x values tried and the best score found.

``search_explorer()`` returns the widget; ``search_figure(...)`` draws the same picture
without widgets (the lesson's static view).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlhelpers._checks import as_float_array, check_int
from dlhelpers.plots.optimizers import standalone_figure
from dlhelpers.widgets._display import show_figure

__all__ = ["toy_score", "search_points", "search_figure", "search_explorer", "SearchExplorer"]

STRATEGIES = ("grid", "random")
BUDGETS = (4, 9, 16, 25)


def toy_score(x, y) -> np.ndarray:
    """A made-up validation score on the unit square, shape of ``x`` (x and y broadcast).

    It peaks near x = 0.68 (a narrow bump: x is the important hyperparameter) and changes
    by at most 0.05 along y (y barely matters). Values lie in [0, 1].
    """
    x = as_float_array(x, "x")
    y = as_float_array(y, "y")
    return 0.9 * np.exp(-((x - 0.68) / 0.09) ** 2) + 0.05 * y


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


def search_figure(strategy: str = "grid", n_trials: int = 9, seed: int = 0):
    """Draw the explorer's picture for one strategy and budget.

    Returns
    -------
    fig : matplotlib Figure with two axes (the square, the important axis)
    readout : dict with "distinct_x" (number of different x values tried), "best_score",
        "best_x" and "points" (array of shape (n_trials, 2))
    """
    pts = search_points(strategy, n_trials, seed)
    scores = toy_score(pts[:, 0], pts[:, 1])
    best = int(np.argmax(scores))
    readout = {"distinct_x": int(np.unique(np.round(pts[:, 0], 12)).size),
               "best_score": float(scores[best]), "best_x": float(pts[best, 0]), "points": pts}
    fig = standalone_figure((9.0, 4.2))
    ax_map, ax_line = fig.subplots(1, 2)
    grid = np.linspace(0, 1, 101)
    gx, gy = np.meshgrid(grid, grid, indexing="xy")
    filled = ax_map.contourf(gx, gy, toy_score(gx, gy), levels=12, cmap="viridis")
    fig.colorbar(filled, ax=ax_map, label="validation score")
    ax_map.scatter(pts[:, 0], pts[:, 1], color="white", edgecolors="black", s=50, zorder=3,
                   label="trials")
    ax_map.scatter(pts[best, 0], pts[best, 1], marker="*", color="#D55E00", s=260,
                   edgecolors="black", zorder=4, label="best trial")
    ax_map.set_xlabel("important hyperparameter x")
    ax_map.set_ylabel("unimportant hyperparameter y")
    ax_map.set_title(f"{strategy} search, {n_trials} trials")
    ax_map.legend(loc="lower left", fontsize=8, frameon=True, framealpha=0.9)
    ax_line.plot(grid, toy_score(grid, 0.5), color="black", label="score along x (y = 0.5)")
    ax_line.scatter(pts[:, 0], scores, color="#0072B2", zorder=3, label="trials")
    ax_line.set_xlabel("important hyperparameter x")
    ax_line.set_ylabel("validation score")
    ax_line.set_title(f"{readout['distinct_x']} distinct x values, best {readout['best_score']:.3f}")
    ax_line.set_ylim(-0.05, 1.05)
    ax_line.legend(loc="upper left", fontsize=8)
    return fig, readout


class SearchExplorer(widgets.VBox):
    """The widget: ``.controls`` (strategy, trials, seed), ``.output``, ``.figure`` (the last
    Figure drawn) and ``.readout`` (its numbers)."""

    def __init__(self, strategy: str, n_trials: int, seed: int) -> None:
        self.controls = {
            "strategy": widgets.ToggleButtons(options=list(STRATEGIES), value=strategy,
                                              description="strategy"),
            "n_trials": widgets.SelectionSlider(options=list(BUDGETS), value=n_trials,
                                                description="trials"),
            "seed": widgets.IntSlider(value=seed, min=0, max=20, description="seed",
                                      continuous_update=False),
        }
        self.output = widgets.Output()
        self.figure = None
        self.readout: dict = {}
        super().__init__([widgets.HBox(list(self.controls.values())), self.output])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    def _on_change(self, _change) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Place the trials with the controls' current values and redraw."""
        c = self.controls
        self.figure, self.readout = search_figure(c["strategy"].value, c["n_trials"].value,
                                                  c["seed"].value)
        show_figure(self.output, self.figure)


def search_explorer(strategy: str = "grid", n_trials: int = 9, seed: int = 0) -> SearchExplorer:
    """Build the grid-versus-random search explorer (see the module docstring).

    Parameters
    ----------
    strategy : "grid" or "random"
    n_trials : one of 4, 9, 16, 25
    seed : int in [0, 20]
        Seeds the random trials (a grid ignores it).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    if n_trials not in BUDGETS:
        raise ValueError(f"n_trials must be one of {BUDGETS}; got {n_trials}")
    seed = check_int(seed, "seed", minimum=0)
    if seed > 20:
        raise ValueError(f"seed must be between 0 and 20 (the slider's range); got {seed}")
    return SearchExplorer(strategy, n_trials, seed)
