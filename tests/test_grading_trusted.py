"""The trusted grader's own pieces, without a kernel: the wire format, the loop analysis,
the spec's scoring rules and the sanitizer (tools/grading/{wire,analysis,spec,sanitize}.py)."""

import base64
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from grading import spec as S  # noqa: E402
from grading import wire  # noqa: E402
from grading.analysis import definitions, imports_of, loops_in  # noqa: E402
from grading.sanitize import clean_markdown, clean_output, sanitize_notebook  # noqa: E402

# ----------------------------------------------------------------------------- wire


def _encoded(value) -> bytes:
    buffer = io.BytesIO()
    arrays = {}
    structure = wire.encode(value, arrays)
    np.savez(buffer, __json__=np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8),
             **arrays)
    return buffer.getvalue()


def test_plain_data_round_trips_as_fresh_grader_objects():
    value = {"W": np.arange(6.0).reshape(2, 3), (0.1, 3): [1, 2.5, True, None, "s"],
             "t": (np.int64(3), np.float32(0.5)), "nan": float("nan")}
    back = wire.decode_bytes(_encoded(value))
    assert np.array_equal(back["W"], value["W"]) and type(back["W"]) is np.ndarray
    assert back[(0.1, 3)] == [1, 2.5, True, None, "s"]
    assert back["t"] == (3, 0.5) and type(back["t"][0]) is int
    assert np.isnan(back["nan"])


def test_objects_with_behaviour_cannot_be_sent():
    class Sneaky(np.ndarray):
        pass

    with pytest.raises(wire.WireError):
        wire.encode(object(), {})
    with pytest.raises(wire.WireError):
        wire.encode(np.array([object()]), {})
    arrays = {}
    wire.encode(np.zeros(2).view(Sneaky), arrays)
    assert type(arrays["a0"]) is np.ndarray  # a subclass is sent as a plain copy


def test_pickles_and_bombs_are_refused_by_the_reader():
    buffer = io.BytesIO()
    np.savez(buffer, __json__=np.frombuffer(b'{"__nd__": "a0"}', dtype=np.uint8),
             a0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(wire.WireError, match="object array"):
        wire.decode_bytes(buffer.getvalue())
    liar = io.BytesIO()  # a header that claims 10**10 floats, backed by 16 bytes
    with zipfile.ZipFile(liar, "w") as zf:
        head = io.BytesIO()
        np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False,
                                                    "shape": (10**10,)})
        zf.writestr("a0.npy", b"\x93NUMPY\x01\x00" + head.getvalue()[8:] + b"\0" * 16)
    with pytest.raises(wire.WireError, match="claims more data"):
        wire.decode_bytes(liar.getvalue())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__json__.npy", b"\0" * (wire.MAX_BYTES + 10))
    with pytest.raises(wire.WireError, match="too much"):
        wire.decode_bytes(bomb.getvalue())
    nested = "[" * 5000 + "]" * 5000
    buffer = io.BytesIO()
    np.savez(buffer, __json__=np.frombuffer(nested.encode(), dtype=np.uint8))
    with pytest.raises(wire.WireError):
        wire.decode_bytes(buffer.getvalue())
    with pytest.raises(wire.WireError):
        wire.decode_bytes(base64.b64encode(b"not a zip"))


# ----------------------------------------------------------------------------- analysis

LOOPY = '''
import numpy as np

def slow(a):
    return np.array([x * 2 for x in a])

alias = slow

def clean(a):
    return a * 2

def via_alias(a):
    return alias(a)

def via_local(a):
    f = slow
    return f(a)

def via_helper(a):
    return via_local(a) + clean(a)

def recursive(a):
    return a if len(a) < 2 else recursive(a[1:])

def dynamic(a):
    return globals()["slow"](a)

def vectorize(a):
    return np.vectorize(lambda x: x * 2)(a)

@staticmethod
def decorated(a):
    return a

from scipy.spatial.distance import cdist as imported

def uses_import(a):
    return imported(a, a)
'''


CLEAN = "import numpy as np\n\ndef clean(a):\n    return np.sum(a * 2)\n"


@pytest.mark.parametrize("name, why", [
    ("slow", "comprehension"), ("via_alias", "slow (reached as alias)"),
    ("via_local", "slow contains"), ("via_helper", "slow contains"),
    ("recursive", "calls itself"), ("dynamic", "globals"), ("vectorize", "vectorize"),
    ("decorated", "decorator"), ("uses_import", "imported from scipy"),
])
def test_loops_are_found_through_every_disguise(name, why):
    problems = loops_in(name, definitions([LOOPY]))
    assert any(why in p for p in problems), problems


def test_mutual_recursion_and_runtime_code_swaps_are_caught():
    mutual = "def ping(a):\n    return pong(a)\n\ndef pong(a):\n    return ping(a)\n"
    assert any("recursion" in p for p in loops_in("ping", definitions([mutual])))
    swap = "def loop(a):\n    for x in a:\n        pass\n\nclean.__code__ = loop.__code__\n"
    problems = loops_in("clean", definitions([CLEAN, swap]))
    assert any("changes code at run time" in p for p in problems), problems
    # given (locked) code of the instructor may use such names without blocking anyone
    assert loops_in("clean", definitions([CLEAN, "x = globals()"], student=[CLEAN])) == []


