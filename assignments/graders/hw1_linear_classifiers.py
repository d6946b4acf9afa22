"""Trusted grader of hw1_linear_classifiers: one entry per autograder test cell.

Runs in the grader's process only (see tools/grading/spec.py): inputs come from ``s.rng``
(a fresh secret seed per grading run), expected values from the independent references
below, and the student's kernel sees only the inputs. Never copied into a sandbox, the
release or the student kit.
"""

from __future__ import annotations

import numpy as np

from tools.grading.spec import (
    Fail,
    Grader,
    Session,
    assert_pair,
    numerical_gradient,
    scalar,
    scaled_error,
)

GRADER = Grader("hw1_linear_classifiers")
TARGET_VAL_ACC = 0.92


# ----------------------------------------------------------------------------- references

def _distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.sqrt(((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=2))


def _vote(dists: np.ndarray, y: np.ndarray, k: int, classes: int) -> np.ndarray:
    nearest = dists.argsort(axis=1, kind="stable")[:, :k]
    counts = np.stack([(y[nearest] == c).sum(axis=1) for c in range(classes)], axis=1)
    return counts.argmax(axis=1)  # first maximum: the smallest label wins a tie


def _cross_validate(X, y, k, folds, classes):
    parts = np.array_split(np.arange(len(y)), folds)
    out = []
    for f in range(folds):
        rest = np.setdiff1d(np.arange(len(y)), parts[f])
        pred = _vote(_distances(X[parts[f]], X[rest]), y[rest], k, classes)
        out.append(float((pred == y[parts[f]]).mean()))
    return np.array(out)


def _svm(W, X, y, reg):
    scores = X @ W
    rows = np.arange(len(y))
    margins = scores - scores[rows, y][:, None] + 1.0
    margins[rows, y] = 0.0
    positive = (margins > 0) * 1.0
    loss = (margins * positive).sum() / len(y) + reg * (W * W).sum()
    coeff = positive.copy()
    coeff[rows, y] = -positive.sum(axis=1)
    return loss, X.T @ coeff / len(y) + 2.0 * reg * W


def _softmax(W, X, y, reg):
    scores = X @ W
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_probs[rows, y].mean() + reg * (W * W).sum()
    probs = np.exp(log_probs)
    probs[rows, y] -= 1.0
    return loss, X.T @ probs / len(y) + 2.0 * reg * W


def _digits_split():
    """The notebook's data, rebuilt here (the student's variables are never trusted)."""
    from dlhelpers.data import load_digits

    X, y = load_digits()
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order] / 16.0, y[order]
    mean = X[:1000].mean(axis=0)

    def bias(rows):
        return np.hstack([rows - mean, np.ones((rows.shape[0], 1))])
    return bias(X[:1000]), y[:1000], bias(X[1000:1400]), y[1000:1400]


# ----------------------------------------------------------------------------- helpers

def _check_distances(s: Session, fn: str, A, B, what: str, **kw) -> None:
    s.close(s.call(fn, A, B), _distances(A, B), name=f"{fn}: {what}", **kw)


def _loss_values(s: Session, fn: str, reference) -> None:
    """Values on three shapes, inputs left unmodified, gradient check of the student's loss."""
    for n, d, c, reg in ((int(s.rng.integers(8, 20)), 7, 5, 0.0), (1, 4, 3, 0.25),
                         (40, 65, 10, 0.05)):
        W = s.rng.normal(scale=0.5, size=(d, c))
        X = s.rng.normal(size=(n, d))
        y = s.rng.integers(0, c, size=n)
        loss, dW = assert_pair(s.call(fn, W, X, y, reg, return_args=True), fn, "(loss, dW)")
        want_loss, want_dW = reference(W, X, y, reg)
        label = f"N={n}, D={d}, C={c}, reg={reg}"
        s.close(loss, want_loss, rtol=1e-7, name=f"loss for {label}")
        s.close(dW, want_dW, rtol=1e-6, atol=1e-10, name=f"dW for {label}")
        after = s.args_after
        s.true(len(after) >= 2 and np.array_equal(np.asarray(after[0], dtype=float), W)
               and np.array_equal(np.asarray(after[1], dtype=float), X),
               f"{fn} must not modify W or X in place.")
    W = s.rng.normal(scale=0.3, size=(6, 4))
    X = s.rng.normal(size=(9, 6))
    y = s.rng.integers(0, 4, size=9)
    numeric = numerical_gradient(
        lambda points: [scalar(assert_pair(v, fn, "(loss, dW)")[0], "loss") for v in
                        s.call_many(fn, [((w, X, y, 0.1), {}) for w in points])], W)
    analytic = assert_pair(s.call(fn, W, X, y, 0.1), fn, "(loss, dW)")[1]
    err = scaled_error(s.shape(analytic, W.shape, "dW"), numeric)
    s.true(err < 1e-6, f"{fn}: the gradient does not match the numerical gradient of your own "
           f"loss (largest gap relative to the gradient's size: {err:.2e}).")


