"""The affine layer: gradients (numerical and torch), values, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import nn
from dlhelpers.gradcheck import numerical_gradient_array, relative_error

FAST = settings(max_examples=25, deadline=None)
dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


def _sample(n, d, m, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m),
            rng.standard_normal((n, m)))


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@FAST
@given(n=dims, d=dims, m=dims, seed=seeds)
def test_affine_gradients_match_numerical(n, d, m, seed):
    x, w, b, dout = _sample(n, d, m, seed)
    out, cache = nn.affine_forward(x, w, b)
    assert out.shape == (n, m)
    dx, dw, db = nn.affine_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    assert relative_error(dx, numerical_gradient_array(lambda v: nn.affine_forward(v, w, b)[0], x, dout)) < 1e-7
    assert relative_error(dw, numerical_gradient_array(lambda v: nn.affine_forward(x, v, b)[0], w, dout)) < 1e-7
    assert relative_error(db, numerical_gradient_array(lambda v: nn.affine_forward(x, w, v)[0], b, dout)) < 1e-7


@pytest.mark.oracle
@FAST
@given(n=dims, d=dims, m=dims, seed=seeds)
def test_affine_matches_torch_linear(torch, n, d, m, seed):
    x, w, b, dout = _sample(n, d, m, seed)
    out, cache = nn.affine_forward(x, w, b)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    # torch.nn.functional.linear stores the weight as (M, D): pass the transpose.
    out_t = torch.nn.functional.linear(xt, wt.T, bt)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    for ours, theirs in zip(nn.affine_backward(dout, cache), (xt, wt, bt), strict=True):
        assert relative_error(ours, theirs.grad.numpy()) < 1e-7


def test_affine_lecture_scores():
    # Lecture's 4-pixel, 3-class example in the course layout: w is (D, K), the slide's W
    # transposed, so column k holds class k's weights.
    w = np.array([[0.2, 1.5, 0.0], [-0.5, 1.3, 0.25], [0.1, 2.1, 0.2], [2.0, 0.0, -0.3]])
    x = np.array([[56.0, 231.0, 24.0, 2.0]])
    b = np.array([1.1, 3.2, -1.2])
    out, _ = nn.affine_forward(x, w, b)
    by_hand = [sum(w[j, k] * x[0, j] for j in range(4)) + b[k] for k in range(3)]
    np.testing.assert_allclose(out[0], by_hand, rtol=1e-14)


def test_affine_bad_input_is_named():
    x, w, b = np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4)
    with pytest.raises(ValueError, match=r"w must have shape \(D, M\) with D = x.shape\[1\] = 3; got w of shape \(4, 3\)"):
        nn.affine_forward(x, w.T, b)
    with pytest.raises(ValueError, match=r"x must be 2-D; got shape \(3,\)"):
        nn.affine_forward(np.zeros(3), w, b)
    with pytest.raises(ValueError, match=r"b must have shape \(4,\); got \(3,\)"):
        nn.affine_forward(x, w, np.zeros(3))
    with pytest.raises(ValueError, match=r"b must be 1-D; got shape \(1, 4\)"):
        nn.affine_forward(x, w, np.zeros((1, 4)))
    with pytest.raises(ValueError, match="w must be finite; got 1 NaN/inf"):
        nn.affine_forward(x, np.where(np.eye(3, 4) * np.arange(4) == 2, np.nan, 0.0), b)
    with pytest.raises(TypeError, match="x must hold real numbers; got dtype object"):
        nn.affine_forward(np.array([[None, 1, 2]]), w, b)
    _, cache = nn.affine_forward(x, w, b)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4\); got \(4, 2\)"):
        nn.affine_backward(np.zeros((4, 2)), cache)


@pytest.mark.parametrize("dtypes", [("f8", "f8", "f8"), ("f4", "f4", "f4"), ("f4", "f4", "f8"),
                                    ("f8", "f8", "f4")])
def test_affine_forward_keeps_numpy_promotion_of_x_at_w_plus_b(dtypes):
    rng = np.random.default_rng(3)
    x, w, b = (rng.standard_normal(s).astype(d) for s, d in zip([(4, 3), (3, 5), (5,)], dtypes, strict=True))
    out, _ = nn.affine_forward(x, w, b)
    expected = x @ w + b
    assert out.dtype == expected.dtype
    assert np.array_equal(out, expected)
