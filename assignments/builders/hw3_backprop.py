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
# # Homework 3: backpropagation, layer by layer
#
# You will write the forward and backward pass of every layer a small fully connected network
# needs, check each one against a numerical gradient, put them together into a two-layer and
# then a deeper network, and train the deeper one on handwritten digits with and without batch
# normalization.
#
# | part | what you write | points |
# |---|---|---|
# | 1 | affine, ReLU, leaky ReLU, sigmoid, tanh, softmax cross-entropy (forward and backward) | 34 |
# | 2 | Xavier and He initializers; a two-layer network's loss and gradients | 15 |
# | 3 | batch normalization forward (train and test mode, running statistics) and backward | 20 |
# | 4 | inverted dropout forward and backward | 7 |
# | 5 | a deeper network from your layers; training it with and without batch norm | 14 |
# | 6 | two short written answers (graded by hand) | 10 |
#
# **How this notebook works.** Write code only where it says `# YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and type your written answers where it says
# `YOUR ANSWER HERE`. Every other cell is read-only. After each answer cell there is a test
# cell: run it. It checks types, shapes and one small value and tells you what to fix. When
# you submit, the course grader runs your notebook, then checks each function itself, in its
# own process, with **more tests**: other shapes, fresh random inputs at every grading, a batch
# of one row, huge inputs, inputs that must not be changed in place, your backward functions'
# gradients, and the accuracy targets; each test cell then shows the grader's verdict and your
# points. Passing the visible tests is necessary but not sufficient; the read-only
# gradient-check cell at the end of each part shows you what the grader looks at.
#
# Rules the grader enforces:
# - Use numpy only. `dlhelpers.nn`, `dlhelpers.models`, `dlhelpers.train` and `dlhelpers.optim`
#   hold the course's own solutions: a function that calls them earns 0.
# - Do not rename functions or change their arguments; do not edit or delete test cells (they
#   are restored before grading).
# - Never modify an input array in place (for example `x[x < 0] = 0` on the caller's `x`).
# - The whole notebook should run in well under a minute (**Kernel > Restart and Run All**
#   before you submit).
#
# **The layer convention.** Every layer is a pair of functions:
#
# ```python
# out, cache = layer_forward(x, ...)      # cache: whatever the backward pass will need
# dx, ... = layer_backward(dout, cache)    # dout = dL/dout, same shape as out
# ```
#
# A batch is row-major: `x` has shape `(N, D)`, one example per row. An affine layer computes
# `x @ w + b` with `w` of shape `(D, M)` and `b` of shape `(M,)`. Each backward function
# returns the gradient of the loss with respect to each input, **with the shape of that
# input**.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import time

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers import grading  # noqa: F401 (the tests use it; imported before any of your code runs)
from dlhelpers.data import load_digits

X_digits, y_digits = load_digits()  # X: (1797, 64) pixel values 0..16, y: (1797,) digits
order = np.random.default_rng(0).permutation(len(y_digits))
X_digits, y_digits = X_digits[order], y_digits[order]
pixel_mean = X_digits[:1000].mean(axis=0)
X_digits = (X_digits - pixel_mean) / 16.0  # centred on the training mean, roughly in [-1, 1]

X_train, y_train = X_digits[:1000], y_digits[:1000]
X_val, y_val = X_digits[1000:1400], y_digits[1000:1400]
X_test, y_test = X_digits[1400:], y_digits[1400:]
print("train", X_train.shape, "validation", X_val.shape, "test", X_test.shape)


# %% [markdown] nbgrader={"grade": false, "grade_id": "gradcheck_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Tools: numerical gradients (read-only, for you to use)
#
# A backward pass is easy to get subtly wrong, and a wrong gradient still lets a network train,
# only worse. The cure is to compare it with a **centred difference**, which needs nothing but
# the forward pass:
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h\,e_i) - f(x - h\,e_i)}{2h},
# \qquad h = 10^{-5}.$$
#
# For a layer whose output is an array, `numerical_gradient_array(f, x, dout)` differentiates
# the scalar `np.sum(f(x) * dout)`, whose gradient with respect to `x` is exactly what
# `layer_backward(dout, cache)` must return as `dx`. The score of a comparison is the course's
# relative error, the largest elementwise `|a - b| / max(|a| + |b|, 1e-12)` (what
# `dlhelpers.gradcheck.relative_error` and the lessons compute). Below `1e-7` the gradient is
# right (round-off only); from `1e-7` to `1e-4`, look closer: that is normal only near a kink
# (ReLU, max) or for an entry that is tiny compared with the loss; above `1e-4` it is a bug.
# The grader accepts a relative error up to `1e-6` on its random inputs.

# %% nbgrader={"grade": false, "grade_id": "gradcheck_tools", "locked": true, "schema_version": 3, "solution": false}
from dlhelpers.gradcheck import relative_error


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function f at x (any shape; x is restored)."""
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        up = f(x)
        x[index] = saved - h
        down = f(x)
        x[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of np.sum(f(x) * dout) with respect to x, for f returning an array."""
    return numerical_gradient(lambda v: float(np.sum(f(v) * dout)), x, h)


# The course's relative error, the one lesson 09 uses: the largest elementwise
# |a - b| / max(|a| + |b|, 1e-12).
rel_error = relative_error


def report(name, analytic, numeric):
    error = rel_error(analytic, numeric)
    if error < 1e-7:
        verdict = "ok"
    elif error < 1e-4:
        verdict = "look closer (normal only near a kink or for a tiny entry)"
    else:
        verdict = "a bug"
    print(f"{name:34s} relative error {error:.1e}  {verdict}")


# a worked example: f(x) = sum(x ** 3) has gradient 3 x ** 2
x_demo = np.array([[1.0, -2.0], [0.5, 3.0]])
report("d/dx sum(x^3)", 3 * x_demo ** 2, numerical_gradient(lambda v: float(np.sum(v ** 3)), x_demo))


# %% [markdown] nbgrader={"grade": false, "grade_id": "part1_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: layers (34 points)
#
# **Affine.** For `x` of shape `(N, D)`, `w` of shape `(D, M)` and `b` of shape `(M,)`, the
# output `out = x @ w + b` has shape `(N, M)`. Given the upstream gradient `dout` (shape
# `(N, M)`), each entry `out[n, m]` depends on `x[n, :]`, on column `w[:, m]` and on `b[m]`,
# which gives
#
# $$dx = dout\, w^\top \;(N, D), \qquad dw = x^\top dout \;(D, M), \qquad
# db = \textstyle\sum_n dout[n, :] \;(M,).$$
#
# A quick shape check tells you the order of each product: there is only one way to multiply
# the available arrays into the right shape.
#
# **Elementwise activations.** ReLU, leaky ReLU, sigmoid and tanh act on each entry on its
# own, so `out` and `dx` have the shape of `x` (any shape), and
# `dx = dout * f'(x)` entry by entry:
#
# | function | forward `f(x)` | local derivative `f'(x)` |
# |---|---|---|
# | ReLU | `max(0, x)` | 1 where `x > 0`, else 0 (use 0 at `x == 0`) |
# | leaky ReLU | `x` if `x > 0`, else `alpha * x` | 1 where `x > 0`, else `alpha` (use `alpha` at `x == 0`) |
# | sigmoid | $\sigma(x) = 1 / (1 + e^{-x})$ | $\sigma(x)\,(1 - \sigma(x))$ |
# | tanh | $\tanh x$ | $1 - \tanh^2 x$ |
#
# Both sigmoid and tanh derivatives are written in terms of the **output**, so caching `out`
# is enough. `np.exp(-x)` overflows to `inf` for `x` below about -710; your sigmoid must still
# return finite values in `[0, 1]` there (hint: $\sigma(x) = e^{x} / (1 + e^{x})$ for negative
# `x`, or `np.exp(-np.logaddexp(0, -x))`).
#
# **Softmax cross-entropy.** For scores `s` of shape `(N, C)` and integer labels `y` of shape
# `(N,)`, with $p_{n,c} = e^{s_{n,c}} / \sum_k e^{s_{n,k}}$:
#
# $$L = -\frac{1}{N}\sum_{n} \log p_{n, y_n}, \qquad
# \frac{\partial L}{\partial s_{n,c}} = \frac{p_{n,c} - [c = y_n]}{N}.$$
#
# Subtract each row's maximum from its scores before exponentiating: it leaves every $p$
# unchanged and stops `np.exp` from overflowing when a score is in the thousands.

