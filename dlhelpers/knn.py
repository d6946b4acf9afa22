"""k-nearest neighbours: pairwise distances three ways, a classifier, cross-validation of k.

All distance functions take ``X_test`` of shape ``(M, D)`` and ``X_train`` of shape
``(N, D)`` and return ``dists`` of shape ``(M, N)`` with ``dists[i, j]`` the distance from
test row ``i`` to training row ``j``. They compute in float64.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from dlhelpers._checks import as_float_array, as_labels, check_int

__all__ = [
    "l2_distances_two_loops",
    "l2_distances_one_loop",
    "l2_distances_no_loops",
    "l1_distances",
    "KNearestNeighbor",
    "cross_validate_k",
]

METRICS = ("l2", "l1")

# Elements of the (rows, N, D) difference block l1_distances builds at once (~32 MB).
_L1_BLOCK_ELEMENTS = 4_000_000


def _pair(X_test, X_train, *, allow_nan: bool = False) -> tuple[np.ndarray, np.ndarray]:
    hint = "; flatten images first with X.reshape(len(X), -1)"
    try:
        A = as_float_array(X_test, "X_test", ndim=2, allow_nan=allow_nan)
        B = as_float_array(X_train, "X_train", ndim=2, allow_nan=allow_nan)
    except ValueError as exc:
        raise ValueError(str(exc) + hint) from None
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X_test and X_train must have the same number of features; "
                         f"got X_test {A.shape} and X_train {B.shape}")
    return A.astype(np.float64, copy=False), B.astype(np.float64, copy=False)


def l2_distances_two_loops(X_test, X_train) -> np.ndarray:
    """Euclidean distances with a Python loop over test rows and one over training rows.

    The slowest version, kept because it mirrors the definition
    ``d(a, b) = sqrt(sum_k (a_k - b_k)^2)`` one pair at a time.

    Returns
    -------
    dists : ndarray of float64, shape (M, N)
    """
    A, B = _pair(X_test, X_train)
    dists = np.empty((A.shape[0], B.shape[0]))
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            diff = A[i] - B[j]
            dists[i, j] = np.sqrt(np.dot(diff, diff))
    return dists


def l2_distances_one_loop(X_test, X_train) -> np.ndarray:
    """Euclidean distances with one loop over test rows; each row is broadcast against X_train.

    Returns
    -------
    dists : ndarray of float64, shape (M, N)
    """
    A, B = _pair(X_test, X_train)
    dists = np.empty((A.shape[0], B.shape[0]))
    for i in range(A.shape[0]):
        dists[i] = np.sqrt(np.sum((B - A[i]) ** 2, axis=1))
    return dists


def l2_distances_no_loops(X_test, X_train) -> np.ndarray:
    """Euclidean distances without Python loops, from ``|a - b|^2 = |a|^2 + |b|^2 - 2 a.b``.

    The ``a.b`` terms for all pairs are one matrix product (BLAS). Rounding can make a
    squared distance between (near-)identical rows slightly negative, so it is clamped at
    0 before the square root. Memory: one (M, N) array plus two norm vectors.

    Returns
    -------
    dists : ndarray of float64, shape (M, N)
    """
    A, B = _pair(X_test, X_train, allow_nan=True)
    sq_test, sq_train = np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", B, B)
    # A NaN or inf anywhere in a row makes its squared norm non-finite, so checking the
    # norms replaces two extra passes over the inputs.
    for name, sq in (("X_test", sq_test), ("X_train", sq_train)):
        if not np.all(np.isfinite(sq)):
            bad = np.flatnonzero(~np.isfinite(sq))
            raise ValueError(f"{name} must be finite (and its squared row norms must not "
                             f"overflow); rows {bad[:5].tolist()} hold NaN/inf or huge values")
    # Scaling the small (M, D) side by -2 is cheaper than scaling the (M, N) product.
    dists = (-2.0 * A) @ B.T
    dists += sq_test[:, None]
    dists += sq_train[None, :]
    np.maximum(dists, 0.0, out=dists)
    return np.sqrt(dists, out=dists)


def l1_distances(X_test, X_train) -> np.ndarray:
    """Manhattan distances ``sum_k |a_k - b_k|`` for all pairs.

    There is no matrix-product shortcut for L1, so test rows are processed in blocks
    small enough that the (rows, N, D) difference array stays around 32 MB.

    Returns
    -------
    dists : ndarray of float64, shape (M, N)
    """
    A, B = _pair(X_test, X_train)
    M, N = A.shape[0], B.shape[0]
    dists = np.empty((M, N))
    rows = max(1, _L1_BLOCK_ELEMENTS // max(1, N * A.shape[1]))
    for start in range(0, M, rows):
        block = A[start:start + rows, None, :] - B[None, :, :]
        np.abs(block, out=block)
        dists[start:start + rows] = block.sum(axis=2)
    return dists


def _distances(X_test, X_train, metric: str, loops: int = 0) -> np.ndarray:
    if metric == "l1":
        return l1_distances(X_test, X_train)
    return (l2_distances_no_loops, l2_distances_one_loop, l2_distances_two_loops)[loops](
        X_test, X_train)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
    return metric


def _neighbour_order(dists: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k nearest training rows per test row, nearest first, shape (M, k).

    A stable sort, so equally distant training rows are taken in their original order.
    """
    return np.argsort(dists, axis=1, kind="stable")[:, :k]


