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
# # Homework 1: k-nearest neighbours and linear classifiers
#
# You will build two kinds of image classifier from numpy alone and compare them on real
# handwritten digits (8x8 pixels, 10 classes):
#
# | part | what you write | points |
# |---|---|---|
# | 1 | L2 distances three ways, k-NN prediction, cross-validation of k | 30 |
# | 2 | multiclass SVM loss and gradient, with loops and vectorized | 18 |
# | 3 | softmax cross-entropy loss and gradient, with loops and vectorized, numerically stable | 18 |
# | 4 | prediction, mini-batch SGD, a search over learning rate and regularization, class templates | 22 |
# | 5 | two short written answers (graded by hand) | 12 |
#
# **How this notebook works.** Write code only where it says `# YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and type your written answers where it says
# `YOUR ANSWER HERE`. Every other cell is read-only. After each function there is a test cell:
# run it. It checks types, shapes and one small value, and tells you what to fix. When you
# submit, the course grader runs your notebook, then checks each function itself, in its own
# process, with **more tests** (other shapes, fresh random inputs at every grading, edge cases,
# gradient checks of your functions, the accuracy target); each test cell then shows the
# grader's verdict and your points. Passing the visible tests is necessary but not sufficient.
#
# Rules the grader enforces:
# - Use numpy only. While grading, `torch`, `scipy` and `scikit-learn` are not installed, and
#   `dlhelpers.knn`, `dlhelpers.nn`, `dlhelpers.models` and `dlhelpers.train` (the course's own
#   solutions) only raise "not available while grading": code that calls them earns nothing.
# - Do not rename functions or change their arguments; do not edit or delete test cells (they
#   are restored before grading). Your functions must return numbers and numpy arrays (or
#   tuples, lists and dicts of them).
# - Functions marked *vectorized* or *no loops* must not contain a Python loop or a
#   comprehension, nor call a function of yours that does (the grader reads your code).
# - The whole notebook should run in well under a minute (**Kernel > Restart and Run All**
#   before you submit).

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false}
import time

import matplotlib.pyplot as plt
import numpy as np

from dlhelpers import grading  # the tests use it; imported before any of your code runs
from dlhelpers.data import load_digits

X_digits, y_digits = load_digits()  # X: (1797, 64) pixel values 0..16, y: (1797,) digits
order = np.random.default_rng(0).permutation(len(y_digits))
X_digits, y_digits = X_digits[order] / 16.0, y_digits[order]

X_train, y_train = X_digits[:1000], y_digits[:1000]
X_val, y_val = X_digits[1000:1400], y_digits[1000:1400]
X_test, y_test = X_digits[1400:], y_digits[1400:]
print("train", X_train.shape, "validation", X_val.shape, "test", X_test.shape)


# %% [markdown] nbgrader={"grade": false, "grade_id": "part1_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 1: k-nearest neighbours (30 points)
#
# A k-NN classifier keeps the training set and labels a new image by a vote among the `k`
# training images closest to it. "Closest" here means the Euclidean (L2) distance between
# pixel vectors:
#
# $$d(\mathbf a, \mathbf b) = \sqrt{\textstyle\sum_{p=1}^{D} (a_p - b_p)^2}.$$
#
# Almost all the work is computing the `(M, N)` matrix of distances between `M` test rows and
# `N` training rows. You will write it three times, each faster than the last. For the
# version with no loops, expand the square:
#
# $$\lVert \mathbf a - \mathbf b \rVert^2 = \lVert \mathbf a \rVert^2
# + \lVert \mathbf b \rVert^2 - 2\,\mathbf a \cdot \mathbf b,$$
#
# so the whole matrix needs one matrix product `X_test @ X_train.T` plus two vectors of squared
# norms, combined by broadcasting. Round-off can make a squared distance come out as a tiny
# negative number (for example `-1e-13`) when two points coincide: clamp at zero before the
# square root, or you will get `nan`.

# %% nbgrader={"grade": false, "grade_id": "knn_two_loops", "locked": false, "schema_version": 3, "solution": true}
def l2_distances_two_loops(X_test, X_train):
    """L2 distance between every test row and every training row, one pair at a time.

    Parameters
    ----------
    X_test : ndarray of shape (M, D)
    X_train : ndarray of shape (N, D)

    Returns
    -------
    dists : ndarray of shape (M, N)
        dists[i, j] is the distance between X_test[i] and X_train[j].
    """
    M, N = X_test.shape[0], X_train.shape[0]
    dists = np.zeros((M, N))
    for i in range(M):
        for j in range(N):
            # set dists[i, j] using only the two rows X_test[i] and X_train[j]
            ### BEGIN SOLUTION
            difference = X_test[i] - X_train[j]
            dists[i, j] = np.sqrt(np.sum(difference * difference))
            ### END SOLUTION
    return dists


# %% nbgrader={"grade": true, "grade_id": "test_knn_two_loops", "locked": true, "points": 5, "schema_version": 3, "solution": false}
# Graded (5 points): 5 for the distances.
from dlhelpers import grading as G

_a = np.array([[0.0, 0.0], [1.0, 1.0]])
_b = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]])
_d = G.call_student(l2_distances_two_loops, _a, _b)
G.assert_shape(_d, (2, 3), "l2_distances_two_loops(2 test rows, 3 training rows)")
G.assert_close(_d[0], [5.0, 0.0, 5.0 ** 0.5], name="row 0 of the distances",
               hint="Test point (0, 0) is 5 away from (3, 4) and 0 away from (0, 0).")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "knn_one_loop", "locked": false, "schema_version": 3, "solution": true}
