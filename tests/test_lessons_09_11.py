"""Plots and widgets of lessons 09-11 (backpropagation, initialization, batch norm)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlhelpers.plots.initialization import plot_layer_distributions, plot_layer_std
from dlhelpers.widgets.initialization import init_scale_explorer, propagate


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- lesson 10: initialization ----------------------------------------------------------

def test_propagate_matches_a_hand_written_loop():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 8))
    ws = [rng.standard_normal((8, 8)), rng.standard_normal((8, 3))]
    out = propagate(x, ws, gain=0.7, activation="tanh")
    h1 = np.tanh(x @ (0.7 / np.sqrt(8) * ws[0]))
    h2 = np.tanh(h1 @ (0.7 / np.sqrt(8) * ws[1]))
    assert [o.shape for o in out] == [(5, 8), (5, 3)]
    np.testing.assert_allclose(out[1], h2, rtol=1e-12)


def test_propagate_he_gain_keeps_the_second_moment_of_relu_layers():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 1024))
    ws = [rng.standard_normal((1024, 1024)) for _ in range(4)]
    out = propagate(x, ws, gain=np.sqrt(2), activation="relu")
    # E[relu(z)^2] = Var(z) / 2 and Var(z) = 2 E[h^2]: the mean square stays at E[x^2] = 1.
    # Sampling noise compounds with depth, hence 20%; Xavier's halving is far outside it.
    np.testing.assert_allclose([np.mean(h**2) for h in out], 1.0, rtol=0.2)
    out_x = propagate(x, ws, gain=1.0, activation="relu")
    np.testing.assert_allclose([np.mean(h**2) for h in out_x], 0.5 ** np.arange(1, 5), rtol=0.2)


@pytest.mark.parametrize("kwargs, error", [
    ({"activation": "sigmoid"}, ValueError),
    ({"gain": 0.0}, ValueError),
    ({"gain": "big"}, TypeError),
])
def test_propagate_rejects_bad_arguments(kwargs, error):
    args = {"x": np.ones((2, 3)), "weights": [np.ones((3, 3))], "gain": 1.0, "activation": "tanh"}
    args.update(kwargs)
    with pytest.raises(error):
        propagate(**args)


def test_propagate_names_a_weight_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"weights\[1\].*\(3, any\)"):
        propagate(np.ones((2, 3)), [np.ones((3, 3)), np.ones((4, 3))], 1.0, "relu")


def _shown_png(box) -> bytes:
    """The PNG an explorer shows in its output."""
    import base64

    (shown,) = box.output.outputs
    return base64.b64decode(shown["data"]["image/png"])

@pytest.mark.slow
def test_init_explorer_reacts_to_its_controls():
    box = init_scale_explorer(width=128, depth=4, seed=0)
    assert set(box.controls) == {"activation", "gain"}
    assert box.readout["layer_stds"].shape == (4,)
    assert np.all(np.diff(box.readout["layer_stds"]) < 0)          # tanh at gain 1 shrinks slowly
    before = box.caption.value
    box.controls["gain"].value = 0.2
    assert box.readout["layer_stds"][-1] < 0.01                     # collapsed
    assert box.caption.value != before
    box.controls["gain"].value = 5.0
    assert box.readout["saturated"] > 0.5                           # tanh pinned at +-1
    box.controls["activation"].value = "relu"
    box.controls["gain"].value = np.sqrt(2)
    assert 0.4 < box.readout["saturated"] < 0.6                     # about half of ReLU outputs are 0
    titles = [ax.get_title() for ax in box.figure.axes]
    assert "spread per layer" in titles
    assert _shown_png(box)[:4] == b"\x89PNG"


def test_init_explorer_rejects_bad_sizes():
    with pytest.raises(ValueError):
        init_scale_explorer(width=1)
    with pytest.raises(TypeError):
        init_scale_explorer(depth=2.5)


def test_plot_layer_distributions_draws_one_step_line_per_layer():
    acts = [np.linspace(-1, 1, 100).reshape(10, 10) * s for s in (1.0, 0.5, 0.25)]
    ax = plot_layer_distributions(acts, title="demo", value_range=(-1, 1), bins=10)
    assert ax.get_title() == "demo" and ax.get_xlabel() and ax.get_ylabel()
    steps = ax.patches
    assert len(steps) == 3 and ax.get_legend() is not None
    # Each histogram holds fractions of its layer's values, so its heights sum to 1.
    for patch in steps:
        np.testing.assert_allclose(patch.get_data().values.sum(), 1.0)


def test_plot_layer_distributions_rejects_bad_input():
    with pytest.raises(ValueError):
        plot_layer_distributions([], title="x")
    with pytest.raises(ValueError):
        plot_layer_distributions([np.array([1.0, np.nan])], title="x")


def test_plot_layer_std_has_labels_and_refuses_zero_on_log_axis():
    ax = plot_layer_std({"a": [1.0, 0.5, 0.25]}, title="spread")
    assert ax.get_title() == "spread" and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 0.5, 0.25])
    with pytest.raises(ValueError, match="log"):
        plot_layer_std({"a": [1.0, 0.0]}, title="spread")
    with pytest.raises(ValueError):
        plot_layer_std({}, title="spread")


# --- lesson 09: backpropagation ---------------------------------------------------------

from dlhelpers.plots.backprop import (  # noqa: E402
    plot_activation_functions,
    plot_decision_boundary,
    plot_preprocessing,
    plot_scalar_graph,
)
from dlhelpers.widgets.backprop import activation_explorer, activation_stats  # noqa: E402


def test_scalar_graph_draws_and_validates():
    nodes = {"a": (0, 0), "b": (1, 0)}
    ax = plot_scalar_graph(nodes, [("a", "b")], {"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 1.0}, title="g")
    texts = {t.get_text() for t in ax.texts}
    assert {"a", "b", "1", "2", "3"} <= texts and ax.get_title() == "g"
    with pytest.raises(ValueError, match="missing"):
        plot_scalar_graph(nodes, [], {"a": 1.0}, {"a": 1.0, "b": 1.0}, title="g")
    with pytest.raises(ValueError, match="edge"):
        plot_scalar_graph(nodes, [("a", "c")], {"a": 1, "b": 1}, {"a": 1, "b": 1}, title="g")


def test_decision_boundary_colours_the_plane_by_the_prediction():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-1.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 0, 1])
    seen = []

    def predict(grid):
        seen.append(grid.shape)
        return (grid[:, 0] > 0).astype(int)

    ax = plot_decision_boundary(predict, X, y, title="half planes", resolution=30)
    assert seen == [(900, 2)]
    assert ax.get_title() == "half planes" and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_decision_boundary(predict, np.ones((4, 3)), y, title="x")
    with pytest.raises(ValueError):
        plot_decision_boundary(predict, X, y[:3], title="x")


def test_activation_function_plot_has_one_line_per_function_on_each_axis():
    funcs = {"id": (lambda z: z, lambda z: np.ones_like(z)), "sq": (np.square, lambda z: 2 * z)}
    axes = plot_activation_functions(funcs, z_range=(-2, 2))
    assert [len(ax.lines) for ax in axes] == [2, 2]
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), 2 * axes[1].lines[1].get_xdata())
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    with pytest.raises(ValueError):
        plot_activation_functions(funcs, z_range=(1, -1))
    with pytest.raises(ValueError):
        plot_activation_functions({})


def test_preprocessing_plot_one_panel_per_stage():
    rng = np.random.default_rng(0)
    axes = plot_preprocessing({"a": rng.normal(size=(20, 2)), "b": rng.normal(size=(20, 2))})
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_preprocessing({"a": np.ones((5, 3))})


def test_activation_stats_by_hand():
    stats = activation_stats("relu", np.array([-1.0, 2.0, -3.0, 4.0]))
    np.testing.assert_allclose([stats["mean_output"], stats["mean_gradient"], stats["blocked"]],
                               [1.5, 0.5, 0.5])
    sig = activation_stats("sigmoid", np.zeros(3))
    np.testing.assert_allclose([sig["mean_output"], sig["mean_gradient"], sig["blocked"]], [0.5, 0.25, 0.0])
    with pytest.raises(ValueError, match="relu"):
        activation_stats("softplus", np.zeros(3))


@pytest.mark.slow
def test_activation_explorer_reacts_to_its_controls():
    box = activation_explorer(n=500, seed=0)
    assert set(box.controls) == {"activation", "mean", "std"}
    assert box.readout["blocked"] == 0.0                     # sigmoid on N(0, 1)
    before = box.caption.value
    box.controls["mean"].value = 6.0
    assert box.readout["blocked"] > 0.5 and box.caption.value != before
    box.controls["activation"].value = "relu"
    box.controls["mean"].value = -3.0
    assert box.readout["blocked"] > 0.99                     # almost every unit is off
    box.controls["activation"].value = "elu"
    assert box.readout["blocked"] < 0.2                      # e^z > 0.01 unless z < -4.6
    assert _shown_png(box)[:4] == b"\x89PNG"


# --- lesson 11: batch normalization -----------------------------------------------------

from dlhelpers.widgets.batchnorm import running_stats_explorer, simulate_running_stats  # noqa: E402


def test_running_stats_follow_the_momentum_rule():
    rec = simulate_running_stats(8, 0.8, steps=5, seed=3)
    # Replay the rule by hand from the recorded batch statistics (unbiased variance, N = 8).
    run_m, run_v = 0.0, 1.0
    for t in range(5):
        run_m = 0.8 * run_m + 0.2 * rec["batch_mean"][t]
        run_v = 0.8 * run_v + 0.2 * rec["batch_var"][t] * 8 / 7
        np.testing.assert_allclose([rec["running_mean"][t], rec["running_var"][t]], [run_m, run_v])


def test_running_stats_converge_to_the_true_values():
    rec = simulate_running_stats(256, 0.9, steps=150, true_mean=-2.0, true_std=0.5, seed=1)
    np.testing.assert_allclose(rec["running_mean"][-1], -2.0, atol=0.05)
    np.testing.assert_allclose(rec["running_var"][-1], 0.25, rtol=0.1)


@pytest.mark.parametrize("kwargs, error", [
    ({"batch_size": 1}, ValueError),          # train mode needs two rows
    ({"momentum": 1.0}, ValueError),          # would never move
    ({"steps": 0}, ValueError),
    ({"batch_size": 4.0}, TypeError),
])
def test_running_stats_reject_bad_arguments(kwargs, error):
    args = {"batch_size": 4, "momentum": 0.9, "steps": 3}
    args.update(kwargs)
    with pytest.raises(error):
        simulate_running_stats(**args)


@pytest.mark.slow
def test_running_stats_explorer_reacts_to_its_controls():
    box = running_stats_explorer(steps=120, seed=0)
    assert set(box.controls) == {"batch_size", "momentum"}
    big_batch = box.readout["error_var"]
    before = box.caption.value
    box.controls["batch_size"].value = 2
    assert box.readout["error_var"] > 2 * big_batch                 # tiny batches: noisy estimates
    assert box.caption.value != before
    box.controls["momentum"].value = 0.0
    np.testing.assert_allclose(box.readout["result"]["running_mean"], box.readout["result"]["batch_mean"])
    assert [ax.get_title() for ax in box.figure.axes] == ["running mean", "running variance"]
    assert _shown_png(box)[:4] == b"\x89PNG"


# --- plots added for the revised lessons -------------------------------------------------

from dlhelpers.plots import PALETTE  # noqa: E402
from dlhelpers.plots.backprop import plot_least_squares_path  # noqa: E402
from dlhelpers.plots.initialization import plot_mean_spread  # noqa: E402


def test_least_squares_path_marks_the_minimum_and_keeps_equal_aspect():
    X, t = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([2.0, 2.0])
    path = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    ax = plot_least_squares_path(X, t, path, title="bowl")
    assert ax.get_title() == "bowl" and ax.get_aspect() == 1.0
    star = [line for line in ax.lines if line.get_label() == "minimum"][0]
    np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), path[:, 0])
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_least_squares_path(np.ones((2, 3)), t, path, title="x")


def test_mean_spread_draws_the_mean_and_skips_diverged_points():
    _, ax = plt.subplots()
    runs = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, np.nan]])    # the last setting diverged everywhere
    plot_mean_spread(ax, [1, 2, 3], runs, label="demo", index=1)
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), [1, 2])
    np.testing.assert_allclose(line.get_ydata(), [2.0, 3.0])
    assert line.get_label() == "demo (2 seeds)" and line.get_color() == PALETTE[1]
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == 1.0 and band[:, 1].max() == 4.0     # min-max over seeds
    with pytest.raises(ValueError, match=r"\(seeds, 3\)"):
        plot_mean_spread(ax, [1, 2, 3], np.ones((2, 2)), label="x")


def test_activation_plot_avoids_the_pale_yellow_and_varies_dashes():
    funcs = {f"f{i}": (lambda z, i=i: z * i, lambda z: np.ones_like(z)) for i in range(9)}
    axes = plot_activation_functions(funcs)
    colours = [line.get_color() for line in axes[0].lines]
    assert "#F0E442" not in colours
    styles = [(line.get_color(), line.get_linestyle()) for line in axes[0].lines]
    assert len(set(styles)) == 9                                   # no two lines look alike


def test_preprocessing_plot_names_principal_axes():
    rng = np.random.default_rng(0)
    axes = plot_preprocessing({"pca": rng.normal(size=(20, 2))}, axis_names={"pca": ("PC1", "PC2")})
    assert (axes[0].get_xlabel(), axes[0].get_ylabel()) == ("PC1", "PC2")


@pytest.mark.slow
def test_explorers_redraw_on_release_not_on_every_tick():
    # Each redraw takes a few tenths of a second; a continuous slider would queue redraws.
    boxes = [activation_explorer(n=200), init_scale_explorer(width=64, depth=3), running_stats_explorer(steps=40)]
    for box in boxes:
        sliders = [c for c in box.controls.values() if hasattr(c, "continuous_update")]
        assert sliders and not any(c.continuous_update for c in sliders)
