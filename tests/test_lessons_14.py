"""Plots and widget of lesson 14 (transfer learning and self-supervised learning)."""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlhelpers.data import rotate_images
from dlhelpers.plots import PALETTE
from dlhelpers.plots.transfer import (
    OPTION_STYLES,
    plot_first_layer_features,
    plot_probe_comparison,
    plot_rotation_by_digit,
    plot_rotations,
    plot_transfer_curves,
    plot_transfer_table,
)
from dlhelpers.widgets.transfer import transfer_explorer, transfer_figure

LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "14_transfer_and_self_supervised.ipynb"
COUNTS = np.array([1, 3, 10])
CURVES = {  # (3 seeds, 3 counts)
    "scratch": np.array([[0.6, 0.8, 0.95], [0.7, 0.8, 0.97], [0.5, 0.9, 0.96]]),
    "fine-tune": np.array([[0.6, 0.85, 0.96], [0.7, 0.8, 0.96], [0.6, 0.8, 0.96]]),
    "freeze": np.array([[0.8, 0.9, 0.93], [0.9, 0.9, 0.92], [0.85, 0.88, 0.94]]),
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _main_lines(ax):
    return [line for line in ax.lines if "mean of" in line.get_label()]


# --- learning curves -----------------------------------------------------------------------

def test_curves_draw_the_mean_over_seeds_with_distinct_markers_and_dashes():
    ax = plot_transfer_curves(COUNTS, CURVES, chance=0.5)
    lines = _main_lines(ax)
    assert len(lines) == 3
    for line, acc in zip(lines, CURVES.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata(), acc.mean(axis=0))
        np.testing.assert_allclose(line.get_xdata(), COUNTS)
    assert len({line.get_marker() for line in lines}) == 3
    assert len({line.get_linestyle() for line in lines}) == 3
    assert ax.get_xscale() == "log" and ax.get_title() and ax.get_ylabel()
    assert all(style["color"] in PALETTE for style in OPTION_STYLES.values())


def test_curves_highlight_makes_the_others_faint():
    ax = plot_transfer_curves(COUNTS, CURVES, highlight="freeze")
    alphas = {line.get_label().split()[0]: line.get_alpha() for line in _main_lines(ax)}
    assert alphas["freeze"] == 1.0 and alphas["scratch"] < 1.0


@pytest.mark.parametrize("counts, curves, kwargs, match", [
    ([1, 3, 3], CURVES, {}, "increasing"),
    (COUNTS, {"scratch": np.ones((2, 4))}, {}, r"shape \(seeds, 3\)"),
    (COUNTS, {"scratch": np.full((2, 3), 1.5)}, {}, r"in \[0, 1\]"),
    (COUNTS, {}, {}, "non-empty"),
    (COUNTS, CURVES, {"highlight": "linear"}, "highlight must be one of"),
])
def test_curves_reject_bad_tables(counts, curves, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_transfer_curves(counts, curves, **kwargs)


# --- first-layer features ---------------------------------------------------------------------

def test_feature_grid_shows_the_largest_units_first_as_images():
    W = np.zeros((4, 3))
    W[:, 0] = [1, 0, 0, 0]         # norm 1
    W[:, 1] = [0, 5, 0, 0]         # norm 5: shown first
    W[:, 2] = [0, 0, 2, 2]         # norm 2.8: shown second
    fig = plot_first_layer_features({"net": W, "copy": -W}, (2, 2), units=2)
    axes = [ax for sub in fig.subfigs for ax in sub.axes]
    assert len(axes) == 4
    np.testing.assert_array_equal(axes[0].images[0].get_array(), W[:, 1].reshape(2, 2))
    np.testing.assert_array_equal(axes[1].images[0].get_array(), W[:, 2].reshape(2, 2))
    lo, hi = axes[0].images[0].get_clim()
    assert lo == -hi                # a symmetric scale: zero is the middle colour


@pytest.mark.parametrize("weights, shape, units, match", [
    ({"net": np.zeros((5, 3))}, (2, 2), 2, "4 rows"),
    ({"net": np.zeros((4, 1))}, (2, 2), 2, "fewer than units=2"),
    ({}, (2, 2), 1, "non-empty"),
])
def test_feature_grid_rejects_mismatched_weights(weights, shape, units, match):
    with pytest.raises(ValueError, match=match):
        plot_first_layer_features(weights, shape, units=units)


# --- the 2 x 2 table ------------------------------------------------------------------------------

def _cells():
    # the same lead in both seeds: always beyond the noise
    return {(r, c): {"scratch": np.array([0.5, 0.7]) + i / 10,
                     "freeze": np.array([0.5, 0.7]) + i / 10 + (0.2, -0.1, -0.2, -0.1)[i]}
            for i, (r, c) in enumerate([("similar", "little"), ("similar", "much"),
                                        ("different", "little"), ("different", "much")])}


def test_table_bars_are_the_means_and_the_best_option_is_named():
    cells = _cells()
    fig = plot_transfer_table(cells, chance=0.5)
    axes = fig.axes
    assert len(axes) == 4
    for ax, res in zip(axes, cells.values(), strict=True):
        heights = [p.get_height() for p in ax.patches]
        np.testing.assert_allclose(heights, [a.mean() for a in res.values()])
        best = max(res, key=lambda k: res[k].mean())
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert [lab for lab in labels if "(best)" in lab][0].startswith(best)
    assert axes[0].get_title() == "similar data, little data"


def test_table_names_a_best_option_only_beyond_the_noise():
    # scratch leads by 0.05 on average, but its seed-by-seed lead (0.10, 0.00) has a standard
    # error of 0.05: not more than twice it, so no option is called best
    level = {"scratch": np.array([0.7, 0.8]), "freeze": np.array([0.6, 0.8])}
    cells = {(r, c): level for r in ("similar", "different") for c in ("little", "much")}
    for ax in plot_transfer_table(cells).axes:
        assert not any("(best)" in t.get_text() for t in ax.get_xticklabels())
        assert ax.get_title().endswith(": no clear best")


def test_table_must_be_two_by_two():
    cells = _cells()
    del cells["different", "much"]
    with pytest.raises(ValueError, match="2 x 2"):
        plot_transfer_table(cells)
    with pytest.raises(ValueError, match=r"\(row, column\)"):
        plot_transfer_table({"similar": {}})


# --- rotations and the pretext task ---------------------------------------------------------------

def test_rotation_grid_shows_each_image_at_the_four_angles():
    imgs = np.arange(18.0).reshape(2, 3, 3)
    fig = plot_rotations(imgs, titles=["a", "b"])
    axes = np.array(fig.axes).reshape(2, 4)
    for m in range(2):
        for k in range(4):
            np.testing.assert_array_equal(axes[m, k].images[0].get_array(),
                                          rotate_images(imgs[m:m + 1], 90 * k)[0])
    assert "180 degrees" in axes[0, 2].get_title()
    with pytest.raises(ValueError, match="one entry per image"):
        plot_rotations(imgs, titles=["a"])


def test_rotation_by_digit_bars_are_means_and_marked_digits_are_hatched():
    rng = np.random.default_rng(0)
    acc, flip = rng.random((3, 10)), rng.random((3, 10))
    axes = plot_rotation_by_digit(acc, flip, marked=(1, 6))
    assert len(axes) == 2
    for ax, values in zip(axes, (acc, flip), strict=True):
        np.testing.assert_allclose([p.get_height() for p in ax.patches], values.mean(axis=0))
        hatched = [i for i, p in enumerate(ax.patches) if p.get_hatch()]
        assert hatched == [1, 6]
    with pytest.raises(ValueError, match=r"\(seeds, 10\)"):
        plot_rotation_by_digit(np.zeros((3, 9)))
    with pytest.raises(ValueError, match="must have shape"):
        plot_rotation_by_digit(acc, flip[:, :5])


def test_probe_comparison_bars_are_means_and_ticks_carry_them():
    results = {"raw": np.array([0.6, 0.7]), "rotation": np.array([0.8, 0.9, 0.85])}
    ax = plot_probe_comparison(results, chance=0.1)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [0.65, 0.85])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw\n0.650", "rotation\n0.850"]
    with pytest.raises(ValueError, match="non-empty"):
        plot_probe_comparison({})


# --- the explorer ------------------------------------------------------------------------------------

def test_transfer_figure_readout_is_computed_from_the_table():
    _, readout = transfer_figure(COUNTS, CURVES, 1, "freeze")
    assert readout["best_option"] == "freeze"
    np.testing.assert_allclose(readout["mean"], 0.85)
    np.testing.assert_allclose(readout["sd"], np.std([0.8, 0.9, 0.85], ddof=1))
    np.testing.assert_allclose(readout["gain_over_best_other"], 0.85 - np.mean([0.6, 0.7, 0.6]))
    assert readout["clear_winner"]            # freeze - fine-tune = 0.2, 0.2, 0.25 seed by seed
    _, readout = transfer_figure(COUNTS, CURVES, 10, "freeze")
    assert readout["best_option"] == "scratch" and readout["gain_over_best_other"] < 0
    assert not readout["clear_winner"]        # scratch - fine-tune = -0.01, 0.01, 0: no lead


def test_transfer_figure_panels_share_one_accuracy_scale():
    fig, _ = transfer_figure(COUNTS, CURVES, 3, "scratch", chance=0.5)
    curve_ax, seeds_ax = fig.axes
    assert curve_ax.get_ylim() == seeds_ax.get_ylim()


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 2}, "one of the measured counts"),
    ({"option": "linear"}, "option must be one of"),
])
def test_explorer_rejects_unknown_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        transfer_explorer(COUNTS, CURVES, **kwargs)


