"""The package pieces lesson 14 needs: freezing parameters in train(), a layer's features
from MLP.features(), and quarter-turn rotations of image batches (data.rotate_images)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import data, models, optim
from dlhelpers.train import train


def _blobs(n=90, seed=0):
    return data.make_blobs(n, centers=3, noise=0.8, seed=seed)


def _copy(model):
    return {k: v.copy() for k, v in model.params.items()}


# --- train(frozen=...) -------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, kwargs", [
    ("sgd", {}), ("momentum", {"rho": 0.9}), ("adam", {}), ("adamw", {"weight_decay": 0.1}),
    (lambda w, dw, state, lr: (w - lr * dw, state), {}),   # a rule of one's own: per-array path
])
def test_frozen_parameters_keep_every_bit_and_the_others_move(optimizer, kwargs):
    X, y = _blobs()
    model = models.MLP([2, 6, 5, 3], seed=0)
    before = _copy(model)
    train(model, X, y, optimizer=optimizer, lr=0.05, epochs=3, batch_size=16, progress=False,
          frozen=("W1", "b1", "W2"), **kwargs)
    for key in ("W1", "b1", "W2"):
        assert np.array_equal(model.params[key], before[key]), key
    for key in ("b2", "W3", "b3"):
        assert not np.array_equal(model.params[key], before[key]), key


def test_freezing_the_first_layer_equals_a_linear_classifier_on_its_features():
    # Oracle: with W1, b1 fixed, the MLP's top layer sees h = relu(X W1 + b1) and is trained
    # exactly like a softmax classifier on h (same start, same batches, same rule).
    X, y = _blobs(120, seed=3)
    mlp = models.MLP([2, 7, 3], seed=4)
    h = np.maximum(0.0, X @ mlp.params["W1"] + mlp.params["b1"])
    linear = models.LinearClassifier(7, 3, seed=0)
    linear.params = {"W": mlp.params["W2"].copy(), "b": mlp.params["b2"].copy()}
    hist_mlp = train(mlp, X, y, optimizer="sgd", lr=0.1, epochs=4, batch_size=20, seed=9,
                     progress=False, frozen=["W1", "b1"])
    hist_lin = train(linear, h, y, optimizer="sgd", lr=0.1, epochs=4, batch_size=20, seed=9,
                     progress=False)
    np.testing.assert_allclose(hist_mlp.step_loss, hist_lin.step_loss, rtol=1e-12)
    np.testing.assert_allclose(mlp.params["W2"], linear.params["W"], rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(mlp.params["b2"], linear.params["b"], rtol=1e-11, atol=1e-14)


def test_no_frozen_names_changes_nothing_and_a_single_name_may_be_a_string():
    X, y = _blobs()
    a, b, c, d = (models.MLP([2, 5, 3], seed=1) for _ in range(4))
    train(a, X, y, epochs=2, progress=False)
    train(b, X, y, epochs=2, progress=False, frozen=())
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key])
    train(c, X, y, epochs=2, progress=False, frozen="W1")
    train(d, X, y, epochs=2, progress=False, frozen=("W1",))
    for key in c.params:
        assert np.array_equal(c.params[key], d.params[key])


def test_frozen_with_validation_restore_keeps_the_frozen_values():
    X, y = _blobs(150, seed=2)
    model = models.MLP([2, 8, 3], seed=2)
    W1 = model.params["W1"].copy()
    hist = train(model, X[:100], y[:100], X[100:], y[100:], lr=0.3, optimizer="sgd", epochs=6,
                 progress=False, frozen=("W1", "b1"), restore_best=True)
    assert hist.best_epoch is not None
    assert np.array_equal(model.params["W1"], W1)


def test_frozen_adam_state_covers_only_the_trained_parameters():
    X, y = _blobs()
    model = models.MLP([2, 4, 3], seed=0)
    n_trained = model.params["W2"].size + model.params["b2"].size
    seen = []

    def spy(w, dw, state, lr):
        seen.append(w.size)
        return optim.sgd(w, dw, state, lr=lr)

    train(model, X, y, optimizer=spy, epochs=1, batch_size=90, progress=False, frozen=("W1", "b1"))
    assert sum(seen) == n_trained


def test_unknown_frozen_name_is_named_with_the_valid_ones():
    X, y = _blobs()
    model = models.MLP([2, 4, 3], seed=0)
    with pytest.raises(ValueError, match=r"\['W9'\].*\['W1', 'b1', 'W2', 'b2'\]"):
        train(model, X, y, epochs=1, progress=False, frozen=("W1", "W9"))
    with pytest.raises(ValueError, match="nothing would be trained"):
        train(model, X, y, epochs=1, progress=False, frozen=("W1", "b1", "W2", "b2"))


# --- MLP.features --------------------------------------------------------------------------

def test_features_are_the_hidden_activations_computed_by_hand():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 4))
    net = models.MLP([4, 5, 3, 2], seed=1)
    p = net.params
    h1 = np.maximum(0.0, X @ p["W1"] + p["b1"])
    h2 = np.maximum(0.0, h1 @ p["W2"] + p["b2"])
    np.testing.assert_allclose(net.features(X, layer=1), h1, rtol=1e-12)
    np.testing.assert_allclose(net.features(X, layer=2), h2, rtol=1e-12)
    np.testing.assert_allclose(net.features(X), h2, rtol=1e-12)         # default: the last hidden layer
    assert net.features(X, layer=np.int64(1)).shape == (6, 5)


def test_features_are_test_mode_and_leave_the_model_unchanged():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((8, 3))
    net = models.MLP([3, 6, 2], keep_prob=0.5, batchnorm=True, seed=0)
    net.loss(X, np.array([0, 1] * 4))        # sets running statistics
    state = [dict(s) for s in net.bn_state]
    first, second = net.features(X), net.features(X)
    assert np.array_equal(first, second)     # no dropout mask drawn
    np.testing.assert_allclose(first, net.forward_activations(X)[0])
    for old, new in zip(state, net.bn_state, strict=True):
        for key in old:
            assert np.array_equal(old[key], new[key])


@pytest.mark.parametrize("layer", [0, 3, -1, 1.5, True, "1"])
def test_features_reject_a_layer_that_is_not_hidden(layer):
    net = models.MLP([4, 5, 3, 2], seed=0)
    with pytest.raises(ValueError, match="from 1 to 2"):
        net.features(np.zeros((1, 4)), layer=layer)


def test_features_of_a_network_without_hidden_layers_is_an_error():
    with pytest.raises(ValueError, match="no hidden layer"):
        models.MLP([4, 3]).features(np.zeros((2, 4)))


def test_features_check_the_input_width():
    with pytest.raises(ValueError, match="4"):
        models.MLP([4, 5, 2]).features(np.zeros((2, 3)))


# --- data.rotate_images ----------------------------------------------------------------------

def test_a_quarter_turn_is_counter_clockwise():
    img = np.arange(9.0).reshape(1, 3, 3)     # rows [0 1 2], [3 4 5], [6 7 8]
    np.testing.assert_array_equal(data.rotate_images(img, 90)[0], [[2, 5, 8], [1, 4, 7], [0, 3, 6]])
    np.testing.assert_array_equal(data.rotate_images(img, 180)[0], [[8, 7, 6], [5, 4, 3], [2, 1, 0]])
    np.testing.assert_array_equal(data.rotate_images(img, -90), data.rotate_images(img, 270))
    np.testing.assert_array_equal(data.rotate_images(img, 450), data.rotate_images(img, 90))
    np.testing.assert_array_equal(data.rotate_images(img, 0), img)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(-8, 8))
def test_rotations_compose_and_only_move_pixels(n, side, quarter_turns):
    rng = np.random.default_rng(n * 100 + side)
    X = rng.standard_normal((n, side, side))
    turned = data.rotate_images(X, 90 * quarter_turns)
    np.testing.assert_array_equal(np.sort(turned.reshape(n, -1)), np.sort(X.reshape(n, -1)))
    back = data.rotate_images(turned, -90 * quarter_turns)
    np.testing.assert_array_equal(back, X)
    four = X
    for _ in range(4):
        four = data.rotate_images(four, 90)
    np.testing.assert_array_equal(four, X)


def test_one_angle_per_image_and_flat_rows():
    rng = np.random.default_rng(2)
    X = rng.random((4, 3, 3))
    angles = np.array([0, 90, 180, 270])
    out = data.rotate_images(X, angles)
    for i, a in enumerate(angles):
        np.testing.assert_array_equal(out[i], np.rot90(X[i], a // 90))
    flat = data.rotate_images(X.reshape(4, 9), angles, (3, 3))
    assert flat.shape == (4, 9)
    np.testing.assert_array_equal(flat, out.reshape(4, 9))
    assert data.rotate_images(X.astype(np.float32), 90).dtype == np.float64


def test_non_square_images_change_shape_under_a_quarter_turn():
    X = np.arange(12.0).reshape(2, 2, 3)
    assert data.rotate_images(X, 90).shape == (2, 3, 2)
    assert data.rotate_images(X, 180).shape == (2, 2, 3)
    assert data.rotate_images(X.reshape(2, 6), 270, (2, 3)).shape == (2, 6)
    with pytest.raises(ValueError, match="non-square"):
        data.rotate_images(X, [0, 90])


@pytest.mark.parametrize("X, degrees, shape, match", [
    (np.zeros((2, 3, 3)), 45, None, "multiples of 90.*45"),
    (np.zeros((2, 3, 3)), [0, 30], None, "multiples of 90.*30"),
    (np.zeros((2, 3, 3)), np.nan, None, "multiples of 90"),
    (np.zeros((2, 3, 3)), [0, 90, 180], None, r"one per image, shape \(2,\)"),
    (np.zeros((2, 3, 3)), "90", None, "number"),
    (np.zeros((2, 9)), 90, None, r"image_shape=\(H, W\)"),
    (np.zeros((2, 9)), 90, (2, 4), "H \\* W = 9"),
    (np.zeros((2, 3, 3)), 90, (9, 1), "does not match"),
    (np.zeros(9), 90, (3, 3), r"2-D or 3-D; got shape \(9,\)"),
])
def test_bad_rotation_requests_are_explained(X, degrees, shape, match):
    with pytest.raises(ValueError, match=match):
        data.rotate_images(X, degrees, shape)
