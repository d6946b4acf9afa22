"""Trusted grader of hw3_backprop: one entry per autograder test cell.

Runs in the grader's process only (see tools/grading/spec.py): inputs come from ``s.rng``
(a fresh secret seed per grading run), expected values from the independent references
below, and the student's kernel sees only the inputs. Caches and ``bn_state`` travel as
plain data: the grader receives the cache a forward function returned and sends it back to
the backward function, checking that nothing passed in was changed in place. Generators are
sent as ``{"__rng__": seed}`` (built in the kernel by the harness); the grader replays the
draws from the same seed. Gradients are compared with the course's relative error,
``max |a - b| / max(|a| + |b|, 1e-12)`` elementwise. Split of each test:
assignments/MARK_SCHEMES.md.
"""

from __future__ import annotations

import numpy as np

from tools.grading.spec import Fail, Grader, Session, as_array, expected_got

GRADER = Grader("hw3_backprop")
TARGET_VAL_ACC = 0.90
GRAD_TOL = 1e-6  # largest elementwise relative error accepted for a gradient


# ----------------------------------------------------------------------------- references

def _affine(x, w, b):
    return np.einsum("nd,dm->nm", x, w) + b[None, :]


def _affine_grads(dout, x, w):
    return np.einsum("nm,dm->nd", dout, w), np.einsum("nd,nm->dm", x, dout), dout.sum(axis=0)


def _cross_entropy(scores, y):
    """Row by row: log-sum-exp shifted by the row's maximum."""
    n = scores.shape[0]
    total, grad = 0.0, np.zeros_like(scores)
    for i in range(n):
        top = scores[i].max()
        weights = np.exp(scores[i] - top)
        total += top + np.log(weights.sum()) - scores[i, y[i]]
        grad[i] = weights / weights.sum()
        grad[i, y[i]] -= 1.0
    return total / n, grad / n


def _batchnorm(x, gamma, beta, mean_run, var_run, train, momentum=0.9, eps=1e-5):
    """Column by column, textbook formulas; returns (out, new_mean, new_var)."""
    n, d = x.shape
    out = np.zeros_like(x)
    new_mean, new_var = mean_run.copy(), var_run.copy()
    for j in range(d):
        col = x[:, j]
        if train:
            m = col.sum() / n
            v = ((col - m) ** 2).sum() / n
            new_mean[j] = momentum * mean_run[j] + (1 - momentum) * m
            new_var[j] = momentum * var_run[j] + (1 - momentum) * ((col - m) ** 2).sum() / (n - 1)
        else:
            m, v = mean_run[j], var_run[j]
        out[:, j] = gamma[j] * (col - m) / np.sqrt(v + eps) + beta[j]
    return out, new_mean, new_var


def _batchnorm_dx_train(x, gamma, dout, eps=1e-5):
    """dx of train-mode batch norm from each column's Jacobian, formed explicitly."""
    n, d = x.shape
    dx = np.zeros_like(x)
    for j in range(d):
        c = x[:, j] - x[:, j].mean()
        s = np.sqrt((c ** 2).mean() + eps)
        jac = (np.eye(n) - 1.0 / n) / s - np.outer(c, c) / (n * s ** 3)
        dx[:, j] = jac.T @ (dout[:, j] * gamma[j])
    return dx


def _digits_split():
    """The notebook's data, rebuilt here (the student's variables are never trusted)."""
    from dlhelpers.data import load_digits

    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    X = (X - X[:1000].mean(axis=0)) / 16.0
    return X[1000:1400], y[1000:1400]


# ----------------------------------------------------------------------------- helpers

def _grad(s: Session, got, want, name: str, hint: str = "") -> None:
    """A gradient: same shape, finite, and the course's relative error (as
    dlhelpers.gradcheck.relative_error, written here) below GRAD_TOL."""
    want = np.asarray(want, dtype=float)
    got = s.shape(got, want.shape, name)
    if not np.isfinite(got).all():
        raise Fail(f"{name}: some entries are NaN or inf. {hint}".strip())
    err = np.abs(got - want) / np.maximum(np.abs(got) + np.abs(want), 1e-12)
    # entries that are zero in exact arithmetic (db before a batch norm sums to 0) differ
    # only by round-off: a gap below 1e-10 of the gradient's scale is agreement
    err[np.abs(got - want) <= 1e-10 * max(float(np.abs(want).max(initial=0.0)), 1.0)] = 0.0
    if err.size and err.max() > GRAD_TOL:
        worst = int(np.argmax(err))
        index = tuple(int(i) for i in np.unravel_index(worst, want.shape))
        tail = f" {hint}" if hint else ""
        raise Fail(f"{name}: relative error {err.max():.2e} (at most {GRAD_TOL:g} expected); "
                   f"{int((err > GRAD_TOL).sum())} of {want.size} entries are off, the worst at "
                   f"index {index}: {expected_got(float(want.flat[worst]), float(got.flat[worst]))}"
                   f".{tail}")


