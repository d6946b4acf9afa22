"""Tests for dlhelpers.models: shapes, losses against independent formulas, gradient checks
(numerical and torch autograd), batch-norm and dropout behaviour, input validation."""

import numpy as np
import pytest

from dlhelpers import gradcheck, models, nn


def _data(n=8, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


def _reference_softmax_ce(scores, y):
    """Cross-entropy written out with logsumexp, independently of dlhelpers."""
    m = scores.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(scores - m).sum(axis=1))
    return float(np.mean(lse - scores[np.arange(len(y)), y]))


def _reference_hinge(scores, y):
    correct = scores[np.arange(len(y)), y][:, None]
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[np.arange(len(y)), y] = 0.0
    return float(margins.sum(axis=1).mean())


def _check_all(model, X, y, *, reset=None, tol=1e-6, zero_grad_keys=()):
    """Gradient-check every parameter; keys whose true gradient is 0 are checked absolutely."""
    def f(_):
        if reset is not None:
            reset()
        return model.loss(X, y)[0]

    if reset is not None:
        reset()
    _, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for key, value in model.params.items():
        assert grads[key].shape == value.shape
        if key in zero_grad_keys:
            numeric = gradcheck.numerical_gradient(f, value)
            np.testing.assert_allclose(grads[key], 0.0, atol=1e-12)
            np.testing.assert_allclose(numeric, 0.0, atol=1e-8)
            continue
        result = gradcheck.gradient_check(f, value, grads[key])
        assert result.max_rel_error < tol, (key, result.max_rel_error)


# ---------------------------------------------------------------------------------------
# LinearClassifier
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_name,reference", [("softmax", _reference_softmax_ce),
                                                 ("hinge", _reference_hinge)])
def test_linear_loss_matches_formula_and_gradcheck(loss_name, reference):
    X, y = _data()
    clf = models.LinearClassifier(5, 3, loss=loss_name, reg=0.1, seed=2, weight_scale=0.5)
    W, b = clf.params["W"], clf.params["b"]
    assert W.shape == (5, 3) and b.shape == (3,)
    b[:] = [0.1, -0.2, 0.3]
    loss, _ = clf.loss(X, y)
    expected = reference(X @ W + b, y) + 0.1 * np.sum(W**2)
    assert loss == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(clf.scores(X), X @ W + b)
    np.testing.assert_array_equal(clf.predict(X), np.argmax(X @ W + b, axis=1))
    _check_all(clf, X, y)


def test_linear_bias_is_not_regularised_and_initial_loss_is_log_k():
    X, y = _data(n=200, k=10, d=4)
    clf = models.LinearClassifier(4, 10, reg=5.0, weight_scale=1e-6)
    clf.params["b"][:] = 3.0  # a constant shift of all scores changes nothing
    loss, grads = clf.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=1e-4)  # tiny weights: uniform softmax
    clf.params["b"][:] = [1.0] + [0.0] * 9
    _, grads = clf.loss(X, y)
    # the penalty's gradient 2 * reg * W is present in dW but never in db
    np.testing.assert_allclose(grads["b"].sum(), 0.0, atol=1e-12)


def test_linear_validates():
    with pytest.raises(ValueError):
        models.LinearClassifier(5, 3, loss="mse")
    with pytest.raises(ValueError):
        models.LinearClassifier(5, 1)
    clf = models.LinearClassifier(5, 3)
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        clf.loss(np.zeros((2, 4)), [0, 1])
    with pytest.raises(ValueError):
        clf.loss(np.zeros((2, 5)), [0, 3])


# ---------------------------------------------------------------------------------------
# MLP: structure
# ---------------------------------------------------------------------------------------

def test_mlp_parameter_names_and_shapes():
    m = models.MLP([6, 5, 4, 3], batchnorm=True)
    shapes = {k: v.shape for k, v in m.params.items()}
    assert shapes == {"W1": (6, 5), "b1": (5,), "gamma1": (5,), "beta1": (5,),
                      "W2": (5, 4), "b2": (4,), "gamma2": (4,), "beta2": (4,),
                      "W3": (4, 3), "b3": (3,)}
    np.testing.assert_array_equal(m.params["gamma1"], 1.0)
    np.testing.assert_array_equal(m.params["b3"], 0.0)
    assert models.MLP([6, 3]).params.keys() == {"W1", "b1"}


def test_mlp_default_is_glorot_uniform_with_zero_biases():
    m = models.MLP([400, 300, 10], seed=1)
    assert m.init == "glorot"
    for layer, (d_in, d_out) in enumerate([(400, 300), (300, 10)], start=1):
        w, limit = m.params[f"W{layer}"], np.sqrt(6 / (d_in + d_out))
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() == pytest.approx(limit, rel=0.01)  # the bound is reached
        assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
        np.testing.assert_array_equal(m.params[f"b{layer}"], 0.0)
    np.testing.assert_array_equal(m.params["W1"], nn.glorot_init(400, 300, np.random.default_rng(1)))


