# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false}
# # Homework 2: optimizers and learning-rate schedules
#
# Every network you train is moved downhill by an *update rule*. In this homework you write the
# rules yourself, race them on a badly conditioned bowl, and then use one of them to train a
# small network on real handwritten digits.
#
# | part | what you write | points |
# |---|---|---|
# | 1 | SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW | 42 |
# | 2 | step decay, cosine, and warm-up followed by cosine | 14 |
# | 3 | a driver that runs a rule, and steps-to-tolerance for the race | 10 |
# | 4 | a mini-batch training loop, and settings that reach the accuracy target | 22 |
# | 5 | two short written answers (graded by hand) | 12 |
#
# **How this notebook works.** Write code only where it says `# YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and type your written answers where it says
# `YOUR ANSWER HERE`. Every other cell is read-only. After each function comes a test cell:
# run it. It checks types, shapes and one small value, and tells you what to fix. When you
# submit, the course grader runs your notebook, then checks each function itself, in its own
# process, with **more tests** (other shapes, fresh random inputs and hyperparameters at every
# grading, many steps in a row, edge cases such as a zero gradient, the accuracy target); each
# test cell then shows the grader's verdict and your points. Passing the visible tests is
# necessary but not sufficient.
#
# Rules the grader enforces:
# - Use numpy only. `dlhelpers.optim`, `dlhelpers.schedules` and `dlhelpers.landscapes` hold the
#   course's own solutions: a function that calls them earns 0 for that part.
# - Do not rename functions or change their arguments; do not edit or delete test cells (they
#   are restored before grading).
# - Never modify an array you were given (`w`, `dw`, the arrays inside `state`, the
#   parameters): build new ones. The grader checks.
# - The whole notebook should run in well under a minute (**Kernel > Restart and Run All**
#   before you submit). Training is limited to 10 epochs.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import math

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers import grading  # noqa: F401 (the tests use it; imported before any of your code runs)
from dlhelpers.data import load_digits

np.set_printoptions(precision=5, suppress=True)


# %% [markdown] nbgrader={"grade": false, "grade_id": "part1_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: update rules (42 points)
#
# Every rule has the same signature:
#
# ```python
# w_new, state = rule(w, dw, state, lr=..., **hyperparameters)
# ```
#
# - `w` is a parameter array of any shape and `dw` the gradient of the loss with respect to it
#   (same shape).
# - `state` holds what the rule must remember between steps. It is `None` on the first call:
#   then start every running quantity at zero. Return the new state; the caller passes it back
#   in on the next call. Return a **new** dict with **new** arrays, and leave the dict you were
#   given untouched (a caller may keep old states, as the grader does).
# - `lr` is a positive float, the learning rate of this step.
#
# With $g$ the gradient, $t = 1, 2, \dots$ the number of the update, and every operation taken
# element by element:
#
# | rule | state | update |
# |---|---|---|
# | SGD | `{}` (nothing) | $w \leftarrow w - \eta\, g$ |
# | momentum | `{"v"}` | $v \leftarrow \rho v + g$, then $w \leftarrow w - \eta\, v$ |
# | Nesterov | `{"v"}` | $v \leftarrow \rho v + g$, then $w \leftarrow w - \eta\,(g + \rho v)$ |
# | AdaGrad | `{"s"}` | $s \leftarrow s + g^2$, then $w \leftarrow w - \eta\, g / (\sqrt{s} + \epsilon)$ |
# | RMSProp | `{"s"}` | $s \leftarrow \delta s + (1-\delta) g^2$, then $w \leftarrow w - \eta\, g / (\sqrt{s} + \epsilon)$ |
# | Adam | `{"m", "v", "t"}` | $m \leftarrow \beta_1 m + (1-\beta_1) g$, $v \leftarrow \beta_2 v + (1-\beta_2) g^2$, $\hat m = m / (1-\beta_1^t)$, $\hat v = v / (1-\beta_2^t)$, $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ |
# | AdamW | `{"m", "v", "t"}` | $w \leftarrow w\,(1 - \eta\lambda)$, then the Adam step computed from $g$ alone |
#
# The momentum line is the course's convention (it is also what `torch.optim.SGD` computes):
# the velocity $v$ adds up gradients and the learning rate multiplies the whole velocity.
# Nesterov's line is the look-ahead method written so that the gradient is taken at the current
# `w`. In Adam, `"t"` counts the updates already made: it is 0 in a fresh state and becomes 1
# during the first call. Note where $\epsilon$ goes: **outside** the square root.

# %% nbgrader={"grade": false, "grade_id": "sgd", "locked": false, "schema_version": 3, "solution": true}
def sgd(w, dw, state=None, *, lr):
    """Plain gradient descent: w - lr * dw.

    Parameters
    ----------
    w : ndarray of any shape
        Parameters (not modified).
    dw : ndarray, same shape as w
        Gradient of the loss with respect to w (not modified).
    state : dict or None
        None on the first call; SGD remembers nothing, so return an empty dict.
    lr : float
        Learning rate.

    Returns
    -------
    w_new : ndarray, same shape as w
    state : dict
        {} (empty).
    """
    ### BEGIN SOLUTION
    return w - lr * dw, {}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sgd", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# Graded (3 points): 2 the iterates over many steps, 1 the state as documented, a new dict with
# new arrays, inputs left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, -2.0]), np.array([0.5, 4.0])
_out = _run(sgd, _w, _dw, None, lr=0.1)
G.assert_true(isinstance(_out, tuple) and len(_out) == 2, "sgd must return a pair (w_new, state).")
G.assert_close(_out[0], [0.95, -2.4], name="sgd step from w = [1, -2] with dw = [0.5, 4], lr = 0.1",
               hint="w_new = w - lr * dw.")
