"""The course's recurring pictures, one module per topic.

``use_course_style()`` is called at the top of every lesson so figures look alike: readable
fonts, light grid, a colour-blind-safe cycle and a fixed size that fits a notebook column.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.style

# Okabe-Ito palette: distinguishable with the common forms of colour blindness. The same
# colours, in this order, are the cycle of the packaged style sheet course.mplstyle.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
COLORS = list(PALETTE)  # older name, kept for the plotting modules that index it
# Greys (black to white) are allowed besides the palette: axes, grids, reference lines.
STYLE_FILE = Path(__file__).with_name("course.mplstyle")


def use_course_style() -> None:
    """Load the course style sheet (fonts, grid, palette, figure size) into matplotlib."""
    mpl.style.use(STYLE_FILE)


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
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    display({"image/png": buf.getvalue(), "text/plain": f"[Figure: {alt.strip()}]"},
            raw=True, metadata={"image/png": {"alt": alt.strip()}})
