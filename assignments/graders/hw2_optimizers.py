"""Trusted grader of hw2_optimizers: one entry per autograder test cell.

Runs in the grader's process only (see tools/grading/spec.py): inputs come from ``s.rng``
(a fresh secret seed per grading run), expected values from the independent references
below, and the student's kernel sees only the inputs. Never copied into a sandbox, the
release or the student kit. Mark scheme: assignments/MARK_SCHEMES.md.

Update rules are run step after step on their own state in the kernel (``s.chain``): each
step's result comes back as plain arrays, with the names of the inputs the call changed in
place. Callbacks are never reference code: a training loop gets recorders built in the kernel
(``rule_recorder``, ``loss_recorder``, ``schedule_recorder``), the network's loss of the given
code (``network_loss``) or the student's own rule, named in ``settings``.
"""

from __future__ import annotations

import math

import numpy as np

from tools.grading.spec import Fail, Grader, Session, assert_pair, scalar

GRADER = Grader("hw2_optimizers")
TARGET_VAL_ACC = 0.95
MAX_EPOCHS = 10
RULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
STEPS = 20  # steps of each run of an update rule

# ----------------------------------------------------------------------------- references
# Each returns the iterates after every step and the documented state after every step.


def _ref_sgd(w0, grads, lr):
    w, ws, states = w0.copy(), [], []
    for g in grads:
        w = w - lr * g
        ws.append(w)
        states.append({})
    return ws, states


def _ref_momentum(w0, grads, lr, rho=0.9, nesterov=False):
    w, v, ws, states = w0.copy(), np.zeros_like(w0), [], []
    for g in grads:
        v = rho * v + g
        w = w - lr * (g + rho * v if nesterov else v)
        ws.append(w)
        states.append({"v": v})
    return ws, states


def _ref_nesterov(w0, grads, lr, rho=0.9):
    return _ref_momentum(w0, grads, lr, rho, nesterov=True)


def _ref_adagrad(w0, grads, lr, eps=1e-10):
    w, s, ws, states = w0.copy(), np.zeros_like(w0), [], []
    for g in grads:
        s = s + g ** 2
        w = w - lr * g / (np.sqrt(s) + eps)
        ws.append(w)
        states.append({"s": s})
    return ws, states


def _ref_rmsprop(w0, grads, lr, decay=0.99, eps=1e-8):
    w, s, ws, states = w0.copy(), np.zeros_like(w0), [], []
    for g in grads:
        s = decay * s + (1 - decay) * g ** 2
        w = w - lr * g / (np.sqrt(s) + eps)
        ws.append(w)
        states.append({"s": s})
    return ws, states


def _ref_adam(w0, grads, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    w, m, v, ws, states = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), [], []
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        step = lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        w = w * (1 - lr * weight_decay) - step
        ws.append(w)
        states.append({"m": m, "v": v, "t": t})
    return ws, states


REFERENCES = {"sgd": _ref_sgd, "momentum": _ref_momentum, "nesterov": _ref_nesterov,
              "adagrad": _ref_adagrad, "rmsprop": _ref_rmsprop, "adam": _ref_adam,
              "adamw": _ref_adam}

# state keys, and what each holds (the state part's hint)
STATE_KEYS = {"sgd": (), "momentum": ("v",), "nesterov": ("v",), "adagrad": ("s",),
              "rmsprop": ("s",), "adam": ("m", "v", "t"), "adamw": ("m", "v", "t")}
STATE_HINTS = {
    "sgd": "sgd's state is an empty dict {}.",
    "momentum": 'state["v"] is the velocity v = rho * v + dw (no lr in it).',
    "nesterov": 'state["v"] is the velocity v = rho * v + dw (no lr in it).',
    "adagrad": 'state["s"] is the running sum of dw**2.',
    "rmsprop": 'state["s"] = decay * s + (1 - decay) * dw**2.',
    "adam": 'state["m"] and state["v"] are the moving averages before bias correction and '
            'state["t"] counts the updates made (1 after the first call).',
}
VALUE_HINT = ("Check the update against the table of Part 1: every factor, where eps goes "
              "(after the square root), and the state carried between calls.")

