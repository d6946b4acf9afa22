"""Test-side helpers for the homework's autograder cells.

The visible and hidden test cells of every homework use these instead of bare
``np.testing`` calls, for three reasons:

* **Messages that say what to fix.** A failing test names the function, the expected and
  received shape or value, and where the largest gap is.
* **Tamper resistance.** Student code runs in the same kernel as the tests, so it can replace
  ``np.testing.assert_allclose`` or ``np.allclose`` by a function that accepts anything.
  This module keeps its own references to the numpy pieces it needs (taken when it is
  imported, which the read-only set-up cell does before any student cell runs), compares
  with ``ndarray`` methods (which cannot be patched), and :func:`check_integrity` detects
  the common patches.
* **No delegation.** ``dlhelpers`` ships reference implementations of what the homework
  asks for. :func:`forbid_reference` temporarily replaces the code of every function in
  those modules by one that raises, so a submission that only calls them earns nothing and
  is told why; aliases made with ``from dlhelpers.nn import ...`` are caught too, because
  the function objects themselves are changed, not the module attributes.

None of this makes in-kernel grading airtight (a determined student can still reach into
this module); isolation of the kernel is the grader's job. These checks stop the easy
shortcuts and make a failed test informative.
"""

from __future__ import annotations

import builtins
import contextlib
import dis
import functools
import importlib
import sys
import types
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.testing as _np_testing
import numpy.testing._private.utils as _np_testing_private

# The course's one relative error. _numerics imports nothing from dlhelpers and holds its
# own references to numpy's ufuncs; its code object is guarded like this module's (_OWN_CODE).
from ._numerics import elementwise_relative_error as _elementwise_relative_error

# Taken once at import: later monkeypatching of numpy's namespace does not reach these.
_asarray = np.asarray
_array = np.array
_float64 = np.float64
_int64 = np.int64
_isfinite = np.isfinite
_errstate = np.errstate
_ndarray = np.ndarray
_isinstance = builtins.isinstance
_float = builtins.float
_abs = builtins.abs

#: dlhelpers modules whose functions count as reference solutions.
REFERENCE_MODULES: tuple[str, ...] = (
    "dlhelpers.nn", "dlhelpers.knn", "dlhelpers.models", "dlhelpers.train", "dlhelpers.optim",
    "dlhelpers.schedules", "dlhelpers.landscapes",
)

DELEGATION_MESSAGE = "delegating to dlhelpers is not allowed here"

# Names in numpy that tests (ours or an author's) lean on, with the object each must be.
_NUMPY_TESTING_NAMES = (
    "assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
    "assert_almost_equal", "assert_array_less",
)
_NUMPY_NAMES = ("allclose", "isclose", "array_equal", "asarray", "array", "isfinite", "all",
                "abs", "max")
_BUILTIN_NAMES = ("abs", "isinstance", "float", "len", "max", "min", "sum", "all", "any",
                  "AssertionError", "Exception", "print", "callable", "getattr")


class GradingError(AssertionError):
    """A test failed; the message tells the student what to fix."""


class TamperingDetected(GradingError):
    """Something the tests depend on was replaced by student code."""


def _snapshot() -> dict[str, object]:
    snap: dict[str, object] = {}
    for name in _NUMPY_TESTING_NAMES:
        snap["numpy.testing." + name] = getattr(_np_testing_private, name)
    for name in _NUMPY_NAMES:
        snap["numpy." + name] = getattr(np, name)
    for name in _BUILTIN_NAMES:
        snap["builtins." + name] = getattr(builtins, name)
    return snap


_PRISTINE = _snapshot()

# IPython methods and hook lists a cell passes through before and after it runs: a student
# who replaces or extends them can rewrite or hide the test cells themselves.
_SHELL_METHODS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "transform_cell",
                  "showtraceback", "_showtraceback", "user_expressions")
