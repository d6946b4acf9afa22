"""Plots and widgets of lessons 12-13 (dropout, hyperparameter tuning)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlhelpers import nn
from dlhelpers.monitor import input_independent_baseline, train_monitored
from dlhelpers.plots.dropout import (
    plot_ensemble_accuracy,
    plot_heldout_by_epoch,
    plot_keep_prob_sweep,
    plot_running_mean,
    plot_thinned_network,
)
from dlhelpers.plots.tuning import (
    plot_best_over_peaks,
    plot_capacity,
    plot_curve_gallery,
    plot_horizons,
    plot_layer_stats,
    plot_learning_curves,
    plot_log_sampling,
    plot_search_results,
    plot_update_ratios,
)
from dlhelpers.widgets.dropout import dropout_figure, keep_prob_explorer
from dlhelpers.widgets.tuning import (
    best_over_peaks,
    search_explorer,
    search_figure,
    search_points,
    toy_score,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


# --- lesson 12: dropout plots ------------------------------------------------------------

def _edges(ax) -> list[np.ndarray]:
    """The connections drawn: the segments of the network's one LineCollection."""
    (collection,) = ax.collections[:1]
    return collection.get_segments()


def test_thinned_network_draws_only_edges_between_kept_units():
    sizes = [3, 4, 2]
    mask = np.array([True, False, True, False])
    ax = plot_thinned_network(sizes, [mask])
    edges = _edges(ax)
    # 3 inputs x 2 kept hidden units + 2 kept hidden units x 2 outputs
    assert len(edges) == 3 * 2 + 2 * 2
    # no edge touches a dropped hidden unit (hidden unit i sits at height i - 1.5)
    hidden_ends = {float(seg[k, 1]) for seg in edges for k in (0, 1) if seg[k, 0] == 1.0}
    assert hidden_ends == {-1.5, 0.5}
    assert ax.get_title() and ax.get_xlabel()


def test_thinned_network_weight_mask_removes_exactly_the_dropped_connections():
    wmask = np.zeros((3, 2), dtype=bool)
    wmask[0, 1] = wmask[2, 0] = True
    ax = plot_thinned_network([3, 2], weight_masks=[wmask])
    # input i sits at height i - 1, output j at j - 0.5
    drawn = sorted(tuple(seg.ravel()) for seg in _edges(ax))
    assert drawn == [(0.0, -1.0, 1.0, 0.5), (0.0, 1.0, 1.0, -0.5)]


@pytest.mark.parametrize("kwargs, match", [
    ({"unit_masks": [np.ones(3, dtype=bool)]}, r"shape \(4,\)"),
    ({"unit_masks": []}, "one mask per hidden layer"),
    ({"weight_masks": [np.ones((3, 4)), np.ones((2, 2))]}, r"weight_masks\[1\].*\(4, 2\)"),
])
def test_thinned_network_names_a_wrong_mask(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_thinned_network([3, 4, 2], **kwargs)


def test_running_mean_curve_is_the_cumulative_average():
    samples = np.array([1.0, 3.0, 2.0, 6.0])
    ax = plot_running_mean(samples, 3.0)
    running = next(line for line in ax.lines if line.get_label().startswith("running"))
    np.testing.assert_allclose(running.get_ydata(), [1.0, 2.0, 2.0, 3.0])
    assert _labelled(ax)
    with pytest.raises(ValueError, match="at least 2"):
        plot_running_mean([1.0], 0.0)


def test_ensemble_plot_draws_the_given_accuracies_and_rejects_mismatched_lengths():
    ax = plot_ensemble_accuracy([1, 10, 100], [0.8, 0.9, 0.95], 0.95, [0.85, 0.97, 1.0])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.8, 0.9, 0.95])
    assert _labelled(ax)
    with pytest.raises(ValueError, match="same shape"):
        plot_ensemble_accuracy([1, 10], [0.8, 0.9, 0.95], 0.95)


