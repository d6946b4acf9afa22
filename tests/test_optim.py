"""Tests for dlhelpers.optim: torch oracles step for step, the momentum conventions, Adam's
bias correction, the in-place fast path, and the messages for bad input."""

import math

import numpy as np
import pytest

from dlhelpers import _optim_kernels as _kernels
from dlhelpers import optim, schedules

RULES = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
STEPS = 100

# Hyperparameters chosen away from the defaults, so a rule that ignored one would be caught.
HPARAMS = {
    "sgd": {"lr": 0.05, "weight_decay": 0.03},
    "momentum": {"lr": 0.02, "rho": 0.8, "weight_decay": 0.01},
    "nesterov": {"lr": 0.02, "rho": 0.7, "weight_decay": 0.02},
    "adagrad": {"lr": 0.3, "eps": 1e-7, "weight_decay": 0.01},
    # decay 0.9 with a larger lr makes the quadratic run chaotic: 1-ulp differences grow 4x a step
    "rmsprop": {"lr": 0.005, "decay": 0.98, "eps": 1e-6, "weight_decay": 0.02},
    "adam": {"lr": 0.03, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.05},
    "adamw": {"lr": 0.03, "beta1": 0.85, "beta2": 0.995, "eps": 1e-7, "weight_decay": 0.1},
}


