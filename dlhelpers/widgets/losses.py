"""Lesson 03's interactive demo: drag class scores, watch hinge and cross-entropy respond."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, check_int, check_positive
from dlhelpers.plots.losses import plot_scores_and_probabilities
from dlhelpers.widgets._display import Explorer


def score_losses(scores, true_class: int, margin: float = 1.0) -> dict:
    """Hinge, squared hinge and cross-entropy of ONE example's scores.

    Parameters
    ----------
    scores : array-like, shape (K,)
    true_class : int in [0, K)
    margin : float >= 0

    Returns
    -------
    dict with ``hinge``, ``squared_hinge``, ``cross_entropy`` (floats) and
    ``probabilities`` (array of shape (K,)).
    """
    s = as_float_array(scores, "scores", ndim=1)
    y = check_int(true_class, "true_class", minimum=0)
    if y >= s.shape[0]:
        raise ValueError(f"true_class must be < {s.shape[0]} (the number of scores); got {y}")
    margin = check_positive(margin, "margin", allow_zero=True)
    gaps = np.maximum(0.0, s - s[y] + margin)
    gaps[y] = 0.0
    # log-sum-exp with the max subtracted: stays finite for scores like 1000
    top = s.max()
    log_norm = top + np.log(np.sum(np.exp(s - top)))
    return {
        "hinge": float(gaps.sum()),
        "squared_hinge": float(np.sum(gaps ** 2)),
        "cross_entropy": float(log_norm - s[y]),
        "probabilities": np.exp(s - log_norm),
    }


def loss_explorer(scores=(3.2, 5.1, -1.7), true_class: int = 0,
                  class_names: Sequence[str] | None = ("cat", "car", "frog"),
                  score_range: float = 10.0) -> widgets.VBox:
    """Build the score-dragging demo.

    One slider per class score and a drop-down for the true class; the figure shows the scores
    with the hinge margin and the softmax probabilities, and a text line gives both losses.

    Parameters
    ----------
    scores : array-like, shape (K,)
        Starting scores.
    true_class : int in [0, K)
    class_names : sequence of K str, optional
    score_range : float
        Sliders run from ``-score_range`` to ``+score_range``.

    Returns
    -------
    ipywidgets.VBox
        With extra attributes for tests and curious learners: ``sliders`` (list of
        FloatSlider), ``true_class`` (Dropdown), ``readout`` (dict, see ``score_losses``) and
        ``figure`` (the last matplotlib Figure drawn).
    """
    s = as_float_array(scores, "scores", ndim=1)
    k = s.shape[0]
    names = [f"class {j}" for j in range(k)] if class_names is None else list(class_names)
    if len(names) != k:
        raise ValueError(f"class_names must have {k} entries (one per score); got {len(names)}")
    y0 = check_int(true_class, "true_class", minimum=0)
    if y0 >= k:
        raise ValueError(f"true_class must be < {k}; got {y0}")
    span = check_positive(score_range, "score_range")
    if np.any(np.abs(s) > span):
        raise ValueError(f"scores must lie within +-score_range ({span}); got {s}")

    sliders = [widgets.FloatSlider(value=float(v), min=-span, max=span, step=0.1,
                                   description=f"score {n}", continuous_update=False)
               for v, n in zip(s, names, strict=True)]
    chooser = widgets.Dropdown(options=[(n, j) for j, n in enumerate(names)], value=y0,
                               description="true class")

    def figure(y: int, **scores: float):
        current = np.array([scores[f"s{j}"] for j in range(k)])
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
        plot_scores_and_probabilities(current, y, names, axes=axes)
        return fig, score_losses(current, y)

    def caption(r: dict, y: int, **_scores: float) -> str:
        return (f"<b>hinge loss</b> = {r['hinge']:.3f} &nbsp; "
                f"<b>cross-entropy</b> = {r['cross_entropy']:.3f} &nbsp; "
                f"P(true class) = {r['probabilities'][y]:.3f}")

    controls = {f"s{j}": sl for j, sl in enumerate(sliders)} | {"y": chooser}
    box = Explorer(controls, figure, boxes=[widgets.HBox([widgets.VBox(sliders), chooser])],
                   caption_fn=caption, tight=True)
    box.sliders, box.true_class = sliders, chooser
    return box
