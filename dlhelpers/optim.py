"""Update rules for gradient-based training, written in plain numpy with explicit state.

Every rule has the same shape, in the spirit of optax::

    w_new, state = rule(w, dw, state, lr=..., **hyperparameters)

``w`` is a parameter array of any shape, ``dw`` the gradient of the loss with respect to it
(same shape, no broadcasting), and ``state`` is ``None`` on the first call. The rule then
creates a dict holding what it must remember between steps (a velocity ``"v"``, moment
estimates ``"m"``/``"v"``, and always the number of updates already made, ``"t"``); pass the
returned dict back in on the next call, one state per parameter array.

``lr`` is either a positive float or a schedule, i.e. a callable ``step -> lr`` such as the
ones in :mod:`dlhelpers.schedules`. The step handed to the schedule is ``state["t"]``, so the
first update uses ``schedule(0)``, exactly like a torch ``lr_scheduler`` that is stepped once
per optimizer step.

By default nothing you pass is modified: ``w`` is copied, the state arrays are copied, and
``dw`` is only read. That matters in lessons that keep every iterate of a trajectory. With
``inplace=True`` the rule writes into ``w`` and into the state arrays instead (``dw`` is still
only read) and works through large arrays in cache-sized chunks; this is the fast path for
big models, kept apart in ``dlhelpers._optim_kernels``. Both paths execute the same float
operations in the same order, so they agree bit for bit. The functions below are the
readable definition: whole-array numpy, the way lessons 06 and 07 write the rules.

:func:`flat_optimizer` splits a rule into ``init`` (check every setting once, allocate the
state) and ``update`` (only arithmetic, in place), as optax does; :func:`dlhelpers.train.train`
uses it on one flat vector holding all of a model's parameters.

Arithmetic is done in the dtype of ``w`` (float32 stays float32; integer input becomes
float64); ``dw`` is cast to that dtype.

The course's momentum convention
--------------------------------
The course writes momentum (heavy ball) as::

    v = rho * v + dw
    w = w - lr * v

which is what ``torch.optim.SGD(momentum=rho, dampening=0)`` computes. Another common form,
found in Sutskever et al. (2013) and in many lecture notes, folds the learning rate into the
velocity::

    u = mu * u - lr * dw
    w = w + u

With a constant learning rate the two produce identical iterates when ``mu = rho``: by
induction ``u = -lr * v`` after every step. When the learning rate changes between steps they
part ways, because the first form applies the *current* lr to the whole accumulated velocity
while the second keeps each past gradient scaled by the lr in force when it arrived.
:func:`momentum_sutskever` implements the second form so that lesson 06 can show both facts.

Nesterov momentum here is torch's ``nesterov=True`` form: ``v = rho * v + dw`` and then
``w = w - lr * (dw + rho * v)``. It is the "look-ahead" method rewritten in terms of the
look-ahead point, so no second gradient evaluation is needed (see :func:`nesterov`).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from dlhelpers import _optim_kernels as _kernels
from dlhelpers._checks import (
    all_finite,
    as_float_array,
    check_in_range,
    check_positive,
    check_same_shape,
)

__all__ = [
    "OPTIMIZERS",
    "FlatOptimizer",
    "adagrad",
    "adam",
    "adamw",
    "flat_optimizer",
    "get_rule",
    "momentum",
    "momentum_sutskever",
    "nesterov",
    "rmsprop",
    "sgd",
]

LearningRate = float | Callable[[int], float]


# --------------------------------------------------------------------------------------------
# checks shared by every rule
# --------------------------------------------------------------------------------------------

def _resolve_lr(lr: LearningRate, step: int) -> float:
    """Return the learning rate for this update: the float itself, or ``lr(step)``."""
    if callable(lr):
        value = lr(step)
        try:
            value = float(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"lr schedule must return a number; got {value!r} at step {step}") from exc
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"lr schedule must return a finite value >= 0; got {value!r} at step {step}")
        return value
    if isinstance(lr, bool):
        raise TypeError(f"lr must be a positive number or a schedule (step -> lr); got {lr!r}")
    try:
        return check_positive(lr, "lr")
    except TypeError as exc:
        raise TypeError(f"lr must be a positive number or a schedule (step -> lr); got {lr!r}") from exc


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not all_finite(arr):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; got {bad} NaN/inf value(s)")


def _check_rate(value, name: str) -> float:
    """Averaging coefficients (momentum, betas, decay) must lie in [0, 1)."""
    return check_in_range(value, name, 0.0, 1.0, hi_open=True)


def _check_decay(weight_decay) -> float:
    return check_positive(weight_decay, "weight_decay", allow_zero=True)


def _check_state(rule: str, state, w: np.ndarray) -> dict:
    """Return ``state``, or a fresh one (zeros shaped like ``w``) when it is None."""
    keys = _kernels.STATE_KEYS[rule]
    if state is None:
        return {"rule": rule, "t": 0, **{key: np.zeros_like(w) for key in keys}}
    if not isinstance(state, dict):
        raise TypeError(f"state must be None (first step) or the dict returned by {rule}; "
                        f"got {type(state).__name__}")
    if state.get("rule") != rule:
        raise ValueError(f"state must come from {rule}; got a state made by {state.get('rule')!r} "
                         "(keep one state per rule and per parameter array)")
    for key in keys:
        arr = state.get(key)
        if not isinstance(arr, np.ndarray) or arr.shape != w.shape:
            got = arr.shape if isinstance(arr, np.ndarray) else type(arr).__name__
            raise ValueError(f"state[{key!r}] must be an array of shape {w.shape} like w; got {got}")
    return state


def _start(rule: str, w, dw, state, lr):
    """Validate one call of the readable path; return ``(w, dw, state, lr)`` ready for the math.

    ``w`` is a float array (integers become float64), ``dw`` and the state arrays are in
    ``w``'s dtype, ``lr`` is this step's float. Nothing here or in the rules writes into them.
    """
    w = as_float_array(w, "w")
    dw = as_float_array(dw, "dw")
    check_same_shape(w, dw, "w", "dw")
    state = _check_state(rule, state, w)
    state = {**state, **{k: state[k].astype(w.dtype, copy=False) for k in _kernels.STATE_KEYS[rule]}}
    return w, dw.astype(w.dtype, copy=False), state, _resolve_lr(lr, state["t"])


def _next(state: dict, **arrays) -> dict:
    """The state after one more update: ``t`` counted up, the rule's arrays replaced."""
    return {**state, "t": state["t"] + 1, **arrays}