def torch_optimizer(torch, name, param, hp):
    """The torch.optim counterpart of one of our rules with the same hyperparameters."""
    o = torch.optim
    wd = hp["weight_decay"]
    if name == "sgd":
        return o.SGD([param], lr=hp["lr"], weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return o.SGD([param], lr=hp["lr"], momentum=hp["rho"], dampening=0.0,
                     nesterov=name == "nesterov", weight_decay=wd)
    if name == "adagrad":
        return o.Adagrad([param], lr=hp["lr"], eps=hp["eps"], weight_decay=wd)
    if name == "rmsprop":
        return o.RMSprop([param], lr=hp["lr"], alpha=hp["decay"], eps=hp["eps"], weight_decay=wd)
    betas = (hp["beta1"], hp["beta2"])
    cls = o.Adam if name == "adam" else o.AdamW
    return cls([param], lr=hp["lr"], betas=betas, eps=hp["eps"], weight_decay=wd)


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def random_quadratic(rng, n):
    """A random convex quadratic 0.5 w^T A w - b^T w on R^n: returns its gradient function."""
    q = rng.standard_normal((n, n))
    a = q @ q.T / n + 0.5 * np.eye(n)
    b = rng.standard_normal(n)
    return lambda w: (a @ w.ravel() - b).reshape(w.shape)


def run_ours(name, w0, grad_fn, hp, steps=STEPS):
    w, state, path = w0.copy(), None, [w0.copy()]
    for _ in range(steps):
        w, state = optim.OPTIMIZERS[name](w, grad_fn(w), state, **hp)
        path.append(w)
    return np.array(path)


def run_torch(torch, name, w0, grad_fn, hp, steps=STEPS, lr_at=None):
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = torch_optimizer(torch, name, p, hp)
    path = [w0.copy()]
    for t in range(steps):
        if lr_at is not None:
            opt.param_groups[0]["lr"] = lr_at(t)
        p.grad = torch.tensor(grad_fn(p.detach().numpy().copy()), dtype=torch.float64)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


# ------------------------------------------------------------------------------ torch oracle


@pytest.mark.oracle
@pytest.mark.parametrize("name", RULES)
def test_matches_torch_on_a_random_quadratic(torch, name):
    rng = np.random.default_rng(RULES.index(name))
    grad_fn = random_quadratic(rng, 12)
    w0 = rng.standard_normal((4, 3))
    ours = run_ours(name, w0, grad_fn, HPARAMS[name])
    theirs = run_torch(torch, name, w0, grad_fn, HPARAMS[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert not np.allclose(ours[-1], w0), "the run should actually move"


@pytest.mark.oracle
@pytest.mark.parametrize("name", RULES)
def test_matches_torch_on_random_gradients_fed_identically(torch, name):
    rng = np.random.default_rng(100 + RULES.index(name))
    # gradients of very different sizes from step to step, the same sequence for both
    grads = rng.standard_normal((STEPS, 5, 2)) * rng.uniform(0.01, 10.0, size=(STEPS, 1, 1))
    ours_feed, torch_feed = iter(grads.copy()), iter(grads.copy())
    w0 = rng.standard_normal((5, 2))
    ours = run_ours(name, w0, lambda w: next(ours_feed), HPARAMS[name])
    theirs = run_torch(torch, name, w0, lambda w: next(torch_feed), HPARAMS[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("name", RULES)
def test_schedule_as_lr_matches_torch_with_lr_set_each_step(torch, name):
    rng = np.random.default_rng(200 + RULES.index(name))
    grad_fn = random_quadratic(rng, 6)
    w0 = rng.standard_normal(6)
    lr0 = HPARAMS[name]["lr"]
    sched = schedules.warmup(schedules.cosine(lr0, 80), 20, start_factor=0.1)
    hp = dict(HPARAMS[name], lr=sched)
    ours = run_ours(name, w0, grad_fn, hp)
    theirs = run_torch(torch, name, w0, grad_fn, HPARAMS[name], lr_at=sched)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.oracle
def test_sutskever_momentum_is_torch_momentum_with_velocity_scaled_by_minus_lr(torch):
    rng = np.random.default_rng(7)
    grad_fn = random_quadratic(rng, 8)
    w0 = rng.standard_normal(8)
    lr, mu = 0.03, 0.85
    p = torch.nn.Parameter(torch.tensor(w0))
    opt = torch.optim.SGD([p], lr=lr, momentum=mu)
    w, state = w0.copy(), None
    for _ in range(STEPS):
        w, state = optim.momentum_sutskever(w, grad_fn(w), state, lr=lr, mu=mu)
        p.grad = torch.tensor(grad_fn(p.detach().numpy().copy()))
        opt.step()
        np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-9, atol=1e-12)
        buf = opt.state[p]["momentum_buffer"].numpy()
        np.testing.assert_allclose(state["v"], -lr * buf, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------- momentum conventions


def test_momentum_matches_its_two_line_definition():
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((20, 3))
    w, state = np.zeros(3), None
    v_ref, w_ref = np.zeros(3), np.zeros(3)
    for g in grads:
        w, state = optim.momentum(w, g, state, lr=0.1, rho=0.9)
        v_ref = 0.9 * v_ref + g
        w_ref = w_ref - 0.1 * v_ref
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)
    np.testing.assert_allclose(state["v"], v_ref, rtol=1e-12)


def test_the_two_momentum_forms_agree_under_constant_lr_and_part_when_it_changes():
    grad_fn = random_quadratic(np.random.default_rng(3), 5)
    w0 = np.ones(5)

    def both(lr):
        a, sa = w0.copy(), None
        b, sb = w0.copy(), None
        for _ in range(60):
            a, sa = optim.momentum(a, grad_fn(a), sa, lr=lr, rho=0.9)
            b, sb = optim.momentum_sutskever(b, grad_fn(b), sb, lr=lr, mu=0.9)
        return a, b

    a, b = both(0.05)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    a, b = both(schedules.step_decay(0.05, step_size=10, gamma=0.3))
    assert np.max(np.abs(a - b)) > 1e-4


def test_nesterov_iterates_are_the_look_ahead_points_of_the_textbook_form():
    """Textbook Nesterov: u = mu*u - lr*grad(x + mu*u), x = x + u. Ours tracks w = x + mu*u."""
    grad_fn = random_quadratic(np.random.default_rng(4), 6)
    lr, mu = 0.05, 0.9
    x, u = np.linspace(-1, 1, 6), np.zeros(6)
    w, state = x.copy(), None
    for _ in range(STEPS):
        u = mu * u - lr * grad_fn(x + mu * u)
        x = x + u
        w, state = optim.nesterov(w, grad_fn(w), state, lr=lr, rho=mu)
        np.testing.assert_allclose(w, x + mu * u, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------- Adam's bias correction


def test_first_corrected_adam_step_is_lr_per_coordinate():
    g = np.array([1e-3, -2.0, 50.0, 0.3])
    w1, _ = optim.adam(np.zeros(4), g, None, lr=0.01)
    # m_hat = g and v_hat = g**2, so the step is lr * g / (|g| + eps).
    np.testing.assert_allclose(np.abs(w1), 0.01, rtol=1e-4)
    np.testing.assert_array_equal(np.sign(w1), -np.sign(g))


@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.0, 0.999), (0.5, 0.9)])
def test_uncorrected_adam_first_step_is_larger_by_exactly_1_minus_beta1_over_root_1_minus_beta2(beta1, beta2):
    g = np.array([0.5, -3.0, 20.0])
    kw = {"lr": 1e-3, "beta1": beta1, "beta2": beta2, "eps": 1e-12}
    corrected, _ = optim.adam(np.zeros(3), g, None, **kw)
    raw, _ = optim.adam(np.zeros(3), g, None, bias_correction=False, **kw)
    ratio = (1 - beta1) / math.sqrt(1 - beta2)
    np.testing.assert_allclose(raw / corrected, ratio, rtol=1e-9)


def test_adamw_decay_is_decoupled_and_adam_decay_is_not():
    w0, g = np.array([2.0, -1.0]), np.array([0.1, 0.1])
    plain, _ = optim.adam(w0, g, None, lr=0.01)
    decoupled, _ = optim.adamw(w0, g, None, lr=0.01, weight_decay=0.5)
    np.testing.assert_allclose(decoupled, w0 * (1 - 0.01 * 0.5) + (plain - w0), rtol=1e-12)
    coupled, _ = optim.adam(w0, g, None, lr=0.01, weight_decay=0.5)
    geff = g + 0.5 * w0  # first Adam step moves by lr * sign(effective gradient)
    np.testing.assert_allclose(coupled, w0 - 0.01 * np.sign(geff), rtol=1e-6)


# ------------------------------------------------------------------------ schedules as lr


def test_first_update_uses_schedule_at_step_zero_and_counts_steps():
    sched = schedules.step_decay(1.0, step_size=1, gamma=0.5)
    w, state = np.zeros(2), None
    expected = np.zeros(2)
    for t in range(4):
        w, state = optim.sgd(w, np.ones(2), state, lr=sched)
        expected -= 0.5 ** t
        np.testing.assert_allclose(w, expected)
        assert state["t"] == t + 1


# ----------------------------------------------------------------- copies and the fast path


@pytest.mark.parametrize("name", RULES + ["momentum_sutskever"])
def test_default_path_leaves_w_dw_and_the_old_state_untouched(name):
    rule = getattr(optim, name)
    rng = np.random.default_rng(5)
    w, dw = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w_before, dw_before = w.copy(), dw.copy()
    w1, s1 = rule(w, dw, None, lr=0.1)
    s1_before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s1.items()}
    w2, s2 = rule(w1, dw, s1, lr=0.1)
    np.testing.assert_array_equal(w, w_before)
    np.testing.assert_array_equal(dw, dw_before)
    assert w1 is not w and w2 is not w1
    for key, value in s1_before.items():
        np.testing.assert_array_equal(s1[key], value)
    assert s1["t"] == 1 and s2["t"] == 2


SHAPES = [(7,), (300, 200), (3 * _kernels.CHUNK + 17, 1)]  # tiny, a matrix, chunks + ragged tail


def _settings(name, weight_decay, bias_correction):
    """Hyperparameters away from the defaults (weight decay on or off; adam's bias correction)."""
    hp = {key: value for key, value in HPARAMS.get(name, {"lr": 0.02, "mu": 0.8}).items()
          if key != "weight_decay"}
    hp["weight_decay"] = weight_decay
    if name == "adam":
        hp["bias_correction"] = bias_correction
    return hp


@pytest.mark.parametrize("weight_decay", [0.0, 0.02])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=["tiny", "matrix", "chunks"])
@pytest.mark.parametrize("name, bias_correction",
                         [(name, True) for name in RULES + ["momentum_sutskever"]] + [("adam", False)])
