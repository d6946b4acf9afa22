"""hw3_backprop: typical mistakes and the points each must cost (assignments/MARK_SCHEMES.md).

The costs are the decided mark scheme that the trusted grader spec of hw3
(``assignments/graders/hw3_backprop.py``) implements; ``tests/test_grading_mutants.py``
grades every mistake through the real pipeline and fails when one costs more or less.
"""

from . import Mutant

HW = "hw3_backprop"

AFF, RELU, SIG, CE, INIT = "test_affine", "test_relu", "test_sigmoid_tanh", "test_softmax_ce", "test_init"
TWO, BNF, BNB, DROP, DEEP = ("test_two_layer", "test_batchnorm_forward", "test_batchnorm_backward",
                             "test_dropout", "test_deep_net")
TRAINING = "test_training"

MUTANTS = [
    # ---- layers (affine: 4 forward, 6 backward)
    Mutant("affine_db_mean", "affine", "db = dout.sum(axis=0)", "db = dout.mean(axis=0)",
           {AFF: 6}, "a missing factor N in db; the networks are not charged again (graded "
           "against the student's own layers)"),
    # Principle 4 (MARK_SCHEMES.md): an earlier part that returns an unusable shape makes
    # the later parts that use it crash, so they cannot be checked and are charged too
    # (measured through the real pipeline: two_layer_loss raises in dW1 + 2 * reg * W1,
    # train_network in params[k] -= lr * velocity[k]; the deep net test grades against the
    # student's own layers and passes). The earlier catalogue's {test_affine: 6} contradicted
    # that principle, as hw1's transposed softmax dW did.
    Mutant("affine_dw_transposed", "affine", "dw = x.T @ dout", "dw = dout.T @ x",
           {AFF: 6, TWO: 10, TRAINING: 6},
           "dw transposed: shape (M, D); the two-layer net and the training crash (principle 4)",
           "expected shape"),
    Mutant("affine_forward_no_bias", "affine", "    out = x @ w + b\n", "    out = x @ w\n", {AFF: 4},
           "the bias forgotten in the forward pass"),
    # ---- activations (relu 8: 3 relu, 3 leaky, 2 inputs unchanged; sigmoid/tanh 4 + 4)
    Mutant("relu_in_place", "relu", "out = np.maximum(x, 0.0)", "np.maximum(x, 0.0, out=x)\n    out = x",
           {RELU: 2}, "the input changed in place (rule part only)", "in place"),
    Mutant("leaky_backward_slope_zero", "relu", "np.where(x > 0, 1.0, alpha)", "np.where(x > 0, 1.0, 0.0)",
           {RELU: 3}, "leaky ReLU's backward uses ReLU's slope"),
    Mutant("sigmoid_naive_formula", "sigmoid_tanh", "out = np.exp(-np.logaddexp(0.0, -x))",
           "out = 1.0 / (1.0 + np.exp(-x))", {},
           "the textbook formula: right values (1 / inf = 0), only an overflow warning: accepted"),
    Mutant("sigmoid_backward_missing_factor", "sigmoid_tanh", "dx = dout * s * (1.0 - s)",
           "dx = dout * s", {SIG: 4}, "sigmoid's derivative without (1 - s)"),
    Mutant("tanh_backward_wrong", "sigmoid_tanh", "dx = dout * (1.0 - t * t)", "dx = dout * (1.0 - t)",
           {SIG: 4}, "tanh's derivative 1 - t instead of 1 - t**2"),
    # ---- softmax cross-entropy (6 values, 2 scores around 1e4)
    Mutant("softmax_ce_no_max_shift", "softmax_ce", "shifted = scores - scores.max(axis=1, keepdims=True)",
           "shifted = scores", {CE: 2}, "no max-shift: only the large-scores part",
           "largest score"),
    # The training target (6) is a fact about the networks the student trained with their own
    # functions: a gradient N = 50 times too large makes SGD diverge at the learning rate
    # the solution uses (measured: both networks miss 0.90). hw1 avoids a second charge by
    # retraining with reference code at the student's recorded best_params; hw3's notebook
    # records no lr / epochs / batch_size, so no reference retrain exists and the policy's
    # "one charge" cannot apply here. Charged; the visible softmax test catches the mistake
    # before submission. (A recorded `training_settings` would allow a retrain: not done.)
    Mutant("softmax_ce_no_1_over_N", "softmax_ce", "    dscores /= N\n", "", {CE: 8, TRAINING: 6},
           "dscores not divided by N (values and large scores); the two-layer net is not charged "
           "again; the training diverges and misses the target (no reference retrain exists)"),
    # ---- init (2 xavier, 3 he)
    Mutant("xavier_uses_d_out", "init", "/ np.sqrt(d_in)", "/ np.sqrt(d_out)", {INIT: 2},
           "Xavier scaled by the fan-out"),
    Mutant("he_global_random_generator", "init", "return rng.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)",
           "return np.random.standard_normal((d_in, d_out)) * np.sqrt(2.0 / d_in)", {INIT: 3},
           "He init from the global generator, not the rng given"),
    # ---- two-layer network (6 values without penalty, 4 the penalty)
    Mutant("two_layer_no_reg_gradient", "two_layer", '"W1": dW1 + 2.0 * reg * W1', '"W1": dW1',
           {TWO: 4}, "the penalty's gradient forgotten for W1", extra=(
               ("two_layer", '"W2": dW2 + 2.0 * reg * W2', '"W2": dW2'),)),
    Mutant("two_layer_half_penalty", "two_layer", "loss = data_loss + reg *", "loss = data_loss + 0.5 * reg *",
           {TWO: 4}, "the 1/2 convention in the loss (the gradient keeps 2 * reg * W)"),
    # ---- batch norm forward (5 training output, 3 running statistics, 2 test mode)
    Mutant("bn_unbiased_batch_variance", "batchnorm_forward", "var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)",
           {BNF: 8}, "normalises with the unbiased variance (and corrects it twice in the running var)"),
    Mutant("bn_running_var_biased", "batchnorm_forward", "(1.0 - momentum) * var * N / (N - 1)",
           "(1.0 - momentum) * var", {BNF: 3}, "the running variance without N / (N - 1)"),
    Mutant("bn_momentum_swapped", "batchnorm_forward",
           "momentum * running_mean + (1.0 - momentum) * mu",
           "(1.0 - momentum) * running_mean + momentum * mu", {BNF: 3},
           "the running mean's weights swapped"),
    Mutant("bn_test_mode_batch_mean", "batchnorm_forward", "x_hat = (x - running_mean) * inv_std",
           "x_hat = (x - x.mean(axis=0)) * inv_std", {BNF: 2}, "test mode uses the batch mean"),
    # ---- batch norm backward (3 dgamma and dbeta, 5 dx in training, 2 dx in test mode)
    Mutant("bn_backward_missing_term", "batchnorm_backward",
           " - x_hat * (dx_hat * x_hat).sum(axis=0))", ")", {BNB: 5},
           "dx without the variance's term; the deep net is not charged again"),
    Mutant("bn_backward_dgamma_without_xhat", "batchnorm_backward", "dgamma = (dout * x_hat).sum(axis=0)",
           "dgamma = dout.sum(axis=0)", {BNB: 3}, "dgamma forgets x_hat"),
    # ---- dropout (3 training mask and scale, 2 test mode, 2 backward)
    Mutant("dropout_scales_at_test_time", "dropout", "return x.copy(), None", "return x * keep_prob, None",
           {DROP: 2}, "inverted dropout scaled again at test time"),
    Mutant("dropout_not_inverted", "dropout", "scaled_mask = (rng.random(x.shape) < keep_prob) / keep_prob",
           "scaled_mask = (rng.random(x.shape) < keep_prob) * 1.0", {DROP: 3},
           "no 1 / keep_prob in training (backward consistent with its own mask)"),
    Mutant("dropout_global_random_generator", "dropout", "rng.random(x.shape) < keep_prob",
           "np.random.random(x.shape) < keep_prob", {DROP: 3}, "the mask from np.random"),
    Mutant("dropout_drop_probability", "dropout", "rng.random(x.shape) < keep_prob",
           "rng.random(x.shape) > keep_prob", {DROP: 3}, "keeps with probability 1 - keep_prob"),
    # ---- deep net
    Mutant("deep_net_relu_on_scores", "deep_net",
           'scores, last_cache = affine_forward(h, params[f"W{L}"], params[f"b{L}"])',
           'scores, last_cache = affine_forward(h, params[f"W{L}"], params[f"b{L}"])\n'
           '    scores = np.maximum(scores, 0.0)', {DEEP: 8}, "a ReLU after the last layer"),
]
