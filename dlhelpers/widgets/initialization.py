"""Initialization scale explorer for lesson 10.

A batch of random inputs goes through ``depth`` fully connected layers whose weights are
``gain / sqrt(D_in)`` times standard normal draws. Moving the gain or switching between tanh
and ReLU redraws one histogram per layer, so the learner sees activations collapse, saturate
or stay healthy. The random matrices are drawn once, at build time, so only the scale moves.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from dlhelpers._checks import as_float_array, check_int, check_positive
from dlhelpers.plots.initialization import plot_layer_distributions, plot_layer_std
from dlhelpers.widgets._display import Explorer

_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def propagate(x: np.ndarray, weights: list[np.ndarray], gain: float,
              activation: str) -> list[np.ndarray]:
    """Push ``x`` through layers ``h = f(h @ (gain / sqrt(D_in)) W)`` and keep every output.

    Parameters
    ----------
    x : array of shape (N, D)
        The input batch.
    weights : list of arrays of shape (D_in, D_out)
        Unscaled standard-normal draws, one per layer; layer ``l`` uses
        ``gain / sqrt(D_in) * weights[l]``.
    gain : float
        Multiplier of LeCun's scale 1/sqrt(D_in): 1 is LeCun (CS231n's "Xavier"), sqrt(2) is He.
    activation : {"tanh", "relu"}

    Returns
    -------
    list of arrays
        The outputs of each layer, ``[h_1, ..., h_depth]``, each of shape (N, D_out).
    """
    h = as_float_array(x, "x", ndim=2)
    gain = check_positive(gain, "gain")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}; got {activation!r}")
    f = _ACTIVATIONS[activation]
    outputs = []
    for i, w in enumerate(weights):
        if w.ndim != 2 or w.shape[0] != h.shape[1]:
            raise ValueError(f"weights[{i}] must have shape ({h.shape[1]}, any); got {w.shape}")
        # Scaling the product instead of the matrix avoids a copy of W.
        h = f((h @ w) * (gain / np.sqrt(w.shape[0])))
        outputs.append(h)
    return outputs


def _draw(outputs: list[np.ndarray], activation: str, gain: float) -> Figure:
    fig = Figure(figsize=(9.0, 3.4), dpi=80, layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    if activation == "tanh":
        plot_layer_distributions(outputs, title="activation values per layer", ax=left,
                                 value_range=(-1.0, 1.0))
    else:
        top = max(3.0, float(outputs[-1].max()))
        plot_layer_distributions(outputs, title="activation values per layer", ax=left,
                                 value_range=(0.0, top), log=True)
    stds = np.maximum([float(h.std()) for h in outputs], 1e-12)  # > 0 for the log axis
    plot_layer_std({f"gain {gain:.2f}": stds}, title="spread per layer", ax=right)
    # At least 1e-3..10, so small moves of the slider move the line rather than the axis.
    right.set_ylim(min(1e-3, stds.min() / 2), max(10.0, stds.max() * 2))
    fig.suptitle(f"{activation}, weight std = {gain:.2f} / sqrt(D_in)")
    return fig


def init_scale_explorer(width: int = 512, depth: int = 6, n_samples: int = 16,
                        seed: int = 0) -> Explorer:
    """Build the explorer: an activation menu, a gain slider, histograms and a caption.

    Parameters
    ----------
    width : int
        Units per layer (the lesson's full experiment uses 4096; 512 keeps redraws quick).
    depth : int
        Number of layers.
    n_samples : int
        Rows in the random input batch.
    seed : int
        Seed for the inputs and the weight draws.

    Returns
    -------
    Explorer
        ``controls`` (dict with ``"activation"`` and ``"gain"``), ``readout`` (dict:
        ``"layer_stds"``, array of shape (depth,), and ``"saturated"``, the fraction of tanh
        outputs with ``|h| > 0.95``, or of ReLU outputs equal to 0, in the last layer),
        ``figure`` (the current Figure) and ``caption`` (the same numbers in words).
    """
    width = check_int(width, "width", minimum=2)
    depth = check_int(depth, "depth", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, width), dtype=np.float32)
    weights = [rng.standard_normal((width, width), dtype=np.float32) for _ in range(depth)]

    controls = {
        "activation": widgets.Dropdown(options=["tanh", "relu"], value="tanh",
                                       description="activation"),
        # Redrawing six 512-wide layers takes a few tenths of a second: redraw on release.
        "gain": widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05,
                                       description="gain", readout_format=".2f",
                                       continuous_update=False),
    }

    def figure(activation: str, gain: float) -> tuple[Figure, dict]:
        outputs = propagate(x, weights, gain, activation)
        last = outputs[-1]
        saturated = np.abs(last) > 0.95 if activation == "tanh" else last == 0
        readout = {"layer_stds": np.array([float(h.std()) for h in outputs]),
                   "saturated": float(np.mean(saturated))}
        return _draw(outputs, activation, gain), readout

    def caption(readout: dict, activation: str, gain: float) -> str:
        what = "saturated (|h| > 0.95)" if activation == "tanh" else "exactly zero"
        return (f"last layer: std {readout['layer_stds'][-1]:.3g}; "
                f"{100 * readout['saturated']:.0f}% of its values are {what}")

    return Explorer(controls, figure, caption_fn=caption)