def test_inplace_kernel_is_bitwise_equal_to_the_readable_rule(name, bias_correction, shape, dtype,
                                                               weight_decay):
    rule = getattr(optim, name)
    rng = np.random.default_rng(6)
    w0 = rng.standard_normal(shape).astype(dtype)
    hp = _settings(name, weight_decay, bias_correction)
    a, sa = w0.copy(), None
    b, sb = w0.copy(), None
    for _ in range(25 if w0.size < 10_000 else 6):
        g = rng.standard_normal(shape).astype(dtype)
        a, sa = rule(a, g, sa, **hp)
        b_out, sb = rule(b, g, sb, inplace=True, **hp)
        assert b_out is b
    assert a.dtype == b.dtype == dtype
    assert np.array_equal(a, b)
    assert sa.keys() == sb.keys()
    for key in sa:
        assert np.array_equal(sa[key], sb[key]), key


def test_inplace_never_writes_into_dw_and_float32_stays_float32():
    w = np.ones(10, dtype=np.float32)
    dw = np.full(10, 0.5, dtype=np.float32)
    w_new, state = optim.adam(w, dw, None, inplace=True, weight_decay=0.1)
    np.testing.assert_array_equal(dw, 0.5)
    assert w_new is w and w.dtype == np.float32 and state["m"].dtype == np.float32


