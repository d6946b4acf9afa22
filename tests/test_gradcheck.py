"""dlhelpers.gradcheck: numerical gradients, relative error, check results, bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers.gradcheck import (
    GradCheckResult,
    gradient_check,
    numerical_gradient,
    numerical_gradient_array,
    relative_error,
    sparse_gradient_check,
)

FAST = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)


# ------------------------------------------------------------------- numerical gradients
@FAST
@given(n=st.integers(1, 6), seed=seeds)
def test_numerical_gradient_of_a_quadratic_form(n, seed):
    rng = np.random.default_rng(seed)
    a, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    num = numerical_gradient(lambda v: v @ a @ v, x)
    assert relative_error(num, (a + a.T) @ x) < 1e-7


def test_numerical_gradient_of_elementwise_functions_any_shape():
    x = np.linspace(-1, 1, 24).reshape(2, 3, 4)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x),
                               rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2,
                               rtol=1e-8, atol=1e-10)


def test_a_loss_and_grads_tuple_counts_as_its_loss():
    x = np.array([1.0, -2.0])
    num = numerical_gradient(lambda v: (float(v @ v), "grads would go here"), x)
    np.testing.assert_allclose(num, 2 * x, rtol=1e-9)


def test_numerical_gradient_array_is_the_gradient_of_the_weighted_sum():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    dout = np.array([[1.0, 2.0], [-3.0, 0.5]])
    num = numerical_gradient_array(lambda v: np.exp(v), x, dout)
    np.testing.assert_allclose(num, np.exp(x) * dout, rtol=1e-9)
    # A layer's (out, cache) pair counts as out.
    num = numerical_gradient_array(lambda v: (np.exp(v), "cache"), x, dout)
    np.testing.assert_allclose(num, np.exp(x) * dout, rtol=1e-9)
    # Output shape may differ from x's: a row sum, D -> 1.
    num = numerical_gradient_array(lambda v: v.sum(axis=1), x, np.array([2.0, -1.0]))
    np.testing.assert_allclose(num, [[2.0, 2.0], [-1.0, -1.0]], rtol=1e-9)


def test_x_is_restored_after_the_check_and_when_f_raises():
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_array_equal(x, before)  # bit for bit
    calls = []

    def flaky(v):
        calls.append(v.copy())
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(flaky, x)
    np.testing.assert_array_equal(x, before)
    # f really saw x perturbed in place: the second entry moved on the 3rd and 4th calls.
    assert calls[2][1] == pytest.approx(0.2 + 1e-5) and calls[3][1] == pytest.approx(0.2 - 1e-5)


def test_smaller_h_is_not_always_better():
    # Truncation error shrinks like h**2 but round-off grows like 1/h: h = 1e-5 beats both ends.
    x = np.array([1.0])

    def err(h):
        return abs(numerical_gradient(lambda v: float(np.exp(v[0])), x, h=h)[0] - np.e)

    assert err(1e-5) < err(1e-1) and err(1e-5) < err(1e-12)


# ---------------------------------------------------------------------- relative error
def test_relative_error_values():
    assert relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1e-20], [0.0]) == pytest.approx(1e-8)  # the 1e-12 floor
    assert relative_error([3.0], [-3.0]) == 1.0
    assert relative_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0


def test_relative_error_refuses_to_broadcast():
    with pytest.raises(ValueError, match=r"a and b must have the same shape; got \(3,\) and \(3, 1\)"):
        relative_error(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="b must be finite"):
        relative_error([1.0], [np.nan])


# ------------------------------------------------------------------------- check results
def _quadratic():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5))
    x = rng.standard_normal((4, 5))
    return (lambda v: float(np.sum(a * v**2))), x, 2 * a * x


def test_gradient_check_passes_a_right_gradient():
    f, x, grad = _quadratic()
    result = gradient_check(f, x, grad)
    assert isinstance(result, GradCheckResult)
    assert result.passed and bool(result) and result.max_rel_error < 1e-8
    assert "PASS" in repr(result) and "tol 1e-07" in repr(result)
    assert "PASS" in result._repr_html_()


def test_gradient_check_finds_a_planted_bug():
    f, x, grad = _quadratic()
    wrong = grad.copy()
    wrong[2, 3] *= 1.01
    wrong[0, 1] += 0.5
    result = gradient_check(f, x, wrong)
    assert not result.passed
    worst = result.worst(k=2)
    assert {worst[0][0], worst[1][0]} == {(2, 3), (0, 1)}
    index, analytic, numeric, rel = result.worst(k=1)[0]
    assert analytic == wrong[index] and numeric == pytest.approx(grad[index], rel=1e-7)
    assert rel == result.max_rel_error
    text = repr(result)
    assert "FAIL" in text and "worst entries" in text and "probably a bug" in text
    assert "FAIL" in result._repr_html_()


def test_gradient_check_with_upstream_gradient():
    x = np.array([[1.0, -2.0, 0.5]])
    dout = np.array([[0.3, 1.0, -2.0]])
    assert gradient_check(np.tanh, x, dout * (1 - np.tanh(x) ** 2), dout=dout).passed
    assert not gradient_check(np.tanh, x, dout, dout=dout).passed


def test_gradient_check_tolerance_is_honoured():
    f, x, grad = _quadratic()
    wrong = grad * (1 + 1e-6)  # relative error about 5e-7
    assert not gradient_check(f, x, wrong).passed
    assert gradient_check(f, x, wrong, tol=1e-5).passed


def test_sparse_gradient_check_samples_distinct_entries_reproducibly():
    f, x, grad = _quadratic()
    result = sparse_gradient_check(f, x, grad, num_checks=7)
    assert result.passed and len(result.indices) == 7 and len(set(result.indices)) == 7
    assert "a sample of 7 entries" in repr(result)
    again = sparse_gradient_check(f, x, grad, num_checks=7)
    assert again.indices == result.indices  # rng=None means default_rng(0)
    assert sparse_gradient_check(f, x, grad, num_checks=7, rng=0).indices == result.indices
    capped = sparse_gradient_check(f, x, grad, num_checks=1000, rng=np.random.default_rng(5))
    assert sorted(capped.indices) == sorted(np.ndindex(x.shape))
    wrong = grad.copy()
    wrong[1, 1] = -wrong[1, 1]
    assert not sparse_gradient_check(f, x, wrong, num_checks=1000).passed


@pytest.mark.parametrize("sparse", [False, True])
def test_plot_draws_a_titled_figure(sparse, tmp_path):
    f, x, grad = _quadratic()
    wrong = grad.copy()
    wrong[0, 0] += 1.0
    result = (sparse_gradient_check(f, x, wrong, num_checks=20) if sparse
              else gradient_check(f, x, wrong))
    ax = result.plot()
    assert "FAIL" in ax.get_title() and ax.get_xlabel()
    ax.figure.savefig(tmp_path / "check.png")
    plt.close(ax.figure)
    # A sparse check that happens to cover every entry draws the heatmap in the right places.
    every = sparse_gradient_check(f, x, wrong, num_checks=x.size)
    ax = every.plot()
    image = ax.get_images()[0].get_array()
    assert np.unravel_index(np.argmax(image), image.shape) == (0, 0)
    plt.close(ax.figure)
    one_d = gradient_check(lambda v: float(v @ v), np.array([1.0, 2.0]), np.array([2.0, 4.0]))
    ax = one_d.plot()
    assert "PASS" in ax.get_title()
    plt.close(ax.figure)


# ------------------------------------------------------------------------------ bad input
def test_x_must_be_a_writeable_float64_array():
    def f(v):
        return float(np.sum(v))

    with pytest.raises(TypeError, match="x must be a numpy array .* got list"):
        numerical_gradient(f, [1.0, 2.0])
    with pytest.raises(TypeError, match="x must have dtype float64 .* got float32"):
        numerical_gradient(f, np.ones(2, dtype=np.float32))
    with pytest.raises(TypeError, match="x must have dtype float64 .* got int64"):
        gradient_check(f, np.ones(2, dtype=np.int64), np.ones(2))
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writeable"):
        numerical_gradient(f, frozen)
    with pytest.raises(ValueError, match="x must be finite"):
        numerical_gradient(f, np.array([np.nan]))
    with pytest.raises(ValueError, match="h must be finite and > 0; got 0"):
        numerical_gradient(f, np.ones(2), h=0)


def test_f_must_return_one_finite_number():
    with pytest.raises(ValueError, match=r"f\(x\) must return one number .* got shape \(2,\).*numerical_gradient_array"):
        numerical_gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(ValueError, match=r"f\(x\) returned nan"):
        numerical_gradient(lambda v: float("nan"), np.ones(2))
    with pytest.raises(ValueError, match=r"f\(x\) and dout must have the same shape; got \(2,\) and \(3,\)"):
        numerical_gradient_array(lambda v: v * 2, np.ones(2), np.ones(3))


def test_check_arguments_are_validated():
    f, x, grad = _quadratic()
    with pytest.raises(ValueError, match=r"analytic and x must have the same shape; got \(5, 4\) and \(4, 5\)"):
        gradient_check(f, x, grad.T)
    with pytest.raises(ValueError, match="tol must be finite and > 0"):
        gradient_check(f, x, grad, tol=-1)
    with pytest.raises(ValueError, match="num_checks must be >= 1; got 0"):
        sparse_gradient_check(f, x, grad, num_checks=0)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        sparse_gradient_check(f, x, grad, rng="seed")
    with pytest.raises(ValueError, match="k must be >= 1"):
        gradient_check(f, x, grad).worst(0)