def _tuple(value, fn: str, n: int, what: str):
    """A tuple or list of ``n`` items, or a Fail that names what came back instead."""
    if value is None:
        raise Fail(f"{fn} returned None; it must return {what}. Did it forget to `return`?")
    if not isinstance(value, (tuple, list)):
        raise Fail(f"{fn} must return {what}; got a {type(value).__name__}.")
    if len(value) != n:
        raise Fail(f"{fn} must return {what}; got a {type(value).__name__} of {len(value)}.")
    return value


def _same(a, b) -> bool:
    """Plain data equal in structure and exactly in value."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list))
                and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except TypeError:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def _unchanged(s: Session, sent: list, names: list[str], fn: str) -> None:
    """The positional arguments after the call equal what was sent (no in-place change)."""
    after = s.args_after
    for position, name in enumerate(names):
        if name is None:
            continue
        s.true(len(after) > position and _same(after[position], sent[position]),
               f"{fn} changed its argument {name} in place; the rules say never modify an "
               "input: work on a new array (np.maximum(x, 0), x * mask, not x[...] = ...).")


def _call(s: Session, fn: str, *args, names: list[str] | None = None, **kwargs):
    """The student's fn(*args, **kwargs); with ``names``, also checks the arguments kept."""
    value = s.call(fn, *args, return_args=names is not None, **kwargs)
    if names is not None:
        _unchanged(s, list(args), names, fn)
    return value


def _forward(s: Session, fn: str, *args, n: int = 2, names=None, **kwargs):
    what = "(out, cache)" if n == 2 else "(out, cache, new_state)"
    return _tuple(_call(s, fn, *args, names=names, **kwargs), fn, n, what)


# ----------------------------------------------------------------------------- part 1

@GRADER.test("test_affine", points=10)
def _affine_test(s: Session) -> None:
    shapes = [(int(s.rng.integers(3, 8)), 5, 3), (1, 6, 2), (7, 1, 4)]
    data = []
    for n, d, m in shapes:
        data.append((s.rng.normal(size=(n, d)), s.rng.normal(size=(d, m)), s.rng.normal(size=m),
                     s.rng.normal(size=(n, m))))
    with s.part(4, "forward"):
        for x, w, b, _ in data:
            out, _ = _forward(s, "affine_forward", x, w, b, names=["x", "w", "b"])
            s.close(out, _affine(x, w, b), rtol=1e-9, atol=1e-12,
                    name=f"affine_forward out for N={x.shape[0]}, D={w.shape[0]}, "
                         f"M={w.shape[1]}", hint="out = x @ w + b.")
    with s.part(6, "backward"):
        for x, w, b, dout in data:
            label = f"N={x.shape[0]}, D={w.shape[0]}, M={w.shape[1]}"
            _, cache = _forward(s, "affine_forward", x, w, b)
            grads = _tuple(_call(s, "affine_backward", dout, cache, names=["dout", "cache"]),
                           "affine_backward", 3, "(dx, dw, db)")
            want = _affine_grads(dout, x, w)
            _grad(s, grads[0], want[0], f"dx ({label})", "dx = dout @ w.T.")
            _grad(s, grads[1], want[1], f"dw ({label})", "dw = x.T @ dout.")
            _grad(s, grads[2], want[2], f"db ({label})",
                  "db sums dout over the batch axis (axis=0), not a mean.")


def _away_from_zero(s: Session, shape, scale=1.0):
    x = scale * s.rng.normal(size=shape)
    x[np.abs(x) < 1e-3] = 0.5
    x.flat[0] = 0.0  # exactly at the kink: the documented convention
    return x


@GRADER.test("test_relu", points=8)
def _relu_test(s: Session) -> None:
    cases = [(_away_from_zero(s, shape), s.rng.normal(size=shape))
             for shape in [(6, 5), (1, 3), (2, 3, 4)]]
    with s.part(3, "relu"):
        for x, dout in cases:
            out, cache = _forward(s, "relu_forward", x)
            s.close(out, np.where(x > 0, x, 0.0), rtol=1e-12,
                    name=f"relu_forward on shape {x.shape}")
            _grad(s, s.call("relu_backward", dout, cache), np.where(x > 0, dout, 0.0),
                  f"relu_backward on shape {x.shape}",
                  "Pass dout where x > 0 and 0 elsewhere (also at x == 0).")
    with s.part(3, "leaky relu"):
        for x, dout in cases:
            for alpha in (0.01, 0.3, None):
                kw = {} if alpha is None else {"alpha": alpha}
                slope = 0.01 if alpha is None else alpha
                label = f"alpha={slope}" + (" (the default)" if alpha is None else "")
                out, cache = _forward(s, "leaky_relu_forward", x, **kw)
                s.close(out, np.where(x > 0, x, slope * x), rtol=1e-12,
                        name=f"leaky_relu_forward, {label}, shape {x.shape}")
                _grad(s, s.call("leaky_relu_backward", dout, cache),
                      np.where(x > 0, dout, slope * dout),
                      f"leaky_relu_backward, {label}, shape {x.shape}",
                      "Leaky ReLU's slope: alpha where x <= 0, 1 where x > 0.")
    with s.part(2, "inputs unchanged"):
        x, dout = cases[0]
        _, cache = _forward(s, "relu_forward", x, names=["x"])
        _call(s, "relu_backward", dout, cache, names=["dout", "cache"])
        _, cache = _forward(s, "leaky_relu_forward", x, 0.2, names=["x", None])
        _call(s, "leaky_relu_backward", dout, cache, names=["dout", "cache"])


