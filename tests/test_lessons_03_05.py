"""Plots and widgets of lessons 03-05 (losses, gradient descent, SGD)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlhelpers.plots import descent as dplots
from dlhelpers.plots import losses as lplots
from dlhelpers.widgets import descent as dwidgets
from dlhelpers.widgets import losses as lwidgets


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


# ------------------------------------------------------------------ lesson 03: losses
def test_score_losses_match_hand_computation():
    # by hand: car leads cat by 1.9, plus the margin of 1 gives 2.9; frog is far behind (0)
    out = lwidgets.score_losses([3.2, 5.1, -1.7], 0)
    assert out["hinge"] == pytest.approx(2.9)
    assert out["squared_hinge"] == pytest.approx(2.9 ** 2)
    z = math.exp(3.2) + math.exp(5.1) + math.exp(-1.7)
    assert out["cross_entropy"] == pytest.approx(-math.log(math.exp(3.2) / z))
    assert out["probabilities"].sum() == pytest.approx(1.0)


def test_score_losses_equal_scores_give_k_minus_1_and_log_k():
    out = lwidgets.score_losses(np.zeros(7), 3)
    assert out["hinge"] == pytest.approx(6.0)
    assert out["cross_entropy"] == pytest.approx(math.log(7))


def test_score_losses_is_stable_for_huge_scores():
    out = lwidgets.score_losses([1000.0, 1001.0, 1002.0], 0)
    assert out["cross_entropy"] == pytest.approx(2 + math.log(1 + math.exp(-1) + math.exp(-2)))


@pytest.mark.parametrize("scores, y", [([1.0, 2.0], 2), ([[1.0, 2.0]], 0), ([1.0, np.nan], 0)])
def test_score_losses_rejects_bad_input(scores, y):
    with pytest.raises(ValueError):
        lwidgets.score_losses(scores, y)


def test_loss_explorer_readout_follows_the_sliders():
    box = lwidgets.loss_explorer(scores=(3.2, 5.1, -1.7), true_class=0)
    assert box.readout["hinge"] == pytest.approx(2.9)
    box.sliders[1].value = 0.0          # car drops far below cat: no hinge loss left
    assert box.readout["hinge"] == pytest.approx(0.0)
    bars = box.figure.axes[0].patches
    assert bars[1].get_height() == pytest.approx(0.0)
    box.true_class.value = 2            # frog is now the truth and is far behind
    assert box.readout["hinge"] == pytest.approx((3.2 + 1.7 + 1) + (0.0 + 1.7 + 1))
    assert box.readout["cross_entropy"] > 4.0


def test_loss_explorer_rejects_mismatched_names_and_out_of_range_scores():
    with pytest.raises(ValueError, match="class_names"):
        lwidgets.loss_explorer(scores=(1.0, 2.0), class_names=("a", "b", "c"))
    with pytest.raises(ValueError, match="score_range"):
        lwidgets.loss_explorer(scores=(1.0, 20.0), class_names=None)


def test_loss_plots_are_labelled():
    assert _labelled(lplots.plot_regression_losses(1.0))
    assert _labelled(lplots.plot_hinge_vs_cross_entropy())
    assert _labelled(lplots.plot_outlier_effect([0.1, -0.1], np.linspace(0, 5, 11)))
    ax = lplots.plot_penalties({"w1": [1, 0, 0, 0], "w2": [0.25] * 4})
    assert _labelled(ax)
    axes = lplots.plot_scores_and_probabilities([1.0, 2.0, 3.0], 1)
    assert all(_labelled(a) for a in axes)


def test_plot_penalties_bar_heights_are_the_penalties():
    ax = lplots.plot_penalties({"w1": [1, 0, 0, 0], "w2": [0.25] * 4}, beta=1.0)
    heights = [p.get_height() for p in ax.patches]
    # order: w1 (L2, L1, elastic), then w2 (L2, L1, elastic)
    np.testing.assert_allclose(heights, [1.0, 1.0, 2.0, 0.25, 1.0, 1.25])


def test_plot_outlier_effect_draws_mse_and_mae():
    ax = lplots.plot_outlier_effect([0.0], np.array([0.0, 2.0]))
    mse_line, mae_line = ax.get_lines()
    np.testing.assert_allclose(mse_line.get_ydata(), [0.0, 4.0 / 2])
    np.testing.assert_allclose(mae_line.get_ydata(), [0.0, 2.0 / 2])


def test_probabilities_panel_sums_to_one():
    axes = lplots.plot_scores_and_probabilities([0.5, -1.0, 2.0, 0.0], 2)
    assert sum(p.get_height() for p in axes[1].patches) == pytest.approx(1.0)


@pytest.mark.parametrize("call", [
    lambda: lplots.plot_regression_losses(target=-2.0),
    lambda: lplots.plot_regression_losses(lo=2.0, hi=1.0),
    lambda: lplots.plot_scores_and_probabilities([1.0, 2.0], 5),
    lambda: lplots.plot_scores_and_probabilities([1.0], 0),
    lambda: lplots.plot_penalties({}),
    lambda: lplots.plot_outlier_effect([[0.1]], [1.0]),
])
def test_loss_plots_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


# ------------------------------------------------------ lessons 04-05: gradient descent
def test_gd_on_quadratic_matches_the_closed_form():
    # on 0.5 * a * x^2 each step multiplies x by (1 - lr * a)
    path = dwidgets.gd_on_quadratic([[2.0]], [3.0], lr=0.1, steps=5)
    np.testing.assert_allclose(path[:, 0], 3.0 * 0.8 ** np.arange(6))
    path2 = dwidgets.gd_on_quadratic(np.diag([1.0, 10.0]), [1.0, 1.0], lr=0.15, steps=3)
    np.testing.assert_allclose(path2[-1], [0.85 ** 3, (-0.5) ** 3])


def test_gd_on_quadratic_marks_divergence_with_nan():
    path = dwidgets.gd_on_quadratic([[1.0]], [1.0], lr=3.0, steps=100)   # factor -2 per step
    assert np.isnan(path[-1, 0]) and np.isfinite(path[10, 0])


@pytest.mark.parametrize("kwargs", [
    {"hessian": [[1.0, 2.0], [0.0, 1.0]], "start": [1.0, 1.0]},      # not symmetric
    {"hessian": [[1.0]], "start": [1.0, 1.0]},                        # shape mismatch
    {"hessian": [[1.0]], "start": [1.0], "lr": -0.1},                 # negative step
])
def test_gd_on_quadratic_rejects_bad_input(kwargs):
    args = {"lr": 0.1, "steps": 3} | kwargs
    with pytest.raises(ValueError):
        dwidgets.gd_on_quadratic(**args)


def test_step_size_explorer_readout_and_figure_follow_the_slider():
    box = dwidgets.step_size_explorer(lr=0.15, steps=20)
    assert box.readout["lr_limit_2d"] == pytest.approx(0.2)
    assert not box.readout["diverged_2d"]
    assert box.readout["final_2d"] < 0.05
    box.lr.value = 0.25                     # above 2 / 10: the steep direction blows up
    assert box.readout["diverged_2d"] and not box.readout["diverged_1d"]
    line = box.figure.axes[1].get_lines()[0]
    assert abs(line.get_ydata()[-1]) > 1.0 or np.isnan(line.get_ydata()[-1])


def test_logistic_loss_at_zero_weights_is_log_2():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    assert dwidgets.logistic_loss(np.zeros(4), X, y) == pytest.approx(np.log(2))


def test_train_logistic_full_batch_equals_hand_written_gradient_descent():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    w, losses = dwidgets.train_logistic(X, y, lr=0.5, epochs=5, batch_size=30)
    w_ref = np.zeros(3)
    A = np.hstack([X, np.ones((30, 1))])
    for _ in range(5):
        p = 1 / (1 + np.exp(-A @ w_ref))
        w_ref -= 0.5 * A.T @ (p - y) / 30
    np.testing.assert_allclose(w, w_ref)
    assert np.all(np.diff(losses) < 0)


def test_mini_batches_beat_full_batch_after_equal_epochs():
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(-1.5, 1.0, size=(200, 2)), rng.normal(1.5, 1.0, size=(200, 2))])
    y = np.repeat([0, 1], 200)
    _, mini = dwidgets.train_logistic(X, y, lr=0.1, epochs=10, batch_size=16)
    _, full = dwidgets.train_logistic(X, y, lr=0.1, epochs=10, batch_size=400)
    assert mini[-1] < full[-1]


def test_train_logistic_rejects_bad_labels_and_shapes():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError):
        dwidgets.train_logistic(X, [0, 1, 2, 1], lr=0.1, epochs=1, batch_size=2)
    with pytest.raises(ValueError):
        dwidgets.train_logistic(X, [0, 1, 1, 0], lr=0.1, epochs=1, batch_size=2, w0=np.zeros(2))
    with pytest.raises(TypeError):
        dwidgets.train_logistic(X, [0, 1, 1, 0], lr=0.1, epochs=1.5, batch_size=2)


def test_batch_size_explorer_reports_steps_and_losses():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(-1, 1, size=(50, 2)), rng.normal(1, 1, size=(50, 2))])
    y = np.repeat([0, 1], 50)
    box = dwidgets.batch_size_explorer(X, y, batch_sizes=(1, 10, 100), lr=0.1, epochs=5)
    assert box.readout["steps_per_epoch"] == 100       # default: the first size offered (1)
    box.batch_size.value = 10
    assert box.readout["steps_per_epoch"] == 10
    first = box.readout["final_loss"]
    box.epochs.value = 20
    assert box.readout["final_loss"] < first
    assert len(box.figure.axes[0].get_lines()[0].get_ydata()) == 20


def test_descent_plots_are_labelled_and_hold_the_data():
    ax = dplots.plot_loss_curves({"a": [3.0, 2.0, 1.0], "b": [1.0, np.nan, np.inf]})
    assert _labelled(ax)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [3.0, 2.0, 1.0])
    ax = dplots.plot_path_1d(lambda x: x ** 2, [2.0, 1.0, 0.5])
    assert _labelled(ax)
    ax = dplots.plot_contour_paths(lambda p: p[..., 0] ** 2 + p[..., 1] ** 2,
                                   {"run": [[1.0, 1.0], [0.5, 0.5]]}, mark={"min": (0, 0)})
    assert _labelled(ax)
    ax = dplots.plot_error_vs_h([1e-3, 1e-2], {"fwd": [1e-6, 1e-5]})
    assert _labelled(ax) and ax.get_xscale() == "log"


def test_grid_values_vectorized_and_pointwise_agree():
    def vectorized(p):
        return p[..., 0] * 2 + p[..., 1]

    def pointwise(p):
        return float(p[0] * 2 + p[1])

    _, _, a = dplots.grid_values(vectorized, (-1, 1), (0, 2), n=5)
    _, _, b = dplots.grid_values(pointwise, (-1, 1), (0, 2), n=5)
    np.testing.assert_allclose(a, b)
    assert a[0, -1] == pytest.approx(2.0)               # x = 1, y = 0


@pytest.mark.parametrize("call", [
    lambda: dplots.plot_loss_curves({}),
    lambda: dplots.plot_path_1d(lambda x: x, [0.0], xlim=(1.0, 0.0)),
    lambda: dplots.plot_contour_paths(lambda p: 0.0, {"bad": [1.0, 2.0, 3.0]}),
    lambda: dplots.plot_error_vs_h([0.0, 1.0], {"e": [1.0, 1.0]}),
    lambda: dplots.plot_error_vs_h([1.0, 2.0], {"e": [1.0]}),
])
def test_descent_plots_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


# ------------------------------------------------ figures of the revised lessons 03-05
def test_contour_paths_have_equal_aspect_and_distinct_dashes():
    ax = dplots.plot_contour_paths(lambda p: p[..., 0] ** 2 + 4 * p[..., 1] ** 2,
                                   {"a": [[1.0, 1.0], [0.5, 0.5]], "b": [[-1.0, 1.0], [0.0, 0.2]]},
                                   xlim=(-2, 2), ylim=(-1, 1))
    assert ax.get_aspect() == 1.0
    paths = [line for line in ax.get_lines() if line.get_label() in ("a", "b")]
    assert len({line.get_linestyle() for line in paths}) == 2       # not told apart by colour alone
    assert len({line.get_marker() for line in paths}) == 2


def test_gradient_arrows_point_along_minus_the_gradient():
    def f(p):
        return 0.5 * (p[..., 0] ** 2 + 9 * p[..., 1] ** 2)

    def grad(p):
        return np.array([p[0], 9 * p[1]])

    feet = np.array([[1.0, 0.5], [-2.0, 0.2]])
    ax = dplots.plot_gradient_arrows(f, grad, feet, xlim=(-3, 3), ylim=(-1, 1), length=0.5)
    assert ax.get_aspect() == 1.0
    arrows = [t for t in ax.texts if hasattr(t, "xy")]
    assert len(arrows) == 2
    for arrow, p in zip(arrows, feet, strict=True):
        d = np.subtract(arrow.xy, arrow.xyann)
        np.testing.assert_allclose(np.linalg.norm(d), 0.5)
        g = grad(p)
        np.testing.assert_allclose(d / np.linalg.norm(d), -g / np.linalg.norm(g))
        # perpendicular to the level set: the tangent (-g2, g1) is orthogonal to the arrow
        assert abs(d @ np.array([-g[1], g[0]])) < 1e-9


@pytest.mark.parametrize("call", [
    lambda: dplots.plot_gradient_arrows(lambda p: 0.0, lambda p: np.ones(2), [1.0, 2.0]),
    lambda: dplots.plot_gradient_arrows(lambda p: 0.0, lambda p: np.ones(2), [[1.0, 2.0]], length=0),
    lambda: dplots.plot_mean_band([1.0, 2.0, 3.0], [[1.0, 2.0]]),
])
def test_new_descent_plots_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_mean_band_draws_the_mean_and_spans_min_to_max():
    runs = np.array([[1.0, 2.0, 4.0], [3.0, 2.0, 0.5]])
    ax = dplots.plot_mean_band([1, 2, 3], runs, label="m", logy=False)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [2.0, 2.0, 2.25])
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(0.5) and band[:, 1].max() == pytest.approx(4.0)


def test_scores_panel_titles_give_both_losses():
    s_ax, p_ax = lplots.plot_scores_and_probabilities([3.2, 5.1, -1.7], 0, ["cat", "car", "frog"])
    assert "2.900" in s_ax.get_title()
    assert "2.040" in p_ax.get_title()
    assert "(true)" in s_ax.get_xticklabels()[0].get_text()     # not by colour alone


def test_msle_curve_is_drawn_only_for_non_negative_predictions():
    ax = lplots.plot_regression_losses(target=1.0, lo=-0.5, hi=3.0)
    msle = ax.get_lines()[2]
    assert msle.get_xdata().min() >= 0.0 and ax.get_lines()[0].get_xdata().min() < 0


# ------------------------------------------------ lesson 05: the fair SGD vs GD race
def test_teacher_data_is_deterministic_binary_and_shares_its_teacher():
    X1, y1 = dwidgets.make_logistic_teacher(500, d=5, seed=3)
    X2, y2 = dwidgets.make_logistic_teacher(500, d=5, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.shape == (500, 5) and set(np.unique(y1)) == {0, 1}
    # a larger sample of the same teacher has nearly the same best weights (redundancy)
    w_a, _ = dwidgets.logistic_minimum(*dwidgets.make_logistic_teacher(20_000, d=5, seed=3))
    w_b, _ = dwidgets.logistic_minimum(*dwidgets.make_logistic_teacher(40_000, d=5, seed=3))
    assert np.linalg.norm(w_a - w_b) < 0.15 * np.linalg.norm(w_b)


def test_logistic_minimum_has_zero_gradient_and_beats_nearby_points():
    X, y = dwidgets.make_logistic_teacher(2000, d=4, seed=1)
    w, best = dwidgets.logistic_minimum(X, y)
    p = 1 / (1 + np.exp(-X @ w))
    np.testing.assert_allclose(X.T @ (p - y) / len(y), 0.0, atol=1e-10)
    z = X @ (w + 0.01)
    nearby = np.mean(np.logaddexp(0, np.where(y == 1, -z, z)))
    assert best < nearby


def test_logistic_race_full_batch_is_plain_gradient_descent_on_a_budget():
    X, y = dwidgets.make_logistic_teacher(200, d=3, seed=2)
    rows = dwidgets.logistic_race(X, y, lr=0.5, batch_size=10_000, examples=2000, records=100)
    assert rows.shape == (10, 3)                              # 2000 examples = 10 full steps
    np.testing.assert_array_equal(rows[:, 0], 200 * np.arange(1, 11))
    w = np.zeros(3)
    for _ in range(10):
        w -= 0.5 * X.T @ (1 / (1 + np.exp(-X @ w)) - y) / 200
    z = X @ w
    np.testing.assert_allclose(rows[-1, 2], np.mean(np.logaddexp(0, np.where(y == 1, -z, z))))
    assert np.all(np.diff(rows[:, 1]) >= 0)                   # the clock only moves forward


def test_logistic_race_sgd_counts_examples_and_is_reproducible():
    X, y = dwidgets.make_logistic_teacher(300, d=3, seed=2)
    a = dwidgets.logistic_race(X, y, lr=0.1, batch_size=32, examples=3000, seed=4)
    b = dwidgets.logistic_race(X, y, lr=0.1, batch_size=32, examples=3000, seed=4)
    np.testing.assert_array_equal(a[:, [0, 2]], b[:, [0, 2]])
    assert a[-1, 0] == 32 * 94                                 # ceil(3000 / 32) steps of 32
    with pytest.raises(ValueError):
        dwidgets.logistic_race(X, y, lr=-0.1, batch_size=32, examples=100)


def test_sgd_beats_tuned_full_batch_per_example_only_on_redundant_data():
    # the lesson's claim at its step sizes: more of the same data hurts full-batch GD, not SGD
    def excess(n, lr, batch, examples):
        X, y = dwidgets.make_logistic_teacher(n, d=20, seed=0)
        best = dwidgets.logistic_minimum(X, y)[1]
        return dwidgets.logistic_race(X, y, lr=lr, batch_size=batch, examples=examples)[-1, 2] - best

    assert excess(20_000, 0.1, 32, 150_000) < excess(20_000, 10.0, 20_000, 150_000) / 5
    assert excess(1_000, 10.0, 1_000, 300_000) < excess(1_000, 0.3, 32, 300_000) / 5


# ------------------------------------------------ the lessons themselves
LESSONS_03_05 = ["03_loss_functions", "04_gradient_descent", "05_stochastic_gradient_descent"]


def _lesson(name):
    from pathlib import Path

    import nbformat
    return nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", LESSONS_03_05)
def test_every_figure_has_a_text_alternative(name):
    nb = _lesson(name)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "plt.show()" not in code, "display figures with dlhelpers.plots.show(fig, alt=...)"
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images
    for out in images:
        alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
        assert len(alt) > 20, f"a figure without a text alternative in {name}"


@pytest.mark.parametrize("name", LESSONS_03_05)
def test_lectures_are_named_not_numbered_and_exercises_make_you_think(name):
    import re
    nb = _lesson(name)
    text = "\n".join(c.source for c in nb.cells)
    assert not re.search(r"[Ll]ectures? 00\d", text), "name lectures by title, not by file number"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    exercises = markdown.split("## Check yourself")[1]
    assert len(re.findall(r"\*\*Exercise \d", exercises)) >= 3
    assert "predict, then run" in exercises and "change the experiment" in exercises


@pytest.mark.parametrize("name", ["04_gradient_descent", "05_stochastic_gradient_descent"])
def test_experiment_outputs_are_checked_with_claims(name):
    nb = _lesson(name)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("claim(") >= 5


def test_seconds_per_step_is_a_positive_time_and_checks_its_input():
    X, y = dwidgets.make_logistic_teacher(400, d=3, seed=0)
    t = dwidgets.seconds_per_step(X, y, batch_size=32, steps=5, repeats=2)
    assert np.isfinite(t) and 0 < t < 1
    with pytest.raises(ValueError):
        dwidgets.seconds_per_step(X, y, batch_size=0)


def test_five_loss_curves_have_five_dash_patterns():
    # lesson 04's converging runs: five curves on one axis, never told apart by colour alone
    ax = dplots.plot_loss_curves({f"run {i}": np.linspace(1.0, 0.1, 4) * (i + 1) for i in range(5)})
    patterns = {str(line._unscaled_dash_pattern) for line in ax.get_lines()}   # matplotlib has no public getter
    assert len(patterns) == 5
