"""Pictures of images and small arrays: grids of examples and arrays with their values written in.

Used by lesson 00 (what an array looks like) and lessons 01-02 (digits as numbers, class
templates).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, check_int


def _as_image_stack(images, image_shape: tuple[int, int] | None) -> np.ndarray:
    """Return ``images`` as an (N, H, W) float array, reshaping flat rows if asked."""
    arr = as_float_array(images, "images", ndim=(2, 3))
    if arr.ndim == 2:
        if image_shape is None:
            raise ValueError("images is 2-D (N, D): pass image_shape=(H, W) so rows can be "
                             f"reshaped; got shape {arr.shape}")
        h, w = image_shape
        if h * w != arr.shape[1]:
            raise ValueError(f"image_shape {image_shape} holds {h * w} pixels but each row of "
                             f"images has {arr.shape[1]}")
        arr = arr.reshape(arr.shape[0], h, w)
    if arr.shape[0] == 0:
        raise ValueError("images must hold at least one image; got 0")
    return arr


def show_images(images, titles: Sequence[str] | None = None, *, ncols: int = 8,
                image_shape: tuple[int, int] | None = None, cmap: str = "gray_r",
                suptitle: str | None = None, size: float = 1.3, shared_scale: bool = False):
    """Draw a grid of grey-scale images with an optional title above each.

    Parameters
    ----------
    images : array, shape (N, H, W), or (N, D) together with ``image_shape=(H, W)``
        The images, one per panel.
    titles : sequence of N str, optional
        Text shown above each panel (for example the label).
    ncols : int
        Panels per row.
    cmap : str
        Colour map; the default shows ink dark on white paper.
    suptitle : str, optional
        Title of the whole figure.
    size : float
        Width and height of one panel in inches.
    shared_scale : bool
        If True every panel uses the same colour range, so brightness compares across panels.

    Returns
    -------
    fig, axes : the figure and a 2-D array of its axes (rows, ncols).
    """
    stack = _as_image_stack(images, image_shape)
    ncols = check_int(ncols, "ncols", minimum=1)
    n = stack.shape[0]
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}); got {len(titles)}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.4 * bool(suptitle)),
                             squeeze=False)
    vmin, vmax = (stack.min(), stack.max()) if shared_scale else (None, None)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(stack[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    return fig, axes


def show_array(values, *, ax=None, title: str | None = None, fmt: str = "{:g}",
               cmap: str = "Blues", fontsize: float | None = None):
    """Draw a 1-D or 2-D array as coloured cells with each value written inside.

    Parameters
    ----------
    values : array, shape (n,) or (rows, cols)
        A 1-D array is drawn as a single row.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Axes title; defaults to the array's shape.
    fmt : str
        Format for the numbers written in the cells.

    Returns
    -------
    ax : the Axes drawn on.
    """
    arr = as_float_array(values, "values", ndim=(1, 2))
    grid = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if grid.size == 0:
        raise ValueError(f"values must not be empty; got shape {arr.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * grid.shape[1] + 1, 0.55 * grid.shape[0] + 0.8))
    ax.imshow(grid, cmap=cmap, interpolation="nearest", aspect="equal")
    lo, hi = float(grid.min()), float(grid.max())
    middle = (lo + hi) / 2
    size = fontsize or (10 if grid.shape[1] <= 8 else 7)
    for (r, c), v in np.ndenumerate(grid):
        # dark text on light cells and light text on dark cells keeps every number readable
        colour = "white" if hi > lo and v > middle else "black"
        ax.text(c, r, fmt.format(v), ha="center", va="center", color=colour, fontsize=size)
    ax.set_xticks(range(grid.shape[1]))
    ax.set_yticks(range(grid.shape[0]))
    ax.tick_params(length=0, labelsize=8)
    ax.grid(False)
    ax.set_xlabel("column index" if arr.ndim == 2 else "index")
    if arr.ndim == 2:
        ax.set_ylabel("row index")
    else:
        ax.set_yticks([])
    ax.set_title(title if title is not None else f"shape {arr.shape}")
    return ax
