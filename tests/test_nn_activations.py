"""Activation layers: gradients (numerical and torch), torch forward values, properties, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import nn
from dlhelpers.gradcheck import numerical_gradient_array, relative_error
from dlhelpers.nn._special import erf, erfc

FAST = settings(max_examples=25, deadline=None)
shapes = st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)

# name -> (keyword arguments, torch function of (torch module, tensor))
CASES = {
    "relu": ({}, lambda t, x: t.nn.functional.relu(x)),
    "leaky_relu": ({}, lambda t, x: t.nn.functional.leaky_relu(x, 0.01)),
    "leaky_relu_0.2": ({"alpha": 0.2}, lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    "sigmoid": ({}, lambda t, x: t.sigmoid(x)),
    "tanh": ({}, lambda t, x: t.tanh(x)),
    "elu": ({}, lambda t, x: t.nn.functional.elu(x)),
    "elu_0.5": ({"alpha": 0.5}, lambda t, x: t.nn.functional.elu(x, alpha=0.5)),
    "gelu": ({}, lambda t, x: t.nn.functional.gelu(x)),
    "gelu_tanh": ({"approximate": "tanh"},
                  lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    "swish": ({}, lambda t, x: t.nn.functional.silu(x)),
    "selu": ({}, lambda t, x: t.nn.functional.selu(x)),
}


def _pair(case: str):
    return nn.ACTIVATIONS[case.split("_0")[0].replace("gelu_tanh", "gelu")]


def _sample(shape, seed):
    # Inputs in [-4, 4]: beyond that the tails of sigmoid-like functions are so flat that
    # round-off in f, not the gradient, decides a 1e-7 relative comparison.
    rng = np.random.default_rng(seed)
    return rng.uniform(-4.0, 4.0, shape), rng.standard_normal(shape)


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


# ------------------------------------------------------------------------------ erf
def test_erf_matches_math_erf_across_the_line():
    x = np.concatenate([np.linspace(-9, 9, 4001), [0.0, 1.5, -1.5, 1.5 + 1e-12, 30.0, -30.0]])
    want = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), want, rtol=2e-15, atol=1e-16)


def test_erfc_keeps_relative_accuracy_in_the_tail():
    x = np.linspace(-5, 26, 3101)
    want = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(erfc(x), want, rtol=1e-13, atol=0)


# ------------------------------------------------------------------- gradients and oracle
@pytest.mark.parametrize("case", sorted(CASES))
@FAST
@given(shape=shapes, seed=seeds)
def test_backward_matches_numerical_gradient(case, shape, seed):
    forward, backward = _pair(case)
    kwargs = CASES[case][0]
    x, dout = _sample(shape, seed)
    _, cache = forward(x, **kwargs)
    dx = backward(dout, cache)
    num = numerical_gradient_array(lambda z: forward(z, **kwargs)[0], x, dout)
    assert dx.shape == x.shape
    assert relative_error(dx, num) < 1e-7


@pytest.mark.oracle
@pytest.mark.parametrize("case", sorted(CASES))
@FAST
@given(shape=shapes, seed=seeds)
def test_forward_and_backward_match_torch(torch, case, shape, seed):
    forward, backward = _pair(case)
    kwargs, torch_fn = CASES[case]
    x, dout = _sample(shape, seed)
    out, cache = forward(x, **kwargs)
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch_fn(torch, xt)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    assert relative_error(backward(dout, cache), xt.grad.numpy()) < 1e-7


# ------------------------------------------------------------------------------ properties
def test_relu_and_leaky_relu_values_at_known_points():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(nn.relu_forward(x)[0], [0, 0, 0, 0.5, 3.0])
    np.testing.assert_allclose(nn.leaky_relu_forward(x, alpha=0.1)[0], [-0.2, -0.05, 0, 0.5, 3.0])
    # Lecture 09's ReLU example: the gradient passes where the input was positive.
    _, cache = nn.relu_forward([1.0, -2.0, 3.0, -1.0])
    np.testing.assert_array_equal(nn.relu_backward([4.0, -1.0, -5.0, 9.0], cache), [4, 0, -5, 0])


def test_sigmoid_is_stable_and_exact_in_the_tails():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, _ = nn.sigmoid_forward(x)
    np.testing.assert_allclose(out, [0.0, math.exp(-40.0), 0.5, 1.0, 1.0], rtol=1e-15, atol=0)


def test_sigmoid_tanh_identity():
    x = np.linspace(-6, 6, 101)
    np.testing.assert_allclose(nn.tanh_forward(x)[0], 2 * nn.sigmoid_forward(2 * x)[0] - 1,
                               atol=1e-15)


def test_gelu_odd_part_is_identity_and_tail_is_accurate():
    x = np.linspace(-7, 7, 141)
    # Phi(x) + Phi(-x) = 1, so gelu(x) - gelu(-x) = x.
    np.testing.assert_allclose(nn.gelu_forward(x)[0] - nn.gelu_forward(-x)[0], x, atol=1e-14)
    tail = np.array([-10.0, -20.0])
    want = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in tail]
    np.testing.assert_allclose(nn.gelu_forward(tail)[0], want, rtol=1e-13)


def test_swish_with_large_beta_approaches_relu():
    x = np.array([-3.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(nn.swish_forward(x, beta=200.0)[0], np.maximum(x, 0), atol=1e-40)


def test_elu_saturates_at_minus_alpha_without_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, cache = nn.elu_forward(np.array([-800.0, 800.0]), alpha=2.0)
        dx = nn.elu_backward(np.ones(2), cache)
    np.testing.assert_array_equal(out, [-2.0, 800.0])
    np.testing.assert_array_equal(dx, [0.0, 1.0])


@pytest.mark.parametrize("name", sorted(nn.ACTIVATIONS))
def test_float32_input_stays_float32(name):
    forward, backward = nn.ACTIVATIONS[name]
    x = np.linspace(-2, 2, 7, dtype=np.float32)
    out, cache = forward(x)
    assert out.dtype == np.float32
    assert backward(np.ones_like(x), cache).shape == x.shape


def test_activation_registry_lists_the_course_names():
    assert set(nn.ACTIVATIONS) == {"relu", "leaky_relu", "sigmoid", "tanh", "elu", "selu", "gelu", "swish"}


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("name", sorted(nn.ACTIVATIONS))
def test_bad_input_is_named(name):
    forward, backward = nn.ACTIVATIONS[name]
    with pytest.raises(TypeError, match="x must hold real numbers"):
        forward(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="x must be finite"):
        forward(np.array([1.0, np.nan]))
    _, cache = forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout and the layer's input x must have the same shape"):
        backward(np.ones((3, 2)), cache)
    with pytest.raises(ValueError, match="dout must be finite"):
        backward(np.full((2, 3), np.inf), cache)


@pytest.mark.parametrize(("forward", "kwargs", "message"), [
    (nn.leaky_relu_forward, {"alpha": -0.1}, "alpha must be finite and >= 0"),
    (nn.elu_forward, {"alpha": float("nan")}, "alpha must be finite and >= 0"),
    (nn.swish_forward, {"beta": "one"}, "beta must be a number"),
    (nn.gelu_forward, {"approximate": "erf"}, "approximate must be 'none' or 'tanh'"),
])
def test_bad_hyperparameters_are_named(forward, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        forward(np.ones(3), **kwargs)


# ------------------------------------------------------------------------------ PReLU
prelu_shapes = st.tuples(st.integers(1, 5), st.integers(1, 4))


@FAST
@given(shape=prelu_shapes, seed=seeds, per_feature=st.booleans())
def test_prelu_gradients_match_numerical_gradients(shape, seed, per_feature):
    x, dout = _sample(shape, seed)
    rng = np.random.default_rng(seed + 1)
    alpha = rng.uniform(-0.5, 0.8, shape[1]) if per_feature else float(rng.uniform(-0.5, 0.8))
    _, cache = nn.prelu_forward(x, alpha)
    dx, dalpha = nn.prelu_backward(dout, cache)
    num_dx = numerical_gradient_array(lambda z: nn.prelu_forward(z, alpha)[0], x, dout)
    a_arr = np.atleast_1d(np.array(alpha, dtype=float))
    num_da = numerical_gradient_array(
        lambda a: nn.prelu_forward(x, a if per_feature else a[0])[0], a_arr, dout)
    assert dx.shape == x.shape and np.shape(dalpha) == np.shape(alpha)
    assert relative_error(dx, num_dx) < 1e-7
    assert relative_error(np.atleast_1d(dalpha), num_da) < 1e-7


@pytest.mark.oracle
@FAST
@given(shape=prelu_shapes, seed=seeds)
def test_prelu_matches_torch_with_one_slope_per_feature(torch, shape, seed):
    x, dout = _sample(shape, seed)
    alpha = np.random.default_rng(seed).uniform(0.0, 0.5, shape[1])
    out, cache = nn.prelu_forward(x, alpha)
    dx, dalpha = nn.prelu_backward(dout, cache)
    xt = torch.tensor(x, requires_grad=True)
    at = torch.tensor(alpha, requires_grad=True)
    out_t = torch.nn.functional.prelu(xt, at)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    assert relative_error(dx, xt.grad.numpy()) < 1e-10
    assert relative_error(dalpha, at.grad.numpy()) < 1e-10


def test_prelu_with_fixed_slope_is_leaky_relu_and_slope_zero_is_relu():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(nn.prelu_forward(x, 0.1)[0], nn.leaky_relu_forward(x, 0.1)[0])
    np.testing.assert_array_equal(nn.prelu_forward(x, 0.0)[0], nn.relu_forward(x)[0])
    # The slope's gradient is the sum of dout * x over the negative entries only.
    _, dalpha = nn.prelu_backward(np.ones(3), nn.prelu_forward([-2.0, -1.0, 4.0], 0.3)[1])
    assert dalpha == pytest.approx(-3.0)


def test_prelu_rejects_a_slope_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"alpha must be a scalar or of shape \(3,\).*\(2,\)"):
        nn.prelu_forward(np.ones((4, 3)), np.ones(2))
    with pytest.raises(ValueError, match="alpha"):
        nn.prelu_forward(np.ones((4, 3)), np.ones((1, 3)))
    with pytest.raises(TypeError, match="alpha"):
        nn.prelu_forward(np.ones((4, 3)), "small")
    with pytest.raises(ValueError, match="dout"):
        nn.prelu_backward(np.ones((2, 3)), nn.prelu_forward(np.ones((4, 3)), 0.1)[1])


# ------------------------------------------------------------------------------ SELU
def test_selu_keeps_mean_zero_and_variance_one_through_deep_layers():
    # The self-normalizing property: N(0, 1) inputs and weights with Var = 1 / d_in keep the
    # activations' mean near 0 and variance near 1 layer after layer.
    rng = np.random.default_rng(0)
    h = rng.standard_normal((2000, 256))
    for _ in range(10):
        h = nn.selu_forward(h @ (rng.standard_normal((256, 256)) / 16.0))[0]
    assert abs(h.mean()) < 0.1 and abs(h.var() - 1.0) < 0.1


def test_selu_values_and_limit():
    out, cache = nn.selu_forward(np.array([-1000.0, 0.0, 2.0]))
    np.testing.assert_allclose(out, [-1.0507009873554805 * 1.6732632423543772, 0.0, 2.1014019747109610])
    np.testing.assert_allclose(nn.selu_backward(np.ones(3), cache)[[0, 2]], [0.0, 1.0507009873554805])
