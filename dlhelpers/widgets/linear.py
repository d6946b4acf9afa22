"""Lesson 02's linear-classifier explorer: set w1, w2 and b by hand, and watch the boundary
turn and slide while the score of one chosen point updates."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, as_labels, check_shape
from dlhelpers.plots.linear import binary_boundary
from dlhelpers.widgets._display import Explorer


def linear_boundary_figure(w, b: float, X, y, point):
    """Draw the binary classifier ``s = w . x + b`` on 2-D data and score one point.

    Parameters
    ----------
    w : array, shape (2,)
    b : float
    X : array, shape (N, 2)
    y : array of int in {0, 1}, shape (N,)
    point : array, shape (2,)

    Returns
    -------
    fig : matplotlib Figure
    score : float
        ``w . point + b``.
    accuracy : float
        Fraction of ``X`` on its class's side (class 1 where the score is positive).
    """
    fig, ax = plt.subplots(figsize=(8.4, 4.6))
    _, score, accuracy = binary_boundary(w, b, X, y, point, ax=ax)
    return fig, score, accuracy


def linear_boundary_explorer(X, y, *, w=(1.0, 1.0), b: float = 0.0, point=(0.0, 0.0)) -> LinearBoundaryExplorer:
    """Sliders for ``w1``, ``w2``, ``b`` and the chosen point, over a live picture.

    Parameters
    ----------
    X : array, shape (N, 2)
    y : array of int in {0, 1}, shape (N,)
    w : pair of float
        Starting weights, each in [-3, 3].
    b : float
        Starting bias, in [-6, 6].
    point : pair of float
        Starting coordinates of the scored point, each in [-4, 4].

    Returns
    -------
    LinearBoundaryExplorer (an ipywidgets.VBox)
        Exposes the sliders ``w1``, ``w2``, ``b``, ``px``, ``py``, a ``caption`` label and,
        after each redraw, ``score`` and ``accuracy`` (floats, also in ``readout``).
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0], num_classes=2)
    w = as_float_array(w, "w", ndim=1)
    check_shape(w, (2,), "w")
    point = as_float_array(point, "point", ndim=1)
    check_shape(point, (2,), "point")
    for name, value, limit in (("w[0]", w[0], 3), ("w[1]", w[1], 3), ("b", b, 6),
                               ("point[0]", point[0], 4), ("point[1]", point[1], 4)):
        if not -limit <= float(value) <= limit:
            raise ValueError(f"{name} must lie in [{-limit}, {limit}]; got {value}")

    return LinearBoundaryExplorer(X, y, w, b, point)


class LinearBoundaryExplorer(Explorer):
    """The widget: sliders ``w1``, ``w2``, ``b``, ``px``, ``py`` (also in ``.controls``), a
    ``caption`` label with the point's score worked out and, after each redraw, ``score`` and
    ``accuracy``."""

    def __init__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, point: np.ndarray) -> None:
        self.X, self.y = X, y

        def slider(description: str, value: float, limit: float) -> widgets.FloatSlider:
            return widgets.FloatSlider(value=float(value), min=-limit, max=limit, step=0.1,
                                       description=description, continuous_update=False)

        self.w1, self.w2, self.b = slider("w1", w[0], 3), slider("w2", w[1], 3), slider("b", b, 6)
        self.px, self.py = slider("point x1", point[0], 4), slider("point x2", point[1], 4)
        boxes = [widgets.HBox([widgets.VBox([self.w1, self.w2, self.b]), widgets.VBox([self.px, self.py])])]
        super().__init__({"w1": self.w1, "w2": self.w2, "b": self.b, "px": self.px, "py": self.py},
                         self._figure, boxes=boxes, caption_fn=self._caption, caption=widgets.Label(),
                         tight=True)

    def _figure(self, w1: float, w2: float, b: float, px: float, py: float):
        fig, score, accuracy = linear_boundary_figure(np.array([w1, w2]), b, self.X, self.y,
                                                      np.array([px, py]))
        return fig, {"score": score, "accuracy": accuracy}

    @staticmethod
    def _caption(readout: dict, w1: float, w2: float, b: float, px: float, py: float) -> str:
        score = readout["score"]
        return (f"score of the point = ({w1:.1f})({px:.1f}) + ({w2:.1f})({py:.1f}) "
                f"+ ({b:.1f}) = {score:+.2f}  ->  class {int(score > 0)}")

    @property
    def score(self) -> float:
        return self.readout["score"]

    @property
    def accuracy(self) -> float:
        return self.readout["accuracy"]