def test_integer_and_list_input_is_accepted_on_the_default_path():
    w, _ = optim.sgd([1, 2], [1, 1], None, lr=0.5)
    np.testing.assert_allclose(w, [0.5, 1.5])


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"dw": np.ones(4)}, ValueError, "same shape"),
        ({"dw": np.ones((2, 2)).T[:1]}, ValueError, "same shape"),
        ({"dw": np.array([1.0, np.nan, 0.0])}, ValueError, "dw must be finite"),
        ({"w": np.array([np.inf, 0.0, 0.0])}, ValueError, "w must be finite"),
        ({"lr": 0.0}, ValueError, "lr must be finite and > 0"),
        ({"lr": -1e-3}, ValueError, "lr must be finite and > 0"),
        ({"lr": "fast"}, TypeError, "lr must be a positive number or a schedule"),
        ({"lr": lambda t: -1.0}, ValueError, "schedule must return a finite value >= 0"),
        ({"beta1": 1.0}, ValueError, "beta1 must lie in [0.0, 1.0)"),
        ({"beta2": -0.1}, ValueError, "beta2 must lie in [0.0, 1.0)"),
        ({"eps": 0.0}, ValueError, "eps must be finite and > 0"),
        ({"weight_decay": -0.1}, ValueError, "weight_decay must be finite and >= 0"),
        ({"state": [1, 2]}, TypeError, "state must be None (first step) or the dict"),
        ({"dw": ["a", "b", "c"]}, TypeError, "dw must hold real numbers"),
    ],
)
def test_adam_rejects_bad_input_with_a_message_naming_what_was_expected(kwargs, error, words):
    args = {"w": np.zeros(3), "dw": np.ones(3), "state": None, "lr": 0.1}
    args.update(kwargs)
    with pytest.raises(error) as info:
        optim.adam(args.pop("w"), args.pop("dw"), args.pop("state"), **args)
    assert words in str(info.value)


def test_shape_mismatch_message_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) and \(3, 1\)"):
        optim.sgd(np.zeros(3), np.zeros((3, 1)), None, lr=0.1)


