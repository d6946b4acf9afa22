"""The kernel side of trusted grading: answer the grader's call requests with plain data.

This file is not imported by the grader. :mod:`grading.trusted` sends its source (after the
source of :mod:`grading.wire`, for the encoder) to the student's kernel once, before the
first student cell runs; both are executed into one private module, ``_dl_grader_harness``.
For each call the grader writes ``req-<token>.npz`` into a folder the kernel may only read
and evaluates ``serve("<path>", globals())`` as a ``user_expressions`` entry; the answer
(the encoded ``.npz`` in base64) comes back as that expression's value.

Nothing here is trusted. The student controls this process and may replace any of it; the
only effect is on the student's own answers, which the grader reads as plain data, checks
itself and compares with values the kernel never sees.

Requests (decoded with the same strict reader the grader uses):

* ``{"op": "call", "name": f, "args": [...], "kwargs": {...}, "return_args": bool}``
* ``{"op": "call_many", "name": f, "calls": [[args, kwargs], ...]}``
* ``{"op": "get", "name": variable}``

An argument may be ``{"__callable__": kind, ...}``: a small function built here and passed
to the student's code (e.g. the ``loss_fn`` of an SGD loop); it records how it was called,
and the record comes back as ``trace``. Kinds: ``constant`` (returns ``(value,
grad * ones_like(W))``) and ``quadratic`` (``sum((W - target)**2)`` and its gradient).
An argument ``{"__rng__": seed}`` becomes ``np.random.default_rng(seed)``, built here, so a
function that takes a Generator (dropout, initializers) can be called; the grader knows the
seed and replays the draws itself.
"""

import traceback as _traceback
import warnings as _warnings

import numpy as _np


def _make_callable(spec, trace):
    kind = spec.get("__callable__")

    def record(W, Xb, yb, reg):
        Xb, yb = _np.asarray(Xb), _np.asarray(yb)
        trace.append({"X_shape": tuple(Xb.shape), "y_shape": tuple(yb.shape),
                      "reg": float(reg), "first_column": _np.array(Xb[:, 0], dtype=float)
                      if Xb.ndim == 2 and Xb.shape[1] else _np.zeros(0)})

    if kind == "constant":
        def constant(W, Xb, yb, reg):
            record(W, Xb, yb, reg)
            return float(spec["value"]), _np.full_like(_np.asarray(W, dtype=float),
                                                      float(spec["grad"]))
        return constant
    if kind == "quadratic":
        target = _np.asarray(spec["target"], dtype=float)

        def quadratic(W, Xb, yb, reg):
            record(W, Xb, yb, reg)
            gap = _np.asarray(W, dtype=float) - target
            return float((gap * gap).sum()), 2.0 * gap
        return quadratic
    raise ValueError(f"unknown callable kind {kind!r}")


def _resolve(value, trace):
    if isinstance(value, dict) and "__rng__" in value:
        return _np.random.default_rng(int(value["__rng__"]))
    if isinstance(value, dict) and "__callable__" in value:
        return _make_callable(value, trace)
    return value


def _answer(request, namespace):
    op, name = request.get("op"), request.get("name")
    if op == "get":
        if name not in namespace:
            return {"ok": False, "error": f"NameError: name {name!r} is not defined"}
        return {"ok": True, "value": namespace[name]}
    fn = namespace.get(name)
    if fn is None:
        return {"ok": False, "error": f"NameError: name {name!r} is not defined"}
    trace = []
    if op == "call":
        args = [_resolve(a, trace) for a in request.get("args", [])]
        kwargs = {k: _resolve(v, trace) for k, v in request.get("kwargs", {}).items()}
        value = fn(*args, **kwargs)
        answer = {"ok": True, "value": value, "trace": trace}
        if request.get("return_args"):
            answer["args_after"] = [a for a in args if not callable(a)
                                    and not isinstance(a, _np.random.Generator)]
        return answer
    if op == "call_many":
        values = [fn(*args, **kwargs) for args, kwargs in request.get("calls", [])]
        return {"ok": True, "value": values, "trace": trace}
    return {"ok": False, "error": f"unknown request {op!r}"}


def serve(request_path, namespace):
    """Answer the request file at ``request_path``: base64 of the encoded answer."""
    import base64 as _b64
    import io as _io

    try:
        with open(request_path, "rb") as fh:
            request = decode_bytes(fh.read())  # noqa: F821 (from wire, executed alongside)
        with _warnings.catch_warnings(), _np.errstate(all="ignore"):
            _warnings.simplefilter("ignore")
            answer = _answer(request, namespace)
    except BaseException as exc:  # the student's error is part of the answer
        frames = _traceback.extract_tb(exc.__traceback__)
        where = frames[-1].name if frames else ""
        answer = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:400]}",
                  "where": where}
    buffer = _io.BytesIO()
    try:
        _encode_into(buffer, answer)
    except Exception as exc:
        value = answer.get("value")
        buffer = _io.BytesIO()
        _encode_into(buffer, {"ok": False, "error": f"the result ({type(value).__name__}) "
                              f"is not plain numbers or arrays: {str(exc)[:200]}"})
    return _b64.b64encode(buffer.getvalue()).decode("ascii")


def _encode_into(buffer, value):
    import json as _json

    arrays = {}
    structure = encode(value, arrays)  # noqa: F821
    _np.savez(buffer, __json__=_np.frombuffer(_json.dumps(structure).encode(), dtype=_np.uint8),
              **arrays)