# %% nbgrader={"grade": false, "grade_id": "affine", "locked": false, "schema_version": 3, "solution": true}
def affine_forward(x, w, b):
    """Affine (fully connected) layer: out = x @ w + b.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : anything affine_backward needs (for example the tuple (x, w))
    """
    ### BEGIN SOLUTION
    out = x @ w + b
    cache = (x, w)
    ### END SOLUTION
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of the affine layer.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream gradient dL/dout.
    cache : what affine_forward returned

    Returns
    -------
    dx : ndarray of shape (N, D)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    ### BEGIN SOLUTION
    x, w = cache
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)
    ### END SOLUTION
    return dx, dw, db


# %% nbgrader={"grade": true, "grade_id": "test_affine", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 4 forward, 6 backward (dx, dw, db).
from dlhelpers import grading as G

_x = np.array([[1.0, 2.0]])
_w = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
_b = np.array([0.5, 0.0, -1.0])
_out, _cache = G.call_student(affine_forward, _x, _w, _b)
G.assert_close(_out, [[1.5, 2.0, 2.0]], name="affine_forward(x=[[1, 2]], ...)",
               hint="out = x @ w + b: 1*1 + 2*0 + 0.5 = 1.5 for the first column.")
_grads = G.call_student(affine_backward, np.ones((1, 3)), _cache)
G.assert_true(isinstance(_grads, tuple) and len(_grads) == 3,
              "affine_backward must return the tuple (dx, dw, db).")
G.assert_shape(_grads[0], (1, 2), "dx")
G.assert_shape(_grads[1], (2, 3), "dw")
G.assert_shape(_grads[2], (3,), "db")
G.assert_close(_grads[0], [[2.0, 2.0]], name="dx for dout of ones",
               hint="dx = dout @ w.T: each row of w summed.")
