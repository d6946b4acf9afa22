"""Interactive demos for lessons 04 and 05: the step size on quadratics, and batch size / lr.

The two small numerical helpers (``gd_on_quadratic``, ``train_logistic``) are public so that a
lesson can draw the widget's default view as a static figure with exactly the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from dlhelpers._checks import (
    as_float_array,
    as_labels,
    check_int,
    check_positive,
)
from dlhelpers.plots.descent import plot_contour_paths, plot_loss_curves, plot_path_1d
from dlhelpers.widgets._display import Explorer

# Iterates beyond this size are treated as diverged and no longer updated (avoids overflow).
_BLOW_UP = 1e6


def gd_on_quadratic(hessian, start, lr: float, steps: int) -> np.ndarray:
    """Plain gradient descent on ``f(w) = 0.5 * w @ H @ w`` (minimum at the origin).

    Parameters
    ----------
    hessian : array-like, shape (D, D), symmetric
    start : array-like, shape (D,)
    lr : float > 0
    steps : int >= 0

    Returns
    -------
    path : ndarray, shape (steps + 1, D)
        ``path[0] = start``; once an iterate exceeds 1e6 in size the rest are NaN (diverged).
    """
    h = as_float_array(hessian, "hessian", ndim=2)
    w = as_float_array(start, "start", ndim=1).astype(np.float64)
    if h.shape != (w.shape[0], w.shape[0]):
        raise ValueError(f"hessian must have shape ({w.shape[0]}, {w.shape[0]}) to match start; "
                         f"got {h.shape}")
    if not np.allclose(h, h.T):
        raise ValueError("hessian must be symmetric")
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps", minimum=0)
    path = np.full((steps + 1, w.shape[0]), np.nan)
    path[0] = w
    for t in range(steps):
        w = w - lr * (h @ w)
        if np.max(np.abs(w)) > _BLOW_UP:
            break
        path[t + 1] = w
    return path


def quadratic_value(hessian, w) -> np.ndarray:
    """``0.5 * w @ H @ w`` for one point, shape (D,), or many, shape (..., D) -> (...)."""
    h = as_float_array(hessian, "hessian", ndim=2)
    p = as_float_array(w, "w", allow_nan=True)
    if p.ndim == 0 or p.shape[-1] != h.shape[0]:
        raise ValueError(f"w must have shape (..., {h.shape[0]}) to match the hessian; got {p.shape}")
    return 0.5 * np.einsum("...i,ij,...j->...", p, h, p)


def step_size_explorer(curvature: float = 1.0, hessian_diag: Sequence[float] = (1.0, 10.0),
                       start_1d: float = 2.5, start_2d: Sequence[float] = (-2.5, 1.0),
                       lr: float = 0.15, steps: int = 20) -> widgets.VBox:
    """Build the step-size demo on ``f(x) = a x^2 / 2`` and ``f(w) = w @ diag(h) @ w / 2``.

    Parameters
    ----------
    curvature : float > 0
        ``a``, the second derivative of the 1-D quadratic.
    hessian_diag : two floats > 0
        Curvatures of the 2-D quadratic along its axes.
    start_1d, start_2d : starting points.
    lr, steps : initial slider values.

    Returns
    -------
    ipywidgets.VBox
        Attributes: ``lr`` (FloatLogSlider), ``steps`` (IntSlider), ``readout`` (dict with
        ``final_1d``, ``final_2d`` (loss after the last step, NaN when diverged),
        ``diverged_1d``, ``diverged_2d``, ``lr_limit_1d`` and ``lr_limit_2d`` (= 2 / largest
        curvature: above it descent diverges)) and ``figure``.
    """
    a = check_positive(curvature, "curvature")
    diag = as_float_array(hessian_diag, "hessian_diag", ndim=1)
    if diag.shape != (2,) or np.any(diag <= 0):
        raise ValueError(f"hessian_diag must be two positive curvatures; got {diag}")
    h1, h2 = np.array([[a]]), np.diag(diag)
    x0, w0 = np.array([float(start_1d)]), as_float_array(start_2d, "start_2d", ndim=1)
    lr_slider = widgets.FloatLogSlider(value=check_positive(lr, "lr"), base=10, min=-3, max=0.5,
                                       step=0.05, description="step size",
                                       continuous_update=False, readout_format=".3f")
    steps_slider = widgets.IntSlider(value=check_int(steps, "steps", minimum=1), min=1, max=60,
                                     description="steps", continuous_update=False)

    def figure(lr: float, steps: int):
        p1 = gd_on_quadratic(h1, x0, lr, steps)
        p2 = gd_on_quadratic(h2, w0, lr, steps)
        readout = {
            "final_1d": float(quadratic_value(h1, p1[-1])),
            "final_2d": float(quadratic_value(h2, p2[-1])),
            "diverged_1d": bool(np.isnan(p1[-1]).any() or abs(1 - lr * a) > 1),
            "diverged_2d": bool(np.isnan(p2[-1]).any() or np.any(np.abs(1 - lr * diag) > 1)),
            "lr_limit_1d": 2.0 / a,
            "lr_limit_2d": 2.0 / float(diag.max()),
        }
        return draw_step_size_view(a, diag, p1[:, 0], p2, lr), readout

    def caption(r: dict, lr: float, steps: int) -> str:
        return (f"1-D: loss after {steps} steps = {r['final_1d']:.3g} "
                f"(diverges above step {r['lr_limit_1d']:.3g}) &nbsp;|&nbsp; "
                f"2-D: loss = {r['final_2d']:.3g} (diverges above {r['lr_limit_2d']:.3g})")

    box = Explorer({"lr": lr_slider, "steps": steps_slider}, figure, caption_fn=caption, tight=True)
    box.lr, box.steps = lr_slider, steps_slider
    return box


def draw_step_size_view(curvature: float, hessian_diag, path_1d, path_2d, lr: float):
    """The two-panel picture of the step-size demo (1-D path, 2-D path). Returns the Figure."""
    diag = as_float_array(hessian_diag, "hessian_diag", ndim=1)
    h2 = np.diag(diag)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    plot_path_1d(lambda x: 0.5 * curvature * x ** 2, path_1d, xlim=(-3, 3), ax=ax1,
                 title=f"1-D quadratic, step size {lr:.3g}")
    plot_contour_paths(lambda w: quadratic_value(h2, w), {f"step {lr:.3g}": path_2d},
                       xlim=(-3, 3), ylim=(-3, 3), ax=ax2,
                       title=f"2-D quadratic (curvatures {diag[0]:g}, {diag[1]:g})",
                       mark={"minimum": (0.0, 0.0)})
    return fig


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # split by sign so exp never overflows
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def logistic_loss(w, X, y) -> float:
    """Mean binary cross-entropy of ``sigmoid(X @ w[:-1] + w[-1])`` against 0/1 labels.

    Parameters
    ----------
    w : array-like, shape (D + 1,)   (weights, then the bias)
    X : array-like, shape (N, D)
    y : array-like, shape (N,), values 0 or 1
    """
    w = as_float_array(w, "w", ndim=1)
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0], num_classes=2)
    if w.shape[0] != X.shape[1] + 1:
        raise ValueError(f"w must have shape ({X.shape[1] + 1},) (weights then bias); got {w.shape}")
    z = X @ w[:-1] + w[-1]
    # log(1 + e^{-z}) for y = 1 and log(1 + e^{z}) for y = 0, both computed stably
    return float(np.mean(np.logaddexp(0.0, np.where(y == 1, -z, z))))


def train_logistic(X, y, lr: float, epochs: int, batch_size: int, seed: int = 0,
                   w0=None) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch gradient descent on logistic regression, reshuffling every epoch.

    ``batch_size >= N`` is full-batch gradient descent (one step per epoch).

    Parameters
    ----------
    X : array-like, shape (N, D)
    y : array-like, shape (N,), values 0 or 1
    lr : float > 0
    epochs : int >= 1
    batch_size : int >= 1
    seed : int, seeds the shuffling
    w0 : array-like, shape (D + 1,), optional (zeros by default)

    Returns
    -------
    w : ndarray, shape (D + 1,)
    losses : ndarray, shape (epochs,)
        Mean loss over the whole training set after each epoch.
    """
    X = as_float_array(X, "X", ndim=2).astype(np.float64)
    n, d = X.shape
    y = as_labels(y, "y", n=n, num_classes=2)
    lr = check_positive(lr, "lr")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    w = np.zeros(d + 1) if w0 is None else as_float_array(w0, "w0", ndim=1).astype(np.float64)
    if w.shape != (d + 1,):
        raise ValueError(f"w0 must have shape ({d + 1},); got {w.shape}")
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            err = _sigmoid(X[idx] @ w[:-1] + w[-1]) - y[idx]
            w[:-1] -= lr * X[idx].T @ err / idx.size
            w[-1] -= lr * err.mean()
        losses[epoch] = logistic_loss(w, X, y)
    return w, losses


