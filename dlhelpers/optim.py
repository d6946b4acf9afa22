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
big models. Both paths execute the same float operations, so they agree bit for bit.

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

import math
from collections.abc import Callable

import numpy as np

from dlhelpers._checks import as_float_array, check_in_range, check_positive, check_same_shape

__all__ = [
    "OPTIMIZERS",
    "adagrad",
    "adam",
    "adamw",
    "momentum",
    "momentum_sutskever",
    "nesterov",
    "rmsprop",
    "sgd",
]

LearningRate = float | Callable[[int], float]

# 32 Ki elements: four float32 chunks plus two scratch buffers stay inside a typical L2 cache,
# so each element is fetched from main memory once per step instead of once per numpy call.
_CHUNK = 32_768


# --------------------------------------------------------------------------------------------
# shared plumbing
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


def _check_finite_fast(arr: np.ndarray, name: str) -> None:
    """Raise unless every entry of ``arr`` is finite.

    A sum is finite exactly when every term is, unless it overflows; summing is one cheap
    pass with no boolean temporary, so the exact (slower) count runs only when the sum is
    not finite.
    """
    if arr.size and not math.isfinite(float(np.add.reduce(arr, axis=None))):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        if bad:
            raise ValueError(f"{name} must be finite; got {bad} NaN/inf value(s)")


def _as_param(w, inplace: bool) -> np.ndarray:
    """Validate ``w``; return the array the rule will write into (``w`` itself or a copy)."""
    if not inplace:
        return as_float_array(w, "w").copy()
    if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
        got = f"dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
        raise TypeError(f"inplace=True needs w to be a float numpy array; got {got}")
    if not (w.flags.c_contiguous and w.flags.writeable):
        raise ValueError("inplace=True needs w to be a writeable C-contiguous array; "
                         "got a view that is not (pass np.ascontiguousarray(w) or inplace=False)")
    _check_finite_fast(w, "w")
    return w


def _as_grad(dw, w: np.ndarray, inplace: bool) -> np.ndarray:
    """Validate ``dw`` against ``w`` and return it as a flat array of ``w``'s dtype (read only)."""
    if inplace and isinstance(dw, np.ndarray) and dw.dtype.kind == "f":
        check_same_shape(w, dw, "w", "dw")
        _check_finite_fast(dw, "dw")
        g = dw
    else:
        g = as_float_array(dw, "dw")
        check_same_shape(w, g, "w", "dw")
    return np.ascontiguousarray(g, dtype=w.dtype).reshape(-1)


def _start(rule: str, w, dw, state, keys: tuple[str, ...], inplace: bool):
    """Common opening of every rule.

    Returns ``(w_out, g, state_out)`` where ``w_out`` is the array to update (shape of ``w``),
    ``g`` the flat gradient of shape ``(w.size,)`` and ``state_out`` a dict whose arrays (shape
    of ``w``) may be written into.
    """
    w_out = _as_param(w, inplace)
    g = _as_grad(dw, w_out, inplace)
    if state is None:
        state_out = {"rule": rule, "t": 0}
        for key in keys:
            state_out[key] = np.zeros_like(w_out)
        return w_out, g, state_out
    if not isinstance(state, dict):
        raise TypeError(f"state must be None (first step) or the dict returned by {rule}; "
                        f"got {type(state).__name__}")
    if state.get("rule") != rule:
        raise ValueError(f"state must come from {rule}; got a state made by {state.get('rule')!r} "
                         "(keep one state per rule and per parameter array)")
    for key in keys:
        arr = state.get(key)
        if not isinstance(arr, np.ndarray) or arr.shape != w_out.shape:
            got = arr.shape if isinstance(arr, np.ndarray) else type(arr).__name__
            raise ValueError(f"state[{key!r}] must be an array of shape {w_out.shape} like w; got {got}")
    if inplace:
        for key in keys:
            if state[key].dtype != w_out.dtype or not state[key].flags.c_contiguous:
                raise ValueError(f"inplace=True needs state[{key!r}] to be C-contiguous {w_out.dtype}; "
                                 f"got {state[key].dtype}")
        return w_out, g, state
    state_out = dict(state)
    for key in keys:
        state_out[key] = state[key].astype(w_out.dtype, copy=True)
    return w_out, g, state_out


