"""Tests for dlhelpers.train: the loop against a hand-written one, optimizers, schedules,
early stopping and restore, progress output, and the documented digits recipe."""

import math
import warnings

import numpy as np
import pytest

from dlhelpers import data, models, optim, schedules
from dlhelpers.train import History, accuracy, train


def _blobs(n=120, seed=0):
    X, y = data.make_blobs(n, centers=3, noise=0.8, seed=seed)
    return X, y


def _copy_params(model):
    return {k: v.copy() for k, v in model.params.items()}


def test_sgd_training_equals_a_hand_written_loop():
    X, y = _blobs()
    auto = models.MLP([2, 8, 3], seed=1)
    manual = models.MLP([2, 8, 3], seed=1)
    history = train(auto, X, y, optimizer="sgd", lr=0.1, epochs=3, batch_size=16, seed=5,
                    progress=False)
    rng = np.random.default_rng(5)
    losses = []
    for _ in range(3):
        for Xb, yb in data.minibatches(X, y, 16, rng=rng):
            loss, grads = manual.loss(Xb, yb)
            losses.append(loss)
            for key in manual.params:
                manual.params[key] = manual.params[key] - 0.1 * grads[key]
    np.testing.assert_allclose(history.step_loss, losses, rtol=1e-12)
    for key in manual.params:
        np.testing.assert_allclose(auto.params[key], manual.params[key], rtol=1e-12, atol=1e-15)
    assert len(history.step_loss) == 3 * math.ceil(120 / 16)
    assert history.epochs_run == 3 and len(history.train_acc) == 3 and history.val_acc == []
    assert history.best_epoch is None


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_fused_update_equals_per_parameter_update(name):
    # A wrapper is not one of the course's rules, so train calls it once per parameter
    # array; the fused single-vector path must give the same numbers.
    X, y = _blobs()
    rule = optim.OPTIMIZERS[name]

    def wrapped(w, dw, state, **kw):
        return rule(w, dw, state, **kw)

    a, b = models.MLP([2, 6, 3], seed=2), models.MLP([2, 6, 3], seed=2)
    train(a, X, y, optimizer=name, lr=0.01, epochs=2, batch_size=32, progress=False)
    train(b, X, y, optimizer=wrapped, lr=0.01, epochs=2, batch_size=32, progress=False)
    for key in a.params:
        np.testing.assert_allclose(a.params[key], b.params[key], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"beta1": 1.5}, ValueError, "beta1"),
    ({"rho": 0.9}, TypeError, "rho"),
    ({"lr": -0.1}, ValueError, "lr"),
])
def test_bad_adam_settings_fail_before_the_first_step(kwargs, error, words):
    # Adam's settings are checked once when training starts (not on every step), so a
    # mistake must still be reported, and before any weight has moved.
    X, y = _blobs()
    m = models.MLP([2, 4, 3], seed=0)
    before = _copy_params(m)
    with pytest.raises(error, match=words):
        train(m, X, y, optimizer="adam", epochs=1, progress=False, **kwargs)
    for key, value in before.items():
        np.testing.assert_array_equal(m.params[key], value)


def test_optimizer_kwargs_and_schedule_reach_the_rule():
    X, y = _blobs()
    sched = schedules.step_decay(0.1, step_size=8, gamma=0.5)
    m = models.MLP([2, 5, 3], seed=3)
    h = train(m, X, y, optimizer="momentum", lr=sched, rho=0.5, epochs=3, batch_size=30,
              progress=False)
    # 4 steps per epoch: the last updates are steps 3, 7 and 11
    np.testing.assert_allclose(h.lr, [sched(3), sched(7), sched(11)])
    manual = models.MLP([2, 5, 3], seed=3)
    states = dict.fromkeys(manual.params)
    rng = np.random.default_rng(0)
    for _ in range(3):
        for Xb, yb in data.minibatches(X, y, 30, rng=rng):
            _, grads = manual.loss(Xb, yb)
            for key in manual.params:
                manual.params[key], states[key] = optim.momentum(
                    manual.params[key], grads[key], states[key], lr=sched, rho=0.5)
    for key in m.params:
        np.testing.assert_allclose(m.params[key], manual.params[key], rtol=1e-12, atol=1e-15)


def test_linear_classifier_trains_on_separable_blobs():
    X, y = _blobs(300, seed=4)
    clf = models.LinearClassifier(2, 3, loss="hinge", seed=0)
    h = train(clf, X, y, X, y, optimizer="sgd", lr=0.05, epochs=15, progress=False)
    assert h.val_acc[-1] > 0.9 and accuracy(clf, X, y) >= h.val_acc[h.best_epoch] - 1e-12


