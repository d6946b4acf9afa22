"""Plots and widgets of lessons 03-05 (losses, gradient descent, SGD)."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlhelpers.plots import losses as lplots  # noqa: E402
from dlhelpers.widgets import losses as lwidgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


# ------------------------------------------------------------------ lesson 03: losses
def test_score_losses_match_hand_computation():
    # hinge by hand: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9
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