def _chunks(n: int):
    """Yield slices that cover ``range(n)`` in pieces of at most ``_CHUNK`` elements."""
    for lo in range(0, n, _CHUNK):
        yield slice(lo, min(lo + _CHUNK, n))


def _scratch(w: np.ndarray, count: int) -> list[np.ndarray]:
    """Return ``count`` scratch buffers of shape ``(min(w.size, _CHUNK),)``."""
    size = min(w.size, _CHUNK)
    return [np.empty(size, dtype=w.dtype) for _ in range(count)]


def _effective_grad(g: np.ndarray, w: np.ndarray, weight_decay: float, buf: np.ndarray) -> np.ndarray:
    """Return ``g + weight_decay * w`` (coupled L2) for one chunk, using ``buf`` if needed."""
    if weight_decay == 0.0:
        return g
    np.multiply(w, weight_decay, out=buf)
    buf += g
    return buf


def _check_rate(value, name: str) -> float:
    """Averaging coefficients (momentum, betas, decay) must lie in [0, 1)."""
    return check_in_range(value, name, 0.0, 1.0, hi_open=True)


def _check_decay(weight_decay) -> float:
    return check_positive(weight_decay, "weight_decay", allow_zero=True)


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
    w_out, g, state = _start("sgd", w, dw, state, (), inplace)
    step_lr = _resolve_lr(lr, state["t"])
    flat = w_out.reshape(-1)
    (buf, tmp) = _scratch(w_out, 2)
    for sl in _chunks(flat.size):
        n = sl.stop - sl.start
        geff = _effective_grad(g[sl], flat[sl], weight_decay, buf[:n])
        np.multiply(geff, step_lr, out=tmp[:n])
        flat[sl] -= tmp[:n]
    state["t"] += 1
    return w_out, state


def _heavy_ball(rule: str, w, dw, state, lr, rho, weight_decay, inplace, look_ahead: bool):
    """Shared body of :func:`momentum` and :func:`nesterov` (they differ in the last line)."""
    rho = _check_rate(rho, "rho")
    weight_decay = _check_decay(weight_decay)
    w_out, g, state = _start(rule, w, dw, state, ("v",), inplace)
    step_lr = _resolve_lr(lr, state["t"])
    flat, vel = w_out.reshape(-1), state["v"].reshape(-1)
    (buf, tmp) = _scratch(w_out, 2)
    for sl in _chunks(flat.size):
        n = sl.stop - sl.start
        geff = _effective_grad(g[sl], flat[sl], weight_decay, buf[:n])
        v = vel[sl]
        v *= rho
        v += geff
        if look_ahead:
            np.multiply(v, rho, out=tmp[:n])
            tmp[:n] += geff
            tmp[:n] *= step_lr
        else:
            np.multiply(v, step_lr, out=tmp[:n])
        flat[sl] -= tmp[:n]
    state["t"] += 1
    return w_out, state


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
    return _heavy_ball("momentum", w, dw, state, lr, rho, weight_decay, inplace, look_ahead=False)


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
    return _heavy_ball("nesterov", w, dw, state, lr, rho, weight_decay, inplace, look_ahead=True)


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
    mu = _check_rate(mu, "mu")
    weight_decay = _check_decay(weight_decay)
    w_out, g, state = _start("momentum_sutskever", w, dw, state, ("v",), inplace)
    step_lr = _resolve_lr(lr, state["t"])
    flat, vel = w_out.reshape(-1), state["v"].reshape(-1)
    (buf, tmp) = _scratch(w_out, 2)
    for sl in _chunks(flat.size):
        n = sl.stop - sl.start
        geff = _effective_grad(g[sl], flat[sl], weight_decay, buf[:n])
        v = vel[sl]
        v *= mu
        np.multiply(geff, step_lr, out=tmp[:n])
        v -= tmp[:n]
        flat[sl] += v
    state["t"] += 1
    return w_out, state


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
    eps = check_positive(eps, "eps")
    weight_decay = _check_decay(weight_decay)
    w_out, g, state = _start("adagrad", w, dw, state, ("s",), inplace)
    step_lr = _resolve_lr(lr, state["t"])
    flat, acc = w_out.reshape(-1), state["s"].reshape(-1)
    (buf, tmp) = _scratch(w_out, 2)
    for sl in _chunks(flat.size):
        n = sl.stop - sl.start
        geff = _effective_grad(g[sl], flat[sl], weight_decay, buf[:n])
        s, t = acc[sl], tmp[:n]
        np.multiply(geff, geff, out=t)
        s += t
        np.sqrt(s, out=t)
        t += eps
        np.divide(geff, t, out=t)
        t *= step_lr
        flat[sl] -= t
    state["t"] += 1
    return w_out, state


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
    eps = check_positive(eps, "eps")
    weight_decay = _check_decay(weight_decay)
    w_out, g, state = _start("rmsprop", w, dw, state, ("s",), inplace)
    step_lr = _resolve_lr(lr, state["t"])
    flat, avg = w_out.reshape(-1), state["s"].reshape(-1)
    (buf, tmp) = _scratch(w_out, 2)
    for sl in _chunks(flat.size):
        n = sl.stop - sl.start
        geff = _effective_grad(g[sl], flat[sl], weight_decay, buf[:n])
        s, t = avg[sl], tmp[:n]
        s *= decay
        np.multiply(geff, 1.0 - decay, out=t)
        t *= geff
        s += t
        np.sqrt(s, out=t)
        t += eps
        np.divide(geff, t, out=t)
        t *= step_lr
        flat[sl] -= t
    state["t"] += 1
    return w_out, state