@GRADER.test("test_sigmoid_tanh", points=8)
def _sigmoid_tanh_test(s: Session) -> None:
    cases = [(3.0 * s.rng.normal(size=shape), s.rng.normal(size=shape))
             for shape in [(5, 4), (1, 1), (3, 2, 2)]]
    big = np.array([[-1000.0, -745.0, 0.0, 745.0, 1000.0]])
    with s.part(4, "sigmoid"):
        for x, dout in cases:
            sig = 0.5 * (1.0 + np.tanh(0.5 * x))
            out, cache = _forward(s, "sigmoid_forward", x, names=["x"])
            s.close(out, sig, rtol=1e-9, atol=1e-15, name=f"sigmoid_forward on shape {x.shape}")
            _grad(s, s.call("sigmoid_backward", dout, cache), dout * sig * (1 - sig),
                  f"sigmoid_backward on shape {x.shape}",
                  "sigma'(x) = sigma(x) * (1 - sigma(x)), from the cached output.")
        out, cache = _forward(s, "sigmoid_forward", big)
        s.close(out, [[0.0, 0.0, 0.5, 1.0, 1.0]], atol=1e-300,
                name="sigmoid_forward of [-1000, -745, 0, 745, 1000]",
                hint="Avoid exp of a large positive number: use exp(x) / (1 + exp(x)) for x < 0.")
        s.close(s.call("sigmoid_backward", np.ones((1, 5)), cache), [[0.0, 0.0, 0.25, 0.0, 0.0]],
                atol=1e-300, name="sigmoid_backward at huge inputs")
    with s.part(4, "tanh"):
        for x, dout in cases:
            out, cache = _forward(s, "tanh_forward", x, names=["x"])
            s.close(out, np.tanh(x), rtol=1e-9, atol=1e-15, name=f"tanh_forward on shape {x.shape}")
            _grad(s, s.call("tanh_backward", dout, cache), dout / np.cosh(x) ** 2,
                  f"tanh_backward on shape {x.shape}",
                  "The derivative of tanh is 1 - tanh(x)**2, from the cached output.")
        s.close(_forward(s, "tanh_forward", big)[0], [[-1.0, -1.0, 0.0, 1.0, 1.0]],
                name="tanh_forward of huge inputs")


@GRADER.test("test_softmax_ce", points=8)
def _softmax_ce_test(s: Session) -> None:
    fn = "softmax_cross_entropy"
    with s.part(6, "values"):
        for n, c in [(int(s.rng.integers(4, 9)), 5), (1, 3), (10, 2)]:
            scores = 2.0 * s.rng.normal(size=(n, c))
            y = s.rng.integers(0, c, size=n)
            loss, ds = _tuple(_call(s, fn, scores, y, names=["scores", "y"]), fn, 2,
                              "(loss, dscores)")
            want_loss, want_grad = _cross_entropy(scores, y)
            s.close(loss, want_loss, rtol=1e-9, name=f"loss for N={n}, C={c}",
                    hint="Average the loss over the N rows.")
            _grad(s, ds, want_grad, f"dscores for N={n}, C={c}",
                  "dscores = (softmax(scores) - onehot(y)) / N.")
    with s.part(2, "scores around 1e4"):
        scores = np.array([[1e4, 0.0, -1e4], [5e3, 5e3, 0.0]]) + s.rng.normal(size=(2, 3))
        y = np.array([1, 0])
        loss, ds = _tuple(s.call(fn, scores, y), fn, 2, "(loss, dscores)")
        want_loss, want_grad = _cross_entropy(scores, y)
        hint = "Subtract each row's largest score before np.exp (exp(1e4) overflows)."
        s.close(loss, want_loss, rtol=1e-9, name="loss with scores around 1e4", hint=hint)
        s.close(ds, want_grad, rtol=1e-7, atol=1e-12, name="dscores with scores around 1e4",
                hint=hint)


# ----------------------------------------------------------------------------- part 2

@GRADER.test("test_init", points=5)
def _init_test(s: Session) -> None:
    cases = [(int(s.rng.integers(2, 9)), 3), (1, 5), (64, 100)]
    for fn, scale, points, hint in [
            ("xavier_init", lambda d: (1.0 / d) ** 0.5, 2, "divide by sqrt(d_in)"),
            ("he_init", lambda d: (2.0 / d) ** 0.5, 3, "scale by sqrt(2 / d_in)")]:
        with s.part(points, fn):
            for d_in, d_out in cases:
                seed = int(s.rng.integers(0, 2**31))
                want = np.random.default_rng(seed).standard_normal((d_in, d_out)) * scale(d_in)
                s.close(s.call(fn, d_in, d_out, {"__rng__": seed}), want, rtol=1e-12,
                        name=f"{fn}({d_in}, {d_out}, rng)",
                        hint=f"Draw rng.standard_normal((d_in, d_out)) once from the rng given "
                             f"(never np.random) and {hint}.")


