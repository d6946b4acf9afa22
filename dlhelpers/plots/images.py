"""Pictures of images and small arrays: grids of examples and arrays with their values written in.

Used by lesson 00 (what an array looks like) and lessons 01-02 (digits as numbers, class
templates).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import as_float_array, check_int
from dlhelpers.plots import PALETTE, PALETTE_CMAPS  # noqa: F401  (the course_* maps)


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
               cmap: str = "course_blue", fontsize: float | None = None, centered: bool = False):
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
    cmap : str
        A colour map name: one of ``PALETTE_CMAPS`` (default ``"course_blue"``), viridis, or
        grey.
    centered : bool
        Put zero at the middle of the colour map (for ``"course_diverging"``),
        so that the colour alone tells the sign of a value.

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
    lo, hi = float(grid.min()), float(grid.max())
    reach = max(abs(lo), abs(hi)) or 1.0
    limits = {"vmin": -reach, "vmax": reach} if centered else {}
    image = ax.imshow(grid, cmap=cmap, interpolation="nearest", aspect="equal", **limits)
    size = fontsize or (10 if grid.shape[1] <= 8 else 7)
    for (r, c), v in np.ndenumerate(grid):
        # the cell's own brightness picks the text colour, so light orange gets black text too
        red, green, blue, _ = image.cmap(image.norm(v))
        colour = "white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5 else "black"
        ax.text(c, r, fmt.format(v), ha="center", va="center", color=colour, fontsize=size)
    ax.set_xticks(range(grid.shape[1]))
    ax.set_yticks(range(grid.shape[0]))
    ax.tick_params(length=0, labelsize=8)
    ax.grid(False)
    # thin cell borders and a full frame, so a white (smallest) cell still reads as a cell
    ax.set_xticks(np.arange(-0.5, grid.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, grid.shape[0]), minor=True)
    ax.tick_params(which="minor", length=0)
    ax.grid(which="minor", color="0.8", linewidth=0.6)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.6")
    ax.set_xlabel("column index" if arr.ndim == 2 else "index")
    if arr.ndim == 2:
        ax.set_ylabel("row index")
    else:
        ax.set_yticks([])
    ax.set_title(title if title is not None else f"shape {arr.shape}")
    return ax


def _check_image(image, name: str = "image") -> np.ndarray:
    arr = as_float_array(image, name, ndim=2)
    if min(arr.shape) < 4:
        raise ValueError(f"{name} must be at least 4x4 pixels; got shape {arr.shape}")
    return arr


def challenge_variants(image, same_class_example, *, seed: int = 0) -> dict[str, np.ndarray]:
    """Six changes to a grey-scale image that keep its label but move its pixels a lot.

    Parameters
    ----------
    image : array, shape (H, W)
        Ink as large values on a zero background (MNIST or digits layout).
    same_class_example : array, shape (H, W)
        A different image of the same class, shown as "intra-class variation".
    seed : int
        Seeds the random background clutter.

    Returns
    -------
    dict
        Keys ``"original"``, ``"viewpoint"``, ``"illumination"``, ``"deformation"``,
        ``"occlusion"``, ``"background clutter"``, ``"intra-class variation"``; each value an
        array of shape (H, W) clipped to the range of ``image``.
    """
    from scipy import ndimage  # imported here: only this picture needs scipy

    img = _check_image(image)
    other = _check_image(same_class_example, "same_class_example")
    if other.shape != img.shape:
        raise ValueError(f"same_class_example must have the image's shape {img.shape}; got {other.shape}")
    top = float(img.max()) or 1.0
    h, w = img.shape
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    # viewpoint: the camera tilts, so the digit turns
    turned = ndimage.rotate(img, 35, reshape=False, order=1)
    # illumination: dim light that fades from left to right
    lit = img * np.linspace(0.9, 0.15, w)[None, :]
    # deformation: a shear bends the strokes
    shear = np.array([[1.0, 0.0], [0.45, 1.0]])
    centre = np.array([h / 2, w / 2])
    bent = ndimage.affine_transform(img, shear, offset=centre - shear @ centre, order=1)
    # occlusion: a solid block hides part of the middle
    hidden = img.copy()
    hidden[h // 3: h // 2 + 1, w // 4: w // 2 + 2] = top
    # background clutter: random strokes of ink behind the digit
    clutter = np.zeros_like(img)
    for _ in range(6):
        r0, c0 = rng.integers(0, h), rng.integers(0, w)
        dr, dc = rng.normal(size=2)
        steps = np.arange(-h // 3, h // 3)
        rows = np.clip(np.round(r0 + dr * steps / 2).astype(int), 0, h - 1)
        cols = np.clip(np.round(c0 + dc * steps / 2).astype(int), 0, w - 1)
        clutter[rows, cols] = 0.6 * top
    busy = np.maximum(img, ndimage.uniform_filter(clutter, 2) * 2)
    variants = {"original": img, "viewpoint": turned, "illumination": lit, "deformation": bent,
                "occlusion": hidden, "background clutter": busy, "intra-class variation": other}
    return {name: np.clip(v, 0.0, top) for name, v in variants.items()}


def same_distance_variants(image, *, shift: int = 1) -> tuple[dict[str, np.ndarray], float]:
    """Shifted, faded and occluded copies of ``image``, all at one L2 distance from it.

    The shift fixes the distance ``d``; fading (less ink, as in dimmer light) multiplies by
    ``1 - d / ||image||``; the
    occluding square (the smallest centred one that can) gets the constant value ``v`` that
    solves ``sum_p (v - image_p)^2 = d^2`` over its pixels.

    Parameters
    ----------
    image : array, shape (H, W)
        Ink as large values on a zero background; its border columns should be blank so the
        shift moves the digit without wrapping ink around.
    shift : int
        Pixels to move the image to the right, >= 1.

    Returns
    -------
    variants : dict with keys ``"shifted"``, ``"faded"``, ``"occluded"``, arrays (H, W)
    distance : float
        The common L2 distance ``d`` from ``image``.
    """
    img = _check_image(image)
    shift = check_int(shift, "shift", minimum=1)
    shifted = np.roll(img, shift, axis=1)
    d = float(np.linalg.norm(shifted - img))
    norm = float(np.linalg.norm(img))
    if not 0 < d < norm:
        raise ValueError(f"shift={shift} moves the image by L2 distance {d:.3g}, which fading "
                         f"cannot match (the image's own norm is {norm:.3g}); try a smaller shift")
    h, w = img.shape
    top = float(img.max())
    for side in range(2, min(h, w) + 1):
        r, c = (h - side) // 2, (w - side) // 2
        patch = img[r:r + side, c:c + side]
        n, s, q = patch.size, patch.sum(), (patch ** 2).sum()
        disc = s * s - n * (q - d * d)
        if disc >= 0 and (s + np.sqrt(disc)) / n <= top:
            occluded = img.copy()
            occluded[r:r + side, c:c + side] = (s + np.sqrt(disc)) / n
            break
    else:  # pragma: no cover - only for images with almost no ink
        raise ValueError("no centred square can occlude this image at the shift's distance")
    return {"shifted": shifted, "faded": img * (1 - d / norm), "occluded": occluded}, d
