"""Lesson 01's k-NN explorer: move k and switch L1/L2, and watch the decision regions change."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from dlhelpers._checks import as_float_array, as_labels, check_int
from dlhelpers.knn import KNearestNeighbor
from dlhelpers.plots.knn import plot_decision_regions

METRIC_NAMES = {"L2 (Euclidean)": "l2", "L1 (Manhattan)": "l1"}


def knn_regions_figure(X, y, k: int = 1, metric: str = "l2", *, resolution: int = 200):
    """Draw k-NN decision regions for 2-D data and report the training accuracy.

    Parameters
    ----------
    X : array, shape (N, 2)
        Training points (they are also the points drawn).
    y : array of int, shape (N,)
    k : int
        Neighbours that vote, 1 <= k <= N.
    metric : {"l2", "l1"}
    resolution : int
        Grid points per axis for the background.

    Returns
    -------
    fig : matplotlib Figure
    train_accuracy : float
        Fraction of training points the classifier labels correctly.
    region_labels : ndarray of int, shape (resolution, resolution)
        The predicted class on the background grid.
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0])
    clf = KNearestNeighbor().train(X, y)
    k = check_int(k, "k", minimum=1)

    def predict(points: np.ndarray) -> np.ndarray:
        return clf.predict(points, k=k, metric=metric)

    train_accuracy = float(np.mean(predict(X) == y))
    fig, ax = plt.subplots(figsize=(7.4, 4.6))
    name = "L2" if metric == "l2" else "L1"
    plot_decision_regions(predict, X, y, ax=ax, resolution=resolution,
                          title=f"{k}-NN with {name} distance: training accuracy {train_accuracy:.0%}")
    return fig, train_accuracy, ax.region_labels


def knn_regions_explorer(X, y, *, k: int = 1, metric: str = "l2", max_k: int = 25,
                         resolution: int = 200) -> widgets.VBox:
    """A slider for k and buttons for the metric over a live decision-region picture.

    Parameters
    ----------
    X : array, shape (N, 2)
    y : array of int, shape (N,)
    k : int
        Starting k.
    metric : {"l2", "l1"}
        Starting metric.
    max_k : int
        Largest k on the slider (capped at N).

    Returns
    -------
    ipywidgets.VBox
        Exposes ``k_slider`` and ``metric_buttons`` (the controls) and, after each redraw,
        ``train_accuracy`` (float) and ``region_labels`` (array, shape (resolution, resolution)).
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0])
    max_k = min(check_int(max_k, "max_k", minimum=1), X.shape[0])
    k = check_int(k, "k", minimum=1)
    if k > max_k:
        raise ValueError(f"k must be <= max_k ({max_k}); got {k}")
    if metric not in METRIC_NAMES.values():
        raise ValueError(f"metric must be one of {list(METRIC_NAMES.values())}; got {metric!r}")
    k_slider = widgets.IntSlider(value=k, min=1, max=max_k, step=1, description="k",
                                 continuous_update=False)
    metric_buttons = widgets.ToggleButtons(options=list(METRIC_NAMES.items()), value=metric,
                                           description="distance")
    box = widgets.VBox()

    def redraw(k: int, metric: str) -> None:
        fig, box.train_accuracy, box.region_labels = knn_regions_figure(
            X, y, k, metric, resolution=resolution)
        display(fig)
        plt.close(fig)

    out = widgets.interactive_output(redraw, {"k": k_slider, "metric": metric_buttons})
    box.children = (widgets.HBox([k_slider, metric_buttons]), out)
    box.k_slider, box.metric_buttons = k_slider, metric_buttons
    return box
