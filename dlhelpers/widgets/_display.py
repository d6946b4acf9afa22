"""How every widget puts its figure on screen, and the one explorer shell they share."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.core.pylabtools import print_figure
from matplotlib.figure import Figure

from dlhelpers.plots._figure import png_bytes

__all__ = ["show_figure", "Explorer", "SEED_MAX", "check_slider_seed"]

SEED_MAX = 20  # the seed sliders' range is [0, SEED_MAX]


def show_figure(output: widgets.Output, fig: Figure | None, message: str = "", *,
                tight: bool = False) -> None:
    """Replace what ``output`` shows by ``fig`` rendered as PNG (or by a text message).

    The outputs are set on the widget's model directly rather than captured with
    ``with output:``, so the picture lands in the widget (and in its saved state) in a live
    kernel, under nbclient and under nbval alike, and never leaks into the cell's own output.
    With ``tight=True`` the PNG is cropped to what is drawn, as a notebook shows a pyplot
    figure (the explorers of lessons 00-05 draw on pyplot figures), and the figure is closed
    so it is not shown a second time at the end of the cell.
    """
    if fig is None:
        output.outputs = ({"output_type": "stream", "name": "stdout", "text": message + "\n"},)
        return
    png = print_figure(fig, "png", bbox_inches="tight") if tight else png_bytes(fig)
    output.outputs = ({"output_type": "display_data",
                       "data": {"image/png": base64.b64encode(png).decode("ascii"),
                                "text/plain": repr(fig)},
                       "metadata": {}},)
    if tight:
        plt.close(fig)


def check_slider_seed(seed) -> int:
    """``seed`` as an int a seed slider can show, or a clear error."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer; got {seed!r} ({type(seed).__name__})")
    if not 0 <= seed <= SEED_MAX:
        raise ValueError(f"seed must be between 0 and {SEED_MAX} (the slider's range); got {seed}")
    return int(seed)


class Explorer(widgets.VBox):
    """Controls over a picture: every change of a control redraws it.

    ``figure_fn`` is a pure picture function: it is called with each control's current value
    as a keyword argument (named as in ``controls``) and returns ``(figure, readout)``. The
    shell only wires the two together.

    Attributes
    ----------
    controls : dict of name -> ipywidget
    output : ipywidgets.Output holding the figure (see :func:`show_figure`)
    figure : the last matplotlib Figure drawn (None before the first draw)
    readout : the numbers ``figure_fn`` returned with it
    caption : the widget under the controls that puts the readout in words (with ``caption_fn``)

    Parameters
    ----------
    controls : mapping name -> ipywidget
    figure_fn : callable ``(**values) -> (Figure, readout)``
    boxes : sequence of widgets, optional
        The boxes holding the controls, stacked above the figure (default: one ``HBox`` with
        every control in order).
    caption_fn : callable ``(readout, **values) -> str``, optional
        The text of a line between the controls and the figure.
    caption : widget with a ``value``, optional
        What shows that text (default: an ``HTML`` widget).
    tight : bool
        Render as a notebook renders a pyplot figure (see :func:`show_figure`).
    """

    def __init__(self, controls: Mapping[str, widgets.Widget],
                 figure_fn: Callable[..., tuple[Figure | None, Any]], *,
                 boxes: Sequence[widgets.Widget] | None = None,
                 caption_fn: Callable[..., str] | None = None, caption: widgets.Widget | None = None,
                 tight: bool = False) -> None:
        self.controls = dict(controls)
        self.figure_fn = figure_fn
        self.output = widgets.Output()
        self.figure: Figure | None = None
        self.readout: Any = {}
        self.caption_fn, self.tight = caption_fn, tight
        self.caption = None if caption_fn is None else (widgets.HTML() if caption is None else caption)
        if boxes is None:
            boxes = [widgets.HBox(list(self.controls.values()))]
        super().__init__([*boxes, *([self.caption] if self.caption is not None else []), self.output])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw the picture for the controls' current values."""
        values = self.values()
        self.figure, self.readout = self.figure_fn(**values)
        if self.caption_fn is not None:
            self.caption.value = self.caption_fn(self.readout, **values)
        show_figure(self.output, self.figure, tight=self.tight)
