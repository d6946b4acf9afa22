"""hw2_optimizers: typical mistakes and the points each must cost (assignments/MARK_SCHEMES.md).

The costs are the decided mark scheme that the trusted grader spec
``assignments/graders/hw2_optimizers.py`` implements; ``tests/test_grading_mutants.py`` grades
every mutant through the real pipeline and checks each cost.
"""

from . import Mutant

HW = "hw2_optimizers"

SGD, MOM, NES, ADAG, RMS = "test_sgd", "test_momentum", "test_nesterov", "test_adagrad", "test_rmsprop"
ADAM, ADAMW, STEP, COS, WARM = ("test_adam", "test_adamw", "test_step_decay", "test_cosine",
                                "test_warmup_cosine")
RUN, TOL, TRAIN, TARGET = ("test_run_rule", "test_steps_to_tolerance", "test_train_network",
                           "test_training_run")

MUTANTS = [
    # ---- Part 1: update rules (each test: values of the iterates, then the state rules)
    Mutant("sgd_in_place", "sgd", "return w - lr * dw, {}", "w -= lr * dw\n    return w, {}",
           {SGD: 1}, "w changed in place (rule: inputs left unchanged)", "in place"),
    Mutant("sgd_returns_list", "sgd", "return w - lr * dw, {}", "return [w - lr * dw, {}]", {},
           "a list instead of a tuple: accepted"),
    Mutant("momentum_cs231n_convention", "momentum",
           "    v = rho * v + dw\n    return w - lr * v, {\"v\": v}",
           "    v = rho * v - lr * dw\n    return w + v, {\"v\": v}", {MOM: 2},
           "same iterates, the other stored velocity (state part only)", "no lr in it"),
    Mutant("momentum_state_in_place", "momentum",
           "    v = rho * v + dw\n    return w - lr * v, {\"v\": v}",
           "    v *= rho\n    v += dw\n    return w - lr * v, {\"v\": v}", {MOM: 2},
           "the caller's velocity array updated in place (state part only)"),
    Mutant("nesterov_old_velocity_in_lookahead", "nesterov",
           "    v = rho * v + dw\n    return w - lr * (dw + rho * v), {\"v\": v}",
           "    step = dw + rho * v\n    v = rho * v + dw\n    return w - lr * step, {\"v\": v}",
           {NES: 4}, "the look-ahead uses the old v (values part)"),
    Mutant("adagrad_eps_inside_sqrt", "adagrad", "(np.sqrt(s) + eps)", "np.sqrt(s + eps)",
           {ADAG: 3}, "eps inside the square root (values part)", "relative gap"),
    Mutant("adagrad_no_accumulation", "adagrad", "s = s + dw * dw", "s = dw * dw", {ADAG: 5},
           "forgets to accumulate: wrong values and wrong state"),
    Mutant("rmsprop_eps_inside_sqrt", "rmsprop", "(np.sqrt(s) + eps)", "np.sqrt(s + eps)",
           {RMS: 3}, "eps inside the square root (values part)"),
    Mutant("rmsprop_decay_swapped", "rmsprop", "decay * s + (1.0 - decay) * dw * dw",
           "(1.0 - decay) * s + decay * dw * dw", {RMS: 5}, "the two weights swapped"),
    Mutant("rmsprop_cs231n_state_mutation", "rmsprop",
           "    s = decay * s + (1.0 - decay) * dw * dw\n    return w - lr * dw / (np.sqrt(s) + eps), {\"s\": s}",
           "    s = decay * s + (1.0 - decay) * dw * dw\n    if state is None:\n        state = {}\n"
           "    state[\"s\"] = s\n    return w - lr * dw / (np.sqrt(s) + eps), state",
           {RMS: 2}, "returns the dict it was given, changed (state part only)"),
    Mutant("adam_eps_inside_sqrt", "adam", "(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)",
           {ADAM: 7}, "eps inside the square root; AdamW is not charged again (graded against "
           "the student's own adam step)"),
    Mutant("adam_state_dict_in_place", "adam",
           "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {\"m\": m, \"v\": v, \"t\": t}",
           "    state.update(m=m, v=v, t=t)\n"
           "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state", {ADAM: 3},
           "the CS231n habit: the given state dict changed and returned (state part only)"),
    Mutant("adam_t_never_incremented", "adam", "t = state[\"t\"] + 1", "t = 1", {ADAM: 10},
           "bias correction always for step 1: wrong iterates and wrong state"),
    Mutant("adam_no_bias_correction", "adam", "m_hat = m / (1.0 - beta1 ** t)", "m_hat = m",
           {ADAM: 7}, "no bias correction of m", extra=(
               ("adam", "v_hat = v / (1.0 - beta2 ** t)", "v_hat = v"),)),
    Mutant("adam_bias_correction_off_by_one", "adam", "m_hat = m / (1.0 - beta1 ** t)",
           "m_hat = m / (1.0 - beta1 ** (t + 1))", {ADAM: 7},
           "bias correction one step late", extra=(
               ("adam", "v_hat = v / (1.0 - beta2 ** t)", "v_hat = v / (1.0 - beta2 ** (t + 1))"),)),
    Mutant("adamw_as_l2_penalty", "adamw",
           "stepped, state = adam(w, dw, state,", "stepped, state = adam(w, dw + weight_decay * w, state,",
           {ADAMW: 7}, "decay added to the gradient (L2), not decoupled", extra=(
               ("adamw", "return stepped - lr * weight_decay * w, state", "return stepped, state"),)),
    Mutant("adamw_decay_without_lr", "adamw", "return stepped - lr * weight_decay * w, state",
           "return stepped - weight_decay * w, state", {ADAMW: 7}, "w * (1 - weight_decay)"),
    # ---- Part 2: schedules
    Mutant("step_decay_returns_array", "step_decay", "return float(lr0 * gamma ** (step // step_size))",
           "return np.array(lr0 * gamma ** (step // step_size))", {},
           "a 0-d array instead of a float: accepted (values are graded)"),
    Mutant("step_decay_off_by_one", "step_decay", "float(lr0 * gamma ** (step // step_size))",
           "float(lr0 * gamma ** ((step + 1) // step_size))",
           {STEP: 4}, "the first decay one step early"),
    Mutant("cosine_no_clamp", "cosine", "min(step, total_steps) / total_steps", "step / total_steps",
           {COS: 1}, "rises again after total_steps (the 'after T' part); warm-up is not charged again"),
    Mutant("cosine_ignores_lr_min", "cosine", "lr_min + 0.5 * (lr0 - lr_min) *", "lr_min + 0.5 * lr0 *",
           {COS: 3}, "amplitude 0.5 * lr0; warm-up is not charged again"),
    Mutant("warmup_from_one_step", "warmup_cosine", "lr0 * step / warmup_steps",
           "lr0 * (step + 1) / warmup_steps", {WARM: 3}, "warm-up does not start at 0"),
    Mutant("warmup_cosine_over_total", "warmup_cosine", "total_steps - warmup_steps, lr_min)",
           "total_steps, lr_min)", {WARM: 3}, "the cosine runs over total_steps, not the rest"),
    # ---- Part 3: races
    Mutant("run_rule_returns_list", "run_rule", "return np.array(path)", "return path", {},
           "a list of arrays instead of an array: accepted"),
    Mutant("run_rule_without_w0", "run_rule", "path = [w]", "path = []", {RUN: 6},
           "path[0] is not w0 (shape (K, D))", "expected shape"),
    Mutant("steps_to_tolerance_strict", "steps_to_tolerance", "<= tol", "< tol", {TOL: 4},
           "strict < instead of <="),
    Mutant("steps_to_tolerance_minus_one", "steps_to_tolerance", "if hits.size else None",
           "if hits.size else -1", {TOL: 4}, "-1 instead of None"),
    # ---- Part 4: training
    Mutant("train_global_random_generator", "train_network", "order = rng.permutation(X.shape[0])",
           "order = np.random.permutation(X.shape[0])", {TRAIN: 3},
           "permutations from the global generator (batches part)"),
    Mutant("train_step_restarts_each_epoch", "train_network",
           "    for _ in range(num_epochs):\n", "    for _ in range(num_epochs):\n        step = 0\n",
           {TRAIN: 4}, "the schedule's step restarts every epoch (steps part)", extra=(
               ("train_network", "    step = 0\n    for _ in range(num_epochs):\n        step = 0\n",
                "    for _ in range(num_epochs):\n        step = 0\n"),)),
    Mutant("train_one_shared_state", "train_network",
           "params[name], states[name] = rule(params[name], grads[name], states[name],",
           "params[name], states[\"W1\"] = rule(params[name], grads[name], states[\"W1\"],",
           # was {TRAIN: 3}: with the model settings (Adam) the shared state makes the
           # training run itself crash (shapes (64, 64) and (64, 10) in one m), in the
           # notebook and in the grader's retrain; by principle 4 of MARK_SCHEMES.md a later
           # part that cannot run is charged too, and no grader-side loop could give the
           # target to a train_network that cannot train a network with Adam
           {TRAIN: 3, TARGET: 8}, "one state shared by every parameter (state part); the "
           "training run crashes with Adam, so the target is charged too (principle 4)"),
    Mutant("training_adam_default_lr", "training_run", "lambda step: cosine_lr(step, 0.01, total_steps)",
           "1e-3", {TARGET: 8}, "Adam at lr 1e-3 reaches about 0.92: the target part only"),
]