def test_a_clean_function_and_numpy_globals_pass():
    assert loops_in("clean", definitions([CLEAN])) == []
    later = "def clean(a):\n    for x in a:\n        pass\n    return a\n"
    assert loops_in("clean", definitions([CLEAN, later]))  # the live definition counts


def test_imports_beyond_numpy_are_listed():
    code = ["import numpy as np\nfrom dlhelpers.data import load_digits",
            "import torch\nfrom scipy.stats import mode\nfrom dlhelpers import nn",
            "import sklearn.neighbors as nb\nimport dlhelpers.knn"]
    assert imports_of(code) == ["dlhelpers.knn", "dlhelpers.nn", "scipy.stats",
                                "sklearn.neighbors", "torch"]


# ----------------------------------------------------------------------------- scoring

def _session(answers):
    def request(message, timeout):
        return answers(message)
    return S.Session(request, definitions([]), seed=1)


def test_parts_give_partial_credit_and_needs_chains_them():
    grader = S.Grader("t")

    @grader.test("t1", points=3)
    def _(s):
        with s.part(2, "values"):
            s.close(1.0, 2.0, name="v")
        with s.part(1, "style", needs="values"):
            pass

    @grader.test("t2", points=3)
    def _(s):
        with s.part(1, "values"):
            s.close(s.call("f", 1.0), 2.0)
        s.true(False, "the rest")

    verdict = S.run_test(grader.tests["t1"], _session(lambda m: {"ok": True, "value": 2.0}))
    assert verdict.score == 0.0 and len(verdict.messages) == 2
    verdict = S.run_test(grader.tests["t2"], _session(lambda m: {"ok": True, "value": 2.0}))
    assert verdict.score == 0.0  # a failure outside every part costs the whole test


def test_a_student_error_or_a_malformed_answer_is_a_failure_not_a_crash():
    grader = S.Grader("t")

    @grader.test("t", points=2)
    def _(s):
        s.close(s.call("f", np.ones(3)), np.ones(3))

    raised = S.run_test(grader.tests["t"], _session(
        lambda m: {"ok": False, "error": "ZeroDivisionError: boom"}))
    assert raised.score == 0 and "ZeroDivisionError" in raised.messages[-1]
    malformed = S.run_test(grader.tests["t"], _session(lambda m: ["not", "a", "dict"]))
    assert malformed.score == 0
    passed = S.run_test(grader.tests["t"], _session(lambda m: {"ok": True, "value": np.ones(3)}))
    assert passed.score == 2 and passed.messages == []


def test_each_session_draws_different_secret_inputs():
    a, b = (S.Session(lambda m, t: {}, definitions([])) for _ in range(2))
    assert a.seed != b.seed and not np.array_equal(a.rng.normal(size=4), b.rng.normal(size=4))


# ----------------------------------------------------------------------------- sanitizer

def test_outputs_keep_only_inert_types():
    out = clean_output({"output_type": "display_data", "metadata": {"x": {"y": 1}}, "data": {
        "text/html": '<b onclick="x()">b</b><script>alert(1)</script><img src=x onerror=y>',
        "application/javascript": "alert(1)", "image/svg+xml": "<svg onload=alert(1)/>",
        "application/vnd.jupyter.widget-view+json": {"model_id": "m"},
        "image/png": "not base64 !!", "text/latex": "\\href{javascript:alert(1)}{x}"}})
    assert out["data"]["text/html"].startswith("<b>b</b>&lt;script&gt;")
    assert "<img" not in out["data"]["text/html"] and out["metadata"] == {}
    assert set(out["data"]) == {"text/html", "text/plain"}
    assert "removed by the grader" in out["data"]["text/plain"]


def test_markdown_fetches_nothing_and_runs_nothing():
    text = clean_markdown("x < y and $a<b$ [l](javascript:alert(1)) ![i](https://e.org/i.png) "
                          "[ok](#part-1) <script>alert(1)</script> <iframe src=x></iframe>")
    assert "javascript:" not in text and "https://e.org" not in text and "(#part-1)" in text
    assert "<script>" not in text and "<iframe" not in text
    assert clean_markdown("$a < b$ and 2 < 3") == "$a < b$ and 2 < 3"  # no tag: untouched


def test_notebook_widget_state_and_attachments_are_removed():
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    cell = new_markdown_cell("hi")
    cell["attachments"] = {"a.svg": {"image/svg+xml": "<svg onload=alert(1)/>"}}
    cell.metadata["evil"] = "<script>"
    nb = new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"state": {"x": 1}}
    sanitize_notebook(nb)
    assert "widgets" not in nb.metadata and "attachments" not in nb.cells[0]
    assert "evil" not in nb.cells[0].metadata
    nbformat.validate(nb)
