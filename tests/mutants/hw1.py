"""hw1_linear_classifiers: typical mistakes and what each must cost (assignments/MARK_SCHEMES.md).

Each mutant edits one answer cell of the solution notebook. ``costs`` names every test cell
that must lose points and how many; a cell not named must keep full marks.
"""

from . import Mutant

HW = "hw1_linear_classifiers"

TWO, ONE, NOLOOP = "test_knn_two_loops", "test_knn_one_loop", "test_knn_no_loops"
PREDICT, CV = "test_knn_predict", "test_knn_cross_validate"
SVM_L, SVM_V = "test_svm_loops", "test_svm_vectorized"
SM_L, SM_V = "test_softmax_loops", "test_softmax_vectorized"
LIN, SGD, SEARCH, TPL = ("test_linear_predict", "test_sgd_train", "test_hyperparameter_search",
                         "test_class_templates")

MUTANTS = [
    # ---- Part 1: k-NN
    Mutant("two_loops_no_sqrt", "knn_two_loops",
           "np.sqrt(np.sum(difference * difference))", "np.sum(difference * difference)",
           {TWO: 5}, "squared distances instead of distances", "relative gap"),
    Mutant("two_loops_l1", "knn_two_loops",
           "np.sqrt(np.sum(difference * difference))", "np.sum(np.abs(difference))",
           {TWO: 5}, "L1 instead of L2 distance"),
    Mutant("one_loop_axis0", "knn_one_loop", "axis=1))", "axis=0))",
           {ONE: 5}, "sums over the wrong axis (a shape error)"),
    Mutant("no_loops_no_clamp", "knn_no_loops", "np.sqrt(np.maximum(squared, 0.0))",
           "np.sqrt(squared)", {NOLOOP: 2},
           "no clamp before the square root: nan for a point and itself far from 0",
           "Clamp the squared distances at 0"),
    Mutant("no_loops_plus_2ab", "knn_no_loops", "- 2.0 * (X_test @ X_train.T)",
           "+ 2.0 * (X_test @ X_train.T)", {NOLOOP: 8},
           "sign of the cross term; cross-validation is not charged again (graded against "
           "the student's own distances)"),
    Mutant("no_loops_with_comprehension", "knn_no_loops",
           "    dists = np.sqrt(np.maximum(squared, 0.0))\n",
           "    dists = np.array([np.sqrt(np.maximum(((X_train - a) ** 2).sum(axis=1), 0.0))\n"
           "                      for a in X_test])\n",
           {NOLOOP: 2}, "right values, but a Python loop (a comprehension)", "must not loop"),
    Mutant("knn_tie_to_largest_label", "knn_predict", "np.argmax(votes)",
           "len(votes) - 1 - np.argmax(votes[::-1])", {PREDICT: 6},
           "a tie goes to the largest label; cross-validation not charged again",
           "Break ties toward the smaller label"),
    Mutant("knn_k_plus_one", "knn_predict", "[:k]", "[:k + 1]", {PREDICT: 6},
           "off by one in the number of neighbours"),
    Mutant("knn_float_labels", "knn_predict", "np.zeros(M, dtype=np.int64)", "np.zeros(M)", {},
           "labels as whole floats: accepted (values are graded, the dtype is not)"),
    Mutant("cv_trains_on_held_out_fold", "knn_cross_validate", "if g != f]", "]", {CV: 6},
           "the held-out fold is also in the training set"),
    Mutant("cv_returns_mean", "knn_cross_validate", "accuracies[k] = per_fold",
           "accuracies[k] = per_fold.mean()", {CV: 6},
           "one mean accuracy instead of one per fold", "expected shape"),
    # ---- Parts 2 and 3: SVM and softmax
    Mutant("svm_loops_no_1_over_N", "svm_loops", "loss = loss / N +", "loss = loss +",
           {SVM_L: 8}, "missing 1/N in the loss (the gradient then disagrees with it)",
           extra=(("svm_loops", "dW = dW / N +", "dW = dW +"),)),
    Mutant("svm_loops_no_reg_gradient", "svm_loops", "dW = dW / N + 2.0 * reg * W",
           "dW = dW / N", {SVM_L: 8}, "the regularization gradient forgotten"),
    Mutant("svm_loops_reg_gradient_without_2", "svm_loops", "dW = dW / N + 2.0 * reg * W",
           "dW = dW / N + reg * W", {SVM_L: 8}, "the 1/2 convention's gradient reg * W"),
    Mutant("svm_loops_returns_none", "svm_loops", "    return float(loss), dW", "", {SVM_L: 8},
           "forgot to return", "returned None"),
    Mutant("svm_vectorized_keeps_correct_class_margin", "svm_vectorized",
           "    margins[rows, y] = 0.0\n", "", {SVM_V: 10},
           "the correct class's margin of 1 counted (no-loops part needs a working loss)"),
    Mutant("svm_vectorized_returns_triple", "svm_vectorized", "return float(loss), dW",
           "return float(loss), dW, scores", {SVM_V: 10},
           "a tuple of the wrong length", "a tuple of 3"),
    Mutant("softmax_loops_no_max_shift", "softmax_loops", "        scores = scores - scores.max()\n",
           "", {SM_L: 2}, "no max-shift: overflow for large scores (only that part lost)",
           "Subtract each row's largest score"),
    Mutant("softmax_vectorized_no_max_shift", "softmax_vectorized",
           "shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores",
           {SM_V: 2}, "no max-shift: overflow for large scores (only that part lost)"),
    Mutant("softmax_vectorized_sum_not_mean", "softmax_vectorized",
           "-log_probs[rows, y].mean()", "-log_probs[rows, y].sum()", {SM_V: 10},
           "missing 1/N in loss and gradient", extra=(
               ("softmax_vectorized", "dW = X.T @ probs / N +", "dW = X.T @ probs +"),)),
    Mutant("softmax_vectorized_transposed_dW", "softmax_vectorized",
           "dW = X.T @ probs / N + 2.0 * reg * W", "dW = (probs.T @ X) / N + 2.0 * reg * W.T",
           {SM_V: 10, SEARCH: 8}, "the gradient transposed: shape (C, D). sgd_train then "
           "crashes inside the search cell, so the search cannot be checked and is charged too "
           "(MARK_SCHEMES.md, principle 4); the visible test shows the shape error first",
           "expected shape"),
    Mutant("softmax_vectorized_no_reg_gradient", "softmax_vectorized",
           "dW = X.T @ probs / N + 2.0 * reg * W", "dW = X.T @ probs / N", {SM_V: 8},
           "regularization gradient forgotten (the large-scores part, reg=0, still passes)"),
    # ---- Part 4: training
    Mutant("predict_returns_list", "linear_predict", "return np.argmax(X @ W, axis=1)",
           "return list(np.argmax(X @ W, axis=1))", {},
           "a list of labels instead of an array: accepted"),
    Mutant("predict_argmin", "linear_predict", "np.argmax(X @ W, axis=1)",
           "np.argmin(X @ W, axis=1)", {LIN: 3},
           "smallest score; the search is graded with the student's own predictions and a "
           "reference retrain at the chosen (lr, reg)"),
    Mutant("sgd_global_random_generator", "sgd_train",
           "rows = rng.choice(N, size=batch_size, replace=True)",
           "rows = np.random.choice(N, size=batch_size, replace=True)", {SGD: 3},
           "batches from the global generator: the updates are right, the batches are not",
           "rows of batch 0"),
    Mutant("sgd_without_replacement", "sgd_train", "replace=True)", "replace=False)", {SGD: 3},
           "batches drawn without replacement"),
    Mutant("sgd_ascent", "sgd_train", "W = W - lr * dW", "W = W + lr * dW", {SGD: 5},
           "gradient ascent; the search target is judged by a reference retrain"),
    Mutant("search_one_learning_rate", "hyperparameter_search",
           "learning_rates = [0.3, 1.0, 3.0]", "learning_rates = [1.0]", {SEARCH: 4},
           "searches a single learning rate", "at least two learning rates"),
    Mutant("search_reports_last_model", "hyperparameter_search",
           "            best_val_acc, best_W, best_params = accuracy, W, (lr, reg)\n",
           "            best_val_acc, best_params = accuracy, (lr, reg)\n        best_W = W\n",
           {SEARCH: 4}, "best_W is the last model trained, not the best"),
    Mutant("templates_keep_bias_row", "class_templates", "pixels = W[:-1].T", "pixels = W.T",
           {TPL: 3}, "the bias row not dropped (cannot reshape 65 values to 8 x 8)"),
    Mutant("templates_modify_W", "class_templates",
           "scaled = np.divide(pixels - low, span,",
           "pixels -= low  # a view of W: changes the caller's weights\n"
           "    scaled = np.divide(pixels, span,", {TPL: 1},
           "rescales a view of W in place", "must not modify W"),
]
