"""Elementwise activation functions as forward/backward pairs.

Every forward takes an array of any shape and returns ``(out, cache)``; every backward takes
the upstream gradient (same shape) and the cache and returns ``dx``. Where a function has a
kink (ReLU and friends at 0) the backward uses the right-hand rule ``x > 0``, as torch does.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._checks import as_float_array, check_positive, check_same_shape
from ._special import normal_cdf

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEF = 0.044715  # the cubic term of the tanh approximation (Hendrycks & Gimpel)


def _upstream(dout, like: np.ndarray) -> np.ndarray:
    dout = as_float_array(dout, "dout")
    check_same_shape(dout, like, "dout", "the layer's input x")
    return dout


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # exp is only ever taken of a non-positive number, so it cannot overflow.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# ----------------------------------------------------------------------------- ReLU family
def _relu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Kernel of :func:`relu_forward` (no checks); ``out=x`` overwrites ``x``."""
    return np.maximum(x, 0.0, out=out)


def _relu_grad(dout: np.ndarray, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Kernel of :func:`relu_backward`: ``dout * (x > 0)``. ``x`` may also be ``relu(x)``,
    which is positive exactly where ``x`` is; ``out=dout`` overwrites ``dout``."""
    return np.multiply(dout, x > 0, out=out)


def relu_forward(x) -> tuple[np.ndarray, np.ndarray]:
    """ReLU, ``max(0, x)``. x: any shape; out: same shape; cache: x."""
    x = as_float_array(x, "x")
    return _relu(x), x


def relu_backward(dout, cache: np.ndarray) -> np.ndarray:
    """Gradient of ReLU: ``dout`` where ``x > 0``, else 0. Returns dx, shape of x."""
    x = cache
    dout = _upstream(dout, x)
    return _relu_grad(dout, x)


def leaky_relu_forward(x, alpha: float = 0.01) -> tuple[np.ndarray, tuple]:
    """Leaky ReLU, ``x`` for ``x > 0`` and ``alpha * x`` otherwise (any shape)."""
    x = as_float_array(x, "x")
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache: tuple) -> np.ndarray:
    """Gradient of leaky ReLU: 1 for ``x > 0``, ``alpha`` otherwise, times ``dout``."""
    x, alpha = cache
    dout = _upstream(dout, x)
    return dout * np.where(x > 0, 1.0, alpha)


def elu_forward(x, alpha: float = 1.0) -> tuple[np.ndarray, tuple]:
    """ELU, ``x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise (any shape)."""
    x = as_float_array(x, "x")
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    # expm1 keeps digits for small negative x; the minimum stops exp overflowing on the
    # branch that np.where discards.
    neg = alpha * np.expm1(np.minimum(x, 0.0))
    return np.where(x > 0, x, neg), (x, alpha)


def elu_backward(dout, cache: tuple) -> np.ndarray:
    """Gradient of ELU: 1 for ``x > 0``, ``alpha * exp(x)`` otherwise, times ``dout``."""
    x, alpha = cache
    dout = _upstream(dout, x)
    return dout * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def prelu_forward(x, alpha) -> tuple[np.ndarray, tuple]:
    """Parametric ReLU (He et al. 2015): leaky ReLU whose negative slope ``alpha`` is learned.

    Parameters
    ----------
    x : array of shape (N, D) (or any shape when ``alpha`` is a scalar)
    alpha : float or array of shape (D,)
        One slope shared by all units, or one per feature (column), as
        ``torch.nn.PReLU(num_parameters=D)``. Any real value is allowed: it is learned.

    Returns
    -------
    out : ndarray, shape of x
    cache : tuple, for :func:`prelu_backward`
    """
    x = as_float_array(x, "x")
    a = as_float_array(alpha, "alpha")
    if a.ndim > 1 or (a.ndim == 1 and (x.ndim < 1 or a.shape[0] != x.shape[-1])):
        raise ValueError(f"alpha must be a scalar or of shape ({x.shape[-1] if x.ndim else 'D'},) "
                         f"(one slope per feature, the last axis of x); got alpha of shape "
                         f"{a.shape} for x of shape {x.shape}")
    return np.where(x > 0, x, a * x), (x, a)


def prelu_backward(dout, cache: tuple) -> tuple[np.ndarray, np.ndarray | float]:
    """Gradients of PReLU with respect to the input and to the slope.

    Returns
    -------
    dx : ndarray, shape of x (``dout`` where ``x > 0``, ``alpha * dout`` elsewhere)
    dalpha : float or ndarray of shape (D,)
        Sum of ``dout * x`` over the entries with ``x <= 0`` (over every axis but the last
        when ``alpha`` has one entry per feature): the slope is shared by those entries, so
        their gradients add up.
    """
    x, a = cache
    dout = _upstream(dout, x)
    negative = x <= 0
    dx = dout * np.where(negative, a, 1.0)
    per_entry = np.where(negative, dout * x, 0.0)
    if a.ndim == 0:
        return dx, float(per_entry.sum())
    return dx, per_entry.reshape(-1, a.shape[0]).sum(axis=0)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu_forward(x) -> tuple[np.ndarray, np.ndarray]:
    """SELU (Klambauer et al. 2017), ``scale * elu(x, alpha)`` with the paper's fixed constants.

    ``alpha = 1.6733`` and ``scale = 1.0507`` are chosen so that, for standard-normal inputs
    and weights with ``Var = 1/d_in``, the mean 0 and variance 1 are a fixed point from layer to
    layer ("self-normalizing"). Same values as ``torch.nn.SELU``. Cache: x.
    """
    x = as_float_array(x, "x")
    neg = (_SELU_SCALE * _SELU_ALPHA) * np.expm1(np.minimum(x, 0.0))
    return np.where(x > 0, _SELU_SCALE * x, neg), x


def selu_backward(dout, cache: np.ndarray) -> np.ndarray:
    """Gradient of SELU: ``scale`` for ``x > 0``, ``scale * alpha * exp(x)`` otherwise."""
    x = cache
    dout = _upstream(dout, x)
    slope = np.where(x > 0, _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA * np.exp(np.minimum(x, 0.0)))
    return dout * slope


# ------------------------------------------------------------------------- smooth squashers
def sigmoid_forward(x) -> tuple[np.ndarray, np.ndarray]:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``. Cache: out."""
    x = as_float_array(x, "x")
    out = _stable_sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache: np.ndarray) -> np.ndarray:
    """Gradient of the sigmoid, ``dout * s * (1 - s)`` with ``s`` the forward output."""
    s = cache
    dout = _upstream(dout, s)
    return dout * s * (1.0 - s)


