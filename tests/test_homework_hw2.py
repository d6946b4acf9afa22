"""hw2_optimizers through the real grading pipeline: full marks, zero, exact partial scores.

The checks themselves live in ``homework_checks.HomeworkChecks``; this module states what is
particular to the homework: which answers each test cell needs, and a mixed submission whose
exact score follows from that table.
"""

import pytest
from homework_checks import HomeworkChecks, synthetic

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.timeout(1200)]

HW = "hw2_optimizers"

# test cell -> the answer cells it needs working (read from the notebook's design, not run)
DEPENDS = {
    "test_sgd": {"sgd"},
    "test_momentum": {"momentum"},
    "test_nesterov": {"nesterov"},
    "test_adagrad": {"adagrad"},
    "test_rmsprop": {"rmsprop"},
    "test_adam": {"adam"},
    "test_adamw": {"adamw", "adam"},  # the model solution's adamw calls its own adam
    "test_step_decay": {"step_decay"},
    "test_cosine": {"cosine"},
    "test_warmup_cosine": {"warmup_cosine", "cosine"},
    "test_run_rule": {"run_rule"},
    "test_steps_to_tolerance": {"steps_to_tolerance"},
    "test_train_network": {"train_network"},
    # the model settings train with adam and a cosine schedule
    "test_training_run": {"training_run", "train_network", "adam", "cosine"},
}
WRITTEN = {"q1_answer": 6.0, "q2_answer": 6.0}

# The mixed submission: most parts solved; a Nesterov that is right but prints a
# RuntimeWarning to stderr; an RMSProp that delegates to dlhelpers.optim; a momentum that
# updates the state it was given in place (right iterates, but the old state changes: the state
# part, 2 of 6 points, assignments/MARK_SCHEMES.md); warm-up + cosine and
# steps_to_tolerance left blank; the SGD test cell deleted; written answers typed in.
NOISY_NESTEROV = '''
import warnings


def nesterov(w, dw, state=None, *, lr, rho=0.9):
    if state is None:
        warnings.simplefilter("always")  # defeats the tests' silencing: the warning reaches stderr
        warnings.warn("starting a fresh Nesterov velocity", RuntimeWarning, stacklevel=1)
        v = np.array(dw, dtype=float)
    else:
        v = rho * state["v"] + dw
    return w - lr * (dw + rho * v), {"v": v}
'''
DELEGATING_RMSPROP = '''
from dlhelpers.optim import rmsprop as course_rmsprop


def rmsprop(w, dw, state=None, *, lr, decay=0.99, eps=1e-8):
    return course_rmsprop(w, dw, state, lr=lr, decay=decay, eps=eps)
'''
INPLACE_MOMENTUM = '''
def momentum(w, dw, state=None, *, lr, rho=0.9):
    if state is None:
        state = {"v": np.zeros_like(w)}
    state["v"] *= rho
    state["v"] += dw
    return w - lr * state["v"], state
'''
MIXED_WORKING = {"sgd", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "step_decay", "cosine",
                 "run_rule", "train_network", "training_run"}
MIXED_ZEROED = {"test_rmsprop"}  # it works, but only by delegating
MIXED_PARTIAL = {"test_momentum": 4.0}  # the values part; the state part (2) is lost
MIXED_EXPECTED_TOTAL = 71.0  # 88 minus momentum 2, rmsprop 5, warm-up 6, steps_to_tolerance 4


def _mixed(released, source):
    nb = synthetic.fill(released, source, MIXED_WORKING - {"nesterov", "rmsprop"})
    synthetic.set_answer(nb, "nesterov", NOISY_NESTEROV)
    synthetic.set_answer(nb, "rmsprop", DELEGATING_RMSPROP)
    synthetic.set_answer(nb, "momentum", INPLACE_MOMENTUM)
    synthetic.delete_cell(nb, "test_sgd")
    for cell in nb.cells:
        if synthetic.grade_id(cell) in WRITTEN:
            cell.source = "Both moments start at zero, so the early averages are too small."
    return nb


class TestGrading(HomeworkChecks):
    HW = HW
    DEPENDS = DEPENDS
    WRITTEN = WRITTEN
    AUTO_MAX = 88
    MIXED_WORKING = MIXED_WORKING
    MIXED_ZEROED = MIXED_ZEROED
    MIXED_SPOT_CHECKS = {
        "test_sgd": 3,  # the deleted test cell was restored and graded
        "test_nesterov": 6,  # a RuntimeWarning on stderr did not zero it
        "test_momentum": 4,  # the state passed in was modified: the state part is lost
    }
    MIXED_PARTIAL = MIXED_PARTIAL
    MIXED_TOTAL = MIXED_EXPECTED_TOTAL
    HIDDEN_SECRETS = ("_weighted(", "_reference(", "_fake_rule", "_val_accuracy", "_ref_adam",
                      "_own_adamw", "_net_loss")
    mixed = staticmethod(_mixed)
