"""Inverted dropout: masks, expectation, gradients, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import nn
from dlhelpers.gradcheck import numerical_gradient_array, relative_error

FAST = settings(max_examples=25, deadline=None)
shapes = st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**32 - 1)
keep_probs = st.sampled_from([0.1, 0.5, 0.8, 1.0])


@FAST
@given(shape=shapes, seed=seeds, keep_prob=keep_probs)
def test_dropout_gradient_matches_numerical(shape, seed, keep_prob):
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    # A fresh generator with the same seed draws the same mask on every call of f.
    out, cache = nn.dropout_forward(x, keep_prob, rng=seed)
    dx = nn.dropout_backward(dout, cache)
    num = numerical_gradient_array(lambda v: nn.dropout_forward(v, keep_prob, rng=seed)[0], x, dout)
    assert dx.shape == x.shape
    assert relative_error(dx, num) < 1e-7


@FAST
@given(shape=shapes, seed=seeds, keep_prob=keep_probs)
def test_each_unit_is_dropped_or_scaled(shape, seed, keep_prob):
    x = np.random.default_rng(seed).uniform(1.0, 2.0, shape)
    out, cache = nn.dropout_forward(x, keep_prob, rng=seed + 1)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / keep_prob, rtol=1e-15)
    dx = nn.dropout_backward(np.ones(shape), cache)
    np.testing.assert_array_equal(dx != 0, kept)


def test_kept_fraction_and_mean_are_right():
    keep_prob, n = 0.7, 200_000
    out, _ = nn.dropout_forward(np.ones(n), keep_prob, rng=np.random.default_rng(1))
    kept = np.count_nonzero(out) / n
    # Binomial standard deviation of the kept fraction, and of the mean of out.
    sd_frac = np.sqrt(keep_prob * (1 - keep_prob) / n)
    sd_mean = np.sqrt((1 - keep_prob) / keep_prob / n)
    assert abs(kept - keep_prob) < 5 * sd_frac
    assert abs(out.mean() - 1.0) < 5 * sd_mean


def test_test_mode_and_keep_all_are_the_identity_without_rng():
    x = np.arange(6.0).reshape(2, 3)
    for kwargs in ({"keep_prob": 0.5, "train": False}, {"keep_prob": 1.0, "train": True}):
        out, cache = nn.dropout_forward(x, **kwargs)
        np.testing.assert_array_equal(out, x)
        assert out is not x
        np.testing.assert_array_equal(nn.dropout_backward(np.ones((2, 3)), cache), np.ones((2, 3)))


def test_masks_are_reproducible_and_advance_with_the_generator():
    x = np.ones((50, 20))
    a, _ = nn.dropout_forward(x, 0.5, rng=np.random.default_rng(3))
    b, _ = nn.dropout_forward(x, 0.5, rng=3)
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(3)
    first, _ = nn.dropout_forward(x, 0.5, rng=gen)
    second, _ = nn.dropout_forward(x, 0.5, rng=gen)
    assert not np.array_equal(first, second)


def test_float32_stays_float32():
    out, cache = nn.dropout_forward(np.ones(10, dtype=np.float32), 0.5, rng=0)
    assert out.dtype == np.float32 and cache.dtype == np.float32


def test_dropout_bad_input_is_named():
    x = np.ones((2, 3))
    for bad in (0.0, 1.5, -0.2, float("nan")):
        with pytest.raises(ValueError, match=r"keep_prob must lie in \(0.0, 1.0\]"):
            nn.dropout_forward(x, bad, rng=0)
    with pytest.raises(TypeError, match="keep_prob must be a number"):
        nn.dropout_forward(x, None, rng=0)
    with pytest.raises(ValueError, match="needs rng= .*got None"):
        nn.dropout_forward(x, 0.5)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator .* or an int seed; got RandomState"):
        nn.dropout_forward(x, 0.5, rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match="train must be True or False"):
        nn.dropout_forward(x, 0.5, train=1, rng=0)
    with pytest.raises(ValueError, match="x must be finite"):
        nn.dropout_forward([np.nan], 0.5, rng=0)
    _, cache = nn.dropout_forward(x, 0.5, rng=0)
    with pytest.raises(ValueError, match=r"dout and the dropout mask must have the same shape; got \(3, 2\) and \(2, 3\)"):
        nn.dropout_backward(np.ones((3, 2)), cache)