def batch_size_explorer(X, y, batch_sizes: Sequence[int] = (1, 8, 32, 128),
                        lr: float = 0.1, epochs: int = 30, seed: int = 0) -> widgets.VBox:
    """Build the batch-size / learning-rate demo on a 2-class logistic regression.

    The figure shows the training loss per epoch for the chosen batch size next to full-batch
    gradient descent with the same step size and the same number of epochs.

    Parameters
    ----------
    X : array-like, shape (N, D);  y : array-like, shape (N,), values 0/1
    batch_sizes : the choices offered (each >= 1; values >= N mean full batch)
    lr, epochs : initial values of the sliders
    seed : shuffling seed

    Returns
    -------
    ipywidgets.VBox
        Attributes: ``batch_size`` (Dropdown), ``lr`` (FloatLogSlider), ``epochs``
        (IntSlider), ``readout`` (dict: ``final_loss``, ``final_loss_full_batch``,
        ``steps_per_epoch``), ``figure``.
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0], num_classes=2)
    sizes = [check_int(b, "batch size", minimum=1) for b in batch_sizes]
    if not sizes:
        raise ValueError("batch_sizes must offer at least one size")
    n = X.shape[0]
    pick = widgets.Dropdown(options=sizes, value=32 if 32 in sizes else sizes[0],
                            description="batch size")
    lr_slider = widgets.FloatLogSlider(value=check_positive(lr, "lr"), base=10, min=-3, max=1,
                                       step=0.1, description="step size",
                                       continuous_update=False, readout_format=".3f")
    ep_slider = widgets.IntSlider(value=check_int(epochs, "epochs", minimum=1), min=1, max=100,
                                  description="epochs", continuous_update=False)

    def figure(batch_size: int, lr: float, epochs: int):
        _, mini = train_logistic(X, y, lr, epochs, batch_size, seed)
        _, full = train_logistic(X, y, lr, epochs, n, seed)
        readout = {"final_loss": float(mini[-1]), "final_loss_full_batch": float(full[-1]),
                   "steps_per_epoch": -(-n // batch_size)}
        fig, ax = plt.subplots(figsize=(7, 4))
        plot_loss_curves({f"mini-batch ({batch_size})": mini, f"full batch ({n})": full},
                         ax=ax, title=f"Training loss, step size {lr:.3g}")
        return fig, readout

    def caption(r: dict, batch_size: int, lr: float, epochs: int) -> str:
        return (f"batch {batch_size}: {r['steps_per_epoch']} steps per epoch, "
                f"final loss {r['final_loss']:.4f} &nbsp;|&nbsp; full batch: 1 step per epoch, "
                f"final loss {r['final_loss_full_batch']:.4f}")

    box = Explorer({"batch_size": pick, "lr": lr_slider, "epochs": ep_slider}, figure,
                   caption_fn=caption, tight=True)
    box.batch_size, box.lr, box.epochs = pick, lr_slider, ep_slider
    return box


# ------------------------------------------------- lesson 05: a fair SGD vs full-batch race
def make_logistic_teacher(n: int, d: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Samples from a fixed logistic "teacher": a large, redundant, not separable data set.

    Features are Gaussian with scales from 1 down to 0.1 (so the loss is a ravine with a
    condition number near 100, like unscaled real features); labels are drawn with
    probability ``sigmoid(x @ w_teacher)``, so the best model still errs and the loss has a
    finite minimum. Calls with the same ``d`` and ``seed`` share the teacher, so a larger
    ``n`` is more of the same kind of examples: redundancy.

    Parameters
    ----------
    n : int >= 1;  d : int >= 1;  seed : int

    Returns
    -------
    X : ndarray, shape (n, d);  y : ndarray of int, shape (n,), values 0/1
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    scales = np.geomspace(1.0, 0.1, d)
    teacher = np.random.default_rng(seed).normal(size=d) * 1.5 / (scales * np.sqrt(d))
    rng = np.random.default_rng([seed, n])
    X = rng.normal(size=(n, d)) * scales
    y = (rng.random(n) < _sigmoid(X @ teacher)).astype(np.int64)
    return X, y


def _mean_logistic_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    z = X @ w
    return float(np.mean(np.logaddexp(0.0, np.where(y == 1, -z, z))))


def logistic_minimum(X, y, iterations: int = 30) -> tuple[np.ndarray, float]:
    """The best weights of logistic regression without bias, by Newton's method.

    Parameters
    ----------
    X : array-like, shape (N, D);  y : array-like, shape (N,), values 0/1
    iterations : Newton steps (30 reach machine precision on non-separable data)

    Returns
    -------
    w : ndarray, shape (D,);  loss : float, the minimum mean cross-entropy
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0], num_classes=2).astype(np.float64)
    w = np.zeros(X.shape[1])
    for _ in range(check_int(iterations, "iterations", minimum=1)):
        p = _sigmoid(X @ w)
        hess = (X * (p * (1 - p))[:, None]).T @ X / len(y)
        w -= np.linalg.solve(hess + 1e-12 * np.eye(len(w)), X.T @ (p - y) / len(y))
    return w, _mean_logistic_loss(w, X, y)