def _two_layer_params(s: Session, d, h, c):
    return {"W1": s.rng.normal(size=(d, h)), "b1": 0.1 * s.rng.normal(size=h),
            "W2": s.rng.normal(size=(h, c)), "b2": 0.1 * s.rng.normal(size=c)}


def _two_layer_reference(p, X, y):
    hidden = _affine(X, p["W1"], p["b1"])
    active = np.where(hidden > 0, hidden, 0.0)
    loss, dscores = _cross_entropy(_affine(active, p["W2"], p["b2"]), y)
    dactive, dW2, db2 = _affine_grads(dscores, active, p["W2"])
    _, dW1, db1 = _affine_grads(np.where(hidden > 0, dactive, 0.0), X, p["W1"])
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _two_layer_own(s: Session, p, X, y):
    """The same network from the student's own Part 1 functions (None if they fail)."""
    try:
        hidden, c1 = _forward(s, "affine_forward", X, p["W1"], p["b1"])
        active, cr = _forward(s, "relu_forward", hidden)
        scores, c2 = _forward(s, "affine_forward", active, p["W2"], p["b2"])
        loss, dscores = _tuple(s.call("softmax_cross_entropy", scores, y),
                               "softmax_cross_entropy", 2, "(loss, dscores)")
        dactive, dW2, db2 = _tuple(s.call("affine_backward", dscores, c2), "affine_backward", 3,
                                   "(dx, dw, db)")
        dhidden = s.call("relu_backward", dactive, cr)
        _, dW1, db1 = _tuple(s.call("affine_backward", dhidden, c1), "affine_backward", 3,
                             "(dx, dw, db)")
        return float(np.asarray(loss, dtype=float)), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    except (Fail, TypeError, ValueError):
        return None


def _check_loss_grads(s: Session, got, want, label: str) -> None:
    loss, grads = got
    s.close(loss, want[0], rtol=1e-9, name=f"loss ({label})")
    s.true(isinstance(grads, dict) and set(grads) == {"W1", "b1", "W2", "b2"},
           "grads must be a dict with keys W1, b1, W2, b2.")
    for key, value in want[1].items():
        _grad(s, grads[key], value, f"grads['{key}'] ({label})",
              "Call the backward functions in reverse order, each on the gradient the "
              "previous one returned.")


@GRADER.test("test_two_layer", points=10, timeout=60)
def _two_layer_test(s: Session) -> None:
    fn = "two_layer_loss"
    cases = []
    for n, d, h, c in [(int(s.rng.integers(4, 8)), 4, 6, 3), (7, 3, 5, 4), (1, 4, 3, 2)]:
        cases.append((_two_layer_params(s, d, h, c), s.rng.normal(size=(n, d)),
                      s.rng.integers(0, c, size=n)))
    with s.part(6, "loss and gradients without penalty"):
        for p, X, y in cases:
            label = f"N={X.shape[0]}, reg=0"
            got = _tuple(_call(s, fn, p, X, y, 0.0, names=["params", "X", "y", None]), fn, 2,
                         "(loss, grads)")
            try:
                _check_loss_grads(s, got, _two_layer_reference(p, X, y), label)
            except Fail:
                # one mistake, one charge: a network built right from the student's own
                # (wrong) layers earns these points (MARK_SCHEMES.md principle 4)
                own = _two_layer_own(s, p, X, y)
                if own is None:
                    raise
                _check_loss_grads(s, got, own, label + ", from your own layers")
    with s.part(4, "penalty"):
        for p, X, y in cases[:2]:
            reg = float(s.rng.uniform(0.05, 0.5))
            without = _tuple(s.call(fn, p, X, y, 0.0), fn, 2, "(loss, grads)")
            with_reg = _tuple(s.call(fn, p, X, y, reg), fn, 2, "(loss, grads)")
            penalty = reg * float((p["W1"] ** 2).sum() + (p["W2"] ** 2).sum())
            s.close(float(as_array(with_reg[0], "loss")) - float(as_array(without[0], "loss")),
                    penalty, rtol=1e-8, name=f"loss(reg={reg:.3f}) - loss(reg=0)",
                    hint="The penalty in the loss is reg * (sum(W1**2) + sum(W2**2)).")
            for key in ("W1", "W2", "b1", "b2"):
                s.true(isinstance(with_reg[1], dict) and isinstance(without[1], dict)
                       and key in with_reg[1] and key in without[1],
                       "grads must be a dict with keys W1, b1, W2, b2.")
                gap = (s.shape(with_reg[1][key], p[key].shape, f"grads['{key}']")
                       - s.shape(without[1][key], p[key].shape, f"grads['{key}']"))
                want = 2.0 * reg * p[key] if key.startswith("W") else np.zeros_like(p[key])
                s.close(gap, want, rtol=1e-7, atol=1e-10,
                        name=f"grads['{key}'](reg={reg:.3f}) - grads['{key}'](reg=0)",
                        hint="Add 2 * reg * W to each weight's gradient (not to the biases).")