def test_keep_prob_sweep_gains_are_paired_with_the_no_dropout_run_of_the_same_seed():
    keep_probs = [0.5, 1.0]
    train = np.ones((2, 3))
    val = np.array([[0.92, 0.93, 0.90], [0.90, 0.92, 0.91]])
    axes = plot_keep_prob_sweep(keep_probs, train, val)
    seed_dots = [c for c in axes[1].collections if c.get_label() == "one seed" or c.get_offsets().shape[0] == 2]
    gains = np.sort(np.concatenate([c.get_offsets()[:, 1] for c in seed_dots]))
    np.testing.assert_allclose(gains, np.sort([2.0, 1.0, -1.0, 0.0, 0.0, 0.0]), atol=1e-9)
    assert all(_labelled(ax) for ax in axes)
    lo, hi = axes[1].get_ylim()
    assert lo < 0 < hi, "the gain axis must show zero, so a gain is read against no gain"
    with pytest.raises(ValueError, match="must contain 1.0"):
        plot_keep_prob_sweep([0.5, 0.8], train, val)
    with pytest.raises(ValueError, match="one row per keep probability"):
        plot_keep_prob_sweep([0.5, 0.8, 1.0], train, val)
    with pytest.raises(ValueError, match="must be finite"):
        plot_keep_prob_sweep(keep_probs, train, np.where(val > 0.92, np.nan, val))


# --- lesson 12: keep-probability explorer ------------------------------------------------

def _tiny_model():
    from dlhelpers.models import MLP

    model = MLP([4, 6, 3], seed=0)
    model.params["b1"][:] = 5.0          # every hidden unit active, so dropping one matters
    x = np.array([1.0, -0.5, 2.0, 0.3])
    assert np.all(model.forward_activations(x[None, :])[0] > 0)
    return model, x


def test_dropout_figure_drops_hidden_units_not_pixels():
    model, x = _tiny_model()
    hidden = model.forward_activations(x[None, :])[-1][0]
    fig, readout = dropout_figure(0.5, 3, model=model, x=x, label=1)
    # the same mask, drawn directly: the readout counts hidden units (6), not inputs (4)
    _, cache = nn.dropout_forward(hidden[None, :], 0.5, rng=np.random.default_rng(3))
    assert readout["kept_fraction"] == pytest.approx(np.mean(cache > 0))
    assert readout["kept_fraction"] * 6 == pytest.approx(round(readout["kept_fraction"] * 6))
    assert len(fig.axes) == 3
    # the full network's probabilities are the model's own test-time prediction
    assert readout["pred_full"] == int(model.predict(x[None, :])[0])


def test_dropout_figure_with_keep_prob_one_is_the_full_network():
    model, x = _tiny_model()
    _, readout = dropout_figure(1.0, 0, model=model, x=x, label=2)
    assert readout["kept_fraction"] == 1.0
    assert readout["pred_thinned"] == readout["pred_full"]
    assert readout["p_true_thinned"] == pytest.approx(readout["p_true_full"])
    assert readout["p_true_average"] == pytest.approx(readout["p_true_full"])


def test_sweep_panel_axis_is_fixed_whatever_the_data():
    model, x = _tiny_model()
    for val in (0.95, 0.999):
        sweep = {"keep_probs": [0.5, 1.0], "train_acc": np.ones((2, 2)),
                 "val_acc": np.array([[val, val], [val - 0.001, val - 0.001]])}
        fig, _ = dropout_figure(0.5, 0, model=model, x=x, sweep=sweep)
        assert fig.axes[-1].get_ylim() == (0.8, 1.01)


@pytest.mark.slow
def test_explorer_controls_redraw_and_change_the_readout():
    model, x = _tiny_model()
    sweep = {"keep_probs": [0.5, 1.0], "train_acc": [[1.0, 1.0], [1.0, 1.0]],
             "val_acc": [[0.9, 0.92], [0.85, 0.88]]}
    w = keep_prob_explorer(keep_prob=0.5, seed=0, model=model, x=x, label=1, sweep=sweep)
    first = w.figure
    assert len(first.axes) == 4 and w.output.outputs[0]["data"]["image/png"]
    w.controls["keep_prob"].value = 0.2
    assert w.figure is not first and w.readout["keep_prob"] == pytest.approx(0.2)
    w.controls["seed"].value = 5
    _, direct = dropout_figure(0.2, 5, model=model, x=x, label=1)
    assert w.readout == direct


