"""Optimizer playground (lesson 06).

Choose a landscape (an ill-conditioned quadratic with adjustable condition number,
Rosenbrock's valley, a saddle, or the quadratic with noisy gradients), tick several update
rules, set their hyperparameters, and see side by side each rule's path on the contours and
its loss against the step.

``optimizer_playground()`` returns the widget. Its stable structure, for learners and tests:

* ``.controls``: dict of named ipywidgets (``"landscape"``, ``"kappa"``, ``"sigma"``,
  ``"steps"``, ``"optimizers"``, ``"lr_<rule>"`` for each rule, ``"rho"``, ``"decay"``,
  ``"beta1"``, ``"beta2"``);
* ``.output``: the ``Output`` widget holding the figure;
* ``.figure``: the last matplotlib ``Figure`` drawn (one contour panel per ticked optimizer,
  in the order ticked, then the loss panel last);
* ``.paths``: dict rule name -> :class:`dlhelpers.landscapes.Trajectory` of the last run.

``playground_figure(...)`` draws the same picture without widgets (the lesson's static view).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np

from dlhelpers import landscapes, optim
from dlhelpers._checks import check_int, check_positive
from dlhelpers.plots._figure import standalone_figure
from dlhelpers.plots.optimizers import plot_loss_vs_step, plot_path_panels
from dlhelpers.widgets._display import Explorer, show_figure

__all__ = ["LANDSCAPES", "RULES", "DEFAULT_LR", "DEFAULT_RHO", "LR_GRID", "make_landscape", "run_all",
           "tune_lr", "playground_figure", "optimizer_playground", "OptimizerPlayground"]

LANDSCAPES = ("quadratic", "rosenbrock", "saddle", "noisy quadratic")
RULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

# Starting learning rates of the playground (the learner is meant to move them). Lesson 06
# tunes each rule on a grid instead (tune_lr) before comparing rules.
DEFAULT_LR = {
    "quadratic": {"sgd": 0.09, "momentum": 0.1, "nesterov": 0.06, "adagrad": 1.0,
                  "rmsprop": 0.1, "adam": 0.1},
    "rosenbrock": {"sgd": 1e-3, "momentum": 5e-4, "nesterov": 5e-4, "adagrad": 0.5,
                   "rmsprop": 0.01, "adam": 0.05},
    "saddle": {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.3,
               "rmsprop": 0.02, "adam": 0.05},
}
DEFAULT_LR["noisy quadratic"] = dict(DEFAULT_LR["quadratic"])
# Momentum that suits the landscape: on the kappa=20 bowl the best heavy-ball rho is about
# 0.4, and rho=0.9 would lose to plain SGD there; valleys and saddles reward more momentum.
DEFAULT_RHO = {"quadratic": 0.5, "noisy quadratic": 0.5, "rosenbrock": 0.9, "saddle": 0.9}
DEFAULT_STEPS = {"quadratic": 150, "rosenbrock": 400, "saddle": 150, "noisy quadratic": 150}
# The grid tune_lr searches: roughly half-decades from 1e-3 to 3, denser where SGD's limit on
# the default quadratic (2 / kappa = 0.1) lies.
LR_GRID = (1e-3, 3e-3, 0.01, 0.03, 0.06, 0.1, 0.3, 1.0, 3.0)


def make_landscape(name: str, *, kappa: float = 20.0, sigma: float = 2.0) -> landscapes.Landscape:
    """Return the named landscape (``kappa`` shapes both quadratics, ``sigma`` the noise)."""
    if name not in LANDSCAPES:
        raise ValueError(f"landscape must be one of {LANDSCAPES}; got {name!r}")
    kappa = check_positive(kappa, "kappa")
    if name == "quadratic":
        return landscapes.ill_conditioned_quadratic(kappa)
    if name == "rosenbrock":
        return landscapes.rosenbrock()
    if name == "saddle":
        return landscapes.saddle()
    return landscapes.noisy(landscapes.ill_conditioned_quadratic(kappa), sigma, seed=0)


def _rule_hparams(rule: str, lr: float, hp: Mapping[str, float]) -> dict:
    """The keyword arguments each rule takes, picked from the shared hyperparameters."""
    extra = {"momentum": ("rho",), "nesterov": ("rho",), "rmsprop": ("decay",),
             "adam": ("beta1", "beta2")}.get(rule, ())
    return {"lr": lr, **{k: hp[k] for k in extra if k in hp}}


def run_all(landscape: landscapes.Landscape, rules: Sequence[str], lrs: Mapping[str, float],
            steps: int, **hp) -> dict:
    """Run each named rule on ``landscape`` and return ``{rule: Path}``.

    Parameters
    ----------
    rules : sequence of names from ``RULES``
    lrs : dict rule -> learning rate
    steps : int
    **hp : shared hyperparameters ``rho``, ``decay``, ``beta1``, ``beta2``
    """
    steps = check_int(steps, "steps", minimum=1)
    paths = {}
    for rule in rules:
        if rule not in RULES:
            raise ValueError(f"each optimizer must be one of {RULES}; got {rule!r}")
        paths[rule] = landscapes.run_optimizer(landscape, optim.OPTIMIZERS[rule], steps=steps,
                                               **_rule_hparams(rule, lrs[rule], hp))
    return paths


def tune_lr(landscape: landscapes.Landscape, rule: str, steps: int, grid=LR_GRID, **hp) -> float:
    """The learning rate from ``grid`` with the lowest final loss for ``rule`` (a fair race).

    The score is the mean loss over the last tenth of the run (robust to noisy gradients); a
    run that diverges scores infinity.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}")
    scores = []
    for lr in grid:
        path = landscapes.run_optimizer(landscape, optim.OPTIMIZERS[rule], steps=steps,
                                        **_rule_hparams(rule, float(lr), hp))
        tail = path.losses[-max(1, steps // 10):]
        scores.append(np.inf if path.diverged or not np.all(np.isfinite(tail)) else float(tail.mean()))
    return float(grid[int(np.argmin(scores))])


def playground_figure(landscape: str = "quadratic", optimizers: Sequence[str] = ("sgd", "momentum", "adam"),
                      *, kappa: float = 20.0, sigma: float = 2.0, steps: int | None = None,
                      lrs: Mapping[str, float] | None = None, rho: float | None = None, decay: float = 0.99,
                      beta1: float = 0.9, beta2: float = 0.999):
    """Draw the playground for one setting, without widgets.

    One small contour panel per optimizer (paths never hide each other), and a last panel
    with every loss curve (colour, dash and marker per optimizer). A diverged run is named in
    its panel title and its loss curve is clipped at ten times the starting loss, with a note.
    ``lrs``, ``rho`` and ``steps`` left out take the landscape's defaults (``DEFAULT_LR``,
    ``DEFAULT_RHO``, ``DEFAULT_STEPS``).

    Returns
    -------
    fig : matplotlib Figure (axes 0..n-1: one path panel per optimizer; axes n: loss)
    paths : dict rule -> Path
    """
    if len(optimizers) == 0:
        raise ValueError("choose at least one optimizer")
    land = make_landscape(landscape, kappa=kappa, sigma=sigma)
    rates = {**DEFAULT_LR[landscape], **(lrs or {})}
    steps = DEFAULT_STEPS[landscape] if steps is None else steps
    rho = DEFAULT_RHO[landscape] if rho is None else rho
    paths = run_all(land, optimizers, rates, steps, rho=rho, decay=decay, beta1=beta1, beta2=beta2)
    n = len(paths)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = standalone_figure((3.1 * cols + 4.2, 2.9 * rows + 0.5))
    grid = fig.add_gridspec(rows, cols + 1, width_ratios=[1] * cols + [1.35])
    path_axes = [fig.add_subplot(grid[i // cols, i % cols]) for i in range(n)]
    ax_loss = fig.add_subplot(grid[:, cols])
    titles = {r: f"{r}, lr={rates[r]:.2g}" + (f" (diverged at step {p.steps})" if p.diverged else "")
              for r, p in paths.items()}
    plot_path_panels(paths, land, path_axes, titles=titles)
    floor = float(land.f(np.asarray(land.minimum)))
    curves = {titles[r]: p.losses - floor for r, p in paths.items()}
    plot_loss_vs_step(curves, ax=ax_loss, ylabel="loss above the minimum (log)",
                      title=f"Loss over {steps} steps")
    start_loss = max(float(p.losses[0] - floor) for p in paths.values())
    if any(p.diverged or np.nanmax(p.losses - floor) > 10 * start_loss for p in paths.values()):
        low = ax_loss.get_ylim()[0]
        ax_loss.set_ylim(low, 10 * start_loss)
        ax_loss.text(0.02, 0.98, "curves clipped at 10x the starting loss", transform=ax_loss.transAxes,
                     va="top", fontsize=8)
    ax_loss.legend(loc="lower left")
    fig.suptitle(f"{land.name}: one panel per optimizer (start = black square, minimum = star)",
                 fontsize=11)
    return fig, paths


class OptimizerPlayground(Explorer):
    """The playground widget; see the module docstring for its attributes."""

    def __init__(self, landscape: str = "quadratic", optimizers: Sequence[str] = ("sgd", "momentum", "adam")):
        # Every redraw runs up to six optimizers (about 0.2-1 s), so sliders report only on
        # release (continuous_update=False) and their labels get the width they need.
        wide = {"continuous_update": False, "style": {"description_width": "initial"},
                "layout": widgets.Layout(width="300px")}
        lr_sliders = {
            f"lr_{r}": widgets.FloatLogSlider(value=DEFAULT_LR[landscape][r], base=10, min=-4, max=1,
                                              step=0.05, description=f"learning rate, {r}",
                                              readout_format=".2g", **wide)
            for r in RULES
        }
        c = {
            "landscape": widgets.Dropdown(options=list(LANDSCAPES), value=landscape,
                                          description="landscape"),
            "kappa": widgets.FloatLogSlider(value=20.0, base=10, min=0, max=3, step=0.05,
                                            description="condition number kappa", readout_format=".3g", **wide),
            "sigma": widgets.FloatSlider(value=2.0, min=0.0, max=10.0, step=0.5,
                                         description="gradient noise sigma", **wide),
            "steps": widgets.IntSlider(value=DEFAULT_STEPS[landscape], min=10, max=1500, step=10,
                                       description="steps", **wide),
            "optimizers": widgets.SelectMultiple(options=list(RULES), value=tuple(optimizers),
                                                 rows=len(RULES), description="optimizers"),
            **lr_sliders,
            "rho": widgets.FloatSlider(value=DEFAULT_RHO[landscape], min=0.0, max=0.99, step=0.01,
                                       description="momentum rho", **wide),
            "decay": widgets.FloatSlider(value=0.99, min=0.5, max=0.999, step=0.001,
                                         description="RMSProp decay", readout_format=".3f", **wide),
            "beta1": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                         description="Adam beta1", **wide),
            "beta2": widgets.FloatSlider(value=0.999, min=0.5, max=0.9999, step=0.0001,
                                         description="Adam beta2", readout_format=".4f", **wide),
        }
        self._hold = False
        left = widgets.VBox([c["landscape"], c["kappa"], c["sigma"], c["steps"], c["optimizers"]])
        middle = widgets.VBox(list(lr_sliders.values()))
        right = widgets.VBox([c["rho"], c["decay"], c["beta1"], c["beta2"]])
        super().__init__(c, _playground_from_controls, boxes=[widgets.HBox([left, middle, right])])

    @property
    def paths(self) -> dict:
        """dict rule name -> :class:`dlhelpers.landscapes.Trajectory` of the last run."""
        return self.readout

    def _on_change(self, change) -> None:
        if change["owner"] is self.controls["landscape"]:
            self._load_defaults(change["new"])
        if not self._hold:
            self.redraw()

    def _load_defaults(self, landscape: str) -> None:
        # A new landscape needs different step sizes: load its defaults, then draw once.
        self._hold = True
        try:
            for r in RULES:
                self.controls[f"lr_{r}"].value = DEFAULT_LR[landscape][r]
            self.controls["steps"].value = DEFAULT_STEPS[landscape]
            self.controls["rho"].value = DEFAULT_RHO[landscape]
        finally:
            self._hold = False

    def redraw(self) -> None:
        """Run the ticked optimizers with the current settings and redraw both panels."""
        if not self.controls["optimizers"].value:
            self.figure, self.readout = None, {}
            show_figure(self.output, None, "Tick at least one optimizer (ctrl/cmd-click to choose several).")
            return
        super().redraw()


def _playground_from_controls(landscape: str, optimizers: Sequence[str], kappa: float, sigma: float,
                              steps: int, rho: float, decay: float, beta1: float, beta2: float,
                              **lr_controls: float):
    """:func:`playground_figure` with the playground's controls as keyword arguments."""
    return playground_figure(landscape, optimizers, kappa=kappa, sigma=sigma, steps=steps,
                             lrs={r: lr_controls[f"lr_{r}"] for r in RULES}, rho=rho,
                             decay=decay, beta1=beta1, beta2=beta2)


def optimizer_playground(landscape: str = "quadratic",
                         optimizers: Sequence[str] = ("sgd", "momentum", "adam")) -> OptimizerPlayground:
    """Build the optimizer playground (see the module docstring) and draw its first view."""
    if landscape not in LANDSCAPES:
        raise ValueError(f"landscape must be one of {LANDSCAPES}; got {landscape!r}")
    bad = [r for r in optimizers if r not in RULES]
    if bad:
        raise ValueError(f"optimizers must come from {RULES}; got {bad}")
    return OptimizerPlayground(landscape, optimizers)