# ----------------------------------------------------------------------------- part 3

def _bn_inputs(s: Session, n, d):
    x = 3.0 * s.rng.normal(size=(n, d)) + 4.0 * s.rng.normal(size=d)
    gamma = s.rng.choice([-1.0, 1.0], size=d) * s.rng.uniform(0.5, 1.5, size=d)
    state = {"running_mean": s.rng.normal(size=d), "running_var": s.rng.random(d) + 0.5}
    return x, gamma, s.rng.normal(size=d), state


def _state(value, name: str):
    if not isinstance(value, dict) or not {"running_mean", "running_var"} <= set(value):
        raise Fail(f"{name} must be a dict with running_mean and running_var; got "
                   f"{type(value).__name__}.")
    return value


@GRADER.test("test_batchnorm_forward", points=10, timeout=60)
def _bn_forward_test(s: Session) -> None:
    fn = "batchnorm_forward"
    cases = [(_bn_inputs(s, n, d), mom) for n, d, mom in
             [(int(s.rng.integers(5, 10)), 5, 0.9), (3, 2, 0.5), (20, 1, 0.99)]]
    names = ["x", "gamma", "beta", "bn_state"]
    with s.part(5, "training output"):
        for (x, g, b, st), mom in cases:
            out = _forward(s, fn, x, g, b, st, n=3, train=True, momentum=mom)[0]
            s.close(out, _batchnorm(x, g, b, st["running_mean"], st["running_var"], True, mom)[0],
                    rtol=1e-7, atol=1e-9, name=f"train-mode out (N={x.shape[0]}, D={x.shape[1]})",
                    hint="Normalize with the batch mean and the biased batch variance "
                         "(divide by N).")
    with s.part(3, "running statistics"):
        for (x, g, b, st), mom in cases:
            new = _state(_forward(s, fn, x, g, b, st, n=3, names=names, train=True,
                                  momentum=mom)[2], "new_state")
            _, mean, var = _batchnorm(x, g, b, st["running_mean"], st["running_var"], True, mom)
            s.close(new["running_mean"], mean, rtol=1e-9, atol=1e-12,
                    name=f"running_mean (momentum={mom})",
                    hint="momentum * running_mean + (1 - momentum) * batch mean.")
            s.close(new["running_var"], var, rtol=1e-9, atol=1e-12,
                    name=f"running_var (momentum={mom})",
                    hint="momentum * running_var + (1 - momentum) * var * N / (N - 1).")
        state, mean, var = None, np.zeros(3), np.ones(3)
        for _ in range(3):
            xb = 2.0 * s.rng.normal(size=(6, 3)) + 1.0
            state = _state(_forward(s, fn, xb, np.ones(3), np.zeros(3), state, n=3,
                                    train=True)[2], "new_state")
            _, mean, var = _batchnorm(xb, np.ones(3), np.zeros(3), mean, var, True)
        s.close(state["running_mean"], mean, rtol=1e-9, atol=1e-12,
                name="running_mean after 3 steps from None (zeros)")
        s.close(state["running_var"], var, rtol=1e-9, atol=1e-12,
                name="running_var after 3 steps from None (ones)")
    with s.part(2, "test mode"):
        for (x, g, b, st), mom in cases:
            out, _, same = _forward(s, fn, x[:1], g, b, st, n=3, names=names, train=False,
                                    momentum=mom)
            s.close(out, _batchnorm(x[:1], g, b, st["running_mean"], st["running_var"],
                                    False)[0], rtol=1e-7, atol=1e-9,
                    name=f"test-mode output of one row (D={x.shape[1]})",
                    hint="In test mode use the running statistics, not the batch's.")
            same = _state(same, "the state returned in test mode")
            s.close(same["running_mean"], st["running_mean"], rtol=0, atol=0,
                    name="running_mean returned in test mode (unchanged)")
            s.close(same["running_var"], st["running_var"], rtol=0, atol=0,
                    name="running_var returned in test mode (unchanged)")


def _bn_backward_own(x, out, gamma, beta, dout, train):
    """The stated backward formula evaluated on the student's own forward normalization."""
    x_hat = (np.asarray(out, dtype=float) - beta) / gamma
    dx_hat = dout * gamma
    centred = x - x.mean(axis=0) if train else x
    # x_hat = (x - m) * inv_std column by column: inv_std from a least-squares fit
    if train:
        inv_std = (x_hat * centred).sum(axis=0) / (centred ** 2).sum(axis=0)
        n = x.shape[0]
        dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0)
                            - x_hat * (dx_hat * x_hat).sum(axis=0))
    else:
        dx = None
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