@pytest.mark.slow
def test_explorer_default_model_is_trained_on_digits():
    w = keep_prob_explorer()
    assert w.model.layer_sizes == [64, 128, 10]
    assert w.readout["pred_full"] == w.label        # the default digit is classified right


@pytest.mark.parametrize("kwargs, error", [
    ({"keep_prob": 0.0}, ValueError),
    ({"keep_prob": "half"}, TypeError),
    ({"seed": 99}, ValueError),
    ({"sweep": {"keep_probs": [0.5]}}, ValueError),
    ({"sweep": {"keep_probs": [0.5, 1.0], "train_acc": np.ones((3, 2)), "val_acc": np.ones((3, 2))}},
     ValueError),
])
def test_explorer_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        keep_prob_explorer(**kwargs)


def test_explorer_rejects_a_model_without_a_matching_input():
    model, x = _tiny_model()
    with pytest.raises(ValueError, match=r"x must have shape \(4,\)"):
        dropout_figure(0.5, 0, model=model, x=np.ones(5))
    with pytest.raises(ValueError, match="give the digit x"):
        dropout_figure(0.5, 0, model=model)
    with pytest.raises(TypeError, match="MLP with at least one hidden layer"):
        dropout_figure(0.5, 0, model=object(), x=x)


# --- lesson 13: tuning plots ---------------------------------------------------------------

def test_log_sampling_histogram_fractions_match_the_samples():
    lin = np.array([0.5, 0.9, 0.05, 2e-4])
    log = np.array([2e-4, 3e-3, 0.02, 0.5])
    axes = plot_log_sampling(lin, log)
    bars = [patch.get_height() for patch in axes[0].patches]
    # first 4 bars: uniform sampler per decade; next 4: log sampler
    np.testing.assert_allclose(bars[:4], [0.25, 0.0, 0.25, 0.5])
    np.testing.assert_allclose(bars[4:], [0.25, 0.25, 0.25, 0.25])
    with pytest.raises(ValueError, match=r"linear_samples must lie in \[1e-4, 1\].*from 0 to 0.1"):
        plot_log_sampling([0.0, 0.1], log)
    # a sample above 1 would fall outside every decade: an error, not a silently lower count
    with pytest.raises(ValueError, match=r"log_samples must lie in \[1e-4, 1\].*to 2"):
        plot_log_sampling(lin, [0.5, 2.0])
    # the ends of the range count (1e-4 in the first decade, 1 in the last)
    axes = plot_log_sampling(np.array([1e-4, 1.0]), log, ax=plt.subplots(1, 2)[1])
    np.testing.assert_allclose([p.get_height() for p in axes[0].patches][:4], [0.5, 0, 0, 0.5])


def test_search_results_star_marks_the_best_trial():
    ax = plot_search_results([1e-3, 1e-2, 1e-1], [1e-4, 1e-3, 1e-2], [0.5, 0.9, 0.7],
                             box=(5e-3, 5e-2, 1e-4, 1e-2))
    star = ax.collections[1].get_offsets()[0]
    np.testing.assert_allclose(star, [1e-2, 1e-3])
    assert ax.get_xscale() == "log" and _labelled(ax)
    with pytest.raises(ValueError, match="same shape"):
        plot_search_results([1e-3], [1e-4, 1e-3], [0.5])


def test_learning_curves_draw_two_lines_per_model_and_check_lengths():
    ax = plot_learning_curves([10, 100], {"a": ([0.0, 0.1], [0.5, 0.2]), "b": ([0.3, 0.3], [0.4, 0.35])})
    assert len(ax.lines) == 4 and _labelled(ax)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.5, 0.2])
    with pytest.raises(ValueError, match="same shape"):
        plot_learning_curves([10, 100, 1000], {"a": ([0.0, 0.1], [0.5, 0.2])})
    with pytest.raises(TypeError):
        plot_learning_curves([10], {})