# hyperparameter settings and gradient scales of the runs (the defaults are the signature's)
SETTINGS = {
    "sgd": ({"lr": 0.1}, {"lr": 0.003}),
    "momentum": ({"lr": 0.1}, {"lr": 0.05, "rho": 0.5}, {"lr": 0.2, "rho": 0.0}),
    "nesterov": ({"lr": 0.1}, {"lr": 0.05, "rho": 0.5}),
    "adagrad": ({"lr": 0.5}, {"lr": 0.1, "eps": 1e-6}),
    "rmsprop": ({"lr": 0.01}, {"lr": 0.1, "decay": 0.9}),
    "adam": ({"lr": 0.01}, {"lr": 0.1, "beta1": 0.5, "beta2": 0.9}, {"lr": 0.05, "beta1": 0.0}),
    "adamw": ({"lr": 0.01, "weight_decay": 0.01}, {"lr": 0.1, "weight_decay": 0.2},
              {"lr": 0.05, "beta1": 0.5, "weight_decay": 0.0}),
}
SCALES = {"sgd": (1.0,), "momentum": (1.0,), "nesterov": (1.0,), "adagrad": (1.0, 1e-6),
          "rmsprop": (1.0, 1e-6), "adam": (1.0, 1e-6), "adamw": (1.0, 1e-6)}


def _cases(s: Session, fn: str):
    """(w0, gradients) for three shapes and each gradient scale; some gradients are exactly 0
    in one coordinate (no 0 / 0 allowed)."""
    for shape in ((5,), (3, 4), (2, 3, 2)):
        for scale in SCALES[fn]:
            grads = [scale * s.rng.normal(size=shape) for _ in range(STEPS)]
            for g in grads:
                g.flat[0] = 0.0
            yield s.rng.normal(size=shape), grads


# ----------------------------------------------------------------------------- helpers

def _run(s: Session, fn: str, w0, grads, hp) -> tuple[list, list, list]:
    """The student's rule over ``grads`` from state None: iterates, states, in-place changes."""
    steps = s.chain(fn, w0, grads, **hp)
    ws, states, changed = [], [], []
    for k, step in enumerate(steps):
        w_new, state = assert_pair(step.get("result"), fn, "(w_new, state)")
        ws.append(s.shape(w_new, w0.shape, f"w returned by {fn} at step {k + 1}"))
        states.append(state)
        changed.append(list(step.get("changed") or []))
    if len(steps) != len(grads):
        raise Fail(f"{fn}: only {len(steps)} of {len(grads)} steps could be run")
    return ws, states, changed


def _steps(k: int) -> str:
    return f"{k + 1} step{'s' if k else ''}"


def _label(fn, hp, w0, k):
    return f"w after {_steps(k)} of {fn} with {hp}, shape {w0.shape}"


def _check_iterates(s: Session, fn, got, want, hp, w0) -> None:
    for k in sorted({0, 1, 4, len(want) - 1}):
        s.close(got[k], want[k], rtol=1e-8, atol=1e-12, name=_label(fn, hp, w0, k),
                hint=VALUE_HINT)


def _check_state(s: Session, fn, states, want_states, changed) -> None:
    hint = STATE_HINTS[fn]
    for k, (state, want) in enumerate(zip(states, want_states, strict=True)):
        if not isinstance(state, dict) or not set(STATE_KEYS[fn]) <= set(state):
            raise Fail(f"{fn} must return a state dict with the keys "
                       f"{sorted(STATE_KEYS[fn])}; got {str(state)[:80]} at step {k + 1}. {hint}")
        for key, value in want.items():
            if key == "t":
                s.true(isinstance(state[key], (int, float)) and state[key] == value,
                       f"state['t'] after {k + 1} updates must be {value}; got "
                       f"{str(state[key])[:40]}. {hint}")
            else:
                s.close(state[key], value, rtol=1e-8, atol=1e-15,
                        name=f"state[{key!r}] after {_steps(k)}", hint=hint)
        if changed[k]:
            names = " and ".join(changed[k])
            raise Fail(f"{fn} changed {names} in place at step {k + 1}: leave w, dw and the "
                       "state you are given untouched, and return a new dict with new arrays "
                       "(no w -= ..., v *= ..., state[...] = ... or state.update(...)).")