def l2_distances_one_loop(X_test, X_train):
    """L2 distances with one loop over test rows; each row of the result in one step.

    Parameters
    ----------
    X_test : ndarray of shape (M, D)
    X_train : ndarray of shape (N, D)

    Returns
    -------
    dists : ndarray of shape (M, N)
    """
    M = X_test.shape[0]
    dists = np.zeros((M, X_train.shape[0]))
    for i in range(M):
        # fill the whole row dists[i] at once: broadcast X_test[i] against X_train
        ### BEGIN SOLUTION
        difference = X_train - X_test[i]
        dists[i] = np.sqrt(np.sum(difference * difference, axis=1))
        ### END SOLUTION
    return dists


# %% nbgrader={"grade": true, "grade_id": "test_knn_one_loop", "locked": true, "points": 5, "schema_version": 3, "solution": false}
# Graded (5 points): 5 for the distances.
from dlhelpers import grading as G

_a = np.array([[0.0, 0.0], [1.0, 1.0]])
_b = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]])
_d = G.call_student(l2_distances_one_loop, _a, _b)
G.assert_shape(_d, (2, 3), "l2_distances_one_loop(2 test rows, 3 training rows)")
G.assert_close(_d[1], [13.0 ** 0.5, 2.0 ** 0.5, 1.0], name="row 1 of the distances",
               hint="Sum the squared differences along axis=1 (over pixels), not axis=0.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "knn_no_loops", "locked": false, "schema_version": 3, "solution": true}
def l2_distances_no_loops(X_test, X_train):
    """L2 distances with no Python loop, from ||a||^2 + ||b||^2 - 2 a.b.

    Parameters
    ----------
    X_test : ndarray of shape (M, D)
    X_train : ndarray of shape (N, D)

    Returns
    -------
    dists : ndarray of shape (M, N)
        Never nan: squared distances are clamped at 0 before the square root.
    """
    ### BEGIN SOLUTION
    test_sq = np.sum(X_test * X_test, axis=1)[:, None]
    train_sq = np.sum(X_train * X_train, axis=1)[None, :]
    squared = test_sq + train_sq - 2.0 * (X_test @ X_train.T)
    dists = np.sqrt(np.maximum(squared, 0.0))
    ### END SOLUTION
    return dists


# %% nbgrader={"grade": true, "grade_id": "test_knn_no_loops", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 4 distances, 2 a point and itself far from the origin (the clamp), 2 no
# Python loop (once the distances are right).
from dlhelpers import grading as G

_a = np.array([[0.0, 0.0], [1.0, 1.0]])
_b = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]])
_d = G.call_student(l2_distances_no_loops, _a, _b)
G.assert_shape(_d, (2, 3), "l2_distances_no_loops(2 test rows, 3 training rows)")
G.assert_close(_d, [[5.0, 0.0, 5.0 ** 0.5], [13.0 ** 0.5, 2.0 ** 0.5, 1.0]], rtol=1e-7,
               name="distances")
# points far from the origin: round-off makes some squared distances of a point to itself
# slightly negative
_far = np.random.default_rng(1).normal(size=(50, 3)) + 1000.0
G.assert_close(np.diagonal(G.call_student(l2_distances_no_loops, _far, _far)), np.zeros(50),
               atol=1e-4, name="distance of each point to itself, far from the origin",
               hint="Clamp the squared distances at 0 before taking the square root.")
G.assert_no_loops(l2_distances_no_loops, "l2_distances_no_loops",
                  forbidden_calls=["l2_distances_one_loop", "l2_distances_two_loops"])
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "knn_compare", "locked": true, "schema_version": 3, "solution": false}
# Comparison 1: the three distance functions must agree; how long does each take?
subset = X_val[:20]
timings, results = {}, {}
for fn in (l2_distances_two_loops, l2_distances_one_loop, l2_distances_no_loops):
    start = time.perf_counter()
    try:
        results[fn.__name__] = fn(subset, X_train)
    except NotImplementedError:
        print(f"{fn.__name__}: not written yet")
        continue
    timings[fn.__name__] = time.perf_counter() - start
reference = results.get("l2_distances_two_loops")
for name, seconds in timings.items():
    gap = "" if reference is None else f", max gap to two loops {np.abs(results[name] - reference).max():.1e}"
    print(f"{name:24s} {seconds * 1000:8.1f} ms{gap}")


# %% nbgrader={"grade": false, "grade_id": "knn_predict", "locked": false, "schema_version": 3, "solution": true}
def knn_predict(dists, y_train, k=1):
    """Label each test point by a majority vote among its k nearest training points.

    Parameters
    ----------
    dists : ndarray of shape (M, N)
        Distances from M test points to N training points.
    y_train : ndarray of int, shape (N,)
        Training labels 0..C-1.
    k : int
        Number of neighbours that vote.

    Returns
    -------
    y_pred : ndarray of int, shape (M,)
        A tie between labels goes to the smallest label. Among training points at exactly
        the same distance, the one with the lower index counts as nearer
        (``np.argsort(..., kind="stable")``).
    """
    M = dists.shape[0]
    y_pred = np.zeros(M, dtype=np.int64)
    for i in range(M):
        ### BEGIN SOLUTION
        nearest = np.argsort(dists[i], kind="stable")[:k]
        votes = np.bincount(y_train[nearest])
        y_pred[i] = np.argmax(votes)  # argmax returns the first maximum: the smallest label
        ### END SOLUTION
    return y_pred


# %% nbgrader={"grade": true, "grade_id": "test_knn_predict", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 6 for the labels, ties included.
from dlhelpers import grading as G

_dists = np.array([[0.5, 2.0, 1.0, 3.0],
                   [4.0, 0.1, 0.2, 0.3]])