@GRADER.test("test_batchnorm_backward", points=10, timeout=60)
def _bn_backward_test(s: Session) -> None:
    cases = []
    for n, d, train in [(int(s.rng.integers(4, 9)), 4, True), (2, 3, True), (5, 3, False),
                        (1, 4, False)]:
        x, g, b, st = _bn_inputs(s, n, d)
        cases.append((x, g, b, st, s.rng.normal(size=(n, d)), train))
    results = []
    for x, g, b, st, dout, train in cases:  # the student's own forward makes each cache
        out, cache, _ = _forward(s, "batchnorm_forward", x, g, b, st, n=3, train=train)
        grads = _tuple(_call(s, "batchnorm_backward", dout, cache, names=["dout", "cache"]),
                       "batchnorm_backward", 3, "(dx, dgamma, dbeta)")
        results.append((out, grads))
    # one mistake, one charge: each value is right against the reference, or against the
    # stated formula evaluated on the student's own forward normalization (MARK_SCHEMES.md)
    with s.part(3, "dgamma and dbeta"):
        for (x, g, b, st, dout, train), (out, grads) in zip(cases, results, strict=True):
            mode = "train" if train else "test"
            ref = _batchnorm(x, g, b, st["running_mean"], st["running_var"], train)[0]
            x_hat = (ref - b) / g
            own = _bn_backward_own(x, out, g, b, dout, train)
            for index, name, want, hint in [
                    (1, "dgamma", (dout * x_hat).sum(axis=0), "dgamma sums dout * x_hat."),
                    (2, "dbeta", dout.sum(axis=0), "dbeta sums dout over the batch.")]:
                label = f"{name} in {mode} mode (N={x.shape[0]}, D={x.shape[1]})"
                try:
                    _grad(s, grads[index], want, label, hint)
                except Fail:
                    _grad(s, grads[index], own[index], label, hint)
    with s.part(5, "dx in train mode"):
        for (x, g, b, _, dout, train), (out, grads) in zip(cases, results, strict=True):
            if not train:
                continue
            label = f"dx in train mode (N={x.shape[0]}, D={x.shape[1]})"
            hint = ("In train mode dx also flows through the batch mean and variance: "
                    "N * dx_hat, its sum, and x_hat times the sum of dx_hat * x_hat.")
            try:
                _grad(s, grads[0], _batchnorm_dx_train(x, g, dout), label, hint)
            except Fail:
                _grad(s, grads[0], _bn_backward_own(x, out, g, b, dout, True)[0], label, hint)
    with s.part(2, "dx in test mode"):
        for (x, g, _, st, dout, train), (_, grads) in zip(cases, results, strict=True):
            if train:
                continue
            _grad(s, grads[0], dout * g / np.sqrt(st["running_var"] + 1e-5),
                  f"dx in test mode (N={x.shape[0]}, D={x.shape[1]})",
                  "In test mode dx = dout * gamma / sqrt(running_var + eps).")


# ----------------------------------------------------------------------------- part 4

@GRADER.test("test_dropout", points=7)
def _dropout_test(s: Session) -> None:
    cases = []
    for shape, p in [((5, 6), 0.7), ((1, 9), 0.3), ((2, 3, 4), 0.9)]:
        cases.append((s.rng.normal(size=shape), p, int(s.rng.integers(0, 2**31)),
                      s.rng.normal(size=shape)))
    with s.part(3, "training mask and scale"):
        for x, p, seed, _ in cases:
            mask = (np.random.default_rng(seed).random(x.shape) < p) / p
            out, _ = _forward(s, "dropout_forward", x, p, names=["x", None], train=True,
                              rng={"__rng__": seed})
            s.close(out, x * mask, rtol=1e-12, name=f"dropout_forward, keep_prob={p}, "
                    f"shape {x.shape}",
                    hint="Draw rng.random(x.shape) once from the rng given (never np.random), "
                         "keep where it is < keep_prob and divide the kept units by keep_prob.")
    with s.part(2, "test mode"):
        x = s.rng.normal(size=(3, 4))
        out, cache = _forward(s, "dropout_forward", x, 0.4, names=["x", None], train=False,
                              rng={"__rng__": 4})
        s.close(out, x, rtol=0, atol=0, name="dropout_forward in test mode",
                hint="At test time dropout returns (a copy of) x unchanged.")
        s.close(s.call("dropout_backward", 2.0 * x, cache), 2.0 * x, rtol=0, atol=0,
                name="dropout_backward after a test-mode forward",
                hint="In test mode the backward pass returns dout unchanged.")
    with s.part(2, "backward"):
        for x, p, seed, dout in cases:
            out, cache = _forward(s, "dropout_forward", x, p, train=True, rng={"__rng__": seed})
            # against the student's own mask (what the forward kept, and its scale), so a
            # mask mistake is charged once, in the first part
            out = s.shape(out, x.shape, "dropout_forward's out")
            kept = out != 0
            scale = float(np.median(out[kept] / x[kept])) if kept.any() else 1.0 / p
            dx = _call(s, "dropout_backward", dout, cache, names=["dout", "cache"])
            _grad(s, dx, dout * kept * scale, f"dropout_backward, keep_prob={p}",
                  "dx = dout * mask / keep_prob, with the mask of the forward pass.")


# ----------------------------------------------------------------------------- part 5

