"""Lesson 01's k-NN explorer: move k and switch L1/L2, and watch the decision regions change."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, as_labels, check_int
from dlhelpers.knn import KNearestNeighbor
from dlhelpers.plots.knn import plot_decision_regions
from dlhelpers.widgets._display import Explorer

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
                         resolution: int = 200) -> KnnRegionsExplorer:
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
    KnnRegionsExplorer (an ipywidgets.VBox)
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
    return KnnRegionsExplorer(X, y, k, metric, max_k, resolution)


class KnnRegionsExplorer(Explorer):
    """The widget: ``k_slider`` and ``metric_buttons`` (also in ``.controls``) and, after each
    redraw, ``train_accuracy`` and ``region_labels`` (see :func:`knn_regions_figure`)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, k: int, metric: str, max_k: int,
                 resolution: int) -> None:
        self.X, self.y, self.resolution = X, y, resolution
        self.k_slider = widgets.IntSlider(value=k, min=1, max=max_k, step=1, description="k",
                                          continuous_update=False)
        self.metric_buttons = widgets.ToggleButtons(options=list(METRIC_NAMES.items()), value=metric,
                                                    description="distance")
        super().__init__({"k": self.k_slider, "metric": self.metric_buttons}, self._figure,
                         tight=True)

    def _figure(self, k: int, metric: str):
        fig, accuracy, labels = knn_regions_figure(self.X, self.y, k, metric,
                                                   resolution=self.resolution)
        return fig, {"train_accuracy": accuracy, "region_labels": labels}

    @property
    def train_accuracy(self) -> float:
        return self.readout["train_accuracy"]

    @property
    def region_labels(self) -> np.ndarray:
        return self.readout["region_labels"]