def _adam_arithmetic(flat: np.ndarray, g: np.ndarray, mom: np.ndarray, sq: np.ndarray,
                     step_lr: float, step: int, beta1: float, beta2: float, eps: float,
                     bias_correction: bool, coupled_decay: float, decoupled_decay: float,
                     buf: np.ndarray, tmp: np.ndarray) -> None:
    """One Adam/AdamW update of the flat arrays ``flat``, ``mom``, ``sq`` (all shape (n,)), in place.

    No checks: the callers (:func:`_adam_core` and :class:`FlatAdam`) validated everything.
    ``g`` (n,) is only read; ``step`` counts updates from 1; ``buf`` and ``tmp`` are scratch
    vectors of shape ``(min(n, _CHUNK),)``.
    """
    if bias_correction:
        # sqrt(v / c2) is written sqrt(v) / sqrt(c2) and lr / c1 is folded into the step,
        # the same association torch uses, so float64 results agree to the last few ulps.
        step_size = step_lr / (1.0 - beta1 ** step)
        inv_root_c2 = 1.0 / math.sqrt(1.0 - beta2 ** step)
    else:
        step_size, inv_root_c2 = step_lr, 1.0
    shrink = 1.0 - step_lr * decoupled_decay
    for sl in _chunks(flat.size):
        n = sl.stop - sl.start
        wc, t = flat[sl], tmp[:n]
        if decoupled_decay:
            wc *= shrink
        geff = _effective_grad(g[sl], wc, coupled_decay, buf[:n])
        m, v = mom[sl], sq[sl]
        m *= beta1
        np.multiply(geff, 1.0 - beta1, out=t)
        m += t
        v *= beta2
        np.multiply(geff, geff, out=t)
        t *= 1.0 - beta2
        v += t
        np.sqrt(v, out=t)
        if bias_correction:
            t *= inv_root_c2
        t += eps
        np.divide(m, t, out=t)
        t *= step_size
        wc -= t


def _adam_core(rule: str, w, dw, state, lr, beta1, beta2, eps, bias_correction,
               coupled_decay, decoupled_decay, inplace):
    """Shared body of :func:`adam` and :func:`adamw`: every check, then the arithmetic."""
    beta1 = _check_rate(beta1, "beta1")
    beta2 = _check_rate(beta2, "beta2")
    eps = check_positive(eps, "eps")
    w_out, g, state = _start(rule, w, dw, state, ("m", "v"), inplace)
    step_lr = _resolve_lr(lr, state["t"])
    _adam_arithmetic(w_out.reshape(-1), g, state["m"].reshape(-1), state["v"].reshape(-1),
                     step_lr, state["t"] + 1, beta1, beta2, eps, bias_correction,
                     coupled_decay, decoupled_decay, *_scratch(w_out, 2))
    state["t"] += 1
    return w_out, state


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
    return _adam_core("adam", w, dw, state, lr, beta1, beta2, eps, bool(bias_correction),
                      _check_decay(weight_decay), 0.0, inplace)