def _huge_scores(s: Session, fn: str) -> None:
    X = s.rng.normal(size=(8, 5)) * 1e4
    W = s.rng.normal(size=(5, 3))
    y = s.rng.integers(0, 3, size=8)
    loss, dW = assert_pair(s.call(fn, W, X, y, 0.0), fn, "(loss, dW)")
    want_loss, want_dW = _softmax(W, X, y, 0.0)
    s.close(loss, want_loss, rtol=1e-7, name="loss with scores around 1e4",
            hint="Subtract each row's largest score before exponentiating.")
    s.close(dW, want_dW, rtol=1e-6, atol=1e-6, name="dW with scores around 1e4")


# ----------------------------------------------------------------------------- part 1: k-NN

@GRADER.test("test_knn_two_loops", points=5)
def _two_loops(s: Session) -> None:
    A, B = s.rng.normal(size=(7, 5)), s.rng.normal(size=(11, 5))
    _check_distances(s, "l2_distances_two_loops", A, B, "a 7 x 11 random case")
    _check_distances(s, "l2_distances_two_loops", B[:1], A, "a single test row")


@GRADER.test("test_knn_one_loop", points=5)
def _one_loop(s: Session) -> None:
    A, B = s.rng.normal(size=(9, 6)), s.rng.normal(size=(4, 6))
    _check_distances(s, "l2_distances_one_loop", A, B, "a 9 x 4 random case")
    _check_distances(s, "l2_distances_one_loop", A[:, :1], B[:, :1], "points in one dimension")


@GRADER.test("test_knn_no_loops", points=8)
def _no_loops(s: Session) -> None:
    fn = "l2_distances_no_loops"
    # decided (MARK_SCHEMES.md): a missing clamp costs only its own 2 points
    with s.part(4, "distances"):
        A, B = s.rng.normal(size=(40, 64)), s.rng.normal(size=(300, 64))
        _check_distances(s, fn, A, B, "a 40 x 300 random case", rtol=1e-7)
    with s.part(2, "a point and itself"):
        # 100 points: round-off makes some squared self-distance negative in practice always
        far = s.rng.normal(size=(100, 3)) + 1000.0
        own = s.shape(s.call(fn, far, far), (100, 100), "distances of a set to itself")
        s.close(np.diagonal(own), np.zeros(100), atol=1e-4,
                name="distance of each point to itself",
                hint="Clamp the squared distances at 0 before taking the square root.")
    with s.part(2, "no loops", needs="distances"):
        s.no_loops(fn)


@GRADER.test("test_knn_predict", points=6)
def _predict(s: Session) -> None:
    fn = "knn_predict"
    s.labels(s.call(fn, np.array([[0.1, 0.2, 5.0]]), np.array([3, 1, 1]), k=2), [1],
             name="knn_predict when two labels tie", hint="Break ties toward the smaller label.")
    D = s.rng.random((30, 50))
    y = s.rng.integers(0, 4, size=50)
    for k in (1, 4, 7):
        s.labels(s.call(fn, D, y, k=k), _vote(D, y, k, 4),
                 name=f"knn_predict on 30 random rows with k={k}")