def test_validation_metrics_are_the_test_mode_numbers():
    X, y = _blobs()
    Xv, yv = _blobs(60, seed=9)
    m = models.MLP([2, 6, 3], keep_prob=0.7, batchnorm=True, reg=0.01, seed=5)
    h = train(m, X, y, Xv, yv, epochs=2, restore_best=False, progress=False)
    assert h.val_acc[-1] == pytest.approx(accuracy(m, Xv, yv))
    assert h.train_acc[-1] == pytest.approx(accuracy(m, X, y))
    assert h.val_loss[-1] == pytest.approx(m.loss(Xv, yv, train=False)[0], rel=1e-12)


def test_early_stopping_restores_the_best_weights_and_bn_state():
    X, y = _blobs(200)
    rng = np.random.default_rng(0)
    Xv, yv = rng.normal(size=(50, 2)), rng.integers(0, 3, 50)  # noise: no lasting progress
    snapshots = []

    def remember(epoch, history):
        snapshots.append((_copy_params(m), [dict(s) for s in m.bn_state]))

    m = models.MLP([2, 16, 3], batchnorm=True, seed=6)
    h = train(m, X, y, Xv, yv, lr=0.05, epochs=40, patience=3, progress=False,
              callback=remember)
    assert h.stopped_early and h.epochs_run < 40
    assert h.epochs_run - 1 - h.best_epoch == 3  # stopped after 3 epochs without a new best
    assert h.val_acc[h.best_epoch] == max(h.val_acc)
    assert h.val_acc.index(max(h.val_acc)) == h.best_epoch  # ties keep the earlier epoch
    best_params, best_bn = snapshots[h.best_epoch]
    for key, value in best_params.items():
        np.testing.assert_array_equal(m.params[key], value)
    np.testing.assert_array_equal(m.bn_state[0]["running_mean"], best_bn[0]["running_mean"])
    assert accuracy(m, Xv, yv) == pytest.approx(h.val_acc[h.best_epoch])


def test_restore_best_false_keeps_the_last_epoch_and_val_loss_monitor():
    X, y = _blobs()
    rng = np.random.default_rng(1)
    Xv, yv = rng.normal(size=(40, 2)), rng.integers(0, 3, 40)
    last = []
    m = models.MLP([2, 8, 3], seed=7)
    h = train(m, X, y, Xv, yv, epochs=6, restore_best=False, monitor="val_loss",
              progress=False, callback=lambda e, hist: last.append(_copy_params(m)))
    assert h.best_epoch == int(np.argmin(h.val_loss))
    for key, value in last[-1].items():
        np.testing.assert_array_equal(m.params[key], value)


def test_callback_can_stop_training():
    X, y = _blobs()
    h = train(models.MLP([2, 4, 3]), X, y, epochs=10, progress=False,
              callback=lambda epoch, history: epoch == 1)
    assert h.epochs_run == 2 and not h.stopped_early


def test_divergence_stops_with_a_warning():
    X, y = _blobs()
    X = X * 1e3
    m = models.MLP([2, 64, 3], seed=8)
    with pytest.warns(RuntimeWarning, match="diverged"):
        h = train(m, X, y, optimizer="sgd", lr=1e200, epochs=5, progress=False)
    assert h.diverged and h.epochs_run < 5