_, _cache2 = G.call_student(affine_forward, np.vstack([_x, _x]), _w, _b)
G.assert_close(G.call_student(affine_backward, np.ones((2, 3)), _cache2)[2], [2.0, 2.0, 2.0],
               name="db for two rows of dout = 1", hint="db = dout.sum(axis=0): a sum over the batch, not a mean.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "relu", "locked": false, "schema_version": 3, "solution": true}
def relu_forward(x):
    """ReLU: out = max(0, x), entry by entry.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, shape of x
    cache : what relu_backward needs
    """
    ### BEGIN SOLUTION
    out = np.maximum(x, 0.0)
    cache = x
    ### END SOLUTION
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of ReLU. Returns dx with the shape of x (gradient 0 where x <= 0)."""
    ### BEGIN SOLUTION
    x = cache
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU: x where x > 0, alpha * x elsewhere.

    Parameters
    ----------
    x : ndarray, any shape
    alpha : float
        Slope for x <= 0.

    Returns
    -------
    out : ndarray, shape of x
    cache : what leaky_relu_backward needs (remember alpha)
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    cache = (x, alpha)
    ### END SOLUTION
    return out, cache


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU. Returns dx with the shape of x (slope alpha where x <= 0)."""
    ### BEGIN SOLUTION
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    ### END SOLUTION
    return dx


# %% nbgrader={"grade": true, "grade_id": "test_relu", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 3 ReLU, 3 leaky ReLU, 2 inputs left unchanged.
from dlhelpers import grading as G

_x = np.array([[-2.0, 0.0, 3.0]])
_out, _cache = G.call_student(relu_forward, _x.copy())
G.assert_close(_out, [[0.0, 0.0, 3.0]], name="relu_forward([[-2, 0, 3]])")
G.assert_close(G.call_student(relu_backward, np.array([[5.0, 5.0, 5.0]]), _cache),
               [[0.0, 0.0, 5.0]], name="relu_backward(dout=5, x=[[-2, 0, 3]])",
               hint="Pass dout through where x > 0 and block it elsewhere (also at x == 0).")
_out, _cache = G.call_student(leaky_relu_forward, _x.copy(), alpha=0.1)
G.assert_close(_out, [[-0.2, 0.0, 3.0]], name="leaky_relu_forward([[-2, 0, 3]], alpha=0.1)")
G.assert_close(G.call_student(leaky_relu_backward, np.array([[5.0, 5.0, 5.0]]), _cache),
               [[0.5, 0.5, 5.0]], name="leaky_relu_backward(dout=5, alpha=0.1)",
               hint="The slope is alpha where x <= 0 and 1 where x > 0.")
_x_kept = _x.copy()
G.call_student(relu_forward, _x)
G.call_student(leaky_relu_forward, _x, alpha=0.1)
G.assert_close(_x, _x_kept, rtol=0, atol=0, name="x after relu_forward(x) and leaky_relu_forward(x)",
               hint="Do not modify x in place (x[x < 0] = 0, np.maximum(x, 0, out=x)): return a new array.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "sigmoid_tanh", "locked": false, "schema_version": 3, "solution": true}
def sigmoid_forward(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), entry by entry; finite for any finite x.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, shape of x, values in [0, 1]
    cache : what sigmoid_backward needs
    """
    ### BEGIN SOLUTION
    out = np.exp(-np.logaddexp(0.0, -x))
    cache = out
    ### END SOLUTION
    return out, cache


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid. Returns dx with the shape of x."""
    ### BEGIN SOLUTION
    s = cache
    dx = dout * s * (1.0 - s)
    ### END SOLUTION
    return dx


def tanh_forward(x):
    """Hyperbolic tangent, entry by entry. Returns (out with the shape of x, cache)."""
    ### BEGIN SOLUTION
    out = np.tanh(x)
    cache = out
    ### END SOLUTION
    return out, cache


def tanh_backward(dout, cache):
    """Backward pass of tanh. Returns dx with the shape of x."""
    ### BEGIN SOLUTION
    t = cache
    dx = dout * (1.0 - t * t)
    ### END SOLUTION
    return dx


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_tanh", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 4 sigmoid (huge inputs included), 4 tanh.
from dlhelpers import grading as G

_x = np.array([[0.0, 2.0]])
_out, _cache = G.call_student(sigmoid_forward, _x)
G.assert_close(_out, [[0.5, 1.0 / (1.0 + np.exp(-2.0))]], name="sigmoid_forward([[0, 2]])")
G.assert_close(G.call_student(sigmoid_backward, np.array([[1.0, 1.0]]), _cache)[0, 0], 0.25,
               name="sigmoid's slope at 0", hint="sigma'(0) = sigma(0) * (1 - sigma(0)) = 1/4.")
_out, _cache = G.call_student(tanh_forward, _x)
G.assert_close(_out, np.tanh(_x), name="tanh_forward([[0, 2]])")
G.assert_close(G.call_student(tanh_backward, np.array([[3.0, 3.0]]), _cache)[0, 0], 3.0,
               name="tanh_backward at 0 with dout=3", hint="tanh'(0) = 1 - tanh(0)**2 = 1.")
G.assert_close(G.call_student(tanh_backward, np.array([[3.0, 3.0]]), _cache)[0, 1], 3.0 * (1.0 - np.tanh(2.0) ** 2),
               name="tanh_backward at 2 with dout=3", hint="tanh'(x) = 1 - tanh(x)**2, from the cached output.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "softmax_ce", "locked": false, "schema_version": 3, "solution": true}
def softmax_cross_entropy(scores, y):
    """Mean softmax cross-entropy loss of a batch and its gradient; numerically stable.

    Parameters
    ----------
    scores : ndarray of shape (N, C)
        Unnormalized class scores (logits).
    y : ndarray of int, shape (N,)
        True classes, 0 <= y[n] < C.

    Returns
    -------
    loss : float
        -(1/N) * sum_n log softmax(scores[n])[y[n]].
    dscores : ndarray of shape (N, C)
        dL/dscores = (softmax(scores) - onehot(y)) / N.
    """
    ### BEGIN SOLUTION
    N = scores.shape[0]
    rows = np.arange(N)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean()
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= N
    ### END SOLUTION
    return float(loss), dscores


# %% nbgrader={"grade": true, "grade_id": "test_softmax_ce", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 6 loss and dscores, 2 scores around 1e4.
from dlhelpers import grading as G

_out = G.call_student(softmax_cross_entropy, np.zeros((2, 4)), np.array([0, 3]))
G.assert_true(isinstance(_out, tuple) and len(_out) == 2,
              "softmax_cross_entropy must return (loss, dscores).")
G.assert_close(_out[0], np.log(4.0), name="loss of all-zero scores with 4 classes",
               hint="Equal scores give p = 1/4 for every class, so the loss is log(4).")
G.assert_close(_out[1], [[-0.375, 0.125, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]],
               name="dscores of all-zero scores", hint="dscores = (p - onehot(y)) / N with N = 2.")
_big = G.call_student(softmax_cross_entropy, np.array([[1e4, 0.0, -1e4]]), np.array([0]))
G.assert_close(_big[0], 0.0, atol=1e-9, name="loss of the scores [1e4, 0, -1e4] with y = 0",
               hint="Subtract each row's largest score before exponentiating (exp(1e4) overflows).")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "layers_check", "locked": true, "schema_version": 3, "solution": false}
# Gradient check of every layer of Part 1: your backward pass against numerical differences
# of your forward pass, on small random inputs.
rng_check = np.random.default_rng(7)
x = rng_check.normal(size=(4, 5))
w, b = rng_check.normal(size=(5, 3)), rng_check.normal(size=3)
dout = rng_check.normal(size=(4, 3))
try:
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    report("affine dx", dx, numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout))
    report("affine dw", dw, numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout))
    report("affine db", db, numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout))
    dout = rng_check.normal(size=x.shape)
    for name, forward, backward in [("relu", relu_forward, relu_backward),
                                    ("leaky relu", leaky_relu_forward, leaky_relu_backward),
                                    ("sigmoid", sigmoid_forward, sigmoid_backward),
                                    ("tanh", tanh_forward, tanh_backward)]:
        dx = backward(dout, forward(x)[1])
        report(f"{name} dx", dx, numerical_gradient_array(lambda v: forward(v)[0], x, dout))
    scores, labels = rng_check.normal(size=(6, 4)), rng_check.integers(0, 4, size=6)
    loss, dscores = softmax_cross_entropy(scores, labels)
    report("softmax cross-entropy dscores", dscores,
           numerical_gradient(lambda s: softmax_cross_entropy(s, labels)[0], scores))
    print(f"softmax loss with random scores: {loss:.3f} (log 4 = {np.log(4):.3f} for equal scores)")
except NotImplementedError:
    print("write every layer of Part 1 first")


# %% [markdown] nbgrader={"grade": false, "grade_id": "part2_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: initialization and a two-layer network (15 points)
#
# **Initializers.** A weight matrix of shape `(d_in, d_out)` starts as Gaussian noise whose
# spread depends on the fan-in `d_in`, so that activations keep roughly the same scale from
# layer to layer:
#
# | rule | standard deviation | for |
# |---|---|---|
# | LeCun (the lecture's "Xavier"; frameworks' xavier_* use 2/(d_in+d_out)) | $1 / \sqrt{d_\text{in}}$ | tanh-like activations |
# | He | $\sqrt{2 / d_\text{in}}$ | ReLU (which zeroes about half of its inputs, hence the 2) |
#
# Draw exactly one `rng.standard_normal((d_in, d_out))` and scale it (the grader reproduces
# your matrix from the same seed). Biases start at zero.
#
# **A two-layer network.** With `params = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}`:
#
# ```
# X (N, D) -> affine -> (N, H) -> ReLU -> (N, H) -> affine -> scores (N, C) -> softmax cross-entropy
# ```
#
# The loss adds an L2 penalty on the weights (not the biases):
# $L = L_\text{data} + \lambda\,(\lVert W_1\rVert^2 + \lVert W_2\rVert^2)$, so
# `dW1` and `dW2` each get an extra `2 * reg * W`. Build the loss **from your own Part 1
# functions**: call the forward functions in order, keep every cache, then call the backward
# functions in reverse order, each receiving the gradient the previous one returned.

# %% nbgrader={"grade": false, "grade_id": "init", "locked": false, "schema_version": 3, "solution": true}
def xavier_init(d_in, d_out, rng):
    """Gaussian weights with standard deviation 1 / sqrt(d_in).

    Parameters
    ----------
    d_in, d_out : int
    rng : np.random.Generator
        Draw exactly once: rng.standard_normal((d_in, d_out)).

    Returns
    -------
    w : ndarray of shape (d_in, d_out)
    """
    ### BEGIN SOLUTION
    return rng.standard_normal((d_in, d_out)) / np.sqrt(d_in)
    ### END SOLUTION


def he_init(d_in, d_out, rng):
    """Gaussian weights with standard deviation sqrt(2 / d_in) (same draw as xavier_init).

    Returns
    -------
    w : ndarray of shape (d_in, d_out)
    """
    ### BEGIN SOLUTION
    return rng.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_init", "locked": true, "points": 5, "schema_version": 3, "solution": false}
