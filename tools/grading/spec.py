"""Grader specs: what each autograded test cell checks, decided in the trusted grader process.

A homework is graded by trusted comparison when ``assignments/graders/<hw>.py`` exists. That
file (never copied into a sandbox, a release or the student kit) defines ``GRADER =
Grader("<hw>")`` and one function per autograder test cell::

    @GRADER.test("test_knn_no_loops", points=8)
    def _(s: Session) -> None:
        A, B = s.rng.normal(size=(40, 64)), s.rng.normal(size=(300, 64))
        with s.part(6, "distances"):
            s.close(s.call("l2_distances_no_loops", A, B), _distances(A, B), name="...")
        with s.part(2, "no loops"):
            s.no_loops("l2_distances_no_loops")

* ``s.rng`` is seeded from a fresh secret per grading run: inputs differ for every student
  and every regrade, so no answer can be hard-coded.
* ``s.call(name, *args, **kwargs)`` sends the inputs (arrays and numbers only) to the
  student's kernel, which calls the student's function and sends back plain data; the
  grader checks its type, shape and dtype. Expected values are computed HERE, by the spec's
  own reference code, and never leave this process.
* ``s.get(name)`` reads a variable the student's notebook defined (plain data only).
* ``s.no_loops(name)`` reads the student's source (:mod:`grading.analysis`), not the kernel.
* Checks (``s.close``, ``s.labels``, ``s.shape``, ``s.true``) raise :class:`Fail` with a
  message written for the student; messages name what was checked, never how.

Scoring: a test's points are all-or-nothing unless it uses ``s.part(points, label)`` blocks;
a failure inside a part costs that part's points, a failure outside every part costs the
whole test. The verdict becomes the test cell's output (see :mod:`grading.trusted`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# One formatter for every 'expected ... got ...' message: the visible tests' (dlhelpers.grading)
# and the grader's say the same thing the same way.
from dlhelpers.grading import GradingError, expected_got
from dlhelpers.grading import assert_pair as visible_assert_pair

from .analysis import Definitions, loops_in


class Fail(Exception):
    """A check failed; the message is shown to the student."""


class KernelUnavailable(Fail):
    """The student's kernel stopped answering (timeout it ignored, or it died)."""


@dataclass
class TestSpec:
    """One autograder test cell: its grade_id, points and checking function."""

    grade_id: str
    points: float
    check: Callable[[Session], None]
    timeout: float = 20.0


class Grader:
    """The grader spec of one homework: a registry of test functions by grade_id."""

    def __init__(self, hw: str) -> None:
        self.hw = hw
        self.tests: dict[str, TestSpec] = {}

    def test(self, grade_id: str, points: float, *, timeout: float = 20.0):
        """Register the decorated ``check(session)`` as test cell ``grade_id``."""
        def register(check: Callable[[Session], None]):
            if grade_id in self.tests:
                raise ValueError(f"{self.hw}: test {grade_id} is defined twice")
            self.tests[grade_id] = TestSpec(grade_id, float(points), check, timeout)
            return check
        return register