@GRADER.test("test_knn_cross_validate", points=6, timeout=60)
def _cross_validate_test(s: Session) -> None:
    X = s.rng.normal(size=(60, 4)) + np.repeat(np.eye(4)[:3] * 1.5, 20, axis=0)
    y = np.repeat(np.arange(3), 20)
    order = s.rng.permutation(60)
    X, y = X[order], y[order]
    for folds in (4, 5):
        acc = s.call("cross_validate_k", X, y, [1, 3, 8], num_folds=folds)
        if acc is None or not isinstance(acc, dict):
            raise Fail("cross_validate_k must return a dict with one entry per k; got "
                       f"{type(acc).__name__}.")
        s.true(set(acc) == {1, 3, 8}, "cross_validate_k must return a dict with one entry "
               f"per k: keys [1, 3, 8], got {sorted(acc, key=str)}.")
        own = None
        for k in (1, 3, 8):
            name = f"fold accuracies for k={k}, {folds} folds"
            try:
                s.close(acc.get(k), _cross_validate(X, y, k, folds, 3), atol=1e-12, name=name)
            except Fail:
                # One mistake, one charge: right folds around the student's own (wrong)
                # distances or vote still earn these points (MARK_SCHEMES.md).
                own = _own_cross_validate(s, X, y, folds) if own is None else own
                if not own:
                    raise
                s.close(acc.get(k), own[k], atol=1e-12, name=name)


def _own_cross_validate(s: Session, X, y, folds) -> dict:
    """Fold accuracies from the student's own distances and vote ({} if they fail)."""
    parts = np.array_split(np.arange(len(y)), folds)
    out = {1: [], 3: [], 8: []}
    try:
        for f in range(folds):
            rest = np.setdiff1d(np.arange(len(y)), parts[f])
            dists = s.call("l2_distances_no_loops", X[parts[f]], X[rest])
            for k in out:
                pred = np.asarray(s.call("knn_predict", dists, y[rest], k=k), dtype=float)
                if pred.shape != parts[f].shape:
                    return {}
                out[k].append(float((pred == y[parts[f]]).mean()))
    except (Fail, TypeError, ValueError):
        return {}
    return {k: np.array(v) for k, v in out.items()}


# ----------------------------------------------------------------------------- parts 2, 3

@GRADER.test("test_svm_loops", points=8, timeout=60)
def _svm_loops(s: Session) -> None:
    _loss_values(s, "svm_loss_loops", _svm)


@GRADER.test("test_svm_vectorized", points=10, timeout=60)
def _svm_vectorized(s: Session) -> None:
    with s.part(8, "loss and gradient"):
        _loss_values(s, "svm_loss_vectorized", _svm)
    with s.part(2, "no loops", needs="loss and gradient"):
        s.no_loops("svm_loss_vectorized")


@GRADER.test("test_softmax_loops", points=8, timeout=60)
def _softmax_loops(s: Session) -> None:
    # decided (MARK_SCHEMES.md): a softmax without the max-shift loses only the 2 points of
    # the large-scores part
    with s.part(6, "loss and gradient"):
        _loss_values(s, "softmax_loss_loops", _softmax)
    with s.part(2, "scores around 1e4"):
        _huge_scores(s, "softmax_loss_loops")


@GRADER.test("test_softmax_vectorized", points=10, timeout=60)
def _softmax_vectorized(s: Session) -> None:
    with s.part(6, "loss and gradient"):
        _loss_values(s, "softmax_loss_vectorized", _softmax)
    with s.part(2, "scores around 1e4"):
        _huge_scores(s, "softmax_loss_vectorized")
    with s.part(2, "no loops", needs="loss and gradient"):
        s.no_loops("softmax_loss_vectorized")


# ----------------------------------------------------------------------------- part 4

@GRADER.test("test_linear_predict", points=3)
def _linear_predict(s: Session) -> None:
    W, X = s.rng.normal(size=(8, 6)), s.rng.normal(size=(50, 8))
    s.labels(s.call("predict_linear", W, X), (X @ W).argmax(axis=1),
             name="predict_linear, 50 random rows",
             hint="Take the argmax over the class axis (axis=1) of X @ W.")