# Graded (5 points): 2 Xavier, 3 He, each reproduced from the rng given.
from dlhelpers import grading as G

_w = G.call_student(xavier_init, 400, 300, np.random.default_rng(0))
G.assert_shape(_w, (400, 300), "xavier_init(400, 300, rng)")
G.assert_close(float(np.std(_w)), 0.05, rtol=0.05, name="std of xavier_init(400, 300)",
               hint="Xavier's standard deviation is 1 / sqrt(d_in) = 1 / 20.")
_w = G.call_student(he_init, 200, 300, np.random.default_rng(0))
G.assert_shape(_w, (200, 300), "he_init(200, 300, rng)")
G.assert_close(float(np.std(_w)), 0.1, rtol=0.05, name="std of he_init(200, 300)",
               hint="He's standard deviation is sqrt(2 / d_in) = 0.1.")
for _init in (xavier_init, he_init):
    G.assert_close(G.call_student(_init, 3, 2, np.random.default_rng(5)),
                   G.call_student(_init, 3, 2, np.random.default_rng(5)), rtol=0, atol=0,
                   name=f"{_init.__name__} twice with np.random.default_rng(5)",
                   hint="Draw from the rng you are given, never np.random: the same seed must give the same weights.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "two_layer", "locked": false, "schema_version": 3, "solution": true}
def two_layer_loss(params, X, y, reg=0.0):
    """Loss and gradients of affine -> ReLU -> affine -> softmax cross-entropy.

    Parameters
    ----------
    params : dict
        "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,). Not modified.
    X : ndarray of shape (N, D)
    y : ndarray of int, shape (N,)
    reg : float
        L2 strength: the loss includes reg * (sum(W1**2) + sum(W2**2)).

    Returns
    -------
    loss : float
    grads : dict
        Same keys as params, each gradient with the shape of its parameter.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    ### BEGIN SOLUTION
    hidden, cache_1 = affine_forward(X, W1, b1)
    active, cache_relu = relu_forward(hidden)
    scores, cache_2 = affine_forward(active, W2, b2)
    data_loss, dscores = softmax_cross_entropy(scores, y)
    loss = data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dactive, dW2, db2 = affine_backward(dscores, cache_2)
    dhidden = relu_backward(dactive, cache_relu)
    _, dW1, db1 = affine_backward(dhidden, cache_1)
    grads = {"W1": dW1 + 2.0 * reg * W1, "b1": db1, "W2": dW2 + 2.0 * reg * W2, "b2": db2}
    ### END SOLUTION
    return float(loss), grads


# %% nbgrader={"grade": true, "grade_id": "test_two_layer", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 6 loss and gradients without penalty (a Part 1 mistake is not charged
# again), 4 the penalty.
from dlhelpers import grading as G

_p = {"W1": np.zeros((3, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 5)), "b2": np.zeros(5)}
_out = G.call_student(two_layer_loss, _p, np.ones((2, 3)), np.array([0, 4]))
G.assert_true(isinstance(_out, tuple) and len(_out) == 2, "two_layer_loss must return (loss, grads).")
G.assert_close(_out[0], np.log(5.0), name="loss with all-zero parameters and 5 classes",
               hint="All scores are 0, so every class has probability 1/5.")
G.assert_true(isinstance(_out[1], dict) and set(_out[1]) == {"W1", "b1", "W2", "b2"},
              "grads must be a dict with keys W1, b1, W2, b2.")
for _k in _p:
    G.assert_shape(_out[1][_k], _p[_k].shape, f"grads['{_k}']")
# the penalty's share: reg * (sum(W1**2) + sum(W2**2)) in the loss, 2 * reg * W in the gradients
_rng = np.random.default_rng(1)
_q = {"W1": _rng.normal(size=(3, 4)), "b1": _rng.normal(size=4), "W2": _rng.normal(size=(4, 5)), "b2": np.zeros(5)}
_X = _rng.normal(size=(2, 3))
_with = G.call_student(two_layer_loss, _q, _X, np.array([0, 4]), reg=0.1)
_without = G.call_student(two_layer_loss, _q, _X, np.array([0, 4]), reg=0.0)
G.assert_close(_with[0] - _without[0], 0.1 * (np.sum(_q["W1"] ** 2) + np.sum(_q["W2"] ** 2)),
               name="loss(reg=0.1) - loss(reg=0)", hint="The loss adds reg * (sum(W1**2) + sum(W2**2)).")
for _k in ("W1", "W2"):
    G.assert_close(_with[1][_k] - _without[1][_k], 0.2 * _q[_k], atol=1e-12,
                   name=f"grads['{_k}'](reg=0.1) - grads['{_k}'](reg=0)", hint="Add 2 * reg * W to each weight's gradient.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "net_check", "locked": true, "schema_version": 3, "solution": false}
# Gradient check of the two-layer network, and the spread of activations after 5 layers
# with each initializer.
try:
    rng_check = np.random.default_rng(8)
    params = {"W1": he_init(64, 20, rng_check), "b1": np.zeros(20),
              "W2": xavier_init(20, 10, rng_check), "b2": np.zeros(10)}
    Xs, ys = X_train[:15], y_train[:15]
    loss, grads = two_layer_loss(params, Xs, ys, reg=0.01)
    print(f"loss {loss:.3f} (about log 10 = {np.log(10):.3f} at the start)")
    for key in params:
        def loss_of(v, key=key):
            return two_layer_loss({**params, key: v}, Xs, ys, reg=0.01)[0]
        report(f"two-layer grads['{key}']", grads[key], numerical_gradient(loss_of, params[key].copy()))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for init, label in [(xavier_init, "Xavier"), (he_init, "He")]:
        h, spreads = rng_check.normal(size=(500, 200)), []
        for _ in range(5):
            h = np.maximum(h @ init(200, 200, rng_check), 0)
            spreads.append(h.std())
        ax.plot(range(1, 6), spreads, marker="o", label=label)
    ax.set_xticks(range(1, 6))
    ax.set_xlabel("ReLU layer")
    ax.set_ylabel("std of activations")
    ax.set_title("Activations through 5 ReLU layers of width 200")
    ax.legend()
    plt.show()
except NotImplementedError:
    print("write the initializers and two_layer_loss first")


# %% [markdown] nbgrader={"grade": false, "grade_id": "part3_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 3: batch normalization (20 points)
#
# Batch norm standardizes each feature (column) of its input `x` of shape `(N, D)` with the
# statistics of the current mini-batch, then lets the network rescale and shift it with
# learnable `gamma` and `beta` of shape `(D,)`:
#
# $$\mu_j = \frac1N\sum_n x_{nj}, \quad \sigma^2_j = \frac1N\sum_n (x_{nj}-\mu_j)^2, \quad
# \hat x_{nj} = \frac{x_{nj}-\mu_j}{\sqrt{\sigma^2_j+\epsilon}}, \quad
# \text{out}_{nj} = \gamma_j \hat x_{nj} + \beta_j .$$
#
# **Train and test mode.** At test time there may be a single example, so there is no batch
# to average over. During training we therefore also keep **running averages** of the
# statistics, and at test time normalize with those instead. The course's convention
# (the same as the library's and, after a change of name, torch's `momentum=0.1`):
#
# ```
# running_mean = momentum * running_mean + (1 - momentum) * mu                  # momentum = 0.9
# running_var  = momentum * running_var  + (1 - momentum) * var * N / (N - 1)   # unbiased variance
# ```
#
# Normalization in train mode uses the biased `var` (divide by `N`); only the running
# variance uses the unbiased one (divide by `N - 1`). The state is a dict
# `{"running_mean": (D,), "running_var": (D,)}`; `None` means a fresh start with zeros and
# ones. `batchnorm_forward` returns a **new** state dict and never changes the one it was given.
# In test mode the running statistics are used and returned unchanged (as a copy).
#
# **Backward pass.** In train mode $\mu$ and $\sigma^2$ depend on every row, so `dx` has three
# paths: direct, through the mean and through the variance. Summed up, with all sums over the
# batch (axis 0) and $d\hat x = dout \cdot \gamma$:
#
# $$d\beta = \textstyle\sum_n dout, \qquad d\gamma = \sum_n dout \odot \hat x, \qquad
# dx = \frac{1}{N\sqrt{\sigma^2+\epsilon}}\Big(N\, d\hat x - \sum_n d\hat x
# - \hat x \odot \sum_n (d\hat x \odot \hat x)\Big).$$
#
# In test mode the statistics are constants, so `dx = dout * gamma / sqrt(running_var + eps)`.
# Your cache must remember which mode the forward pass ran in.

# %% nbgrader={"grade": false, "grade_id": "batchnorm_forward", "locked": false, "schema_version": 3, "solution": true}
def batchnorm_forward(x, gamma, beta, bn_state, *, train, momentum=0.9, eps=1e-5):
    """Batch normalization of each column of x.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma, beta : ndarrays of shape (D,)
    bn_state : dict or None
        {"running_mean": (D,), "running_var": (D,)}; None starts from zeros and ones.
        Never modified.
    train : bool
        True: normalize with the batch statistics and update the running ones.
        False: normalize with the running statistics (any N, even 1).
    momentum : float
        Weight of the old running value.
    eps : float
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : what batchnorm_backward needs (including the mode)
    new_state : dict
        {"running_mean": (D,), "running_var": (D,)}, new arrays.
    """
    N, D = x.shape
    if bn_state is None:
        running_mean, running_var = np.zeros(D), np.ones(D)
    else:
        running_mean, running_var = bn_state["running_mean"], bn_state["running_var"]
    ### BEGIN SOLUTION
    if train:
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        new_state = {"running_mean": momentum * running_mean + (1.0 - momentum) * mu,
                     "running_var": momentum * running_var + (1.0 - momentum) * var * N / (N - 1)}
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
        new_state = {"running_mean": running_mean.copy(), "running_var": running_var.copy()}
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, inv_std, train)
    ### END SOLUTION
    return out, cache, new_state


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_forward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 5 training output, 3 running statistics, 2 test mode.
from dlhelpers import grading as G

_x = np.array([[1.0, 10.0], [3.0, 10.0]])
_out, _cache, _state = G.call_student(batchnorm_forward, _x, np.ones(2), np.zeros(2), None,
                                      train=True)
G.assert_close(_out, [[-1.0, 0.0], [1.0, 0.0]], atol=1e-4,
               name="train-mode output for columns [1, 3] and [10, 10]",
               hint="Column 0 has mean 2 and variance 1, so it becomes [-1, 1]; a constant column becomes 0.")
G.assert_true(isinstance(_state, dict) and {"running_mean", "running_var"} <= set(_state),
              "the third return value must be a dict with running_mean and running_var.")
G.assert_close(_state["running_mean"], [0.2, 1.0], name="running_mean after one step from zeros",
               hint="0.9 * 0 + 0.1 * batch mean.")
G.assert_close(_state["running_var"], [0.9 + 0.1 * 2.0, 0.9], name="running_var after one step from ones",
               hint="0.9 * 1 + 0.1 * unbiased variance (column 0: 2 = 2 / (2 - 1)).")
_out, _cache, _ = G.call_student(batchnorm_forward, np.array([[1.0, 12.0], [5.0, 8.0]]), np.ones(2),
                                 np.zeros(2), {"running_mean": np.array([1.0, 10.0]),
                                               "running_var": np.array([4.0, 1.0])}, train=False)
G.assert_close(_out, [[0.0, 2.0], [2.0, -2.0]], atol=1e-4,
               name="test-mode output of [[1, 12], [5, 8]] with running mean [1, 10] and var [4, 1]",
               hint="In test mode use the running statistics, not the batch's.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "batchnorm_backward", "locked": false, "schema_version": 3, "solution": true}
def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, in either mode.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : what batchnorm_forward returned

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma, dbeta : ndarrays of shape (D,)
    """
    ### BEGIN SOLUTION
    x_hat, gamma, inv_std, train = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if train:
        N = dout.shape[0]
        dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    else:
        dx = dx_hat * inv_std
    ### END SOLUTION
    return dx, dgamma, dbeta


# %% nbgrader={"grade": true, "grade_id": "test_batchnorm_backward", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 3 dgamma and dbeta, 5 dx in train mode, 2 dx in test mode.
from dlhelpers import grading as G

_x = np.array([[1.0, 0.0], [3.0, 4.0], [5.0, -1.0]])
_, _cache, _ = G.call_student(batchnorm_forward, _x, np.ones(2), np.zeros(2), None, train=True)
_grads = G.call_student(batchnorm_backward, np.ones((3, 2)), _cache)
G.assert_true(isinstance(_grads, tuple) and len(_grads) == 3,
              "batchnorm_backward must return (dx, dgamma, dbeta).")
G.assert_shape(_grads[0], (3, 2), "dx")
G.assert_close(_grads[2], [3.0, 3.0], name="dbeta for dout of ones", hint="dbeta sums dout over the batch.")
G.assert_close(_grads[0], np.zeros((3, 2)), atol=1e-9, name="dx for dout of ones (train mode)",
               hint="Adding a constant to every row changes nothing after normalization, so dx is 0.")
G.assert_close(_grads[1], [0.0, 0.0], atol=1e-9, name="dgamma for dout of ones",
               hint="dgamma sums dout * x_hat over the batch, and x_hat sums to 0 over the batch.")
_d = np.array([[0.3, -1.0], [2.0, 0.5], [-0.7, 1.2]])


def _bn_sum(x):
    return float(np.sum(G.call_student(batchnorm_forward, x, np.ones(2), np.zeros(2), None, train=True)[0] * _d))


_err = G.relative_error(G.call_student(batchnorm_backward, _d, _cache)[0], G.numerical_gradient(_bn_sum, _x))
G.assert_true(_err < 1e-6, f"dx does not match the numerical gradient of your batchnorm_forward (relative error "
              f"{_err:.1e}, at most 1e-6 accepted); dx has three terms: N * dx_hat, its sum, and x_hat times "
              "the sum of dx_hat * x_hat.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "batchnorm_check", "locked": true, "schema_version": 3, "solution": false}
# Gradient check of batch norm in both modes, and what the two modes do to a shifted batch.
try:
    rng_check = np.random.default_rng(9)
    x = 3 * rng_check.normal(size=(8, 4)) + 5
    gamma, beta = rng_check.normal(size=4), rng_check.normal(size=4)
    dout = rng_check.normal(size=(8, 4))
    state = {"running_mean": np.full(4, 5.0), "running_var": np.full(4, 9.0)}
    for train in (True, False):
        _, cache, _ = batchnorm_forward(x, gamma, beta, state, train=train)
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
        mode = "train" if train else "test"
        report(f"batchnorm dx ({mode})", dx, numerical_gradient_array(
            lambda v: batchnorm_forward(v, gamma, beta, state, train=train)[0], x, dout))
        report(f"batchnorm dgamma ({mode})", dgamma, numerical_gradient_array(
            lambda v: batchnorm_forward(x, v, beta, state, train=train)[0], gamma, dout))
    out, _, new_state = batchnorm_forward(x, np.ones(4), np.zeros(4), None, train=True)
    print("train mode: column means", out.mean(axis=0).round(6), "stds", out.std(axis=0).round(3))
    print("running mean after one step from zeros:", new_state["running_mean"].round(3))
except NotImplementedError:
    print("write batchnorm_forward and batchnorm_backward first")


# %% [markdown] nbgrader={"grade": false, "grade_id": "part4_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 4: inverted dropout (7 points)
#
# At training time, dropout keeps each unit with probability `keep_prob` and sets the others
# to 0. *Inverted* dropout divides the kept units by `keep_prob` at once, so the expected
# value of every output equals its input and the network needs no change at test time, where
# dropout does nothing:
#
# $$\text{mask} = (u < p_\text{keep}),\; u \sim \mathcal U[0, 1)^{\text{shape of } x},
# \qquad \text{out} = x \odot \text{mask} / p_\text{keep}, \qquad
# dx = dout \odot \text{mask} / p_\text{keep}.$$
#
# (When you compare with a library: `torch.nn.Dropout(p)` and Keras `Dropout(rate)` take the
# probability of *dropping* a unit, `1 - keep_prob`; see lesson 12.)
#
# Randomness is explicit: in train mode draw exactly one `rng.random(x.shape)` from the
# generator you are given (so the grader can reproduce your mask). In test mode draw nothing,
# return a copy of `x` and a cache that makes the backward pass return `dout` unchanged.

# %% nbgrader={"grade": false, "grade_id": "dropout", "locked": false, "schema_version": 3, "solution": true}
def dropout_forward(x, keep_prob, *, train, rng):
    """Inverted dropout.

    Parameters
    ----------
    x : ndarray, any shape
    keep_prob : float in (0, 1]
        Probability of keeping each unit.
    train : bool
        False: return a copy of x and draw nothing.
    rng : np.random.Generator
        In train mode, draw rng.random(x.shape) once; keep the units where it is < keep_prob.

    Returns
    -------
    out : ndarray, shape of x
    cache : what dropout_backward needs
    """
    ### BEGIN SOLUTION
    if not train:
        return x.copy(), None
    scaled_mask = (rng.random(x.shape) < keep_prob) / keep_prob
    out = x * scaled_mask
    cache = scaled_mask
    ### END SOLUTION
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout. Returns dx with the shape of dout."""
    ### BEGIN SOLUTION
    if cache is None:
        return dout.copy()
    dx = dout * cache
    ### END SOLUTION
    return dx


# %% nbgrader={"grade": true, "grade_id": "test_dropout", "locked": true, "points": 7, "schema_version": 3, "solution": false}
# Graded (7 points): 3 training mask and scale, 2 test mode, 2 backward.
from dlhelpers import grading as G

_x = np.arange(1.0, 13.0).reshape(3, 4)
_out, _cache = G.call_student(dropout_forward, _x, 0.5, train=False, rng=np.random.default_rng(0))
G.assert_close(_out, _x, name="dropout_forward in test mode", hint="At test time dropout returns x unchanged.")
_out, _cache = G.call_student(dropout_forward, _x, 0.5, train=True, rng=np.random.default_rng(0))
_o = G.assert_shape(_out, (3, 4), "dropout_forward in train mode")
G.assert_true(bool(np.all((_o == 0) | (np.abs(_o - 2 * _x) < 1e-12))),
              "with keep_prob=0.5 every output must be 0 or 2 * x (kept units are divided by keep_prob).")
_dx = G.call_student(dropout_backward, np.ones((3, 4)), _cache)
G.assert_close(_dx, (_o != 0) * 2.0, name="dropout_backward with dout of ones",
               hint="dx = dout * mask / keep_prob, with the same mask as the forward pass.")
_keep = np.random.default_rng(0).random((3, 4)) < 0.5
G.assert_close(_out, _x * _keep * 2.0, name="dropout_forward(x, 0.5, train=True, rng=np.random.default_rng(0))",
               hint="Draw rng.random(x.shape) once from the rng given (never np.random) and keep the units "
                    "where it is < keep_prob.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "dropout_check", "locked": true, "schema_version": 3, "solution": false}
# Gradient check of dropout with a fixed mask (the same seed on every call), and the mean.
try:
    x = np.random.default_rng(10).normal(size=(6, 5))
    dout = np.random.default_rng(11).normal(size=(6, 5))
    _, cache = dropout_forward(x, 0.6, train=True, rng=np.random.default_rng(12))
    dx = dropout_backward(dout, cache)
    report("dropout dx", dx, numerical_gradient_array(
        lambda v: dropout_forward(v, 0.6, train=True, rng=np.random.default_rng(12))[0], x, dout))
    ones = np.ones((1000, 100))
    for keep_prob in (0.2, 0.5, 0.9):
        out, _ = dropout_forward(ones, keep_prob, train=True, rng=np.random.default_rng(0))
        print(f"keep_prob={keep_prob}: kept {np.mean(out > 0):.3f} of the units, mean output {out.mean():.3f}")
except NotImplementedError:
    print("write dropout_forward and dropout_backward first")


# %% [markdown] nbgrader={"grade": false, "grade_id": "part5_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 5: a deeper network, with and without batch norm (14 points)
#
# Now chain your layers into a network of any depth `L`. The parameters are a dict with
# `W1 ... WL` and `b1 ... bL`; layer `l` maps width `dims[l-1]` to `dims[l]`. A network with
# batch norm also has `gamma1, beta1 ... gamma{L-1}, beta{L-1}` (no batch norm after the
# last layer):
#
# ```
# for l = 1 .. L-1:   h = affine(h, W{l}, b{l})
#                     h = batchnorm(h, gamma{l}, beta{l})    # only if "gamma{l}" is in params
#                     h = relu(h)
# layer L:            scores = affine(h, W{L}, b{L})         # (N, C)
# ```
#
# `bn_state` maps each layer number `l` (an int: 1, 2, ...) that has batch norm to its running statistics
# (`{"running_mean": ..., "running_var": ...}`); `None` (or a missing `l`) starts fresh.
# `deep_net_forward` returns the scores, one cache for the whole network, and the new
# `bn_state`; `deep_net_backward` takes `dscores` and that cache and returns a gradient for
# every parameter. Use **your** Part 1 and Part 3 functions; the loss is computed outside,
# by your `softmax_cross_entropy`.
#
# The read-only cell after it gives the rest: an initializer (He for the hidden layers, Xavier
# for the output layer, both yours), SGD with momentum (`v = 0.9 v + g`, `w -= lr * v`, the
# course's convention) and a training loop that returns the trained parameters, the running
# statistics and a history. Your job in the last answer cell is to train **two** networks
# with at least three layers on the digits, one without and one with batch norm, each to a
# validation accuracy of at least **0.90**.

# %% nbgrader={"grade": false, "grade_id": "deep_net", "locked": false, "schema_version": 3, "solution": true}
def deep_net_forward(params, X, bn_state, *, train):
    """Scores of an L-layer ReLU network, with batch norm where params has "gamma{l}".

    Parameters
    ----------
    params : dict
        "W1".."WL" of shapes (dims[l-1], dims[l]), "b1".."bL" of shapes (dims[l],),
        optionally "gamma1", "beta1" .. "gamma{L-1}", "beta{L-1}" of shapes (dims[l],).
    X : ndarray of shape (N, dims[0])
    bn_state : dict or None
        l -> {"running_mean", "running_var"} for each batch-norm layer l.
    train : bool
        Passed to batchnorm_forward.

    Returns
    -------
    scores : ndarray of shape (N, dims[L])
    cache : what deep_net_backward needs
    new_bn_state : dict
        l -> the state batchnorm_forward returned, for every batch-norm layer ({} if none).
    """
    L = sum(1 for key in params if key.startswith("W"))
    bn_state = bn_state or {}
    ### BEGIN SOLUTION
    h = X
    layer_caches = []
    new_bn_state = {}
    for layer in range(1, L):
        h, affine_cache = affine_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        bn_cache = None
        if f"gamma{layer}" in params:
            h, bn_cache, new_bn_state[layer] = batchnorm_forward(
                h, params[f"gamma{layer}"], params[f"beta{layer}"], bn_state.get(layer), train=train)
        h, relu_cache = relu_forward(h)
        layer_caches.append((affine_cache, bn_cache, relu_cache))
    scores, last_cache = affine_forward(h, params[f"W{L}"], params[f"b{L}"])
    cache = (layer_caches, last_cache, L)
    ### END SOLUTION
    return scores, cache, new_bn_state


def deep_net_backward(dscores, cache):
    """Gradients of every parameter, given dL/dscores of shape (N, dims[L]).

    Returns
    -------
    grads : dict
        One entry per parameter ("W1", "b1", ..., "gamma1", "beta1", ...), each with the
        shape of that parameter.
    """
    ### BEGIN SOLUTION
    layer_caches, last_cache, L = cache
    grads = {}
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
    for layer in range(L - 1, 0, -1):
        affine_cache, bn_cache, relu_cache = layer_caches[layer - 1]
        dh = relu_backward(dh, relu_cache)
        if bn_cache is not None:
            dh, grads[f"gamma{layer}"], grads[f"beta{layer}"] = batchnorm_backward(dh, bn_cache)
        dh, grads[f"W{layer}"], grads[f"b{layer}"] = affine_backward(dh, affine_cache)
    ### END SOLUTION
    return grads


# %% nbgrader={"grade": true, "grade_id": "test_deep_net", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 8 scores, running statistics and gradients in both modes (a layer mistake
# is not charged again).
from dlhelpers import grading as G

_rng = np.random.default_rng(0)
_p = {"W1": _rng.normal(size=(4, 6)), "b1": np.zeros(6), "W2": _rng.normal(size=(6, 5)),
      "b2": np.zeros(5), "W3": _rng.normal(size=(5, 3)), "b3": np.zeros(3)}
_X = _rng.normal(size=(7, 4))
_out = G.call_student(deep_net_forward, _p, _X, None, train=True)
G.assert_true(isinstance(_out, tuple) and len(_out) == 3,
              "deep_net_forward must return (scores, cache, new_bn_state).")
G.assert_shape(_out[0], (7, 3), "scores of a 4-6-5-3 network on 7 rows")
G.assert_true(_out[2] == {}, "without batch norm new_bn_state must be an empty dict.")
_grads = G.call_student(deep_net_backward, np.ones((7, 3)), _out[1])
G.assert_true(isinstance(_grads, dict) and set(_grads) == set(_p),
              f"grads must have exactly the keys {sorted(_p)}.")
for _k in _p:
    G.assert_shape(_grads[_k], _p[_k].shape, f"grads['{_k}']")
_h = _X
for _l in (1, 2):
    _h = np.maximum(_h @ _p[f"W{_l}"] + _p[f"b{_l}"], 0.0)
G.assert_close(_out[0], _h @ _p["W3"] + _p["b3"], name="scores of the 4-6-5-3 network without batch norm",
               hint="affine then ReLU for each hidden layer, and no ReLU after the last affine layer.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "training_tools", "locked": true, "schema_version": 3, "solution": false}
def init_deep_net(dims, use_batchnorm, seed):
    """Parameters of a network with layer widths dims (He for hidden layers, Xavier for the last)."""
    rng = np.random.default_rng(seed)
    L = len(dims) - 1
    params = {}
    for layer in range(1, L + 1):
        init = he_init if layer < L else xavier_init
        params[f"W{layer}"] = init(dims[layer - 1], dims[layer], rng)
        params[f"b{layer}"] = np.zeros(dims[layer])
        if use_batchnorm and layer < L:
            params[f"gamma{layer}"], params[f"beta{layer}"] = np.ones(dims[layer]), np.zeros(dims[layer])
    return params


def predict(params, bn_state, X):
    """Predicted digit of each row (test mode: running statistics, no dropout)."""
    return deep_net_forward(params, X, bn_state, train=False)[0].argmax(axis=1)


def train_network(params, X, y, X_val, y_val, *, lr, epochs, batch_size, seed=0):
    """Mini-batch SGD with momentum 0.9 on a copy of params; returns (params, bn_state, history)."""
    rng = np.random.default_rng(seed)
    params = {k: v.copy() for k, v in params.items()}
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    bn_state, history = None, {"loss": [], "val_acc": []}
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y) - batch_size + 1, batch_size):  # full batches only
            rows = order[start:start + batch_size]
            scores, cache, bn_state = deep_net_forward(params, X[rows], bn_state, train=True)
            loss, dscores = softmax_cross_entropy(scores, y[rows])
            grads = deep_net_backward(dscores, cache)
            for k in params:
                velocity[k] = 0.9 * velocity[k] + grads[k]
                params[k] -= lr * velocity[k]
            history["loss"].append(loss)
        history["val_acc"].append(float(np.mean(predict(params, bn_state, X_val) == y_val)))
    return params, bn_state, history


try:  # gradient check of your deeper network, with batch norm, through the real loss
    check_params = init_deep_net([64, 12, 10, 10], use_batchnorm=True, seed=1)
    Xs, ys = X_train[:9], y_train[:9]
    scores, cache, _ = deep_net_forward(check_params, Xs, None, train=True)
    grads = deep_net_backward(softmax_cross_entropy(scores, ys)[1], cache)
    for key in ("W1", "gamma1", "beta2", "W3"):
        def loss_of(v, key=key):
            return softmax_cross_entropy(deep_net_forward({**check_params, key: v}, Xs, None,
                                                          train=True)[0], ys)[0]
        report(f"deep net grads['{key}']", grads[key], numerical_gradient(loss_of, check_params[key].copy()))
except NotImplementedError:
    print("write deep_net_forward and deep_net_backward (and the layers they use) first")

# %% nbgrader={"grade": false, "grade_id": "training", "locked": false, "schema_version": 3, "solution": true}
# Train two networks of at least three layers (dims such as [64, 100, 100, 10]) with
# init_deep_net and train_network: one without batch norm, one with. Choose lr, epochs and
# batch_size (keep the total under about 2000 SGD steps so the notebook stays fast).
# The names below are what the grader reads.
params_plain = state_plain = history_plain = None   # without batch norm
params_bn = state_bn = history_bn = None            # with batch norm
start = time.perf_counter()
### BEGIN SOLUTION
dims = [64, 100, 100, 10]
params_plain, state_plain, history_plain = train_network(
    init_deep_net(dims, use_batchnorm=False, seed=0), X_train, y_train, X_val, y_val,
    lr=0.02, epochs=10, batch_size=50, seed=1)
params_bn, state_bn, history_bn = train_network(
    init_deep_net(dims, use_batchnorm=True, seed=0), X_train, y_train, X_val, y_val,
    lr=0.02, epochs=10, batch_size=50, seed=1)
### END SOLUTION
print(f"trained both networks in {time.perf_counter() - start:.1f} s")
for label, params, state in [("without batch norm", params_plain, state_plain),
                             ("with batch norm", params_bn, state_bn)]:
    accuracy = np.mean(predict(params, state, X_val) == y_val)
    print(f"{label:20s} validation accuracy {accuracy:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_training", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 6 both networks reach the validation target.
from dlhelpers import grading as G

G.check_integrity()
for _name, _prm in [("params_plain", params_plain), ("params_bn", params_bn)]:
    G.assert_true(isinstance(_prm, dict) and sum(1 for k in _prm if str(k).startswith("W")) >= 3,
                  f"{_name} must be a parameter dict of a network with at least 3 layers (W1, W2, W3, ...).")
G.assert_true(not any(str(k).startswith("gamma") for k in params_plain),
              "params_plain must be the network without batch norm.")
G.assert_true(any(str(k).startswith("gamma") for k in params_bn) and isinstance(state_bn, dict),
              "params_bn must have gamma/beta, and state_bn its running statistics.")
print("visible tests passed; the grader also needs validation accuracy >= 0.9 for both")

# %% nbgrader={"grade": false, "grade_id": "training_plots", "locked": true, "schema_version": 3, "solution": false}
# Comparison: training loss and validation accuracy with and without batch norm; test set once.
if history_plain is None or history_bn is None:
    print("train both networks above first")
else:
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8))
    window = 10
    for label, history in [("without batch norm", history_plain), ("with batch norm", history_bn)]:
        losses = np.asarray(history["loss"])
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax_loss.plot(np.arange(window - 1, len(losses)), smooth, label=label)
        ax_acc.plot(np.arange(1, len(history["val_acc"]) + 1), history["val_acc"], marker="o",
                    ms=3, label=label)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("SGD step")
    ax_loss.set_ylabel(f"mini-batch loss (mean of {window} steps)")
    ax_loss.set_title("Training loss")
    ax_acc.axhline(0.9, color="0.5", ls="--", lw=1, label="target")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation accuracy")
    ax_acc.set_title("Validation accuracy after each epoch")
    for ax in (ax_loss, ax_acc):
        ax.legend()
    fig.tight_layout()
    plt.show()
    for label, params, state in [("without batch norm", params_plain, state_plain),
                                 ("with batch norm", params_bn, state_bn)]:
        print(f"{label:20s} test accuracy (used once) {np.mean(predict(params, state, X_test) == y_test):.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "part6_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 6: written answers (10 points, graded by hand)
#
# Answer each question in the cell below it, in three to six sentences.

# %% [markdown] nbgrader={"grade": false, "grade_id": "q1_prompt", "locked": true, "schema_version": 3, "solution": false}
# **Question 1 (5 points).** For a ReLU layer whose input `x` has shape `(N, D)`, the chain
# rule says `dx` is the Jacobian of `out` with respect to `x` applied to `dout`. How big is that
# Jacobian, what does it look like, and why does your `relu_backward` never build it? Give the
# size for `N = 64`, `D = 4096` in float64.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q1_answer", "locked": false, "points": 5, "schema_version": 3, "solution": true}
# **Model answer.** The Jacobian maps all `N*D` inputs to all `N*D` outputs, so it is an
# `(N*D) x (N*D)` matrix. Each output entry depends only on the input entry in the same
# position, so every off-diagonal entry is 0; the diagonal holds 1 where `x > 0` and 0
# elsewhere. Multiplying `dout` by it is the same as the elementwise product
# `dout * (x > 0)`, which costs `N*D` operations and no extra memory. For `N = 64`,
# `D = 4096` there are 262,144 entries per side, so the full matrix would have about
# 6.9e10 entries, roughly 550 GB in float64 (and as many wasted multiplications by zero).
#
# **Mark scheme (5).** 1: size `(N*D) x (N*D)`. 2: diagonal (elementwise layer), with the
# 0/1 pattern from the sign of `x`. 1: the product reduces to an elementwise mask.
# 1: the memory figure (hundreds of GB; accept 5e11 bytes within a factor of 2).

# %% [markdown] nbgrader={"grade": false, "grade_id": "q2_prompt", "locked": true, "schema_version": 3, "solution": false}
# **Question 2 (5 points).** Why does batch normalization use different statistics at test
# time than during training? What would go wrong if test mode used the statistics of the test
# batch, and what goes wrong if the running averages are never updated? Refer to what your
# two networks did in Part 5.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q2_answer", "locked": false, "points": 5, "schema_version": 3, "solution": true}
# **Model answer.** In training, each feature is normalized with the mean and variance of the
# current mini-batch, so an example's output depends on the other examples in its batch; that
# noise is tolerable (even mildly regularizing) while training. At test time a prediction must
# depend on the input alone and be deterministic, and the "batch" may be a single example,
# whose variance is 0. So test mode uses fixed estimates of the population statistics: the
# running averages collected during training. Using the test batch's own statistics would make
# a prediction change with the batch it sits in (and fail for N = 1); never updating the
# running averages would normalize with 0 and 1, a scale the later layers never saw, and the
# accuracy collapses. In Part 5 the batch-norm network trained at least as fast as the plain
# one and reached its accuracy with test mode using the running statistics.
#
# **Mark scheme (5).** 2: training uses batch statistics, testing needs per-example,
# deterministic outputs, hence running averages. 1: what breaks with test-batch statistics
# (dependence on other examples; N = 1). 1: what breaks with stale running statistics
# (mismatch with the training-time scale). 1: refers to the student's own Part 5 results.

# %% [markdown] nbgrader={"grade": false, "grade_id": "submit", "locked": true, "schema_version": 3, "solution": false}
# ## Before you submit
#
# Run **Kernel > Restart and Run All** and check that every visible test cell prints
# `visible tests passed`, that every gradient-check line says `ok`, and that the plots appear.
# Then save and submit this notebook under its original name.
