"""Lesson 00's broadcasting explorer: pick two array shapes and see what ``a + b`` does.

The demo doubles as the "do widgets work on my machine?" check at the start of the course.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from dlhelpers.plots.images import show_array
from dlhelpers.widgets._display import Explorer

SHAPE_CHOICES: dict[str, tuple[int, ...]] = {
    "(3, 4)": (3, 4), "(3, 1)": (3, 1), "(1, 4)": (1, 4),
    "(4,)": (4,), "(3,)": (3,), "(1,)": (1,), "(4, 3)": (4, 3),
}


def _label(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _demo_arrays(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Small arrays whose values make the broadcast easy to follow: a counts in tens, b in ones."""
    a = 10 * np.arange(1, int(np.prod(a_shape)) + 1).reshape(a_shape)
    b = np.arange(1, int(np.prod(b_shape)) + 1).reshape(b_shape)
    return a, b


def broadcast_figure(a_shape: tuple[int, ...], b_shape: tuple[int, ...]):
    """Draw ``a``, ``b`` and ``a + b`` side by side, or explain why numpy refuses.

    Parameters
    ----------
    a_shape, b_shape : tuple of int
        Shapes (1-D or 2-D) of the two operands.

    Returns
    -------
    fig : matplotlib Figure
    result_shape : tuple of int or None
        Shape of ``a + b``; None when the shapes do not broadcast.
    message : str
        One sentence saying what happened.
    """
    for name, shape in (("a_shape", a_shape), ("b_shape", b_shape)):
        if not (isinstance(shape, tuple) and 1 <= len(shape) <= 2
                and all(isinstance(s, (int, np.integer)) and 1 <= s <= 8 for s in shape)):
            raise ValueError(f"{name} must be a 1- or 2-tuple of ints between 1 and 8; got {shape!r}")
    a, b = _demo_arrays(a_shape, b_shape)
    try:
        total = a + b
    except ValueError:
        total = None
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.0), layout="constrained")
    show_array(a, ax=axes[0], title=f"a, shape {_label(a.shape)}")
    show_array(b, ax=axes[1], title=f"b, shape {_label(b.shape)}", cmap="course_orange")
    if total is None:
        message = (f"shapes {_label(a_shape)} and {_label(b_shape)} do not broadcast: compare them "
                   "from the right; each pair of sizes must be equal or contain a 1.")
        axes[2].set_axis_off()
        axes[2].text(0.5, 0.5, "numpy raises ValueError:\ncompare sizes from the right;\neach pair must be equal\nor contain a 1",
                     ha="center", va="center", color="#D55E00",
                     transform=axes[2].transAxes)
        result_shape = None
    else:
        result_shape = tuple(total.shape)
        message = f"a + b has shape {_label(result_shape)}."
        show_array(total, ax=axes[2], title=f"a + b, shape {_label(result_shape)}", cmap="course_green")
    fig.suptitle("Broadcasting: " + message.split(":")[0].rstrip("."), fontsize=12)
    return fig, result_shape, message


class BroadcastExplorer(Explorer):
    """The widget: ``a_picker`` and ``b_picker`` (the drop-downs, also in ``.controls``) and,
    after each redraw, ``result_shape`` (tuple or None) and ``message`` (str)."""

    def __init__(self, a_shape: str, b_shape: str) -> None:
        self.a_picker = widgets.Dropdown(options=list(SHAPE_CHOICES), value=a_shape, description="a.shape")
        self.b_picker = widgets.Dropdown(options=list(SHAPE_CHOICES), value=b_shape, description="b.shape")
        super().__init__({"a_choice": self.a_picker, "b_choice": self.b_picker}, self._figure,
                         tight=True)

    @staticmethod
    def _figure(a_choice: str, b_choice: str):
        fig, result_shape, message = broadcast_figure(SHAPE_CHOICES[a_choice], SHAPE_CHOICES[b_choice])
        return fig, {"result_shape": result_shape, "message": message}

    @property
    def result_shape(self) -> tuple[int, ...] | None:
        return self.readout["result_shape"]

    @property
    def message(self) -> str:
        return self.readout["message"]


def broadcast_explorer(a_shape: str = "(3, 1)", b_shape: str = "(4,)") -> BroadcastExplorer:
    """Two drop-downs for the shapes of ``a`` and ``b`` and a live picture of ``a + b``.

    Parameters
    ----------
    a_shape, b_shape : str
        Starting choices, keys of ``SHAPE_CHOICES`` such as ``"(3, 1)"``.

    Returns
    -------
    BroadcastExplorer (an ipywidgets.VBox)
        The demo. For tests it exposes ``a_picker`` and ``b_picker`` (the drop-downs) and,
        after each redraw, ``result_shape`` (tuple or None) and ``message`` (str).
    """
    for name, value in (("a_shape", a_shape), ("b_shape", b_shape)):
        if value not in SHAPE_CHOICES:
            raise ValueError(f"{name} must be one of {list(SHAPE_CHOICES)}; got {value!r}")
    return BroadcastExplorer(a_shape, b_shape)
