"""dlhelpers.grading: comparisons, tamper detection and the delegation blocker (no nbgrader)."""

import sys
import types

import numpy as np
import pytest

from dlhelpers import grading as G


def test_assert_close_accepts_equal_values_and_lists():
    G.assert_close([1.0, 2.0], np.array([1.0, 2.0]))
    G.assert_close(3.0, 3.0 + 1e-12)


@pytest.mark.parametrize("actual, expected, fragment", [
    ([1.0, 2.5], [1.0, 2.0], "index (1,)"),
    ([[1.0, 2.0]], [1.0, 2.0], "expected shape (2,), got (1, 2)"),
    ([np.nan, 1.0], [0.0, 1.0], "NaN or inf"),
    (None, [0.0], "forget to `return`"),
    ("abc", 1.0, "cannot be read as floats"),
])
def test_assert_close_explains_each_failure(actual, expected, fragment):
    with pytest.raises(G.GradingError, match=None) as info:
        G.assert_close(actual, expected, name="x")
    assert fragment in str(info.value)


def test_assert_close_refuses_broadcasting():
    with pytest.raises(G.GradingError, match="shape"):
        G.assert_close(np.zeros(3), np.zeros((3, 1)))


def test_assert_close_ignores_an_array_subclass_that_lies():
    class AlwaysEqual(np.ndarray):
        def __sub__(self, other):
            return np.zeros(self.shape)

        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)

    fake = np.array([5.0, 5.0]).view(AlwaysEqual)
    with pytest.raises(G.GradingError):
        G.assert_close(fake, [1.0, 2.0])


def test_labels_equal_reports_first_difference():
    G.assert_labels_equal(np.array([1, 2, 3]), [1, 2, 3])
    with pytest.raises(G.GradingError, match="index 1: expected 2, got 7"):
        G.assert_labels_equal([1, 7, 3], [1, 2, 3])


def test_numerical_gradient_matches_a_known_gradient():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = G.numerical_gradient(lambda v: float((v ** 3).sum()), x.copy())
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)


def test_relative_error_is_zero_for_equal_and_large_for_opposite():
    assert G.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert G.relative_error([1.0], [-1.0]) == pytest.approx(1.0)


def test_relative_error_is_the_course_definition():
    """The same numbers as gradcheck.relative_error, tiny entries included (floor 1e-12)."""
    from dlhelpers.gradcheck import relative_error

    rng = np.random.default_rng(3)
    for _ in range(50):
        a = rng.standard_normal((4, 5)) * 10.0 ** rng.integers(-16, 3, (4, 5))
        b = a + rng.standard_normal((4, 5)) * 10.0 ** rng.integers(-20, 0, (4, 5))
        b[0, 0] = a[0, 1] = 0.0
        assert G.relative_error(a, b) == relative_error(a, b)
    assert G.relative_error([1e-10], [0.0]) == 1.0  # the old 1e-8 floor gave 0.01
    assert G.relative_error([0.0], [0.0]) == 0.0


def test_relative_error_ignores_a_patched_numpy(monkeypatch):
    monkeypatch.setattr(np, "maximum", lambda *a, **k: np.inf)
    monkeypatch.setattr(np, "absolute", lambda *a, **k: 0.0)
    assert G.relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)


def test_integrity_detects_a_swapped_relative_error_kernel():
    from dlhelpers import _numerics

    kernel = _numerics.elementwise_relative_error
    original = kernel.__code__
    try:
        kernel.__code__ = (lambda a, b: 0.0 * a).__code__
        with pytest.raises(G.TamperingDetected, match="_elementwise_relative_error"):
            G.check_integrity()
    finally:
        kernel.__code__ = original
    G.check_integrity()


def test_no_loops_detects_for_while_and_comprehensions():
    def vectorized(x):
        return np.sum(x * x)

    def with_for(x):
        total = 0.0
        for v in x:
            total += v
        return total

    def with_while(x):
        i = 0
        while i < len(x):
            i += 1
        return i

    def with_comprehension(x):
        return sum([v for v in x])

    def calls_loop_version(x):
        return with_for(x)

    G.assert_no_loops(vectorized, "vectorized")
    for fn in (with_for, with_while, with_comprehension):
        with pytest.raises(G.GradingError, match="loop"):
            G.assert_no_loops(fn, fn.__name__)
    with pytest.raises(G.GradingError, match="with_for"):
        G.assert_no_loops(calls_loop_version, "f", forbidden_calls=["with_for"])


