"""The affine (fully-connected) layer: ``out = x @ w + b``.

Shapes follow docs/CONVENTIONS.md: one example per row of ``x``, weights stored as
``(D, M)`` so that no transpose is needed in the forward pass.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_shape


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
    out = x @ w + b
    return out, (x, w)


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
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
