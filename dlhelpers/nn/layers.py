"""The affine (fully-connected) layer: ``out = x @ w + b``.

Shapes follow docs/CONVENTIONS.md: one example per row of ``x``, weights stored as
``(D, M)`` so that no transpose is needed in the forward pass.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_shape

# Kernels: the arithmetic alone, for callers that checked their inputs once (dlhelpers.models
# in a training loop). The public functions below are these plus the checks.

def _affine(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x @ w + b``, adding ``b`` into the fresh product when the dtypes allow (one allocation)."""
    out = x @ w
    if out.dtype != b.dtype:
        return out + b  # let numpy promote (e.g. float32 inputs with float64 biases)
    out += b
    return out


def _affine_grads(dout: np.ndarray, x: np.ndarray, w: np.ndarray, *, need_dx: bool = True):
    """``(dx, dw, db)`` of ``x @ w + b``; ``dx`` is None when not needed (the first layer)."""
    dx = dout @ w.T if need_dx else None
    return dx, x.T @ dout, np.add.reduce(dout, axis=0)


def affine_forward(x, w, b) -> tuple[np.ndarray, tuple]:
    """Forward pass of a fully-connected layer.

    Parameters
    ----------
    x : array of shape (N, D)
        A mini-batch, one example per row.
    w : array of shape (D, M)
        Weights; column ``m`` holds the weights of output unit ``m``.
    b : array of shape (M,)
        Biases, one per output unit.

    Returns
    -------
    out : ndarray of shape (N, M)
        ``x @ w + b``.
    cache : tuple
        ``(x, w)``, what :func:`affine_backward` needs.
    """
    x = as_float_array(x, "x", ndim=2)
    w = as_float_array(w, "w", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    if w.shape[0] != x.shape[1]:
        raise ValueError(
            f"w must have shape (D, M) with D = x.shape[1] = {x.shape[1]}; got w of shape "
            f"{w.shape} (a transposed weight matrix? the course stores w as (D, M))")
    check_shape(b, (w.shape[1],), "b")
    return _affine(x, w, b), (x, w)


def affine_backward(dout, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a fully-connected layer.

    Parameters
    ----------
    dout : array of shape (N, M)
        Upstream gradient, d loss / d out.
    cache : tuple
        The cache returned by :func:`affine_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    x, w = cache
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, (x.shape[0], w.shape[1]), "dout")
    return _affine_grads(dout, x, w)
