"""Keep-probability explorer (lesson 12).

One slider sets the keep probability p, another the mask's seed. The picture shows an image
before and after inverted dropout (kept pixels scaled by 1/p, dropped ones zero), a small network with
the same p applied to its hidden units, and, when the lesson passes its measured sweep, the
training/validation gap with the current p marked. Readouts give the fraction of pixels
kept and the mean brightness after dropout relative to before (close to 1 for any p: that
is what the 1/p scaling is for).

``keep_prob_explorer()`` returns the widget; ``dropout_figure(...)`` draws the same picture
without widgets (the lesson's static view).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlhelpers import nn
from dlhelpers._checks import as_float_array, check_in_range, check_int, check_same_shape
from dlhelpers.plots.dropout import plot_thinned_network
from dlhelpers.plots.optimizers import standalone_figure
from dlhelpers.widgets._display import show_figure

__all__ = ["dropout_figure", "keep_prob_explorer", "KeepProbExplorer"]

_NETWORK = (4, 6, 6, 3)


def _default_image() -> np.ndarray:
    """The first 0 of scikit-learn's digits, shape (8, 8), values 0..16."""
    from dlhelpers.data import load_digits

    X, _ = load_digits(images=True)
    return X[0]


def _check_sweep(sweep):
    if sweep is None:
        return None
    if not isinstance(sweep, dict) or set(sweep) != {"keep_probs", "train_acc", "val_acc"}:
        raise ValueError("sweep must be a dict with keys 'keep_probs', 'train_acc', 'val_acc'")
    arrays = {k: as_float_array(v, f"sweep[{k!r}]", ndim=1) for k, v in sweep.items()}
    check_same_shape(arrays["keep_probs"], arrays["train_acc"], "sweep['keep_probs']",
                     "sweep['train_acc']")
    check_same_shape(arrays["keep_probs"], arrays["val_acc"], "sweep['keep_probs']",
                     "sweep['val_acc']")
    return arrays


def dropout_figure(keep_prob: float = 0.5, seed: int = 0, *, image=None, sweep=None):
    """Draw the explorer's picture for one keep probability and one mask seed.

    Parameters
    ----------
    keep_prob : float in (0, 1]
    seed : int >= 0
        Seeds the image mask and the network's unit masks.
    image : array of shape (H, W), optional
        Defaults to an 8x8 digit.
    sweep : dict, optional
        ``{"keep_probs": (S,), "train_acc": (S,), "val_acc": (S,)}`` from a measured sweep;
        adds a third panel with the gap and the current p marked.

    Returns
    -------
    fig : matplotlib Figure
    readout : dict with "keep_prob", "kept_fraction" (of the image's pixels) and
        "mean_ratio" (mean pixel after dropout / mean pixel before)
    """
    keep_prob = check_in_range(keep_prob, "keep_prob", 0.0, 1.0, lo_open=True)
    seed = check_int(seed, "seed", minimum=0)
    image = _default_image() if image is None else as_float_array(image, "image", ndim=2)
    sweep = _check_sweep(sweep)
    rng = np.random.default_rng(seed)
    dropped, cache = nn.dropout_forward(image, keep_prob, train=True, rng=rng)
    kept = np.ones(image.shape, dtype=bool) if cache is None else cache > 0
    readout = {"keep_prob": keep_prob, "kept_fraction": float(kept.mean()),
               "mean_ratio": float(dropped.mean() / image.mean()) if image.mean() else float("nan")}
    unit_masks = [rng.random(n) < keep_prob for n in _NETWORK[1:-1]]
    panels = 4 if sweep is not None else 3
    fig = standalone_figure((3.4 * panels, 3.6))
    axes = fig.subplots(1, panels, width_ratios=[0.8, 1.0] + [1.2] * (panels - 2))
    vmax = image.max() / keep_prob
    for ax, picture, name in ((axes[0], image, "original"),
                              (axes[1], dropped, f"inverted dropout, p = {keep_prob:.2f}\n"
                                                 f"{kept.sum()} of {kept.size} pixels kept")):
        shown = ax.imshow(picture, cmap="gray_r", vmin=0, vmax=vmax)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    fig.colorbar(shown, ax=axes[1], label="pixel value (kept ones x 1/p)")
    plot_thinned_network(_NETWORK, unit_masks, ax=axes[2],
                         title=f"hidden units kept: {sum(int(m.sum()) for m in unit_masks)} "
                               f"of {sum(_NETWORK[1:-1])}")
    if sweep is not None:
        ax = axes[3]
        gap = sweep["train_acc"] - sweep["val_acc"]
        ax.plot(sweep["keep_probs"], gap, marker="o", color="#CC79A7", label="measured gap")
        ax.axvline(keep_prob, color="black", linestyle=":", label=f"p = {keep_prob:.2f}")
        ax.set_xlabel("keep probability p")
        ax.set_ylabel("train - validation accuracy")
        ax.set_title("Measured gap (lesson sweep)")
        ax.legend(loc="best", fontsize=8)
    return fig, readout


class KeepProbExplorer(widgets.VBox):
    """The widget: ``.controls`` (dict of sliders), ``.output`` (the figure's Output),
    ``.figure`` (the last Figure drawn) and ``.readout`` (its numbers)."""

    def __init__(self, keep_prob: float, seed: int, image, sweep) -> None:
        self.image, self.sweep = image, sweep
        self.controls = {
            "keep_prob": widgets.FloatSlider(value=keep_prob, min=0.05, max=1.0, step=0.05,
                                             description="keep prob p", continuous_update=False),
            "seed": widgets.IntSlider(value=seed, min=0, max=20, description="mask seed",
                                      continuous_update=False),
        }
        self.output = widgets.Output()
        self.figure = None
        self.readout: dict = {}
        super().__init__([widgets.HBox(list(self.controls.values())), self.output])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    def _on_change(self, _change) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw a fresh mask with the controls' current values."""
        c = self.controls
        self.figure, self.readout = dropout_figure(c["keep_prob"].value, c["seed"].value,
                                                   image=self.image, sweep=self.sweep)
        show_figure(self.output, self.figure)


def keep_prob_explorer(keep_prob: float = 0.5, seed: int = 0, *, image=None,
                       sweep=None) -> KeepProbExplorer:
    """Build the keep-probability explorer (see the module docstring).

    Parameters
    ----------
    keep_prob : float in [0.05, 1]
    seed : int in [0, 20]
    image : array of shape (H, W), optional
    sweep : dict of three arrays of shape (S,), optional (see :func:`dropout_figure`)
    """
    keep_prob = check_in_range(keep_prob, "keep_prob", 0.05, 1.0)
    seed = check_int(seed, "seed", minimum=0)
    if seed > 20:
        raise ValueError(f"seed must be between 0 and 20 (the slider's range); got {seed}")
    sweep = _check_sweep(sweep)  # before loading the default image: fail fast
    image = _default_image() if image is None else as_float_array(image, "image", ndim=2)
    return KeepProbExplorer(keep_prob, seed, image, sweep)