def load_grader(path: Path) -> Grader:
    """Import a grader spec file and return its ``GRADER``."""
    module_spec = importlib.util.spec_from_file_location(f"dl_grader_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    grader = getattr(module, "GRADER", None)
    if not isinstance(grader, Grader):
        raise TypeError(f"{path} defines no GRADER = Grader(...)")
    return grader


def grader_path(grader_dir: Path, hw: str) -> Path:
    return Path(grader_dir) / f"{hw}.py"


# ----------------------------------------------------------------------------- session

class Session:
    """What a test function sees: secret randomness, the student's kernel, the source.

    Parameters
    ----------
    request : callable
        ``request(message: dict, timeout: float) -> dict``: one round trip to the kernel
        (:class:`grading.trusted.KernelLink`); raises :class:`KernelUnavailable`.
    defs : Definitions
        The student's top-level definitions before this test cell (for :meth:`no_loops`).
    timeout : float
        Seconds allowed per call.
    seed : int, optional
        Default: a fresh secret from :mod:`secrets`.
    """

    def __init__(self, request, defs: Definitions, *, timeout: float = 20.0,
                 seed: int | None = None) -> None:
        self._request = request
        self.defs = defs
        self.timeout = timeout
        self.seed = secrets.randbits(64) if seed is None else seed
        self.rng = np.random.default_rng(self.seed)
        self.trace: list = []
        self.args_after: list = []
        self.failures: list[tuple[str, float, str]] = []  # (label, points lost, message)
        self.passed_parts: list[tuple[str, float]] = []

    # -- the kernel ----------------------------------------------------------------------
    def _ask(self, message: dict, what: str, timeout: float | None):
        answer = self._request(message, timeout or self.timeout)
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            raise Fail(f"{what}: the kernel's answer is malformed")
        if not answer["ok"]:
            error = str(answer.get("error", "an error"))[:500]
            raise Fail(f"{what} raised {error}")
        return answer

    def call(self, name: str, *args, timeout: float | None = None,
             return_args: bool = False, **kwargs):
        """The student's ``name(*args, **kwargs)``, as plain data (arrays, numbers, ...)."""
        answer = self._ask({"op": "call", "name": name, "args": list(args), "kwargs": kwargs,
                            "return_args": return_args}, f"{name}(...)", timeout)
        self.trace = list(answer.get("trace") or [])
        self.args_after = list(answer.get("args_after") or [])
        return answer.get("value")

    def call_many(self, name: str, calls: Sequence[tuple[tuple, dict]], *,
                  timeout: float | None = None) -> list:
        """``[name(*a, **k) for a, k in calls]`` in one round trip."""
        answer = self._ask({"op": "call_many", "name": name,
                            "calls": [[list(a), dict(k)] for a, k in calls]},
                           f"{name}(...)", timeout)
        values = answer.get("value")
        if not isinstance(values, list) or len(values) != len(calls):
            raise Fail(f"{name}: the kernel returned the wrong number of results")
        return values

    def chain(self, name: str, w0, grads: Sequence, *, state=None,
              timeout: float | None = None, **kwargs) -> list[dict]:
        """The update rule ``name`` run on its own state: ``w, state = name(w, g, state,
        **kwargs)`` for each ``g``, in one round trip.

        Returns one ``{"result": (w_new, state), "changed": [...]}`` per step; ``changed``
        names the inputs (``"w"``, ``"dw"``, ``"state"``) that the call modified in place.
        The run stops after a result that is not a pair.
        """
        answer = self._ask({"op": "chain", "name": name, "w": w0, "grads": list(grads),
                            "state": state, "kwargs": kwargs}, f"{name}(...)", timeout)
        steps = answer.get("value")
        if not isinstance(steps, list) or not all(isinstance(x, dict) for x in steps):
            raise Fail(f"{name}: the kernel's answer is malformed")
        return steps

    def get(self, name: str, *, timeout: float | None = None,
            functions_by_name: bool = False):
        """The value of the notebook variable ``name`` (plain data only; with
        ``functions_by_name`` a function inside it comes back as ``{"__function__": name}``)."""
        return self._ask({"op": "get", "name": name, "functions_by_name": functions_by_name},
                         name, timeout).get("value")

    # -- the source ----------------------------------------------------------------------
    def no_loops(self, name: str) -> None:
        """Fail unless ``name`` and every student function it reaches are loop-free."""
        if name not in self.defs.functions and name not in self.defs.aliases \
                and name not in self.defs.opaque:
            raise Fail(f"{name} is not defined by a plain `def` in your answer cells")
        problems = loops_in(name, self.defs)
        if problems:
            raise Fail(f"{name} must not loop: " + "; ".join(problems[:5]))

    # -- scoring -------------------------------------------------------------------------
    @contextlib.contextmanager
    def part(self, points: float, label: str, *, needs: str | None = None) -> Iterator[None]:
        """A block worth ``points``; a failure inside it costs only those points.

        ``needs`` names an earlier part that must have passed (e.g. "no loops" is worth
        nothing for a function that does not work).
        """
        try:
            yield
            if needs is not None and needs not in {lbl for lbl, _ in self.passed_parts}:
                raise Fail(f"counts only once {needs!r} is right")
        except KernelUnavailable:
            raise
        except Fail as exc:
            self.failures.append((label, float(points), str(exc)))
        else:
            self.passed_parts.append((label, float(points)))

    # -- checks (each raises Fail) -------------------------------------------------------
    close = staticmethod(lambda *a, **k: assert_close(*a, **k))
    shape = staticmethod(lambda *a, **k: assert_shape(*a, **k))
    labels = staticmethod(lambda *a, **k: assert_labels_equal(*a, **k))
    true = staticmethod(lambda *a, **k: assert_true(*a, **k))


@dataclass
class Verdict:
    """The grader's decision on one test cell."""

    grade_id: str
    score: float
    points: float
    messages: list[str] = field(default_factory=list)
    seed: int = 0


def run_test(test: TestSpec, session: Session) -> Verdict:
    """Run one test function; its score follows the rules in the module docstring."""
    try:
        test.check(session)
    except KernelUnavailable as exc:
        return Verdict(test.grade_id, 0.0, test.points, [str(exc)], session.seed)
    except Fail as exc:
        lost = [f"{label}: {msg}" for label, _, msg in session.failures]
        return Verdict(test.grade_id, 0.0, test.points, lost + [str(exc)], session.seed)
    except Exception as exc:  # a bug in the spec, or data the spec did not expect
        return Verdict(test.grade_id, 0.0, test.points,
                       [f"the grader could not check this ({type(exc).__name__}: "
                        f"{str(exc)[:200]}); your instructor sees this in the grading report"],
                       session.seed)
    lost = sum(points for _, points, _ in session.failures)
    score = max(0.0, test.points - lost)
    messages = [f"{label} (-{points:g} points): {msg}" for label, points, msg in session.failures]
    return Verdict(test.grade_id, score, test.points, messages, session.seed)


# ----------------------------------------------------------------------------- checks

def as_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array, or a :class:`Fail` that says what it was instead."""
    if value is None:
        raise Fail(f"{name}: got None. Did the function forget to `return` its result?")
    if isinstance(value, str) or isinstance(value, dict):
        raise Fail(f"{name}: expected numbers, got a {type(value).__name__}")
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise Fail(f"{name}: expected numbers, got something that cannot be read as "
                   "an array of floats (ragged lists or nested containers?)") from None
    return arr


def assert_shape(value, expected_shape: tuple[int, ...], name: str = "result") -> np.ndarray:
    """Exactly ``expected_shape`` (no broadcasting); returns the value as float64."""
    arr = as_array(value, name)
    want = tuple(int(s) for s in expected_shape)
    if arr.shape != want:
        raise Fail(f"{name}: expected shape {want}, got {arr.shape}. Check which axis you sum "
                   "or average over, and the orientation of any weight matrix.")
    return arr


def assert_close(actual, expected, *, rtol: float = 1e-6, atol: float = 1e-8,
                 name: str = "result", hint: str = "") -> None:
    """``|actual - expected| <= atol + rtol * |expected|`` everywhere, same shape."""
    want = np.array(expected, dtype=np.float64)
    got = assert_shape(actual, want.shape, name)
    if not np.isfinite(got).all():
        bad = int(got.size - np.isfinite(got).sum())
        raise Fail(f"{name}: {bad} entr{'y is' if bad == 1 else 'ies are'} NaN or inf. "
                   + (hint or "Look for log(0), exp overflow or a division by zero."))
    gap = np.abs(got - want)
    over = gap > np.abs(want) * rtol + atol
    if over.any():
        tail = f" {hint}" if hint else ""
        if want.ndim == 0:
            raise Fail(f"{name}: {expected_got(float(want), float(got))}.{tail}")
        worst = int(np.argmax(np.where(over, gap - np.abs(want) * rtol, -np.inf)))
        index = tuple(int(i) for i in np.unravel_index(worst, want.shape))
        raise Fail(f"{name}: {int(over.sum())} of {want.size} entries are off; the worst is at "
                   f"index {index}: {expected_got(float(want.flat[worst]), float(got.flat[worst]))}"
                   f".{tail}")


def assert_labels_equal(actual, expected, *, name: str = "labels", hint: str = "") -> None:
    """An integer label vector, exactly."""
    want = np.array(expected, dtype=np.int64)
    got = assert_shape(actual, want.shape, name)
    if not np.all(got == np.round(got)):
        raise Fail(f"{name}: labels must be whole numbers")
    wrong = np.flatnonzero(got.astype(np.int64) != want)
    if wrong.size:
        i = int(wrong[0])
        tail = f" {hint}" if hint else ""
        raise Fail(f"{name}: {wrong.size} of {want.size} labels differ; the first at index {i}: "
                   f"expected {int(want[i])}, got {int(got[i])}.{tail}")


def assert_pair(value, fn: str, what: str):
    """``value`` as a pair (e.g. ``(loss, dW)``), or a Fail naming what ``fn`` returned instead.

    The visible tests' check (:func:`dlhelpers.grading.assert_pair`), so the student reads
    the same sentence from both.
    """
    try:
        visible_assert_pair(value, fn, what)
    except GradingError as exc:
        raise Fail(str(exc)) from None
    return value


def assert_true(condition: bool, message: str) -> None:
    if not condition:
        raise Fail(message)


def scaled_error(a, b) -> float:
    """The largest gap relative to the arrays' scale: max |a - b| / max(max(|a| + |b|), 1e-12).

    Not the course's relative error (``dlhelpers.gradcheck.relative_error``, elementwise): a
    grader compares a student's whole gradient with a numerical one, and an entry close to 0,
    which centred differences get only to round-off, must not fail a correct answer. Measured
    on hw1's softmax check over 400 seeds: the elementwise form flagged 2 correct gradients
    above 1e-6, this one none.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), 1e-12))


def numerical_gradient(losses: Callable[[list[np.ndarray]], list[float]], x: np.ndarray,
                       h: float = 1e-5) -> np.ndarray:
    """Centred differences of a scalar function, all evaluations in one batch.

    ``losses(points)`` returns the function's value at each point of a list; with the
    student's loss behind it (``Session.call_many``) the whole gradient costs one round trip.
    """
    x = np.asarray(x, dtype=float)
    points = []
    for i in range(x.size):
        for step in (h, -h):
            moved = x.copy()
            moved.flat[i] += step
            points.append(moved)
    values = np.asarray([float(v) for v in losses(points)], dtype=float)
    if values.shape != (2 * x.size,) or not np.isfinite(values).all():
        raise Fail("the loss is not a finite number at every point of the gradient check")
    return ((values[0::2] - values[1::2]) / (2 * h)).reshape(x.shape)


def scalar(value, name: str) -> float:
    """A real number (Python or 0-d numpy), or Fail."""
    arr = as_array(value, name)
    if arr.shape != ():
        raise Fail(f"{name}: expected a single number, got an array of shape {arr.shape}")
    number = float(arr)
    if not math.isfinite(number):
        raise Fail(f"{name}: expected a finite number, got {number}")
    return number
