"""hw3_backprop through the real grading pipeline: full marks, zero, exact partial scores.

The checks themselves live in ``homework_checks.HomeworkChecks``; this module states what is
particular to the homework: which answers each test cell needs, and a mixed submission whose
exact score follows from that table.
"""

import pytest
from homework_checks import HomeworkChecks, synthetic

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.timeout(1200)]

HW = "hw3_backprop"

# test cell -> the answer cells it needs working (read from the notebook's design, not run)
LAYERS_AND_BN = {"affine", "relu", "batchnorm_forward", "batchnorm_backward"}
DEPENDS = {
    "test_affine": {"affine"},
    "test_relu": {"relu"},
    "test_sigmoid_tanh": {"sigmoid_tanh"},
    "test_softmax_ce": {"softmax_ce"},
    "test_init": {"init"},
    "test_two_layer": {"two_layer", "affine", "relu", "softmax_ce"},
    "test_batchnorm_forward": {"batchnorm_forward"},
    # the backward pass reads the cache the student's own forward pass made
    "test_batchnorm_backward": {"batchnorm_backward", "batchnorm_forward"},
    "test_dropout": {"dropout"},
    "test_deep_net": {"deep_net"} | LAYERS_AND_BN,
    "test_training": {"training", "deep_net", "softmax_ce", "init"} | LAYERS_AND_BN,
}
WRITTEN = {"q1_answer": 5.0, "q2_answer": 5.0}

# The mixed submission: everything solved except two_layer_loss (left as the stub); tanh and
# sigmoid delegate to dlhelpers.nn (values right, so the whole cell is zeroed only by the
# sandbox's blocked reference, not by partial credit on a part of its own); dropout is right
# but prints a RuntimeWarning to stderr; one test cell deleted; written answers typed in.
NOISY_DROPOUT = '''
import warnings


def dropout_forward(x, keep_prob, *, train, rng):
    warnings.simplefilter("always")  # defeats the tests' silencing: the warning reaches stderr
    warnings.warn("dropout mask drawn the slow way", RuntimeWarning, stacklevel=1)
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) < keep_prob
    return np.where(keep, x / keep_prob, 0.0), keep / keep_prob


def dropout_backward(dout, cache):
    return dout.copy() if cache is None else dout * cache
'''
DELEGATING_TANH = '''
from dlhelpers.nn import tanh_backward as library_tanh_backward
from dlhelpers.nn import tanh_forward as library_tanh_forward


def sigmoid_forward(x):
    s = 0.5 * (1.0 + library_tanh_forward(0.5 * x)[0])  # delegates too: the whole cell earns 0
    return s, s


def sigmoid_backward(dout, cache):
    return dout * cache * (1.0 - cache)


def tanh_forward(x):
    return library_tanh_forward(x)


def tanh_backward(dout, cache):
    return library_tanh_backward(dout, cache)
'''
ALL_ANSWERS = {"affine", "relu", "sigmoid_tanh", "softmax_ce", "init", "two_layer",
               "batchnorm_forward", "batchnorm_backward", "dropout", "deep_net", "training"}
MIXED_WORKING = ALL_ANSWERS - {"two_layer"}
MIXED_ZEROED = {"test_sigmoid_tanh"}  # it works, but only by delegating


def _mixed(released, source):
    nb = synthetic.fill(released, source, MIXED_WORKING - {"sigmoid_tanh", "dropout"})
    synthetic.set_answer(nb, "sigmoid_tanh", DELEGATING_TANH)
    synthetic.set_answer(nb, "dropout", NOISY_DROPOUT)
    synthetic.delete_cell(nb, "test_affine")
    for cell in nb.cells:
        if synthetic.grade_id(cell) in WRITTEN:
            cell.source = "The Jacobian is diagonal, so a mask does the same job."
    return nb


class TestGrading(HomeworkChecks):
    HW = HW
    DEPENDS = DEPENDS
    WRITTEN = WRITTEN
    AUTO_MAX = 90
    MIXED_WORKING = MIXED_WORKING
    MIXED_ZEROED = MIXED_ZEROED
    MIXED_SPOT_CHECKS = {
        "test_affine": 10,  # the deleted test cell was restored and graded
        "test_dropout": 7,  # a RuntimeWarning on stderr did not zero it
        "test_two_layer": 0,  # left as the stub
        "test_sigmoid_tanh": 0,  # delegates to dlhelpers
    }
    MIXED_TOTAL = 90 - 10 - 8
    # names and text of the trusted grader spec (assignments/graders/hw3_backprop.py)
    HIDDEN_SECRETS = ("_two_layer_own", "_batchnorm_dx_train", "_deep_reference", "GRAD_TOL",
                      "_bn_backward_own")
    mixed = staticmethod(_mixed)