def _rule_test(s: Session, fn: str, value_points: float, state_points: float) -> None:
    runs = []
    with s.part(value_points, "values of the iterates"):
        for hp in SETTINGS[fn]:
            for w0, grads in _cases(s, fn):
                ws, states, changed = _run(s, fn, w0, grads, hp)
                want_ws, want_states = REFERENCES[fn](w0, grads, **hp)
                runs.append((states, want_states, changed))
                _check_iterates(s, fn, ws, want_ws, hp, w0)
    with s.part(state_points, "the state and the inputs"):
        if not runs:  # the values part stopped before any run finished
            hp = SETTINGS[fn][0]
            w0, grads = next(_cases(s, fn))
            _, states, changed = _run(s, fn, w0, grads, hp)
            runs.append((states, REFERENCES[fn](w0, grads, **hp)[1], changed))
        for states, want_states, changed in runs:
            _check_state(s, fn, states, want_states, changed)


# ----------------------------------------------------------------------------- part 1: rules

@GRADER.test("test_sgd", points=3, timeout=60)
def _sgd(s: Session) -> None:
    _rule_test(s, "sgd", 2, 1)


@GRADER.test("test_momentum", points=6, timeout=60)
def _momentum(s: Session) -> None:
    _rule_test(s, "momentum", 4, 2)


@GRADER.test("test_nesterov", points=6, timeout=60)
def _nesterov(s: Session) -> None:
    _rule_test(s, "nesterov", 4, 2)


@GRADER.test("test_adagrad", points=5, timeout=60)
def _adagrad(s: Session) -> None:
    _rule_test(s, "adagrad", 3, 2)


@GRADER.test("test_rmsprop", points=5, timeout=60)
def _rmsprop(s: Session) -> None:
    _rule_test(s, "rmsprop", 3, 2)


@GRADER.test("test_adam", points=10, timeout=60)
def _adam(s: Session) -> None:
    _rule_test(s, "adam", 7, 3)


@GRADER.test("test_adamw", points=7, timeout=60)
def _adamw(s: Session) -> None:
    # decided (MARK_SCHEMES.md): AdamW's 7 points are its iterates, graded against the
    # reference or the composition "decay, then the student's OWN adam step" (one charge for
    # an Adam mistake). AdamW's state is Adam's, whose rules test_adam grades.
    fn = "adamw"
    for hp in SETTINGS[fn]:
        for w0, grads in _cases(s, fn):
            ws, _, _ = _run(s, fn, w0, grads, hp)
            want, _ = _ref_adam(w0, grads, **hp)
            try:
                _check_iterates(s, fn, ws, want, hp, w0)
            except Fail:
                own = _own_adamw(s, w0, grads, hp)
                if own is None:
                    raise
                _check_iterates(s, fn, ws, own, hp, w0)


def _own_adamw(s: Session, w0, grads, hp):
    """AdamW's iterates composed from the student's own adam steps (None if adam fails).

    Adam's step does not depend on w, so the steps of a run of the student's adam from 0
    are the steps its adamw must take after the decay."""
    adam_hp = {k: v for k, v in hp.items() if k != "weight_decay"}
    try:
        path, _, _ = _run(s, "adam", np.zeros_like(w0), grads, adam_hp)
    except Fail:
        return None
    decay = hp["lr"] * hp.get("weight_decay", 0.01)
    w, previous, out = w0.copy(), np.zeros_like(w0), []
    for a in path:
        w = w * (1 - decay) + (a - previous)
        previous = a
        out.append(w)
    return out


# ----------------------------------------------------------------------------- part 2: schedules