def test_mlp_initialisations_have_their_spread():
    he = models.MLP([400, 300, 10], init="he", seed=1).params["W1"]
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    with pytest.raises(ValueError, match="sets its own scale"):
        models.MLP([4, 3, 2], init="he", weight_scale=0.1)
    scaled = models.MLP([400, 300, 10], weight_scale=0.01, seed=1).params["W1"]
    assert scaled.std() == pytest.approx(0.01, rel=0.02)
    xavier = models.MLP([400, 300, 10], init="xavier", seed=1).params["W1"]
    assert xavier.std() == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    with pytest.raises(ValueError):
        models.MLP([4, 3, 2], init="xavier", weight_scale=0.1)


def test_mlp_forward_is_the_composition_of_nn_layers():
    X, y = _data(d=6, k=4)
    m = models.MLP([6, 7, 5, 4], reg=0.05, seed=3)
    p = m.params
    h1, c1 = nn.affine_forward(X, p["W1"], p["b1"])
    a1, r1 = nn.relu_forward(h1)
    h2, c2 = nn.affine_forward(a1, p["W2"], p["b2"])
    a2, r2 = nn.relu_forward(h2)
    s, c3 = nn.affine_forward(a2, p["W3"], p["b3"])
    data_loss, ds = nn.softmax_cross_entropy(s, y)
    penalties = [nn.l2_penalty(p[f"W{i}"], 0.05) for i in (1, 2, 3)]
    da2, dW3, db3 = nn.affine_backward(ds, c3)
    da1, dW2, db2 = nn.affine_backward(nn.relu_backward(da2, r2), c2)
    _, dW1, db1 = nn.affine_backward(nn.relu_backward(da1, r1), c1)
    loss, grads = m.loss(X, y)
    assert loss == pytest.approx(data_loss + sum(v for v, _ in penalties), rel=1e-12)
    expected = {"W1": dW1 + penalties[0][1], "b1": db1, "W2": dW2 + penalties[1][1], "b2": db2,
                "W3": dW3 + penalties[2][1], "b3": db3}
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.scores(X), s)
    acts = m.forward_activations(X)
    assert [a.shape for a in acts] == [(8, 7), (8, 5)]
    np.testing.assert_allclose(acts[1], a2)


# ---------------------------------------------------------------------------------------
# MLP: gradient checks
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_mlp_gradcheck_activations_and_l2(activation):
    X, y = _data()
    # A seed whose ReLU pre-activations all sit well away from the kink at 0 (at least 6e-3,
    # against a finite-difference step of 1e-5): at a kink no numerical gradient agrees.
    m = models.MLP([5, 6, 4, 3], activation=activation, reg=0.1, seed=6)
    _check_all(m, X, y)


def test_mlp_gradcheck_with_batchnorm():
    X, y = _data(n=10)
    m = models.MLP([5, 6, 4, 3], batchnorm=True, reg=0.02, seed=5)
    # Batch norm subtracts the batch mean, so the bias before it has no effect at all:
    # its true gradient is exactly zero, which a relative error cannot measure.
    _check_all(m, X, y, zero_grad_keys=("b1", "b2"))


def test_mlp_gradcheck_with_dropout_on_a_fixed_mask():
    X, y = _data(n=10)
    m = models.MLP([5, 6, 4, 3], batchnorm=True, keep_prob=0.6, seed=6)

    def replay_mask():
        m.rng = np.random.default_rng(42)

    _check_all(m, X, y, reset=replay_mask, zero_grad_keys=("b1", "b2"))
    # The mask is really dropping units: two different masks give different losses.
    replay_mask()
    first = m.loss(X, y)[0]
    assert m.loss(X, y)[0] != first


# ---------------------------------------------------------------------------------------
# MLP: train vs test behaviour
# ---------------------------------------------------------------------------------------

def test_dropout_is_off_at_test_time_and_does_not_change_the_initial_weights():
    X, _ = _data()
    a = models.MLP([5, 50, 3], keep_prob=0.5, seed=7)
    b = models.MLP([5, 50, 3], keep_prob=1.0, seed=7)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    np.testing.assert_array_equal(a.scores(X), b.scores(X))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert not np.allclose(a.scores(X, train=True), b.scores(X))


def test_dropout_keeps_the_expected_activation():
    # Inverted dropout: the average of many train-mode passes equals the test-mode output.
    X = np.ones((4000, 3))
    m = models.MLP([3, 20, 2], keep_prob=0.5, seed=8)
    m.params["b1"][:] = 1.0
    train_scores = m.scores(X, train=True).mean(axis=0)
    np.testing.assert_allclose(train_scores, m.scores(X[:1])[0], rtol=0.05, atol=0.05)