def logistic_race(X, y, lr: float, batch_size: int, examples: int, seed: int = 0,
                  records: int = 25) -> np.ndarray:
    """Mini-batch (or full-batch) gradient descent on logistic regression, on a budget of work.

    Runs until ``examples`` examples have been processed (a full-batch step processes N),
    reshuffling every epoch, and records the mean training loss at about ``records`` points
    spaced evenly on a log scale of work. The clock counts only the update steps, not the
    recording.

    Parameters
    ----------
    X : array-like, shape (N, D);  y : array-like, shape (N,), values 0/1
    lr : float > 0
    batch_size : int >= 1 (>= N means full batch)
    examples : int >= 1, the budget of examples processed
    seed : int, seeds the shuffling

    Returns
    -------
    ndarray, shape (R, 3)
        Columns: examples processed so far, seconds spent stepping so far, training loss.
    """
    import time

    X = as_float_array(X, "X", ndim=2).astype(np.float64)
    n = X.shape[0]
    y = as_labels(y, "y", n=n, num_classes=2).astype(np.float64)
    lr = check_positive(lr, "lr")
    b = min(check_int(batch_size, "batch_size", minimum=1), n)
    steps = -(-check_int(examples, "examples", minimum=1) // b)
    at = set(np.unique(np.geomspace(1, steps, check_int(records, "records", minimum=1)).astype(int)))
    rng, w, rows, clock, step = np.random.default_rng(seed), np.zeros(X.shape[1]), [], 0.0, 0
    while step < steps:
        order = rng.permutation(n) if b < n else None
        for start in range(0, n, b):
            tic = time.perf_counter()
            Xb, yb = (X, y) if order is None else (X[order[start:start + b]], y[order[start:start + b]])
            w -= lr * Xb.T @ (_sigmoid(Xb @ w) - yb) / len(yb)
            clock += time.perf_counter() - tic
            step += 1
            if step in at:
                rows.append((step * b, clock, _mean_logistic_loss(w, X, y)))
            if step == steps:
                break
    return np.array(rows)


def seconds_per_step(X, y, batch_size: int, steps: int = 20, repeats: int = 7, seed: int = 0) -> float:
    """Time of one logistic-regression update on ``batch_size`` examples, robust to a busy machine.

    Runs ``repeats`` short bursts of ``steps`` updates (the same work as in
    :func:`logistic_race`) and returns the fastest burst's time per step: other programs on a
    shared machine can only slow a burst down, so the minimum is the least disturbed estimate.

    Returns
    -------
    float, seconds per update step
    """
    import time

    X = as_float_array(X, "X", ndim=2).astype(np.float64)
    n = X.shape[0]
    y = as_labels(y, "y", n=n, num_classes=2).astype(np.float64)
    b = min(check_int(batch_size, "batch_size", minimum=1), n)
    steps = check_int(steps, "steps", minimum=1)
    rng, w, best = np.random.default_rng(seed), np.zeros(X.shape[1]), np.inf
    for _ in range(check_int(repeats, "repeats", minimum=1)):
        picks = [rng.choice(n, b, replace=False) for _ in range(steps)] if b < n else [None] * steps
        tic = time.perf_counter()
        for idx in picks:
            Xb, yb = (X, y) if idx is None else (X[idx], y[idx])   # a gather, as in a shuffled epoch
            w = w - 1e-3 * Xb.T @ (_sigmoid(Xb @ w) - yb) / b
        best = min(best, (time.perf_counter() - tic) / steps)
    return best
