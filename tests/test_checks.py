"""dlhelpers._checks (input validation) and dlhelpers.selfcheck (lesson self-checks)."""

from __future__ import annotations

import numpy as np
import pytest

from dlhelpers import _checks as C
from dlhelpers.selfcheck import check, check_function


# --------------------------------------------------------------------------- as_float_array
def test_as_float_array_converts_ints_and_keeps_float32():
    assert C.as_float_array([1, 2], "x").dtype == np.float64
    assert C.as_float_array(np.array([True]), "x").dtype == np.float64
    assert C.as_float_array(np.ones(2, np.float32), "x").dtype == np.float32
    arr = np.ones(3)
    assert C.as_float_array(arr, "x") is arr  # no needless copy


def test_as_float_array_rejections_name_the_argument():
    with pytest.raises(TypeError, match="w must hold real numbers; got dtype <U1"):
        C.as_float_array(["a"], "w")
    with pytest.raises(TypeError, match="w must hold real numbers; got dtype complex128"):
        C.as_float_array([1j], "w")
    with pytest.raises(TypeError, match="w must be array-like of numbers; got list"):
        C.as_float_array([[1.0], [1.0, 2.0]], "w")
    with pytest.raises(ValueError, match=r"w must be 2-D; got shape \(3,\) \(1-D\)"):
        C.as_float_array(np.ones(3), "w", ndim=2)
    with pytest.raises(ValueError, match=r"w must be 1-D or 2-D; got shape \(\) \(0-D\)"):
        C.as_float_array(1.0, "w", ndim=(1, 2))
    with pytest.raises(ValueError, match=r"w must be finite; got 2 NaN/inf value\(s\)"):
        C.as_float_array([np.nan, np.inf, 0.0], "w")
    assert np.isnan(C.as_float_array([np.nan], "w", allow_nan=True)[0])


# ------------------------------------------------------------------------------ as_labels
def test_as_labels_accepts_whole_floats_and_checks_range():
    np.testing.assert_array_equal(C.as_labels([0.0, 2.0], "y", num_classes=3), [0, 2])
    assert C.as_labels(np.array([1, 0], np.int8), "y").dtype == np.int64
    assert C.as_labels(np.zeros(0, int), "y", n=0, num_classes=3).shape == (0,)


def test_as_labels_rejections_name_the_problem():
    with pytest.raises(ValueError, match=r"one-hot rows\? pass y.argmax\(axis=1\)"):
        C.as_labels(np.eye(3), "y")
    with pytest.raises(ValueError, match="y must hold whole-number class indices"):
        C.as_labels([0.2, 0.8], "y")
    with pytest.raises(ValueError, match="y must hold whole-number class indices"):
        C.as_labels([np.nan], "y")
    with pytest.raises(TypeError, match="y must hold integer class indices; got dtype <U3"):
        C.as_labels(["cat"], "y")
    with pytest.raises(ValueError, match=r"y must have length 4 \(one label per row\); got length 2"):
        C.as_labels([0, 1], "y", n=4)
    with pytest.raises(ValueError, match=r"y must lie in \[0, 2\]; got values from 0 to 3"):
        C.as_labels([0, 3], "y", num_classes=3)
    with pytest.raises(ValueError, match=r"y must lie in \[0, num_classes - 1\]; got values from -1 to 1"):
        C.as_labels([-1, 1], "y")


# ----------------------------------------------------------------------- scalars, shapes
def test_check_shape_wildcards_and_message():
    C.check_shape(np.ones((4, 3)), (None, 3), "x")
    with pytest.raises(ValueError, match=r"x must have shape \(any, 3\); got \(4, 2\)"):
        C.check_shape(np.ones((4, 2)), (None, 3), "x")
    with pytest.raises(ValueError, match=r"b must have shape \(3,\); got \(3, 1\)"):
        C.check_shape(np.ones((3, 1)), (3,), "b")


def test_check_positive_and_in_range():
    assert C.check_positive(np.float32(0.5), "lr") == 0.5
    assert C.check_positive(0, "lam", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match="lr must be finite and > 0; got 0"):
        C.check_positive(0, "lr")
    with pytest.raises(ValueError, match="lr must be finite and > 0; got inf"):
        C.check_positive(float("inf"), "lr")
    assert C.check_in_range(1.0, "p", 0.0, 1.0) == 1.0
    with pytest.raises(ValueError, match=r"p must lie in \(0.0, 1.0\]; got 0.0"):
        C.check_in_range(0.0, "p", 0.0, 1.0, lo_open=True)
    with pytest.raises(ValueError, match=r"p must lie in \[0.0, 1.0\); got 1.0"):
        C.check_in_range(1.0, "p", 0.0, 1.0, hi_open=True)


@pytest.mark.parametrize("bad", ["0.1", b"1", True, np.bool_(False), None, [0.1]])
def test_numbers_must_really_be_numbers(bad):
    with pytest.raises(TypeError, match="lr must be a number"):
        C.check_positive(bad, "lr")
    with pytest.raises(TypeError, match="p must be a number"):
        C.check_in_range(bad, "p", 0.0, 1.0)