@pytest.mark.slow
def test_explorer_controls_redraw_and_update_the_readout():
    w = transfer_explorer(COUNTS, CURVES, n=1, option="freeze", chance=0.5)
    assert w.controls["n"].continuous_update is False
    assert w.output.outputs[0]["data"]["image/png"]
    first_png = w.output.outputs[0]["data"]["image/png"]
    assert w.readout["best_option"] == "freeze"
    w.controls["n"].value = 10.0
    assert w.readout["labels_per_class"] == 10.0 and w.readout["best_option"] == "scratch"
    w.controls["option"].value = "fine-tune"
    assert w.readout["option"] == "fine-tune"
    np.testing.assert_allclose(w.readout["mean"], 0.96)
    assert w.output.outputs[0]["data"]["image/png"] != first_png


# --- the lesson itself --------------------------------------------------------------------------------

def test_lesson_checks_its_claims_and_describes_every_figure():
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert code.count("claim(") >= 8, "every experiment's claim is checked"
    assert "plt.show()" not in code
    shown = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
             if "image/png" in o.get("data", {})]
    assert shown and all(o.get("metadata", {}).get("image/png", {}).get("alt") for o in shown), \
        "every figure goes through dlhelpers.plots.show(fig, alt=...)"
    assert "transfer_explorer(" in code and "frozen=" in code and "rotate_images(" in code
