"""Running-statistics explorer for lesson 11 (batch normalization).

Batch norm keeps exponential moving averages of each feature's batch mean and variance and
uses them at test time. This demo streams mini-batches of one feature with known mean and
variance through :func:`dlhelpers.nn.batchnorm_forward` and plots the running estimates
step by step, so the learner sees how the batch size (noise of each batch's statistics) and
the momentum (how long the average remembers) trade speed against jitter.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from dlhelpers import nn
from dlhelpers._checks import check_in_range, check_int, check_positive
from dlhelpers.widgets._display import Explorer

BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256)


def simulate_running_stats(batch_size: int, momentum: float, steps: int = 200, *,
                           true_mean: float = 3.0, true_std: float = 2.0,
                           seed: int = 0) -> dict[str, np.ndarray]:
    """Feed ``steps`` batches of N(true_mean, true_std^2) through batch norm in train mode.

    Parameters
    ----------
    batch_size : int >= 2
        Rows per batch (train mode needs at least 2).
    momentum : float in [0, 1)
        Weight of the old running value, as in :func:`dlhelpers.nn.batchnorm_forward`.
    steps : int >= 1
    true_mean, true_std : float
        The feature's distribution (``true_std > 0``).
    seed : int

    Returns
    -------
    dict of arrays of shape (steps,)
        ``batch_mean``, ``batch_var`` (biased, as used to normalise the batch),
        ``running_mean`` and ``running_var`` after each step.
    """
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    momentum = check_in_range(momentum, "momentum", 0.0, 1.0, hi_open=True)
    steps = check_int(steps, "steps", minimum=1)
    true_std = check_positive(true_std, "true_std")
    rng = np.random.default_rng(seed)
    gamma, beta, state = np.ones(1), np.zeros(1), None
    record = {k: np.empty(steps) for k in ("batch_mean", "batch_var", "running_mean", "running_var")}
    for t in range(steps):
        x = rng.normal(true_mean, true_std, size=(batch_size, 1))
        _, _, state = nn.batchnorm_forward(x, gamma, beta, state, train=True, momentum=momentum)
        record["batch_mean"][t], record["batch_var"][t] = x.mean(), x.var()
        record["running_mean"][t] = state["running_mean"][0]
        record["running_var"][t] = state["running_var"][0]
    return record


def _draw(rec: dict, batch_size: int, momentum: float, true_mean: float, true_var: float) -> Figure:
    fig = Figure(figsize=(9.0, 3.4), dpi=80, layout="constrained")
    axes = fig.subplots(1, 2)
    steps = np.arange(1, rec["batch_mean"].size + 1)
    for ax, key, truth, label in ((axes[0], "mean", true_mean, "mean"),
                                  (axes[1], "var", true_var, "variance")):
        ax.plot(steps, rec[f"batch_{key}"], ".", ms=3, alpha=0.5, color="0.5", label=f"batch {label}")
        ax.plot(steps, rec[f"running_{key}"], color="#0072B2", label=f"running {label}")
        ax.axhline(truth, color="#D55E00", ls="--", label=f"true {label}")
        ax.set(xlabel="training step", ylabel=label, title=f"running {label}")
        ax.legend(loc="lower right")
    fig.suptitle(f"batch size {batch_size}, momentum {momentum:.3f}")
    return fig


def running_stats_explorer(steps: int = 200, seed: int = 0) -> Explorer:
    """Build the explorer: batch-size and momentum sliders, the two running curves, a caption.

    Parameters
    ----------
    steps : int
        Training steps simulated for each setting.
    seed : int

    Returns
    -------
    Explorer
        ``controls`` (dict: ``"batch_size"``, ``"momentum"``), ``readout`` (dict: ``"result"``,
        the dict of :func:`simulate_running_stats`, and ``"error_mean"``, ``"error_var"``, the
        mean absolute error of the running estimates over the last quarter of the steps),
        ``figure`` and ``caption`` (the numbers in words).
    """
    steps = check_int(steps, "steps", minimum=8)
    true_mean, true_std = 3.0, 2.0
    controls = {
        # A redraw simulates and draws 200 steps (a few tenths of a second): redraw on release.
        "batch_size": widgets.SelectionSlider(options=list(BATCH_SIZES), value=32,
                                              description="batch size", continuous_update=False),
        "momentum": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                        description="momentum", continuous_update=False),
    }
    tail = slice(-(steps // 4), None)

    def figure(batch_size: int, momentum: float) -> tuple[Figure, dict]:
        rec = simulate_running_stats(batch_size, momentum, steps, true_mean=true_mean,
                                     true_std=true_std, seed=seed)
        readout = {
            "result": rec,
            "error_mean": float(np.mean(np.abs(rec["running_mean"][tail] - true_mean))),
            "error_var": float(np.mean(np.abs(rec["running_var"][tail] - true_std**2))),
        }
        return _draw(rec, batch_size, momentum, true_mean, true_std**2), readout

    def caption(readout: dict, **_values) -> str:
        return (f"over the last {steps // 4} steps the running mean is off by "
                f"{readout['error_mean']:.3f} and the running variance by "
                f"{readout['error_var']:.3f} on average (true values {true_mean:g} and "
                f"{true_std**2:g})")

    return Explorer(controls, figure, caption_fn=caption)
