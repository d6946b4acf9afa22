"""The course's recurring pictures, one module per topic.

``use_course_style()`` is called at the top of every lesson so figures look alike: readable
fonts, light grid, a colour-blind-safe cycle and a fixed size that fits a notebook column.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.style
import numpy as np

# Okabe-Ito palette: distinguishable with the common forms of colour blindness. The same
# colours, in this order, are the cycle of the packaged style sheet course.mplstyle.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
COLORS = list(PALETTE)  # older name, kept for the plotting modules that index it
# Greys (black to white) are allowed besides the palette: axes, grids, reference lines.
STYLE_FILE = Path(__file__).with_name("course.mplstyle")
STYLE_NAME = "dlhelpers.plots.course"  # the same sheet, by matplotlib's package.style name
# Colour maps built from the palette, registered by name so any ``cmap="course_..."`` works:
# white to one palette colour for values that only grow, and blue-white-vermillion for values
# with a sign.
PALETTE_CMAPS = {
    "course_blue": ("white", PALETTE[0]),
    "course_orange": ("white", PALETTE[1]),
    "course_green": ("white", PALETTE[2]),
    "course_vermillion": ("white", PALETTE[3]),
    "course_diverging": (PALETTE[0], "white", PALETTE[3]),
}
for _name, _colours in PALETTE_CMAPS.items():
    if _name not in mpl.colormaps:
        mpl.colormaps.register(mpl.colors.LinearSegmentedColormap.from_list(_name, _colours),
                               name=_name)
# Colour maps allowed for data mapped to colour: perceptually uniform, colour-blind safe, or
# grey, and the palette's own maps.
ALLOWED_CMAPS = frozenset({"viridis", "cividis", "magma", "inferno", "plasma", "gray", "Greys",
                           "binary", "gist_yarg", *PALETTE_CMAPS})


def use_course_style() -> None:
    """Load the course style sheet (fonts, grid, palette, legends, figure size) into matplotlib."""
    mpl.style.use(STYLE_NAME)


def _is_allowed_colour(rgba, tol: float = 0.02) -> bool:
    """A grey, a palette colour, a tint of one (blended with white), or a colour of an
    allowed sequential map (viridis, cividis: for ordered categories such as layers)."""
    r, g, b = rgba[:3]
    if max(r, g, b) - min(r, g, b) <= tol:  # black, white and greys
        return True
    if np.min(np.max(np.abs(_SEQUENTIAL_RGB - (r, g, b)), axis=1)) <= tol:
        return True
    for p in _PALETTE_RGB:
        # a tint c = 1 - w * (1 - p) for one weight w in (0, 1] on every channel
        weights = [(1 - c) / (1 - q) for c, q in zip((r, g, b), p, strict=True) if 1 - q > 0.05]
        matches = all(abs((1 - c) - (1 - q) * weights[0]) <= tol
                      for c, q in zip((r, g, b), p, strict=True))
        if weights and 0 < weights[0] <= 1 + tol and matches:
            return True
    return False


def _cmap_keeps_to_palette(cmap) -> bool:
    colours = getattr(cmap, "colors", None)
    samples = mpl.colors.to_rgba_array(colours) if colours is not None else \
        cmap(np.linspace(0, 1, 17))
    return all(_is_allowed_colour(c) for c in samples)


_PALETTE_RGB = [mpl.colors.to_rgb(c) for c in PALETTE]
_SEQUENTIAL_RGB = np.vstack([mpl.colormaps[name](np.linspace(0, 1, 256))[:, :3]
                             for name in ("viridis", "cividis")])


def _artist_colours(artist):
    """The fixed colours an artist draws with (not those it maps from data)."""
    from matplotlib.cm import ScalarMappable

    if isinstance(artist, ScalarMappable) and artist.get_array() is not None:
        return []  # colours come from the colour map, checked separately
    colours = []
    for getter in ("get_color", "get_facecolor", "get_edgecolor", "get_markerfacecolor",
                   "get_markeredgecolor"):
        fn = getattr(artist, getter, None)
        if fn is None:
            continue
        try:
            value = fn()
        except Exception:  # some artists raise for unset colours
            continue
        if value is None or (isinstance(value, str) and value in {"none", "auto", "face"}):
            continue
        try:
            arr = mpl.colors.to_rgba_array(value)
        except (ValueError, TypeError):
            continue
        colours.extend(tuple(c) for c in arr if c[3] > 0)
    return colours


def palette_violations(fig) -> list[str]:
    """Colours in ``fig`` outside the course palette (and greys), and disallowed colour maps.

    Returns one readable line per offending artist; an empty list means the figure keeps to
    the palette. Colour maps must be in ``ALLOWED_CMAPS``.
    """
    from matplotlib.cm import ScalarMappable

    problems = []
    for artist in fig.findobj():
        if artist is fig or artist is getattr(fig, "patch", None):
            continue
        if isinstance(artist, ScalarMappable) and artist.get_array() is not None:
            cmap = artist.get_cmap()
            name = cmap.name.removesuffix("_r")
            if name not in ALLOWED_CMAPS and not _cmap_keeps_to_palette(cmap):
                problems.append(f"{type(artist).__name__} uses colour map {name!r}")
            continue
        bad = {mpl.colors.to_hex(c) for c in _artist_colours(artist) if not _is_allowed_colour(c)}
        if bad:
            label = getattr(artist, "get_label", lambda: "")() or ""
            problems.append(f"{type(artist).__name__} {label!r} uses {sorted(bad)}")
    return problems


def show(fig, alt: str) -> None:
    """Display ``fig`` with a text alternative (what it shows and its message).

    The PNG is shown as usual; the text alternative travels with it in the notebook (the
    output's ``text/plain`` and the image's ``alt`` metadata), where a screen reader, the
    course website and the tests read it. The figure is then closed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The finished figure.
    alt : str
        One to three sentences: what the figure shows and the message to take from it.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import display

    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ValueError(f"alt must describe the figure in a sentence, got {alt!r}")
    from dlhelpers.claims import strict

    if strict():  # test runs: a lesson figure must keep to the palette
        problems = palette_violations(fig)
        if problems:
            raise ValueError("figure uses colours outside dlhelpers.plots.PALETTE: "
                             + "; ".join(problems))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    display({"image/png": buf.getvalue(), "text/plain": f"[Figure: {alt.strip()}]"},
            raw=True, metadata={"image/png": {"alt": alt.strip()}})