_SHELL_HOOK_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
_SHELL_EVENTS = ("pre_execute", "pre_run_cell", "post_execute", "post_run_cell")
#: Event callbacks that plotting libraries register on their own (allowed to appear later).
_TRUSTED_CALLBACK_MODULES = ("matplotlib", "matplotlib_inline", "IPython", "ipykernel",
                             "ipywidgets")


def _shell():
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get() if get is not None else None


def _shell_snapshot() -> dict[str, object]:
    shell = _shell()
    if shell is None:
        return {}
    snap: dict[str, object] = {"shell.class": type(shell)}
    for name in _SHELL_METHODS:
        snap["shell." + name] = getattr(type(shell), name, None)
        snap["shell.own." + name] = vars(shell).get(name)  # ipykernel sets some per instance
    for name in _SHELL_HOOK_LISTS:
        snap["shell." + name] = tuple(getattr(shell, name, ()) or ())
    for name in _SHELL_EVENTS:
        snap["shell.events." + name] = tuple(shell.events.callbacks.get(name, ()))
    return snap


def _shell_changes() -> list[str]:
    """Names of IPython's cell pipeline pieces that differ from the snapshot taken at import."""
    shell = _shell()
    if shell is None or not _SHELL_PRISTINE:
        return []
    changed = []
    if type(shell) is not _SHELL_PRISTINE["shell.class"]:
        changed.append("the IPython shell class")
    for name in _SHELL_METHODS:
        klass_attr = getattr(type(shell), name, None)
        if (klass_attr is not _SHELL_PRISTINE["shell." + name]
                or vars(shell).get(name) is not _SHELL_PRISTINE["shell.own." + name]):
            changed.append(f"IPython's {name}")
    for name in _SHELL_HOOK_LISTS:
        if tuple(getattr(shell, name, ()) or ()) != _SHELL_PRISTINE["shell." + name]:
            changed.append(f"IPython's {name}")
    for name in _SHELL_EVENTS:
        before = _SHELL_PRISTINE["shell.events." + name]
        added = [cb for cb in shell.events.callbacks.get(name, ()) if cb not in before and not
                 (getattr(cb, "__module__", "") or "").startswith(_TRUSTED_CALLBACK_MODULES)]
        if added:
            changed.append(f"IPython's {name} event")
    if sys.gettrace() is not None or sys.getprofile() is not None:
        changed.append("sys.settrace/sys.setprofile")
    if sys.modules.get("numpy") is not np or getattr(np, "testing", None) is not _np_testing:
        changed.append("the numpy module")
    return changed


def _message_only(shell, etype, value, tb, tb_offset=None):
    """IPython handler: a failed check shows its message, not the frames of these helpers."""
    shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])


def _short_tracebacks() -> None:
    """In a notebook, a GradingError prints only ``GradingError: <message for the student>``."""
    shell = _shell()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((GradingError,), _message_only)


_short_tracebacks()
_SHELL_PRISTINE = _shell_snapshot()
_OWN_CODE = {}  # filled at the end of the module: name -> code object of each public helper


# --------------------------------------------------------------------------- comparisons