def test_curve_gallery_makes_one_panel_per_run_and_hides_the_rest():
    runs = {"one": {"train": [3.0, 2.0]}, "two": {"train": [1.0, 0.5], "val": [1.2, 0.9]}}
    axes = plot_curve_gallery(runs, ncols=3)
    assert axes.shape == (1, 3)
    assert len(axes[0, 0].lines) == 1 and len(axes[0, 1].lines) == 2
    assert not axes[0, 2].get_visible()
    with pytest.raises(ValueError, match="same shape"):
        plot_curve_gallery({"bad": {"train": [1.0, 2.0], "val": [1.0]}})


# --- lesson 13: search explorer ------------------------------------------------------------

def test_toy_score_peaks_on_the_important_axis_and_barely_moves_along_the_other():
    xs = np.linspace(0, 1, 1001)
    assert abs(xs[np.argmax(toy_score(xs, 0.5))] - 0.68) < 1e-9
    assert np.ptp(toy_score(0.3, np.linspace(0, 1, 11))) <= 0.05 + 1e-12


def test_grid_tries_k_values_of_x_and_random_tries_k_squared():
    grid = search_points("grid", 16)
    assert grid.shape == (16, 2) and np.unique(grid[:, 0]).size == 4
    rand = search_points("random", 16, seed=1)
    assert np.unique(rand[:, 0]).size == 16
    assert np.all((rand >= 0) & (rand < 1))
    with pytest.raises(ValueError, match="square number"):
        search_points("grid", 10)
    with pytest.raises(ValueError, match="strategy"):
        search_points("sobol", 9)


def test_search_figure_best_score_is_the_max_over_the_trials():
    _, readout = search_figure("random", 25, seed=4)
    pts = readout["points"]
    assert readout["best_score"] == pytest.approx(toy_score(pts[:, 0], pts[:, 1]).max())
    assert readout["distinct_x"] == 25


@pytest.mark.slow
def test_search_explorer_switching_strategy_changes_the_readout():
    w = search_explorer("grid", 9)
    assert w.readout["distinct_x"] == 3
    w.controls["strategy"].value = "random"
    assert w.readout["distinct_x"] == 9
    w.controls["n_trials"].value = 25
    assert w.readout["points"].shape == (25, 2)
    assert w.output.outputs[0]["data"]["image/png"]


@pytest.mark.parametrize("kwargs", [{"strategy": "bayes"}, {"n_trials": 10}, {"seed": 50}])
def test_search_explorer_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        search_explorer(**kwargs)


# --- lesson 13: the grid against random search over every peak position --------------------

def test_toy_score_moves_its_peak():
    xs = np.linspace(0, 1, 1001)
    for peak in (0.0, 0.31, 0.5, 1.0):
        assert abs(xs[np.argmax(toy_score(xs, 0.5, peak))] - peak) < 1e-9
    with pytest.raises(ValueError, match=r"peak must lie in \[0.0, 1.0\]"):
        toy_score(0.5, 0.5, 1.5)


def test_best_over_peaks_matches_a_direct_search_and_the_grid_wins_on_its_own_lines():
    peaks = np.array([0.5, 0.68])
    grid_best, random_best = best_over_peaks(9, peaks, seeds=[0, 3])
    assert grid_best.shape == (2,) and random_best.shape == (2, 2)
    for k, peak in enumerate(peaks):
        pts = search_points("grid", 9)
        assert grid_best[k] == pytest.approx(toy_score(pts[:, 0], pts[:, 1], peak).max())
        for j, seed in enumerate((0, 3)):
            pts = search_points("random", 9, seed)
            assert random_best[k, j] == pytest.approx(toy_score(pts[:, 0], pts[:, 1], peak).max())
    # a peak on a grid line (x = 1/2) is hit exactly: 0.9 plus the best y's 0.05 * 5/6
    assert grid_best[0] == pytest.approx(0.9 + 0.05 * 5 / 6)
    with pytest.raises(ValueError, match=r"peaks must lie in \[0, 1\]"):
        best_over_peaks(9, [1.2], seeds=[0])


def test_random_search_wins_on_average_over_peaks_but_not_everywhere():
    peaks = np.linspace(0, 1, 41)
    grid_best, random_best = best_over_peaks(9, peaks, seeds=range(30))
    assert random_best.mean() > grid_best.mean()
    assert np.any(grid_best > random_best.mean(axis=1))     # the grid wins on its own lines