@pytest.fixture
def restore_numpy_testing():
    saved = {name: getattr(np.testing, name) for name in ("assert_allclose", "assert_array_equal")}
    saved_allclose = np.allclose
    yield
    for name, fn in saved.items():
        setattr(np.testing, name, fn)
    np.allclose = saved_allclose


def test_integrity_passes_untouched(restore_numpy_testing):
    G.check_integrity()


@pytest.mark.parametrize("patch", [
    lambda: setattr(np.testing, "assert_allclose", lambda *a, **k: None),
    lambda: setattr(np.testing, "assert_array_equal", lambda *a, **k: None),
    lambda: setattr(np, "allclose", lambda *a, **k: True),
])
def test_integrity_detects_patched_numpy(restore_numpy_testing, patch):
    patch()
    with pytest.raises(G.TamperingDetected, match="replaced"):
        G.check_integrity()


def test_integrity_detects_patched_grading_helper():
    original = G.assert_close
    try:
        G.assert_close = lambda *a, **k: None
        with pytest.raises(G.TamperingDetected, match="dlhelpers.grading.assert_close"):
            G.check_integrity()
    finally:
        G.assert_close = original


def test_require_own_rejects_dlhelpers_functions():
    from dlhelpers.nn import softmax_cross_entropy

    with pytest.raises(G.GradingError, match="delegating to dlhelpers is not allowed here"):
        G.require_own(softmax_cross_entropy, "softmax_loss_vectorized")
    with pytest.raises(G.GradingError, match="not a function"):
        G.require_own(None, "f")
    G.require_own(lambda x: x, "f")


def test_forbid_reference_catches_aliases_and_restores():
    from dlhelpers.nn import softmax_cross_entropy as alias

    scores, y = np.array([[1.0, 2.0, 0.5]]), np.array([1])
    before = alias(scores, y)[0]

    def student(scores, y):
        return alias(scores, y)[0]  # delegation through an alias bound before grading

    with G.forbid_reference():
        with pytest.raises(PermissionError, match="delegating to dlhelpers is not allowed here"):
            student(scores, y)
    assert alias(scores, y)[0] == before


def test_forbid_reference_handles_closures_and_methods():
    module = types.ModuleType("dlhelpers.fake_reference")
    exec("def outer():\n    k = 2\n    def inner(x):\n        return x * k\n    return inner\n"
         "class Model:\n    def predict(self, x):\n        return x + 1\n    @staticmethod\n"
         "    def helper(x):\n        return x - 1\n", module.__dict__)
    closure = module.outer()
    for obj in (module.outer, closure, module.Model.predict, module.Model.helper):
        obj.__module__ = "dlhelpers.fake_reference"
    module.closure = closure
    module.Model.__module__ = "dlhelpers.fake_reference"
    sys.modules[module.__name__] = module
    try:
        with G.forbid_reference(["dlhelpers.fake_reference"]):
            for call in (lambda: closure(3), lambda: module.Model().predict(1),
                         lambda: module.Model.helper(1)):
                with pytest.raises(PermissionError):
                    call()
        assert closure(3) == 6 and module.Model().predict(1) == 2 and module.Model.helper(1) == 0
    finally:
        del sys.modules[module.__name__]


def test_call_student_messages():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(G.GradingError, match="still raises NotImplementedError"):
        G.call_student(stub, 1)

    def delegates(scores, y):
        from dlhelpers.nn import softmax_cross_entropy
        return softmax_cross_entropy(scores, y)

    with pytest.raises(G.GradingError, match="delegating to dlhelpers is not allowed here"):
        G.call_student(delegates, np.zeros((1, 2)), np.array([0]))

    def noisy(x):
        import warnings
        warnings.warn("loud", RuntimeWarning, stacklevel=2)
        return np.log(np.array([0.0]))

    assert G.call_student(noisy, 1)[0] == -np.inf  # warnings silenced, value returned