def _deep_params(s: Session, dims, bn):
    L = len(dims) - 1
    p = {}
    for layer in range(1, L + 1):
        p[f"W{layer}"] = s.rng.normal(size=(dims[layer - 1], dims[layer])) / np.sqrt(dims[layer - 1])
        p[f"b{layer}"] = 0.1 * s.rng.normal(size=dims[layer])
        if bn and layer < L:
            p[f"gamma{layer}"] = 1.0 + 0.2 * s.rng.normal(size=dims[layer])
            p[f"beta{layer}"] = 0.2 * s.rng.normal(size=dims[layer])
    return p


def _deep_reference(p, X, state, train, dscores=None):
    """(scores, new_state, grads) of the network, with reference layers only."""
    L = sum(1 for k in p if k.startswith("W"))
    h, new_state, tape = X, {}, []
    for layer in range(1, L):
        pre = _affine(h, p[f"W{layer}"], p[f"b{layer}"])
        z = pre
        if f"gamma{layer}" in p:
            st = (state or {}).get(layer) or {"running_mean": np.zeros(pre.shape[1]),
                                              "running_var": np.ones(pre.shape[1])}
            z, m, v = _batchnorm(pre, p[f"gamma{layer}"], p[f"beta{layer}"],
                                 st["running_mean"], st["running_var"], train)
            new_state[layer] = {"running_mean": m, "running_var": v}
        tape.append((h, pre, z))
        h = np.where(z > 0, z, 0.0)
    scores = _affine(h, p[f"W{L}"], p[f"b{L}"])
    grads = {}
    if dscores is not None:
        dh, grads[f"W{L}"], grads[f"b{L}"] = _affine_grads(dscores, h, p[f"W{L}"])
        for layer in range(L - 1, 0, -1):
            h_in, pre, z = tape[layer - 1]
            dz = np.where(z > 0, dh, 0.0)
            if f"gamma{layer}" in p:
                g = p[f"gamma{layer}"]
                x_hat = (z - p[f"beta{layer}"]) / g
                grads[f"gamma{layer}"], grads[f"beta{layer}"] = (dz * x_hat).sum(axis=0), \
                    dz.sum(axis=0)
                dz = _batchnorm_dx_train(pre, g, dz)
            dh, grads[f"W{layer}"], grads[f"b{layer}"] = _affine_grads(dz, h_in, p[f"W{layer}"])
    return scores, new_state, grads


def _deep_own(s: Session, p, X, state, train, dscores=None):
    """The same network from the student's own layers (None if they fail)."""
    try:
        L = sum(1 for k in p if k.startswith("W"))
        h, new_state, caches = X, {}, []
        for layer in range(1, L):
            h, ca = _forward(s, "affine_forward", h, p[f"W{layer}"], p[f"b{layer}"])
            cb = None
            if f"gamma{layer}" in p:
                h, cb, new_state[layer] = _forward(
                    s, "batchnorm_forward", h, p[f"gamma{layer}"], p[f"beta{layer}"],
                    (state or {}).get(layer), n=3, train=train)
            h, cr = _forward(s, "relu_forward", h)
            caches.append((ca, cb, cr))
        scores, cl = _forward(s, "affine_forward", h, p[f"W{L}"], p[f"b{L}"])
        grads = {}
        if dscores is not None:
            dh, grads[f"W{L}"], grads[f"b{L}"] = _tuple(s.call("affine_backward", dscores, cl),
                                                        "affine_backward", 3, "(dx, dw, db)")
            for layer in range(L - 1, 0, -1):
                ca, cb, cr = caches[layer - 1]
                dh = s.call("relu_backward", dh, cr)
                if cb is not None:
                    dh, grads[f"gamma{layer}"], grads[f"beta{layer}"] = _tuple(
                        s.call("batchnorm_backward", dh, cb), "batchnorm_backward", 3, "")
                dh, grads[f"W{layer}"], grads[f"b{layer}"] = _tuple(
                    s.call("affine_backward", dh, ca), "affine_backward", 3, "")
        return scores, new_state, grads
    except (Fail, TypeError, ValueError, KeyError):
        return None


def _check_deep(s: Session, got, want, label: str) -> None:
    scores, new_state, grads = got
    s.close(scores, want[0], rtol=1e-7, atol=1e-9, name=f"scores of {label}",
            hint="affine, [batch norm,] ReLU for each hidden layer; no ReLU after the last "
                 "affine layer.")
    s.true(isinstance(new_state, dict) and set(new_state) == set(want[1]),
           f"new_bn_state must have one entry per batch-norm layer, keyed {sorted(want[1])} "
           "(an empty dict without batch norm).")
    for layer, st in want[1].items():
        for key in ("running_mean", "running_var"):
            s.true(isinstance(new_state[layer], dict) and key in new_state[layer],
                   f"new_bn_state[{layer}] must hold {key}.")
            s.close(new_state[layer][key], st[key], rtol=1e-7, atol=1e-10,
                    name=f"new_bn_state[{layer}]['{key}'] of {label}")
    if want[2]:
        s.true(isinstance(grads, dict) and set(grads) == set(want[2]),
               f"grads must have exactly the keys of params: {sorted(want[2])}.")
        for key, value in want[2].items():
            _grad(s, grads[key], value, f"grads['{key}'] of {label}")