def test_state_from_another_rule_or_another_shape_is_refused():
    _, s = optim.momentum(np.zeros(3), np.ones(3), None, lr=0.1)
    with pytest.raises(ValueError, match="state must come from adam; got a state made by 'momentum'"):
        optim.adam(np.zeros(3), np.ones(3), s, lr=0.1)
    with pytest.raises(ValueError, match=r"state\['v'\] must be an array of shape \(4,\)"):
        optim.momentum(np.zeros(4), np.ones(4), s, lr=0.1)


def test_rates_out_of_range_are_refused():
    with pytest.raises(ValueError, match=r"rho must lie in \[0.0, 1.0\)"):
        optim.momentum(np.zeros(2), np.ones(2), None, lr=0.1, rho=1.2)
    with pytest.raises(ValueError, match=r"decay must lie in \[0.0, 1.0\)"):
        optim.rmsprop(np.zeros(2), np.ones(2), None, lr=0.1, decay=1.0)
    with pytest.raises(ValueError, match=r"mu must lie in \[0.0, 1.0\)"):
        optim.momentum_sutskever(np.zeros(2), np.ones(2), None, lr=0.1, mu=-0.5)


def test_inplace_needs_a_writeable_contiguous_float_array():
    with pytest.raises(TypeError, match="inplace=True needs w to be a float numpy array; got list"):
        optim.sgd([1.0, 2.0], [1.0, 1.0], None, lr=0.1, inplace=True)
    with pytest.raises(TypeError, match="got dtype int64"):
        optim.sgd(np.arange(3), np.ones(3), None, lr=0.1, inplace=True)
    with pytest.raises(ValueError, match="C-contiguous"):
        optim.sgd(np.zeros((4, 4))[:, ::2], np.ones((4, 2)), None, lr=0.1, inplace=True)
    with pytest.raises(ValueError, match="dw must be finite"):
        optim.sgd(np.zeros(2), np.array([np.nan, 1.0]), None, lr=0.1, inplace=True)


def test_optimizers_registry_lists_every_course_rule():
    assert list(optim.OPTIMIZERS) == RULES
    assert all(optim.OPTIMIZERS[name] is getattr(optim, name) for name in RULES)


# ---------------------------------------------------------------------------------------
# flat_optimizer: the init/update split that dlhelpers.train uses on a packed parameter vector
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("use_schedule", [False, True])
@pytest.mark.parametrize("name", RULES + ["momentum_sutskever"])
def test_flat_optimizer_steps_are_bitwise_the_public_rule(name, use_schedule):
    rule = getattr(optim, name)
    rng = np.random.default_rng(7)
    size = 2 * _kernels.CHUNK + 5  # more than one chunk, so the chunk loop is exercised too
    w0 = rng.standard_normal(size)
    grads = rng.standard_normal((5, size))
    hp = dict(HPARAMS.get(name, {"lr": 0.02, "mu": 0.8}))
    if use_schedule:
        hp["lr"] = schedules.step_decay(hp["lr"], step_size=2, gamma=0.5)
    opt = optim.flat_optimizer(rule, **hp)
    lean_w = w0.copy()
    lean_state = opt.init(lean_w)
    ref, state = w0.copy(), None
    for g in grads:
        opt.update(lean_w, g, lean_state)
        ref, state = rule(ref, g, state, **hp)
    assert np.array_equal(lean_w, ref)  # lean_w itself was updated in place
    assert lean_state.keys() == state.keys()
    for key in state:
        assert np.array_equal(lean_state[key], state[key]), key
    assert lean_state["t"] == len(grads)


@pytest.mark.parametrize("rule", [optim.adam, optim.adamw, optim.momentum, optim.rmsprop])
def test_flat_optimizer_uses_each_rules_own_defaults(rule):
    rng = np.random.default_rng(8)
    w0, g = rng.standard_normal(50), rng.standard_normal(50)
    opt = optim.flat_optimizer(rule, lr=0.01)
    lean_w = w0.copy()
    opt.update(lean_w, g, opt.init(lean_w))
    assert np.array_equal(lean_w, rule(w0, g, lr=0.01)[0])


