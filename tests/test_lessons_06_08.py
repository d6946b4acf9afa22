"""Tests for the plots and widgets behind lessons 06-08 (optimizers, schedules, regularization).

Widgets are driven the way a learner (or the browser test) drives them: set a control's value
and check that the drawn data changed. Plot functions must return axes with titles and
labels, and reject bad input with a message that says what was expected.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlhelpers import landscapes, optim, schedules
from dlhelpers.plots import optimizers as optplots
from dlhelpers.plots import regularization as regplots
from dlhelpers.widgets import optimizers as optwidgets
from dlhelpers.widgets import regularization as regwidgets
from dlhelpers.widgets import schedules as schedwidgets


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _line_data(fig, axis=0):
    return [np.asarray(line.get_xydata()) for line in fig.axes[axis].get_lines()]


# --- optimizer playground ------------------------------------------------------------------

def test_playground_exposes_stable_structure():
    pg = optwidgets.optimizer_playground()
    for name in ("landscape", "kappa", "sigma", "steps", "optimizers", "rho", "beta1", "beta2",
                 "decay", *(f"lr_{r}" for r in optwidgets.RULES)):
        assert name in pg.controls, name
    assert pg.output is pg.children[-1]
    assert set(pg.paths) == {"sgd", "momentum", "adam"}
    assert len(pg.figure.axes) == 4                        # one path panel per optimizer + the loss
    assert [ax.get_title().split(",")[0] for ax in pg.figure.axes[:3]] == ["sgd", "momentum", "adam"]
    for ax in pg.figure.axes[:3]:                          # contours at equal aspect
        assert ax.get_aspect() == 1.0
    slow = [n for n, c in pg.controls.items() if hasattr(c, "continuous_update") and c.continuous_update]
    assert slow == [], f"sliders that redraw while dragging: {slow}"
    assert pg.figure._repr_png_().startswith(b"\x89PNG")   # shows itself in a notebook


def test_moving_a_learning_rate_changes_the_plotted_path():
    pg = optwidgets.optimizer_playground()
    before = _line_data(pg.figure)
    old_fig = pg.figure
    old_png = pg.output.outputs[0]["data"]["image/png"]
    pg.controls["lr_sgd"].value = 0.01
    assert pg.figure is not old_fig
    assert len(pg.output.outputs) == 1                     # replaced, not appended
    assert pg.output.outputs[0]["data"]["image/png"] != old_png
    after = _line_data(pg.figure)
    assert any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(before, after, strict=True))
    # the SGD path itself is what changed, and it matches an independent run
    expected = landscapes.run_optimizer(landscapes.ill_conditioned_quadratic(20.0), optim.sgd,
                                        steps=pg.controls["steps"].value, lr=0.01)
    np.testing.assert_allclose(pg.paths["sgd"].points, expected.points)


def test_kappa_and_landscape_controls_redraw():
    pg = optwidgets.optimizer_playground()
    pg.controls["kappa"].value = 100.0
    assert "kappa=100" in pg.figure._suptitle.get_text()
    pg.controls["landscape"].value = "rosenbrock"
    assert "Rosenbrock" in pg.figure._suptitle.get_text()
    assert pg.controls["lr_sgd"].value == pytest.approx(optwidgets.DEFAULT_LR["rosenbrock"]["sgd"])
    assert pg.paths["sgd"].steps == optwidgets.DEFAULT_STEPS["rosenbrock"]


def test_choosing_optimizers_changes_the_legend():
    pg = optwidgets.optimizer_playground()
    pg.controls["optimizers"].value = ("rmsprop", "nesterov")
    assert set(pg.paths) == {"rmsprop", "nesterov"}
    labels = [t.get_text() for t in pg.figure.axes[-1].get_legend().get_texts()]
    assert any(lab.startswith("rmsprop") for lab in labels)
    assert len(pg.figure.axes) == 3
    pg.controls["optimizers"].value = ()
    assert pg.figure is None and pg.paths == {}


def test_noisy_landscape_is_reproducible_and_differs_from_clean():
    clean = optwidgets.run_all(optwidgets.make_landscape("quadratic"), ["sgd"], {"sgd": 0.05}, 50)
    noisy1 = optwidgets.run_all(optwidgets.make_landscape("noisy quadratic", sigma=2.0), ["sgd"], {"sgd": 0.05}, 50)
    noisy2 = optwidgets.run_all(optwidgets.make_landscape("noisy quadratic", sigma=2.0), ["sgd"], {"sgd": 0.05}, 50)
    np.testing.assert_array_equal(noisy1["sgd"].points, noisy2["sgd"].points)
    assert not np.allclose(noisy1["sgd"].points, clean["sgd"].points)


def test_playground_rejects_bad_choices():
    with pytest.raises(ValueError, match="landscape must be one of"):
        optwidgets.optimizer_playground("himmelblau")
    with pytest.raises(ValueError, match="optimizers must come from"):
        optwidgets.optimizer_playground(optimizers=("lbfgs",))
    with pytest.raises(ValueError, match="at least one optimizer"):
        optwidgets.playground_figure("quadratic", ())


def test_a_diverged_run_is_named_and_its_curve_clipped():
    fig, paths = optwidgets.playground_figure("quadratic", ("sgd", "momentum"), lrs={"sgd": 0.2})
    assert paths["sgd"].diverged and "diverged" in fig.axes[0].get_title()
    start = paths["momentum"].losses[0]
    assert fig.axes[-1].get_ylim()[1] == pytest.approx(10 * start)


def test_tune_lr_picks_the_best_rate_of_the_grid():
    land = landscapes.ill_conditioned_quadratic(20.0)
    best = optwidgets.tune_lr(land, "sgd", steps=100, grid=(0.001, 0.01, 0.09, 0.2))
    assert best == 0.09                                    # 0.2 diverges (> 2/20), smaller crawl
    with pytest.raises(ValueError, match="rule must be one of"):
        optwidgets.tune_lr(land, "lbfgs", steps=10)


def test_default_quadratic_momentum_beats_sgd():
    # the default view is meant to show momentum winning on the ravine; keep it that way
    _, paths = optwidgets.playground_figure("quadratic", ("sgd", "momentum"))
    assert paths["momentum"].losses[-1] < paths["sgd"].losses[-1]


# --- schedule explorer ---------------------------------------------------------------------

@pytest.mark.parametrize("name", schedwidgets.SCHEDULE_NAMES)
def test_make_schedule_starts_at_peak_and_never_rises_without_warmup(name):
    sched = schedwidgets.make_schedule(name, 0.5, 200)
    lr = np.asarray(sched(np.arange(200)), dtype=float)
    assert lr[0] == pytest.approx(0.5)
    assert np.all(np.diff(lr) <= 1e-12)
    assert np.all(lr >= 0)


def test_make_schedule_with_warmup_ramps_then_follows():
    sched = schedwidgets.make_schedule("cosine", 0.4, 100, warmup_steps=20)
    lr = np.asarray(sched(np.arange(100)), dtype=float)
    assert lr[0] == 0.0
    assert np.all(np.diff(lr[:21]) > 0)
    np.testing.assert_allclose(lr[20:], schedules.cosine(0.4, 80)(np.arange(80)))


def test_make_schedule_bad_input():
    with pytest.raises(ValueError, match="name must be one of"):
        schedwidgets.make_schedule("triangle", 0.1, 100)
    with pytest.raises(ValueError, match="warmup_steps must be < total_steps"):
        schedwidgets.make_schedule("cosine", 0.1, 100, warmup_steps=100)
    with pytest.raises(ValueError, match="lr0"):
        schedwidgets.make_schedule("cosine", -0.1, 100)


def test_decaying_schedule_lowers_the_noise_floor():
    _, readout = schedwidgets.explorer_figure("cosine", 0.5, 300)
    assert readout["final_loss"] < 0.5 * readout["final_loss_constant"]


def test_schedule_explorer_controls_change_the_curve():
    ex = schedwidgets.schedule_explorer()
    lr_before = ex.readout["lr"].copy()
    ex.controls["schedule"].value = "step"
    assert not np.allclose(ex.readout["lr"], lr_before)
    ydata = ex.figure.axes[0].get_lines()[0].get_ydata()
    np.testing.assert_allclose(ydata, ex.readout["lr"])
    ex.controls["warmup_steps"].value = 50
    assert ex.readout["lr"][0] == 0.0
    ex.controls["total_steps"].value = 100
    assert ex.readout["lr"].shape == (100,)


# --- regularization explorer ---------------------------------------------------------------

def test_fit_polynomial_without_penalty_matches_numpy_polyfit():
    x, y, *_ = regwidgets.polynomial_data()
    coef = regwidgets.fit_polynomial(x, y, 3, lam=0.0)
    np.testing.assert_allclose(coef, np.polynomial.polynomial.polyfit(x, y, 3), rtol=1e-6, atol=1e-8)


def test_ridge_matches_closed_form_on_centred_features():
    x, y, *_ = regwidgets.polynomial_data()
    lam, d = 0.01, 5
    F = x[:, None] ** np.arange(1, d + 1)
    Fc, yc = F - F.mean(0), y - y.mean()
    c = np.linalg.solve(Fc.T @ Fc / x.size + lam * np.eye(d), Fc.T @ yc / x.size)
    coef = regwidgets.fit_polynomial(x, y, d, lam=lam, penalty="L2")
    np.testing.assert_allclose(coef[1:], c, rtol=1e-8)


def test_lasso_satisfies_its_optimality_conditions():
    x, y, *_ = regwidgets.polynomial_data()
    lam, d = 0.01, 6
    coef = regwidgets.fit_polynomial(x, y, d, lam=lam, penalty="L1", sweeps=3000)
    F = x[:, None] ** np.arange(1, d + 1)
    resid = y - np.polynomial.polynomial.polyval(x, coef)
    grad = -2 * F.T @ resid / x.size          # gradient of the data term
    c = coef[1:]
    nz = c != 0
    assert np.any(~nz), "L1 at this strength should zero some coefficients"
    np.testing.assert_allclose(grad[nz], -lam * np.sign(c[nz]), atol=1e-4)
    assert np.all(np.abs(grad[~nz]) <= lam + 1e-4)


def test_l2_never_zeros_but_l1_does():
    _, r2 = regwidgets.explorer_figure(11, 1e-2, "L2")
    _, r1 = regwidgets.explorer_figure(11, 1e-2, "L1")
    assert r2["zeros"] == 0 and r1["zeros"] > 0


def test_regularization_explorer_controls_change_fit():
    ex = regwidgets.regularization_explorer()
    curve_before = ex.figure.axes[0].get_lines()[0].get_ydata().copy()
    ex.controls["lam"].value = 1.0
    curve_after = ex.figure.axes[0].get_lines()[0].get_ydata()
    assert not np.allclose(curve_before, curve_after)
    assert ex.readout["train_mse"] > 0
    ex.controls["penalty"].value = "L1"
    assert ex.readout["zeros"] > 0


def test_regularization_bad_input():
    with pytest.raises(ValueError, match="penalty must be one of"):
        regwidgets.fit_polynomial([0, 1, 2], [0, 1, 2], 1, penalty="L3")
    with pytest.raises(ValueError, match="same shape"):
        regwidgets.fit_polynomial([0, 1, 2], [0, 1], 1)
    with pytest.raises(ValueError, match="lam"):
        regwidgets.fit_polynomial([0, 1, 2], [0, 1, 2], 1, lam=-1)
    with pytest.raises(ValueError, match="degree"):
        regwidgets.regularization_explorer(degree=0)


# --- plot functions ------------------------------------------------------------------------

def test_plot_paths_and_loss_have_labels():
    land = landscapes.rosenbrock()
    p = landscapes.run_optimizer(land, optim.adam, steps=20, lr=0.05)
    ax = optplots.plot_paths({"adam": p.points}, landscape=land)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    np.testing.assert_allclose(ax.get_lines()[1].get_xydata(), p.points)
    ax2 = optplots.plot_loss_vs_step({"adam": p.losses})
    assert ax2.get_yscale() == "log" and ax2.get_xlabel() == "step"


def test_plot_paths_bad_input():
    with pytest.raises(ValueError, match=r"shape \(T, 2\)"):
        optplots.plot_paths({"x": np.zeros((5, 3))})
    with pytest.raises(TypeError, match="non-empty dict"):
        optplots.plot_paths([np.zeros((5, 2))])
    with pytest.raises(ValueError, match="must map shape"):
        optplots.plot_contours(lambda p: np.zeros(3), (0, 1), (0, 1))


def test_plot_runs_reads_histories_and_dicts():
    class H:
        loss = [1.0, 0.5, 0.25]
    ax = optplots.plot_runs({"a": H(), "b": {"loss": [2.0, 1.0, 0.5]}}, "loss")
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [2.0, 1.0, 0.5])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="no recorded series"):
        optplots.plot_runs({"a": H()}, "val_acc")


def test_plot_schedules_draws_each_value():
    ax = optplots.plot_schedules({"step": schedules.step_decay(1.0, 10, 0.5)}, 30)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), 0.5 ** (np.arange(30) // 10))
    assert ax.get_ylabel() == "learning rate"
    with pytest.raises(ValueError, match="steps"):
        optplots.plot_schedules({"c": schedules.constant(1.0)}, 0)


def test_regularization_plots():
    ax = regplots.plot_train_val([0.0, 0.1, 1.0], [1.0, 0.9, 0.7], [0.6, 0.8, 0.7])
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_lines()[2].get_xdata()[0] == pytest.approx(0.1)   # best validation marked
    with pytest.raises(ValueError, match="same shape"):
        regplots.plot_train_val([1, 2], [1, 2, 3], [1, 2])
    axes = regplots.plot_weight_histograms({"L1": np.array([0.0, 0.0, 1.0, -1.0]), "L2": np.ones(4)})
    assert "50% of weights" in axes[0].get_title()
    x = np.linspace(-1, 1, 5)
    ax = regplots.plot_polynomial_fits(x, x**2, x, {"deg 2": x**2})
    assert ax.get_legend() is not None
    with pytest.raises(ValueError, match="same shape"):
        regplots.plot_polynomial_fits(x, x**2, x, {"bad": x[:3]})
    axes = regplots.show_images(np.zeros((3, 4, 4)), ["a", "b", "c"])
    assert axes[1].get_title() == "b"
    with pytest.raises(ValueError, match="one entry per image"):
        regplots.show_images(np.zeros((3, 4, 4)), ["a"])


def test_weight_cdf_starts_at_the_share_of_exact_zeros():
    sparse = np.array([0.0, 0.0, 0.5, 2.0])
    dense = np.array([0.1, 0.2, 0.5, 2.0])
    ax = regplots.plot_weight_cdf({"sparse": sparse, "dense": dense})
    (x1, y1), (x2, y2) = (line.get_data() for line in ax.get_lines())
    assert y1[0] == pytest.approx(0.5) and y2[0] == pytest.approx(0.25)   # |w| <= smallest nonzero
    assert y1[-1] == pytest.approx(1.0) and y2[-1] == pytest.approx(1.0)
    assert "50% exactly 0" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="exactly zero"):
        regplots.plot_weight_cdf({"z": np.zeros(3)})


def test_explorer_sliders_redraw_on_release_only():
    for widget in (regwidgets.regularization_explorer(), schedwidgets.schedule_explorer()):
        slow = [n for n, c in widget.controls.items() if getattr(c, "continuous_update", False)]
        assert slow == [], slow


def test_schedule_explorer_inverse_sqrt_warmup_keeps_the_global_step():
    sched = schedwidgets.make_schedule("inverse sqrt", 1.0, 300, warmup_steps=30)
    assert sched(30) == pytest.approx(1.0)
    assert sched(120) == pytest.approx(0.5)          # 1.0 * sqrt(30 / 120)


def test_diverging_cmap_runs_from_palette_red_through_white_to_palette_blue():
    from matplotlib.colors import to_hex

    from dlhelpers.plots import PALETTE

    cmap = regplots.diverging_cmap()
    assert to_hex(cmap(0.0)) == PALETTE[3].lower() and to_hex(cmap(1.0)) == PALETTE[0].lower()
    np.testing.assert_allclose(cmap(0.5)[:3], 1.0, atol=1 / 128)     # white in the middle (256 bins)
