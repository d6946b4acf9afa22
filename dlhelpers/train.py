"""One training loop for every model in the course, and an accuracy helper.

:func:`train` works with any object that has a ``params`` dict of float arrays, a
``loss(X, y) -> (loss, grads)`` method (``grads`` keyed like ``params``) and a
``predict(X)`` method; :class:`dlhelpers.models.LinearClassifier` and
:class:`dlhelpers.models.MLP` are two.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dlhelpers import optim
from dlhelpers._checks import all_finite, as_float_array, as_labels, check_int
from dlhelpers.data import minibatches

__all__ = ["History", "train", "accuracy"]

MONITORS = ("val_acc", "val_loss")


@dataclass
class History:
    """What happened during :func:`train`, one entry per epoch unless said otherwise.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's mini-batches (as computed during the steps, so
        with dropout and batch statistics on).
    train_acc : list of float
        Accuracy on the whole training set after the epoch (test mode); empty with
        ``eval_train=False``.
    val_acc, val_loss : list of float
        Accuracy and loss (test mode) on the validation set; empty without one.
    lr : list of float
        Learning rate of the epoch's last update.
    step_loss : list of float
        The loss of every single mini-batch step (empty with ``record_steps=False``).
    best_epoch : int or None
        Index (0-based, into the lists above) of the epoch with the best monitored value;
        None without validation data.
    stopped_early : bool
        True when ``patience`` ran out before ``epochs``.
    diverged : bool
        True when a step produced a non-finite loss; training stopped there.
    """

    loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False

    @property
    def epochs_run(self) -> int:
        """Number of completed epochs."""
        return len(self.loss)

    def plot(self, axes=None):
        """Draw the loss (left) and the accuracies (right) against the epoch; returns the axes."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        epochs = np.arange(1, self.epochs_run + 1)
        ax_loss, ax_acc = axes
        ax_loss.plot(epochs, self.loss, marker=".", label="training")
        if self.val_loss:
            ax_loss.plot(epochs, self.val_loss, marker=".", label="validation")
        ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
        if self.train_acc:
            ax_acc.plot(epochs, self.train_acc, marker=".", label="training")
        if self.val_acc:
            ax_acc.plot(epochs, self.val_acc, marker=".", label="validation")
        ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
        for ax in axes:
            if self.best_epoch is not None:
                ax.axvline(self.best_epoch + 1, color="gray", linestyle=":", label="best epoch")
            ax.legend(loc="best")
        return axes


def accuracy(model, X, y) -> float:
    """Fraction of rows of ``X`` (shape (N, D)) whose predicted label equals ``y`` (shape (N,))."""
    X = as_float_array(X, "X")
    y = as_labels(y, "y", n=X.shape[0])
    return float(np.mean(model.predict(X) == y))


# --------------------------------------------------------------------------------------
# pieces of the loop
# --------------------------------------------------------------------------------------

def _num_classes(model) -> int | None:
    if hasattr(model, "layer_sizes"):
        return int(model.layer_sizes[-1])
    return getattr(model, "num_classes", None)