def test_search_figure_draws_the_peak_it_is_given_with_equal_aspect():
    fig, readout = search_figure("grid", 9, peak=0.5)
    assert readout["best_x"] == pytest.approx(0.5)
    assert fig.axes[0].get_aspect() == 1.0


def test_plot_best_over_peaks_draws_mean_and_checks_shapes():
    peaks = np.array([0.0, 0.5, 1.0])
    random_best = np.array([[0.2, 0.4], [0.6, 0.8], [0.1, 0.3]])
    ax = plot_best_over_peaks(peaks, [0.1, 0.9, 0.1], random_best, grid_x=[0.5])
    mean_line = next(line for line in ax.lines if line.get_label().startswith("random: mean"))
    np.testing.assert_allclose(mean_line.get_ydata(), [0.3, 0.7, 0.2])
    assert ax.get_ylim() == (0, 1) and _labelled(ax)
    with pytest.raises(ValueError, match=r"random_best must have shape \(3, S\)"):
        plot_best_over_peaks(peaks, [0.1, 0.9, 0.1], random_best[:2])


def test_plot_horizons_and_capacity_draw_what_they_are_given():
    ax = plot_horizons([1e-3, 1e-2], {"5 epochs": [0.3, 0.8], "50 epochs": [0.8, 0.9]})
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.8, 0.9])
    assert ax.get_xscale() == "log" and _labelled(ax)
    with pytest.raises(ValueError, match="same shape"):
        plot_horizons([1e-3, 1e-2], {"5 epochs": [0.3]})
    train = np.array([[0.9, 0.95], [1.0, 1.0]])
    val = np.array([[0.8, 0.82], [0.9, 0.94]])
    ax = plot_capacity(["4", "64"], train, val)
    means = [c for c in ax.containers]
    np.testing.assert_allclose(means[1].lines[0].get_ydata(), [0.81, 0.92])
    assert _labelled(ax)
    with pytest.raises(ValueError, match="labels must name each"):
        plot_capacity(["4"], train, val)


def test_search_results_colour_scale_spans_the_accuracies_shown():
    ax = plot_search_results([1e-3, 1e-2, 1e-1], [1e-4, 1e-3, 1e-2], [0.91, 0.93, 0.94])
    assert ax.collections[0].get_clim() == pytest.approx((0.91, 0.94))


def test_curve_gallery_log_panel():
    axes = plot_curve_gallery({"boom": {"train": [1.0, 1e3, 1e9], "log": True},
                               "fine": {"train": [1.0, 0.5, 0.2]}}, ncols=2)
    assert axes[0, 0].get_yscale() == "log" and axes[0, 1].get_yscale() == "linear"
    assert "log" in axes[0, 0].get_ylabel()


# --- lesson 13: watching a run from the inside ----------------------------------------------

def _digits_small():
    from dlhelpers.data import Standardizer, load_digits

    X, y = load_digits()
    X = Standardizer().fit_transform(X[:300])
    return X, y[:300]


def test_update_ratio_is_the_relative_size_of_the_step_taken():
    from dlhelpers.models import MLP

    X, y = _digits_small()
    model = MLP([64, 16, 10], seed=0)
    start = {k: v.copy() for k, v in model.params.items()}
    mon = train_monitored(model, X[:50], y[:50], lr=0.1, epochs=1, batch_size=50, optimizer="sgd")
    assert mon.update_ratio.shape == (1, 2) and mon.act_std.shape == (1, 1)
    for layer in (1, 2):
        W0, W1 = start[f"W{layer}"], model.params[f"W{layer}"]
        expected = np.linalg.norm(W1 - W0) / np.linalg.norm(W0)
        assert mon.update_ratio[0, layer - 1] == pytest.approx(expected)
    # one SGD step moves W by lr * grad, so the gradient's spread is recorded as it was
    grad_w2 = (model.params["W2"] - start["W2"]) / -0.1
    assert mon.grad_std[0, 1] == pytest.approx(grad_w2.std())


