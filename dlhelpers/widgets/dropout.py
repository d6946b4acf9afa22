"""Keep-probability explorer (lesson 12): dropout acting on the hidden units of a trained network.

One slider sets the keep probability p, another the mask's seed. For one digit the picture
shows

1. the digit the network sees;
2. the hidden units of the network's last hidden layer for that digit: the full network's
   activations (outlined) and, after inverted dropout, the kept units scaled by 1/p (filled)
   and the dropped ones (crosses at zero);
3. the class probabilities of the full network (what test time uses), of this one thinned
   network, and of the average of 50 thinned networks;
4. when the lesson passes its measured sweep, training and held-out accuracy against p (mean
   and spread over seeds, on a fixed axis) with the current p marked.

Readouts give the fraction of hidden units kept, the predicted class of the full and of the
thinned network, and the probability each gives the true class.

``keep_prob_explorer()`` returns the widget; ``dropout_figure(...)`` draws the same picture
without widgets (the lesson's static view). Without a model, a default one is trained on the
digits (64 inputs, 128 hidden units, trained with p = 0.5; about half a second, once).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlhelpers import nn
from dlhelpers._checks import as_float_array, check_in_range, check_int, check_same_shape
from dlhelpers.plots._figure import standalone_figure
from dlhelpers.widgets._display import SEED_MAX, Explorer, check_slider_seed

__all__ = ["dropout_figure", "keep_prob_explorer", "KeepProbExplorer", "default_model"]

SHOWN_UNITS = 40
AVERAGED_MASKS = 50
_FULL, _KEPT, _DROPPED, _AVERAGE = "0.35", "#0072B2", "#D55E00", "#E69F00"
_DEFAULT: dict = {}


def default_model():
    """A network trained on the standardized digits, and one validation digit.

    Returns
    -------
    model : dlhelpers.models.MLP with layer sizes [64, 128, 10], trained with keep_prob 0.5
    x : ndarray, shape (64,), a standardized validation digit
    label : int, its class
    image : ndarray, shape (8, 8), the same digit's raw pixels
    """
    if not _DEFAULT:
        from dlhelpers.data import Standardizer, load_digits, train_val_test_split
        from dlhelpers.models import MLP
        from dlhelpers.train import train

        X, y = load_digits()
        X_tr, y_tr, X_va, y_va, _, _ = train_val_test_split(X, y, val=0.3, test=0.2, seed=0)
        scaler = Standardizer().fit(X_tr)
        model = MLP([64, 128, 10], keep_prob=0.5, seed=0)
        train(model, scaler.transform(X_tr), y_tr, optimizer="adam", lr=3e-3, epochs=10,
              batch_size=50, seed=0, progress=False, record_steps=False, eval_train=False)
        _DEFAULT.update(model=model, x=scaler.transform(X_va[:1])[0], label=int(y_va[0]),
                        image=X_va[0].reshape(8, 8))
    d = _DEFAULT
    return d["model"], d["x"].copy(), d["label"], d["image"].copy()


def _check_sweep(sweep):
    if sweep is None:
        return None
    if not isinstance(sweep, dict) or set(sweep) != {"keep_probs", "train_acc", "val_acc"}:
        raise ValueError("sweep must be a dict with keys 'keep_probs', 'train_acc', 'val_acc'")
    keep_probs = as_float_array(sweep["keep_probs"], "sweep['keep_probs']", ndim=1)
    arrays = {k: as_float_array(sweep[k], f"sweep[{k!r}]") for k in ("train_acc", "val_acc")}
    for k, a in arrays.items():
        if a.ndim == 1:
            arrays[k] = a[:, None]  # one seed
        if arrays[k].ndim != 2 or arrays[k].shape[0] != keep_probs.size:
            raise ValueError(f"sweep[{k!r}] must have shape ({keep_probs.size}, seeds); got {a.shape}")
    check_same_shape(arrays["train_acc"], arrays["val_acc"], "sweep['train_acc']", "sweep['val_acc']")
    return {"keep_probs": keep_probs, **arrays}


def _check_model(model, x, label, image):
    if model is None:
        model, x0, label0, image0 = default_model()
        x = x0 if x is None else x
        label = label0 if label is None else label
        image = image0 if image is None and x is x0 else image
    if not hasattr(model, "forward_activations") or getattr(model, "num_layers", 1) < 2:
        raise TypeError("model must be a dlhelpers.models.MLP with at least one hidden layer")
    if x is None:
        raise ValueError("give the digit x (shape (D,)) that goes with your model")
    x = as_float_array(x, "x", ndim=1)
    if x.shape != (model.layer_sizes[0],):
        raise ValueError(f"x must have shape ({model.layer_sizes[0]},); got {x.shape}")
    if label is not None:
        label = check_int(label, "label", minimum=0)
    if image is not None:
        image = as_float_array(image, "image", ndim=2)
    return model, x, label, image


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def dropout_figure(keep_prob: float = 0.5, seed: int = 0, *, model=None, x=None, label=None,
                   image=None, sweep=None):
    """Draw the explorer's picture for one keep probability and one mask seed.

    Parameters
    ----------
    keep_prob : float in (0, 1]
    seed : int >= 0
        Seeds the masks (the first is the one drawn; the average uses 50 more).
    model : dlhelpers.models.MLP, optional
        A trained network; dropout is applied to its last hidden layer. Defaults to
        :func:`default_model`.
    x : array of shape (D,), optional
        The input (as the model sees it). Required with your own model.
    label : int, optional
        Its true class (for the readout's probabilities).
    image : array of shape (H, W), optional
        What to draw as the input; defaults to ``x`` reshaped to a square.
    sweep : dict, optional
        ``{"keep_probs": (S,), "train_acc": (S, R), "val_acc": (S, R)}`` from a measured
        sweep over R seeds; adds a panel with accuracy against p and the current p marked.

    Returns
    -------
    fig : matplotlib Figure
    readout : dict with "keep_prob", "kept_fraction" (of the hidden units), "pred_full",
        "pred_thinned" and, with a label, "p_true_full", "p_true_thinned", "p_true_average"
    """
    keep_prob = check_in_range(keep_prob, "keep_prob", 0.0, 1.0, lo_open=True)
    seed = check_int(seed, "seed", minimum=0)
    model, x, label, image = _check_model(model, x, label, image)
    sweep = _check_sweep(sweep)
    last = model.num_layers
    W, b = model.params[f"W{last}"], model.params[f"b{last}"]
    hidden = model.forward_activations(x[None, :])[-1][0]                  # (M,)
    rng = np.random.default_rng(seed)
    thinned, cache = nn.dropout_forward(hidden[None, :], keep_prob, rng=rng)
    kept = np.ones(hidden.size, dtype=bool) if cache is None else cache[0] > 0
    many = nn.dropout_forward(np.repeat(hidden[None, :], AVERAGED_MASKS, axis=0), keep_prob, rng=rng)[0]
    p_full = _softmax(hidden @ W + b)
    p_thin = _softmax(thinned[0] @ W + b)
    p_avg = _softmax(many @ W + b).mean(axis=0)
    readout = {"keep_prob": keep_prob, "kept_fraction": float(kept.mean()),
               "pred_full": int(p_full.argmax()), "pred_thinned": int(p_thin.argmax())}
    if label is not None:
        readout.update(p_true_full=float(p_full[label]), p_true_thinned=float(p_thin[label]),
                       p_true_average=float(p_avg[label]))

    panels = 4 if sweep is not None else 3
    fig = standalone_figure((3.5 * panels + 0.6, 3.7))
    axes = fig.subplots(1, panels, width_ratios=[0.7, 1.5, 1.1] + [1.1] * (panels - 3))
    _draw_input(axes[0], x if image is None else image, label)
    _draw_hidden(axes[1], hidden, thinned[0], kept, keep_prob)
    _draw_probs(axes[2], p_full, p_thin, p_avg, label)
    if sweep is not None:
        _draw_sweep(axes[3], sweep, keep_prob)
    return fig, readout


def _draw_input(ax, picture: np.ndarray, label) -> None:
    side = int(round(np.sqrt(picture.size)))
    if picture.ndim == 1 and side * side == picture.size:
        picture = picture.reshape(side, side)
    elif picture.ndim == 1:
        picture = picture[None, :]
    ax.imshow(picture, cmap="gray_r")
    ax.set_title("the input" + ("" if label is None else f" (a {label})"), fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _draw_hidden(ax, hidden, thinned, kept, keep_prob) -> None:
    n = min(SHOWN_UNITS, hidden.size)
    units = np.arange(n)
    ax.bar(units, thinned[:n], width=0.8, color=_KEPT, label=f"kept unit x 1/p (= x {1 / keep_prob:.2g})")
    ax.bar(units, hidden[:n], width=0.8, fill=False, edgecolor=_FULL, linewidth=1,
           label="full network (test time)")
    dropped = units[~kept[:n]]
    ax.scatter(dropped, np.zeros(dropped.size), marker="x", color=_DROPPED, s=25, zorder=3,
               label="dropped unit")
    # The same axis for every p >= 0.5 (kept units up to twice their size); only a smaller p,
    # whose kept units grow beyond that, widens it.
    top = max(2.0 * float(hidden[:n].max()), float(thinned[:n].max()), 1e-6) * 1.3
    ax.set_ylim(-0.04 * top, top)
    ax.set_xlabel(f"hidden unit (first {n} of {hidden.size})")
    ax.set_ylabel("activation")
    ax.set_title(f"p = {keep_prob:.2f}: {int(kept.sum())} of {kept.size} hidden units kept",
                 fontsize=10)
    ax.legend(loc="upper right")


def _draw_probs(ax, p_full, p_thin, p_avg, label) -> None:
    classes = np.arange(p_full.size)
    ax.bar(classes - 0.2, p_full, width=0.4, color=_FULL, label="full network")
    ax.bar(classes + 0.2, p_thin, width=0.4, color=_KEPT, hatch="//", edgecolor="white",
           label="this thinned network")
    ax.scatter(classes, p_avg, marker="D", color=_AVERAGE, edgecolors="black", zorder=3,
               label=f"average of {AVERAGED_MASKS} thinned")
    ax.set_ylim(0, 1.15)
    ax.set_xticks(classes)
    ax.set_xlabel("class" + ("" if label is None else f" (true: {label})"))
    ax.set_ylabel("probability")
    ax.set_title("What the network predicts", fontsize=10)
    ax.legend(loc="upper left")


def _draw_sweep(ax, sweep, keep_prob) -> None:
    kp = sweep["keep_probs"]
    for key, name, marker, dash, color in (("train_acc", "training", "s", "--", _KEPT),
                                           ("val_acc", "held-out", "o", "-", _AVERAGE)):
        acc = sweep[key]
        spread = acc.std(axis=1, ddof=1) if acc.shape[1] > 1 else None
        ax.errorbar(kp, acc.mean(axis=1), yerr=spread, marker=marker, linestyle=dash,
                    color=color, capsize=3, label=name)
    ax.axvline(keep_prob, color="black", linestyle=":", label=f"p = {keep_prob:.2f}")
    ax.set_ylim(0.8, 1.01)  # fixed: the axis never zooms in on a small difference
    ax.set_xlabel("keep probability p")
    ax.set_ylabel("accuracy (mean +/- sd)")
    ax.set_title("Measured in the lesson", fontsize=10)
    ax.legend(loc="lower right")


class KeepProbExplorer(Explorer):
    """The widget: ``.controls`` (dict of sliders), ``.output`` (the figure's Output),
    ``.figure`` (the last Figure drawn) and ``.readout`` (its numbers)."""

    def __init__(self, keep_prob: float, seed: int, model, x, label, image, sweep) -> None:
        self.model, self.x, self.label, self.image, self.sweep = model, x, label, image, sweep
        controls = {
            "keep_prob": widgets.FloatSlider(value=keep_prob, min=0.05, max=1.0, step=0.05,
                                             description="keep prob p", continuous_update=False),
            "seed": widgets.IntSlider(value=seed, min=0, max=SEED_MAX, description="mask seed",
                                      continuous_update=False),
        }
        super().__init__(controls, self._figure)

    def _figure(self, keep_prob: float, seed: int):
        return dropout_figure(keep_prob, seed, model=self.model, x=self.x, label=self.label,
                              image=self.image, sweep=self.sweep)


def keep_prob_explorer(keep_prob: float = 0.5, seed: int = 0, *, model=None, x=None, label=None,
                       image=None, sweep=None) -> KeepProbExplorer:
    """Build the keep-probability explorer (see the module docstring).

    Parameters
    ----------
    keep_prob : float in [0.05, 1]
    seed : int in [0, 20]
    model, x, label, image, sweep
        As in :func:`dropout_figure`.
    """
    keep_prob = check_in_range(keep_prob, "keep_prob", 0.05, 1.0)
    seed = check_slider_seed(seed)
    sweep = _check_sweep(sweep)  # before training a default model: fail fast
    model, x, label, image = _check_model(model, x, label, image)
    return KeepProbExplorer(keep_prob, seed, model, x, label, image, sweep)