def _expected_sgd(X, y, loss_grad, *, lr, num_iters, batch_size, seed):
    """The documented algorithm, replayed here: initial W, then one rng.choice per step."""
    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((X.shape[1], int(y.max()) + 1))
    rows_seen, history = [], []
    for _ in range(num_iters):
        rows = rng.choice(X.shape[0], size=batch_size, replace=True)
        rows_seen.append(rows)
        loss, grad = loss_grad(W)
        history.append(loss)
        W = W - lr * grad
    return W, history, rows_seen


@GRADER.test("test_sgd_train", points=8, timeout=60)
def _sgd(s: Session) -> None:
    fn = "sgd_train"
    X = np.column_stack([np.arange(20.0) + s.rng.random(), s.rng.normal(size=20)])
    y = np.arange(20) % 3
    seed, lr, steps, batch = int(s.rng.integers(0, 1000)), 0.25, 6, 3
    constant = {"__callable__": "constant", "value": 1.5, "grad": 1.0}
    out = s.call(fn, constant, X, y, lr=lr, reg=0.0, num_iters=steps, batch_size=batch,
                 seed=seed)
    out = assert_pair(out, fn, "(W, loss_history)")
    calls = s.trace
    W_want, _, rows = _expected_sgd(X, y, lambda W: (1.5, np.ones_like(W)), lr=lr,
                                    num_iters=steps, batch_size=batch, seed=seed)
    # decided (MARK_SCHEMES.md): batches from the wrong generator (or without replacement)
    # cost 3 points; wrong updates cost 5
    with s.part(3, "mini-batches"):
        s.true(len(calls) == steps, f"loss_fn should be called once per step ({steps} steps), "
               f"got {len(calls)} calls.")
        for step, (call, want_rows) in enumerate(zip(calls, rows, strict=True)):
            s.true(isinstance(call, dict), "the calls of loss_fn could not be read")
            s.close(call.get("first_column"), X[want_rows, 0], name=f"rows of batch {step}",
                    hint="Use rng.choice(N, size=batch_size, replace=True) once per step, "
                         "from the rng made with the given seed (not np.random).")
    with s.part(5, "updates"):
        s.close(out[0], W_want, rtol=1e-12, name=f"W after {steps} steps with dW = 1",
                hint="Start from 0.001 * rng.standard_normal((D, C)) and apply W -= lr * dW "
                     "each step.")
        s.close(out[1], [1.5] * steps, name="loss_history")
        # a real descent: a quadratic bowl, whose exact trajectory the grader replays
        target = s.rng.normal(size=(2, 3))
        out = assert_pair(s.call(fn, {"__callable__": "quadratic", "target": target}, X, y,
                                 lr=0.1, reg=0.0, num_iters=40, batch_size=4, seed=seed + 1),
                          fn, "(W, loss_history)")
        W_want, history, _ = _expected_sgd(
            X, y, lambda W: (float(((W - target) ** 2).sum()), 2.0 * (W - target)), lr=0.1,
            num_iters=40, batch_size=4, seed=seed + 1)
        s.close(out[0], W_want, rtol=1e-9, atol=1e-12,
                name="W after 40 steps on a quadratic bowl")
        s.close(out[1], history, rtol=1e-9, atol=1e-12, name="loss_history on a quadratic bowl")