def _values(s: Session, fn: str, steps, *args, **kwargs) -> list[float]:
    got = s.call_many(fn, [((int(step), *args), kwargs) for step in steps])
    return [scalar(v, f"{fn}({step}, ...)") for v, step in zip(got, steps, strict=True)]


def _cosine(step, lr0, total, low):
    return low + 0.5 * (lr0 - low) * (1 + math.cos(math.pi * min(step, total) / total))


def _schedule_check(s: Session, fn, steps, got, want, args: str, hint: str = "") -> None:
    for step, g, w in zip(steps, got, want, strict=True):
        s.close(g, w, rtol=1e-9, atol=1e-14, name=f"{fn}({step}, {args})", hint=hint)


@GRADER.test("test_step_decay", points=4)
def _step_decay(s: Session) -> None:
    fn = "step_decay_lr"
    for size in (int(s.rng.integers(2, 9)), 1, int(s.rng.integers(50, 120))):
        lr0, gamma = float(s.rng.uniform(0.01, 2.0)), float(s.rng.uniform(0.1, 0.95))
        steps = sorted(set(range(40)) | {size - 1, size, size + 1, 3 * size, 3 * size - 1})
        got = _values(s, fn, steps, lr0, size, gamma=gamma)
        _schedule_check(s, fn, steps, got, [lr0 * gamma ** (k // size) for k in steps],
                        f"{lr0:.10g}, {size}, gamma={gamma:.10g}",
                        "The rate is lr0 * gamma ** (step // step_size): the first decay is at "
                        "step step_size.")
    got = _values(s, fn, [10], 0.1, 5)
    _schedule_check(s, fn, [10], got, [0.1 * 0.1 ** 2], "0.1, 5 (default gamma 0.1)")


@GRADER.test("test_cosine", points=4)
def _cosine_test(s: Session) -> None:
    fn = "cosine_lr"
    cases = [(float(s.rng.uniform(0.05, 2.0)), int(s.rng.integers(5, 40)), 0.0),
             (float(s.rng.uniform(0.05, 2.0)), int(s.rng.integers(100, 300)),
              float(s.rng.uniform(0.001, 0.04))), (0.02, 1, 0.005)]
    # decided (MARK_SCHEMES.md): 3 for the rates within [0, T], 1 for after T
    with s.part(3, "rates from step 0 to total_steps"):
        for lr0, total, low in cases:
            steps = list(range(total + 1))
            _schedule_check(s, fn, steps, _values(s, fn, steps, lr0, total, lr_min=low),
                            [_cosine(k, lr0, total, low) for k in steps],
                            f"{lr0:.10g}, {total}, lr_min={low:.10g}",
                            "lr_min + 0.5 * (lr0 - lr_min) * (1 + cos(pi * step / total_steps)).")
    with s.part(1, "after total_steps"):
        for lr0, total, low in cases:
            steps = [total + 1, total + 2, 2 * total + 3, 10 * total]
            _schedule_check(s, fn, steps, _values(s, fn, steps, lr0, total, lr_min=low),
                            [low] * len(steps), f"{lr0:.10g}, {total}, lr_min={low:.10g}",
                            "After total_steps the rate stays at lr_min (clamp the step at "
                            "total_steps).")


@GRADER.test("test_warmup_cosine", points=6)
def _warmup(s: Session) -> None:
    fn = "warmup_cosine_lr"
    cases = [(float(s.rng.uniform(0.05, 2.0)), int(s.rng.integers(3, 10)),
              int(s.rng.integers(20, 60)), 0.0),
             (float(s.rng.uniform(0.05, 2.0)), 50, 51, float(s.rng.uniform(0.001, 0.04))),
             (0.01, 1, int(s.rng.integers(100, 300)), 0.001)]
    # decided (MARK_SCHEMES.md): 3 warm-up, 3 cosine phase; the cosine phase also accepts the
    # student's own cosine_lr(step - W, lr0, T - W, lr_min) (one charge for a cosine mistake)
    with s.part(3, "warm-up phase"):
        for lr0, warm, total, low in cases:
            steps = list(range(warm))
            _schedule_check(s, fn, steps, _values(s, fn, steps, lr0, warm, total, lr_min=low),
                            [lr0 * k / warm for k in steps],
                            f"{lr0:.10g}, {warm}, {total}, lr_min={low:.10g}",
                            "During warm-up the rate is lr0 * step / warmup_steps: 0 at step 0.")
    with s.part(3, "cosine phase"):
        for lr0, warm, total, low in cases:
            steps = list(range(warm, total + 5)) + [3 * total]
            got = _values(s, fn, steps, lr0, warm, total, lr_min=low)
            want = [_cosine(k - warm, lr0, total - warm, low) for k in steps]
            args = f"{lr0:.10g}, {warm}, {total}, lr_min={low:.10g}"
            hint = ("From step warmup_steps on, the cosine runs from lr0 down to lr_min over the "
                    "remaining total_steps - warmup_steps steps.")
            try:
                _schedule_check(s, fn, steps, got, want, args, hint)
            except Fail:
                try:
                    own = _values(s, "cosine_lr", [k - warm for k in steps], lr0, total - warm,
                                  lr_min=low)
                except Fail:
                    raise Fail("the cosine phase could not be checked: cosine_lr fails") from None
                _schedule_check(s, fn, steps, got, own, args, hint)


# ----------------------------------------------------------------------------- part 3: the race

RECORDER = {"__callable__": "rule_recorder"}


def _linear(H, b):
    return {"__callable__": "linear", "matrix": H, "offset": b}


@GRADER.test("test_run_rule", points=6, timeout=60)
def _run_rule(s: Session) -> None:
    fn = "run_rule"
    D, steps, lr, shift = 3, 6, 0.1, float(s.rng.uniform(0.5, 2.0))
    H = s.rng.normal(size=(D, D))
    H = H @ H.T / D + np.eye(D)
    b = s.rng.normal(size=D)
    w0 = s.rng.normal(size=D)
    path = s.call(fn, RECORDER, _linear(H, b), w0, steps, return_args=True, lr=lr, tag=shift)
    path = s.shape(path, (steps + 1, D), f"run_rule path for {steps} steps in {D} dimensions")
    calls = [c for c in s.trace if isinstance(c, dict) and c.get("kind") == "rule"]
    after = s.args_after
    # args_after leaves out the callables: [w0, num_steps]
    s.true(len(after) >= 1 and np.array_equal(np.asarray(after[0], dtype=float), w0),
           "run_rule must not modify w0.")
    s.true(len(calls) == steps, f"the rule must be called once per step ({steps}); got "
           f"{len(calls)} calls.")
    w, state = w0.copy(), None
    s.close(path[0], w0, rtol=0, atol=0, name="path[0]", hint="The path starts with w0 itself.")
    for k, call in enumerate(calls):
        s.true(call.get("state") == state, f"call {k + 1} of the rule got state "
               f"{str(call.get('state'))[:40]}; expected {state}, the state returned by the "
               "previous call (None on the first).")
        s.true(call.get("lr") == lr and call.get("hparams") == {"tag": shift},
               "pass every keyword hyperparameter on to the rule, unchanged.")
        s.close(call.get("w"), w, rtol=1e-12, name=f"w given to the rule at step {k + 1}")
        s.close(call.get("dw"), H @ w + b, rtol=1e-12, atol=1e-14,
                name=f"gradient given to the rule at step {k + 1}",
                hint="Evaluate grad_fn at the current iterate.")
        w, state = w - lr * (H @ w + b), (1 if state is None else state + 1)
        s.close(path[k + 1], w, rtol=1e-12, atol=1e-14, name=f"path[{k + 1}]")
    # a long run, and none at all
    long = s.shape(s.call(fn, RECORDER, _linear(H, b), w0, 200, lr=0.05), (201, D),
                   "run_rule path for 200 steps")
    w = w0.copy()
    for _ in range(200):
        w = w - 0.05 * (H @ w + b)
    s.close(long[-1], w, rtol=1e-9, atol=1e-12, name="the last iterate of 200 steps")
    s.shape(s.call(fn, RECORDER, _linear(H, b), w0, 0, lr=0.05), (1, D),
            "run_rule with num_steps = 0")


def _first_at_or_below(losses, tol):
    return next((i for i, v in enumerate(losses) if v <= tol), None)


@GRADER.test("test_steps_to_tolerance", points=4)
def _steps_to_tolerance(s: Session) -> None:
    fn = "steps_to_tolerance"
    cases = [(np.array([0.1, 5.0]), 0.2), (np.array([3.0, np.nan, np.inf, 1e-9, 2.0, 1e-12]), 1e-6),
             (np.full(4, np.nan), 1.0), (np.zeros(0), 1.0)]
    for _ in range(20):
        losses = np.sort(s.rng.random(50))[::-1] * 10 ** s.rng.uniform(-3, 3)
        tol = float(s.rng.choice(losses)) if s.rng.random() < 0.6 else float(losses.min()) / 2
        cases.append((losses, tol))
    got = s.call_many(fn, [((losses, tol), {}) for losses, tol in cases])
    for (losses, tol), value in zip(cases, got, strict=True):
        want = _first_at_or_below(losses.tolist(), tol)
        shown = np.array2string(losses[:6], precision=4) + (" ..." if losses.size > 6 else "")
        if want is None:
            s.true(value is None, f"steps_to_tolerance({shown}, tol={tol:.10g}): no loss reaches "
                   f"tol (nan and inf never do), so the answer is None; got {str(value)[:40]}.")
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == want
            s.true(ok, f"steps_to_tolerance({shown}, tol={tol:.10g}): expected index {want} (the "
                   f"first loss <= tol), got {str(value)[:40]}.")


# ----------------------------------------------------------------------------- part 4: training

def _digits_split():
    """The notebook's data, rebuilt here (the student's variables are never trusted)."""
    from dlhelpers.data import load_digits

    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order] / 16.0, y[order]
    X = X - X[:1000].mean(axis=0)
    return X[:1000], y[:1000], X[1000:1400], y[1000:1400]


def _init(seed, hidden=64):
    gen = np.random.default_rng(seed)
    return {"W1": gen.normal(0.0, (2.0 / 64) ** 0.5, size=(64, hidden)), "b1": np.zeros(hidden),
            "W2": gen.normal(0.0, (2.0 / hidden) ** 0.5, size=(hidden, 10)),
            "b2": np.zeros(10)}


def _net_loss(p, Xb, yb):
    pre = Xb @ p["W1"] + p["b1"]
    hidden = pre.clip(0.0)
    scores = hidden @ p["W2"] + p["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    n = len(yb)
    loss = -np.log(probs[np.arange(n), yb]).mean()
    probs[np.arange(n), yb] -= 1.0
    probs /= n
    back = (probs @ p["W2"].T) * (pre > 0)
    return loss, {"W1": Xb.T @ back, "b1": back.sum(axis=0), "W2": hidden.T @ probs,
                  "b2": probs.sum(axis=0)}


def _val_accuracy(p, X_val, y_val) -> float:
    if not isinstance(p, dict):
        raise Fail(f"train_network must return (params, history) with params a dict; got a "
                   f"{type(p).__name__}.")
    shapes = (("W1", (64, 64)), ("b1", (64,)), ("W2", (64, 10)), ("b2", (10,)))
    q = {k: Session.shape(p.get(k), shape, f"trained {k}") for k, shape in shapes}
    hidden = (X_val @ q["W1"] + q["b1"]).clip(0.0)
    return float(((hidden @ q["W2"] + q["b2"]).argmax(axis=1) == y_val).mean())


def _trained(value, keys, fn="train_network"):
    params, history = assert_pair(value, fn, "(params, history)")
    if not isinstance(params, dict) or set(params) != set(keys):
        raise Fail(f"the trained params must be a dict with the keys {sorted(keys)}; got "
                   f"{str(params)[:80]}.")
    return params, history


@GRADER.test("test_train_network", points=10, timeout=60)
def _train_network(s: Session) -> None:
    fn = "train_network"
    N, bs, epochs = int(s.rng.integers(21, 30)), 5, 3
    seed, scale = int(s.rng.integers(0, 10_000)), 0.1
    X = np.arange(N, dtype=float)[:, None] * np.ones((1, 2))
    y = np.arange(N)
    p0 = {"W1": s.rng.normal(size=(2, 3)), "b1": s.rng.normal(size=3),
          "W2": s.rng.normal(size=(3, 4)), "b2": s.rng.normal(size=4)}
    value = s.call(fn, {"__callable__": "loss_recorder"}, p0, X, y, return_args=True,
                   rule=RECORDER, lr={"__callable__": "schedule_recorder", "scale": scale},
                   num_epochs=epochs, batch_size=bs, seed=seed, tag="hp")
    trace, after = s.trace, s.args_after
    trained, history = _trained(value, p0)
    per_epoch = -(-N // bs)
    T = epochs * per_epoch
    losses = [c for c in trace if isinstance(c, dict) and c.get("kind") == "loss"]
    rules = [c for c in trace if isinstance(c, dict) and c.get("kind") == "rule"]
    schedule = [c.get("step") for c in trace if isinstance(c, dict) and c.get("kind") == "schedule"]
    gen = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        perm = gen.permutation(N)
        batches += [perm[k:k + bs].astype(float) for k in range(0, N, bs)]
    # decided (MARK_SCHEMES.md): 4 steps and schedule calls, 3 batches from the seeded
    # generator, 3 per-parameter states and params left unchanged
    with s.part(4, "steps and the schedule"):
        s.true(isinstance(history, (list, tuple, np.ndarray)) and len(history) == T,
               f"{epochs} epochs of {N} rows in batches of {bs} make {T} steps; history has "
               f"{len(history) if hasattr(history, '__len__') else 'no'} entries.")
        s.close(history, [float(len(b)) for b in batches], name="history (the loss of each step)")
        s.true(schedule == list(range(T)), f"the schedule must be called with steps 0, 1, ..., "
               f"{T - 1}, one per update counted across epochs; got {schedule[:8]}...")
        s.true(len(rules) == 4 * T, f"the rule must be called once per parameter and step "
               f"({4 * T} calls); got {len(rules)}.")
        for k in range(T):
            for call in rules[4 * k:4 * k + 4]:
                s.close(call.get("lr"), scale / (1 + k), rtol=1e-12,
                        name=f"lr given to the rule at step {k}",
                        hint="Give the rule lr = schedule(step) at each step.")
                s.true(call.get("hparams") == {"tag": "hp"},
                       "pass the extra keyword hyperparameters on to the rule.")
        total = sum(scale / (1 + k) for k in range(T))
        for name in p0:
            s.close(trained[name], p0[name] - total, rtol=1e-12, atol=1e-12,
                    name=f"trained {name} (gradient 1 at every step)")
    with s.part(3, "batches from the seeded generator"):
        s.true(len(losses) == T, f"loss_fn must be called once per step ({T}); got "
               f"{len(losses)} calls.")
        for k, (call, rows) in enumerate(zip(losses, batches, strict=True)):
            s.close(call.get("first_column"), rows, rtol=0, atol=0, name=f"rows of batch {k}",
                    hint="One rng.permutation(N) per epoch from the rng made with the given "
                         "seed (never np.random), batches taken in order from it.")
            s.close(call.get("y"), rows, rtol=0, atol=0, name=f"labels of batch {k}",
                    hint="Take the same rows of X and y.")
        _real_run(s)
    with s.part(3, "one state per parameter; params unchanged"):
        for name, shape in ((k, v.shape) for k, v in p0.items()):
            seen = [c.get("state") for c in rules if np.shape(c.get("w")) == shape]
            s.true(seen == [None] + list(range(1, T)),
                   f"parameter {name} must get its own state: None first, then what the rule "
                   f"returned for it at the step before; got {str(seen[:6])[:80]}...")
        given = after[0] if after else None  # args_after leaves out loss_fn: [params, X, y]
        s.true(isinstance(given, dict) and set(given) == set(p0)
               and all(np.array_equal(np.asarray(given[k], dtype=float), p0[k]) for k in p0),
               "train_network must not modify the params dict it is given, nor its arrays: "
               "params = dict(params), then rebind params[name] = new array.")


def _real_run(s: Session) -> None:
    """Two epochs on 200 digits with the given network_loss, replayed with the grader's net."""
    X, y, _, _ = _digits_split()
    X, y = X[:200], y[:200]
    seed, lr = int(s.rng.integers(0, 10_000)), 0.05
    p0 = _init(int(s.rng.integers(0, 100)), hidden=16)
    value = s.call("train_network", {"__callable__": "named", "name": "network_loss"}, p0, X, y,
                   rule=RECORDER, lr=lr, num_epochs=2, batch_size=32, seed=seed)
    trained, history = _trained(value, p0)
    gen, p, want = np.random.default_rng(seed), dict(p0), []
    for _ in range(2):
        perm = gen.permutation(200)
        for k in range(0, 200, 32):
            rows = perm[k:k + 32]
            loss, grads = _net_loss(p, X[rows], y[rows])
            p = {name: p[name] - lr * grads[name] for name in p}
            want.append(loss)
    s.close(history, want, rtol=1e-9, name="loss history of 2 epochs on 200 digits")
    for name in p:
        s.close(trained[name], p[name], rtol=1e-8, atol=1e-12,
                name=f"trained {name} after 2 epochs on 200 digits")


@GRADER.test("test_training_run", points=12, timeout=120)
def _training_run(s: Session) -> None:
    settings = s.get("settings", functions_by_name=True)
    rule = None
    # decided (MARK_SCHEMES.md): 4 valid settings, 8 the target (retrained here)
    with s.part(4, "valid settings"):
        s.true(isinstance(settings, dict)
               and {"rule", "lr", "num_epochs", "batch_size"} <= set(settings),
               "settings must be a dict with at least rule, lr, num_epochs and batch_size.")
        epochs = settings["num_epochs"]
        s.true(isinstance(epochs, int) and not isinstance(epochs, bool)
               and 1 <= epochs <= MAX_EPOCHS, f"num_epochs must be an int from 1 to {MAX_EPOCHS}.")
        s.true(not {"seed", "loss_fn", "params", "X", "y"} & set(settings),
               "settings holds only the rule, lr, num_epochs, batch_size and the rule's "
               "hyperparameters.")
        rule = settings["rule"]
        s.true(isinstance(rule, dict) and rule.get("__function__") in RULES,
               f"settings['rule'] must be one of your Part 1 functions {', '.join(RULES)}.")
    with s.part(8, "accuracy target", needs="valid settings"):
        if rule is None:
            raise Fail("the target is checked once the settings are valid")
        X, y, X_val, y_val = _digits_split()
        args = {k: v for k, v in settings.items() if k not in ("rule", "lr")}
        lr = settings["lr"]
        if isinstance(lr, dict) and "__function__" in lr:
            lr = {"__callable__": "named", "name": "settings", "key": "lr"}
        else:
            lr = scalar(lr, "settings['lr']")
        try:
            value = s.call("train_network", {"__callable__": "named", "name": "network_loss"},
                           _init(0), X, y, timeout=100, seed=0, lr=lr,
                           rule={"__callable__": "named", "name": "settings", "key": "rule"},
                           **args)
            trained, _ = _trained(value, ("W1", "b1", "W2", "b2"))
        except Fail as exc:
            # principle 4 (MARK_SCHEMES.md): a run that cannot train reaches no target
            raise Fail(f"the grader retrains with your train_network, your rule and your "
                       f"settings, and that run failed, so the target cannot be reached: "
                       f"{exc}") from None
        acc = _val_accuracy(trained, X_val, y_val)
        s.true(acc >= TARGET_VAL_ACC, f"retrained with your settings, the validation accuracy "
               f"is {acc:.4f}; the target is {TARGET_VAL_ACC}. Try another rule, learning rate "
               "or schedule.")
