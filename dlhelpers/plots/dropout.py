"""Pictures for lesson 12 (dropout): thinned networks, sampled expectations, the ensemble
view, the keep-probability sweep and held-out accuracy during training.

Each function draws on the ``ax`` it is given (or on a new one) and returns it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from dlhelpers._checks import as_float_array, check_int, check_same_shape
from dlhelpers.plots._figure import new_ax

__all__ = ["plot_thinned_network", "plot_running_mean", "plot_ensemble_accuracy",
           "plot_keep_prob_sweep", "plot_heldout_by_epoch"]

_KEPT, _DROPPED, _EDGE = "#0072B2", "0.85", "0.45"


def _layer_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """(size, 2) x/y centres of each layer's units, layers left to right, centred vertically."""
    return [np.column_stack([np.full(n, float(i)), np.arange(n) - (n - 1) / 2])
            for i, n in enumerate(sizes)]


def _network_masks(layer_sizes, unit_masks, weight_masks):
    """Check the masks of :func:`plot_thinned_network` against the layer sizes.

    Returns
    -------
    sizes : list of int
    keep : list of bool arrays, shape (size_l,) per layer (inputs and outputs always kept)
    edge_masks : list of bool arrays, shape (size_l, size_{l+1}) per weight matrix: the
        connections drawn (kept by the weight mask and between two kept units)
    """
    sizes = [check_int(s, "each layer size", minimum=1) for s in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least 2 layers; got {sizes}")
    keep = [np.ones(n, dtype=bool) for n in sizes]
    if unit_masks is not None:
        if len(unit_masks) != len(sizes) - 2:
            raise ValueError(f"unit_masks needs one mask per hidden layer ({len(sizes) - 2}); "
                             f"got {len(unit_masks)}")
        for layer, mask in enumerate(unit_masks, start=1):
            keep[layer] = _bool_mask(mask, (sizes[layer],), f"unit_masks[{layer - 1}]")
    if weight_masks is not None and len(weight_masks) != len(sizes) - 1:
        raise ValueError(f"weight_masks needs one mask per weight matrix ({len(sizes) - 1}); "
                         f"got {len(weight_masks)}")
    edge_masks = []
    for layer in range(len(sizes) - 1):
        shape = (sizes[layer], sizes[layer + 1])
        wmask = np.ones(shape, dtype=bool) if weight_masks is None else \
            _bool_mask(weight_masks[layer], shape, f"weight_masks[{layer}]")
        edge_masks.append(wmask & keep[layer][:, None] & keep[layer + 1][None, :])
    return sizes, keep, edge_masks


def _bool_mask(mask, shape: tuple[int, ...], name: str) -> np.ndarray:
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {mask.shape}")
    return mask


def plot_thinned_network(layer_sizes: Sequence[int], unit_masks: Sequence | None = None,
                         weight_masks: Sequence | None = None, *, ax: Axes | None = None,
                         title: str = "A thinned network") -> Axes:
    """Draw a small fully-connected network with some units or some connections removed.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, H1, ..., K]``: units per layer, input first.
    unit_masks : sequence of bool arrays, optional
        One mask of shape (H_l,) per *hidden* layer (True = kept). Dropped units are drawn
        grey with a cross, and every connection touching them disappears (dropout).
    weight_masks : sequence of bool arrays, optional
        One mask of shape (size_l, size_{l+1}) per weight matrix (True = kept). Dropped
        connections disappear while all units stay (drop-connect).
    """
    sizes, keep, edge_masks = _network_masks(layer_sizes, unit_masks, weight_masks)
    ax = new_ax(ax)
    pos = _layer_positions(sizes)
    segments = [np.stack([pos[layer][i], pos[layer + 1][j]])
                for layer, edges in enumerate(edge_masks) for i, j in zip(*np.nonzero(edges), strict=True)]
    # one collection instead of a line per edge; projecting caps as a plotted line has
    ax.add_collection(LineCollection(segments, colors=_EDGE, linewidths=0.8, zorder=1,
                                     capstyle="projecting"))
    for layer, xy in enumerate(pos):
        colors = [_KEPT if k else _DROPPED for k in keep[layer]]
        ax.scatter(xy[:, 0], xy[:, 1], s=260, c=colors, edgecolors="black", zorder=2)
        dropped = xy[~keep[layer]]
        ax.scatter(dropped[:, 0], dropped[:, 1], s=120, marker="x", color="#D55E00", zorder=3)
    names = ["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"]
    ax.set_xticks(range(len(sizes)), names)
    ax.set_yticks([])
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-max(sizes) / 2 - 0.2, max(sizes) / 2 + 0.2)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("layer")
    ax.set_title(title)
    return ax


