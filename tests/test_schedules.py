"""Tests for dlhelpers.schedules: torch.optim.lr_scheduler as oracle, hand-computed values,
array input, and the messages for bad arguments."""

import math

import numpy as np
import pytest

from dlhelpers import schedules as S

N = 120


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def torch_lrs(torch, lr0, make_scheduler, n=N):
    """Learning rates torch uses for updates 0..n-1 when the scheduler steps once per update."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr0)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


def ours(schedule, n=N):
    return np.array([schedule(t) for t in range(n)])


# ------------------------------------------------------------------------------ torch oracle


@pytest.mark.oracle
def test_step_decay_matches_steplr(torch):
    expected = torch_lrs(torch, 0.3, lambda o: torch.optim.lr_scheduler.StepLR(o, 25, gamma=0.2))
    np.testing.assert_allclose(ours(S.step_decay(0.3, 25, gamma=0.2)), expected, rtol=1e-9)


@pytest.mark.oracle
def test_exponential_matches_exponentiallr(torch):
    expected = torch_lrs(torch, 0.1, lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.97))
    np.testing.assert_allclose(ours(S.exponential(0.1, 0.97)), expected, rtol=1e-9)


@pytest.mark.oracle
@pytest.mark.parametrize("lr_min", [0.0, 0.004])
def test_cosine_matches_cosineannealinglr_up_to_total_steps(torch, lr_min):
    total = N - 1
    expected = torch_lrs(torch, 0.05, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=total, eta_min=lr_min))
    np.testing.assert_allclose(ours(S.cosine(0.05, total, lr_min=lr_min)), expected,
                               rtol=1e-9, atol=1e-15)


@pytest.mark.oracle
@pytest.mark.parametrize("lr_end", [0.0, 0.01])
def test_linear_matches_linearlr(torch, lr_end):
    expected = torch_lrs(torch, 0.2, lambda o: torch.optim.lr_scheduler.LinearLR(
        o, start_factor=1.0, end_factor=lr_end / 0.2, total_iters=80))
    np.testing.assert_allclose(ours(S.linear(0.2, 80, lr_end=lr_end)), expected,
                               rtol=1e-9, atol=1e-15)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "schedule, factor",
    [
        (S.constant(0.1), lambda t: 1.0),
        (S.inverse_time(0.1, 0.5, decay_steps=10), lambda t: 1.0 / (1.0 + 0.5 * t / 10)),
        (S.inverse_sqrt(0.1, 16), lambda t: math.sqrt(16 / max(t, 16))),
    ],
    ids=["constant", "inverse_time", "inverse_sqrt"],
)
def test_schedules_without_a_torch_class_match_lambdalr(torch, schedule, factor):
    expected = torch_lrs(torch, 0.1, lambda o: torch.optim.lr_scheduler.LambdaLR(o, factor))
    np.testing.assert_allclose(ours(schedule), expected, rtol=1e-9)


@pytest.mark.oracle
@pytest.mark.parametrize("start_factor", [0.1, 0.5])
def test_warmup_then_cosine_matches_sequentiallr(torch, start_factor):
    warm, total = 15, N - 15 - 1
    lrs = torch.optim.lr_scheduler

    def make(o):
        ramp = lrs.LinearLR(o, start_factor=start_factor, end_factor=1.0, total_iters=warm)
        decay = lrs.CosineAnnealingLR(o, T_max=total, eta_min=0.001)
        return lrs.SequentialLR(o, [ramp, decay], milestones=[warm])

    expected = torch_lrs(torch, 0.08, make)
    got = ours(S.warmup(S.cosine(0.08, total, lr_min=0.001), warm, start_factor=start_factor))
    np.testing.assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.oracle
@pytest.mark.parametrize("d_model, warm", [(512, 400), (64, 30)])
def test_noam_matches_the_papers_formula_in_lambdalr(torch, d_model, warm):
    # Vaswani et al. (2017), eq. 3, stepped once per update with the paper's 1-based counter
    def formula(t):
        return d_model ** -0.5 * min((t + 1) ** -0.5, (t + 1) * warm ** -1.5)
    n = 3 * warm
    expected = torch_lrs(torch, 1.0, lambda o: torch.optim.lr_scheduler.LambdaLR(o, formula), n=n)
    np.testing.assert_allclose(ours(S.noam(d_model, warm), n=n), expected, rtol=1e-9)


@pytest.mark.oracle
def test_global_step_warmup_rsqrt_matches_fairseq_formula_in_lambdalr(torch):
    # fairseq's inverse_sqrt: linear ramp to peak over w updates, then peak * sqrt(w / step)
    peak, w = 0.1, 30
    def formula(t):
        return peak * t / w if t < w else peak * math.sqrt(w / t)
    expected = torch_lrs(torch, 1.0, lambda o: torch.optim.lr_scheduler.LambdaLR(o, formula))
    np.testing.assert_allclose(ours(S.warmup(S.inverse_sqrt(peak, w), w, restart=False)), expected,
                               rtol=1e-9, atol=1e-15)


def test_noam_is_the_global_step_warmup_shifted_by_one_update():
    d_model, warm = 128, 50
    peak = (d_model * warm) ** -0.5
    steps = np.arange(400)
    global_form = S.warmup(S.inverse_sqrt(peak, warm), warm, restart=False)
    np.testing.assert_allclose(S.noam(d_model, warm)(steps), global_form(steps + 1), rtol=1e-12)
    assert S.noam(d_model, warm)(warm - 1) == pytest.approx(peak, rel=1e-12)   # the peak


def test_restarting_warmup_differs_from_the_global_step_form_after_the_ramp():
    # the review's numbers: 10 and 270 steps after a 30-step ramp to 0.1
    restarted = S.warmup(S.inverse_sqrt(0.1, 1), 30)
    global_form = S.warmup(S.inverse_sqrt(0.1, 30), 30, restart=False)
    assert restarted(40) == pytest.approx(0.1 / math.sqrt(10))
    assert global_form(40) == pytest.approx(0.1 * math.sqrt(30 / 40))
    assert global_form(300) == pytest.approx(0.1 * math.sqrt(0.1))


def test_warmup_restart_must_be_a_bool():
    with pytest.raises(TypeError, match="restart"):
        S.warmup(S.constant(1.0), 5, restart="no")


# ------------------------------------------------------------------- values worked by hand


@pytest.mark.parametrize(
    "schedule, step, expected",
    [
        (S.constant(0.3), 1000, 0.3),
        (S.step_decay(0.1, 30), 29, 0.1),
        (S.step_decay(0.1, 30), 65, 0.001),
        (S.exponential(2.0, 0.5), 3, 0.25),
        (S.inverse_time(1.0, 0.5, decay_steps=10), 20, 0.5),
        (S.cosine(1.0, 10), 5, 0.5),
        (S.cosine(1.0, 10, lr_min=0.2), 10, 0.2),
        (S.cosine(1.0, 10, lr_min=0.2), 500, 0.2),
        (S.linear(1.0, 10), 5, 0.5),
        (S.linear(1.0, 10, lr_end=0.1), 99, 0.1),
        (S.inverse_sqrt(1.0, 100), 50, 1.0),
        (S.inverse_sqrt(1.0, 100), 400, 0.5),
        (S.warmup(S.constant(1.0), 4), 0, 0.0),
        (S.warmup(S.constant(1.0), 4), 2, 0.5),
        (S.warmup(S.constant(1.0), 4, start_factor=0.2), 1, 0.4),
        (S.warmup(S.linear(1.0, 10), 5), 10, 0.5),  # linear's own step 5
    ],
)
def test_values_worked_out_by_hand(schedule, step, expected):
    assert schedule(step) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_cosine_and_linear_fall_monotonically_from_lr0_to_the_floor():
    for sched in (S.cosine(0.1, 50, lr_min=0.01), S.linear(0.1, 50, lr_end=0.01)):
        lrs = sched(np.arange(60))
        assert lrs[0] == pytest.approx(0.1) and lrs[50] == pytest.approx(0.01)
        assert np.all(np.diff(lrs) <= 1e-15)
        np.testing.assert_allclose(lrs[50:], 0.01)


def test_warmup_hands_over_at_the_wrapped_schedules_step_zero():
    inner = S.cosine(0.5, 20)
    sched = S.warmup(inner, 10)
    steps = np.arange(10, 40)
    np.testing.assert_allclose(sched(steps), inner(steps - 10))
    ramp = sched(np.arange(11))
    np.testing.assert_allclose(np.diff(ramp[:10]), 0.05)  # straight line from 0 to 0.5


def test_warmup_accepts_a_plain_python_function():
    sched = S.warmup(lambda t: 1.0 / (1 + t) if t < 3 else 0.1, 2)
    np.testing.assert_allclose(sched(np.arange(6)), [0.0, 0.5, 1.0, 0.5, 1 / 3, 0.1])


# ------------------------------------------------------------------------- array input


@pytest.mark.parametrize(
    "schedule",
    [S.constant(0.1), S.step_decay(0.1, 7), S.exponential(0.1, 0.9), S.inverse_time(0.1, 1.0),
     S.cosine(0.1, 30), S.linear(0.1, 30), S.inverse_sqrt(0.1, 5), S.warmup(S.cosine(0.1, 20), 10)],
)
def test_int_arrays_give_the_same_values_as_one_call_per_step(schedule):
    steps = np.arange(48).reshape(6, 8)
    values = schedule(steps)
    assert values.shape == (6, 8)
    expected = np.array([schedule(int(t)) for t in steps.ravel()]).reshape(6, 8)
    # numpy's vectorised pow/cos may differ from the scalar ones in the last bit
    np.testing.assert_allclose(values, expected, rtol=1e-14, atol=0)
    assert isinstance(schedule(3), float)
    assert isinstance(schedule(np.int64(3)), float)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: S.constant(0.0), ValueError, "lr must be finite and > 0"),
        (lambda: S.step_decay(0.1, 0), ValueError, "step_size must be >= 1"),
        (lambda: S.step_decay(0.1, 2.5), TypeError, "step_size must be an integer"),
        (lambda: S.exponential(0.1, -0.5), ValueError, "gamma must be finite and > 0"),
        (lambda: S.cosine(0.1, 10, lr_min=0.5), ValueError, "lr_min must be <= lr0"),
        (lambda: S.cosine(-0.1, 10), ValueError, "lr0 must be finite and > 0"),
        (lambda: S.linear(0.1, 0), ValueError, "total_steps must be >= 1"),
        (lambda: S.inverse_time(0.1, -1.0), ValueError, "decay_rate must be finite and >= 0"),
        (lambda: S.inverse_sqrt(0.1, 0), ValueError, "warmup_steps must be >= 1"),
        (lambda: S.warmup(0.1, 10), TypeError, "schedule must be a callable"),
        (lambda: S.warmup(S.constant(0.1), 10, start_factor=2.0), ValueError, "start_factor must lie in [0, 1]"),
    ],
)
def test_bad_arguments_name_what_was_expected(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value)


def test_steps_must_be_non_negative_integers():
    sched = S.cosine(0.1, 10)
    with pytest.raises(ValueError, match="step must be >= 0"):
        sched(-1)
    with pytest.raises(TypeError, match="step must be an integer or an integer array; got dtype float64"):
        sched(np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match="step must be an integer"):
        sched(True)
