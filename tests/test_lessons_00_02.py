"""Lessons 00-02 and the plots and widgets behind them: what they draw, what they report, how
they refuse bad input; and that the committed lessons meet the lesson standard (alt text on
every figure, exercise kinds, a lesson map that agrees with the README). Expected values are
computed here independently (numpy by hand), not read back from the implementation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from dlhelpers.plots import PALETTE
from dlhelpers.plots.images import (
    PALETTE_CMAPS,
    challenge_variants,
    same_distance_variants,
    show_array,
    show_images,
)
from dlhelpers.plots.knn import (
    grid_over,
    plot_cv_accuracy,
    plot_decision_regions,
    plot_prediction_time,
    plot_unit_balls,
)
from dlhelpers.plots.linear import (
    binary_boundary,
    plot_class_lines,
    plot_model_size,
    plot_templates,
    region_borders,
)
from dlhelpers.widgets.arrays import SHAPE_CHOICES, broadcast_explorer, broadcast_figure
from dlhelpers.widgets.knn import knn_regions_explorer
from dlhelpers.widgets.linear import linear_boundary_explorer


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _two_blobs(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = np.where(y[:, None] == 1, 1.5, -1.5) + 0.7 * rng.standard_normal((n, 2))
    return X, y


def _digit_like(seed=0):
    """A 12 x 12 'image' with ink in the middle and blank borders."""
    rng = np.random.default_rng(seed)
    img = np.zeros((12, 12))
    img[3:9, 4:8] = rng.uniform(0.5, 1.0, (6, 4))
    return img


# --- plots.images ---------------------------------------------------------------------

def test_show_images_grid_titles_and_reshape():
    flat = np.arange(5 * 16, dtype=float).reshape(5, 16)
    fig, axes = show_images(flat, [f"t{i}" for i in range(5)], image_shape=(4, 4), ncols=3)
    assert axes.shape == (2, 3)
    assert [ax.get_title() for ax in axes.flat[:5]] == [f"t{i}" for i in range(5)]
    np.testing.assert_array_equal(axes.flat[2].images[0].get_array(), flat[2].reshape(4, 4))
    assert not axes.flat[5].images  # the spare panel stays empty


def test_show_images_rejects_bad_input():
    with pytest.raises(ValueError, match="image_shape"):
        show_images(np.zeros((3, 16)))
    with pytest.raises(ValueError, match="holds 9 pixels"):
        show_images(np.zeros((3, 16)), image_shape=(3, 3))
    with pytest.raises(ValueError, match="one entry per image"):
        show_images(np.zeros((3, 4, 4)), ["a"])
    with pytest.raises(ValueError, match="finite"):
        show_images(np.full((1, 4, 4), np.nan))


def test_show_array_writes_every_value():
    values = np.array([[1, 2, 3], [40, 50, 60]])
    ax = show_array(values, fmt="{:.0f}")
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in values.ravel())
    assert ax.get_title() == "shape (2, 3)"
    ax1 = show_array([7.5, 8.25], title="row")
    assert [t.get_text() for t in ax1.texts] == ["7.5", "8.25"]
    with pytest.raises(ValueError, match="1-D or 2-D"):
        show_array(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="empty"):
        show_array(np.zeros((0,)))


def test_challenge_variants_keep_shape_and_range_and_change_pixels():
    img, other = _digit_like(0), _digit_like(1)
    before = img.copy()
    out = challenge_variants(img, other, seed=3)
    assert list(out) == ["original", "viewpoint", "illumination", "deformation", "occlusion",
                         "background clutter", "intra-class variation"]
    np.testing.assert_array_equal(img, before)  # the input is not modified
    np.testing.assert_array_equal(out["original"], img)
    for name, v in out.items():
        assert v.shape == img.shape
        assert v.min() >= 0 and v.max() <= img.max()
        if name != "original":
            assert np.abs(v - img).sum() > 0.5, f"{name} left the image (almost) unchanged"
    with pytest.raises(ValueError, match="shape"):
        challenge_variants(img, np.zeros((10, 10)))


def test_same_distance_variants_are_equally_far():
    img = _digit_like(2)
    out, d = same_distance_variants(img, shift=1)
    np.testing.assert_allclose(d, np.sqrt(((np.roll(img, 1, axis=1) - img) ** 2).sum()))
    for name, v in out.items():
        np.testing.assert_allclose(np.sqrt(((v - img) ** 2).sum()), d, rtol=1e-10, err_msg=name)
    factor = out["faded"].max() / img.max()      # fading scales every pixel alike
    assert 0 < factor < 1
    np.testing.assert_allclose(out["faded"], factor * img)
    with pytest.raises(ValueError, match="shift"):
        same_distance_variants(img, shift=0)


# --- plots.knn ------------------------------------------------------------------------

def test_grid_over_covers_data_with_padding():
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    xx, yy, pts = grid_over(X, resolution=5, padding=0.5)
    assert xx.shape == (5, 5) and pts.shape == (25, 2)
    np.testing.assert_allclose([xx.min(), xx.max(), yy.min(), yy.max()], [-0.5, 2.5, 0.5, 3.5])
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        grid_over(np.zeros((4, 3)))


def test_plot_decision_regions_colours_by_the_rule():
    X, y = _two_blobs()
    ax = plot_decision_regions(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=30, title="rule")
    xx, _, _ = grid_over(X, resolution=30)
    np.testing.assert_array_equal(ax.region_labels, (xx > 0).astype(int))
    assert ax.get_title() == "rule" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    with pytest.raises(TypeError, match="callable"):
        plot_decision_regions("not a function", X, y)
    with pytest.raises(ValueError, match="length"):
        plot_decision_regions(lambda P: np.zeros(len(P), int), X, y[:-1])


def test_plot_unit_balls_draws_the_right_curves():
    ax = plot_unit_balls()
    l2, l1 = ax.lines[0].get_xydata(), ax.lines[1].get_xydata()
    np.testing.assert_allclose(np.hypot(l2[:, 0], l2[:, 1]), 1.0)
    np.testing.assert_allclose(np.abs(l1).sum(axis=1), 1.0)
    assert ax.get_title() and ax.get_xlabel() and ax.get_legend() is not None
    with pytest.raises(ValueError, match="radius"):
        plot_unit_balls(radius=0)


def test_plot_cv_accuracy_marks_best_mean():
    results = {1: np.array([0.8, 0.9]), 3: np.array([0.95, 0.93]), 5: np.array([0.7, 0.75])}
    ax = plot_cv_accuracy(results)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "best k = 3 (94.0%)" in labels
    assert ax.best_k == 3
    means_line = ax.containers[0].lines[0]
    np.testing.assert_allclose(means_line.get_ydata(), [0.85, 0.94, 0.725])
    assert not [line for line in ax.lines if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) > 1], \
        "no vertical line through the fold dots"
    with pytest.raises(ValueError):
        plot_cv_accuracy({})


def test_plot_cv_accuracy_overlays_two_settings_apart():
    a = {1: np.array([0.6, 0.62]), 5: np.array([0.7, 0.72])}
    b = {1: np.array([0.58, 0.6]), 5: np.array([0.66, 0.7])}
    ax = plot_cv_accuracy(a, label="L2", shift=-0.25, best_label="L2 best: k = {k}")
    plot_cv_accuracy(b, ax=ax, label="L1", color=PALETTE[3], marker="s", linestyle="--",
                     shift=0.25, best_label="L1 best: k = {k}")
    first, second = ax.containers[0].lines[0], ax.containers[1].lines[0]
    np.testing.assert_allclose(first.get_xdata(), [0.75, 4.75])
    np.testing.assert_allclose(second.get_xdata(), [1.25, 5.25])
    assert first.get_marker() != second.get_marker() and first.get_linestyle() != second.get_linestyle()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"L2 best: k = 5", "L1 best: k = 5"} <= set(labels)


def test_plot_prediction_time_axes_and_validation():
    ax = plot_prediction_time([100, 200, 400], [0.01, 0.02, 0.04])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [10, 20, 40])  # seconds shown as ms
    assert "ms" in ax.get_ylabel()
    with pytest.raises(ValueError, match="equal length"):
        plot_prediction_time([1, 2, 3], [0.1, 0.2])


# --- plots.linear ---------------------------------------------------------------------

def test_plot_templates_shows_each_column_as_an_image():
    W = np.arange(12 * 3, dtype=float).reshape(12, 3)
    fig, axes = plot_templates(W, (3, 4), ["a", "b", "c"], ncols=2)
    shown = [ax.images[0].get_array() for ax in axes.flat if ax.images]
    assert len(shown) == 3
    for k in range(3):
        np.testing.assert_array_equal(shown[k], W[:, k].reshape(3, 4))
    assert [ax.get_title() for ax in axes.flat[:3]] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="one column per class"):
        plot_templates(W.T, (3, 4))
    with pytest.raises(ValueError, match="one name per column"):
        plot_templates(W, (3, 4), ["a"])


def test_plot_class_lines_regions_follow_argmax():
    X, y = _two_blobs()
    W = np.array([[1.0, -1.0], [0.5, 0.2]])
    b = np.array([0.1, -0.3])
    ax = plot_class_lines(W, b, X, y)
    xx, yy, pts = grid_over(X, resolution=300)
    expected = np.argmax(pts @ W + b, axis=1).reshape(xx.shape)
    np.testing.assert_array_equal(ax.region_labels, expected)
    assert ax.get_aspect() == 1.0
    with pytest.raises(ValueError, match="b"):
        plot_class_lines(W, np.zeros(3), X, y)
    with pytest.raises(ValueError, match=r"\(2, K\)"):
        plot_class_lines(np.zeros((3, 2)), b, X, y)


def _three_class_model():
    # zero-score lines of these classes are far from the tie lines (the biases differ a lot)
    W = np.array([[1.0, -1.0, 0.0], [0.3, 0.4, -1.2]])
    b = np.array([2.0, -1.0, 0.5])
    return W, b


def test_region_borders_lie_where_two_top_scores_tie():
    W, b = _three_class_model()
    box = (-5.0, 5.0, -4.0, 4.0)
    borders = region_borders(W, b, box)
    assert {(i, j) for i, j, _ in borders} == {(0, 1), (0, 2), (1, 2)}
    for i, j, ends in borders:
        t = np.linspace(0, 1, 50)[:, None]
        points = ends[0] + t * (ends[1] - ends[0])
        scores = points @ W + b
        np.testing.assert_allclose(scores[:, i], scores[:, j], atol=1e-9)   # a tie ...
        others = np.delete(scores, [i, j], axis=1)
        assert np.all(others <= scores[:, [i]] + 1e-9)                      # ... of the top two
        assert np.all((points[:, 0] >= box[0] - 1e-9) & (points[:, 0] <= box[1] + 1e-9))
        assert np.all((points[:, 1] >= box[2] - 1e-9) & (points[:, 1] <= box[3] + 1e-9))
    # every grid cell where the argmax changes between neighbours is close to some border
    xs = np.linspace(box[0], box[1], 120)
    ys = np.linspace(box[2], box[3], 120)
    gx, gy = np.meshgrid(xs, ys)
    lab = np.argmax(np.stack([gx.ravel(), gy.ravel()], 1) @ W + b, axis=1).reshape(gx.shape)
    change = np.argwhere(lab[:, 1:] != lab[:, :-1])
    def dist_to_segment(p, a, c):
        t = np.clip((p - a) @ (c - a) / ((c - a) @ (c - a)), 0, 1)
        return np.linalg.norm(p - (a + t * (c - a)))
    for r, col in change[::7]:
        p = np.array([xs[col], ys[r]])
        assert min(dist_to_segment(p, e[0], e[1]) for _, _, e in borders) < 0.2


def test_plot_class_lines_draws_ties_not_zero_score_lines():
    W, b = _three_class_model()
    X, y = _two_blobs()
    y = np.arange(len(y)) % 3
    ax = plot_class_lines(W, b, X, y)
    drawn = [line.get_xydata() for line in ax.lines if len(line.get_xdata()) == 2]
    assert len(drawn) == len(ax.borders) >= 2
    for xy in drawn:                       # on each drawn segment two scores tie ...
        s = xy @ W + b
        top2 = np.sort(s, axis=1)[:, -2:]
        np.testing.assert_allclose(top2[:, 0], top2[:, 1], atol=1e-9)
        assert not np.allclose(s.max(axis=1), 0.0)   # ... and no class's score is zero there
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    for c, arrow in enumerate(arrows):     # arrows start at the origin and point along w_c
        tip = np.array(arrow.xy)
        np.testing.assert_allclose(arrow.xyann, (0, 0))
        np.testing.assert_allclose(tip / np.linalg.norm(tip), W[:, c] / np.linalg.norm(W[:, c]))
    assert len(arrows) == 3


def test_binary_boundary_score_and_accuracy():
    X, y = _two_blobs()
    w, b, p = np.array([0.7, -0.2]), 0.4, np.array([1.0, 2.0])
    ax, score, acc = binary_boundary(w, b, X, y, p)
    np.testing.assert_allclose(score, 0.7 * 1.0 - 0.2 * 2.0 + 0.4)
    np.testing.assert_allclose(acc, np.mean((X[:, 0] * 0.7 - 0.2 * X[:, 1] + 0.4 > 0) == (y == 1)))
    assert "accuracy" in ax.get_title()
    assert ax.get_aspect() == 1.0          # so w looks perpendicular to the boundary
    arrow = next(a for a in ax.texts if getattr(a, "arrow_patch", None) is not None)
    step = np.array(arrow.xy) - np.array(arrow.xyann)
    np.testing.assert_allclose(step, w / np.linalg.norm(w))
    np.testing.assert_allclose(np.array(arrow.xyann) @ w + b, 0.0, atol=1e-12)  # starts on the line
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary_boundary(w, b, X, np.where(y == 1, 2, 0), p)
    with pytest.raises(ValueError, match="shape"):
        binary_boundary(np.ones(3), b, X, y, p)


def test_palette_cmaps_are_built_from_the_course_palette():
    for name, colours in PALETTE_CMAPS.items():
        cmap = mpl.colormaps[name]
        np.testing.assert_allclose(cmap(0.0), to_rgba(colours[0]), atol=0.01)
        np.testing.assert_allclose(cmap(1.0), to_rgba(colours[-1]), atol=0.01)
        assert set(colours) <= set(PALETTE) | {"white"}
    ax = show_array(np.arange(4.0))
    assert ax.images[0].get_cmap().name == "course_blue"


def test_decision_regions_use_equal_aspect_and_a_marker_per_class():
    X, y = _two_blobs()
    ax = plot_decision_regions(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=20)
    assert ax.get_aspect() == 1.0
    paths = [c.get_paths()[0].vertices.tobytes() for c in ax.collections[1:]]
    assert len(paths) == 2 and paths[0] != paths[1]   # class 0 and 1 differ by shape too


def test_plot_model_size_counts():
    ax = plot_model_size([10, 100], num_features=4, num_classes=3)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [50, 500])   # N * (D + 1)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [15, 15])    # D * K + K
    with pytest.raises(ValueError):
        plot_model_size([10], 4, 3)


# --- widgets --------------------------------------------------------------------------

@pytest.mark.parametrize("a_label,b_label", [("(3, 1)", "(4,)"), ("(3,)", "(4,)"), ("(1, 4)", "(4, 3)"),
                                             ("(4, 3)", "(3,)"), ("(1,)", "(3, 4)")])
def test_broadcast_explorer_matches_numpy(a_label, b_label):
    box = broadcast_explorer()
    box.a_picker.value, box.b_picker.value = a_label, b_label
    try:
        expected = np.broadcast_shapes(SHAPE_CHOICES[a_label], SHAPE_CHOICES[b_label])
    except ValueError:
        expected = None
    assert box.result_shape == expected
    assert ("do not broadcast" in box.message) == (expected is None)


def test_broadcast_rejects_bad_shapes():
    with pytest.raises(ValueError, match="one of"):
        broadcast_explorer(a_shape="(9, 9)")
    with pytest.raises(ValueError, match="a_shape"):
        broadcast_figure((0, 3), (3,))


def _brute_knn(points, X, y, k, metric):
    diff = points[:, None, :] - X[None, :, :]
    d = np.abs(diff).sum(-1) if metric == "l1" else np.sqrt((diff ** 2).sum(-1))
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
    return np.array([np.bincount(y[row], minlength=2).argmax() for row in nearest])


def test_knn_explorer_follows_its_controls():
    X, y = _two_blobs(60, seed=4)
    box = knn_regions_explorer(X, y, k=1, resolution=25)
    assert box.train_accuracy == 1.0  # every point is its own nearest neighbour
    _, _, pts = grid_over(X, resolution=25)
    np.testing.assert_array_equal(box.region_labels.ravel(), _brute_knn(pts, X, y, 1, "l2"))
    box.k_slider.value = 9
    np.testing.assert_array_equal(box.region_labels.ravel(), _brute_knn(pts, X, y, 9, "l2"))
    np.testing.assert_allclose(box.train_accuracy, np.mean(_brute_knn(X, X, y, 9, "l2") == y))
    box.metric_buttons.value = "l1"
    np.testing.assert_array_equal(box.region_labels.ravel(), _brute_knn(pts, X, y, 9, "l1"))


def test_knn_explorer_rejects_bad_settings():
    X, y = _two_blobs(10)
    with pytest.raises(ValueError, match="max_k"):
        knn_regions_explorer(X, y, k=11)
    with pytest.raises(ValueError, match="metric"):
        knn_regions_explorer(X, y, metric="cosine")


def test_linear_explorer_score_and_accuracy_follow_sliders():
    X, y = _two_blobs(50, seed=5)
    box = linear_boundary_explorer(X, y, w=(1.0, 1.0), b=0.0, point=(0.5, -1.0))
    np.testing.assert_allclose(box.score, -0.5)
    box.w1.value, box.b.value, box.py.value = -2.0, 1.5, 2.0
    np.testing.assert_allclose(box.score, -2.0 * 0.5 + 1.0 * 2.0 + 1.5)
    np.testing.assert_allclose(box.accuracy, np.mean((X @ np.array([-2.0, 1.0]) + 1.5 > 0) == (y == 1)))
    assert "class 1" in box.caption.value


def test_linear_explorer_rejects_out_of_range_start():
    X, y = _two_blobs(10)
    with pytest.raises(ValueError, match="b"):
        linear_boundary_explorer(X, y, b=10.0)
    with pytest.raises(ValueError, match="w"):
        linear_boundary_explorer(X, y, w=(1.0, 2.0, 3.0))


# --- the lessons themselves (committed, executed notebooks) ------------------------------

ROOT = Path(__file__).resolve().parents[1]
LESSONS_00_02 = sorted((ROOT / "notebooks").glob("0[0-2]_*.ipynb"))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", LESSONS_00_02, ids=[p.stem for p in LESSONS_00_02])
def test_every_figure_carries_a_text_alternative(path):
    images = 0
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        assert "plt.show()" not in _source(cell), "show figures with dlhelpers.plots.show(fig, alt=...)"
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                images += 1
                text = "".join(out["data"].get("text/plain", ""))
                alt = out.get("metadata", {}).get("image/png", {}).get("alt", "")
                assert text.startswith("[Figure: ") and len(alt) > 30, f"figure without alt text: {text[:60]}"
    assert images >= 2


@pytest.mark.parametrize("path", LESSONS_00_02, ids=[p.stem for p in LESSONS_00_02])
def test_exercises_meet_the_lesson_standard(path):
    cells = _cells(path)
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    exercises = markdown[markdown.index("Check yourself"):]
    assert "(predict, then run)" in exercises
    assert "(change the experiment)" in exercises
    assert len(re.findall(r"\*\*Exercise \d", exercises)) >= 3
    assert len(re.findall(r"\bcheck(_function)?\(", code)) >= 3
    assert not re.search(r"[Ll]ecture 0\d\d", markdown + code), "name lectures by title, not file number"


def _homework_by_lesson(text):
    """Map lesson number -> homework cell text, from a markdown table whose first column
    names one or more lessons ('01 Image ... · 02 Linear ...')."""
    found = {}
    for line in text.splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) < 2 or not re.match(r"\d\d ", cols[0]):
            continue
        for number in re.findall(r"(?:^|· )(\d\d) ", cols[0]):
            found[int(number)] = cols[-1]
    return found


def test_lesson_00_map_agrees_with_the_readme():
    readme = _homework_by_lesson((ROOT / "README.md").read_text(encoding="utf-8"))
    start = next(p for p in LESSONS_00_02 if p.name.startswith("00"))
    lesson = _homework_by_lesson("\n".join(_source(c) for c in _cells(start) if c["cell_type"] == "markdown"))
    assert readme == lesson
    assert set(readme) == set(range(15))
    assert readme[14] == "none" and readme[0] == "none"
    shipped = {int(p.name[:2]) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert shipped <= set(readme), "every lesson file has a row in the map"
