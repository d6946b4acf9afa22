"""The fast in-place path of :mod:`dlhelpers.optim`: chunked kernels, no checks.

Each kernel updates a flat parameter vector ``w`` (shape (n,)) and its state arrays in
place, reading the flat gradient ``g`` (shape (n,)). They exist for speed only: working
through the arrays in cache-sized chunks with ``out=`` buffers fetches each element from
main memory once per step instead of once per numpy expression.

Every kernel executes exactly the float operations of the readable rule of the same name
in :mod:`dlhelpers.optim`, in the same order and association, so both agree bit for bit
(tests/test_optim.py checks this with ``np.array_equal``). Change both together.

The callers validate everything; nothing here checks shapes, dtypes or finiteness. A
kernel never increments ``state["t"]``: its caller does, after the update.
"""

from __future__ import annotations

import math

import numpy as np

# 32 Ki elements: four float32 chunks plus two scratch buffers stay inside a typical L2 cache,
# so each element is fetched from main memory once per step instead of once per numpy call.
CHUNK = 32_768

STATE_KEYS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("v",),
    "nesterov": ("v",),
    "momentum_sutskever": ("v",),
    "adagrad": ("s",),
    "rmsprop": ("s",),
    "adam": ("m", "v"),
    "adamw": ("m", "v"),
}
"""The arrays each rule keeps in its state, besides the step count ``"t"``."""


def scratch(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two scratch vectors of shape ``(min(w.size, CHUNK),)`` in ``w``'s dtype."""
    size = min(w.size, CHUNK)
    return np.empty(size, dtype=w.dtype), np.empty(size, dtype=w.dtype)


def _chunks(n: int):
    """Yield slices that cover ``range(n)`` in pieces of at most ``CHUNK`` elements."""
    for lo in range(0, n, CHUNK):
        yield slice(lo, min(lo + CHUNK, n))


def _l2(g: np.ndarray, w: np.ndarray, weight_decay: float, buf: np.ndarray) -> np.ndarray:
    """``g + weight_decay * w`` (coupled L2) for one chunk, written into ``buf`` if needed."""
    if weight_decay == 0.0:
        return g
    np.multiply(w, weight_decay, out=buf)
    buf += g
    return buf


def sgd(w, g, state, lr, *, weight_decay, buffers):
    """``w -= lr * (g + weight_decay * w)``."""
    buf, tmp = buffers
    for sl in _chunks(w.size):
        n = sl.stop - sl.start
        geff = _l2(g[sl], w[sl], weight_decay, buf[:n])
        np.multiply(geff, lr, out=tmp[:n])
        w[sl] -= tmp[:n]


def _heavy_ball(w, g, state, lr, rho, weight_decay, buffers, look_ahead):
    buf, tmp = buffers
    vel = state["v"].reshape(-1)
    for sl in _chunks(w.size):
        n = sl.stop - sl.start
        geff = _l2(g[sl], w[sl], weight_decay, buf[:n])
        v, t = vel[sl], tmp[:n]
        v *= rho
        v += geff
        if look_ahead:
            np.multiply(v, rho, out=t)
            t += geff
            t *= lr
        else:
            np.multiply(v, lr, out=t)
        w[sl] -= t


def momentum(w, g, state, lr, *, rho, weight_decay, buffers):
    """``v = rho*v + g``; ``w -= lr * v``."""
    _heavy_ball(w, g, state, lr, rho, weight_decay, buffers, look_ahead=False)


def nesterov(w, g, state, lr, *, rho, weight_decay, buffers):
    """``v = rho*v + g``; ``w -= lr * (g + rho*v)``."""
    _heavy_ball(w, g, state, lr, rho, weight_decay, buffers, look_ahead=True)


def momentum_sutskever(w, g, state, lr, *, mu, weight_decay, buffers):
    """``u = mu*u - lr*g``; ``w += u``."""
    buf, tmp = buffers
    vel = state["v"].reshape(-1)
    for sl in _chunks(w.size):
        n = sl.stop - sl.start
        geff = _l2(g[sl], w[sl], weight_decay, buf[:n])
        v = vel[sl]
        v *= mu
        np.multiply(geff, lr, out=tmp[:n])
        v -= tmp[:n]
        w[sl] += v


def _adaptive_step(w, geff, s, t, lr, eps):
    """``w -= lr * (geff / (sqrt(s) + eps))`` for one chunk, using scratch ``t``."""
    np.sqrt(s, out=t)
    t += eps
    np.divide(geff, t, out=t)
    t *= lr
    w -= t


def adagrad(w, g, state, lr, *, eps, weight_decay, buffers):
    """``s += g*g``; ``w -= lr * (g / (sqrt(s) + eps))``."""
    buf, tmp = buffers
    acc = state["s"].reshape(-1)
    for sl in _chunks(w.size):
        n = sl.stop - sl.start
        geff = _l2(g[sl], w[sl], weight_decay, buf[:n])
        s, t = acc[sl], tmp[:n]
        np.multiply(geff, geff, out=t)
        s += t
        _adaptive_step(w[sl], geff, s, t, lr, eps)


def rmsprop(w, g, state, lr, *, decay, eps, weight_decay, buffers):
    """``s = decay*s + (1-decay)*g*g``; ``w -= lr * (g / (sqrt(s) + eps))``."""
    buf, tmp = buffers
    avg = state["s"].reshape(-1)
    for sl in _chunks(w.size):
        n = sl.stop - sl.start
        geff = _l2(g[sl], w[sl], weight_decay, buf[:n])
        s, t = avg[sl], tmp[:n]
        s *= decay
        np.multiply(geff, 1.0 - decay, out=t)
        t *= geff
        s += t
        _adaptive_step(w[sl], geff, s, t, lr, eps)


def _adam(w, g, state, lr, beta1, beta2, eps, bias_correction, coupled_decay, decoupled_decay,
          buffers):
    buf, tmp = buffers
    step = state["t"] + 1
    if bias_correction:
        step_size = lr / (1.0 - beta1 ** step)
        inv_root_c2 = 1.0 / math.sqrt(1.0 - beta2 ** step)
    else:
        step_size, inv_root_c2 = lr, 1.0
    shrink = 1.0 - lr * decoupled_decay
    mom, sq = state["m"].reshape(-1), state["v"].reshape(-1)
    for sl in _chunks(w.size):
        n = sl.stop - sl.start
        wc, t = w[sl], tmp[:n]
        if decoupled_decay:
            wc *= shrink
        geff = _l2(g[sl], wc, coupled_decay, buf[:n])
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


def adam(w, g, state, lr, *, beta1, beta2, eps, bias_correction, weight_decay, buffers):
    """Adam with coupled L2 (``g + weight_decay*w`` enters the moments)."""
    _adam(w, g, state, lr, beta1, beta2, eps, bias_correction, weight_decay, 0.0, buffers)


def adamw(w, g, state, lr, *, beta1, beta2, eps, weight_decay, buffers):
    """AdamW: ``w *= 1 - lr*weight_decay``, then the bias-corrected Adam step on ``g``."""
    _adam(w, g, state, lr, beta1, beta2, eps, True, 0.0, weight_decay, buffers)


KERNELS = {"sgd": sgd, "momentum": momentum, "nesterov": nesterov,
           "momentum_sutskever": momentum_sutskever, "adagrad": adagrad, "rmsprop": rmsprop,
           "adam": adam, "adamw": adamw}
"""The kernel of every rule by name."""
