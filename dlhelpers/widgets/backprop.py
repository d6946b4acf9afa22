"""Activation explorer for lesson 09.

Pick an activation and the distribution of its inputs (pre-activations ``z ~ N(mean, std^2)``);
the explorer draws the function, its derivative and the histogram of ``z``, then reports how
the outputs are centred and how much gradient gets through. It makes three lesson ideas
visible at once: saturation (tiny derivatives for large ``|z|``), dead ReLUs (zero
derivative for negative ``z``) and zero-centred outputs.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from dlhelpers import nn
from dlhelpers._checks import check_int, check_positive
from dlhelpers.widgets._display import Explorer

SMALL_GRADIENT = 0.01
"""A local gradient below this counts as "blocked" (saturated or dead)."""


def activation_stats(name: str, z: np.ndarray) -> dict[str, float]:
    """Summarise what an activation does to inputs ``z``.

    Parameters
    ----------
    name : str
        A key of :data:`dlhelpers.nn.ACTIVATIONS`.
    z : array, any shape
        Pre-activations.

    Returns
    -------
    dict
        ``mean_output`` (mean of f(z)), ``mean_gradient`` (mean of f'(z)) and
        ``blocked`` (fraction of entries with ``|f'(z)| < SMALL_GRADIENT``).
    """
    if name not in nn.ACTIVATIONS:
        raise ValueError(f"name must be one of {sorted(nn.ACTIVATIONS)}; got {name!r}")
    forward, backward = nn.ACTIVATIONS[name]
    out, cache = forward(z)
    grad = backward(np.ones_like(out), cache)
    return {"mean_output": float(out.mean()), "mean_gradient": float(grad.mean()),
            "blocked": float(np.mean(np.abs(grad) < SMALL_GRADIENT))}


def _draw(name: str, z: np.ndarray, stats: dict) -> Figure:
    forward, backward = nn.ACTIVATIONS[name]
    grid = np.linspace(-8, 8, 401)
    f, cache = forward(grid)
    df = backward(np.ones_like(f), cache)
    fig = Figure(figsize=(9.0, 3.4), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2)
    counts, edges = np.histogram(np.clip(z, -8, 8), bins=60, range=(-8, 8))
    left.stairs(counts / counts.max(), edges, fill=True, alpha=0.25, color="0.5",
                label="inputs z (scaled histogram)")
    left.plot(grid, f, label="f(z)")
    left.plot(grid, df, label="f'(z)")
    left.set(xlabel="z", ylabel="value", ylim=(-1.5, 3), title=f"{name}: function and local gradient")
    left.legend(loc="upper left")
    out, _ = forward(z)
    right.hist(out, bins=60, color="#0072B2")
    right.axvline(stats["mean_output"], color="#D55E00", label=f"mean {stats['mean_output']:.2f}")
    right.set(xlabel="f(z)", ylabel="count", title="outputs")
    right.legend()
    return fig


def activation_explorer(n: int = 4000, seed: int = 0) -> Explorer:
    """Build the explorer: activation menu, mean and spread of the inputs, figure and caption.

    Parameters
    ----------
    n : int
        Number of sampled pre-activations.
    seed : int
        Seed of the standard-normal draws (drawn once; the sliders only shift and scale them).

    Returns
    -------
    Explorer
        ``controls`` (dict: ``"activation"``, ``"mean"``, ``"std"``), ``readout`` (the dict of
        :func:`activation_stats` for the current setting), ``figure`` (the current Figure) and
        ``caption`` (the same numbers in words).
    """
    n = check_int(n, "n", minimum=10)
    base = np.random.default_rng(seed).standard_normal(n)
    controls = {
        "activation": widgets.Dropdown(options=list(nn.ACTIVATIONS), value="sigmoid",
                                       description="activation"),
        # A redraw takes a few tenths of a second: redraw on release, not on every slider tick.
        "mean": widgets.FloatSlider(value=0.0, min=-6, max=6, step=0.25, description="mean of z",
                                    continuous_update=False),
        "std": widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05,
                                      description="std of z", readout_format=".2f",
                                      continuous_update=False),
    }

    def figure(activation: str, mean: float, std: float) -> tuple[Figure, dict[str, float]]:
        z = mean + check_positive(std, "std") * base
        stats = activation_stats(activation, z)
        return _draw(activation, z, stats), stats

    def caption(s: dict[str, float], **_values) -> str:
        return (f"mean output {s['mean_output']:.3f}; mean local gradient "
                f"{s['mean_gradient']:.3f}; {100 * s['blocked']:.0f}% of inputs pass back "
                f"less than {SMALL_GRADIENT} of their gradient")

    return Explorer(controls, figure, caption_fn=caption)