def _l2(dw: np.ndarray, w: np.ndarray, weight_decay: float) -> np.ndarray:
    """The gradient with coupled L2 added: ``dw + weight_decay * w``."""
    return dw + weight_decay * w if weight_decay else dw


def _inplace(rule: str, w, dw, state, lr, **hyperparameters) -> tuple[np.ndarray, dict]:
    """The ``inplace=True`` path: validate, then run the rule's chunked kernel on ``w``."""
    if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
        got = f"dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
        raise TypeError(f"inplace=True needs w to be a float numpy array; got {got}")
    if not (w.flags.c_contiguous and w.flags.writeable):
        raise ValueError("inplace=True needs w to be a writeable C-contiguous array; "
                         "got a view that is not (pass np.ascontiguousarray(w) or inplace=False)")
    _check_finite(w, "w")
    if isinstance(dw, np.ndarray) and dw.dtype.kind == "f":
        check_same_shape(w, dw, "w", "dw")
        _check_finite(dw, "dw")
    else:
        dw = as_float_array(dw, "dw")
        check_same_shape(w, dw, "w", "dw")
    g = np.ascontiguousarray(dw, dtype=w.dtype).reshape(-1)
    state = _check_state(rule, state, w)
    for key in _kernels.STATE_KEYS[rule]:
        if state[key].dtype != w.dtype or not state[key].flags.c_contiguous:
            raise ValueError(f"inplace=True needs state[{key!r}] to be C-contiguous {w.dtype}; "
                             f"got {state[key].dtype}")
    step_lr = _resolve_lr(lr, state["t"])
    flat = w.reshape(-1)
    _kernels.KERNELS[rule](flat, g, state, step_lr, buffers=_kernels.scratch(flat), **hyperparameters)
    state["t"] += 1
    return w, state


# --------------------------------------------------------------------------------------------
# the rules
# --------------------------------------------------------------------------------------------

