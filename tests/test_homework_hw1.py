"""hw1_linear_classifiers through the real grading pipeline: full marks, zero, exact partial scores.

The checks themselves live in ``homework_checks.HomeworkChecks``; this module states what is
particular to the homework: which answers each test cell needs, and a mixed submission whose
exact score follows from that table.
"""

import pytest
from homework_checks import HomeworkChecks, synthetic

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.timeout(1200)]

HW = "hw1_linear_classifiers"

# test cell -> the answer cells it needs working (read from the notebook's design, not run)
DEPENDS = {
    "test_knn_two_loops": {"knn_two_loops"},
    "test_knn_one_loop": {"knn_one_loop"},
    "test_knn_no_loops": {"knn_no_loops"},
    "test_knn_predict": {"knn_predict"},
    "test_knn_cross_validate": {"knn_cross_validate", "knn_no_loops", "knn_predict"},
    "test_svm_loops": {"svm_loops"},
    "test_svm_vectorized": {"svm_vectorized"},
    "test_softmax_loops": {"softmax_loops"},
    "test_softmax_vectorized": {"softmax_vectorized"},
    "test_linear_predict": {"linear_predict"},
    "test_sgd_train": {"sgd_train"},
    "test_hyperparameter_search": {"hyperparameter_search", "sgd_train", "softmax_vectorized",
                                   "linear_predict"},
    "test_class_templates": {"class_templates"},
}
WRITTEN = {"q1_answer": 6.0, "q2_answer": 6.0}

# The mixed submission: Parts 1 and 3 (loops) solved; an SVM loop answer that prints a
# RuntimeWarning to stderr; a softmax that delegates to dlhelpers; Part 4 without
# predict_linear; one test cell deleted; written answers typed in.
NOISY_SVM = '''
import warnings


def svm_loss_loops(W, X, y, reg):
    warnings.simplefilter("always")  # defeats the tests' silencing: the warning reaches stderr
    warnings.warn("this loop version is slow", RuntimeWarning, stacklevel=1)
    scores = X @ W
    n = X.shape[0]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(n):
        for j in range(W.shape[1]):
            margin = scores[i, j] - scores[i, y[i]] + 1.0
            if j != y[i] and margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return float(loss / n + reg * np.sum(W * W)), dW / n + 2 * reg * W
'''
DELEGATING_SOFTMAX = '''
from dlhelpers.nn import softmax_cross_entropy


def softmax_loss_vectorized(W, X, y, reg):
    loss, dscores = softmax_cross_entropy(X @ W, y)
    return float(loss + reg * np.sum(W * W)), X.T @ dscores + 2 * reg * W
'''
MIXED_WORKING = {"knn_two_loops", "knn_one_loop", "knn_no_loops", "knn_predict",
                 "knn_cross_validate", "svm_loops", "softmax_loops", "softmax_vectorized",
                 "sgd_train", "hyperparameter_search", "class_templates"}
MIXED_ZEROED = {"test_softmax_vectorized",  # it works, but only by delegating to dlhelpers.nn,
                "test_hyperparameter_search"}  # which the grading sandbox does not have


def _mixed(released, source):
    nb = synthetic.fill(released, source, MIXED_WORKING - {"svm_loops", "softmax_vectorized"})
    synthetic.set_answer(nb, "svm_loops", NOISY_SVM)
    synthetic.set_answer(nb, "softmax_vectorized", DELEGATING_SOFTMAX)
    synthetic.delete_cell(nb, "test_knn_two_loops")
    for cell in nb.cells:
        if synthetic.grade_id(cell) in WRITTEN:
            cell.source = "1-NN matches each training image to itself, so it is always right."
    return nb


class TestGrading(HomeworkChecks):
    HW = HW
    DEPENDS = DEPENDS
    WRITTEN = WRITTEN
    AUTO_MAX = 88
    MIXED_WORKING = MIXED_WORKING
    MIXED_ZEROED = MIXED_ZEROED
    MIXED_SPOT_CHECKS = {
        "test_knn_two_loops": 5,  # the deleted test cell was restored and graded
        "test_svm_loops": 8,  # a RuntimeWarning on stderr did not zero it
    }
    MIXED_TOTAL = None
    HIDDEN_SECRETS = ("_independent_cv", "_svm_reference", "_far = ")
    mixed = staticmethod(_mixed)
