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
* ``{"op": "get", "name": variable, "functions_by_name": bool}`` (with the flag, functions
  inside the value come back as ``{"__function__": name}``)
* ``{"op": "chain", "name": rule, "w": w0, "grads": [...], "state": None, "kwargs": {...}}``:
  ``w, state = rule(w, g, state, **kwargs)`` for each g; per step the result and the names
  of the inputs the call changed in place

An argument may be ``{"__callable__": kind, ...}``: a small function built here and passed
to the student's code (e.g. the ``loss_fn`` of an SGD loop); it records how it was called,
and the record comes back as ``trace``. Kinds: ``constant`` (returns ``(value,
grad * ones_like(W))``) and ``quadratic`` (``sum((W - target)**2)`` and its gradient) for
an SGD loop's ``loss_fn(W, Xb, yb, reg)``; ``linear`` (``grad_fn(w) = matrix @ w + offset``);
``rule_recorder`` (an update rule ``w - lr * dw`` whose state counts its calls),
``loss_recorder`` (``loss_fn(params, Xb, yb)``: the batch size, gradients of ones) and
``schedule_recorder`` (``lr(step) = scale / (1 + step)``) for a training loop. ``{"__callable__":
"named", "name": f, "key": k}`` passes the notebook's own function ``f`` (or ``f[k]``) (the student's rule, or a
function of the given code). An argument ``{"__rng__": seed}`` becomes
``np.random.default_rng(seed)``, built here, so a function that takes a Generator (dropout,
initializers) can be called; the grader knows the seed and replays the draws itself.
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
    if kind == "linear":  # a gradient w -> matrix @ w + offset (run_rule's grad_fn)
        matrix = _np.asarray(spec["matrix"], dtype=float)
        offset = _np.asarray(spec.get("offset", 0.0), dtype=float)

        def linear(w):
            return matrix @ _np.asarray(w, dtype=float) + offset
        return linear
    if kind == "rule_recorder":  # an update rule that records its calls; state counts calls
        def rule_recorder(w, dw, state, *, lr, **hparams):
            trace.append({"kind": "rule", "w": _np.array(w, dtype=float),
                          "dw": _np.array(dw, dtype=float), "state": state, "lr": lr,
                          "hparams": {str(k): v for k, v in hparams.items()}})
            return _np.asarray(w, dtype=float) - lr * _np.asarray(dw, dtype=float), \
                (1 if state is None else state + 1)
        return rule_recorder
    if kind == "loss_recorder":  # loss_fn(params, Xb, yb): loss = batch size, gradients 1
        def loss_recorder(params, Xb, yb):
            Xb, yb = _np.asarray(Xb), _np.asarray(yb)
            trace.append({"kind": "loss", "first_column": _np.array(Xb[:, 0], dtype=float),
                          "y": _np.array(yb, dtype=float)})
            return float(len(yb)), {k: _np.ones_like(_np.asarray(v, dtype=float))
                                    for k, v in params.items()}
        return loss_recorder
    if kind == "schedule_recorder":  # lr(step) = scale / (1 + step)
        def schedule_recorder(step):
            trace.append({"kind": "schedule", "step": step})
            return float(spec["scale"]) / (1.0 + step)
        return schedule_recorder
    raise ValueError(f"unknown callable kind {kind!r}")


def _resolve(value, trace, namespace=None):
    if isinstance(value, dict) and "__rng__" in value:
        return _np.random.default_rng(int(value["__rng__"]))
    if isinstance(value, dict) and "__callable__" in value:
        if value["__callable__"] == "named":  # a function the notebook defined, by name
            fn = (namespace or {}).get(value.get("name"))
            if value.get("key") is not None and isinstance(fn, dict):
                fn = fn.get(value["key"])  # e.g. settings["lr"]
            if not callable(fn):
                raise NameError(f"name {value.get('name')!r} is not a defined function")
            return fn
        return _make_callable(value, trace)
    return value


def _by_name(value):
    """``value`` with every function replaced by ``{"__function__": its name}``."""
    if callable(value) and not isinstance(value, type):
        return {"__function__": str(getattr(value, "__name__", "?"))}
    if isinstance(value, dict):
        return {k: _by_name(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_by_name(v) for v in value)
    return value


def _same(a, b):
    """Whether ``a`` still equals the snapshot ``b`` (arrays, dicts, lists, scalars)."""
    if isinstance(b, _np.ndarray):
        return isinstance(a, _np.ndarray) and a.shape == b.shape and \
            bool(_np.array_equal(a, b, equal_nan=True))
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and \
            all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except Exception:
        return False


def _chain(fn, request):
    """An update rule run step after step on its own state: per step, the result and which
    inputs (w, dw, state) the call changed in place."""
    import copy as _copy

    w, state, steps = request.get("w"), request.get("state"), []
    kwargs = request.get("kwargs", {})
    for g in request.get("grads", []):
        before = _copy.deepcopy((w, g, state))
        result = fn(w, g, state, **kwargs)
        changed = [n for n, now, then in zip(("w", "dw", "state"), (w, g, state), before, strict=True)
                   if not _same(now, then)]
        steps.append({"result": _copy.deepcopy(result), "changed": changed})
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            break
        w, state = result
    return steps


def _answer(request, namespace):
    op, name = request.get("op"), request.get("name")
    if op == "get":
        if name not in namespace:
            return {"ok": False, "error": f"NameError: name {name!r} is not defined"}
        value = namespace[name]
        if request.get("functions_by_name"):
            value = _by_name(value)
        return {"ok": True, "value": value}
    fn = namespace.get(name)
    if fn is None:
        return {"ok": False, "error": f"NameError: name {name!r} is not defined"}
    trace = []
    if op == "call":
        args = [_resolve(a, trace, namespace) for a in request.get("args", [])]
        kwargs = {k: _resolve(v, trace, namespace) for k, v in request.get("kwargs", {}).items()}
        value = fn(*args, **kwargs)
        answer = {"ok": True, "value": value, "trace": trace}
        if request.get("return_args"):
            answer["args_after"] = [a for a in args if not callable(a)
                                    and not isinstance(a, _np.random.Generator)]
        return answer
    if op == "chain":
        return {"ok": True, "value": _chain(fn, request), "trace": trace}
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