def _majority_vote(neighbour_labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Most frequent label per row of a (M, k) label array; ties go to the smallest label."""
    counts = np.zeros((neighbour_labels.shape[0], num_classes), dtype=np.int64)
    rows = np.repeat(np.arange(neighbour_labels.shape[0]), neighbour_labels.shape[1])
    np.add.at(counts, (rows, neighbour_labels.ravel()), 1)
    return counts.argmax(axis=1)  # argmax returns the first (smallest) label among ties


class KNearestNeighbor:
    """k-NN classifier: ``train`` memorises the data, ``predict`` votes among the k closest.

    Ties in the vote (e.g. k=2 with two different labels) are broken toward the smallest
    class label; among training rows at exactly equal distance the earlier row counts as
    nearer.

    Examples
    --------
    >>> clf = KNearestNeighbor()
    >>> clf.train(X_train, y_train)            # doctest: +SKIP
    >>> y_pred = clf.predict(X_test, k=5)      # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.X_train: np.ndarray | None = None
        self.y_train: np.ndarray | None = None

    def train(self, X, y) -> KNearestNeighbor:
        """Memorise ``X`` of shape (N, D) and labels ``y`` of shape (N,). Returns self."""
        X = as_float_array(X, "X", ndim=2)
        if X.shape[0] < 1:
            raise ValueError("X must hold at least one training example; got 0 rows")
        self.y_train = as_labels(y, "y", n=X.shape[0])
        self.X_train = X.astype(np.float64, copy=False)
        return self

    def predict(self, X, k: int = 1, metric: str = "l2", *, loops: int = 0) -> np.ndarray:
        """Predict a label for each row of ``X`` (shape (M, D)).

        Parameters
        ----------
        k : int
            Number of neighbours that vote, 1 <= k <= N.
        metric : {"l2", "l1"}
        loops : {0, 1, 2}
            Which L2 distance implementation to use (the lesson times all three);
            ignored for L1.

        Returns
        -------
        y_pred : ndarray of int64, shape (M,)
        """
        if self.X_train is None:
            raise RuntimeError("call .train(X, y) before .predict(X)")
        k = check_int(k, "k", minimum=1)
        if k > self.X_train.shape[0]:
            raise ValueError(f"k must be <= the number of training examples "
                             f"({self.X_train.shape[0]}); got {k}")
        if loops not in (0, 1, 2):
            raise ValueError(f"loops must be 0, 1 or 2; got {loops!r}")
        dists = _distances(X, self.X_train, _check_metric(metric), loops)
        nearest = self.y_train[_neighbour_order(dists, k)]
        return _majority_vote(nearest, int(self.y_train.max()) + 1)


def cross_validate_k(X, y, ks: Iterable[int], folds: int = 5, seed: int = 0,
                     metric: str = "l2") -> dict[int, np.ndarray]:
    """Accuracy of k-NN for each k in ``ks`` on each of ``folds`` cross-validation folds.

    The rows are shuffled once (``seed``) and cut into ``folds`` nearly equal parts; each
    part in turn is held out and classified by the other parts. Distances and neighbour
    order are computed once per fold and shared by all k.

    Parameters
    ----------
    X : array-like, shape (N, D)
    y : array-like of int, shape (N,)
    ks : iterable of int
        Values of k to try; each must be at most the size of a training part.
    folds : int, >= 2

    Returns
    -------
    accuracies : dict mapping each k to an ndarray of float64, shape (folds,)
    """
    X = as_float_array(X, "X", ndim=2)
    y = as_labels(y, "y", n=X.shape[0])
    folds = check_int(folds, "folds", minimum=2)
    if folds > X.shape[0]:
        raise ValueError(f"folds must be <= the number of examples ({X.shape[0]}); got {folds}")
    ks = [check_int(k, "each k", minimum=1) for k in ks]
    if not ks:
        raise ValueError("ks must hold at least one value of k")
    _check_metric(metric)
    parts = np.array_split(np.random.default_rng(check_int(seed, "seed", minimum=0))
                           .permutation(X.shape[0]), folds)
    smallest_train = X.shape[0] - max(len(p) for p in parts)
    if max(ks) > smallest_train:
        raise ValueError(f"k must be <= {smallest_train} (the smallest training part); "
                         f"got {max(ks)}")
    num_classes = int(y.max()) + 1
    result = {k: np.empty(folds) for k in ks}
    for f, held_out in enumerate(parts):
        train_idx = np.concatenate([p for g, p in enumerate(parts) if g != f])
        dists = _distances(X[held_out], X[train_idx], metric)
        order = _neighbour_order(dists, max(ks))
        labels = y[train_idx][order]
        for k in ks:
            pred = _majority_vote(labels[:, :k], num_classes)
            result[k][f] = np.mean(pred == y[held_out])
    return result