def test_check_int_and_same_shape():
    assert C.check_int(np.int32(3), "k", minimum=1) == 3
    with pytest.raises(TypeError, match=r"k must be an integer; got True \(bool\)"):
        C.check_int(True, "k")
    with pytest.raises(TypeError, match=r"k must be an integer; got 2.0 \(float\)"):
        C.check_int(2.0, "k")
    with pytest.raises(ValueError, match="k must be >= 1; got 0"):
        C.check_int(0, "k", minimum=1)
    with pytest.raises(ValueError, match=r"a and b must have the same shape; got \(2,\) and \(1, 2\)"):
        C.check_same_shape(np.ones(2), np.ones((1, 2)), "a", "b")


# ------------------------------------------------------------------------------ selfcheck
def test_check_reports_right_and_wrong_answers(capsys):
    assert check(0.5, 0.5, name="q1")
    assert capsys.readouterr().out.startswith("Correct: q1.")
    assert not check(None, 0.5, name="q1")
    assert "no answer yet" in capsys.readouterr().out
    assert not check(..., 0.5)
    assert not check(0.6, 0.5, name="q2", hint="halve it")
    out = capsys.readouterr().out
    assert "Not yet: q2" in out and "off by 0.1" in out and "Hint: halve it" in out


def test_check_explains_array_mistakes(capsys):
    assert not check(np.ones(3), np.ones((3, 1)))
    assert "expected shape (3, 1), got shape (3,)" in capsys.readouterr().out
    assert not check([1.0, 2.0, 9.0], [1.0, 2.0, 3.0])
    assert "1 of 3 entries differ; the largest gap is 6 at index (2,)" in capsys.readouterr().out
    assert not check([np.nan], [1.0])
    assert "NaN or inf" in capsys.readouterr().out
    assert not check("3", 3)
    assert "got text '3'" in capsys.readouterr().out
    assert not check({"a": 1}, 1.0)
    assert "expected a number or array, got dict" in capsys.readouterr().out


def test_check_text_and_booleans(capsys):
    assert check("  ReLU ", "relu")
    assert not check(1, "relu")
    assert check(np.True_, True)
    assert not check(1, True)
    assert "expected True or False" in capsys.readouterr().out


def test_check_function_reports_the_failing_case(capsys):
    cases = [(np.array([1.0, 2.0]),), (np.array([-1.0, 3.0]),)]
    assert check_function(lambda v: v**2, lambda v: v * v, cases, name="square")
    assert "all 2 cases match" in capsys.readouterr().out
    assert not check_function(lambda v: np.abs(v) * v, lambda v: v * v, cases, name="square")
    assert "case 2:" in capsys.readouterr().out


def test_check_function_survives_learner_errors(capsys):
    def unfinished(v):
        raise NotImplementedError

    assert not check_function(unfinished, lambda v: v, [(1.0,)])
    assert "still raises NotImplementedError" in capsys.readouterr().out
    assert not check_function(lambda v: v[5], lambda v: v, [(np.ones(2),)])
    assert "case 1 raised IndexError" in capsys.readouterr().out
    assert not check_function(None, lambda v: v, [(1.0,)])
    assert "no answer yet" in capsys.readouterr().out


def test_check_function_compares_tuples_output_by_output(capsys):
    def reference(s):
        return float(s.sum()), 2 * s

    assert check_function(lambda s: (float(s.sum()), s + s), reference, [(np.ones(3),)])
    assert not check_function(lambda s: (float(s.sum()), s), reference, [(np.ones(3),)])
    assert "output 2 of 2" in capsys.readouterr().out
    assert not check_function(lambda s: float(s.sum()), reference, [(np.ones(3),)])
    assert "expected a tuple of 2 outputs, got float" in capsys.readouterr().out


def test_check_function_gives_each_side_its_own_copy():
    def in_place_reference(w):
        w -= 1.0  # a reference that updates its argument must not change the learner's input
        return w

    w0 = np.array([5.0])
    assert check_function(lambda w: w - 1.0, in_place_reference, [(w0,)])
    np.testing.assert_array_equal(w0, [5.0])


# ---------------------------------------------------------------------------- as_generator
def test_as_generator_passes_a_generator_through_and_seeds_ints():
    gen = np.random.default_rng(7)
    assert C.as_generator(gen) is gen  # the caller's stream continues
    for seed in (0, 5, np.int64(5)):
        np.testing.assert_array_equal(C.as_generator(seed).random(4),
                                      np.random.default_rng(int(seed)).random(4))


def test_as_generator_none_is_the_documented_default_or_refused():
    np.testing.assert_array_equal(C.as_generator(None, default=3).random(4),
                                  np.random.default_rng(3).random(4))
    with pytest.raises(TypeError, match="rng must be a np.random.Generator .* got NoneType"):
        C.as_generator(None)


def test_as_generator_never_touches_the_global_generator():
    np.random.seed(11)
    expected = np.random.random(3)
    np.random.seed(11)
    C.as_generator(None, default=0).random(5)
    C.as_generator(4).random(5)
    np.testing.assert_array_equal(np.random.random(3), expected)


@pytest.mark.parametrize("bad, exc, fragment", [
    (np.random.RandomState(0), TypeError, "got RandomState (the legacy API"),
    (1.5, TypeError, "got float"),
    (True, TypeError, "got bool"),
    ("0", TypeError, "got str"),
    (-1, ValueError, "seed must be a non-negative int seed; got -1"),
])
def test_as_generator_names_what_came(bad, exc, fragment):
    name = "seed" if exc is ValueError else "rng"
    with pytest.raises(exc) as info:
        C.as_generator(bad, name)
    assert fragment in str(info.value)
