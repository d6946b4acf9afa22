"""Learning-rate schedules: constructors that return a function ``schedule(step) -> lr``.

``step`` counts optimizer updates from 0 (the first update uses ``schedule(0)``). A schedule
accepts a Python int or an integer array of any shape and returns a float or a float array
of the same shape, so a whole curve can be drawn with ``schedule(np.arange(n))``.

Every schedule can be passed as ``lr=`` to the rules in :mod:`dlhelpers.optim`, which call it
with the number of updates already made.

Where torch has the same schedule the values agree with ``torch.optim.lr_scheduler`` stepped
once per update: ``step_decay`` with ``StepLR``, ``exponential`` with ``ExponentialLR``,
``cosine`` with ``CosineAnnealingLR`` (for ``step <= total_steps``), ``linear`` with
``LinearLR``, ``warmup(s, ...)`` with ``SequentialLR([LinearLR, s])``.

Warm-up comes in two forms. ``warmup(s, w)`` restarts the wrapped schedule's clock after the
ramp (what ``SequentialLR`` does; right for a cosine sized to the steps left). The
inverse-square-root recipes of the Transformer paper, fairseq and T5 instead keep the *global*
step: ``warmup(inverse_sqrt(peak, w), w, restart=False)`` ramps to ``peak`` and then follows
``peak * sqrt(w / step)``, and :func:`noam` is the paper's own formula
``d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from dlhelpers._checks import check_int, check_positive

__all__ = [
    "constant",
    "cosine",
    "exponential",
    "inverse_sqrt",
    "inverse_time",
    "linear",
    "noam",
    "step_decay",
    "warmup",
]

Schedule = Callable[[int | np.ndarray], float | np.ndarray]


def _steps(step) -> np.ndarray:
    """Validate ``step`` (int or int array, all >= 0) and return it as an int64 array."""
    if isinstance(step, bool):
        raise TypeError(f"step must be an integer or an integer array; got {step!r}")
    arr = np.asarray(step)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"step must be an integer or an integer array; got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"step must be >= 0 (steps count updates from 0); got {int(arr.min())}")
    return arr.astype(np.int64)


def _out(values: np.ndarray) -> float | np.ndarray:
    """Return a Python float for scalar input, the array otherwise."""
    values = np.asarray(values, dtype=np.float64)
    return float(values) if values.ndim == 0 else values


def _evaluate(schedule: Schedule, steps: np.ndarray) -> np.ndarray:
    """Call ``schedule`` on an int array; fall back to one call per step for scalar-only ones."""
    if steps.ndim == 0:
        return np.asarray(float(schedule(int(steps))))
    try:
        values = np.asarray(schedule(steps), dtype=np.float64)
        if values.shape == steps.shape:
            return values
    except (TypeError, ValueError):
        pass
    return np.array([float(schedule(int(s))) for s in steps.ravel()]).reshape(steps.shape)


def _named(fn, description: str):
    fn.__name__ = fn.__qualname__ = description
    fn.__doc__ = f"Learning rate at update ``step`` (int or int array): {description}."
    return fn


def constant(lr: float) -> Schedule:
    """Always ``lr``.

    Returns
    -------
    schedule : callable, ``step -> lr``; arrays of steps give arrays of the same shape.
    """
    lr = check_positive(lr, "lr")

    def schedule(step):
        return _out(np.full(_steps(step).shape, lr))

    return _named(schedule, f"constant({lr})")


def step_decay(lr0: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """Multiply by ``gamma`` every ``step_size`` updates: ``lr0 * gamma ** (step // step_size)``.

    Same values as ``torch.optim.lr_scheduler.StepLR(step_size, gamma)``.
    """
    lr0 = check_positive(lr0, "lr0")
    step_size = check_int(step_size, "step_size", minimum=1)
    gamma = check_positive(gamma, "gamma")

    def schedule(step):
        return _out(lr0 * np.power(gamma, (_steps(step) // step_size).astype(np.float64)))

    return _named(schedule, f"step_decay({lr0}, step_size={step_size}, gamma={gamma})")


def exponential(lr0: float, gamma: float) -> Schedule:
    """Multiply by ``gamma`` after every update: ``lr0 * gamma ** step`` (torch ``ExponentialLR``)."""
    lr0 = check_positive(lr0, "lr0")
    gamma = check_positive(gamma, "gamma")

    def schedule(step):
        return _out(lr0 * np.power(gamma, _steps(step).astype(np.float64)))

    return _named(schedule, f"exponential({lr0}, gamma={gamma})")


def inverse_time(lr0: float, decay_rate: float, decay_steps: int = 1) -> Schedule:
    """The 1/t schedule: ``lr0 / (1 + decay_rate * step / decay_steps)``.

    ``decay_steps`` sets the time unit: after ``decay_steps`` updates the rate has fallen to
    ``lr0 / (1 + decay_rate)``.
    """
    lr0 = check_positive(lr0, "lr0")
    decay_rate = check_positive(decay_rate, "decay_rate", allow_zero=True)
    decay_steps = check_int(decay_steps, "decay_steps", minimum=1)

    def schedule(step):
        return _out(lr0 / (1.0 + decay_rate * _steps(step) / decay_steps))

    return _named(schedule, f"inverse_time({lr0}, decay_rate={decay_rate}, decay_steps={decay_steps})")


def cosine(lr0: float, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Half a cosine from ``lr0`` at step 0 down to ``lr_min`` at ``total_steps``, then flat.

    ``lr_min + (lr0 - lr_min) * (1 + cos(pi * step / total_steps)) / 2`` for
    ``step <= total_steps`` and ``lr_min`` afterwards. (torch's ``CosineAnnealingLR`` gives the
    same values up to ``total_steps`` but then climbs back up; we hold the floor instead.)
    """
    lr0 = check_positive(lr0, "lr0")
    total_steps = check_int(total_steps, "total_steps", minimum=1)
    lr_min = check_positive(lr_min, "lr_min", allow_zero=True)
    if lr_min > lr0:
        raise ValueError(f"lr_min must be <= lr0 = {lr0}; got {lr_min}")

    def schedule(step):
        frac = np.minimum(_steps(step), total_steps) / total_steps
        return _out(lr_min + (lr0 - lr_min) * 0.5 * (1.0 + np.cos(math.pi * frac)))

    return _named(schedule, f"cosine({lr0}, total_steps={total_steps}, lr_min={lr_min})")


def linear(lr0: float, total_steps: int, lr_end: float = 0.0) -> Schedule:
    """Straight line from ``lr0`` at step 0 to ``lr_end`` at ``total_steps``, then flat.

    Same values as ``LinearLR(start_factor=1, end_factor=lr_end/lr0, total_iters=total_steps)``.
    """
    lr0 = check_positive(lr0, "lr0")
    total_steps = check_int(total_steps, "total_steps", minimum=1)
    lr_end = check_positive(lr_end, "lr_end", allow_zero=True)

    def schedule(step):
        frac = np.minimum(_steps(step), total_steps) / total_steps
        return _out(lr0 + (lr_end - lr0) * frac)

    return _named(schedule, f"linear({lr0}, total_steps={total_steps}, lr_end={lr_end})")


def inverse_sqrt(lr0: float, warmup_steps: int) -> Schedule:
    """Flat at ``lr0`` for ``warmup_steps`` updates, then decaying like ``1/sqrt(step)``.

    ``lr0 * sqrt(warmup_steps / max(step, warmup_steps))`` (the "rsqrt" schedule of T5). The
    curve is continuous at ``warmup_steps``. It holds the rate flat rather than ramping; for a
    ramp followed by the decay, wrap a schedule with :func:`warmup`.
    """
    lr0 = check_positive(lr0, "lr0")
    warmup_steps = check_int(warmup_steps, "warmup_steps", minimum=1)

    def schedule(step):
        return _out(lr0 * np.sqrt(warmup_steps / np.maximum(_steps(step), warmup_steps)))

    return _named(schedule, f"inverse_sqrt({lr0}, warmup_steps={warmup_steps})")


def warmup(schedule: Schedule, warmup_steps: int, start_factor: float = 0.0, *,
           restart: bool = True) -> Schedule:
    """Linear warm-up for ``warmup_steps`` updates, then ``schedule``.

    ``restart=True`` (the default): the ramp climbs in a straight line from
    ``start_factor * schedule(0)`` at step 0 towards ``schedule(0)``; at step ``warmup_steps``
    the wrapped schedule takes over *at its own step 0*, i.e.
    ``result(step) = schedule(step - warmup_steps)``. A cosine over ``total_steps`` therefore
    finishes at ``warmup_steps + total_steps``: size the wrapped schedule for the steps left
    after warm-up. This is what torch's ``SequentialLR([LinearLR(start_factor, 1.0,
    warmup_steps), wrapped], milestones=[warmup_steps])`` computes.

    ``restart=False``: the wrapped schedule keeps the *global* step. The ramp climbs towards
    ``schedule(warmup_steps)`` (so the curve is continuous) and from step ``warmup_steps`` on
    ``result(step) = schedule(step)``. This is the warm-up of the inverse-square-root recipes
    (Transformer, fairseq's ``inverse_sqrt``, T5): ``warmup(inverse_sqrt(peak, w), w,
    restart=False)`` rises to ``peak`` at step ``w`` and then equals ``peak * sqrt(w / step)``.
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be a callable step -> lr; got {type(schedule).__name__}")
    warmup_steps = check_int(warmup_steps, "warmup_steps", minimum=1)
    start_factor = check_positive(start_factor, "start_factor", allow_zero=True)
    if start_factor > 1.0:
        raise ValueError(f"start_factor must lie in [0, 1]; got {start_factor}")
    if not isinstance(restart, bool):
        raise TypeError(f"restart must be True or False; got {restart!r}")
    peak = float(schedule(0)) if restart else float(schedule(warmup_steps))
    offset = warmup_steps if restart else 0

    def wrapped(step):
        steps = _steps(step)
        ramp = peak * (start_factor + (1.0 - start_factor) * np.minimum(steps, warmup_steps) / warmup_steps)
        after = _evaluate(schedule, np.maximum(steps - offset, 0))
        return _out(np.where(steps < warmup_steps, ramp, after))

    inner = getattr(schedule, "__name__", "schedule")
    clock = "" if restart else ", restart=False"
    return _named(wrapped, f"warmup({inner}, warmup_steps={warmup_steps}, start_factor={start_factor}{clock})")


def noam(d_model: int, warmup_steps: int, scale: float = 1.0) -> Schedule:
    """The Transformer paper's warm-up + inverse-square-root schedule, on the global step.

    ``scale * d_model**-0.5 * min(s**-0.5, s * warmup_steps**-1.5)`` with ``s = step + 1``
    (the paper counts updates from 1; our steps count from 0). The rate climbs linearly for
    ``warmup_steps`` updates to its peak ``scale * (d_model * warmup_steps)**-0.5`` and then
    falls like ``1/sqrt(s)``. Up to that one-step shift it is
    ``warmup(inverse_sqrt(peak, warmup_steps), warmup_steps, restart=False)``; OpenNMT and
    ESPnet call it the "noam" schedule.
    """
    d_model = check_int(d_model, "d_model", minimum=1)
    warmup_steps = check_int(warmup_steps, "warmup_steps", minimum=1)
    scale = check_positive(scale, "scale")

    def schedule(step):
        s = (_steps(step) + 1).astype(np.float64)
        return _out(scale * d_model ** -0.5 * np.minimum(s ** -0.5, s * warmup_steps ** -1.5))

    return _named(schedule, f"noam(d_model={d_model}, warmup_steps={warmup_steps}, scale={scale})")