G.assert_true(_out[1] == {}, "sgd's state is an empty dict {}.")
G.assert_close(_w, [1.0, -2.0], rtol=0, atol=0, name="w after the call",
               hint="Do not modify w in place (w -= ...): return a new array.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "momentum", "locked": false, "schema_version": 3, "solution": true}
def momentum(w, dw, state=None, *, lr, rho=0.9):
    """SGD with momentum, course convention: v = rho * v + dw, then w - lr * v.

    Parameters
    ----------
    w : ndarray of any shape
    dw : ndarray, same shape as w
    state : dict or None
        None on the first call (the velocity starts at zero), then {"v": velocity}.
    lr : float
    rho : float in [0, 1)
        How much of the previous velocity is kept.

    Returns
    -------
    w_new : ndarray, same shape as w
    state : dict
        {"v": ndarray of the shape of w}, a new dict and a new array.
    """
    ### BEGIN SOLUTION
    v = np.zeros_like(w, dtype=float) if state is None else state["v"]
    v = rho * v + dw
    return w - lr * v, {"v": v}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_momentum", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 4 the iterates over many steps, 2 the state as documented, a new dict with
# new arrays, inputs left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, 2.0]), np.array([0.5, -1.0])
_w1, _s1 = _run(momentum, _w, _dw, None, lr=0.1, rho=0.9)
G.assert_close(_w1, [0.95, 2.1], name="first momentum step",
               hint="The velocity starts at 0, so the first step is a plain SGD step.")
G.assert_true(isinstance(_s1, dict) and "v" in _s1, 'momentum must return the state {"v": velocity}.')
_w2, _s2 = _run(momentum, _w1, _dw, _s1, lr=0.1, rho=0.9)
G.assert_close(_w2, [0.855, 2.29], name="second momentum step with the same gradient",
               hint="v = 0.9 * v + dw = 1.9 * dw, then w = w - lr * v.")
G.assert_close(_s1["v"], _dw, name="the first state, after the second call",
               hint='state["v"] is the velocity v = rho * v + dw (no lr in it), and each call '
                    'must build a new array instead of updating the old one in place.')
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "nesterov", "locked": false, "schema_version": 3, "solution": true}
def nesterov(w, dw, state=None, *, lr, rho=0.9):
    """Nesterov momentum: v = rho * v + dw, then w - lr * (dw + rho * v).

    Parameters and returns are those of momentum: w and dw of the same (any) shape,
    state None or {"v": ndarray shaped like w}, lr float, rho in [0, 1).
    """
    ### BEGIN SOLUTION
    v = np.zeros_like(w, dtype=float) if state is None else state["v"]
    v = rho * v + dw
    return w - lr * (dw + rho * v), {"v": v}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_nesterov", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 4 the iterates over many steps, 2 the state as documented, a new dict with
# new arrays, inputs left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, 2.0]), np.array([0.5, -1.0])
_w1, _s1 = _run(nesterov, _w, _dw, None, lr=0.1, rho=0.9)
G.assert_close(_w1, [0.905, 2.19], name="first Nesterov step",
               hint="v = dw on the first step, then w - lr * (dw + rho * v) = w - 0.19 * dw.")
G.assert_true(isinstance(_s1, dict) and "v" in _s1, 'nesterov must return the state {"v": velocity}.')
_w2, _ = _run(nesterov, _w1, _dw, _s1, lr=0.1, rho=0.9)
G.assert_close(_w2, [0.7695, 2.461], name="second Nesterov step with the same gradient")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "adagrad", "locked": false, "schema_version": 3, "solution": true}
def adagrad(w, dw, state=None, *, lr, eps=1e-10):
    """AdaGrad: s = s + dw**2, then w - lr * dw / (sqrt(s) + eps).

    Parameters
    ----------
    w : ndarray of any shape
    dw : ndarray, same shape as w
    state : dict or None
        None on the first call, then {"s": running sum of squared gradients}.
    lr : float
    eps : float
        Added after the square root, so a coordinate whose gradients were all 0 does not move.

    Returns
    -------
    w_new : ndarray, same shape as w
    state : dict
        {"s": ndarray of the shape of w}.
    """
    ### BEGIN SOLUTION
    s = np.zeros_like(w, dtype=float) if state is None else state["s"]
    s = s + dw * dw
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_adagrad", "locked": true, "points": 5, "schema_version": 3, "solution": false}
# Graded (5 points): 3 the iterates over many steps, 2 the state as documented, a new dict with
# new arrays, inputs left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, 1.0]), np.array([3.0, -4.0])
_w1, _s1 = _run(adagrad, _w, _dw, None, lr=0.5)
G.assert_close(_w1, [0.5, 1.5], name="first AdaGrad step",
               hint="After one step s = dw**2, so each coordinate moves by lr * dw / |dw| = lr.")
G.assert_true(isinstance(_s1, dict) and "s" in _s1, 'adagrad must return the state {"s": ...}.')
_w2, _ = _run(adagrad, _w1, _dw, _s1, lr=0.5)
G.assert_close(_w2, [0.5 - 0.5 / 2 ** 0.5, 1.5 + 0.5 / 2 ** 0.5], name="second AdaGrad step",
               hint="s = 2 * dw**2 now, so the step shrinks by a factor sqrt(2).")
G.assert_close(_s1["s"], _dw ** 2, name="the first state, after the second call",
               hint="Leave the state you are given unchanged: build a new dict and a new array "
                    "(s = s + dw**2, not s += dw**2 or state['s'] = ...).")
G.assert_close(_run(adagrad, np.zeros(1), np.array([1e-6]), None, lr=0.5)[0], [-0.5 / (1 + 1e-4)],
               rtol=1e-9, name="first AdaGrad step for dw = 1e-6",
               hint="eps goes after the square root: dw / (sqrt(s) + eps).")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "rmsprop", "locked": false, "schema_version": 3, "solution": true}
def rmsprop(w, dw, state=None, *, lr, decay=0.99, eps=1e-8):
    """RMSProp: s = decay * s + (1 - decay) * dw**2, then w - lr * dw / (sqrt(s) + eps).

    Parameters
    ----------
    w : ndarray of any shape
    dw : ndarray, same shape as w
    state : dict or None
        None on the first call, then {"s": moving average of squared gradients}.
    lr : float
    decay : float in [0, 1)
    eps : float

    Returns
    -------
    w_new : ndarray, same shape as w
    state : dict
        {"s": ndarray of the shape of w}.
    """
    ### BEGIN SOLUTION
    s = np.zeros_like(w, dtype=float) if state is None else state["s"]
    s = decay * s + (1.0 - decay) * dw * dw
    return w - lr * dw / (np.sqrt(s) + eps), {"s": s}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_rmsprop", "locked": true, "points": 5, "schema_version": 3, "solution": false}
# Graded (5 points): 3 the iterates over many steps, 2 the state as documented, a new dict with
# new arrays, inputs left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, 1.0]), np.array([3.0, -4.0])
_w1, _s1 = _run(rmsprop, _w, _dw, None, lr=0.01, decay=0.9)
G.assert_close(_w1, [1.0 - 0.01 * 10 ** 0.5, 1.0 + 0.01 * 10 ** 0.5], name="first RMSProp step",
               hint="After one step s = 0.1 * dw**2, so every coordinate moves by lr / sqrt(0.1).")
