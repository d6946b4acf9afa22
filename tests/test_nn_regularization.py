"""Weight penalties: values, gradients (numerical and torch), bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import nn
from dlhelpers.gradcheck import numerical_gradient, relative_error

FAST = settings(max_examples=25, deadline=None)
shapes = st.lists(st.integers(1, 5), min_size=1, max_size=2).map(tuple)
seeds = st.integers(0, 2**32 - 1)
lams = st.floats(1e-3, 10.0)
PENALTIES = {
    "l2": lambda w, lam: nn.l2_penalty(w, lam),
    "l1": lambda w, lam: nn.l1_penalty(w, lam),
    "elastic_0.3": lambda w, lam: nn.elastic_net_penalty(w, lam, 0.3),
}


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@pytest.mark.parametrize("name", sorted(PENALTIES))
@FAST
@given(shape=shapes, seed=seeds, lam=lams)
def test_penalty_gradient_matches_numerical(name, shape, seed, lam):
    penalty = PENALTIES[name]
    w = np.random.default_rng(seed).standard_normal(shape)
    value, grad = penalty(w, lam)
    assert isinstance(value, float) and value >= 0 and grad.shape == w.shape
    assert relative_error(grad, numerical_gradient(lambda v: penalty(v, lam)[0], w)) < 1e-7


@pytest.mark.oracle
@FAST
@given(shape=shapes, seed=seeds, lam=lams)
def test_penalties_match_torch_autograd(torch, shape, seed, lam):
    w = np.random.default_rng(seed).standard_normal(shape)
    written = {
        "l2": lambda t: lam * (t**2).sum(),
        "l1": lambda t: lam * t.abs().sum(),
        "elastic_0.3": lambda t: lam * (0.3 * t.abs().sum() + 0.7 * (t**2).sum()),
    }
    for name, torch_fn in written.items():
        wt = torch.tensor(w, requires_grad=True)
        value_t = torch_fn(wt)
        value_t.backward()
        value, grad = PENALTIES[name](w, lam)
        assert value == pytest.approx(value_t.item(), rel=1e-12)
        assert relative_error(grad, wt.grad.numpy()) < 1e-7


def test_lecture_example_which_weights_each_penalty_prefers():
    # Both weight vectors give the score 1 on x = [1, 1, 1, 1].
    w1, w2, x = np.array([1.0, 0, 0, 0]), np.full(4, 0.25), np.ones(4)
    assert w1 @ x == w2 @ x == 1.0
    assert nn.l2_penalty(w1, 1.0)[0] == 1.0 and nn.l2_penalty(w2, 1.0)[0] == 0.25
    assert nn.l1_penalty(w1, 1.0)[0] == 1.0 and nn.l1_penalty(w2, 1.0)[0] == 1.0


def test_l2_convention_and_elastic_net_endpoints():
    w = np.array([[1.0, -2.0], [0.0, 3.0]])
    value, grad = nn.l2_penalty(w, 0.5)
    assert value == 0.5 * (1 + 4 + 0 + 9)
    np.testing.assert_array_equal(grad, w)  # 2 * 0.5 * w
    _, g1 = nn.l1_penalty(w, 2.0)
    np.testing.assert_array_equal(g1, [[2.0, -2.0], [0.0, 2.0]])  # subgradient 0 at 0
    for ratio, reference in ((1.0, nn.l1_penalty), (0.0, nn.l2_penalty)):
        v, g = nn.elastic_net_penalty(w, 0.7, ratio)
        rv, rg = reference(w, 0.7)
        assert v == pytest.approx(rv) and np.allclose(g, rg)


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_penalty_bad_input_is_named(name):
    penalty = PENALTIES[name]
    with pytest.raises(ValueError, match="lam must be finite and >= 0; got -1"):
        penalty(np.ones(3), -1)
    with pytest.raises(ValueError, match="lam must be finite and >= 0; got nan"):
        penalty(np.ones(3), float("nan"))
    with pytest.raises(TypeError, match="lam must be a number"):
        penalty(np.ones(3), "0.1")
    with pytest.raises(ValueError, match="w must be finite"):
        penalty([1.0, np.inf], 0.1)
    with pytest.raises(TypeError, match="w must hold real numbers"):
        penalty(["a"], 0.1)


def test_elastic_net_ratio_must_be_a_fraction():
    with pytest.raises(ValueError, match=r"l1_ratio must lie in \[0.0, 1.0\]; got 1.5"):
        nn.elastic_net_penalty(np.ones(2), 0.1, 1.5)
