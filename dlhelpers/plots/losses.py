"""Pictures for lesson 03 (loss functions).

Each function draws on a given ``ax`` (or a new figure) and returns the axes it drew on, so a
lesson can add to the picture and a test can read titles, labels and plotted data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, check_int, check_positive
from dlhelpers.plots import COLORS
from dlhelpers.plots._figure import new_ax


def plot_regression_losses(target: float = 1.0, lo: float = -0.5, hi: float = 3.0,
                           ax=None):
    """Draw the per-example squared, absolute and squared-log error against the prediction.

    Parameters
    ----------
    target : float
        The target value ``t`` (must be > -1 so that ``log(1 + t)`` exists).
    lo, hi : float
        Range of predictions ``y`` on the horizontal axis; ``lo`` must be > -1 as well.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    t = float(as_float_array(target, "target", ndim=0))
    lo = float(as_float_array(lo, "lo", ndim=0))
    hi = float(as_float_array(hi, "hi", ndim=0))
    if t <= -1 or lo <= -1:
        raise ValueError(f"target and lo must be > -1 (log(1 + value) must exist); got {t}, {lo}")
    if hi <= lo:
        raise ValueError(f"hi must be larger than lo; got lo={lo}, hi={hi}")
    ax = new_ax(ax)
    y = np.linspace(lo, hi, 400)
    ax.plot(y, (y - t) ** 2, label=r"squared $(y-t)^2$")
    ax.plot(y, np.abs(y - t), ls="--", label=r"absolute $|y-t|$")
    # MSLE is meant for predictions >= 0 (counts, prices): not drawn for negative ones
    pos = y >= 0
    ax.plot(y[pos], (np.log1p(y[pos]) - np.log1p(t)) ** 2, ls="-.",
            label=r"squared log $(\ln(1+y)-\ln(1+t))^2$, $y \geq 0$")
    ax.axvline(t, color="gray", lw=1, ls=":")
    ax.set_ylim(0, max(2.0, abs(hi - t)))
    ax.set(title=f"Per-example regression losses (target t = {t:g})",
           xlabel="prediction y", ylabel="loss for one example")
    ax.legend(loc="upper center")
    return ax


