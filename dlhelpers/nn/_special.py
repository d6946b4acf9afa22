"""An accurate, vectorised error function for numpy (numpy has none; scipy is not a dependency).

Two classical expansions cover the real line with about 15 correct digits:

* for ``|z| <= 1.5`` the series ``erf(z) = 2/sqrt(pi) * exp(-z**2) * sum_n (2 z**2)**n z / (2n+1)!!``,
  whose terms are all positive, so no digits are lost to cancellation;
* for ``|z| > 1.5`` the continued fraction of ``erfc``, evaluated bottom-up at a fixed depth,
  which converges fast away from zero and keeps the tiny tail values accurate.

``tests/test_nn_activations.py`` compares both against ``math.erf``/``math.erfc``.
"""

from __future__ import annotations

import math

import numpy as np

_SPLIT = 1.5
_CF_DEPTH = 120
_SERIES_TOL = 1e-17


def _erf_series(z: np.ndarray) -> np.ndarray:
    """erf for small |z| (any shape)."""
    term = z.copy()
    total = z.copy()
    two_z2 = 2.0 * z * z
    n = 0
    while True:
        n += 1
        term = term * two_z2 / (2 * n + 1)
        total += term
        if np.all(np.abs(term) <= _SERIES_TOL * np.abs(total)):
            break
    return 2.0 / math.sqrt(math.pi) * np.exp(-z * z) * total


def _erfc_fraction(z: np.ndarray) -> np.ndarray:
    """erfc for z > _SPLIT (any shape)."""
    denom = z.copy()
    for k in range(_CF_DEPTH, 0, -1):
        denom = z + (0.5 * k) / denom
    return np.exp(-z * z) / (math.sqrt(math.pi) * denom)


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function ``1 - erf(x)``, elementwise, accurate in both tails."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    small = np.abs(x) <= _SPLIT
    right = x > _SPLIT
    left = x < -_SPLIT
    if small.any():
        out[small] = 1.0 - _erf_series(x[small])
    if right.any():
        out[right] = _erfc_fraction(x[right])
    if left.any():
        out[left] = 2.0 - _erfc_fraction(-x[left])
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """Error function, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    small = np.abs(x) <= _SPLIT
    if small.any():
        out[small] = _erf_series(x[small])
    big = ~small
    if big.any():
        out[big] = np.sign(x[big]) * (1.0 - _erfc_fraction(np.abs(x[big])))
    return out


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF, ``0.5 * erfc(-x / sqrt(2))`` (accurate for very negative x too)."""
    return 0.5 * erfc(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0))