def test_progress_bar_only_when_asked(capsys):
    X, y = _blobs(40)
    train(models.MLP([2, 3, 3]), X, y, epochs=2, progress=False, record_steps=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    h = train(models.MLP([2, 3, 3]), X, y, epochs=2, progress=True, record_steps=False)
    assert "2/2" in capsys.readouterr().err
    assert h.step_loss == []


def test_train_rejects_bad_arguments():
    X, y = _blobs(30)
    m = models.MLP([2, 3, 3])
    with pytest.raises(ValueError, match="optimizer"):
        train(m, X, y, optimizer="lbfgs", progress=False)
    with pytest.raises(ValueError, match="patience"):
        train(m, X, y, patience=2, progress=False)
    with pytest.raises(ValueError, match="both"):
        train(m, X, y, X, None, progress=False)
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        train(m, X, y + 1, progress=False)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        train(m, np.zeros((30, 3)), y, progress=False)
    with pytest.raises(ValueError):
        train(m, X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="monitor"):
        train(m, X, y, X, y, monitor="train_acc", progress=False)


def test_history_plot_draws_both_panels():
    import matplotlib

    matplotlib.use("Agg")
    X, y = _blobs()
    h = train(models.MLP([2, 6, 3]), X, y, X[:30], y[:30], epochs=4, progress=False)
    axes = h.plot()
    assert [ax.get_xlabel() for ax in axes] == ["epoch", "epoch"]
    assert len(axes[1].get_lines()) == 3  # training, validation, best-epoch marker
    assert isinstance(History().epochs_run, int)


def test_accuracy_validates():
    m = models.MLP([2, 3, 3])
    with pytest.raises(ValueError):
        accuracy(m, np.zeros((4, 2)), [0, 1])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_documented_digits_recipe_reaches_97_percent(seed):
    X, y = data.load_digits()
    X_train, y_train, _, _, X_test, y_test = data.train_val_test_split(X, y, val=0.0, test=0.2,
                                                                       seed=0)
    assert len(y_test) == 360
    scaler = data.Standardizer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = models.MLP([64, 128, 10], reg=1e-3, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the recipe must train cleanly
        train(model, X_train, y_train, optimizer="adam", lr=3e-3, batch_size=64, epochs=30,
              seed=seed, progress=False)
    assert accuracy(model, X_test, y_test) >= 0.97


def test_course_models_implement_the_public_model_protocol():
    from dlhelpers.train import Model

    for model in (models.MLP([2, 4, 3]), models.LinearClassifier(2, 3)):
        assert isinstance(model, Model)
        X, y = _blobs(10)
        loss, scores = model.evaluate(X, y)
        assert scores.shape == (10, 3) and loss == pytest.approx(model.loss(X, y, train=False)[0])
    assert models.MLP([2, 4, 3], batchnorm=True).state is not None


class _LearnersModel:
    """Only what a learner writes: params, loss(X, y) and predict(X) (a linear softmax)."""

    def __init__(self):
        self.params = {"W": np.zeros((2, 3)), "b": np.zeros(3)}

    def loss(self, X, y):
        from dlhelpers import nn

        scores, cache = nn.affine_forward(X, self.params["W"], self.params["b"])
        loss, dscores = nn.softmax_cross_entropy(scores, y)
        _, dW, db = nn.affine_backward(dscores, cache)
        return loss, {"W": dW, "b": db}

    def predict(self, X):
        return (X @ self.params["W"] + self.params["b"]).argmax(axis=1)


def test_a_model_with_only_params_loss_and_predict_trains_validates_and_stops_early():
    X, y = _blobs(150, seed=3)
    mine, course = _LearnersModel(), models.LinearClassifier(2, 3, weight_scale=1e-300)
    course.params["W"][:] = 0.0
    kw = dict(optimizer="adam", lr=0.05, epochs=6, batch_size=32, progress=False, patience=2)
    h_mine = train(mine, X[:100], y[:100], X[100:], y[100:], **kw)
    h_course = train(course, X[:100], y[:100], X[100:], y[100:], **kw)
    assert h_mine.val_acc == h_course.val_acc and h_mine.best_epoch == h_course.best_epoch
    np.testing.assert_allclose(h_mine.val_loss, h_course.val_loss, rtol=1e-12)
    np.testing.assert_allclose(mine.params["W"], course.params["W"], rtol=1e-12, atol=1e-15)
    assert accuracy(mine, X[100:], y[100:]) > 0.8


class _FloatLabelsModel(_LearnersModel):
    def predict(self, X):
        return super().predict(X).astype(float)  # 2.0 for class 2, as a learner may return


def test_a_learners_model_may_predict_float_labels_but_not_scores():
    X, y = _blobs(60, seed=4)
    h_float = train(_FloatLabelsModel(), X[:40], y[:40], X[40:], y[40:], optimizer="sgd", lr=0.1,
                    epochs=2, batch_size=20, progress=False)
    h_int = train(_LearnersModel(), X[:40], y[:40], X[40:], y[40:], optimizer="sgd", lr=0.1,
                  epochs=2, batch_size=20, progress=False)
    assert h_float.val_acc == h_int.val_acc

    class ScoresModel(_LearnersModel):
        def predict(self, X):
            return X @ self.params["W"]  # scores, not labels: a common slip

    with pytest.raises(ValueError, match=r"predict\(X\) must return class labels"):
        train(ScoresModel(), X[:40], y[:40], X[40:], y[40:], epochs=1, progress=False)