def sgd(w, dw, state=None, *, lr: LearningRate, weight_decay: float = 0.0,
        inplace: bool = False) -> tuple[np.ndarray, dict]:
    """Plain gradient descent: ``w = w - lr * (dw + weight_decay * w)``.

    Parameters
    ----------
    w : array of any shape
        Current parameters.
    dw : array, same shape as ``w``
        Gradient of the loss with respect to ``w``.
    state : dict or None
        ``None`` on the first step, then whatever the previous call returned (only ``"t"``).
    lr : float or callable
        Step size, or a schedule ``step -> lr``.
    weight_decay : float
        Coefficient of the L2 term added to the gradient (as in ``torch.optim.SGD``).
    inplace : bool
        Write into ``w`` instead of returning a new array.

    Returns
    -------
    w_new : ndarray, same shape as ``w``
    state : dict
    """
    weight_decay = _check_decay(weight_decay)
    if inplace:
        return _inplace("sgd", w, dw, state, lr, weight_decay=weight_decay)
    w, dw, state, lr = _start("sgd", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    return w - lr * g, _next(state)


def momentum(w, dw, state=None, *, lr: LearningRate, rho: float = 0.9, weight_decay: float = 0.0,
             inplace: bool = False) -> tuple[np.ndarray, dict]:
    """SGD with momentum in the course convention: ``v = rho*v + dw``, ``w = w - lr*v``.

    The velocity starts at zero, so the first step equals a plain SGD step. This is
    ``torch.optim.SGD(momentum=rho, dampening=0)``; see the module docstring for how it relates
    to :func:`momentum_sutskever`.

    Parameters
    ----------
    w, dw : arrays of the same (any) shape
        Parameters and gradient.
    state : dict or None
        ``None`` first, then the returned dict (keys ``"t"`` and ``"v"``, ``v`` shaped like ``w``).
    lr : float or callable
        Step size or schedule ``step -> lr``.
    rho : float in [0, 1)
        How much of the previous velocity is kept.
    weight_decay : float >= 0
        Coupled L2: ``dw + weight_decay * w`` is what enters the velocity.
    inplace : bool
        Update ``w`` and ``state["v"]`` in place (fast path).

    Returns
    -------
    w_new : ndarray, shape of ``w``
    state : dict
    """
    rho, weight_decay = _check_rate(rho, "rho"), _check_decay(weight_decay)
    if inplace:
        return _inplace("momentum", w, dw, state, lr, rho=rho, weight_decay=weight_decay)
    w, dw, state, lr = _start("momentum", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    v = rho * state["v"] + g
    return w - lr * v, _next(state, v=v)


def nesterov(w, dw, state=None, *, lr: LearningRate, rho: float = 0.9, weight_decay: float = 0.0,
             inplace: bool = False) -> tuple[np.ndarray, dict]:
    """Nesterov momentum in the form torch uses (``SGD(nesterov=True)``).

    ``v = rho*v + dw`` then ``w = w - lr*(dw + rho*v)``.

    The textbook version evaluates the gradient at a look-ahead point ``x + mu*u`` and keeps
    ``u = mu*u - lr*grad(x + mu*u)``, ``x = x + u``. Tracking the look-ahead point
    ``w = x + mu*u`` instead of ``x`` (and writing ``u = -lr*v`` under a constant lr) turns that
    into the two lines above, with the gradient taken at the iterate ``w`` itself. The iterates
    ``w`` of this function are therefore the look-ahead points of the textbook method.

    Parameters and returns are those of :func:`momentum`.
    """
    rho, weight_decay = _check_rate(rho, "rho"), _check_decay(weight_decay)
    if inplace:
        return _inplace("nesterov", w, dw, state, lr, rho=rho, weight_decay=weight_decay)
    w, dw, state, lr = _start("nesterov", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    v = rho * state["v"] + g
    return w - lr * (g + rho * v), _next(state, v=v)


def momentum_sutskever(w, dw, state=None, *, lr: LearningRate, mu: float = 0.9,
                       weight_decay: float = 0.0, inplace: bool = False) -> tuple[np.ndarray, dict]:
    """Momentum with the learning rate inside the velocity: ``u = mu*u - lr*dw``, ``w = w + u``.

    Same iterates as :func:`momentum` (with ``rho = mu``) while ``lr`` is constant; different
    ones once ``lr`` changes. Shown in lesson 06; the course otherwise uses :func:`momentum`.

    Parameters
    ----------
    w, dw : arrays of the same (any) shape
    state : dict or None
        Keys ``"t"`` and ``"v"`` (here ``v`` is the velocity ``u`` above, in units of ``w``).
    lr : float or callable
    mu : float in [0, 1)
    weight_decay : float >= 0
    inplace : bool

    Returns
    -------
    w_new : ndarray, shape of ``w``
    state : dict
    """
    mu, weight_decay = _check_rate(mu, "mu"), _check_decay(weight_decay)
    if inplace:
        return _inplace("momentum_sutskever", w, dw, state, lr, mu=mu, weight_decay=weight_decay)
    w, dw, state, lr = _start("momentum_sutskever", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    u = mu * state["v"] - lr * g
    return w + u, _next(state, v=u)


def adagrad(w, dw, state=None, *, lr: LearningRate, eps: float = 1e-10, weight_decay: float = 0.0,
            inplace: bool = False) -> tuple[np.ndarray, dict]:
    """AdaGrad: ``s = s + dw**2``, ``w = w - lr * dw / (sqrt(s) + eps)``.

    ``eps`` defaults to 1e-10 and is added *outside* the square root, both as in
    ``torch.optim.Adagrad`` (whose ``lr_decay`` is covered here by passing a schedule).

    Parameters
    ----------
    w, dw : arrays of the same (any) shape
    state : dict or None
        Keys ``"t"`` and ``"s"`` (running sum of squared gradients, shaped like ``w``).
    lr : float or callable
    eps : float > 0
    weight_decay : float >= 0
        Coupled L2 added to the gradient before it is squared.
    inplace : bool

    Returns
    -------
    w_new : ndarray, shape of ``w``
    state : dict
    """
    eps, weight_decay = check_positive(eps, "eps"), _check_decay(weight_decay)
    if inplace:
        return _inplace("adagrad", w, dw, state, lr, eps=eps, weight_decay=weight_decay)
    w, dw, state, lr = _start("adagrad", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    s = state["s"] + g * g
    return w - lr * (g / (np.sqrt(s) + eps)), _next(state, s=s)


def rmsprop(w, dw, state=None, *, lr: LearningRate, decay: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0.0, inplace: bool = False) -> tuple[np.ndarray, dict]:
    """RMSProp: ``s = decay*s + (1-decay)*dw**2``, ``w = w - lr * dw / (sqrt(s) + eps)``.

    Matches ``torch.optim.RMSprop(alpha=decay, eps=eps)`` (no momentum, not centered).

    Parameters
    ----------
    w, dw : arrays of the same (any) shape
    state : dict or None
        Keys ``"t"`` and ``"s"`` (moving average of squared gradients, shaped like ``w``).
    lr : float or callable
    decay : float in [0, 1)
    eps : float > 0
    weight_decay : float >= 0
    inplace : bool

    Returns
    -------
    w_new : ndarray, shape of ``w``
    state : dict
    """
    decay = _check_rate(decay, "decay")
    eps, weight_decay = check_positive(eps, "eps"), _check_decay(weight_decay)
    if inplace:
        return _inplace("rmsprop", w, dw, state, lr, decay=decay, eps=eps, weight_decay=weight_decay)
    w, dw, state, lr = _start("rmsprop", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    s = decay * state["s"] + (1 - decay) * g * g
    return w - lr * (g / (np.sqrt(s) + eps)), _next(state, s=s)


def _adam_step(w, g, state, lr, beta1, beta2, eps, bias_correction) -> tuple[np.ndarray, dict]:
    """The Adam update of ``w`` from the gradient ``g`` (shared by :func:`adam` and :func:`adamw`)."""
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * (g * g)
    step, root = lr, 1.0
    if bias_correction:
        # sqrt(v / c2) written as sqrt(v) / sqrt(c2), and lr / c1 folded into the step: the
        # association torch uses, so float64 results agree with it to the last few ulps.
        step, root = lr / (1 - beta1 ** t), 1 / math.sqrt(1 - beta2 ** t)
    denom = np.sqrt(v) * root + eps
    return w - step * (m / denom), _next(state, m=m, v=v)


def adam(w, dw, state=None, *, lr: LearningRate = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
         eps: float = 1e-8, bias_correction: bool = True, weight_decay: float = 0.0,
         inplace: bool = False) -> tuple[np.ndarray, dict]:
    """Adam: moving averages of the gradient and its square, with bias correction.

    With ``g = dw + weight_decay * w`` and ``t`` counting updates from 1::

        m = beta1*m + (1-beta1)*g
        v = beta2*v + (1-beta2)*g**2
        w = w - lr * (m / (1-beta1**t)) / (sqrt(v / (1-beta2**t)) + eps)

    as in ``torch.optim.Adam``. ``weight_decay`` here is the *coupled* L2 term that goes
    through the moment estimates; see :func:`adamw` for the decoupled kind.

    ``bias_correction=False`` drops both ``1 - beta**t`` factors. Then the first step is
    ``lr * (1-beta1)/sqrt(1-beta2)`` per coordinate (about 3.16 * lr with the default betas,
    and 1/sqrt(1-beta2), about 31.6, times the corrected step when ``beta1 = 0``), instead of
    ``lr``.

    Parameters
    ----------
    w, dw : arrays of the same (any) shape
    state : dict or None
        Keys ``"t"``, ``"m"`` and ``"v"`` (``m``, ``v`` shaped like ``w``).
    lr : float or callable
    beta1, beta2 : floats in [0, 1)
    eps : float > 0
    bias_correction : bool
    weight_decay : float >= 0
    inplace : bool
        Update ``w``, ``state["m"]`` and ``state["v"]`` in place, chunk by chunk.

    Returns
    -------
    w_new : ndarray, shape of ``w``
    state : dict
    """
    weight_decay = _check_decay(weight_decay)
    beta1, beta2 = _check_rate(beta1, "beta1"), _check_rate(beta2, "beta2")
    eps, bias_correction = check_positive(eps, "eps"), bool(bias_correction)
    if inplace:
        return _inplace("adam", w, dw, state, lr, beta1=beta1, beta2=beta2, eps=eps,
                        bias_correction=bias_correction, weight_decay=weight_decay)
    w, dw, state, lr = _start("adam", w, dw, state, lr)
    g = _l2(dw, w, weight_decay)
    return _adam_step(w, g, state, lr, beta1, beta2, eps, bias_correction)


def adamw(w, dw, state=None, *, lr: LearningRate = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
          eps: float = 1e-8, weight_decay: float = 1e-2,
          inplace: bool = False) -> tuple[np.ndarray, dict]:
    """AdamW: Adam on the raw gradient, with weights shrunk separately (decoupled decay).

    First ``w = w * (1 - lr*weight_decay)``, then the bias-corrected Adam step of :func:`adam`
    computed from ``dw`` alone, as in ``torch.optim.AdamW``. The decay never enters ``m`` or
    ``v``, so it is not rescaled by the adaptive denominator.

    Parameters and returns are those of :func:`adam` (``weight_decay`` defaults to 1e-2).
    """
    weight_decay = _check_decay(weight_decay)
    beta1, beta2 = _check_rate(beta1, "beta1"), _check_rate(beta2, "beta2")
    eps = check_positive(eps, "eps")
    if inplace:
        return _inplace("adamw", w, dw, state, lr, beta1=beta1, beta2=beta2, eps=eps,
                        weight_decay=weight_decay)
    w, dw, state, lr = _start("adamw", w, dw, state, lr)
    w = (1 - lr * weight_decay) * w
    return _adam_step(w, dw, state, lr, beta1, beta2, eps, bias_correction=True)


OPTIMIZERS: dict[str, Callable[..., tuple[np.ndarray, dict]]] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
}
"""Every course update rule by name (``momentum_sutskever`` is left out: it duplicates
``momentum`` and exists for lesson 06's comparison)."""

_RULE_NAMES = {rule: name for name, rule in OPTIMIZERS.items()} | {momentum_sutskever: "momentum_sutskever"}


def get_rule(name_or_rule, what: str = "optimizer") -> Callable[..., tuple[np.ndarray, dict]]:
    """The update rule called ``name_or_rule`` in :data:`OPTIMIZERS`, or the callable itself.

    ``what`` names the argument in the error message (``"optimizer"``, ``"rule"``).
    """
    if isinstance(name_or_rule, str):
        if name_or_rule not in OPTIMIZERS:
            raise ValueError(f"{what} must be one of {sorted(OPTIMIZERS)} or a function "
                             f"rule(w, dw, state, lr=...); got {name_or_rule!r}")
        return OPTIMIZERS[name_or_rule]
    if not callable(name_or_rule):
        raise TypeError(f"{what} must be a name or an update function; "
                        f"got {type(name_or_rule).__name__}")
    return name_or_rule


# --------------------------------------------------------------------------------------------
# init/update split for a training loop (optax's structure)
# --------------------------------------------------------------------------------------------

class FlatOptimizer(NamedTuple):
    """A course rule split in two, as optax does: ``init`` checks, ``update`` only computes.

    ``state = init(w)`` checks the packed parameter vector ``w`` (float, shape (n,),
    C-contiguous, writeable, finite), allocates the scratch space and returns the rule's zero
    state. ``update(w, g, state)`` then applies one step to ``w`` and ``state`` in place, with
    the gradient ``g`` (shape (n,), ``w``'s dtype, finite: the caller's job) and no checks at
    all; ``w`` is a vector that went through ``init``.
    """

    init: Callable[[np.ndarray], dict]
    update: Callable[[np.ndarray, np.ndarray, dict], None]


_SETTING_CHECKS: dict[str, Callable[[object, str], object]] = {
    "rho": _check_rate, "mu": _check_rate, "decay": _check_rate, "beta1": _check_rate,
    "beta2": _check_rate, "eps": check_positive,
    "weight_decay": lambda value, name: _check_decay(value),
    "bias_correction": lambda value, name: bool(value),
}


def flat_optimizer(rule, *, lr: LearningRate, **hyperparameters) -> FlatOptimizer:
    """Check ``rule``'s settings once and return its :class:`FlatOptimizer`.

    Parameters
    ----------
    rule : str or callable
        A course rule (:data:`OPTIMIZERS` or :func:`momentum_sutskever`) or its name.
    lr : float or callable
        Learning rate or schedule; a schedule is called with the step count on every update.
    **hyperparameters
        The rule's keyword arguments; those not given take the rule's own defaults (read
        from its signature, so they are defined in one place).

    Each update runs the same kernel as ``rule(..., inplace=True)``, so the numbers are those
    of the public rule, bit for bit.
    """
    rule = get_rule(rule, "rule")
    if rule not in _RULE_NAMES:
        raise ValueError(f"flat_optimizer runs a course rule {sorted(_RULE_NAMES.values())}; "
                         f"got {getattr(rule, '__name__', rule)!r}")
    name = _RULE_NAMES[rule]
    defaults = {p.name: p.default for p in inspect.signature(rule).parameters.values()
                if p.kind is p.KEYWORD_ONLY and p.name not in ("lr", "inplace")}
    unknown = sorted(set(hyperparameters) - set(defaults))
    if unknown:
        raise TypeError(f"{name}() got unexpected keyword argument(s) {unknown}; "
                        f"it accepts {sorted(defaults)}")
    settings = {key: _SETTING_CHECKS[key](hyperparameters.get(key, default), key)
                for key, default in defaults.items()}
    fixed_lr = None if callable(lr) else _resolve_lr(lr, 0)
    kernel = _kernels.KERNELS[name]
    # per vector shape and dtype: the kernel with its scratch bound (set up by init)
    steps: dict[tuple[int, str], Callable] = {}

    def init(w: np.ndarray) -> dict:
        if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
            got = f"dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
            raise TypeError(f"w must be a float numpy array; got {got}")
        if w.ndim != 1:
            raise ValueError(f"w must be a flat vector of shape (n,); got shape {w.shape}")
        if not (w.flags.c_contiguous and w.flags.writeable):
            raise ValueError("w must be a writeable C-contiguous vector; got a view that is not")
        _check_finite(w, "w")
        steps[w.size, w.dtype.str] = functools.partial(kernel, buffers=_kernels.scratch(w),
                                                       **settings)
        return _check_state(name, None, w)

    def update(w: np.ndarray, g: np.ndarray, state: dict) -> None:
        step = steps.get((w.size, w.dtype.str))
        if step is None:
            raise ValueError(f"update got a vector of shape {w.shape} and dtype {w.dtype} that "
                             "never went through init; call state = init(w) first")
        step_lr = fixed_lr if fixed_lr is not None else _resolve_lr(lr, state["t"])
        step(w, g, state, step_lr)
        state["t"] += 1

    return FlatOptimizer(init, update)