def tanh_forward(x) -> tuple[np.ndarray, np.ndarray]:
    """Hyperbolic tangent (any shape). Cache: out."""
    x = as_float_array(x, "x")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache: np.ndarray) -> np.ndarray:
    """Gradient of tanh, ``dout * (1 - out**2)``."""
    t = cache
    dout = _upstream(dout, t)
    return dout * (1.0 - t * t)


# ----------------------------------------------------------------------- GELU and Swish
def gelu_forward(x, approximate: str = "none") -> tuple[np.ndarray, tuple]:
    """GELU, ``x * Phi(x)`` with ``Phi`` the standard normal CDF.

    Parameters
    ----------
    x : array, any shape
    approximate : {"none", "tanh"}
        ``"none"`` (default) is the exact, erf-based GELU, torch's default;
        ``"tanh"`` is ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``, torch's
        ``approximate="tanh"``.

    Returns
    -------
    out : ndarray, shape of x
    cache : tuple
    """
    x = as_float_array(x, "x")
    if approximate == "none":
        cdf = normal_cdf(x).astype(x.dtype, copy=False)
        return x * cdf, (x, approximate, cdf)
    if approximate == "tanh":
        # 0.5 * (1 + tanh(u)) equals sigmoid(2u); the sigmoid form keeps full relative
        # precision for very negative x, where 1 + tanh(u) would cancel.
        s = _stable_sigmoid(2.0 * _SQRT_2_OVER_PI * (x + _GELU_TANH_COEF * x**3))
        return x * s, (x, approximate, s)
    raise ValueError(f"approximate must be 'none' or 'tanh'; got {approximate!r}")


def gelu_backward(dout, cache: tuple) -> np.ndarray:
    """Gradient of GELU (exact: ``Phi(x) + x * phi(x)``; or of its tanh approximation)."""
    x, approximate, saved = cache
    dout = _upstream(dout, x)
    if approximate == "none":
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return dout * (saved + x * pdf)
    s = saved  # sigmoid(2u), with u the tanh's argument
    du = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEF * x * x)
    return dout * (s + 2.0 * x * s * (1.0 - s) * du)


def swish_forward(x, beta: float = 1.0) -> tuple[np.ndarray, tuple]:
    """Swish, ``x * sigmoid(beta * x)``; with ``beta = 1`` it is SiLU (``torch.nn.SiLU``)."""
    x = as_float_array(x, "x")
    beta = check_positive(beta, "beta", allow_zero=True)
    s = _stable_sigmoid(beta * x)
    return x * s, (x, beta, s)


def swish_backward(dout, cache: tuple) -> np.ndarray:
    """Gradient of swish, ``s + beta * x * s * (1 - s)`` with ``s = sigmoid(beta x)``."""
    x, beta, s = cache
    dout = _upstream(dout, x)
    return dout * (s + beta * x * s * (1.0 - s))


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "elu": (elu_forward, elu_backward),
    "selu": (selu_forward, selu_backward),
    "gelu": (gelu_forward, gelu_backward),
    "swish": (swish_forward, swish_backward),
}
"""Name -> (forward, backward), for models that take the activation as a string.

PReLU is not in this table: its slope is a learned parameter, so its backward returns
``(dx, dalpha)`` rather than ``dx``."""