def plot_running_mean(samples, expected: float, *, ax: Axes | None = None,
                      label: str = "running mean of sampled outputs",
                      title: str = "Averaging over masks recovers the expectation") -> Axes:
    """Running mean of ``samples`` (shape (T,)) against T, with a +/- 2 standard-error band
    around ``expected`` (the band shrinks like 1/sqrt(T))."""
    samples = as_float_array(samples, "samples", ndim=1)
    if samples.size < 2:
        raise ValueError(f"samples needs at least 2 values; got {samples.size}")
    ax = new_ax(ax)
    t = np.arange(1, samples.size + 1)
    running = np.cumsum(samples) / t
    se = samples.std(ddof=1) / np.sqrt(t)
    ax.fill_between(t, expected - 2 * se, expected + 2 * se, color="#56B4E9", alpha=0.3,
                    label="expected value +/- 2 standard errors")
    ax.plot(t, running, color="#0072B2", label=label)
    ax.axhline(expected, color="black", linestyle="--", linewidth=1, label="expected value")
    ax.set_xscale("log")
    ax.set_xlabel("number of sampled masks T")
    ax.set_ylabel("mean output")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_ensemble_accuracy(num_masks, ensemble_acc, single_pass_acc: float,
                           agreement=None, *, ax: Axes | None = None,
                           title: str = "Many thinned networks vs one scaled pass") -> Axes:
    """Accuracy of the averaged predictions of T thinned networks against T.

    Parameters
    ----------
    num_masks : array of shape (S,)
        The T values (number of thinned networks averaged).
    ensemble_acc : array of shape (S,)
        Accuracy of the average of T thinned networks' probabilities.
    single_pass_acc : float
        Accuracy of the deterministic test-time pass (no dropout, scaled weights).
    agreement : array of shape (S,), optional
        Fraction of held-out examples where the ensemble and the single pass predict the same class.
    """
    num_masks = as_float_array(num_masks, "num_masks", ndim=1)
    ensemble_acc = as_float_array(ensemble_acc, "ensemble_acc", ndim=1)
    check_same_shape(num_masks, ensemble_acc, "num_masks", "ensemble_acc")
    ax = new_ax(ax)
    ax.plot(num_masks, ensemble_acc, marker="o", label="average of T thinned networks")
    ax.axhline(single_pass_acc, color="#D55E00", linestyle="--",
               label="one pass, no dropout (inverted scaling)")
    if agreement is not None:
        agreement = as_float_array(agreement, "agreement", ndim=1)
        check_same_shape(num_masks, agreement, "num_masks", "agreement")
        ax.plot(num_masks, agreement, marker="s", color="#009E73",
                label="agreement with the single pass")
    ax.set_xscale("log")
    ax.set_xlabel("number of thinned networks averaged (T)")
    ax.set_ylabel("fraction of held-out digits")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax


def plot_keep_prob_sweep(keep_probs, train_acc, val_acc, *, axes=None,
                         title: str = "Dropout on a small training set") -> np.ndarray:
    """Left: training and held-out accuracy against the keep probability, mean and spread over
    seeds. Right: each seed's gain in held-out accuracy over the same seed without dropout.

    Parameters
    ----------
    keep_probs : array of shape (S,)
        Must contain 1.0 (no dropout), the reference of the gains.
    train_acc, val_acc : arrays of shape (S, R)
        One row per keep probability, one column per seed (the same seeds in every row).

    Returns
    -------
    axes : array of two Axes
    """
    keep_probs = as_float_array(keep_probs, "keep_probs", ndim=1)
    train_acc = as_float_array(train_acc, "train_acc", ndim=2)
    val_acc = as_float_array(val_acc, "val_acc", ndim=2)
    check_same_shape(train_acc, val_acc, "train_acc", "val_acc")
    if train_acc.shape[0] != keep_probs.size:
        raise ValueError(f"train_acc must have one row per keep probability ({keep_probs.size}); "
                         f"got shape {train_acc.shape}")
    if not np.any(keep_probs == 1.0):
        raise ValueError("keep_probs must contain 1.0 (no dropout), the reference of the gains")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_acc, ax_gain = axes
    for acc, name, marker, dash, color in ((train_acc, "training", "s", "--", _KEPT),
                                           (val_acc, "held-out", "o", "-", "#E69F00")):
        ax_acc.errorbar(keep_probs, acc.mean(axis=1), yerr=acc.std(axis=1, ddof=1) if acc.shape[1] > 1
                        else None, marker=marker, linestyle=dash, color=color, capsize=3,
                        label=f"{name} (mean +/- sd over {acc.shape[1]} seeds)")
    ax_acc.set_xlabel("keep probability p  (1 = no dropout)")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title(title)
    ax_acc.legend(loc="center")  # between training (near 1) and held-out accuracy
    gain = 100 * (val_acc - val_acc[np.flatnonzero(keep_probs == 1.0)[0]])  # (S, R) points
    seeds = gain.shape[1]
    jitter = np.linspace(-0.015, 0.015, seeds) if seeds > 1 else np.zeros(1)
    for r in range(seeds):
        ax_gain.scatter(keep_probs + jitter[r], gain[:, r], s=18, color="0.5", marker="o",
                        label="one seed" if r == 0 else None, zorder=2)
    ax_gain.errorbar(keep_probs, gain.mean(axis=1), yerr=gain.std(axis=1, ddof=1) if seeds > 1
                     else None, color="#D55E00", marker="D", linestyle="none", capsize=4,
                     label="mean +/- sd", zorder=3)
    ax_gain.axhline(0.0, color="black", linewidth=1)
    top = max(1.0, float(np.abs(gain).max()) * 1.15)
    ax_gain.set_ylim(-top, top)
    ax_gain.set_xlabel("keep probability p")
    ax_gain.set_ylabel("held-out accuracy gain (points)")
    ax_gain.set_title("Gain over the same seed without dropout")
    ax_gain.legend(loc="lower left")
    return np.asarray(axes)


def plot_heldout_by_epoch(epochs, curves, *, ax: Axes | None = None,
                          title: str = "Held-out accuracy during training",
                          ylabel: str = "held-out accuracy", zero_line: bool = False) -> Axes:
    """A quantity measured during training (held-out accuracy, or a gain in points) against the
    epoch: mean over seeds with a band of one standard deviation.

    Parameters
    ----------
    epochs : array of shape (E,)
        The epochs at which it was measured.
    curves : dict of label -> array of shape (R, E)
        One row per seed.
    zero_line : bool
        Draw y = 0 (for a gain, so it is read against no gain).
    """
    epochs = as_float_array(epochs, "epochs", ndim=1)
    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict of label -> (seeds, epochs) array")
    ax = new_ax(ax)
    styles = (("o", "-", "#E69F00"), ("s", "--", "0.3"), ("^", ":", _KEPT))
    for (label, curve), (marker, dash, color) in zip(curves.items(), styles, strict=False):
        curve = as_float_array(curve, f"curves[{label!r}]", ndim=2)
        if curve.shape[1] != epochs.size:
            raise ValueError(f"curves[{label!r}] must have shape (seeds, {epochs.size}); got {curve.shape}")
        mean, sd = curve.mean(axis=0), curve.std(axis=0, ddof=1) if curve.shape[0] > 1 else 0.0
        ax.fill_between(epochs, mean - sd, mean + sd, color=color, alpha=0.2)
        ax.plot(epochs, mean, marker=marker, linestyle=dash, color=color,
                label=f"{label} (mean +/- sd over {curve.shape[0]} seeds)")
    if zero_line:
        ax.axhline(0.0, color="black", linewidth=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return ax
