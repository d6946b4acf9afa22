"""Batch normalisation and layer normalisation.

Running statistics (batch norm)
-------------------------------
``running = momentum * running + (1 - momentum) * batch_statistic``, so our ``momentum=0.9``
is torch's ``BatchNorm1d(momentum=0.1)`` (torch weighs the *new* batch by its momentum).

The batch is normalised with the biased variance (divide by N), but the running variance is
updated with the unbiased one (divide by N - 1), exactly as torch does; a model trained here
and in torch therefore has the same running statistics and the same test-time outputs.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_in_range, check_positive, check_shape


def _check_affine_params(x: np.ndarray, gamma, beta) -> tuple[np.ndarray, np.ndarray]:
    d = x.shape[1]
    gamma = as_float_array(gamma, "gamma", ndim=1)
    beta = as_float_array(beta, "beta", ndim=1)
    check_shape(gamma, (d,), "gamma")
    check_shape(beta, (d,), "beta")
    return gamma, beta


def _running_state(state, d: int) -> tuple[np.ndarray, np.ndarray]:
    if state is None:
        return np.zeros(d), np.ones(d)
    if not isinstance(state, dict) or not {"running_mean", "running_var"} <= state.keys():
        raise ValueError("state must be None or a dict with keys 'running_mean' and "
                         f"'running_var'; got {state!r:.80}")
    mean = as_float_array(state["running_mean"], "state['running_mean']", ndim=1)
    var = as_float_array(state["running_var"], "state['running_var']", ndim=1)
    check_shape(mean, (d,), "state['running_mean']")
    check_shape(var, (d,), "state['running_var']")
    if np.any(var < 0):
        raise ValueError("state['running_var'] must be >= 0; got a negative variance")
    return mean, var


def batchnorm_forward(x, gamma, beta, state: dict | None, *, train: bool,
                      momentum: float = 0.9, eps: float = 1e-5) -> tuple[np.ndarray, dict, dict]:
    """Batch normalisation of each feature (column) over the mini-batch.

    Parameters
    ----------
    x : array of shape (N, D)
    gamma, beta : arrays of shape (D,)
        Learnable scale and shift.
    state : dict or None
        ``{"running_mean": (D,), "running_var": (D,)}``; ``None`` starts from zeros and ones.
        It is not modified: the updated statistics come back as ``new_state``.
    train : bool
        True: normalise with the batch's mean and (biased) variance and update the running
        statistics. False: normalise with the running statistics and leave them unchanged.
    momentum : float in [0, 1]
        Weight of the old running value (torch's ``momentum`` is ``1 - momentum``).
    eps : float > 0
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : dict
        For :func:`batchnorm_backward` and :func:`batchnorm_backward_graph`.
    new_state : dict
        ``{"running_mean": (D,), "running_var": (D,)}``.
    """
    x = as_float_array(x, "x", ndim=2)
    gamma, beta = _check_affine_params(x, gamma, beta)
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"train must be True or False; got {train!r}")
    momentum = check_in_range(momentum, "momentum", 0.0, 1.0)
    eps = check_positive(eps, "eps")
    run_mean, run_var = _running_state(state, x.shape[1])
    n = x.shape[0]
    if not train:
        inv_std = 1.0 / np.sqrt(run_var + eps)
        xhat = (x - run_mean) * inv_std
        cache = {"train": False, "xhat": xhat, "gamma": gamma, "inv_std": inv_std}
        new_state = {"running_mean": run_mean.copy(), "running_var": run_var.copy()}
        return gamma * xhat + beta, cache, new_state
    if n < 2:
        raise ValueError(f"batchnorm in train mode needs a batch of at least 2 rows (the variance "
                         f"of one sample is 0); got x of shape {x.shape}. Use train=False or a "
                         "bigger batch")
    # Each intermediate gets a name: batchnorm_backward_graph walks back through them.
    mu = x.mean(axis=0)
    xmu = x - mu
    var = (xmu**2).mean(axis=0)
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    xhat = xmu * inv_std
    out = gamma * xhat + beta
    new_state = {
        "running_mean": momentum * run_mean + (1.0 - momentum) * mu,
        "running_var": momentum * run_var + (1.0 - momentum) * var * n / (n - 1),
    }
    cache = {"train": True, "xhat": xhat, "gamma": gamma, "inv_std": inv_std, "xmu": xmu,
             "std": std}
    return out, cache, new_state


def _upstream(dout, cache: dict) -> np.ndarray:
    dout = as_float_array(dout, "dout", ndim=2)
    check_shape(dout, cache["xhat"].shape, "dout")
    return dout


def batchnorm_backward(dout, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch norm in closed form.

    In train mode ``dx = gamma / (N std) * (N dout - sum(dout) - xhat * sum(dout * xhat))``
    (sums over the batch), which folds the paths through the mean and the variance into one
    line. In test mode the statistics are constants, so ``dx = dout * gamma / std``.

    Parameters
    ----------
    dout : array of shape (N, D)
    cache : dict from :func:`batchnorm_forward`

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma, dbeta : ndarrays of shape (D,)
    """
    dout = _upstream(dout, cache)
    xhat, gamma, inv_std = cache["xhat"], cache["gamma"], cache["inv_std"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if not cache["train"]:
        return dout * gamma * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = (gamma * inv_std / n) * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def batchnorm_backward_graph(dout, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch norm, one node of the computation graph at a time.

    Walks back through ``mu -> xmu -> var -> std -> inv_std -> xhat -> out``; gives the same
    result as :func:`batchnorm_backward` (lesson 11 compares the two). Same shapes.
    """
    dout = _upstream(dout, cache)
    xhat, gamma, inv_std = cache["xhat"], cache["gamma"], cache["inv_std"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    if not cache["train"]:
        return dxhat * inv_std, dgamma, dbeta
    xmu, std = cache["xmu"], cache["std"]
    n = dout.shape[0]
    # xhat = xmu * inv_std: xmu gets one path here, inv_std collects a sum over the batch.
    dxmu = dxhat * inv_std
    dinv_std = (dxhat * xmu).sum(axis=0)
    dstd = -dinv_std / std**2                   # inv_std = 1 / std
    dvar = dstd * 0.5 / std                     # std = sqrt(var + eps)
    dxmu = dxmu + 2.0 * xmu * dvar / n          # var = mean(xmu**2): xmu's second path
    dmu = -dxmu.sum(axis=0)                     # xmu = x - mu
    dx = dxmu + dmu / n                         # mu = mean(x)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, dict]:
    """Layer normalisation: normalise each example (row) over its D features.

    Works the same at train and test time and for any batch size, including 1.

    Parameters
    ----------
    x : array of shape (N, D), D >= 1
    gamma, beta : arrays of shape (D,)
    eps : float > 0

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : dict
    """
    x = as_float_array(x, "x", ndim=2)
    gamma, beta = _check_affine_params(x, gamma, beta)
    eps = check_positive(eps, "eps")
    if x.shape[1] == 0:
        raise ValueError(f"layernorm needs at least one feature; got x of shape {x.shape}")
    xmu = x - x.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt((xmu**2).mean(axis=1, keepdims=True) + eps)
    xhat = xmu * inv_std
    return gamma * xhat + beta, {"xhat": xhat, "gamma": gamma, "inv_std": inv_std}


def layernorm_backward(dout, cache: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of layer norm (batch norm's closed form with the roles of axes swapped).

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma, dbeta : ndarrays of shape (D,)
    """
    dout = _upstream(dout, cache)
    xhat, gamma, inv_std = cache["xhat"], cache["gamma"], cache["inv_std"]
    d = dout.shape[1]
    dxhat = dout * gamma
    dx = (inv_std / d) * (d * dxhat - dxhat.sum(axis=1, keepdims=True)
                          - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
