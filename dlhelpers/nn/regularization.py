"""Weight penalties ``R(w)`` returning ``(value, grad)`` for one weight array.

Conventions: ``l2_penalty`` is ``lam * sum(w**2)`` with gradient ``2 * lam * w``. Some texts
write ``0.5 * lam * sum(w**2)`` so that the gradient is ``lam * w``; the two differ only by
a factor 2 in ``lam``. With SGD, this L2 term shrinks every weight by ``2 * lr * lam * w``
per step, i.e. it is weight decay with coefficient ``2 * lam``.

Biases are usually not penalised: call these on weight matrices only.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_in_range, check_positive


def l2_penalty(w, lam: float) -> tuple[float, np.ndarray]:
    """L2 penalty ``lam * sum(w**2)``.

    Parameters
    ----------
    w : array, any shape
    lam : float >= 0

    Returns
    -------
    value : float
    grad : ndarray, shape of w, ``2 * lam * w``
    """
    w = as_float_array(w, "w")
    lam = check_positive(lam, "lam", allow_zero=True)
    return _l2(w, lam)


def _l2(w: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """The L2 kernel, unchecked (models call it in their training loop)."""
    return lam * _sum_of_squares(w), (2.0 * lam) * w


def _sum_of_squares(w: np.ndarray) -> float:
    return float(np.vdot(w, w))  # one BLAS call, no temporary w * w


def l1_penalty(w, lam: float) -> tuple[float, np.ndarray]:
    """L1 penalty ``lam * sum(|w|)``; the subgradient at ``w == 0`` is 0.

    Returns
    -------
    value : float
    grad : ndarray, shape of w, ``lam * sign(w)``
    """
    w = as_float_array(w, "w")
    lam = check_positive(lam, "lam", allow_zero=True)
    return lam * float(np.sum(np.abs(w))), lam * np.sign(w)


def elastic_net_penalty(w, lam: float, l1_ratio: float = 0.5) -> tuple[float, np.ndarray]:
    """Elastic net ``lam * (l1_ratio * sum|w| + (1 - l1_ratio) * sum w**2)``.

    ``l1_ratio = 1`` is :func:`l1_penalty`, ``l1_ratio = 0`` is :func:`l2_penalty`.

    Returns
    -------
    value : float
    grad : ndarray, shape of w
    """
    w = as_float_array(w, "w")
    lam = check_positive(lam, "lam", allow_zero=True)
    l1_ratio = check_in_range(l1_ratio, "l1_ratio", 0.0, 1.0)
    v1, g1 = l1_penalty(w, lam * l1_ratio)
    v2, g2 = l2_penalty(w, lam * (1.0 - l1_ratio))
    return v1 + v2, g1 + g2