def adamw(w, dw, state=None, *, lr: LearningRate = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
          eps: float = 1e-8, weight_decay: float = 1e-2,
          inplace: bool = False) -> tuple[np.ndarray, dict]:
    """AdamW: Adam on the raw gradient, with weights shrunk separately (decoupled decay).

    First ``w = w * (1 - lr*weight_decay)``, then the bias-corrected Adam step of :func:`adam`
    computed from ``dw`` alone, as in ``torch.optim.AdamW``. The decay never enters ``m`` or
    ``v``, so it is not rescaled by the adaptive denominator.

    Parameters and returns are those of :func:`adam` (``weight_decay`` defaults to 1e-2).
    """
    return _adam_core("adamw", w, dw, state, lr, beta1, beta2, eps, True,
                      0.0, _check_decay(weight_decay), inplace)


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


# --------------------------------------------------------------------------------------------
# the lean path for a training loop
# --------------------------------------------------------------------------------------------

class _FlatAdam:
    """Adam or AdamW on one flat float vector, checked once, then updated without checks.

    :func:`dlhelpers.train.train` packs every parameter of a model into one vector and
    updates it once per mini-batch. For a small network the checks and scratch buffers of
    :func:`adam` cost about as much as its arithmetic, and they would find nothing new after
    the first step: the shapes never change and ``train`` itself checks that each gradient is
    finite. So everything is validated here, once, and :meth:`step` only does the arithmetic
    (the same float operations as :func:`adam`, so both give identical numbers).

    Parameters
    ----------
    rule : {adam, adamw}
        The public rule whose update this is; its defaults apply.
    w : float ndarray, shape (n,), C-contiguous and writeable
        The packed parameters, updated in place by :meth:`step`.
    lr : float or callable
    **hyperparameters
        The keyword arguments of ``rule`` (``beta1``, ``beta2``, ``eps``, ``weight_decay``,
        and ``bias_correction`` for adam).
    """

    def __init__(self, rule: Callable, w: np.ndarray, lr: LearningRate, **hyperparameters) -> None:
        if rule is adam:
            settings = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True,
                        "weight_decay": 0.0}
        elif rule is adamw:
            settings = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2}
        else:
            raise ValueError(f"_FlatAdam runs adam or adamw; got {getattr(rule, '__name__', rule)!r}")
        unknown = sorted(set(hyperparameters) - set(settings))
        if unknown:
            raise TypeError(f"{rule.__name__}() got unexpected keyword argument(s) {unknown}; "
                            f"it accepts {sorted(settings)}")
        settings.update(hyperparameters)
        if w.ndim != 1:
            raise ValueError(f"w must be a flat vector of shape (n,); got shape {w.shape}")
        self.w = _as_param(w, inplace=True)
        self.beta1 = _check_rate(settings["beta1"], "beta1")
        self.beta2 = _check_rate(settings["beta2"], "beta2")
        self.eps = check_positive(settings["eps"], "eps")
        decay = _check_decay(settings["weight_decay"])
        self.bias_correction = bool(settings.get("bias_correction", True))
        self.coupled_decay, self.decoupled_decay = (decay, 0.0) if rule is adam else (0.0, decay)
        self.lr = lr if callable(lr) else _resolve_lr(lr, 0)
        self.m, self.v = np.zeros_like(self.w), np.zeros_like(self.w)
        self.buf, self.tmp = _scratch(self.w, 2)
        self.t = 0

    def step(self, g: np.ndarray) -> None:
        """Update ``w`` in place with the gradient ``g`` (shape (n,), ``w``'s dtype, finite)."""
        step_lr = _resolve_lr(self.lr, self.t) if callable(self.lr) else self.lr
        _adam_arithmetic(self.w, g, self.m, self.v, step_lr, self.t + 1, self.beta1, self.beta2,
                         self.eps, self.bias_correction, self.coupled_decay, self.decoupled_decay,
                         self.buf, self.tmp)
        self.t += 1