def test_batchnorm_running_statistics_drive_predict():
    rng = np.random.default_rng(9)
    X, y = rng.normal(3.0, 2.0, size=(64, 5)), rng.integers(0, 3, 64)
    m = models.MLP([5, 4, 3], batchnorm=True, seed=9)
    for _ in range(60):
        m.loss(X, y)  # train mode: updates the running statistics
    state = m.bn_state[0]
    z = X @ m.params["W1"] + m.params["b1"]
    np.testing.assert_allclose(state["running_mean"], z.mean(axis=0), rtol=1e-2)
    np.testing.assert_allclose(state["running_var"], z.var(axis=0, ddof=1), rtol=1e-2)
    xhat = (z - state["running_mean"]) / np.sqrt(state["running_var"] + 1e-5)
    h = np.maximum(m.params["gamma1"] * xhat + m.params["beta1"], 0)
    expected = h @ m.params["W2"] + m.params["b2"]
    np.testing.assert_allclose(m.scores(X), expected, rtol=1e-10)
    before = {k: v.copy() for k, v in state.items()}
    m.predict(X)
    m.forward_activations(X, train=True)
    m.loss(X, y, train=False)
    for k in before:  # none of these may move the running statistics
        np.testing.assert_array_equal(m.bn_state[0][k], before[k])


def test_forward_activations_with_batchnorm_in_train_mode_are_normalised():
    rng = np.random.default_rng(10)
    X = rng.normal(5.0, 3.0, size=(500, 8))
    m = models.MLP([8, 30, 3], batchnorm=True, activation="tanh", seed=10)
    (act,) = m.forward_activations(X, train=True)
    # gamma = 1, beta = 0: the pre-activations have mean 0 and variance 1 per unit
    pre = np.arctanh(np.clip(act, -1 + 1e-15, 1 - 1e-15))
    np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(pre.var(axis=0), 1.0, rtol=1e-3)


def test_mlp_validates():
    with pytest.raises(ValueError):
        models.MLP([5])
    with pytest.raises(ValueError):
        models.MLP([5, 4, 1])
    with pytest.raises(ValueError, match="activation"):
        models.MLP([5, 3], activation="softplus")
    with pytest.raises(ValueError):
        models.MLP([5, 3], keep_prob=0.0)
    with pytest.raises(ValueError):
        models.MLP([5, 3], reg=-1.0)
    m = models.MLP([5, 4, 3])
    with pytest.raises(ValueError, match="reshape"):
        m.loss(np.zeros((2, 5, 1)), [0, 1])
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        m.loss(np.zeros((2, 5)), [0, 3])
    with pytest.raises(ValueError):
        m.loss(np.full((2, 5), np.nan), [0, 1])
    with pytest.raises(TypeError):
        m.loss(np.zeros((2, 5)), [0, 1], train="yes")


# ---------------------------------------------------------------------------------------
# torch autograd as an independent oracle
# ---------------------------------------------------------------------------------------

@pytest.mark.oracle
@pytest.mark.parametrize("batchnorm", [False, True])
def test_mlp_matches_torch_autograd(batchnorm):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    X, y = _data(n=12, d=5, k=3, seed=11)
    m = models.MLP([5, 6, 4, 3], batchnorm=batchnorm, reg=0.03, seed=11)
    if batchnorm:
        m.params["gamma1"][:] = np.linspace(0.5, 1.5, 6)
        m.params["beta2"][:] = np.linspace(-0.3, 0.3, 4)
    loss, grads = m.loss(X, y)

    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in m.params.items()}
    h = torch.tensor(X)
    for layer in (1, 2):
        h = h @ tp[f"W{layer}"] + tp[f"b{layer}"]
        if batchnorm:
            h = torch.nn.functional.batch_norm(h, None, None, tp[f"gamma{layer}"],
                                               tp[f"beta{layer}"], training=True, eps=1e-5)
        h = torch.relu(h)
    scores = h @ tp["W3"] + tp["b3"]
    t_loss = torch.nn.functional.cross_entropy(scores, torch.tensor(y))
    t_loss = t_loss + 0.03 * sum((tp[f"W{i}"] ** 2).sum() for i in (1, 2, 3))
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    for key in m.params:
        np.testing.assert_allclose(grads[key], tp[key].grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
def test_linear_hinge_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    X, y = _data(n=9, d=4, k=3, seed=12)
    clf = models.LinearClassifier(4, 3, loss="hinge", reg=0.2, weight_scale=0.4, seed=12)
    loss, grads = clf.loss(X, y)
    W = torch.tensor(clf.params["W"], requires_grad=True)
    b = torch.tensor(clf.params["b"], requires_grad=True)
    s = torch.tensor(X) @ W + b
    correct = s[torch.arange(9), torch.tensor(y)].unsqueeze(1)
    margins = torch.clamp(s - correct + 1.0, min=0.0)
    mask = torch.ones_like(margins)
    mask[torch.arange(9), torch.tensor(y)] = 0.0
    t_loss = (margins * mask).sum(1).mean() + 0.2 * (W**2).sum()
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(grads["W"], W.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grads["b"], b.grad.numpy(), rtol=1e-10, atol=1e-14)
