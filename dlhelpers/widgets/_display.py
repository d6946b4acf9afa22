"""How every widget puts its figure on screen."""

from __future__ import annotations

import base64

import ipywidgets as widgets
from matplotlib.figure import Figure

from dlhelpers.plots.optimizers import png_bytes


def show_figure(output: widgets.Output, fig: Figure | None, message: str = "") -> None:
    """Replace what ``output`` shows by ``fig`` rendered as PNG (or by a text message).

    The outputs are set on the widget's model directly rather than captured with
    ``with output:``, so the picture lands in the widget (and in its saved state) in a live
    kernel, under nbclient and under nbval alike, and never leaks into the cell's own output.
    """
    if fig is None:
        output.outputs = ({"output_type": "stream", "name": "stdout", "text": message + "\n"},)
        return
    output.outputs = ({"output_type": "display_data",
                       "data": {"image/png": base64.b64encode(png_bytes(fig)).decode("ascii"),
                                "text/plain": repr(fig)},
                       "metadata": {}},)