G.assert_true(isinstance(_s1, dict) and "s" in _s1, 'rmsprop must return the state {"s": ...}.')
_run(rmsprop, _w1, _dw, _s1, lr=0.01, decay=0.9)
G.assert_close(_s1["s"], 0.1 * _dw ** 2, name="the first state, after the second call",
               hint="Leave the state you are given unchanged: build a new dict and a new array.")
G.assert_close(_run(rmsprop, np.zeros(1), np.array([1e-6]), None, lr=0.01)[0],
               [-0.01 * 1e-6 / (1e-7 + 1e-8)], rtol=1e-9, name="first RMSProp step for dw = 1e-6",
               hint="eps goes after the square root: dw / (sqrt(s) + eps).")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "adam", "locked": false, "schema_version": 3, "solution": true}
def adam(w, dw, state=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with bias correction.

    Parameters
    ----------
    w : ndarray of any shape
    dw : ndarray, same shape as w
    state : dict or None
        None on the first call, then {"m": first moment, "v": second moment,
        "t": number of updates made so far (int)}.
    lr : float
    beta1, beta2 : float in [0, 1)
        Decay rates of the two moving averages.
    eps : float
        Added after the square root of the corrected second moment.

    Returns
    -------
    w_new : ndarray, same shape as w
    state : dict
        {"m": ndarray like w, "v": ndarray like w, "t": int}.
    """
    ### BEGIN SOLUTION
    if state is None:
        state = {"m": np.zeros_like(w, dtype=float), "v": np.zeros_like(w, dtype=float), "t": 0}
    t = state["t"] + 1
    m = beta1 * state["m"] + (1.0 - beta1) * dw
    v = beta2 * state["v"] + (1.0 - beta2) * dw * dw
    m_hat = m / (1.0 - beta1 ** t)
    v_hat = v / (1.0 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_adam", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 7 the iterates over many steps, 3 the state as documented, a new dict
# with new arrays, inputs left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, -2.0, 0.5]), np.array([0.1, -3.0, 20.0])
_w1, _s1 = _run(adam, _w, _dw, None, lr=0.01)
G.assert_close(_w1, [0.99, -1.99, 0.49], name="first Adam step",
               hint="With bias correction m_hat = dw and v_hat = dw**2 after one step, so every "
                    "coordinate moves by lr against the sign of its gradient.")
G.assert_true(isinstance(_s1, dict) and {"m", "v", "t"} <= set(_s1),
              'adam must return the state {"m": ..., "v": ..., "t": ...}.')
G.assert_true(_s1["t"] == 1, f"state['t'] counts the updates made: 1 after the first call, got {_s1['t']!r}.")
_saved = {_k: np.array(_v, copy=True) for _k, _v in _s1.items()}
G.assert_true(_run(adam, _w1, _dw, _s1, lr=0.01)[1]["t"] == 2,
              "state['t'] counts the updates made: 2 after the second call (t = state['t'] + 1).")
G.assert_true(all(np.array_equal(_s1[_k], _saved[_k]) for _k in _saved),
              "adam must leave the state it is given unchanged: return a new dict with new "
              "arrays (no state[...] = ..., state.update(...) or m *= ...).")
G.assert_close(_run(adam, np.zeros(1), np.array([1e-6]), None, lr=0.01)[0], [-0.01 / 1.01],
               rtol=1e-9, name="first Adam step for dw = 1e-6",
               hint="eps goes after the square root of v_hat: m_hat / (sqrt(v_hat) + eps).")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "adamw", "locked": false, "schema_version": 3, "solution": true}
def adamw(w, dw, state=None, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW: shrink w by the factor (1 - lr * weight_decay), then take the Adam step.

    The Adam step (moments, bias correction, eps) is computed from dw alone: the decay never
    enters m or v. You may call your own adam function.

    Parameters
    ----------
    w : ndarray of any shape
    dw : ndarray, same shape as w
    state : dict or None
        As for adam: None, then {"m", "v", "t"}.
    lr, beta1, beta2, eps : float
        As for adam.
    weight_decay : float >= 0
        The decoupled decay coefficient lambda.

    Returns
    -------
    w_new : ndarray, same shape as w
    state : dict
        {"m": ndarray like w, "v": ndarray like w, "t": int}.
    """
    ### BEGIN SOLUTION
    stepped, state = adam(w, dw, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    # adam's step does not depend on w, so shrinking first equals shrinking w then stepping
    return stepped - lr * weight_decay * w, state
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_adamw", "locked": true, "points": 7, "schema_version": 3, "solution": false}
# Graded (7 points): 7 the iterates over many steps (graded against your own adam's step, so an
# Adam mistake is not charged again).
from dlhelpers import grading as G

_run = G.call_student


_w, _dw = np.array([1.0, -2.0]), np.array([0.5, 0.5])
_w1, _s1 = _run(adamw, _w, _dw, None, lr=0.1, weight_decay=0.1)
G.assert_close(_w1, [0.89, -2.08], name="first AdamW step",
               hint="w * (1 - lr * weight_decay) = [0.99, -1.98], then the Adam step of size lr = 0.1.")
G.assert_true(isinstance(_s1, dict) and {"m", "v", "t"} <= set(_s1),
              'adamw must return the state {"m": ..., "v": ..., "t": ...}.')
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "rules_compare", "locked": true, "schema_version": 3, "solution": false}
# Comparison: 50 steps from w = 0 with the same constant gradient, whose three coordinates
# differ in scale by a factor 1000 each. How far has each coordinate moved?
g = np.array([1e-3, 1.0, 1e3])
settings = {"sgd": (sgd, {}), "momentum": (momentum, {"rho": 0.9}),
            "nesterov": (nesterov, {"rho": 0.9}), "adagrad": (adagrad, {}),
            "rmsprop": (rmsprop, {}), "adam": (adam, {}), "adamw": (adamw, {})}
print(f"{'rule':10s} {'after 1 step':>30s}   {'after 50 steps':>30s}")
for name, (rule, extra) in settings.items():
    try:
        w, state, rows = np.zeros(3), None, []
        for step in range(50):
            w, state = rule(w, g, state, lr=0.01, **extra)
            if step in (0, 49):
                rows.append(" ".join(f"{-x:9.4g}" for x in w))
        print(f"{name:10s} {rows[0]:>30s}   {rows[1]:>30s}")
    except NotImplementedError:
        print(f"{name:10s} not written yet")
print("(distance moved, -w, per coordinate; gradient scales 0.001, 1, 1000; lr = 0.01)")


# %% [markdown] nbgrader={"grade": false, "grade_id": "rules_read", "locked": true, "schema_version": 3, "solution": false}
# Read the table. SGD moves each coordinate in proportion to its gradient: after 50 steps the
# small coordinate has hardly moved and the large one has gone 500 units. Momentum does the same
# but gathers speed, up to $1/(1-\rho) = 10$ times the SGD step once the velocity has filled.
# The adaptive rules divide by a running size of the gradient, so all three coordinates move
# alike whatever their scale: Adam by exactly `lr` per step; AdaGrad by `lr / sqrt(t)` at step
# `t`, because its sum of squares keeps growing; RMSProp by `lr / sqrt(1 - 0.99**t)`, ten times
# `lr` at first, because its average starts at zero and nothing corrects that. AdamW trails Adam
# slightly: its decay pulls the weights back towards zero.

# %% [markdown] nbgrader={"grade": false, "grade_id": "part2_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: learning-rate schedules (14 points)
#
# A schedule gives the learning rate as a function of the step, counted from 0 (the first update
# uses `step = 0`). Each function below takes an integer `step` and returns a Python `float`.
#
# - **Step decay**: multiply by `gamma` every `step_size` steps:
#   $\eta(s) = \eta_0\, \gamma^{\lfloor s / \text{step\_size} \rfloor}$.
# - **Cosine**: half a cosine wave from $\eta_0$ at step 0 down to $\eta_{min}$ at step $T$,
#   then flat at $\eta_{min}$:
#   $\eta(s) = \eta_{min} + \tfrac12 (\eta_0 - \eta_{min}) \left(1 + \cos\frac{\pi \min(s, T)}{T}\right)$.
# - **Warm-up, then cosine**: for the first $W$ steps the rate climbs in a straight line,
#   $\eta(s) = \eta_0\, s / W$ (so it is 0 at step 0); from step $W$ to step $T$ it follows
#   the cosine from $\eta_0$ down to $\eta_{min}$ over the remaining $T - W$ steps, then stays
#   at $\eta_{min}$. Here $T$ counts the whole run, warm-up included.
#
# Large early steps on freshly initialised weights can throw training off; warm-up starts gently
# and lets an adaptive rule's running averages fill up before the full rate is used.

# %% nbgrader={"grade": false, "grade_id": "step_decay", "locked": false, "schema_version": 3, "solution": true}
def step_decay_lr(step, lr0, step_size, gamma=0.1):
    """lr0 * gamma ** (step // step_size).

    Parameters
    ----------
    step : int >= 0
    lr0 : float
        Rate at step 0.
    step_size : int >= 1
        Number of steps between two decays.
    gamma : float
        Factor applied at each decay.

    Returns
    -------
    lr : float
    """
    ### BEGIN SOLUTION
    return float(lr0 * gamma ** (step // step_size))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_step_decay", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# Graded (4 points): 4 the rates at many steps.
from dlhelpers import grading as G

_run = G.call_student


G.assert_close(_run(step_decay_lr, 0, 0.1, 30), 0.1, name="step_decay_lr(0, 0.1, 30)")
G.assert_close(_run(step_decay_lr, 29, 0.1, 30), 0.1, name="step_decay_lr(29, 0.1, 30)",
               hint="The first decay happens at step 30, not before.")
G.assert_close(_run(step_decay_lr, 65, 0.1, 30, gamma=0.5), 0.025, name="step_decay_lr(65, 0.1, 30, gamma=0.5)",
               hint="65 // 30 = 2 decays: 0.1 * 0.5 ** 2.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "cosine", "locked": false, "schema_version": 3, "solution": true}
def cosine_lr(step, lr0, total_steps, lr_min=0.0):
    """Cosine decay from lr0 (step 0) to lr_min (step total_steps), then constant lr_min.

    Parameters
    ----------
    step : int >= 0
    lr0 : float
    total_steps : int >= 1
        The step at which lr_min is reached.
    lr_min : float

    Returns
    -------
    lr : float
    """
    ### BEGIN SOLUTION
    progress = min(step, total_steps) / total_steps
    return float(lr_min + 0.5 * (lr0 - lr_min) * (1.0 + np.cos(np.pi * progress)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_cosine", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# Graded (4 points): 3 the rates up to total_steps, 1 after total_steps.
from dlhelpers import grading as G

_run = G.call_student


G.assert_close(_run(cosine_lr, 0, 0.1, 100), 0.1, name="cosine_lr(0, 0.1, 100)")
G.assert_close(_run(cosine_lr, 50, 0.1, 100), 0.05, name="cosine_lr(50, 0.1, 100)",
               hint="Half way, cos(pi / 2) = 0, so the rate is half way between lr0 and lr_min.")
G.assert_close(_run(cosine_lr, 100, 0.1, 100), 0.0, atol=1e-12, name="cosine_lr(100, 0.1, 100)")
G.assert_close(_run(cosine_lr, 0, 1.0, 200, lr_min=0.01), 1.0, name="cosine_lr(0, 1.0, 200, lr_min=0.01)",
               hint="Step 0 gives lr0 whatever lr_min: lr_min + 0.5 * (lr0 - lr_min) * (1 + cos(0)).")
G.assert_close(_run(cosine_lr, 250, 1.0, 200, lr_min=0.01), 0.01, name="cosine_lr(250, 1.0, 200, lr_min=0.01)",
               hint="After total_steps the rate stays at lr_min (clamp the step at total_steps).")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "warmup_cosine", "locked": false, "schema_version": 3, "solution": true}
def warmup_cosine_lr(step, lr0, warmup_steps, total_steps, lr_min=0.0):
    """Linear warm-up from 0 to lr0 over warmup_steps, then cosine down to lr_min at total_steps.

    Parameters
    ----------
    step : int >= 0
    lr0 : float
        Peak rate, reached at step warmup_steps.
    warmup_steps : int >= 1
    total_steps : int > warmup_steps
        Length of the whole run (warm-up included); lr_min from this step on.
    lr_min : float

    Returns
    -------
    lr : float
    """
    ### BEGIN SOLUTION
    if step < warmup_steps:
        return float(lr0 * step / warmup_steps)
    return cosine_lr(step - warmup_steps, lr0, total_steps - warmup_steps, lr_min)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_warmup_cosine", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 3 the warm-up phase, 3 the cosine phase (graded against your own cosine_lr
# too).
from dlhelpers import grading as G

_run = G.call_student


G.assert_close(_run(warmup_cosine_lr, 0, 0.1, 10, 110), 0.0, atol=1e-15,
               name="warmup_cosine_lr(0, 0.1, 10, 110)", hint="Warm-up starts from 0 at step 0.")
G.assert_close(_run(warmup_cosine_lr, 5, 0.1, 10, 110), 0.05, name="warmup_cosine_lr(5, 0.1, 10, 110)")
G.assert_close(_run(warmup_cosine_lr, 10, 0.1, 10, 110), 0.1, name="warmup_cosine_lr(10, 0.1, 10, 110)",
               hint="At step warmup_steps the peak lr0 is reached and the cosine begins.")
G.assert_close(_run(warmup_cosine_lr, 60, 0.1, 10, 110), 0.05, name="warmup_cosine_lr(60, 0.1, 10, 110)",
               hint="The cosine runs over the remaining total_steps - warmup_steps = 100 steps.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "schedule_plot", "locked": true, "schema_version": 3, "solution": false}
# Comparison: the three schedules over a 300-step run.
steps = np.arange(301)
curves = {"step decay (every 100 steps, gamma 0.3)": lambda s: step_decay_lr(s, 0.1, 100, gamma=0.3),
          "cosine to 0.005": lambda s: cosine_lr(s, 0.1, 300, lr_min=0.005),
          "warm-up 30 steps, then cosine": lambda s: warmup_cosine_lr(s, 0.1, 30, 300, lr_min=0.005)}
fig, ax = plt.subplots(figsize=(7, 3.5))
for label, fn in curves.items():
    try:
        ax.plot(steps, [fn(int(s)) for s in steps], label=label)
    except NotImplementedError:
        print(f"{label}: not written yet")
ax.set_xlabel("step")
ax.set_ylabel("learning rate")
ax.set_title("Learning-rate schedules with lr0 = 0.1")
ax.legend(loc="upper right", fontsize=9)
plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "part3_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 3: a race on an ill-conditioned bowl (10 points)
#
# The loss $f(w) = \tfrac12 w^\top A w$ has its minimum at $w = 0$. The matrix $A$ below has
# curvatures 1 and 100 along two perpendicular directions, turned 30 degrees from the axes: the
# bowl is a long, narrow, tilted valley (condition number 100). Gradient descent must use a
# small learning rate to stay stable across the steep direction, so it crawls along the shallow
# one.
#
# Write two small functions, then run the race:
#
# - `run_rule(rule, grad_fn, w0, num_steps, **hparams)` starts from `w0` with `state = None`
#   and repeats `w, state = rule(w, grad_fn(w), state, **hparams)` for `num_steps` steps. It
#   returns every iterate, `w0` included, as one array of shape `(num_steps + 1, D)`.
# - `steps_to_tolerance(losses, tol)` returns the first index `i` with `losses[i] <= tol`
#   (index 0 is the starting point), or `None` if no loss ever gets there.

# %% nbgrader={"grade": false, "grade_id": "quadratic", "locked": true, "schema_version": 3, "solution": false}
angle = math.radians(30)
rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
A = rotation @ np.diag([1.0, 100.0]) @ rotation.T
w_start = np.array([-4.0, 2.0])


def quad_loss(w):
    # works on one point (2,) or a stack of points (..., 2)
    return 0.5 * np.einsum("...i,ij,...j->...", w, A, w)


def quad_grad(w):
    return A @ w


print("A =\n", A, "\nloss at the start:", quad_loss(w_start))


# %% nbgrader={"grade": false, "grade_id": "run_rule", "locked": false, "schema_version": 3, "solution": true}
def run_rule(rule, grad_fn, w0, num_steps, **hparams):
    """Apply an update rule num_steps times, starting from w0 with state None.

    Parameters
    ----------
    rule : callable
        rule(w, dw, state, **hparams) -> (w_new, state), as in Part 1.
    grad_fn : callable
        grad_fn(w) -> gradient of the loss at w, shape (D,).
    w0 : ndarray of shape (D,)
        Starting point (not modified).
    num_steps : int
    **hparams
        Passed on to every call of rule (lr=..., rho=..., ...).

    Returns
    -------
    path : ndarray of shape (num_steps + 1, D)
        path[0] is w0, path[k] the iterate after k steps.
    """
    ### BEGIN SOLUTION
    w, state = np.array(w0, dtype=float), None
    path = [w]
    for _ in range(num_steps):
        w, state = rule(w, grad_fn(w), state, **hparams)
        path.append(w)
    return np.array(path)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_run_rule", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 6 the path, the calls of the rule and w0 left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_path = _run(run_rule, lambda w, dw, s, lr: (w - lr * dw, s), lambda w: 2.0 * w,
             np.array([1.0, -2.0]), 3, lr=0.25)
_path = G.assert_shape(_path, (4, 2), "run_rule(..., num_steps=3) from a point of shape (2,)")
G.assert_close(_path[:, 0], [1.0, 0.5, 0.25, 0.125], name="first coordinate of the path",
               hint="path[0] is w0; each step is w = rule(w, grad_fn(w), state, **hparams)[0].")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "steps_to_tolerance", "locked": false, "schema_version": 3, "solution": true}
def steps_to_tolerance(losses, tol):
    """Index of the first loss at or below tol, or None if there is none.

    Parameters
    ----------
    losses : sequence or ndarray of shape (K,)
        Loss at each iterate; losses[0] is the loss at the start. May contain nan or inf
        (a rule that diverged), which never count as reaching tol.
    tol : float

    Returns
    -------
    steps : int or None
    """
    ### BEGIN SOLUTION
    hits = np.flatnonzero(np.asarray(losses, dtype=float) <= tol)
    return int(hits[0]) if hits.size else None
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_steps_to_tolerance", "locked": true, "points": 4, "schema_version": 3, "solution": false}
# Graded (4 points): 4 the index (or None), nan and inf included.
from dlhelpers import grading as G

_run = G.call_student


G.assert_true(_run(steps_to_tolerance, [5.0, 2.0, 0.5, 0.1, 0.01], 0.5) == 2,
              "steps_to_tolerance([5, 2, 0.5, 0.1, 0.01], 0.5) must be 2: the first loss <= tol is at index 2.")
G.assert_true(_run(steps_to_tolerance, [5.0, 2.0], 0.5) is None,
              "steps_to_tolerance must return None when no loss reaches tol.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "race", "locked": true, "schema_version": 3, "solution": false}
# The race: each rule with a learning rate tuned roughly by hand, 1000 steps from w_start.
TOL = 1e-6
contestants = {"SGD (lr 0.019)": (sgd, {"lr": 0.019}),
               "momentum (lr 0.01, rho 0.9)": (momentum, {"lr": 0.01, "rho": 0.9}),
               "Nesterov (lr 0.01, rho 0.9)": (nesterov, {"lr": 0.01, "rho": 0.9}),
               "AdaGrad (lr 3)": (adagrad, {"lr": 3.0}),
               "RMSProp (lr 0.03)": (rmsprop, {"lr": 0.03}),
               "Adam (lr 0.5)": (adam, {"lr": 0.5}),
               "AdamW (lr 0.5, decay 0.01)": (adamw, {"lr": 0.5, "weight_decay": 0.01})}
paths = {}
for label, (rule, hparams) in contestants.items():
    try:
        paths[label] = run_rule(rule, quad_grad, w_start, 1000, **hparams)
    except NotImplementedError:
        print(f"{label}: a function it needs is not written yet")
if paths:
    try:
        print(f"{'rule':30s} {'steps to loss <= 1e-6':>22s} {'loss after 1000 steps':>22s}")
        for label, path in paths.items():
            losses = quad_loss(path)
            steps = steps_to_tolerance(losses, TOL)
            print(f"{label:30s} {'never' if steps is None else steps:>22} {losses[-1]:22.2e}")
    except NotImplementedError:
        print("steps_to_tolerance is not written yet")
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    xs, ys = np.meshgrid(np.linspace(-5, 2.5, 200), np.linspace(-4.5, 3, 200))
    left.contour(xs, ys, quad_loss(np.stack([xs, ys], axis=-1)), levels=np.geomspace(1e-2, 800, 14),
                 colors="0.75", linewidths=0.7)
    for label, path in paths.items():
        left.plot(path[:150, 0], path[:150, 1], lw=0.9, marker=".", ms=2, label=label)
        right.semilogy(np.maximum(quad_loss(path), 1e-30), lw=1.2, label=label)
    left.plot(0, 0, "k*", ms=10)
    left.set_xlim(-5, 2.5)
    left.set_ylim(-4.5, 3)
    left.set_aspect("equal")
    left.set_xlabel("w[0]")
    left.set_ylabel("w[1]")
    left.set_title("The first 150 steps on the tilted bowl (star: minimum)")
    right.axhline(TOL, color="k", ls=":", lw=1, label="tolerance 1e-6")
    right.set_ylim(1e-14, 1e4)
    right.set_xlabel("step")
    right.set_ylabel("loss (log scale)")
    right.set_title("Loss against step")
    right.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "race_read", "locked": true, "schema_version": 3, "solution": false}
# Read the race before you move on. Plain SGD needs hundreds of steps: its learning rate is
# capped by the steep direction (above $2/100$ it diverges), so it crawls along the valley.
# Momentum and Nesterov build up speed along the valley floor and win clearly. The adaptive
# rules rescale each *coordinate*, but this valley is tilted, so its steep and shallow
# directions are not the coordinates: Adam gains little over SGD, AdaGrad's shrinking steps make
# it slower, and RMSProp, whose step never shrinks, reaches the tolerance late and then bounces
# back above it. (AdamW's decay happens to pull towards the minimum, which sits at 0.) On a
# network the picture changes, which is what Part 4 is about.

# %% [markdown] nbgrader={"grade": false, "grade_id": "part4_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 4: training a small network on digits (22 points)
#
# The cell below loads the 8x8 handwritten digits (1797 images, 10 classes), splits them into
# 1000 training, 400 validation and 397 test images, and defines a network with one hidden layer
# of 64 ReLU units: `network_loss(params, X, y)` returns the mean softmax cross-entropy and the
# gradient of every parameter, as a dict with the same keys and shapes as `params`. The network
# is given: your part is the optimizer.
#
# Write `train_network`. It uses **one** generator, `rng = np.random.default_rng(seed)`. In each
# epoch it draws `order = rng.permutation(N)` and visits the mini-batches `order[0:batch_size]`,
# `order[batch_size:2 * batch_size]`, ... in that order (the last one may be smaller). For each
# mini-batch, with `step` counting updates from 0 over the whole run:
#
# 1. `loss, grads = loss_fn(params, X[rows], y[rows])`;
# 2. the learning rate is `lr` if it is a number, or `lr(step)` if it is a function (a schedule
#    from Part 2);
# 3. every parameter is updated by `rule` with **its own state**:
#    `params[name], states[name] = rule(params[name], grads[name], states[name], lr=..., **hparams)`;
# 4. `float(loss)` is appended to the history.
#
# Do not modify the `params` dict you are given or its arrays: work on a copy of the dict (the
# rules already return new arrays).
#
# Then choose the settings: a rule of yours, its hyperparameters, a learning rate or schedule,
# the number of epochs (at most 10) and the batch size. Target: a validation accuracy of
# at least **0.95**. The grader retrains with your `settings` using your own
# functions, so keep them deterministic (all randomness comes from `seed`).

# %% nbgrader={"grade": false, "grade_id": "network", "locked": true, "schema_version": 3, "solution": false}
X_all, y_all = load_digits()  # X: (1797, 64) pixel values 0..16, y: (1797,) digits
order = np.random.default_rng(0).permutation(len(y_all))
X_all, y_all = X_all[order] / 16.0, y_all[order]
pixel_mean = X_all[:1000].mean(axis=0)
X_all = X_all - pixel_mean  # centred on the training images' mean
X_train, y_train = X_all[:1000], y_all[:1000]
X_val, y_val = X_all[1000:1400], y_all[1000:1400]
X_test, y_test = X_all[1400:], y_all[1400:]


def init_params(seed=0, hidden=64):
    """He-initialised weights of a 64 -> hidden -> 10 network: W1 (64, H), b1 (H,), W2 (H, 10), b2 (10,)."""
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0.0, math.sqrt(2.0 / 64), size=(64, hidden)), "b1": np.zeros(hidden),
            "W2": rng.normal(0.0, math.sqrt(2.0 / hidden), size=(hidden, 10)), "b2": np.zeros(10)}


def network_scores(params, X):
    """Class scores (N, 10) of the rows of X (N, 64)."""
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    return hidden @ params["W2"] + params["b2"]


def network_loss(params, X, y):
    """Mean softmax cross-entropy of (X (N, 64), y (N,)) and the gradient of every parameter."""
    pre = X @ params["W1"] + params["b1"]
    hidden = np.maximum(pre, 0.0)
    scores = hidden @ params["W2"] + params["b2"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_probs[rows, y].mean()
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= len(y)
    dhidden = (dscores @ params["W2"].T) * (pre > 0)
    grads = {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0),
             "W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
    return float(loss), grads


def accuracy(params, X, y):
    return float(np.mean(network_scores(params, X).argmax(axis=1) == y))


print("train", X_train.shape, "validation", X_val.shape, "test", X_test.shape)
print("untrained network: validation accuracy", accuracy(init_params(0), X_val, y_val))


# %% nbgrader={"grade": false, "grade_id": "train_network", "locked": false, "schema_version": 3, "solution": true}
def train_network(loss_fn, params, X, y, *, rule, lr, num_epochs, batch_size, seed=0, **hparams):
    """Mini-batch training with an update rule from Part 1.

    Parameters
    ----------
    loss_fn : callable
        loss_fn(params, X_batch, y_batch) -> (loss, grads), grads a dict like params.
    params : dict of str -> ndarray
        Initial parameters (neither the dict nor its arrays are modified).
    X : ndarray of shape (N, D)
    y : ndarray of int, shape (N,)
    rule : callable
        rule(w, dw, state, lr=..., **hparams) -> (w_new, state).
    lr : float or callable
        A learning rate, or a schedule step -> learning rate (step counts updates from 0).
    num_epochs : int
    batch_size : int
    seed : int
        Seed of the one generator that draws each epoch's permutation.
    **hparams
        Passed on to every call of rule.

    Returns
    -------
    params : dict of str -> ndarray
        The trained parameters (a new dict).
    history : list of float
        The mini-batch loss at each step, num_epochs * ceil(N / batch_size) entries.
    """
    rng = np.random.default_rng(seed)
    params = dict(params)
    states = {name: None for name in params}
    history = []
    ### BEGIN SOLUTION
    step = 0
    for _ in range(num_epochs):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            rows = order[start:start + batch_size]
            loss, grads = loss_fn(params, X[rows], y[rows])
            step_lr = lr(step) if callable(lr) else lr
            for name in params:
                params[name], states[name] = rule(params[name], grads[name], states[name],
                                                  lr=step_lr, **hparams)
            history.append(float(loss))
            step += 1
    ### END SOLUTION
    return params, history


# %% nbgrader={"grade": true, "grade_id": "test_train_network", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 4 steps and schedule calls, 3 batches from the seeded rng, 3 one state
# per parameter and params left unchanged.
from dlhelpers import grading as G

_run = G.call_student


_X = np.arange(10.0).reshape(10, 1)
_y = np.arange(10)
_p0 = {"W": np.zeros((1, 2)), "b": np.zeros(2)}
_out = _run(train_network, lambda p, Xb, yb: (1.0, {k: np.ones_like(v) for k, v in p.items()}),
            _p0, _X, _y, rule=lambda w, dw, state, lr: (w - lr * dw, state), lr=0.5,
            num_epochs=2, batch_size=4, seed=0)
G.assert_true(isinstance(_out, tuple) and len(_out) == 2, "train_network must return (params, history).")
G.assert_true(isinstance(_out[0], dict) and set(_out[0]) == {"W", "b"},
              "the trained params must be a dict with the same keys.")
G.assert_true(len(_out[1]) == 6, f"2 epochs of 10 rows in batches of 4 make 6 steps; history has {len(_out[1])}.")
G.assert_close(_out[0]["b"], [-3.0, -3.0], name="b after 6 steps of size 0.5 with gradient 1",
               hint="Update every parameter once per mini-batch.")
G.assert_true(set(_p0) == {"W", "b"} and not _p0["W"].any() and not _p0["b"].any(),
              "train_network must not modify the params dict it is given, nor its arrays: "
              "params = dict(params), then rebind params[name] = new array.")
_seen, _steps = [], []
_run(train_network, lambda p, Xb, yb: (_seen.append(Xb[:, 0].copy()) or 1.0,
                                       {k: np.ones_like(v) for k, v in p.items()}),
     _p0, _X, _y, rule=lambda w, dw, state, lr: (w - lr * dw, state),
     lr=lambda step: _steps.append(step) or 0.5, num_epochs=2, batch_size=4, seed=3)
G.assert_true(list(_steps) == list(range(6)), "the schedule must be called with steps 0, 1, ..., 5 "
              f"(one per update, counted across epochs); got {_steps}.")
G.assert_close(_seen[0], _X[np.random.default_rng(3).permutation(10)[:4], 0],
               name="the rows of the first batch with seed 3",
               hint="One rng = np.random.default_rng(seed) (given), one rng.permutation(N) per "
                    "epoch; never np.random.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "training_run", "locked": false, "schema_version": 3, "solution": true}
# Choose your settings: rule (one of your Part 1 functions), lr (a float, or a schedule
# step -> lr built from your Part 2 functions), num_epochs (at most 10), batch_size, and
# any hyperparameters of the rule (for example rho=0.9 or weight_decay=1e-4), all in one dict.
# With N = 1000 training images an epoch has ceil(1000 / batch_size) steps.
settings = None
### BEGIN SOLUTION
total_steps = 8 * 20  # 8 epochs of 20 batches of 50
settings = {"rule": adam, "lr": lambda step: cosine_lr(step, 0.01, total_steps),
            "num_epochs": 8, "batch_size": 50}
### END SOLUTION
trained_params, history = train_network(network_loss, init_params(0), X_train, y_train, seed=0,
                                        **settings)
val_acc = accuracy(trained_params, X_val, y_val)
print(f"{len(history)} steps, last loss {history[-1]:.4f}, validation accuracy {val_acc:.3f} "
      f"(target 0.95)")

# %% nbgrader={"grade": true, "grade_id": "test_training_run", "locked": true, "points": 12, "schema_version": 3, "solution": false}
# Graded (12 points): 4 valid settings, 8 the target 0.95 (the grader retrains with your
# settings).
from dlhelpers import grading as G

_run = G.call_student


G.check_integrity()
G.assert_true(isinstance(settings, dict) and {"rule", "lr", "num_epochs", "batch_size"} <= set(settings),
              "settings must be a dict with at least rule, lr, num_epochs and batch_size.")
G.assert_true(isinstance(settings["num_epochs"], int) and 1 <= settings["num_epochs"] <= 10,
              "num_epochs must be an int from 1 to 10.")
G.assert_true(not {"seed", "loss_fn", "params", "X", "y"} & set(settings),
              "settings holds only the rule, lr, num_epochs, batch_size and the rule's hyperparameters.")
G.require_own(settings["rule"], "settings['rule']")
G.assert_true(val_acc >= 0.95, f"validation accuracy {val_acc:.3f}; the grader retrains with "
              "your settings and needs 0.95. Try another rule, learning rate or schedule.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "training_plot", "locked": true, "schema_version": 3, "solution": false}
# Comparison: your settings against plain SGD (lr 0.1, batch 50) for the same number of epochs.
try:
    epochs = settings["num_epochs"]
    sgd_params, sgd_history = train_network(network_loss, init_params(0), X_train, y_train,
                                            rule=sgd, lr=0.1, num_epochs=epochs, batch_size=50)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for hist, label in ((sgd_history, "plain SGD, lr 0.1, batch 50"),
                        (history, f"your settings ({getattr(settings['rule'], '__name__', 'rule')})")):
        per_epoch = len(hist) / epochs
        ax.plot(np.arange(1, len(hist) + 1) / per_epoch, hist, lw=0.8, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mini-batch loss (log scale)")
    ax.set_title(f"Training a 64-64-10 network on 1000 digits, {epochs} epochs")
    ax.legend()
    plt.show()
    print(f"{'':28s} {'validation':>10s} {'test':>6s}")
    for label, p in (("plain SGD", sgd_params), ("your settings", trained_params)):
        print(f"{label:28s} {accuracy(p, X_val, y_val):10.3f} {accuracy(p, X_test, y_test):6.3f}")
    print("(the test set is looked at once, here, after the choice was made on validation)")
except (NotImplementedError, NameError, TypeError):
    print("train_network and the settings above are needed first")

# %% [markdown] nbgrader={"grade": false, "grade_id": "part5_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 5: written answers (12 points, graded by hand)
#
# Answer each question in the cell below it, in three to eight sentences. You may use numbers
# from this notebook (the table of Part 1 shows the first steps of every rule).

# %% [markdown] nbgrader={"grade": false, "grade_id": "q1_prompt", "locked": true, "schema_version": 3, "solution": false}
# **Question 1 (6 points): why does Adam correct its moments for bias?** Say what $m$ and $v$
# are right after the first update, with and without the correction, and how large the first
# step is in each case for the default $\beta_1 = 0.9$, $\beta_2 = 0.999$ (give the factor).
# Which of the two moments is biased for longer, and why? What would go wrong early in training
# without the correction?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q1_answer", "locked": false, "points": 6, "schema_version": 3, "solution": true}
# **Model answer.** Both moving averages start at zero, so early on they are pulled towards
# zero. After the first update $m_1 = (1-\beta_1) g = 0.1\,g$ and $v_1 = (1-\beta_2) g^2 =
# 0.001\,g^2$. In general $E[m_t] \approx (1-\beta_1^t)\,E[g]$ and
# $E[v_t] \approx (1-\beta_2^t)\,E[g^2]$, so dividing by those factors removes the bias: the
# corrected estimates after one step are exactly $g$ and $g^2$ and the first step is
# $\eta\,g/|g| = \eta$ per coordinate. Without correction the first step is
# $\eta \cdot 0.1 / \sqrt{0.001} \approx 3.16\,\eta$. The bias of $v$ lasts far longer: its
# factor $1-0.999^t$ needs about a thousand steps to approach 1, while $1 - 0.9^t$ is close to 1
# after a few dozen. So for hundreds of steps an uncorrected $v$ is too small, the denominator
# $\sqrt v$ too small, and the steps too large (exactly when the weights are freshly
# initialised and the gradients large), which can throw training off or force a smaller
# learning rate; with $\beta_1 = 0$ the uncorrected first step would be about $31.6\,\eta$.
#
# **Mark scheme (6).** 1: both moments start at 0, so the averages are biased towards 0.
# 1: the correction divides by $1-\beta^t$ (with $m_1 = 0.1g$, $v_1 = 0.001g^2$, corrected to
# $g$, $g^2$). 2: first step $\eta$ with correction and about $3.16\,\eta$ without (1 each).
# 1: $v$ is biased for longer because $\beta_2$ is closer to 1 (about 1000 steps against 10).
# 1: consequence: too-large early steps, instability or a forced smaller rate.

# %% [markdown] nbgrader={"grade": false, "grade_id": "q2_prompt", "locked": true, "schema_version": 3, "solution": false}
# **Question 2 (6 points): L2 penalty or decoupled weight decay?** With the course's L2
# convention (lesson 03), adding $\lambda\lVert w\rVert^2$ to the loss adds $2\lambda w$ to
# the gradient; the `weight_decay` $d$ of `adam` adds $d\,w$ (so $d = 2\lambda$), while
# `adamw` multiplies $w$ by $(1-\eta d)$ and steps on the data gradient alone. Compare the two
# inside Adam. Which weights are shrunk more and which less in each case, and where does each
# settle? Why are the two the same for plain SGD? What does `weight_decay` mean in
# `torch.optim.Adam`? Which would you use with Adam, and why?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q2_answer", "locked": false, "points": 6, "schema_version": 3, "solution": true}
# **Model answer.** With L2 inside Adam, $d\,w$ joins the gradient before the moments, so it is
# averaged into $m$ and divided by $\sqrt{\hat v}$ like the data gradient. A weight with a large
# gradient history has a large $\hat v$, so each step's decay is small: it is pulled towards
# zero slowly. Because the data pull and the decay are divided by the same $\sqrt{\hat v}$,
# where they balance is still the penalized (ridge) minimum, about $h/(h+d)$ of the free value
# for a weight of curvature $h$ (lessons 06 and 08). AdamW keeps the decay out of the adaptive
# part: every step multiplies each weight by $(1-\eta d)$ whatever its gradients, while the data
# step is still divided by $\sqrt{\hat v}$. A weight with noisy gradients (noise level
# $\sigma$, so a large $\sqrt{\hat v}$) has a weak data pull against the same decay and settles
# near $h/(h+d\sigma)$ of its free value: noisy weights are shrunk more, quiet ones barely at
# all (lesson 06 measures it). For plain SGD there is no per-coordinate denominator:
# $w - \eta(g + d\,w) = (1-\eta d)w - \eta g$, the same iterates. `torch.optim.Adam(weight_decay=...)`,
# like `optim.adam`, is the coupled L2 term; only `AdamW` decouples. With Adam, AdamW is the
# usual default (its $d$ is tuned apart from $\eta$, and Loshchilov and Hutter found it
# generalizes better), but the choice is empirical: compare both on validation data.
#
# **Mark scheme (6).** 2: in Adam the L2 gradient goes through $m$ and is rescaled by
# $1/\sqrt{\hat v}$. 1: consequence: weights with large gradient histories are pulled towards
# zero more slowly under Adam + L2 (it still settles at the penalized minimum). 1: AdamW shrinks
# every weight by the same factor $1-\eta d$ per step, outside the adaptive scaling (accept:
# where it settles depends on the gradient noise). 1: the SGD equivalence shown by expanding the
# update. 1: a reasoned choice, naming that torch's `Adam(weight_decay)` is coupled.

# %% [markdown] nbgrader={"grade": false, "grade_id": "submit", "locked": true, "schema_version": 3, "solution": false}
# ## Before you submit
#
# Run **Kernel > Restart and Run All** and check that every visible test cell prints
# `visible tests passed` and that the table, the schedules, the race and the training curves
# appear. Then save and submit this notebook under its original name.