def plot_scores_and_probabilities(scores, true_class: int, class_names: Sequence[str] | None = None,
                                  margin: float = 1.0, axes=None):
    """Two bar charts for one example: class scores (with the hinge margin) and softmax probabilities.

    Parameters
    ----------
    scores : array-like, shape (K,)
        Raw class scores of one example.
    true_class : int
        Index of the correct class, in ``[0, K)``.
    class_names : sequence of K str, optional
    margin : float
        The hinge margin (the dashed line sits at ``s_true - margin``).
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    numpy array of 2 Axes: (scores panel, probabilities panel)
    """
    s = as_float_array(scores, "scores", ndim=1)
    k = s.shape[0]
    if k < 2:
        raise ValueError(f"scores needs at least 2 classes; got shape {s.shape}")
    y = check_int(true_class, "true_class", minimum=0)
    if y >= k:
        raise ValueError(f"true_class must be < {k} (the number of scores); got {y}")
    margin = check_positive(margin, "margin", allow_zero=True)
    names = [f"class {j}" for j in range(k)] if class_names is None else list(class_names)
    if len(names) != k:
        raise ValueError(f"class_names must have {k} entries; got {len(names)}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    ax_s, ax_p = axes
    colors = [COLORS[2] if j == y else COLORS[0] for j in range(k)]
    hatches = ["//" if j == y else "" for j in range(k)]   # the true class: colour AND hatching
    labels = [f"{n}\n(true)" if j == y else n for j, n in enumerate(names)]
    ax_s.bar(labels, s, color=colors, hatch=hatches, edgecolor="black", lw=0.5)
    ax_s.axhline(s[y] - margin, color=COLORS[3], ls="--", lw=1.5,
                 label=f"true score - margin ({s[y] - margin:.2f})")
    ax_s.axhline(0, color="black", lw=0.8)
    gaps = np.maximum(0.0, s - s[y] + margin)
    gaps[y] = 0.0
    ax_s.set(title=f"Class scores: hinge loss = {gaps.sum():.3f}", xlabel="class", ylabel="score")
    ax_s.legend()
    shifted = s - s.max()
    probs = np.exp(shifted) / np.exp(shifted).sum()
    cross_entropy = np.log(np.exp(shifted).sum()) - shifted[y]
    ax_p.bar(labels, probs, color=colors, hatch=hatches, edgecolor="black", lw=0.5)
    ax_p.set_ylim(0, 1.05)
    ax_p.set(title=f"Softmax: cross-entropy = {cross_entropy:.3f}", xlabel="class",
             ylabel="probability")
    for j, p in enumerate(probs):
        ax_p.text(j, p + 0.02, f"{p:.3f}", ha="center", fontsize=9)
    return np.asarray(axes)


HATCHES = ("", "//", "..", "xx")


def plot_penalties(weights: Mapping[str, np.ndarray], beta: float = 1.0, ax=None):
    """Grouped bars: L2, L1 and elastic-net penalty of each named weight vector.

    Elastic net is ``sum(beta * w**2 + |w|)``, the form the lectures use.

    Parameters
    ----------
    weights : mapping name -> array-like of any shape
        The weight arrays to compare (e.g. ``{"w1": [1, 0, 0, 0], "w2": [.25] * 4}``).
    beta : float
        Weight of the squared term in the elastic net (>= 0).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if not weights:
        raise ValueError("weights must name at least one weight array; got an empty mapping")
    beta = check_positive(beta, "beta", allow_zero=True)
    ax = new_ax(ax)
    kinds = ["L2", "L1", "elastic net"]
    width = 0.8 / len(weights)
    for i, (name, w) in enumerate(weights.items()):
        arr = as_float_array(w, f"weights[{name!r}]")
        values = [np.sum(arr ** 2), np.sum(np.abs(arr)), np.sum(beta * arr ** 2 + np.abs(arr))]
        xs = np.arange(len(kinds)) + (i - (len(weights) - 1) / 2) * width
        bars = ax.bar(xs, values, width=width, label=name, color=COLORS[i % len(COLORS)],
                      hatch=HATCHES[i % len(HATCHES)], edgecolor="black", lw=0.5)   # not colour alone
        ax.bar_label(bars, fmt="%.2f", fontsize=9)
    ax.margins(y=0.2)  # room for the value labels and the legend
    ax.set_xticks(np.arange(len(kinds)), kinds)
    ax.set(title="Penalty of each weight vector (lower is preferred)", xlabel="penalty R(w)",
           ylabel="value")
    ax.legend()
    return ax


def plot_hinge_vs_cross_entropy(lo: float = -4.0, hi: float = 4.0, ax=None):
    """Loss of a 2-class example as a function of the margin ``s_true - s_other``.

    Shows hinge (``max(0, 1 - m)``), squared hinge and cross-entropy (``log(1 + e^{-m})``).

    Returns
    -------
    matplotlib Axes
    """
    lo = float(as_float_array(lo, "lo", ndim=0))
    hi = float(as_float_array(hi, "hi", ndim=0))
    if hi <= lo:
        raise ValueError(f"hi must be larger than lo; got lo={lo}, hi={hi}")
    ax = new_ax(ax)
    m = np.linspace(lo, hi, 400)
    hinge = np.maximum(0.0, 1.0 - m)
    ax.plot(m, hinge, label="hinge")
    ax.plot(m, hinge ** 2, ls="--", label="squared hinge")
    ax.plot(m, np.logaddexp(0.0, -m), ls="-.", label="cross-entropy")
    ax.set_ylim(0, max(4.0, 1.0 - lo))
    ax.set(title="Two classes: loss against the margin",
           xlabel=r"margin $s_{true} - s_{other}$", ylabel="loss")
    ax.legend()
    return ax


def plot_outlier_effect(residuals, outlier_values, ax=None):
    """MSE and MAE of a set of residuals as one residual grows into an outlier.

    Parameters
    ----------
    residuals : array-like, shape (N,)
        Residuals ``y - t`` of the well-behaved examples.
    outlier_values : array-like, shape (M,)
        Values tried for one extra residual.

    Returns
    -------
    matplotlib Axes
    """
    r = as_float_array(residuals, "residuals", ndim=1)
    out = as_float_array(outlier_values, "outlier_values", ndim=1)
    n = check_int(r.shape[0], "len(residuals)", minimum=1) + 1
    mse = (np.sum(r ** 2) + out ** 2) / n
    mae = (np.sum(np.abs(r)) + np.abs(out)) / n
    ax = new_ax(ax)
    ax.plot(out, mse, label="MSE")
    ax.plot(out, mae, ls="--", label="MAE")
    ax.set(title="One outlier: MSE grows quadratically, MAE linearly",
           xlabel="residual of the outlier", ylabel="loss over all examples")
    ax.legend()
    return ax