_labels = np.array([2, 0, 1, 1])
_p1 = G.call_student(knn_predict, _dists, _labels, k=1)
G.assert_labels_equal(_p1, [2, 0], name="knn_predict with k=1")
_p3 = G.call_student(knn_predict, _dists, _labels, k=3)
G.assert_labels_equal(_p3, [0, 1], name="knn_predict with k=3",
                      hint="Row 0's three nearest labels are 2, 1, 0 (a tie: take the smallest); "
                           "row 1's are 0, 1, 1.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "knn_cross_validate", "locked": false, "schema_version": 3, "solution": true}
def cross_validate_k(X, y, ks, num_folds=5):
    """Accuracy of k-NN for each k in ``ks``, measured by num_folds-fold cross-validation.

    Split the rows in order into folds with ``np.array_split(np.arange(len(y)), num_folds)``
    (no shuffling). For fold f, train on every other fold and measure the accuracy on fold f
    using ``l2_distances_no_loops`` and ``knn_predict``.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of int, shape (N,)
    ks : list of int
    num_folds : int

    Returns
    -------
    accuracies : dict
        ``accuracies[k]`` is an ndarray of shape (num_folds,): the accuracy on each fold.
    """
    folds = np.array_split(np.arange(len(y)), num_folds)
    accuracies = {}
    ### BEGIN SOLUTION
    for k in ks:
        per_fold = np.zeros(num_folds)
        for f, held_out in enumerate(folds):
            kept = np.concatenate([folds[g] for g in range(num_folds) if g != f])
            dists = l2_distances_no_loops(X[held_out], X[kept])
            y_pred = knn_predict(dists, y[kept], k=k)
            per_fold[f] = np.mean(y_pred == y[held_out])
        accuracies[k] = per_fold
    ### END SOLUTION
    return accuracies


# %% nbgrader={"grade": true, "grade_id": "test_knn_cross_validate", "locked": true, "points": 6, "schema_version": 3, "solution": false}
# Graded (6 points): 6 for the fold accuracies; computed with your own distances and
# knn_predict, a mistake there is not charged again here.
from dlhelpers import grading as G

_X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
_y = np.array([0, 0, 0, 1, 1, 1])
_acc = G.call_student(cross_validate_k, _X, _y, [1, 3], num_folds=3)
G.assert_true(isinstance(_acc, dict) and sorted(_acc) == [1, 3],
              "cross_validate_k must return a dict whose keys are the values of k.")
G.assert_close(_acc[1], [1.0, 1.0, 1.0], name="accuracies[1] on two well separated groups")
G.assert_close(_acc[3], [0.0, 1.0, 0.0], name="accuracies[3]",
               hint="Folds are rows [0, 1], [2, 3], [4, 5]. Holding out rows 0 and 1 leaves one "
                    "point of their group, so three neighbours outvote it.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "knn_cv_plot", "locked": true, "schema_version": 3, "solution": false}
# Comparison 2: cross-validated accuracy for each k; pick k, then touch the test set once.
ks = [1, 3, 5, 7, 9, 15, 25]
try:
    cv = cross_validate_k(X_train, y_train, ks, num_folds=5)
except NotImplementedError:
    cv = None
    print("cross_validate_k (or a function it calls) is not written yet")
if cv is not None:
    means = np.array([cv[k].mean() for k in ks])
    stds = np.array([cv[k].std() for k in ks])
    best_k = ks[int(np.argmax(means))]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for k in ks:
        ax.scatter([k] * len(cv[k]), cv[k], color="0.6", s=12)
    ax.errorbar(ks, means, yerr=stds, marker="o", capsize=4, label="mean ± std over 5 folds")
    ax.set_xlabel("k (number of neighbours)")
    ax.set_ylabel("validation accuracy")
    ax.set_title(f"5-fold cross-validation on 1000 digits: best k = {best_k}")
    ax.legend(loc="lower left")
    plt.show()
    test_pred = knn_predict(l2_distances_no_loops(X_test, X_train), y_train, k=best_k)
    print(f"k-NN with k={best_k}: test accuracy {np.mean(test_pred == y_test):.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "linear_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Linear classifiers: shared set-up
#
# From here on a classifier is a weight matrix `W` of shape `(D, C)`: the scores of the `N`
# examples are `X @ W`, an `(N, C)` array with one column per class, and the prediction is the
# column with the largest score. The cell below centres the pixels on the training mean and
# appends a constant 1 to every row (the bias trick), so `D = 65`: the last row of `W` is the
# bias.
#
# Both losses below are the mean over the `N` examples plus an L2 penalty
# `reg * np.sum(W * W)`, whose gradient is `2 * reg * W`. Each function returns
# `(loss, dW)` with `loss` a float and `dW` of the same shape as `W`.

# %% nbgrader={"grade": false, "grade_id": "linear_data", "locked": true, "schema_version": 3, "solution": false}
mean_image = X_train.mean(axis=0)


def with_bias_column(X):
    # centre on the training mean, then append a column of ones: (N, 64) -> (N, 65)
    return np.hstack([X - mean_image, np.ones((X.shape[0], 1))])


Xb_train, Xb_val, Xb_test = with_bias_column(X_train), with_bias_column(X_val), with_bias_column(X_test)
num_classes = 10
print("Xb_train", Xb_train.shape, "W will have shape", (Xb_train.shape[1], num_classes))


# %% [markdown] nbgrader={"grade": false, "grade_id": "part2_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 2: the multiclass SVM loss (18 points)
#
# For example `i` with scores `s = x_i W` and true class `y_i`, every wrong class `j` that is not
# beaten by a margin of 1 adds to the loss:
#
# $$L_i = \sum_{j \ne y_i} \max(0,\; 1 + s_j - s_{y_i}), \qquad
# L = \frac{1}{N}\sum_i L_i + \lambda \sum_{d,c} W_{dc}^2 .$$
#
# Each wrong class with a positive margin pushes its own column of `W` by `+x_i` and the
# true class's column by `-x_i` in the gradient. (At a margin of exactly 0 use the value 0.)
# First write it with loops, which mirrors the formula; then without any loop, using a
# boolean mask of the positive margins.

# %% nbgrader={"grade": false, "grade_id": "svm_loops", "locked": false, "schema_version": 3, "solution": true}
def svm_loss_loops(W, X, y, reg):
    """Multiclass SVM loss and gradient, computed one example and one class at a time.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of int, shape (N,)
    reg : float
        L2 strength: the loss includes reg * sum(W ** 2).

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C)
    """
    N, C = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        for j in range(C):
            if j == y[i]:
                continue
            ### BEGIN SOLUTION
            margin = scores[j] - scores[y[i]] + 1.0
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
            ### END SOLUTION
    # average over the examples and add the penalty (to both loss and dW)
    ### BEGIN SOLUTION
    loss = loss / N + reg * np.sum(W * W)
    dW = dW / N + 2.0 * reg * W
    ### END SOLUTION
    return float(loss), dW


# %% nbgrader={"grade": true, "grade_id": "test_svm_loops", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 8 for loss and dW (values, penalty, inputs left unchanged).
from dlhelpers import grading as G

_X = np.random.default_rng(7).normal(size=(5, 65))
_y = np.array([0, 3, 9, 3, 1])
_out = G.call_student(svm_loss_loops, np.zeros((65, 10)), _X, _y, 0.1)
G.assert_pair(_out, "svm_loss_loops", "(loss, dW)")
G.assert_shape(_out[1], (65, 10), "dW")
G.assert_close(_out[0], 9.0, rtol=1e-9, name="loss at W = 0", hint="With W = 0 every score is 0, so each of the 9 wrong classes has margin 1.")
# the penalty's share: reg * sum(W**2) in the loss, 2 * reg * W in dW; W and X unchanged
_W = np.random.default_rng(8).normal(scale=0.01, size=(65, 10))
_W_before, _X_before = _W.copy(), _X.copy()
_with = G.call_student(svm_loss_loops, _W, _X, _y, 0.1)
G.assert_true(np.array_equal(_W, _W_before) and np.array_equal(_X, _X_before),
              "svm_loss_loops must not modify W or X in place.")
_without = G.call_student(svm_loss_loops, _W, _X, _y, 0.0)
G.assert_close(_with[0] - _without[0], 0.1 * np.sum(_W * _W), rtol=1e-6,
               name="loss(reg=0.1) - loss(reg=0)", hint="The loss adds reg * sum(W ** 2).")
G.assert_close(np.asarray(_with[1]) - np.asarray(_without[1]), 0.2 * _W, rtol=1e-6, atol=1e-12,
               name="dW(reg=0.1) - dW(reg=0)", hint="The gradient of reg * sum(W ** 2) is "
               "2 * reg * W; add it to dW.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "svm_vectorized", "locked": false, "schema_version": 3, "solution": true}
def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient without any Python loop.

    Same parameters and returns as svm_loss_loops: W (D, C), X (N, D), y (N,), reg float
    -> (loss float, dW of shape (D, C)).
    """
    ### BEGIN SOLUTION
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W
    margins = np.maximum(0.0, scores - scores[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    loss = margins.sum() / N + reg * np.sum(W * W)
    coeff = (margins > 0).astype(X.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T @ coeff / N + 2.0 * reg * W
    ### END SOLUTION
    return float(loss), dW


# %% nbgrader={"grade": true, "grade_id": "test_svm_vectorized", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 8 loss and dW, 2 no Python loop (once the values are right).
from dlhelpers import grading as G

_X = np.random.default_rng(7).normal(size=(5, 65))
_y = np.array([0, 3, 9, 3, 1])
_out = G.call_student(svm_loss_vectorized, np.zeros((65, 10)), _X, _y, 0.1)
G.assert_pair(_out, "svm_loss_vectorized", "(loss, dW)")
G.assert_shape(_out[1], (65, 10), "dW")
G.assert_close(_out[0], 9.0, rtol=1e-9, name="loss at W = 0", hint="With W = 0 every score is 0, so each of the 9 wrong classes has margin 1.")
# the penalty's share: reg * sum(W**2) in the loss, 2 * reg * W in dW; W and X unchanged
_W = np.random.default_rng(8).normal(scale=0.01, size=(65, 10))
_W_before, _X_before = _W.copy(), _X.copy()
_with = G.call_student(svm_loss_vectorized, _W, _X, _y, 0.1)
G.assert_true(np.array_equal(_W, _W_before) and np.array_equal(_X, _X_before),
              "svm_loss_vectorized must not modify W or X in place.")
_without = G.call_student(svm_loss_vectorized, _W, _X, _y, 0.0)
G.assert_close(_with[0] - _without[0], 0.1 * np.sum(_W * _W), rtol=1e-6,
               name="loss(reg=0.1) - loss(reg=0)", hint="The loss adds reg * sum(W ** 2).")
G.assert_close(np.asarray(_with[1]) - np.asarray(_without[1]), 0.2 * _W, rtol=1e-6, atol=1e-12,
               name="dW(reg=0.1) - dW(reg=0)", hint="The gradient of reg * sum(W ** 2) is "
               "2 * reg * W; add it to dW.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "svm_check", "locked": true, "schema_version": 3, "solution": false}
# Gradient check and comparison: your analytic dW against centred differences of your loss,
# and the loop version against the vectorized one on 200 training images.
rng = np.random.default_rng(1)
W_check = rng.normal(scale=0.01, size=(65, num_classes))
try:
    loss_l, dW_l = svm_loss_loops(W_check, Xb_train[:200], y_train[:200], 0.01)
    loss_v, dW_v = svm_loss_vectorized(W_check, Xb_train[:200], y_train[:200], 0.01)
    numeric = grading.numerical_gradient(
        lambda w: svm_loss_vectorized(w, Xb_train[:20], y_train[:20], 0.01)[0], W_check.copy())
    analytic = svm_loss_vectorized(W_check, Xb_train[:20], y_train[:20], 0.01)[1]
    print(f"loss: loops {loss_l:.6f}, vectorized {loss_v:.6f}")
    print(f"max |dW_loops - dW_vectorized| = {np.abs(dW_l - dW_v).max():.2e}")
    error = grading.relative_error(analytic, numeric)  # the course's relative error, as in the lessons
    print(f"relative error {error:.1e}: the largest entry of |analytic - numerical| / (|analytic| + |numerical|)")
    print("(below 1e-7: right; 1e-7 to 1e-4: look closer, normal here at a kink of the hinge or for the "
          "weights of pixels that are almost always 0, whose gradient is tiny; above 1e-4: a bug)")
except NotImplementedError:
    print("write both SVM functions first")


# %% [markdown] nbgrader={"grade": false, "grade_id": "part3_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 3: softmax cross-entropy (18 points)
#
# The softmax turns the scores of one example into probabilities,
# $p_c = e^{s_c} / \sum_{c'} e^{s_{c'}}$, and the loss is the negative log-probability of the
# true class, averaged, plus the same penalty as before:
#
# $$L = -\frac{1}{N}\sum_i \log p_{i, y_i} + \lambda \sum_{d,c} W_{dc}^2,
# \qquad \frac{\partial L}{\partial W} = \frac{1}{N} X^\top (P - Y) + 2\lambda W,$$
#
# where `P` is the `(N, C)` matrix of probabilities and `Y` the one-hot labels.
#
# **Numerical stability.** `np.exp(1000.0)` is `inf`. Subtracting any constant from a row of
# scores leaves its probabilities unchanged, so subtract each row's maximum first: then every
# exponent is at most 0. The hidden tests use scores near 10 000.

# %% nbgrader={"grade": false, "grade_id": "softmax_loops", "locked": false, "schema_version": 3, "solution": true}
def softmax_loss_loops(W, X, y, reg):
    """Softmax cross-entropy loss and gradient, one example at a time.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)
    y : ndarray of int, shape (N,)
    reg : float

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C)
    """
    N, C = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(N):
        ### BEGIN SOLUTION
        scores = X[i] @ W
        scores = scores - scores.max()
        log_normalizer = np.log(np.sum(np.exp(scores)))
        loss -= scores[y[i]] - log_normalizer  # log p_y without computing p_y (it may be 0.0)
        probs = np.exp(scores - log_normalizer)
        for j in range(C):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
        ### END SOLUTION
    ### BEGIN SOLUTION
    loss = loss / N + reg * np.sum(W * W)
    dW = dW / N + 2.0 * reg * W
    ### END SOLUTION
    return float(loss), dW


# %% nbgrader={"grade": true, "grade_id": "test_softmax_loops", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 6 loss and dW, 2 scores around 1e4 (the max-shift).
from dlhelpers import grading as G

_X = np.random.default_rng(7).normal(size=(5, 65))
_y = np.array([0, 3, 9, 3, 1])
_out = G.call_student(softmax_loss_loops, np.zeros((65, 10)), _X, _y, 0.1)
G.assert_pair(_out, "softmax_loss_loops", "(loss, dW)")
G.assert_shape(_out[1], (65, 10), "dW")
G.assert_close(_out[0], np.log(10.0), rtol=1e-9, name="loss at W = 0", hint="With W = 0 every class gets probability 1/10, so the loss is log(10).")
# the penalty's share: reg * sum(W**2) in the loss, 2 * reg * W in dW; W and X unchanged
_W = np.random.default_rng(8).normal(scale=0.01, size=(65, 10))
_W_before, _X_before = _W.copy(), _X.copy()
_with = G.call_student(softmax_loss_loops, _W, _X, _y, 0.1)
G.assert_true(np.array_equal(_W, _W_before) and np.array_equal(_X, _X_before),
              "softmax_loss_loops must not modify W or X in place.")
_without = G.call_student(softmax_loss_loops, _W, _X, _y, 0.0)
G.assert_close(_with[0] - _without[0], 0.1 * np.sum(_W * _W), rtol=1e-6,
               name="loss(reg=0.1) - loss(reg=0)", hint="The loss adds reg * sum(W ** 2).")
G.assert_close(np.asarray(_with[1]) - np.asarray(_without[1]), 0.2 * _W, rtol=1e-6, atol=1e-12,
               name="dW(reg=0.1) - dW(reg=0)", hint="The gradient of reg * sum(W ** 2) is "
               "2 * reg * W; add it to dW.")
# scores around 1e4: exp overflows unless each row's largest score is subtracted first
_big = G.call_student(softmax_loss_loops, np.eye(65, 10), 1e4 * _X, _y, 0.0)
G.assert_true(np.isfinite(_big[0]) and np.isfinite(np.asarray(_big[1])).all(),
              "loss or dW is NaN or inf for scores around 1e4: subtract each row's largest "
              "score before exponentiating.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "softmax_vectorized", "locked": false, "schema_version": 3, "solution": true}
def softmax_loss_vectorized(W, X, y, reg):
    """Softmax cross-entropy loss and gradient without any Python loop, numerically stable.

    Same parameters and returns as softmax_loss_loops: W (D, C), X (N, D), y (N,), reg
    float -> (loss float, dW of shape (D, C)).
    """
    ### BEGIN SOLUTION
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean() + reg * np.sum(W * W)
    probs = np.exp(log_probs)
    probs[rows, y] -= 1.0
    dW = X.T @ probs / N + 2.0 * reg * W
    ### END SOLUTION
    return float(loss), dW


# %% nbgrader={"grade": true, "grade_id": "test_softmax_vectorized", "locked": true, "points": 10, "schema_version": 3, "solution": false}
# Graded (10 points): 6 loss and dW, 2 scores around 1e4 (the max-shift), 2 no Python loop
# (once the values are right).
from dlhelpers import grading as G

_X = np.random.default_rng(7).normal(size=(5, 65))
_y = np.array([0, 3, 9, 3, 1])
_out = G.call_student(softmax_loss_vectorized, np.zeros((65, 10)), _X, _y, 0.1)
G.assert_pair(_out, "softmax_loss_vectorized", "(loss, dW)")
G.assert_shape(_out[1], (65, 10), "dW")
G.assert_close(_out[0], np.log(10.0), rtol=1e-9, name="loss at W = 0", hint="With W = 0 every class gets probability 1/10, so the loss is log(10).")
# the penalty's share: reg * sum(W**2) in the loss, 2 * reg * W in dW; W and X unchanged
_W = np.random.default_rng(8).normal(scale=0.01, size=(65, 10))
_W_before, _X_before = _W.copy(), _X.copy()
_with = G.call_student(softmax_loss_vectorized, _W, _X, _y, 0.1)
G.assert_true(np.array_equal(_W, _W_before) and np.array_equal(_X, _X_before),
              "softmax_loss_vectorized must not modify W or X in place.")
_without = G.call_student(softmax_loss_vectorized, _W, _X, _y, 0.0)
G.assert_close(_with[0] - _without[0], 0.1 * np.sum(_W * _W), rtol=1e-6,
               name="loss(reg=0.1) - loss(reg=0)", hint="The loss adds reg * sum(W ** 2).")
G.assert_close(np.asarray(_with[1]) - np.asarray(_without[1]), 0.2 * _W, rtol=1e-6, atol=1e-12,
               name="dW(reg=0.1) - dW(reg=0)", hint="The gradient of reg * sum(W ** 2) is "
               "2 * reg * W; add it to dW.")
# scores around 1e4: exp overflows unless each row's largest score is subtracted first
_big = G.call_student(softmax_loss_vectorized, np.eye(65, 10), 1e4 * _X, _y, 0.0)
G.assert_true(np.isfinite(_big[0]) and np.isfinite(np.asarray(_big[1])).all(),
              "loss or dW is NaN or inf for scores around 1e4: subtract each row's largest "
              "score before exponentiating.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "softmax_check", "locked": true, "schema_version": 3, "solution": false}
# Gradient check and comparison, as for the SVM; then the stability check with huge scores.
try:
    loss_l, dW_l = softmax_loss_loops(W_check, Xb_train[:200], y_train[:200], 0.01)
    loss_v, dW_v = softmax_loss_vectorized(W_check, Xb_train[:200], y_train[:200], 0.01)
    numeric = grading.numerical_gradient(
        lambda w: softmax_loss_vectorized(w, Xb_train[:20], y_train[:20], 0.01)[0], W_check.copy())
    analytic = softmax_loss_vectorized(W_check, Xb_train[:20], y_train[:20], 0.01)[1]
    print(f"loss: loops {loss_l:.6f}, vectorized {loss_v:.6f} (near log(10) = {np.log(10):.6f} for small W)")
    print(f"max |dW_loops - dW_vectorized| = {np.abs(dW_l - dW_v).max():.2e}")
    error = grading.relative_error(analytic, numeric)  # the course's relative error, as in the lessons
    print(f"relative error {error:.1e}: the largest entry of |analytic - numerical| / (|analytic| + |numerical|)")
    print("(below 1e-7: right; 1e-7 to 1e-4: look closer, normal here for the weights of pixels that "
          "are almost always 0, whose gradient is tiny; above 1e-4: a bug)")
    big_loss, _ = softmax_loss_vectorized(W_check * 1e5, Xb_train[:50], y_train[:50], 0.0)
    print(f"loss with scores around 1e3: {big_loss:.3f} (finite means stable)")
except NotImplementedError:
    print("write both softmax functions first")


# %% [markdown] nbgrader={"grade": false, "grade_id": "part4_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 4: training with mini-batch SGD (22 points)
#
# Each step of stochastic gradient descent draws a random mini-batch, computes the loss and
# gradient on it only, and moves `W` a small step downhill: `W -= lr * dW`. To make runs
# reproducible, `sgd_train` must use **one** generator, `rng = np.random.default_rng(seed)`, in
# this order: first `W = 0.001 * rng.standard_normal((D, C))` (with `C = y.max() + 1`), then one
# `rng.choice(N, size=batch_size, replace=True)` per step to pick the batch rows.
#
# Then search: train with several learning rates and regularization strengths, measure each
# model's accuracy on the **validation** set, and keep the best. Target: a validation accuracy of
# at least **0.92** (the grader recomputes it from your `best_W`). The test set is
# used once, at the very end.

# %% nbgrader={"grade": false, "grade_id": "linear_predict", "locked": false, "schema_version": 3, "solution": true}
def predict_linear(W, X):
    """Predicted class of each row: the index of its largest score.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    X : ndarray of shape (N, D)

    Returns
    -------
    y_pred : ndarray of int, shape (N,)
    """
    ### BEGIN SOLUTION
    return np.argmax(X @ W, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_linear_predict", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# Graded (3 points): 3 for the labels.
from dlhelpers import grading as G

_W = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
_X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
G.assert_labels_equal(G.call_student(predict_linear, _W, _X), [0, 1, 2], name="predict_linear",
                      hint="Take the argmax over the class axis (axis=1) of X @ W.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "sgd_train", "locked": false, "schema_version": 3, "solution": true}
def sgd_train(loss_fn, X, y, *, lr, reg, num_iters, batch_size, seed=0):
    """Train a linear classifier with mini-batch stochastic gradient descent.

    Parameters
    ----------
    loss_fn : callable
        loss_fn(W, X_batch, y_batch, reg) -> (loss, dW), e.g. softmax_loss_vectorized.
    X : ndarray of shape (N, D)
    y : ndarray of int, shape (N,)
    lr : float
        Learning rate.
    reg : float
        Passed on to loss_fn.
    num_iters : int
        Number of SGD steps.
    batch_size : int
        Rows per mini-batch, drawn with replacement.
    seed : int
        Seed of the single generator used for the initial W and every batch.

    Returns
    -------
    W : ndarray of shape (D, C)
        The trained weights.
    loss_history : list of float
        The mini-batch loss at each step (length num_iters).
    """
    rng = np.random.default_rng(seed)
    N, D = X.shape
    C = int(y.max()) + 1
    W = 0.001 * rng.standard_normal((D, C))
    loss_history = []
    ### BEGIN SOLUTION
    for _ in range(num_iters):
        rows = rng.choice(N, size=batch_size, replace=True)
        loss, dW = loss_fn(W, X[rows], y[rows], reg)
        W = W - lr * dW
        loss_history.append(float(loss))
    ### END SOLUTION
    return W, loss_history


# %% nbgrader={"grade": true, "grade_id": "test_sgd_train", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 3 mini-batches from the seeded rng, 5 updates and loss history.
from dlhelpers import grading as G

_calls = []


_batches = []


def _constant_gradient(W, Xb, yb, reg):
    _calls.append((Xb.shape, yb.shape, reg))
    _batches.append(np.array(Xb[:, 0]))
    return 1.5, np.ones_like(W)


_X = np.arange(40.0).reshape(20, 2)
_y = np.arange(20) % 3
_out = G.call_student(sgd_train, _constant_gradient, _X, _y, lr=0.1, reg=0.2, num_iters=4,
                      batch_size=5, seed=0)
G.assert_pair(_out, "sgd_train", "(W, loss_history)")
G.assert_shape(_out[0], (2, 3), "trained W")
G.assert_true(len(_calls) == 4, f"loss_fn should be called once per step (4 steps), got {len(_calls)} calls.")
G.assert_true(_calls[0] == ((5, 2), (5,), 0.2),
              "each call should get a batch X of shape (batch_size, D), y of shape (batch_size,) and reg.")
# the documented randomness: one generator, W first, then one rng.choice per step
_rng = np.random.default_rng(0)
_W0 = 0.001 * _rng.standard_normal((2, 3))
_rows = _rng.choice(20, size=5, replace=True)
G.assert_close(_batches[0], _X[_rows, 0], name="first column of the first batch",
               hint="Draw rows with rng.choice(N, size=batch_size, replace=True) from the rng "
                    "made with the given seed (not np.random), after the initial W.")
G.assert_close(_out[0], _W0 - 4 * 0.1 * np.ones((2, 3)), rtol=1e-12, name="W after 4 steps of dW = 1",
               hint="Start from 0.001 * rng.standard_normal((D, C)), then W = W - lr * dW.")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "hyperparameter_search", "locked": false, "schema_version": 3, "solution": true}
# Train one model per (learning rate, regularization) pair with sgd_train and
# softmax_loss_vectorized (or svm_loss_vectorized) on Xb_train, measure its accuracy on
# Xb_val with predict_linear, and keep the best. Try at least two learning rates and two
# regularization strengths (a factor of about 3 to 10 between neighbouring values), e.g.
# learning_rates = [...]; regularization_strengths = [...]
results = {}        # (lr, reg) -> validation accuracy (float)
best_val_acc = -1.0  # the best validation accuracy found
best_W = None        # the weights of that model, shape (65, 10)
best_params = None   # its (lr, reg)
### BEGIN SOLUTION
learning_rates = [0.3, 1.0, 3.0]
regularization_strengths = [0.0, 1e-3, 1e-2]
for lr in learning_rates:
    for reg in regularization_strengths:
        W, _ = sgd_train(softmax_loss_vectorized, Xb_train, y_train, lr=lr, reg=reg,
                         num_iters=500, batch_size=100, seed=0)
        accuracy = float(np.mean(predict_linear(W, Xb_val) == y_val))
        results[(lr, reg)] = accuracy
        if accuracy > best_val_acc:
            best_val_acc, best_W, best_params = accuracy, W, (lr, reg)
### END SOLUTION
print(f"best validation accuracy {best_val_acc:.3f} with (lr, reg) = {best_params} "
      f"(target 0.92)")

# %% nbgrader={"grade": true, "grade_id": "test_hyperparameter_search", "locked": true, "points": 8, "schema_version": 3, "solution": false}
# Graded (8 points): 4 bookkeeping (results, best_val_acc, best_W), 4 the target 0.92 (met by
# best_W, or by a reference retrain at your best_params).
from dlhelpers import grading as G

G.check_integrity()
G.assert_shape(best_W, (65, 10), "best_W")
G.assert_true(isinstance(results, dict) and len(results) >= 1,
              "results must map each (lr, reg) you tried to its validation accuracy.")
_acc = float((((Xb_val @ np.asarray(best_W, dtype=float)).argmax(axis=1)) == y_val).mean())
G.assert_close(best_val_acc, _acc, atol=1e-9, name="best_val_acc (recomputed from best_W)")
G.assert_true(len({k[0] for k in results}) >= 2 and len({k[1] for k in results}) >= 2,
              "search at least two learning rates and two regularization strengths.")
G.assert_close(best_val_acc, max(results.values()), atol=1e-9,
               name="best_val_acc versus max(results)")
G.assert_true(_acc >= 0.92, f"validation accuracy of best_W is {_acc:.3f}; the target "
              "is 0.92. Try other learning rates or regularization strengths.")
print("visible tests passed")


# %% nbgrader={"grade": false, "grade_id": "class_templates", "locked": false, "schema_version": 3, "solution": true}
def class_templates(W, image_shape=(8, 8)):
    """Turn each class's weights into an image, scaled to [0, 1] for display.

    Parameters
    ----------
    W : ndarray of shape (D + 1, C)
        Weights whose last row is the bias (the bias trick above).
    image_shape : tuple of int
        Shape of one image; its product must be D.

    Returns
    -------
    templates : ndarray of shape (C, *image_shape)
        templates[c] is column c of W without the bias, reshaped to image_shape and
        rescaled linearly so its smallest entry is 0 and its largest 1 (all zeros if the
        column is constant).
    """
    ### BEGIN SOLUTION
    pixels = W[:-1].T
    low = pixels.min(axis=1, keepdims=True)
    span = pixels.max(axis=1, keepdims=True) - low
    scaled = np.divide(pixels - low, span, out=np.zeros_like(pixels), where=span > 0)
    return scaled.reshape((W.shape[1],) + tuple(image_shape))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_class_templates", "locked": true, "points": 3, "schema_version": 3, "solution": false}
# Graded (3 points): 2 the templates, 1 W left unchanged.
from dlhelpers import grading as G

_W = np.random.default_rng(4).normal(size=(65, 10))
_W_before = _W.copy()
_t = G.call_student(class_templates, _W)
G.assert_true(np.array_equal(_W, _W_before), "class_templates must not modify W: W[:-1].T is a "
              "view of W, so rescale a copy (pixels - low), not pixels in place.")
G.assert_shape(_t, (10, 8, 8), "class_templates(W of shape (65, 10))")
G.assert_close(_t.reshape(10, -1).min(axis=1), [0.0] * 10, atol=1e-12, name="smallest value of each template")
G.assert_close(_t.reshape(10, -1).max(axis=1), [1.0] * 10, atol=1e-12, name="largest value of each template")
print("visible tests passed")

# %% nbgrader={"grade": false, "grade_id": "training_plots", "locked": true, "schema_version": 3, "solution": false}
# Comparison: the loss curve of the best setting, its class templates, and the test accuracy.
if best_W is None:
    print("run the search above first")
else:
    _, history = sgd_train(softmax_loss_vectorized, Xb_train, y_train, lr=best_params[0],
                           reg=best_params[1], num_iters=500, batch_size=100, seed=0)
    fig = plt.figure(figsize=(11, 4))
    grid = fig.add_gridspec(2, 8)
    ax = fig.add_subplot(grid[:, :3])
    ax.plot(history, lw=0.8)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("mini-batch loss")
    ax.set_title(f"softmax, lr={best_params[0]}, reg={best_params[1]}")
    templates = class_templates(best_W)
    for c in range(num_classes):
        sub = fig.add_subplot(grid[c // 5, 3 + c % 5])
        sub.imshow(templates[c], cmap="gray")
        sub.set_title(f"class {c}")
        sub.axis("off")
    fig.suptitle("Training loss (left) and each class's weights shown as an 8x8 image (right; bright = evidence for)")
    fig.tight_layout()
    plt.show()
    test_acc = np.mean(predict_linear(best_W, Xb_test) == y_test)
    print(f"validation accuracy {best_val_acc:.3f}; test accuracy (used once) {test_acc:.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "part5_intro", "locked": true, "schema_version": 3, "solution": false}
# ## Part 5: written answers (12 points, graded by hand)
#
# Answer each question in the cell below it, in three to six sentences. Refer to the numbers
# your notebook printed.

# %% [markdown] nbgrader={"grade": false, "grade_id": "q1_prompt", "locked": true, "schema_version": 3, "solution": false}
# **Question 1 (6 points).** What is the training accuracy of 1-NN, and why? Why is that number
# no help for choosing `k`, and what did you use instead? Why must `k` not be chosen by looking
# at the test accuracy?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q1_answer", "locked": false, "points": 6, "schema_version": 3, "solution": true}
# **Model answer.** 1-NN scores 100% on its own training set (unless two identical images carry
# different labels): each training image is its own nearest neighbour at distance 0, so it
# votes for its own label. That says nothing about new images, so it cannot rank values of `k`.
# Instead each `k` was scored on data it had not memorised, with 5-fold cross-validation on the
# training set; the `k` with the best mean fold accuracy was kept. Choosing `k` by test
# accuracy would fit the hyperparameter to the test set, so the test number would no longer be
# an honest estimate of accuracy on unseen data.
#
# **Mark scheme (6).** 2: 100% and the distance-0 self-match reason. 2: training accuracy
# measures memorisation, hence cross-validation (or a validation split) to pick `k`, naming the
# value found. 2: the test set must stay unseen for an unbiased final estimate (overfitting to
# the test set). Half marks for a reason stated without the mechanism.

# %% [markdown] nbgrader={"grade": false, "grade_id": "q2_prompt", "locked": true, "schema_version": 3, "solution": false}
# **Question 2 (6 points).** Take a training example that is classified correctly and whose
# true-class score beats every other score by more than 1. What does it contribute to the SVM
# loss and to its gradient, and what does it contribute to the softmax loss and its gradient?
# What does this mean for which examples each classifier keeps learning from? Which of your two
# classifiers did better on validation?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q2_answer", "locked": false, "points": 6, "schema_version": 3, "solution": true}
# **Model answer.** For the SVM every margin term is `max(0, negative) = 0`: the example adds
# exactly 0 to the loss and 0 to the gradient, so once an example clears the margin the SVM
# ignores it. For softmax its probability for the true class is below 1, so it still adds a
# positive loss `-log p` and a non-zero gradient `(p - onehot) x`, which keeps pushing the
# correct score up (with shrinking force). So the SVM learns only from examples near or on the
# wrong side of the margin, while softmax learns a little from every example. On this data the
# two reach similar validation accuracy (within a few points); the answer should quote the
# student's own numbers.
#
# **Mark scheme (6).** 2: SVM contributes zero loss and zero gradient. 2: softmax contributes a
# positive loss and non-zero gradient, never exactly zero. 1: consequence (SVM focuses on hard
# examples, softmax always wants more confidence). 1: a comparison quoting their own results.

# %% [markdown] nbgrader={"grade": false, "grade_id": "submit", "locked": true, "schema_version": 3, "solution": false}
# ## Before you submit
#
# Run **Kernel > Restart and Run All** and check that every visible test cell prints
# `visible tests passed` and that the plots appear. Then save and submit this notebook under its
# original name.