def _checked_data(model, X, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.ascontiguousarray(as_float_array(X, f"X_{name}"), dtype=np.float64)
    y = as_labels(y, f"y_{name}", n=X.shape[0], num_classes=_num_classes(model))
    if X.shape[0] == 0:
        raise ValueError(f"X_{name} must hold at least one example; got shape {X.shape}")
    model.predict(X[:1])  # lets the model reject a wrong number of features up front
    return X, y


class _Updater:
    """Applies one update rule to every parameter of a model.

    The course's rules are elementwise, so all parameters can live in one flat vector and
    be updated by a single in-place call per step; ``model.params`` then holds views into
    that vector. The rule goes through :func:`dlhelpers.optim.flat_optimizer`, which checks
    its settings once here instead of on every step. Any other rule is called once per
    parameter array.
    """

    def __init__(self, model, rule: Callable, fused: bool, lr, kwargs: dict,
                 frozen: tuple[str, ...] = ()) -> None:
        self.model, self.rule, self.fused, self.lr, self.kwargs = model, rule, fused, lr, kwargs
        # Frozen parameters are simply not handed to the rule, so no optimizer state, momentum
        # or decoupled weight decay can move them.
        self.keys = [k for k in model.params if k not in frozen]
        self.steps = 0
        if fused:
            arrays = [np.asarray(model.params[k], dtype=np.float64) for k in self.keys]
            self.flat = np.concatenate([a.ravel() for a in arrays])
            self.grad = np.empty_like(self.flat)  # refilled by every step
            offset = 0
            for key, arr in zip(self.keys, arrays, strict=True):
                model.params[key] = self.flat[offset:offset + arr.size].reshape(arr.shape)
                offset += arr.size
            self.optimizer = optim.flat_optimizer(rule, lr=lr, **kwargs)
            self.state = self.optimizer.init(self.flat)
        else:
            self.states = dict.fromkeys(self.keys)

    def step(self, grads: dict) -> bool:
        """Apply one update; return False (and change nothing) if a gradient is not finite."""
        if self.fused:
            g = np.concatenate([grads[k].ravel() for k in self.keys], out=self.grad)
            if not all_finite(g):
                return False
            self.optimizer.update(self.flat, g, self.state)
        else:
            if not all(all_finite(grads[k]) for k in self.keys):
                return False
            for key in self.keys:
                self.model.params[key], self.states[key] = self.rule(
                    self.model.params[key], grads[key], self.states[key], lr=self.lr, **self.kwargs)
        self.steps += 1
        return True

    def current_lr(self) -> float:
        """The learning rate the most recent update used."""
        return float(self.lr(max(self.steps - 1, 0))) if callable(self.lr) else float(self.lr)

    def snapshot(self) -> tuple:
        params = self.flat.copy() if self.fused else {k: v.copy() for k, v in self.model.params.items()}
        return params, copy.deepcopy(getattr(self.model, "bn_state", None))

    def restore(self, snap: tuple) -> None:
        params, bn_state = snap
        if self.fused:
            self.flat[:] = params
        else:
            for key, value in params.items():
                self.model.params[key] = value.copy()
        if bn_state is not None:
            self.model.bn_state = copy.deepcopy(bn_state)


def _step_loss(model):
    """The model's loss function for one mini-batch (skipping per-call checks if it can)."""
    return model._loss if hasattr(model, "_loss") else (lambda X, y, train=True: model.loss(X, y))


def _evaluate(model, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Accuracy and loss of ``model`` on (X, y) in test mode."""
    if hasattr(model, "_evaluate"):
        loss, scores = model._evaluate(X, y)  # one forward pass serves both numbers
        return float(np.mean(scores.argmax(axis=1) == y)), float(loss)
    return float(np.mean(model.predict(X) == y)), float(model.loss(X, y)[0])


def _checked_frozen(model, frozen) -> tuple[str, ...]:
    """The names in ``frozen`` as a tuple, each a key of ``model.params``, leaving one to train."""
    if isinstance(frozen, str):
        names = (frozen,)
    else:
        try:
            names = tuple(frozen)
        except TypeError:
            raise TypeError(f"frozen must be a parameter name or a sequence of names such as "
                            f"('W1', 'b1'); got {frozen!r}") from None
    valid = list(model.params)
    unknown = [name for name in names if name not in model.params]
    if unknown:
        raise ValueError(f"frozen names {unknown} are not parameters of this model; "
                         f"its parameters are {valid}")
    if set(valid) <= set(names):
        raise ValueError(f"frozen lists every parameter {valid}: nothing would be trained")
    return names


def _progress(epochs: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc="training", unit="epoch", leave=True)


# --------------------------------------------------------------------------------------
# the loop
# --------------------------------------------------------------------------------------

def train(model, X_train, y_train, X_val=None, y_val=None, *, optimizer="adam", lr=1e-3,
          epochs: int = 10, batch_size: int = 64, seed: int = 0, patience: int | None = None,
          restore_best: bool = True, monitor: str = "val_acc", progress: bool = True,
          record_steps: bool = True, eval_train: bool = True, callback: Callable | None = None,
          frozen: Sequence[str] = (), **optimizer_kwargs) -> History:
    """Train ``model`` with mini-batch updates, validating after every epoch.

    Each epoch shuffles the training set (seeded by ``seed``), takes one update step per
    mini-batch, then measures training accuracy and, if given, validation accuracy and loss.

    Default recipe for the digits data (what tests/test_train.py checks): split with
    ``dlhelpers.data.train_val_test_split(X, y, val=0.0, test=0.2, seed=0)``, scale with a
    :class:`dlhelpers.data.Standardizer` fitted on the training part, then::

        model = MLP([64, 128, 10], reg=1e-3, seed=s)   # ReLU, He initialization
        train(model, X_train, y_train, optimizer="adam", lr=3e-3, batch_size=64,
              epochs=30, seed=s)

    Measured test accuracy after 30 epochs: 98.3-98.9% for seeds 0-4, so the 97% bar is
    passed with a margin of at least 4 of the 360 test images (without the L2 term some
    seeds end at 97.2-97.5%; on other split seeds this recipe gives 97.5-98.9%).

    Parameters
    ----------
    model : object
        Has ``params`` (dict of float arrays), ``loss(X, y) -> (loss, grads)`` and
        ``predict(X)``.
    X_train : array, shape (N, D)
    y_train : int array, shape (N,)
    X_val : array, shape (M, D), optional
    y_val : int array, shape (M,), optional
    optimizer : str or callable
        A name in :data:`dlhelpers.optim.OPTIMIZERS` or a rule
        ``rule(w, dw, state, lr=..., **optimizer_kwargs) -> (w, state)``. A course rule's
        settings are checked once, before the first step, and its steps then skip the
        per-call checks (same numbers as calling the rule).
    lr : float or callable
        Learning rate, or a schedule ``step -> lr`` (see :mod:`dlhelpers.schedules`); the
        step counts updates from 0 over the whole run.
    epochs : int >= 1
    batch_size : int >= 1
    seed : int
        Seeds the shuffling (the model's own seed fixes its weights and dropout masks).
    patience : int or None
        Stop when the monitored validation value has not improved for this many epochs
        (needs validation data). None trains for all ``epochs``.
    restore_best : bool
        With validation data, put back the parameters (and batch-norm statistics) of the
        best epoch at the end. False keeps the last epoch's.
    monitor : {"val_acc", "val_loss"}
        What "best" means: highest validation accuracy or lowest validation loss. Ties keep
        the earlier epoch.
    progress : bool
        Show a progress bar (tqdm.auto: a widget in JupyterLab, text in a terminal). Use
        False in notebooks whose outputs must be reproducible.
    record_steps : bool
        Keep the loss of every step in ``History.step_loss``.
    eval_train : bool
        Measure accuracy on the whole training set after each epoch (one extra forward
        pass over it). False leaves ``History.train_acc`` empty.
    callback : callable, optional
        Called as ``callback(epoch, history)`` after each epoch; returning True stops.
    frozen : sequence of str
        Names of parameters to keep fixed (e.g. ``("W1", "b1")`` freezes the first layer
        of an :class:`~dlhelpers.models.MLP`, as in transfer learning). They keep their
        values bit for bit: the update rule, its state and any weight decay never see
        them. Batch-norm running statistics still update. A name that is not a key of
        ``model.params`` raises ValueError listing the valid ones.
    **optimizer_kwargs
        Passed to the update rule (``rho=0.9``, ``beta1=0.9``, ``weight_decay=...``).

    Returns
    -------
    History
    """
    rule = optim.get_rule(optimizer)
    fused = rule in optim.OPTIMIZERS.values()
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    if patience is not None:
        patience = check_int(patience, "patience", minimum=1)
    if monitor not in MONITORS:
        raise ValueError(f"monitor must be one of {MONITORS}; got {monitor!r}")
    if callable(lr):
        lr(0)  # a broken schedule should fail here, not in the middle of an epoch
    frozen = _checked_frozen(model, frozen)
    X_train, y_train = _checked_data(model, X_train, y_train, "train")
    has_val = X_val is not None or y_val is not None
    if has_val:
        if X_val is None or y_val is None:
            raise ValueError("pass both X_val and y_val, or neither")
        X_val, y_val = _checked_data(model, X_val, y_val, "val")
    elif patience is not None:
        raise ValueError("patience (early stopping) needs validation data: pass X_val and y_val")

    updater = _Updater(model, rule, fused, lr, optimizer_kwargs, frozen)
    step_loss = _step_loss(model)
    history = History()
    best_value, best_snapshot, waited = None, None, 0
    bar = _progress(epochs, progress)
    try:
        for epoch in range(epochs):
            total, count = 0.0, 0
            for Xb, yb in minibatches(X_train, y_train, batch_size, rng=rng):
                # Overflow is detected below and reported once, instead of numpy warnings.
                with np.errstate(over="ignore", invalid="ignore"):
                    loss, grads = step_loss(Xb, yb, True)
                if not (math.isfinite(loss) and updater.step(grads)):
                    history.diverged = True
                    warnings.warn(f"training diverged at epoch {epoch + 1}: the loss or its "
                                  f"gradient became inf/NaN (loss {loss}); try a smaller "
                                  "learning rate", RuntimeWarning, stacklevel=2)
                    break
                total += loss * len(yb)
                count += len(yb)
                if record_steps:
                    history.step_loss.append(loss)
            if history.diverged:
                break
            history.loss.append(total / count)
            history.lr.append(updater.current_lr())
            if eval_train:
                history.train_acc.append(float(np.mean(model.predict(X_train) == y_train)))
            if has_val:
                val_acc, val_loss = _evaluate(model, X_val, y_val)
                history.val_acc.append(val_acc)
                history.val_loss.append(val_loss)
                value = history.val_acc[-1] if monitor == "val_acc" else -history.val_loss[-1]
                if best_value is None or value > best_value:
                    best_value, history.best_epoch, waited = value, epoch, 0
                    if restore_best:
                        best_snapshot = updater.snapshot()
                else:
                    waited += 1
            if bar is not None:
                bar.set_postfix(loss=f"{history.loss[-1]:.3f}",
                                **({"val_acc": f"{history.val_acc[-1]:.3f}"} if has_val else {}))
                bar.update(1)
            if patience is not None and waited >= patience:
                history.stopped_early = epoch + 1 < epochs
                break
            if callback is not None and callback(epoch, history):
                break
    finally:
        if bar is not None:
            bar.close()
    if restore_best and best_snapshot is not None:
        updater.restore(best_snapshot)
    return history
