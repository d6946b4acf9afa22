"""Watching a network while it trains: the checks of "babysitting the learning process".

:func:`train_monitored` runs plain mini-batch training of a :class:`dlhelpers.models.MLP`
and records, every ``every`` steps and for every layer,

- the **update-to-weight ratio** ``||W_after - W_before|| / ||W_before||`` of the step just
  taken (a healthy run sits near 1e-3: far below means the learning rate is too small, far
  above means it is too large);
- the mean and standard deviation of each hidden layer's **activations** on the step's
  mini-batch (activations that shrink layer by layer, or pile up at zero, show up here
  before the loss says anything);
- the standard deviation of each weight matrix's **gradient**.

:func:`input_independent_baseline` trains the same model on all-zero inputs: the loss it
reaches is what the labels alone allow, and a real model must do clearly better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlhelpers import optim
from dlhelpers._checks import as_float_array, as_labels, check_int, check_positive
from dlhelpers.data import minibatches

__all__ = ["Monitor", "train_monitored", "input_independent_baseline"]


@dataclass
class Monitor:
    """What :func:`train_monitored` recorded.

    Attributes
    ----------
    loss : ndarray, shape (S,)
        Training loss of every step (mini-batch, train mode).
    steps : ndarray of int, shape (R,)
        Indices (0-based) of the recorded steps.
    update_ratio : ndarray, shape (R, L)
        ``||dW|| / ||W||`` of each of the L weight matrices at each recorded step.
    act_mean, act_std : ndarray, shape (R, L - 1)
        Mean and standard deviation of each hidden layer's activations (before dropout).
    grad_std : ndarray, shape (R, L)
        Standard deviation of each weight matrix's gradient.
    diverged : bool
        True when a step produced a non-finite loss; training stopped there.
    """

    loss: np.ndarray
    steps: np.ndarray
    update_ratio: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    grad_std: np.ndarray
    diverged: bool


def _weight_keys(model) -> list[str]:
    return [f"W{layer}" for layer in range(1, model.num_layers + 1)]


def train_monitored(model, X, y, *, lr: float, epochs: int, batch_size: int = 50,
                    optimizer: str = "momentum", seed: int = 0, every: int = 1,
                    **optimizer_kwargs) -> Monitor:
    """Train ``model`` (an MLP) in place and record the per-layer health statistics.

    Parameters
    ----------
    model : dlhelpers.models.MLP
    X : array, shape (N, D)
    y : int array, shape (N,)
    lr : float > 0
    epochs : int >= 1
    batch_size : int >= 1
    optimizer : str
        A name in :data:`dlhelpers.optim.OPTIMIZERS`.
    seed : int
        Seeds the shuffling.
    every : int >= 1
        Record the statistics every ``every`` steps (the loss is kept for every step).

    Returns
    -------
    Monitor
    """
    if not hasattr(model, "forward_activations") or not hasattr(model, "num_layers"):
        raise TypeError(f"model must be a dlhelpers.models.MLP; got {type(model).__name__}")
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0], num_classes=model.layer_sizes[-1])
    lr = check_positive(lr, "lr")
    epochs = check_int(epochs, "epochs", minimum=1)
    every = check_int(every, "every", minimum=1)
    if optimizer not in optim.OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(optim.OPTIMIZERS)}; got {optimizer!r}")
    rule = optim.OPTIMIZERS[optimizer]
    keys = list(model.params)
    weights = _weight_keys(model)
    states: dict = dict.fromkeys(keys)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    losses, steps, ratios, act_mean, act_std, grad_std = [], [], [], [], [], []
    diverged = False
    step = 0
    for _ in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            loss, grads = model.loss(Xb, yb)
            if not np.isfinite(loss) or not all(np.all(np.isfinite(g)) for g in grads.values()):
                diverged = True
                break
            record = step % every == 0
            if record:
                acts = model.forward_activations(Xb, train=True)
                act_mean.append([float(a.mean()) for a in acts])
                act_std.append([float(a.std()) for a in acts])
                grad_std.append([float(grads[k].std()) for k in weights])
                before = {k: model.params[k].copy() for k in weights}
            for key in keys:
                model.params[key], states[key] = rule(model.params[key], grads[key], states[key],
                                                      lr=lr, **optimizer_kwargs)
            if record:
                ratios.append([float(np.linalg.norm(model.params[k] - before[k])
                                     / max(np.linalg.norm(before[k]), 1e-12)) for k in weights])
                steps.append(step)
            losses.append(float(loss))
            step += 1
        if diverged:
            break
    hidden = model.num_layers - 1
    return Monitor(loss=np.array(losses), steps=np.array(steps, dtype=int),
                   update_ratio=np.array(ratios).reshape(-1, len(weights)),
                   act_mean=np.array(act_mean).reshape(-1, hidden),
                   act_std=np.array(act_std).reshape(-1, hidden),
                   grad_std=np.array(grad_std).reshape(-1, len(weights)), diverged=diverged)


def input_independent_baseline(make_model, X, y, X_val, y_val, **train_kwargs) -> float:
    """Validation loss of a model trained on all-zero inputs (it can only learn the labels).

    Parameters
    ----------
    make_model : callable
        ``make_model()`` returns a fresh, untrained model (same architecture as the real one).
    X : array, shape (N, D)
    y : int array, shape (N,)
    X_val : array, shape (M, D)
    y_val : int array, shape (M,)
    **train_kwargs
        Passed to :func:`dlhelpers.train.train` (``optimizer``, ``lr``, ``epochs``, ...).

    Returns
    -------
    float
        Test-mode validation loss of the model that never saw an input (its inputs and the
        validation inputs are both zeroed).
    """
    from dlhelpers.train import train

    X = as_float_array(X, "X", ndim=2)
    X_val = as_float_array(X_val, "X_val", ndim=2)
    model = make_model()
    train(model, np.zeros_like(X), y, progress=False, record_steps=False, eval_train=False,
          **train_kwargs)
    y_val = as_labels(y_val, "y_val", n=X_val.shape[0])
    return float(model.evaluate(np.zeros_like(X_val), y_val)[0])
