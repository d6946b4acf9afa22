"""Tests for dlhelpers.landscapes: gradients against finite differences, minima, vectorised
evaluation, reproducible noise, and the path recorder (closed-form runs, divergence)."""

import math

import numpy as np
import pytest

from dlhelpers import landscapes as L
from dlhelpers import optim

LANDSCAPES = {
    "quadratic": L.ill_conditioned_quadratic(),
    "rotated quadratic": L.ill_conditioned_quadratic(kappa=25.0, angle=0.6),
    "rosenbrock": L.rosenbrock(),
    "rosenbrock a=2 b=10": L.rosenbrock(a=2.0, b=10.0),
    "saddle": L.saddle(),
    "himmelblau": L.himmelblau(),
}
IDS = list(LANDSCAPES)


def central_difference(f, p, h=1e-6):
    """Numerical gradient of a scalar function of a 2-vector by central differences."""
    g = np.zeros(2)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        g[i] = (f(p + e) - f(p - e)) / (2 * h)
    return g


@pytest.mark.parametrize("name", IDS)
def test_gradient_matches_central_differences_at_random_points(name):
    land = LANDSCAPES[name]
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = np.array([rng.uniform(*land.xlim), rng.uniform(*land.ylim)])
        numeric = central_difference(land.f, p)
        np.testing.assert_allclose(land.grad(p), numeric, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", IDS)
def test_listed_minimum_has_zero_gradient_and_nothing_nearby_is_lower(name):
    land = LANDSCAPES[name]
    m = np.array(land.minimum)
    np.testing.assert_allclose(land.grad(m), 0.0, atol=1e-12)
    rng = np.random.default_rng(1)
    around = m + 1e-2 * rng.standard_normal((500, 2))
    assert np.all(land.f(around) >= land.f(m))


def test_known_minimum_values():
    assert L.rosenbrock(a=2.0, b=10.0).minimum == (2.0, 4.0)
    assert L.saddle().f(np.array(L.saddle().minimum)) == pytest.approx(-1.0)
    assert L.himmelblau().f(np.array([3.0, 2.0])) == 0.0
    # the saddle point itself: zero gradient, but f falls along y
    s = L.saddle()
    np.testing.assert_array_equal(s.grad(np.zeros(2)), 0.0)
    assert s.f(np.array([0.0, 0.1])) < s.f(np.zeros(2)) < s.f(np.array([0.1, 0.0]))


def test_quadratic_has_the_requested_condition_number_whatever_the_angle():
    for angle in (0.0, 0.3, 1.2):
        land = L.ill_conditioned_quadratic(kappa=40.0, angle=angle)
        # Hessian by differencing the (linear) gradient along the unit vectors
        hess = np.column_stack([land.grad(np.eye(2)[i]) for i in range(2)])
        np.testing.assert_allclose(hess, hess.T, atol=1e-12)
        eig = np.linalg.eigvalsh(hess)
        np.testing.assert_allclose(eig, [1.0, 40.0], rtol=1e-12)


@pytest.mark.parametrize("name", IDS)
def test_f_and_grad_are_vectorised_over_leading_axes(name):
    land = LANDSCAPES[name]
    X, Y, Z = land.grid(n=7)
    assert X.shape == Y.shape == Z.shape == (7, 7)
    points = np.stack([X, Y], axis=-1)
    one_by_one = np.array([[land.f(points[i, j]) for j in range(7)] for i in range(7)])
    np.testing.assert_allclose(Z, one_by_one, rtol=1e-14)
    grads = land.grad(points)
    assert grads.shape == (7, 7, 2)
    np.testing.assert_allclose(grads[3, 5], land.grad(points[3, 5]), rtol=1e-14)
    assert X.min() == land.xlim[0] and Y.max() == land.ylim[1]


def test_points_without_an_xy_last_axis_are_refused():
    with pytest.raises(ValueError, match=r"p must have shape \(2,\) or \(..., 2\).*got \(3,\)"):
        L.rosenbrock().f(np.zeros(3))


# ------------------------------------------------------------------------------- noise


def test_noisy_gradient_has_the_requested_spread_and_exact_f():
    base = L.ill_conditioned_quadratic()
    land = L.noisy(base, sigma=0.5, seed=3)
    p = np.array([1.0, -2.0])
    samples = np.array([land.grad(p) for _ in range(4000)])
    np.testing.assert_allclose(samples.mean(axis=0), base.grad(p), atol=0.05)
    np.testing.assert_allclose(samples.std(axis=0), 0.5, rtol=0.05)
    assert land.f(p) == base.f(p) and land.minimum == base.minimum


def test_noisy_runs_are_reproducible_and_depend_on_the_seed():
    base = L.rosenbrock()
    land = L.noisy(base, sigma=2.0, seed=11)
    first = L.run_optimizer(land, optim.sgd, steps=50, lr=1e-3)
    again = L.run_optimizer(land, optim.sgd, steps=50, lr=1e-3)
    np.testing.assert_array_equal(first.points, again.points)
    other = L.run_optimizer(L.noisy(base, sigma=2.0, seed=12), optim.sgd, steps=50, lr=1e-3)
    assert not np.allclose(first.points, other.points)
    exact = L.run_optimizer(L.noisy(base, sigma=0.0, seed=11), optim.sgd, steps=50, lr=1e-3)
    np.testing.assert_array_equal(exact.points, L.run_optimizer(base, optim.sgd, steps=50, lr=1e-3).points)


def test_noisy_validates_its_arguments():
    with pytest.raises(TypeError, match="landscape must be a Landscape"):
        L.noisy(lambda p: p, sigma=1.0, seed=0)
    with pytest.raises(ValueError, match="sigma must be finite and >= 0"):
        L.noisy(L.saddle(), sigma=-1.0, seed=0)


# ------------------------------------------------------------------------- run_optimizer


def test_gradient_descent_on_an_axis_aligned_quadratic_follows_the_closed_form():
    # f = (x^2 + kappa y^2)/2, so each step multiplies x by (1 - lr) and y by (1 - lr*kappa).
    kappa, lr, steps = 10.0, 0.15, 40
    land = L.ill_conditioned_quadratic(kappa)
    x0 = np.array([3.0, -1.0])
    path = L.run_optimizer(land, "sgd", x0=x0, steps=steps, lr=lr)
    k = np.arange(steps + 1)
    expected = np.column_stack([3.0 * (1 - lr) ** k, -1.0 * (1 - lr * kappa) ** k])
    np.testing.assert_allclose(path.points, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(path.losses, land.f(expected), rtol=1e-12, atol=1e-15)
    assert path.points.shape == (steps + 1, 2) and path.losses.shape == (steps + 1,)
    assert not path.diverged and path.steps == steps


def test_steps_to_counts_the_first_step_within_tolerance():
    # kappa = 1 and lr = 0.5: distance to the origin halves every step.
    land = L.ill_conditioned_quadratic(kappa=1.0)
    path = L.run_optimizer(land, optim.sgd, x0=[3.0, 4.0], steps=30, lr=0.5)
    for tol in (4.0, 1e-3, 1e-6):
        assert path.steps_to(tol) == math.ceil(math.log2(5.0 / tol))
    assert path.steps_to(5.0) == 0
    assert path.steps_to(1e-30) is None


def test_momentum_beats_plain_descent_on_the_ill_conditioned_quadratic():
    """Best tuned rates: GD contracts by (k-1)/(k+1) a step, heavy ball by (sqrt k-1)/(sqrt k+1)."""
    kappa = 100.0
    land = L.ill_conditioned_quadratic(kappa)
    gd = L.run_optimizer(land, "sgd", steps=2000, lr=2 / (1 + kappa))
    root = math.sqrt(kappa)
    heavy = L.run_optimizer(land, "momentum", steps=2000, lr=4 / (1 + root) ** 2,
                            rho=((root - 1) / (root + 1)) ** 2)
    n_gd, n_heavy = gd.steps_to(1e-6), heavy.steps_to(1e-6)
    start = np.linalg.norm(land.start)
    predicted_gd = math.log(1e-6 / start) / math.log((kappa - 1) / (kappa + 1))
    assert n_gd == pytest.approx(predicted_gd, rel=0.05)
    assert n_heavy < n_gd / 4


def test_divergence_stops_early_and_says_so_without_nans():
    path = L.run_optimizer(L.rosenbrock(), optim.sgd, steps=100, lr=0.1)
    assert path.diverged
    assert path.steps < 100 and path.points.shape == (path.steps + 1, 2)
    assert np.all(np.isfinite(path.points)) and np.all(np.isfinite(path.losses))
    assert f"stopped at step {path.steps + 1}" in path.message and "diverged" in path.message


def test_rule_by_name_schedule_and_hyperparameters_are_passed_through():
    land = L.ill_conditioned_quadratic()
    a = L.run_optimizer(land, "adam", steps=30, lr=0.1, beta1=0.5)
    b = L.run_optimizer(land, optim.adam, steps=30, lr=0.1, beta1=0.5)
    np.testing.assert_array_equal(a.points, b.points)
    c = L.run_optimizer(land, optim.adam, steps=30, lr=0.1)
    assert not np.allclose(a.points, c.points)
    start = np.array(land.start)
    first = L.run_optimizer(land, "sgd", steps=1, lr=lambda t: 0.01 * (t + 1))
    np.testing.assert_allclose(first.points[1], start - 0.01 * land.grad(start))


def test_run_optimizer_validates_its_arguments():
    land = L.saddle()
    with pytest.raises(ValueError, match="rule must be one of"):
        L.run_optimizer(land, "lbfgs", lr=0.1)
    with pytest.raises(TypeError, match="rule must be a name or an update function; got float"):
        L.run_optimizer(land, 0.1)
    with pytest.raises(ValueError, match=r"x0 must have shape \(2,\); got \(3,\)"):
        L.run_optimizer(land, "sgd", x0=[1.0, 2.0, 3.0], lr=0.1)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        L.run_optimizer(land, "sgd", steps=-5, lr=0.1)
    with pytest.raises(TypeError, match="landscape must be a Landscape"):
        L.run_optimizer("saddle", "sgd", lr=0.1)