@GRADER.test("test_deep_net", points=8, timeout=60)
def _deep_net_test(s: Session) -> None:
    for dims, bn, n in [([5, 7, 6, 3], False, 6), ([4, 6, 5, 4, 3], True, 8), ([3, 4, 2], True, 5)]:
        p = _deep_params(s, dims, bn)
        X, y = s.rng.normal(size=(n, dims[0])), s.rng.integers(0, dims[-1], size=n)
        L = len(dims) - 1
        st = {layer: {"running_mean": s.rng.normal(size=dims[layer]),
                      "running_var": s.rng.random(dims[layer]) + 0.5}
              for layer in range(1, L)} if bn else None
        label = f"a {dims} network (batch norm: {bn})"
        for train, rows in [(True, n), (False, 1)]:
            Xr = X[:rows]
            mode = f"{label}, {'train' if train else 'test'} mode"
            scores, cache, new = _forward(s, "deep_net_forward", p, Xr, st, n=3,
                                          names=["params", "X", "bn_state"], train=train)
            want = _deep_reference(p, Xr, st, train)
            dscores = _cross_entropy(want[0], y[:rows])[1] if train else None
            got_grads = {}
            if dscores is not None:
                got_grads = _call(s, "deep_net_backward", dscores, cache,
                                  names=["dscores", "cache"])
                want = _deep_reference(p, Xr, st, train, dscores)
            try:
                _check_deep(s, (scores, new, got_grads), want, mode)
            except Fail:
                # one mistake, one charge: the network built right from the student's own
                # (wrong) layers earns these points (MARK_SCHEMES.md principle 4)
                own = _deep_own(s, p, Xr, st, train, dscores)
                if own is None:
                    raise
                _check_deep(s, (scores, new, got_grads), own, mode + ", from your own layers")


def _network_scores(params, X, bn_state):
    """Test-mode scores of a trained network, written without the student's layers."""
    L = sum(1 for k in params if str(k).startswith("W"))
    h = np.asarray(X, dtype=float)
    for layer in range(1, L):
        h = h @ as_array(params[f"W{layer}"], f"W{layer}") + as_array(params[f"b{layer}"],
                                                                      f"b{layer}")
        if f"gamma{layer}" in params:
            st = bn_state[layer]
            h = (as_array(params[f"gamma{layer}"], "gamma") * (h - as_array(st["running_mean"],
                                                                            "running_mean"))
                 / np.sqrt(as_array(st["running_var"], "running_var") + 1e-5)
                 + as_array(params[f"beta{layer}"], "beta"))
        h = h * (h > 0)
    return h @ as_array(params[f"W{L}"], f"W{L}") + as_array(params[f"b{L}"], f"b{L}")


@GRADER.test("test_training", points=6, timeout=60)
def _training_test(s: Session) -> None:
    X_val, y_val = _digits_split()
    for name, state_name, bn in [("params_plain", None, False), ("params_bn", "state_bn", True)]:
        params = s.get(name)
        s.true(isinstance(params, dict) and sum(1 for k in params if str(k).startswith("W")) >= 3,
               f"{name} must be a parameter dict of a network with at least 3 layers "
               "(W1, W2, W3, ...).")
        has_bn = any(str(k).startswith("gamma") for k in params)
        s.true(has_bn == bn, f"{name} must be the network {'with' if bn else 'without'} "
               "batch norm.")
        state = s.get(state_name) if state_name else None
        L = sum(1 for k in params if str(k).startswith("W"))
        if bn:
            s.true(isinstance(state, dict) and all(
                f"gamma{layer}" in params and isinstance(state.get(layer), dict)
                and {"running_mean", "running_var"} <= set(state[layer])
                for layer in range(1, L)),
                "the batch-norm network needs gamma{l}, beta{l} and state_bn[l] (with "
                "running_mean and running_var) for every hidden layer l.")
        try:
            with np.errstate(all="ignore"):
                scores = _network_scores(params, X_val, state)
        except (KeyError, ValueError, TypeError) as exc:
            raise Fail(f"{name} cannot be evaluated as a network ({type(exc).__name__}: "
                       f"{str(exc)[:100]}); check the shapes of its parameters.") from None
        s.true(scores.shape == (len(y_val), 10),
               f"{name} must map the 64 pixels to 10 scores; got shape {scores.shape}.")
        acc = float((scores.argmax(axis=1) == y_val).mean()) if np.isfinite(scores).all() else 0.0
        if acc < TARGET_VAL_ACC:
            # one mistake, one charge: a network trained and evaluated with the student's own
            # (wrong) layers earns these points if its own forward pass reaches the target
            try:
                own = _tuple(s.call("deep_net_forward", params, X_val, state, train=False),
                             "deep_net_forward", 3, "(scores, cache, new_bn_state)")[0]
                own = s.shape(own, (len(y_val), 10), "scores")
                acc = max(acc, float((own.argmax(axis=1) == y_val).mean()))
            except Fail:
                pass
        s.true(acc >= TARGET_VAL_ACC,
               f"the network {'with' if bn else 'without'} batch norm reaches validation "
               f"accuracy {acc:.3f}; the target is {TARGET_VAL_ACC}.")
