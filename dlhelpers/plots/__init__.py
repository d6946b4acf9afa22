"""The course's recurring pictures, one module per topic.

``use_course_style()`` is called at the top of every lesson so figures look alike: readable
fonts, light grid, a colour-blind-safe cycle and a fixed size that fits a notebook column.
"""

from __future__ import annotations

import matplotlib as mpl

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_course_style() -> None:
    """Set matplotlib defaults shared by every lesson figure."""
    mpl.rcParams.update({
        "figure.figsize": (7.0, 4.0),
        "figure.dpi": 90,
        "savefig.dpi": 90,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=COLORS),
        "legend.frameon": False,
        "image.cmap": "viridis",
        "figure.constrained_layout.use": True,
    })
