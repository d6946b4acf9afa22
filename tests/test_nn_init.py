"""Initialisers: shapes, variances (by theory and against torch.nn.init), dispatch, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlhelpers import nn

D_IN, D_OUT = 300, 500  # 150 000 draws: sample std within about 0.2 % of the truth


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


@pytest.mark.parametrize(("init", "std"), [
    (nn.lecun_init, 1 / math.sqrt(D_IN)),
    (nn.xavier_init, 1 / math.sqrt(D_IN)),
    (nn.he_init, math.sqrt(2 / D_IN)),
    (lambda a, b, r: nn.glorot_init(a, b, r, "normal"), math.sqrt(2 / (D_IN + D_OUT))),
    (lambda a, b, r: nn.glorot_init(a, b, r, "uniform"), math.sqrt(2 / (D_IN + D_OUT))),
])
def test_initialiser_shape_mean_and_std(init, std):
    w = init(D_IN, D_OUT, np.random.default_rng(0))
    assert w.shape == (D_IN, D_OUT) and w.dtype == np.float64
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.01)


def test_glorot_uniform_bounds_and_gain():
    limit = 3.0 * math.sqrt(6 / (D_IN + D_OUT))
    w = nn.glorot_init(D_IN, D_OUT, 1, gain=3.0)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit  # the range is really used


@pytest.mark.oracle
@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_glorot_matches_torch_xavier_in_distribution(torch, distribution):
    torch.manual_seed(0)
    t = torch.empty(D_OUT, D_IN, dtype=torch.float64)  # torch stores (fan_out, fan_in)
    getattr(torch.nn.init, f"xavier_{distribution}_")(t)
    ours = np.sort(nn.glorot_init(D_IN, D_OUT, 0, distribution).ravel())
    theirs = np.sort(t.numpy().ravel())
    # Quantiles of two independent samples of the same law agree to a few percent of the
    # spread; a different variance (e.g. 1/d_in) would move them by about 30 %.
    spread = theirs.std()
    q = np.linspace(0.01, 0.99, 99)
    assert np.max(np.abs(np.quantile(ours, q) - np.quantile(theirs, q))) < 0.02 * spread


@pytest.mark.oracle
def test_lecun_matches_torch_kaiming_linear_and_not_torch_xavier(torch):
    # torch has no lecun_* initialiser: kaiming_normal_ with a linear gain is Var = 1 / fan_in.
    torch.manual_seed(0)
    t = torch.empty(D_OUT, D_IN, dtype=torch.float64)
    torch.nn.init.kaiming_normal_(t, nonlinearity="linear")
    assert nn.lecun_init(D_IN, D_OUT, 0).std() == pytest.approx(t.std().item(), rel=0.02)
    torch.nn.init.xavier_normal_(t)
    assert t.std().item() == pytest.approx(math.sqrt(2 / (D_IN + D_OUT)), rel=0.02)
    assert abs(nn.lecun_init(D_IN, D_OUT, 0).std() / t.std().item() - 1) > 0.1


def test_he_keeps_relu_activations_at_scale_through_depth():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((200, 256))
    first = np.mean(h**2)
    for _ in range(6):
        h = np.maximum(h @ nn.he_init(256, 256, rng), 0)
    assert 0.4 < np.mean(h**2) / first < 2.5
    shrunk = rng.standard_normal((200, 256))
    for _ in range(6):
        shrunk = np.maximum(shrunk @ nn.xavier_init(256, 256, rng), 0)
    assert np.mean(shrunk**2) / first < 0.1  # 1/sqrt(d_in) halves the signal at each ReLU


def test_seeds_reproduce_and_generators_advance():
    np.testing.assert_array_equal(nn.he_init(3, 4, 7), nn.he_init(3, 4, np.random.default_rng(7)))
    gen = np.random.default_rng(7)
    assert not np.array_equal(nn.he_init(3, 4, gen), nn.he_init(3, 4, gen))


def test_init_weights_dispatch():
    np.testing.assert_array_equal(nn.init_weights("zero", 2, 3, None), np.zeros((2, 3)))
    np.testing.assert_array_equal(nn.init_weights("constant", 2, 3, None, scale=0.5), np.full((2, 3), 0.5))
    for name, direct in (("lecun", nn.lecun_init), ("xavier", nn.xavier_init), ("he", nn.he_init),
                         ("glorot", nn.glorot_init),
                         ("glorot_normal", lambda a, b, r: nn.glorot_init(a, b, r, "normal"))):
        np.testing.assert_array_equal(nn.init_weights(name, 4, 5, 11), direct(4, 5, 11))
    # The old name "xavier" is LeCun's rule, the same draw; torch's xavier_* are the fan average.
    np.testing.assert_array_equal(nn.xavier_init(4, 5, 11), nn.lecun_init(4, 5, 11))
    w = nn.init_weights("normal", D_IN, D_OUT, 0, scale=0.05)
    assert w.std() == pytest.approx(0.05, rel=0.01)
    assert nn.init_weights("normal", D_IN, D_OUT, 0).std() == pytest.approx(0.01, rel=0.01)


def test_init_bad_input_is_named():
    with pytest.raises(ValueError, match="name must be one of zero, constant, normal, lecun, xavier, glorot, glorot_normal, he; got 'kaiming'"):
        nn.init_weights("kaiming", 2, 2, 0)
    with pytest.raises(ValueError, match="init 'he' sets its own scale"):
        nn.init_weights("he", 2, 2, 0, scale=0.1)
    with pytest.raises(ValueError, match="init 'constant' needs scale="):
        nn.init_weights("constant", 2, 2, 0)
    with pytest.raises(ValueError, match="scale must be finite"):
        nn.init_weights("constant", 2, 2, 0, scale=float("inf"))
    with pytest.raises(ValueError, match="scale must be finite and > 0"):
        nn.init_weights("normal", 2, 2, 0, scale=-1.0)
    with pytest.raises(ValueError, match="d_in must be >= 1; got 0"):
        nn.xavier_init(0, 3, 0)
    with pytest.raises(TypeError, match=r"d_out must be an integer; got 3.0 \(float\)"):
        nn.he_init(2, 3.0, 0)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator .* got NoneType"):
        nn.he_init(2, 3, None)
    with pytest.raises(ValueError, match="distribution must be 'uniform' or 'normal'; got 'gaussian'"):
        nn.glorot_init(2, 3, 0, "gaussian")
    with pytest.raises(ValueError, match="gain must be finite and > 0"):
        nn.glorot_init(2, 3, 0, gain=0)


def test_glorot_uniform_is_scikit_learns_mlp_initialisation():
    # MLP's default: the weights scikit-learn's MLPClassifier draws for ReLU networks,
    # U(-a, a) with a = sqrt(6 / (fan_in + fan_out)) (its _init_coef, biases aside: ours are 0).
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(activation="relu")
    clf._random_state = np.random.RandomState(0)
    theirs = np.sort(clf._init_coef(D_IN, D_OUT, np.float64)[0].ravel())
    ours = np.sort(nn.init_weights("glorot", D_IN, D_OUT, np.random.default_rng(0)).ravel())
    limit = math.sqrt(6 / (D_IN + D_OUT))
    for w in (ours, theirs):
        assert -limit <= w[0] < -0.99 * limit and 0.99 * limit < w[-1] <= limit
    q = np.linspace(0.01, 0.99, 99)  # same law: quantiles agree to a small part of the spread
    assert np.max(np.abs(np.quantile(ours, q) - np.quantile(theirs, q))) < 0.02 * theirs.std()
    he = nn.init_weights("he", D_IN, D_OUT, np.random.default_rng(0))
    assert np.max(np.abs(np.quantile(he, q) - np.quantile(theirs, q))) > 0.2 * theirs.std()