@GRADER.test("test_hyperparameter_search", points=8)
def _search(s: Session) -> None:
    X_train, y_train, X_val, y_val = _digits_split()
    results = s.get("results")
    s.true(isinstance(results, dict) and len(results) >= 1,
           "results must map each (lr, reg) you tried to its validation accuracy.")
    keys = [k for k in results if isinstance(k, tuple) and len(k) == 2]
    s.true(len(keys) == len(results), "the keys of results must be (lr, reg) pairs.")
    best_W, acc = None, None
    # decided (MARK_SCHEMES.md): 4 points for a consistent search, 4 for the target; an
    # earlier part's mistake is not charged again here (see each check)
    with s.part(4, "the search's bookkeeping"):
        s.true(len({k[0] for k in keys}) >= 2 and len({k[1] for k in keys}) >= 2,
               "search at least two learning rates and two regularization strengths.")
        best_W = s.shape(s.get("best_W"), (65, 10), "best_W")
        acc = float(((X_val @ best_W).argmax(axis=1) == y_val).mean())
        best = scalar(s.get("best_val_acc"), "best_val_acc")
        if abs(best - acc) > 1e-9:  # measured with the student's own predict_linear?
            own = np.asarray(s.call("predict_linear", best_W, X_val), dtype=float)
            own_acc = float((own == y_val).mean()) if own.shape == y_val.shape else acc
            s.close(best, own_acc if abs(best - own_acc) <= 1e-9 else acc, atol=1e-9,
                    name="best_val_acc (recomputed from best_W)")
        s.close(best, max(scalar(v, "a validation accuracy in results")
                          for v in results.values()),
                atol=1e-9, name="best_val_acc versus max(results)")
    with s.part(4, "accuracy target"):
        if acc is None or acc < TARGET_VAL_ACC:
            params = s.get("best_params")
            s.true(isinstance(params, (tuple, list)) and len(params) == 2
                   and tuple(params) in results,
                   "best_params must be the (lr, reg) key of results that gave best_W.")
            params = (scalar(params[0], "best_params[0]"), scalar(params[1], "best_params[1]"))
            again = _reference_accuracy(X_train, y_train, X_val, y_val, *params)
            s.true(again >= TARGET_VAL_ACC,
                   f"validation accuracy of best_W is {acc if acc is not None else 0:.3f}, and "
                   f"retrained with the reference softmax and SGD at your best_params "
                   f"{tuple(params)} it is {again:.3f}; the target is {TARGET_VAL_ACC}.")


def _reference_accuracy(X, y, X_val, y_val, lr, reg) -> float:
    """The notebook's training run (500 steps, batches of 100, seed 0) with the references."""
    replay = np.random.default_rng(0)  # the notebook's training seed
    W = 0.001 * replay.standard_normal((X.shape[1], 10))
    with np.errstate(all="ignore"):
        for _ in range(500):
            rows = replay.choice(X.shape[0], size=100, replace=True)
            W = W - float(lr) * _softmax(W, X[rows], y[rows], float(reg))[1]
    return float(((X_val @ W).argmax(axis=1) == y_val).mean()) if np.isfinite(W).all() else 0.0


@GRADER.test("test_class_templates", points=3)
def _templates(s: Session) -> None:
    W = s.rng.normal(size=(65, 10))
    with s.part(1, "W left unchanged"):
        s.call("class_templates", W, return_args=True)
        s.true(len(s.args_after) >= 1 and np.array_equal(np.asarray(s.args_after[0]), W),
               "class_templates must not modify W: W[:-1].T is a view of W, so rescale a copy "
               "(pixels - low), not pixels in place.")
    with s.part(2, "templates"):
        _templates_values(s, W)


def _templates_values(s: Session, W) -> None:
    t = s.shape(s.call("class_templates", W), (10, 8, 8), "class_templates(W of shape (65, 10))")
    s.close(t.reshape(10, -1).min(axis=1), np.zeros(10), atol=1e-12,
            name="smallest value of each template")
    s.close(t.reshape(10, -1).max(axis=1), np.ones(10), atol=1e-12,
            name="largest value of each template")
    W = s.rng.normal(size=(13, 3))
    W[:, 1] = 0.7  # a constant column becomes all zeros
    cols = W[:-1].T
    want = np.zeros((3, 12))
    for c in (0, 2):
        want[c] = (cols[c] - cols[c].min()) / (cols[c].max() - cols[c].min())
    s.close(s.call("class_templates", W, image_shape=(3, 4)), want.reshape(3, 3, 4), atol=1e-12,
            name="templates for a (13, 3) W with image_shape (3, 4)",
            hint="Drop the bias row, one template per column, and give a constant column zeros.")
