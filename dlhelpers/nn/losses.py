"""Classification and regression losses.

Every loss returns ``(loss, dscores)``: the loss is a Python float averaged over the batch
(over the N rows for classification; over every entry for regression, as torch's
``reduction="mean"`` does), and ``dscores`` is its gradient with the shape of the scores.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, as_labels, check_positive, check_same_shape


def _scores_and_labels(scores, y) -> tuple[np.ndarray, np.ndarray]:
    scores = as_float_array(scores, "scores", ndim=2)
    if scores.shape[0] == 0 or scores.shape[1] == 0:
        raise ValueError(f"scores must have at least one row and one class; got shape {scores.shape}")
    y = as_labels(y, "y", n=scores.shape[0], num_classes=scores.shape[1])
    return scores, y


# --------------------------------------------------------------------------- softmax
def log_softmax(scores) -> np.ndarray:
    """Row-wise log-softmax, ``s - logsumexp(s)``, computed without overflow.

    Parameters
    ----------
    scores : array of shape (N, K) or (K,)

    Returns
    -------
    ndarray, shape of ``scores``; ``exp`` of each row sums to 1.
    """
    scores = as_float_array(scores, "scores", ndim=(1, 2))
    # Subtracting the row max makes the largest exponent exp(0) = 1: nothing overflows and
    # the sum is at least 1, so its log is safe too.
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(scores) -> np.ndarray:
    """Row-wise softmax probabilities, stable for large scores.

    Parameters
    ----------
    scores : array of shape (N, K) or (K,)

    Returns
    -------
    ndarray, shape of ``scores``, each row non-negative and summing to 1.
    """
    scores = as_float_array(scores, "scores", ndim=(1, 2))
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(scores, y) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the softmax of ``scores`` against integer labels.

    ``loss = -(1/N) sum_i log softmax(scores_i)[y_i]``; stable for logits as large as 1e4.

    Parameters
    ----------
    scores : array of shape (N, K)
    y : int array of shape (N,), values in [0, K)

    Returns
    -------
    loss : float
    dscores : ndarray of shape (N, K), ``(softmax(scores) - onehot(y)) / N``
    """
    scores, y = _scores_and_labels(scores, y)
    return _softmax_cross_entropy(scores.copy(), y)


def _softmax_cross_entropy(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Kernel of :func:`softmax_cross_entropy` (no checks). ``scores`` (N, K) is overwritten
    and becomes the returned gradient, so a training loop allocates nothing of size (N, K)."""
    n = scores.shape[0]
    rows = np.arange(n)
    # Shift each row by its max: exp never overflows and the row sum is >= 1 (safe log).
    # (np.maximum.reduce/np.add.reduce are what .max()/.sum() call, minus a Python wrapper.)
    scores -= np.maximum.reduce(scores, axis=1, keepdims=True)
    picked = scores[rows, y]
    probs = np.exp(scores, out=scores)
    total = np.add.reduce(probs, axis=1, keepdims=True)
    # loss_i = log(sum_j exp(s_ij)) - s_iy_i, averaged over the batch
    loss = float(np.add.reduce(np.log(total), axis=None) - np.add.reduce(picked)) / n
    total *= n
    probs /= total  # the gradient is (softmax - onehot) / N
    probs[rows, y] -= 1.0 / n
    return loss, probs


# ------------------------------------------------------------------------------ hinge
def _hinge_margins(scores: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    rows = np.arange(scores.shape[0])
    margins = np.maximum(0.0, scores - scores[rows, y][:, None] + margin)
    margins[rows, y] = 0.0  # the true class never competes with itself
    return margins


def _hinge_grad(weights: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient given d loss_i / d margin_ij (zero on the true class)."""
    rows = np.arange(weights.shape[0])
    dscores = weights.copy()
    dscores[rows, y] = -weights.sum(axis=1)
    return dscores / weights.shape[0]


def multiclass_hinge(scores, y, margin: float = 1.0) -> tuple[float, np.ndarray]:
    """Multiclass SVM (Weston-Watkins) hinge loss.

    ``loss = (1/N) sum_i sum_{j != y_i} max(0, s_ij - s_iy_i + margin)``.
    torch's ``F.multi_margin_loss`` divides each row's sum by the number of classes K
    as well, so ``multiclass_hinge == K * multi_margin_loss``.

    Parameters
    ----------
    scores : array of shape (N, K)
    y : int array of shape (N,)
    margin : float > 0

    Returns
    -------
    loss : float
    dscores : ndarray of shape (N, K); at a margin of exactly 0 the subgradient 0 is used.
    """
    scores, y = _scores_and_labels(scores, y)
    margin = check_positive(margin, "margin")
    margins = _hinge_margins(scores, y, margin)
    loss = float(margins.sum(axis=1).mean())
    return loss, _hinge_grad((margins > 0).astype(scores.dtype), y)


def squared_hinge(scores, y, margin: float = 1.0) -> tuple[float, np.ndarray]:
    """Squared multiclass hinge: like :func:`multiclass_hinge` with each term squared.

    Equals ``K * F.multi_margin_loss(scores, y, p=2, margin=margin)``.

    Returns
    -------
    loss : float
    dscores : ndarray of shape (N, K)
    """
    scores, y = _scores_and_labels(scores, y)
    margin = check_positive(margin, "margin")
    margins = _hinge_margins(scores, y, margin)
    loss = float((margins**2).sum(axis=1).mean())
    return loss, _hinge_grad(2.0 * margins, y)


# ------------------------------------------------------------------------- regression
def _pred_and_target(pred, target) -> tuple[np.ndarray, np.ndarray]:
    pred = as_float_array(pred, "pred")
    target = as_float_array(target, "target")
    check_same_shape(pred, target, "pred", "target")
    if pred.size == 0:
        raise ValueError("pred must hold at least one value; got an empty array")
    return pred, target


def mse(pred, target) -> tuple[float, np.ndarray]:
    """Mean squared error over all entries, ``mean((pred - target)**2)``.

    Parameters
    ----------
    pred, target : arrays of the same shape (no broadcasting)

    Returns
    -------
    loss : float
    dpred : ndarray, shape of pred, ``2 (pred - target) / pred.size``
    """
    pred, target = _pred_and_target(pred, target)
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def mae(pred, target) -> tuple[float, np.ndarray]:
    """Mean absolute error over all entries; the subgradient at ``pred == target`` is 0.

    Returns
    -------
    loss : float
    dpred : ndarray, shape of pred, ``sign(pred - target) / pred.size``
    """
    pred, target = _pred_and_target(pred, target)
    diff = pred - target
    return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size


def msle(pred, target) -> tuple[float, np.ndarray]:
    """Mean squared logarithmic error, ``mean((log(1 + pred) - log(1 + target))**2)``.

    Uses the natural logarithm. Both arrays must be greater than -1 everywhere.

    Returns
    -------
    loss : float
    dpred : ndarray, shape of pred
    """
    pred, target = _pred_and_target(pred, target)
    for arr, name in ((pred, "pred"), (target, "target")):
        if np.any(arr <= -1):
            raise ValueError(f"{name} must be > -1 everywhere (msle takes log(1 + {name})); "
                             f"got a minimum of {float(arr.min())}")
    diff = np.log1p(pred) - np.log1p(target)
    return float(np.mean(diff**2)), 2.0 * diff / ((1.0 + pred) * diff.size)
