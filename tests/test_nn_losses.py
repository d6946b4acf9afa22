"""Losses: gradients (numerical and torch), torch values, properties, worked examples, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import nn
from dlhelpers.gradcheck import numerical_gradient, relative_error

FAST = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)
batch = st.integers(1, 6)
classes = st.integers(2, 6)
CLASSIFICATION = [nn.softmax_cross_entropy, nn.multiclass_hinge, nn.squared_hinge]
REGRESSION = [nn.mse, nn.mae, nn.msle]


def _scores(n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.integers(0, k, n)


def _pred_target(n, k, seed):
    # Values above -1 so that msle is defined for every case.
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.9, 3.0, (n, k)), rng.uniform(-0.9, 3.0, (n, k))


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


# --------------------------------------------------------------------- numerical gradient
@pytest.mark.parametrize("loss_fn", CLASSIFICATION, ids=lambda f: f.__name__)
@FAST
@given(n=batch, k=classes, seed=seeds)
def test_classification_gradient_matches_numerical(loss_fn, n, k, seed):
    scores, y = _scores(n, k, seed)
    loss, dscores = loss_fn(scores, y)
    assert isinstance(loss, float) and dscores.shape == scores.shape
    num = numerical_gradient(lambda s: loss_fn(s, y)[0], scores)
    assert relative_error(dscores, num) < 1e-7


@pytest.mark.parametrize("loss_fn", REGRESSION, ids=lambda f: f.__name__)
@FAST
@given(n=batch, k=st.integers(1, 4), seed=seeds)
def test_regression_gradient_matches_numerical(loss_fn, n, k, seed):
    pred, target = _pred_target(n, k, seed)
    loss, dpred = loss_fn(pred, target)
    assert isinstance(loss, float) and dpred.shape == pred.shape
    num = numerical_gradient(lambda p: loss_fn(p, target)[0], pred)
    assert relative_error(dpred, num) < 1e-7


# ------------------------------------------------------------------------------ oracle
def _torch_loss_and_grad(torch, fn, a, *rest):
    at = torch.tensor(a, requires_grad=True)
    loss = fn(at, *rest)
    loss.backward()
    return loss.item(), at.grad.numpy()


@pytest.mark.oracle
@FAST
@given(n=batch, k=classes, seed=seeds, margin=st.sampled_from([1.0, 0.5, 2.0]))
def test_classification_losses_match_torch(torch, n, k, seed, margin):
    F = torch.nn.functional
    scores, y = _scores(n, k, seed)
    yt = torch.tensor(y)
    cases = [
        (nn.softmax_cross_entropy(scores, y), lambda s: F.cross_entropy(s, yt)),
        # torch's multi_margin_loss divides each row's sum by K: multiply back.
        (nn.multiclass_hinge(scores, y, margin=margin),
         lambda s: k * F.multi_margin_loss(s, yt, margin=margin)),
        (nn.squared_hinge(scores, y, margin=margin),
         lambda s: k * F.multi_margin_loss(s, yt, p=2, margin=margin)),
    ]
    for (loss, grad), torch_fn in cases:
        want_loss, want_grad = _torch_loss_and_grad(torch, torch_fn, scores)
        assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-14)
        assert relative_error(grad, want_grad) < 1e-7


@pytest.mark.oracle
@FAST
@given(n=batch, k=st.integers(1, 4), seed=seeds)
def test_regression_losses_match_torch(torch, n, k, seed):
    F = torch.nn.functional
    pred, target = _pred_target(n, k, seed)
    tt = torch.tensor(target)
    cases = [
        (nn.mse(pred, target), lambda p: F.mse_loss(p, tt)),
        (nn.mae(pred, target), lambda p: F.l1_loss(p, tt)),
        (nn.msle(pred, target), lambda p: F.mse_loss(torch.log1p(p), torch.log1p(tt))),
    ]
    for (loss, grad), torch_fn in cases:
        want_loss, want_grad = _torch_loss_and_grad(torch, torch_fn, pred)
        assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-14)
        assert relative_error(grad, want_grad) < 1e-7


@pytest.mark.oracle
@FAST
@given(n=batch, k=classes, seed=seeds)
def test_softmax_and_log_softmax_match_torch(torch, n, k, seed):
    scores, _ = _scores(n, k, seed)
    st_ = torch.tensor(5.0 * scores)
    np.testing.assert_allclose(nn.softmax(5.0 * scores), torch.softmax(st_, 1).numpy(),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(nn.log_softmax(5.0 * scores), torch.log_softmax(st_, 1).numpy(),
                               rtol=1e-12, atol=1e-13)


# --------------------------------------------------------------------------- properties
@FAST
@given(n=batch, k=classes, seed=seeds, shift=st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant_and_normalised(n, k, seed, shift):
    scores, _ = _scores(n, k, seed)
    p = nn.softmax(scores)
    np.testing.assert_allclose(nn.softmax(scores + shift), p, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.exp(nn.log_softmax(scores)), p, rtol=1e-13)


def test_softmax_of_one_vector():
    p = nn.softmax([1.0, 2.0, 3.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p, e / e.sum(), rtol=1e-15)


@pytest.mark.parametrize("loss_fn", CLASSIFICATION, ids=lambda f: f.__name__)
@FAST
@given(n=batch, k=classes, seed=seeds)
def test_classification_losses_are_non_negative(loss_fn, n, k, seed):
    scores, y = _scores(n, k, seed)
    assert loss_fn(10.0 * scores, y)[0] >= 0.0


@pytest.mark.parametrize("loss_fn", REGRESSION, ids=lambda f: f.__name__)
@FAST
@given(n=batch, k=st.integers(1, 4), seed=seeds)
def test_regression_losses_are_non_negative_and_zero_at_target(loss_fn, n, k, seed):
    pred, target = _pred_target(n, k, seed)
    assert loss_fn(pred, target)[0] >= 0.0
    loss, grad = loss_fn(target, target)
    assert loss == 0.0 and not grad.any()


@pytest.mark.parametrize("loss_fn", [nn.multiclass_hinge, nn.squared_hinge])
@FAST
@given(n=batch, k=classes, seed=seeds, margin=st.floats(0.1, 3.0))
def test_hinge_is_zero_when_every_margin_is_met(loss_fn, n, k, seed, margin):
    scores, y = _scores(n, k, seed)
    scores[np.arange(n), y] = scores.max(axis=1) + margin + 0.01
    loss, grad = loss_fn(scores, y, margin=margin)
    assert loss == 0.0 and not grad.any()


@pytest.mark.parametrize("k", [2, 3, 10, 1000])
def test_hinge_and_cross_entropy_at_equal_scores(k):
    scores, y = np.zeros((4, k)), np.arange(4) % k
    assert nn.softmax_cross_entropy(scores, y)[0] == pytest.approx(math.log(k), rel=1e-14)
    assert nn.multiclass_hinge(scores, y)[0] == pytest.approx(k - 1)
    assert nn.squared_hinge(scores, y)[0] == pytest.approx(k - 1)


def test_cross_entropy_is_exact_at_huge_logits():
    scores = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = nn.softmax_cross_entropy(scores, [0, 1, 2])
    # Row losses: log(1 + e^-1e4 + e^-2e4) = 0 in float64, 2e4, log(3).
    assert loss == pytest.approx((0.0 + 2e4 + math.log(3.0)) / 3, rel=1e-15)
    want = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0], [1 / 3, 1 / 3, -2 / 3]]) / 3
    np.testing.assert_allclose(grad, want, atol=1e-16)


def test_hinge_lecture_example():
    # One row per image (scores for cat, car, frog); image i's true class is i.
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    per_image = []
    for i, row in enumerate(scores):
        per_image.append(sum(max(0.0, row[j] - row[i] + 1.0) for j in range(3) if j != i))
    np.testing.assert_allclose(per_image, [2.9, 0.0, 12.9], atol=1e-12)
    loss, _ = nn.multiclass_hinge(scores, [0, 1, 2])
    assert loss == pytest.approx(np.mean(per_image), rel=1e-14)


def test_regression_lecture_example():
    pred, target = np.array([0.7, 0.9, 1.2]), np.array([0.8, 0.8, 1.1])
    assert nn.mae(pred, target)[0] == pytest.approx(0.1, rel=1e-12)
    assert nn.mse(pred, target)[0] == pytest.approx(0.01, rel=1e-12)
    first_two = (math.log(1.7 / 1.8) ** 2 + math.log(1.9 / 1.8) ** 2) / 2
    assert nn.msle(pred[:2], target[:2])[0] == pytest.approx(first_two, rel=1e-12)


def test_mae_subgradient_is_zero_where_prediction_is_exact():
    _, grad = nn.mae([1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    np.testing.assert_array_equal(grad, [0.0, 1 / 3, -1 / 3])


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("loss_fn", CLASSIFICATION, ids=lambda f: f.__name__)
def test_classification_bad_input_is_named(loss_fn):
    s = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"scores must be 2-D; got shape \(4,\)"):
        loss_fn(np.zeros(4), [0])
    with pytest.raises(ValueError, match=r"one-hot rows\? pass y.argmax"):
        loss_fn(s, np.eye(4)[:3])
    with pytest.raises(ValueError, match=r"y must have length 3 \(one label per row\); got length 2"):
        loss_fn(s, [0, 1])
    with pytest.raises(ValueError, match=r"y must lie in \[0, 3\]; got values from 0 to 4"):
        loss_fn(s, [0, 1, 4])
    with pytest.raises(ValueError, match="y must hold whole-number class indices"):
        loss_fn(s, [0.5, 1.0, 2.0])
    with pytest.raises(ValueError, match="scores must be finite; got 3 NaN/inf"):
        loss_fn(np.where(np.eye(3, 4) > 0, np.nan, 0.0), [0, 1, 2])
    with pytest.raises(TypeError, match="scores must hold real numbers"):
        loss_fn(np.full((3, 4), "x"), [0, 1, 2])
    with pytest.raises(ValueError, match="scores must have at least one row and one class"):
        loss_fn(np.zeros((0, 4)), np.zeros(0, dtype=int))


@pytest.mark.parametrize("loss_fn", [nn.multiclass_hinge, nn.squared_hinge])
@pytest.mark.parametrize("margin", [0.0, -1.0, float("inf")])
def test_hinge_margin_must_be_positive(loss_fn, margin):
    with pytest.raises(ValueError, match="margin must be finite and > 0"):
        loss_fn(np.zeros((2, 3)), [0, 1], margin=margin)


@pytest.mark.parametrize("loss_fn", REGRESSION, ids=lambda f: f.__name__)
def test_regression_bad_input_is_named(loss_fn):
    with pytest.raises(ValueError, match=r"pred and target must have the same shape; got \(3,\) and \(3, 1\)"):
        loss_fn(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="target must be finite"):
        loss_fn(np.zeros(2), [0.0, np.inf])
    with pytest.raises(TypeError, match="pred must hold real numbers"):
        loss_fn(np.array([1 + 2j]), np.zeros(1))
    with pytest.raises(ValueError, match="pred must hold at least one value"):
        loss_fn(np.zeros(0), np.zeros(0))


@pytest.mark.parametrize(("pred", "target", "name"), [([-1.0, 0.0], [0.0, 0.0], "pred"),
                                                      ([0.0, 0.0], [0.0, -2.0], "target")])
def test_msle_requires_values_above_minus_one(pred, target, name):
    with pytest.raises(ValueError, match=rf"{name} must be > -1 everywhere \(msle takes log\(1 \+ {name}\)\)"):
        nn.msle(pred, target)


def test_softmax_bad_input_is_named():
    with pytest.raises(ValueError, match=r"scores must be 1-D or 2-D; got shape \(2, 2, 2\)"):
        nn.softmax(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="scores must be finite"):
        nn.log_softmax([1.0, np.nan])