def _to_float_array(value, name: str) -> np.ndarray:
    if value is None:
        raise GradingError(f"{name}: got None. Did the function forget to `return` its result?")
    if value is NotImplemented or value is Ellipsis:
        raise GradingError(f"{name}: got {value!r} instead of a number or array.")
    try:
        arr = _array(value, dtype=_float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise GradingError(f"{name}: expected numbers, got {type(value).__name__} "
                           f"that cannot be read as floats ({exc}).") from None
    if type(arr) is not _ndarray:  # __array__ tricks must not hand us a subclass
        arr = _array(arr.tolist(), dtype=_float64)
    return arr


def assert_shape(value, expected_shape: tuple[int, ...], name: str = "result") -> np.ndarray:
    """Check that ``value`` is array-like of exactly ``expected_shape``; return it as float64.

    Parameters
    ----------
    value : array-like
        What the student's code returned.
    expected_shape : tuple of int
        The exact shape wanted; no broadcasting is accepted.
    name : str
        How the value is named in the failure message.

    Returns
    -------
    numpy.ndarray
        ``value`` converted to float64, of shape ``expected_shape``.
    """
    arr = _to_float_array(value, name)
    want = tuple(int(s) for s in expected_shape)
    if arr.shape != want:
        raise GradingError(f"{name}: expected shape {want}, got {arr.shape}. Check which axis "
                           "you sum or average over, and the orientation of any weight matrix.")
    return arr


def assert_close(actual, expected, *, rtol: float = 1e-6, atol: float = 1e-8,
                 name: str = "result", hint: str = "") -> None:
    """Check ``actual`` against ``expected`` elementwise, with no broadcasting.

    Passes when ``|actual - expected| <= atol + rtol * |expected|`` everywhere.

    Parameters
    ----------
    actual : array-like, any shape
        The student's value.
    expected : array-like, same shape as ``actual``
        The value computed by the test with independent code.
    rtol, atol : float
        Relative and absolute tolerance.
    name : str
        How the value is named in the failure message.
    hint : str
        Appended to the message when the values differ.

    Raises
    ------
    GradingError
        On a shape mismatch, a NaN/inf, or values outside the tolerance.
    """
    want = _to_float_array(expected, "expected value (test bug)")
    got = assert_shape(actual, want.shape, name)
    with _errstate(all="ignore"):
        finite = _isfinite(got)
        if not finite.all():
            bad = int(got.size - finite.sum())
            raise GradingError(f"{name}: {bad} entr{'y is' if bad == 1 else 'ies are'} NaN or "
                               "inf. Look for log(0), exp overflow or a division by zero.")
        gap = (got - want).__abs__()
        allowed = want.__abs__() * rtol + atol
        over = gap > allowed
    if over.any():
        tail = f" {hint}" if hint else ""
        if want.ndim == 0:
            raise GradingError(f"{name}: {expected_got(want, got)}.{tail}")
        worst = int(((gap - allowed) * over).argmax())
        index = tuple(int(i) for i in np.unravel_index(worst, want.shape))
        raise GradingError(
            f"{name}: {int(over.sum())} of {want.size} entries are off; the worst is at index "
            f"{index}: {expected_got(want.flat[worst], got.flat[worst])}.{tail}")


def expected_got(want, got) -> str:
    """``expected A, got B (relative gap G)``, with enough digits that A and B differ.

    Two numbers that differ in the 9th digit must not print alike (``expected -2.370605, got
    -2.370605``); the relative gap says how far off the answer is.
    """
    want, got = _float(want), _float(got)
    for digits in (8, 12, 17):
        a, b = f"{want:.{digits}g}", f"{got:.{digits}g}"
        if a != b:
            break
    gap = _abs(got - want)
    size = f"relative gap {gap / _abs(want):.1e}" if want != 0 else f"gap {gap:.1e}"
    return f"expected {a}, got {b} ({size})"


def assert_labels_equal(actual, expected, *, name: str = "labels", hint: str = "") -> None:
    """Check an integer label vector exactly.

    Parameters
    ----------
    actual : array-like of shape (N,)
        The student's labels (ints, or floats holding whole numbers).
    expected : array-like of shape (N,)
        The labels the test computed.
    """
    want = _to_float_array(expected, "expected labels (test bug)")
    got = assert_shape(actual, want.shape, name)
    wrong = got != want
    if wrong.any():
        first = int(wrong.argmax())
        tail = f" {hint}" if hint else ""
        raise GradingError(f"{name}: {int(wrong.sum())} of {want.size} labels differ; the first "
                           f"is at index {first}: expected {int(want[first])}, got "
                           f"{got[first]:g}.{tail}")


def assert_true(condition: bool, message: str) -> None:
    """Raise :class:`GradingError` with ``message`` unless ``condition`` is exactly true."""
    if condition is not True and not (_isinstance(condition, np.bool_) and bool(condition)):
        raise GradingError(message)


def assert_pair(value, fn: str, what: str = "(w_new, state)") -> None:
    """Check that ``fn`` returned a pair; the message names what came back instead.

    Parameters
    ----------
    value : object
        What the student's function returned.
    fn : str
        The function's name, for the message.
    what : str
        The pair's description, e.g. ``"(loss, dW)"``.

    Raises
    ------
    GradingError
        For None (a forgotten ``return``), a non-sequence, or a tuple/list of another length.
    """
    if value is None:
        raise GradingError(f"{fn} returned None; it must return a pair {what}. Did it forget "
                           "to `return`?")
    if not _isinstance(value, (tuple, list)):
        raise GradingError(f"{fn} must return a pair {what}; got a {type(value).__name__}.")
    if len(value) != 2:
        raise GradingError(f"{fn} must return a pair {what}; got a {type(value).__name__} of "
                           f"{len(value)}.")


def relative_error(a, b) -> float:
    """Largest elementwise ``|a - b| / max(|a| + |b|, 1e-12)``, for gradient checks.

    The course's one relative error (docs/CONVENTIONS.md), the same numbers as
    ``dlhelpers.gradcheck.relative_error``: below ``1e-7`` right, above ``1e-4`` a bug.

    Parameters
    ----------
    a, b : array-like of the same shape
    """
    x = _to_float_array(a, "first argument")
    y = assert_shape(b, x.shape, "second argument")
    with _errstate(all="ignore"):
        return _float(_elementwise_relative_error(x, y).max()) if x.size else 0.0


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of the scalar function ``f`` at ``x``.

    Written here (not imported from :mod:`dlhelpers.gradcheck`) so the hidden tests check a
    student's gradient against code the student cannot have delegated to. ``x`` is modified
    in place during the evaluation and restored.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a float.
    x : numpy.ndarray of float64, any shape
    h : float
        Step size.

    Returns
    -------
    numpy.ndarray, same shape as ``x``
    """
    grad = _array(x, dtype=_float64) * 0.0
    flat = x.reshape(-1)
    out = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = _float(f(x))
        flat[i] = old - h
        down = _float(f(x))
        flat[i] = old
        out[i] = (up - down) / (2.0 * h)
    return grad


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if _isinstance(const, types.CodeType):
            yield from _code_objects(const)


def assert_no_loops(fn, name: str, *, forbidden_calls: Sequence[str] = ()) -> None:
    """Check that ``fn`` has no Python ``for``/``while`` loop and calls none of ``forbidden_calls``.

    Reads the bytecode (comprehensions and generator expressions count as loops), so it works
    on functions defined in a notebook. Loops hidden in helpers that ``fn`` calls are not seen.

    Parameters
    ----------
    fn : function
        The student's vectorized function.
    name : str
        Its name in the homework.
    forbidden_calls : sequence of str
        Global names ``fn`` must not use, e.g. its loop version.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        raise GradingError(f"{name} must be a plain function defined with `def`.")
    for part in _code_objects(code):
        # every loop jumps backwards (or iterates); straight-line array code never does
        if any(ins.opname == "FOR_ITER" or "BACKWARD" in ins.opname or ins.opname == "JUMP_ABSOLUTE"
               for ins in dis.get_instructions(part)):
            raise GradingError(f"{name} must not use a Python loop (for, while or a "
                               "comprehension): express it with array operations.")
        used = (set(part.co_names) | set(part.co_freevars)) & set(forbidden_calls)
        if used:
            raise GradingError(f"{name} calls {', '.join(sorted(used))}; the vectorized version "
                               "must do the work itself.")


# --------------------------------------------------------------------------- tampering

def check_integrity() -> None:
    """Raise :class:`TamperingDetected` if numpy's checks, builtins or this module changed.

    Also checks IPython's cell pipeline (``run_cell`` and friends, input and AST
    transformers, pre/post-run event callbacks other than plotting libraries'), trace and
    profile functions, and that ``numpy`` in ``sys.modules`` is still numpy.

    Call it at the start of every hidden test cell.
    """
    changed = [key for key, obj in _PRISTINE.items() if _current(key) is not obj]
    changed += _shell_changes()
    mod = sys.modules.get(__name__)
    for name, code in _OWN_CODE.items():
        fn = getattr(mod, name, None)
        if fn is None or getattr(fn, "__code__", None) is not code:
            changed.append(f"dlhelpers.grading.{name}")
    if changed:
        raise TamperingDetected("grading stopped: these were replaced by code in the notebook: "
                                + ", ".join(changed) + ". Remove that code and submit again.")


def integrity_report() -> str:
    """``"ok"``, or ``"changed: ..."`` naming what :func:`check_integrity` would object to.

    The grader evaluates this after every test cell through the kernel's
    ``user_expressions`` channel, which does not pass through IPython's input transformers:
    a submission that rewrites or skips test cells (so that their own check never runs) is
    still caught.
    """
    try:
        check_integrity()
    except TamperingDetected as exc:
        return "changed: " + str(exc)
    return "ok"


def _current(key: str) -> object:
    prefix, _, name = key.rpartition(".")
    if prefix == "builtins":
        return getattr(builtins, name, None)
    if prefix == "numpy.testing":
        # both the public name and the private original must still be the same object
        public = getattr(np.testing, name, None)
        private = getattr(_np_testing_private, name, None)
        return public if public is private else None
    return getattr(np, name, None)


def require_own(fn, name: str) -> Callable:
    """Check that ``fn`` is a function the student wrote, not a dlhelpers reference.

    Parameters
    ----------
    fn : object
        What the notebook's name ``name`` is bound to.
    name : str
        The function's name in the homework.

    Returns
    -------
    callable
        ``fn`` itself.
    """
    if not callable(fn):
        raise GradingError(f"{name} is not a function (got {type(fn).__name__}); keep the "
                           "`def` line given in the template.")
    module = getattr(fn, "__module__", "") or ""
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__init__", None), "__code__", None)
    filename = getattr(code, "co_filename", "") or ""
    if module.startswith("dlhelpers") or _is_dlhelpers_file(filename):
        raise GradingError(f"{name} is dlhelpers' reference implementation ({module}): "
                           f"{DELEGATION_MESSAGE}. Write the function yourself.")
    return fn


def _is_dlhelpers_file(filename: str) -> bool:
    package_dir = __file__.rsplit("/", 1)[0] + "/"
    return filename.startswith(package_dir)


# --------------------------------------------------------------------------- delegation

@functools.cache
def _raiser_code(qualname: str, nfree: int) -> types.CodeType:
    """Code object that raises PermissionError naming ``qualname``; ``nfree`` free variables.

    The raiser runs with the original function's globals, so it may use builtins only.
    """
    message = (f"{DELEGATION_MESSAGE}: the hidden tests call your own code, and "
               f"{qualname} is dlhelpers' reference implementation. Write this part yourself.")
    free = [f"_free{i}" for i in range(nfree)]
    lines = ["def _outer():"]
    lines += [f"    {v} = None" for v in free]
    lines += ["    def _raiser(*args, **kwargs):"]
    if free:
        lines += [f"        ({', '.join(free)},)"]
    lines += [f"        raise PermissionError({message!r})", "    return _raiser"]
    namespace: dict = {}
    exec(compile("\n".join(lines), f"<forbidden {qualname}>", "exec"), namespace)
    return namespace["_outer"]().__code__


def _functions_of(prefixes: Sequence[str]) -> list[types.FunctionType]:
    """Every Python function (and method) defined in modules under ``prefixes``."""
    found: dict[int, types.FunctionType] = {}

    def add(obj) -> None:
        if _isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if _isinstance(obj, property):
            for part in (obj.fget, obj.fset, obj.fdel):
                if part is not None:
                    add(part)
            return
        if _isinstance(obj, types.FunctionType):
            mod = getattr(obj, "__module__", "") or ""
            if any(mod == p or mod.startswith(p + ".") for p in prefixes):
                found[id(obj)] = obj

    for mod_name, module in list(sys.modules.items()):
        if module is None or not any(mod_name == p or mod_name.startswith(p + ".")
                                     for p in prefixes):
            continue
        for obj in list(vars(module).values()):
            add(obj)
            if _isinstance(obj, type) and (obj.__module__ or "").startswith("dlhelpers"):
                for member in list(vars(obj).values()):
                    add(member)
    return list(found.values())


@contextlib.contextmanager
def forbid_reference(modules: Sequence[str] = REFERENCE_MODULES) -> Iterator[None]:
    """Within the block, every function of the given dlhelpers modules raises.

    The modules are imported first (a lazy ``import`` inside the student's function must not
    escape), then each function's ``__code__`` is swapped for one raising
    ``PermissionError("delegating to dlhelpers is not allowed here: ...")``, and restored on
    exit. Modules that do not exist are skipped.

    Parameters
    ----------
    modules : sequence of str
        Dotted module names; submodules are included.
    """
    for name in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    originals: list[tuple[types.FunctionType, types.CodeType]] = []
    try:
        for fn in _functions_of(tuple(modules)):
            code = fn.__code__
            fn.__code__ = _raiser_code(f"{fn.__module__}.{fn.__qualname__}",
                                       len(code.co_freevars))
            originals.append((fn, code))
        yield
    finally:
        for fn, code in originals:
            fn.__code__ = code


def call_student(fn, *args, name: str | None = None,
                 modules: Sequence[str] = REFERENCE_MODULES, **kwargs):
    """Call the student's ``fn`` the way hidden tests should.

    Checks integrity and ownership, forbids dlhelpers' reference implementations during the
    call, silences warnings (a warning on stderr would zero a correct answer), and turns a
    leftover stub or a delegation into a clear :class:`GradingError`.

    Parameters
    ----------
    fn : callable
        The student's function or class.
    *args, **kwargs
        Passed to ``fn``.
    name : str, optional
        How ``fn`` is named in messages (default: ``fn.__name__``).

    Returns
    -------
    object
        Whatever ``fn`` returns.
    """
    label = name or getattr(fn, "__name__", "your function")
    check_integrity()
    require_own(fn, label)
    try:
        with warnings.catch_warnings(), _errstate(all="ignore"), forbid_reference(modules):
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except NotImplementedError:
        raise GradingError(f"{label} still raises NotImplementedError: replace the stub "
                           "with your code.") from None
    except PermissionError as exc:
        if DELEGATION_MESSAGE in str(exc):
            raise GradingError(f"{label}: {exc}") from None
        raise


_OWN_CODE.update({name: globals()[name].__code__ for name in (
    "assert_shape", "assert_close", "assert_labels_equal", "assert_true", "assert_pair",
    "relative_error", "numerical_gradient", "check_integrity", "require_own",
    "forbid_reference", "call_student", "assert_no_loops", "_to_float_array", "_current",
    "expected_got", "_shell_changes",
    "_shell", "integrity_report", "_elementwise_relative_error")})

__all__ = [
    "GradingError", "TamperingDetected", "REFERENCE_MODULES", "DELEGATION_MESSAGE",
    "assert_shape", "assert_close", "assert_labels_equal", "assert_true", "assert_pair",
    "expected_got", "relative_error",
    "numerical_gradient", "check_integrity", "integrity_report", "require_own",
    "forbid_reference", "call_student", "assert_no_loops",
]
