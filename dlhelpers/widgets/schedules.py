"""Schedule explorer (lesson 07).

Pick a learning-rate schedule, its peak rate, the length of training and an optional linear
warm-up. The left panel draws ``lr(step)``; the right panel runs SGD with that schedule on a
noisy quadratic (gradients carry noise, like mini-batch gradients) next to a constant rate,
so the learner sees the loss curve take the schedule's shape: a decaying rate lowers the
noise floor that a constant rate leaves behind.

``schedule_explorer()`` returns the widget; ``explorer_figure(...)`` draws the same picture
without widgets; ``make_schedule(...)`` builds each named schedule with the explorer's
choices of the secondary knobs.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from dlhelpers import optim, schedules
from dlhelpers._checks import check_int, check_positive
from dlhelpers.plots._figure import standalone_figure
from dlhelpers.widgets._display import Explorer

__all__ = ["SCHEDULE_NAMES", "make_schedule", "noisy_quadratic_run", "explorer_figure",
           "schedule_explorer", "ScheduleExplorer"]

SCHEDULE_NAMES = ("constant", "step", "exponential", "1/t", "cosine", "linear", "inverse sqrt")


def make_schedule(name: str, lr0: float, total_steps: int, warmup_steps: int = 0):
    """Build a named schedule that spends ``total_steps`` updates in all.

    The secondary knobs are fixed so every schedule ends near or at a small rate:
    ``step`` divides by 10 at 1/3 and 2/3 of training; ``exponential`` ends at lr0/100;
    ``1/t`` reaches lr0/10 at the end; ``inverse sqrt`` holds lr0 for the first tenth.
    With ``warmup_steps > 0`` a linear ramp from 0 comes first and the schedule is sized for
    the steps that remain; ``inverse sqrt`` with a warm-up is the standard global-step form
    (ramp to ``lr0``, then ``lr0 * sqrt(warmup_steps / step)``).

    Returns
    -------
    callable step -> lr (works on ints and int arrays)
    """
    if name not in SCHEDULE_NAMES:
        raise ValueError(f"name must be one of {SCHEDULE_NAMES}; got {name!r}")
    lr0 = check_positive(lr0, "lr0")
    total_steps = check_int(total_steps, "total_steps", minimum=2)
    warmup_steps = check_int(warmup_steps, "warmup_steps", minimum=0)
    if warmup_steps >= total_steps:
        raise ValueError(f"warmup_steps must be < total_steps ({total_steps}); got {warmup_steps}")
    n = total_steps - warmup_steps
    builders = {
        "constant": lambda: schedules.constant(lr0),
        "step": lambda: schedules.step_decay(lr0, max(1, n // 3 + 1), gamma=0.1),
        "exponential": lambda: schedules.exponential(lr0, 0.01 ** (1.0 / n)),
        "1/t": lambda: schedules.inverse_time(lr0, 9.0 / n),
        "cosine": lambda: schedules.cosine(lr0, n),
        "linear": lambda: schedules.linear(lr0, n),
        "inverse sqrt": lambda: schedules.inverse_sqrt(lr0, max(1, n // 10)),
    }
    if name == "inverse sqrt" and warmup_steps:
        # the standard recipe keeps the global step: ramp to lr0, then lr0 * sqrt(w / step)
        return schedules.warmup(schedules.inverse_sqrt(lr0, warmup_steps), warmup_steps, restart=False)
    sched = builders[name]()
    return schedules.warmup(sched, warmup_steps) if warmup_steps else sched


def noisy_quadratic_run(schedule, total_steps: int, *, dim: int = 20, noise: float = 1.0,
                        seed: int = 0) -> np.ndarray:
    """SGD on ``f(w) = 0.5 * sum(h_i * w_i**2)`` with Gaussian gradient noise.

    Curvatures ``h`` are spread between 0.05 and 1 (shape (dim,)); the start is ``w = 3``
    in every coordinate. The same noise sequence is used for every schedule (fixed seed),
    so two runs differ only by their learning rates.

    Returns
    -------
    losses : array of shape (total_steps + 1,), the noise-free loss after each step
    """
    total_steps = check_int(total_steps, "total_steps", minimum=1)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = np.random.default_rng(seed)
    h = np.geomspace(0.05, 1.0, dim)
    w = np.full(dim, 3.0)
    state = None
    losses = [0.5 * float(h @ w**2)]
    for _ in range(total_steps):
        g = h * w + noise * rng.standard_normal(dim)
        w, state = optim.sgd(w, g, state, lr=schedule)
        losses.append(0.5 * float(h @ w**2))
    return np.array(losses)


def explorer_figure(name: str = "cosine", lr0: float = 0.5, total_steps: int = 300,
                    warmup_steps: int = 0):
    """Draw the explorer's two panels for one setting.

    Returns
    -------
    fig : matplotlib Figure (axes: schedule, loss curves)
    readout : dict with "lr" (array (total_steps,)), "losses" and "constant_losses"
        (arrays (total_steps + 1,)), "final_loss", "final_loss_constant" (mean loss over the
        last 10% of steps, which averages out the noise)
    """
    sched = make_schedule(name, lr0, total_steps, warmup_steps)
    const = schedules.constant(lr0)
    steps = np.arange(total_steps)
    lr = np.asarray(sched(steps), dtype=float)
    losses = noisy_quadratic_run(sched, total_steps)
    base = noisy_quadratic_run(const, total_steps)
    tail = max(1, total_steps // 10)
    readout = {"lr": lr, "losses": losses, "constant_losses": base,
               "final_loss": float(losses[-tail:].mean()),
               "final_loss_constant": float(base[-tail:].mean())}
    fig = standalone_figure((9.5, 3.5))
    ax_lr, ax_loss = fig.subplots(1, 2)
    label = name + (f" + {warmup_steps}-step warm-up" if warmup_steps else "")
    ax_lr.plot(steps, lr, color="#0072B2", linestyle="-", label=label)
    ax_lr.axhline(lr0, color="0.6", linestyle="--", linewidth=1, label="constant")
    ax_lr.set_xlabel("step")
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_title("Schedule")
    ax_lr.legend()
    ax_loss.plot(base, color="0.6", linestyle="--", label=f"constant (end {readout['final_loss_constant']:.3f})")
    ax_loss.plot(losses, color="#0072B2", linestyle="-", label=f"{name} (end {readout['final_loss']:.3f})")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss at the current weights (log)")
    ax_loss.set_title("SGD with noisy gradients on a quadratic")
    ax_loss.legend()
    return fig, readout



class ScheduleExplorer(Explorer):
    """The widget: ``.controls`` (dict), ``.output`` (Output with the figure), ``.figure``
    (last matplotlib Figure) and ``.readout`` (its numbers, see :func:`explorer_figure`)."""

    def __init__(self, name: str = "cosine", lr0: float = 0.5, total_steps: int = 300,
                 warmup_steps: int = 0):
        # two 300-step runs per redraw: report slider values on release only
        wide = {"continuous_update": False, "style": {"description_width": "initial"}}
        controls = {
            "schedule": widgets.Dropdown(options=list(SCHEDULE_NAMES), value=name,
                                         description="schedule"),
            "lr0": widgets.FloatLogSlider(value=lr0, base=10, min=-2.5, max=0.3, step=0.05,
                                          description="peak learning rate", **wide),
            "total_steps": widgets.IntSlider(value=total_steps, min=50, max=1000, step=50,
                                             description="steps", **wide),
            "warmup_steps": widgets.IntSlider(value=warmup_steps, min=0, max=200, step=10,
                                              description="warm-up steps", **wide),
        }
        rows = list(controls.values())
        super().__init__(controls, self._figure,
                         boxes=[widgets.HBox(rows[:2]), widgets.HBox(rows[2:])])

    @staticmethod
    def _figure(schedule: str, lr0: float, total_steps: int, warmup_steps: int):
        # the warm-up slider may exceed a short run: clip it to leave one decaying step
        return explorer_figure(schedule, lr0, total_steps, min(warmup_steps, total_steps - 1))


def schedule_explorer(name: str = "cosine", lr0: float = 0.5, total_steps: int = 300,
                      warmup_steps: int = 0) -> ScheduleExplorer:
    """Build the schedule explorer (see the module docstring)."""
    make_schedule(name, lr0, total_steps, warmup_steps)  # validates the arguments early
    return ScheduleExplorer(name, lr0, total_steps, warmup_steps)
