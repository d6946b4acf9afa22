"""Regularization strength explorer (lesson 08).

A polynomial of chosen degree is fitted to a few noisy points with an L2 (ridge) or L1
(lasso) penalty of chosen strength. The picture shows the fitted curve next to its
coefficients, and readouts give the training and validation error and how many coefficients
are exactly zero, so the learner sees a penalty trade training fit for validation fit, and
L1 switch coefficients off where L2 only shrinks them.

``regularization_explorer()`` returns the widget; ``explorer_figure(...)`` draws the same
picture without widgets (the lesson's static view).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlhelpers._checks import as_float_array, check_int, check_positive, check_same_shape
from dlhelpers.plots._figure import standalone_figure
from dlhelpers.widgets._display import Explorer

__all__ = ["polynomial_data", "fit_polynomial", "explorer_figure", "regularization_explorer",
           "RegularizationExplorer"]

PENALTIES = ("L2", "L1")


def polynomial_data(n_train: int = 12, n_val: int = 60, *, noise: float = 0.25, seed: int = 0):
    """Noisy samples of a smooth curve on [-1, 1] (the lesson's running example).

    Returns
    -------
    x_train (n_train,), y_train (n_train,), x_val (n_val,), y_val (n_val,)
    """
    n_train = check_int(n_train, "n_train", minimum=2)
    n_val = check_int(n_val, "n_val", minimum=1)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = np.random.default_rng(seed)

    def truth(x):
        return np.sin(2.5 * x) + 0.5 * x

    # Training inputs spread evenly (with jitter) so validation never asks for extrapolation.
    x_train = np.clip(np.linspace(-1, 1, n_train) + rng.uniform(-0.4, 0.4, n_train) / n_train, -1, 1)
    x_val = np.sort(rng.uniform(-1, 1, n_val))
    y_train = truth(x_train) + noise * rng.standard_normal(n_train)
    y_val = truth(x_val) + noise * rng.standard_normal(n_val)
    return x_train, y_train, x_val, y_val


def _features(x: np.ndarray, degree: int) -> np.ndarray:
    """Columns x^1 .. x^degree, shape (N, degree); the intercept is handled separately."""
    return x[:, None] ** np.arange(1, degree + 1)[None, :]


def fit_polynomial(x, y, degree: int, *, lam: float = 0.0, penalty: str = "L2",
                   sweeps: int = 400) -> np.ndarray:
    """Fit ``y ~ c0 + c1 x + ... + cd x^d`` by least squares plus a penalty on c1..cd.

    The loss is ``mean((y - Xc)^2) + lam * R(c)`` with ``R = sum(c^2)`` (L2, solved in closed
    form) or ``R = sum(|c|)`` (L1, solved by proximal gradient steps, which set coefficients
    exactly to zero). The intercept ``c0`` is not penalised.

    Parameters
    ----------
    x, y : arrays of shape (N,)
    degree : int, >= 0
    lam : float, >= 0
    penalty : "L2" or "L1"

    Returns
    -------
    coef : array of shape (degree + 1,), lowest power first (``np.polynomial`` order)
    """
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    check_same_shape(x, y, "x", "y")
    degree = check_int(degree, "degree", minimum=0)
    lam = check_positive(lam, "lam", allow_zero=True)
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}; got {penalty!r}")
    n = x.size
    y_mean = y.mean()
    if degree == 0:
        return np.array([y_mean])
    F = _features(x, degree)
    f_mean = F.mean(axis=0)
    Fc, yc = F - f_mean, y - y_mean  # centring lets the intercept drop out of the penalty
    if penalty == "L2":
        A = Fc.T @ Fc / n + lam * np.eye(degree)
        c = np.linalg.lstsq(A, Fc.T @ yc / n, rcond=None)[0]
    else:
        c = _lasso_cd(Fc, yc, lam, sweeps)
    return np.concatenate([[y_mean - f_mean @ c], c])


def _lasso_cd(F: np.ndarray, y: np.ndarray, lam: float, sweeps: int) -> np.ndarray:
    """Minimise mean((y - F c)^2) + lam * sum|c| by cyclic coordinate descent.

    Each coordinate has a closed-form minimiser (a soft threshold), which is what sets
    coefficients exactly to zero.
    """
    n, d = F.shape
    col_sq = (F ** 2).sum(axis=0) / n
    c = np.zeros(d)
    r = y.copy()  # residual y - F c, kept up to date
    for _ in range(sweeps):
        for j in range(d):
            r += F[:, j] * c[j]
            rho = F[:, j] @ r / n
            c[j] = np.sign(rho) * max(abs(rho) - lam / 2, 0.0) / col_sq[j]
            r -= F[:, j] * c[j]
    return c


def _mse(coef: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((np.polynomial.polynomial.polyval(x, coef) - y) ** 2))


def explorer_figure(degree: int = 11, lam: float = 1e-3, penalty: str = "L2", *, data=None):
    """Draw the explorer's picture for one setting.

    Returns
    -------
    fig : matplotlib Figure with two axes (fit, coefficients)
    readout : dict with "train_mse", "val_mse", "zeros" (count of exactly-zero coefficients
        among c1..cd) and "coef" (array of shape (degree + 1,))
    """
    x_tr, y_tr, x_va, y_va = data if data is not None else polynomial_data()
    coef = fit_polynomial(x_tr, y_tr, degree, lam=lam, penalty=penalty)
    readout = {"train_mse": _mse(coef, x_tr, y_tr), "val_mse": _mse(coef, x_va, y_va),
               "zeros": int(np.sum(coef[1:] == 0.0)), "coef": coef}
    fig = standalone_figure((9.5, 3.6))
    ax_fit, ax_coef = fig.subplots(1, 2, width_ratios=[1.3, 1])
    grid = np.linspace(-1, 1, 300)
    ax_fit.scatter(x_tr, y_tr, color="black", s=20, zorder=3, label="training")
    ax_fit.scatter(x_va, y_va, facecolors="none", edgecolors="0.5", s=14, label="validation")
    ax_fit.plot(grid, np.polynomial.polynomial.polyval(grid, coef), color="#D55E00",
                linewidth=2, label=f"degree {degree}, {penalty}, lambda={lam:.2g}")
    span = np.ptp(y_tr)
    ax_fit.set_ylim(y_tr.min() - 0.6 * span, y_tr.max() + 0.6 * span)
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("y")
    ax_fit.set_title(f"train MSE {readout['train_mse']:.3f}, validation MSE {readout['val_mse']:.3f}")
    ax_fit.legend(loc="lower right")
    powers = np.arange(1, degree + 1)
    ax_coef.bar(powers, coef[1:], color=["0.7" if c == 0 else "#0072B2" for c in coef[1:]])
    ax_coef.axhline(0, color="black", linewidth=0.8)
    ax_coef.set_xlabel("power of x")
    ax_coef.set_ylabel("coefficient")
    ax_coef.set_title(f"coefficients ({readout['zeros']} of {degree} exactly zero)")
    if degree:
        ax_coef.set_xticks(powers)
    return fig, readout



class RegularizationExplorer(Explorer):
    """The widget: ``.controls`` (dict of sliders/dropdowns), ``.output`` (the figure's
    Output), ``.figure`` (the last matplotlib Figure drawn) and ``.readout`` (its numbers)."""

    def __init__(self, degree: int = 11, lam: float = 1e-3, penalty: str = "L2"):
        self.data = polynomial_data()
        wide = {"continuous_update": False, "style": {"description_width": "initial"}}
        controls = {
            "degree": widgets.IntSlider(value=degree, min=1, max=14, description="polynomial degree",
                                        **wide),
            "lam": widgets.FloatLogSlider(value=lam, base=10, min=-7, max=1, step=0.25,
                                          description="strength lambda", readout_format=".1e", **wide),
            "penalty": widgets.ToggleButtons(options=list(PENALTIES), value=penalty,
                                             description="penalty"),
        }
        super().__init__(controls, self._figure)

    def _figure(self, degree: int, lam: float, penalty: str):
        return explorer_figure(degree, lam, penalty, data=self.data)


def regularization_explorer(degree: int = 11, lam: float = 1e-3,
                            penalty: str = "L2") -> RegularizationExplorer:
    """Build the regularization strength explorer (see the module docstring)."""
    check_int(degree, "degree", minimum=1)
    check_positive(lam, "lam", allow_zero=True)
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}; got {penalty!r}")
    return RegularizationExplorer(degree, lam, penalty)