@pytest.mark.parametrize("rule, kwargs, error, words", [
    (optim.adam, {"lr": 0.01, "rho": 0.9}, TypeError, "rho"),
    (optim.adamw, {"lr": 0.01, "bias_correction": False}, TypeError, "bias_correction"),
    (optim.adam, {"lr": -1.0}, ValueError, "lr"),
    (optim.adam, {"lr": 0.01, "beta2": 1.0}, ValueError, "beta2"),
    (optim.adam, {"lr": 0.01, "eps": 0.0}, ValueError, "eps"),
    (optim.adamw, {"lr": 0.01, "weight_decay": -0.1}, ValueError, "weight_decay"),
    (optim.momentum, {"lr": 0.01, "rho": 1.5}, ValueError, "rho"),
    (lambda w, dw, state, lr: (w, state), {"lr": 0.01}, ValueError, "course rule"),
    ("adamm", {"lr": 0.01}, ValueError, "must be one of"),
])
def test_flat_optimizer_checks_its_settings_once_up_front(rule, kwargs, error, words):
    with pytest.raises(error, match=words):
        optim.flat_optimizer(rule, **kwargs)


def test_flat_optimizer_init_needs_a_finite_writeable_flat_float_vector():
    init = optim.flat_optimizer(optim.adam, lr=0.01).init
    with pytest.raises(ValueError, match="flat"):
        init(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="float"):
        init(np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="finite"):
        init(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="contiguous"):
        init(np.zeros(8)[::2])



def test_flat_optimizer_keeps_each_vectors_own_scratch_and_refuses_an_unknown_vector():
    """Two vectors of one length but different dtypes each keep their own precision (the
    float64 one is not rounded through the float32 one's scratch), and a vector that never
    went through init gets a clear error."""
    rng = np.random.default_rng(0)
    opt = optim.flat_optimizer(optim.sgd, lr=0.1)
    w64 = rng.normal(size=5)
    g64 = rng.normal(size=5)
    w32 = w64.astype(np.float32)
    s64, _ = opt.init(w64), opt.init(w32)
    expected, _ = optim.sgd(w64.copy(), g64, None, lr=0.1)
    opt.update(w64, g64, s64)
    np.testing.assert_array_equal(w64, expected)
    with pytest.raises(ValueError, match=r"shape \(3,\) and dtype float64 that never went "
                                         r"through init"):
        opt.update(np.zeros(3), np.zeros(3), s64)

def test_get_rule_accepts_a_name_or_a_function_and_names_the_choices():
    assert optim.get_rule("nesterov") is optim.nesterov
    assert optim.get_rule(optim.momentum_sutskever) is optim.momentum_sutskever
    with pytest.raises(ValueError, match=r"optimizer must be one of \['adagrad'.*got 'adamm'"):
        optim.get_rule("adamm")
    with pytest.raises(TypeError, match="rule must be a name or an update function; got int"):
        optim.get_rule(3, "rule")


def test_the_grading_sandbox_stubs_the_kernels_as_well_as_the_rules(tmp_path):
    # The kernels are a working Adam; a homework that asks for Adam must not reach them.
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "grading" / "sandbox.py"
    spec = importlib.util.spec_from_file_location("_sandbox_under_test", path)
    sandbox = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = sandbox  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(sandbox)
        sandbox.stub_dlhelpers(tmp_path)
    finally:
        del sys.modules[spec.name]
    probe = ("import numpy as np\nfrom dlhelpers import _optim_kernels as k\n"
             "k.adam(np.zeros(2), np.ones(2), {}, 0.1)\n")
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert run.returncode != 0 and "not available while grading" in run.stderr
