"""Figure plumbing shared by every picture module and widget (no topic lives here)."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["png_bytes", "standalone_figure", "new_ax"]


def png_bytes(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes (at the figure's own dpi)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def standalone_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot's list that still shows itself as a PNG in a notebook.

    Widgets redraw often; pyplot-managed figures would pile up and be shown twice. A bare
    ``Figure`` avoids that, but notebooks only know how to draw it once pyplot's inline
    backend has started, so the figure also carries its own ``_repr_png_``.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    fig._repr_png_ = lambda: png_bytes(fig)
    return fig


def new_ax(ax: Axes | None = None, *, ncols: int = 1, figsize: tuple[float, float] | None = None):
    """``ax`` itself when given, else the axes of a new pyplot figure.

    With ``ncols > 1`` a new figure gets that many axes side by side (an array of Axes).
    """
    if ax is not None:
        return ax
    _, ax = plt.subplots(1, ncols, figsize=figsize)
    return ax
