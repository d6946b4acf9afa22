"""Transfer-options explorer (lesson 14).

A slider picks the number of labelled examples per class, buttons pick an option (train from
scratch, fine-tune everything, freeze the lower layers). The picture shows the measured
learning curves of every option with the chosen one in bold and the chosen count marked,
and, next to it, each seed's accuracy of every option at that count. Nothing is trained
while the controls move: the lesson passes in the results it measured, so a redraw is cheap.

``transfer_explorer(counts, results)`` returns the widget; ``transfer_figure(...)`` draws the
same picture without widgets (the lesson's static view).
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from dlhelpers.plots._figure import standalone_figure
from dlhelpers.plots.transfer import _clear_lead, check_results, option_style, plot_transfer_curves
from dlhelpers.widgets._display import Explorer

__all__ = ["transfer_figure", "transfer_explorer", "TransferExplorer"]


def _index(counts: np.ndarray, n) -> int:
    matches = np.flatnonzero(counts == n)
    if matches.size == 0:
        raise ValueError(f"n must be one of the measured counts {[f'{c:g}' for c in counts]}; got {n!r}")
    return int(matches[0])


def transfer_figure(counts, results: Mapping, n, option: str, *, chance: float | None = None):
    """Draw the explorer's picture for ``n`` labelled examples per class and one option.

    Parameters
    ----------
    counts : array of shape (C,)
        Labelled examples per class, increasing.
    results : dict {option: array of shape (S, C)}
        Test accuracy of each seed at each count.
    n : one of ``counts``
    option : a key of ``results``
    chance : float, optional

    Returns
    -------
    fig : matplotlib Figure
    readout : dict with "labels_per_class", "option", "mean", "sd" (over seeds), "best_option"
        (highest mean at n), "clear_winner" (True when the best option beats the runner-up
        by more than twice the standard error of their seed-by-seed difference) and "gain_over_best_other" (the option's
        mean minus the best other option's mean at n)
    """
    counts, results = check_results(counts, results)
    if option not in results:
        raise ValueError(f"option must be one of {list(results)}; got {option!r}")
    j = _index(counts, n)
    at_n = {name: acc[:, j] for name, acc in results.items()}
    means = {name: float(a.mean()) for name, a in at_n.items()}
    others = [m for name, m in means.items() if name != option]
    ranked = sorted(means, key=means.get, reverse=True)
    readout = {"labels_per_class": float(counts[j]), "option": option, "mean": means[option],
               "sd": float(at_n[option].std(ddof=1)) if at_n[option].size > 1 else 0.0,
               "best_option": max(means, key=means.get),
               "clear_winner": len(ranked) < 2 or _clear_lead(at_n[ranked[0]], at_n[ranked[1]]),
               "gain_over_best_other": means[option] - max(others) if others else 0.0}
    fig = standalone_figure((11.5, 4.0))
    ax_curve, ax_seeds = fig.subplots(1, 2, width_ratios=[1.6, 1.0])
    plot_transfer_curves(counts, results, ax=ax_curve, highlight=option, chance=chance,
                         title=f"Learning curves ({option} in bold)")
    ax_curve.axvline(counts[j], color="black", linewidth=1, linestyle="-.")
    for i, (name, a) in enumerate(at_n.items()):
        style = option_style(name, i)
        chosen = name == option
        ax_seeds.plot(np.full(a.size, i) + np.linspace(-0.12, 0.12, a.size), a, linestyle="none",
                      marker=style["marker"], color=style["color"], alpha=1.0 if chosen else 0.45,
                      markersize=8 if chosen else 6)
        ax_seeds.errorbar(i + 0.25, a.mean(), yerr=a.std(ddof=1) if a.size > 1 else 0.0, fmt="_",
                          color="black", capsize=4, markersize=12)
    ax_seeds.set_xticks(range(len(at_n)), [f"{name}\n{means[name]:.3f}" for name in at_n])
    ax_seeds.set_xlim(-0.5, len(at_n) - 0.3)
    ax_seeds.set_ylim(ax_curve.get_ylim())   # same scale as the curves: no zoomed-in gaps
    ax_seeds.set_ylabel("test accuracy")
    verdict = " (clear)" if readout["clear_winner"] else " (within the noise)"
    ax_seeds.set_title(f"{counts[j]:g} per class: each seed, mean ± sd\nbest: {readout['best_option']}{verdict}",
                       fontsize=11)
    return fig, readout


class TransferExplorer(Explorer):
    """The widget: ``.controls`` (dict), ``.output`` (the figure's Output), ``.figure`` (the
    last Figure drawn) and ``.readout`` (its numbers)."""

    def __init__(self, counts: np.ndarray, results: dict, n, option: str, chance) -> None:
        self.counts, self.results, self.chance = counts, results, chance
        controls = {
            "n": widgets.SelectionSlider(options=[(f"{c:g}", float(c)) for c in counts], value=float(n),
                                         description="labels/class", continuous_update=False),
            "option": widgets.ToggleButtons(options=list(results), value=option, description="option"),
        }
        super().__init__(controls, self._figure)

    def _figure(self, n, option: str):
        return transfer_figure(self.counts, self.results, n, option, chance=self.chance)


def transfer_explorer(counts, results: Mapping, *, n=None, option: str = "freeze",
                      chance: float | None = None) -> TransferExplorer:
    """Build the transfer-options explorer (see the module docstring).

    Parameters
    ----------
    counts : array of shape (C,)
    results : dict {option: array of shape (S, C)}
    n : one of ``counts``, optional
        The count shown first (default: the smallest).
    option : a key of ``results``
    chance : float, optional
    """
    counts, results = check_results(counts, results)
    n = counts[0] if n is None else n
    _index(counts, n)
    if option not in results:
        raise ValueError(f"option must be one of {list(results)}; got {option!r}")
    return TransferExplorer(counts, results, n, option, chance)