def test_update_ratio_scales_with_the_learning_rate():
    from dlhelpers.models import MLP

    X, y = _digits_small()
    small = train_monitored(MLP([64, 16, 10], seed=0), X, y, lr=1e-4, epochs=1, optimizer="sgd")
    large = train_monitored(MLP([64, 16, 10], seed=0), X, y, lr=1e-2, epochs=1, optimizer="sgd")
    # the first step starts from the same weights and gradient: exactly 100 times larger
    np.testing.assert_allclose(large.update_ratio[0], 100 * small.update_ratio[0], rtol=1e-9)
    assert small.loss.shape == (6,) and small.steps.tolist() == list(range(6))


def test_monitor_records_every_kth_step_and_stops_on_divergence():
    from dlhelpers.models import MLP

    X, y = _digits_small()
    mon = train_monitored(MLP([64, 16, 10], seed=0), X, y, lr=0.01, epochs=2, every=4)
    assert mon.steps.tolist() == [0, 4, 8] and mon.loss.size == 12 and not mon.diverged
    with np.errstate(all="ignore"):
        boom = train_monitored(MLP([64, 16, 10], seed=0), X * 1e3, y, lr=1e3, epochs=20,
                               optimizer="sgd")
    assert boom.diverged and boom.loss.size < 120 and np.all(np.isfinite(boom.loss))


def test_monitor_rejects_bad_arguments():
    from dlhelpers.models import MLP, LinearClassifier

    X, y = _digits_small()
    with pytest.raises(TypeError, match="must be a dlhelpers.models.MLP"):
        train_monitored(LinearClassifier(64, 10), X, y, lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_monitored(MLP([64, 10]), X, y, lr=0.1, epochs=1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="lr must be"):
        train_monitored(MLP([64, 10]), X, y, lr=-1.0, epochs=1)


def test_input_independent_baseline_reaches_the_label_entropy():
    from dlhelpers.models import MLP

    X, y = _digits_small()
    loss = input_independent_baseline(lambda: MLP([64, 16, 10], seed=0), X[:200], y[:200],
                                      X[200:], y[200:], optimizer="adam", lr=1e-2, epochs=40,
                                      batch_size=50)
    freq = np.bincount(y[:200], minlength=10) / 200
    entropy_train = -(freq[freq > 0] * np.log(freq[freq > 0])).sum()
    # on held-out labels the loss is the cross-entropy of their frequencies under the
    # training frequencies: close to the entropy for these balanced digits
    held = np.bincount(y[200:], minlength=10) / 100
    cross = -(held * np.log(freq)).sum()
    assert loss == pytest.approx(cross, abs=0.02)
    assert abs(loss - entropy_train) < 0.1


def test_monitor_plots_draw_the_recorded_numbers():
    from dlhelpers.models import MLP

    X, y = _digits_small()
    mons = {"a": train_monitored(MLP([64, 16, 16, 10], seed=0), X, y, lr=0.01, epochs=1),
            "b": train_monitored(MLP([64, 16, 16, 10], seed=1), X, y, lr=0.1, epochs=1)}
    ax = plot_update_ratios(mons, layer=1)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), mons["b"].update_ratio[:, 1])
    assert ax.get_yscale() == "log" and _labelled(ax)
    axes = plot_layer_stats(mons, over_time="a", loss_drop_step=3)
    assert len(axes) == 3
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), mons["a"].act_std[0])
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), mons["b"].grad_std[0])
    np.testing.assert_allclose(axes[2].lines[0].get_ydata(), mons["a"].act_std[:, 0])
    assert len(plot_layer_stats(mons)) == 2
    with pytest.raises(ValueError, match="over_time must be one of"):
        plot_layer_stats(mons, over_time="c")


def test_heldout_by_epoch_draws_the_mean_over_seeds_and_checks_shapes():
    curve = np.array([[0.5, 1.0, 1.5], [1.5, 1.0, 0.5]])
    ax = plot_heldout_by_epoch([10, 20, 30], {"gain": curve}, zero_line=True, ylabel="gain (points)")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 1.0, 1.0])
    assert any(np.allclose(line.get_ydata(), 0.0) for line in ax.lines[1:])
    assert ax.get_ylabel() == "gain (points)" and _labelled(ax)
    with pytest.raises(ValueError, match=r"must have shape \(seeds, 3\)"):
        plot_heldout_by_epoch([10, 20, 30], {"gain": curve[:, :2]})
