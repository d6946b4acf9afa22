"""The trusted grader's own pieces, without a kernel: the wire format, the loop analysis,
the spec's scoring rules and the sanitizer (tools/grading/{wire,analysis,spec,sanitize}.py)."""

import base64
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tools.grading import spec as S
from tools.grading import wire
from tools.grading.analysis import DefinitionReader, definitions, imports_of, loops_in
from tools.grading.sanitize import clean_markdown, clean_output, sanitize_notebook

ROOT = Path(__file__).resolve().parents[1]


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
    assert any("cannot tell" in p for p in problems), problems  # the code swap is caught
    # Every cell is read, the instructor's given cells too: a student can add a cell that
    # claims to be "locked" in its metadata, so no cell is exempt (given code stays clean).
    assert any("cannot tell" in p for p in loops_in("clean", definitions([CLEAN, "x = globals()"])))


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


# An independent attacker's disguises (each earned the "no loops" points on hw1 before)
DISGUISES = {
    "key_callback": ("def f(A):\n    rows = []\n    sorted(range(len(A)), key=lambda i: "
                     "rows.append(A[i] * 2) or i)\n    return np.array(rows)\n", "key= callback"),
    "mutual_recursion": ("def g(A, i):\n    return h(A, i)\n\ndef h(A, i):\n    return 0 if "
                         "i == len(A) else A[i] + g(A, i + 1)\n\ndef f(A):\n    return g(A, 0)\n",
                         "calls itself"),
    "self_application": ("def f(A):\n    step = lambda me, i: 0 if i == len(A) else A[i] + "
                         "me(me, i + 1)\n    return step(step, 0)\n", "recursion in disguise"),
    "local_recursion": ("def f(A):\n    def rows(i):\n        return 0 if i == len(A) else "
                        "A[i] + rows(i + 1)\n    return rows(0)\n", "calls itself"),
    "code_swap": ("def slow(A):\n    return [a for a in A]\n\ndef f(A):\n    return A\n\n"
                  "f.__code__ = slow.__code__\n", "cannot tell which code"),
    "numpy_smuggle": ("def slow(A):\n    return [a for a in A]\n\nnp.fast = slow\n\ndef f(A):\n"
                      "    return np.fast(A)\n", "sets an attribute of np"),
    "setattr_at_top": ("def slow(A):\n    return [a for a in A]\n\ndef f(A):\n    return A\n\n"
                       "setattr(__import__('__main__'), 'f', slow)\n", "uses setattr"),
    "installer_called": ("def slow(A):\n    return [a for a in A]\n\ndef f(A):\n    return A\n\n"
                         "def _install():\n    globals()['f'] = slow\n\n_install()\n",
                         "run by your top-level code"),
    "global_statement": ("def slow(A):\n    return [a for a in A]\n\ndef f(A):\n    return A\n\n"
                         "def _install():\n    global f\n    f = slow\n", "global"),
    "if_block": ("def f(A):\n    return A\n\nif True:\n    def f(A):\n        return [a for a "
                 "in A]\n", "inside a block"),
    "cell_magic": ("def f(A):\n    return A\n", "%%capture\ndef f(A):\n    return [a for a in A]\n",
                   "comprehension"),
    "local_class": ("def f(A):\n    class Rows:\n        def __getitem__(self, i):\n"
                    "            return A[i] * 2\n    return np.array(list(Rows()))\n",
                    "class Rows defined inside"),
    "run_magic": ("def f(A):\n    return A\n\n%run other.py\n", "magic %run"),
}


@pytest.mark.parametrize("kind", sorted(DISGUISES))
def test_an_attackers_loop_disguises_are_found(kind):
    *cells, why = DISGUISES[kind]
    problems = loops_in("f", definitions(["import numpy as np\n", *cells]))
    assert any(why in p for p in problems), problems


def _readable(defs) -> dict:
    """Definitions as plain data (syntax trees dumped), to compare two readings."""
    import ast
    import dataclasses

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, set):
            return sorted(value)
        return ast.dump(value) if isinstance(value, ast.AST) else value

    return {f.name: plain(getattr(defs, f.name)) for f in dataclasses.fields(defs)}


def test_reading_cell_by_cell_gives_what_reading_them_all_gives():
    """The grader reads each cell once (DefinitionReader) instead of reading every cell
    again at each test cell; after each cell it must hold what definitions() of all the
    cells so far holds, on every disguise above (a `global` rebinding, magics, blocks...)."""
    cells = [("import numpy as np\n", False)]
    for kind in sorted(DISGUISES):
        cells += [(c, False) for c in DISGUISES[kind][:-1]]
    cells.insert(5, ("1 / 0\n\ndef f(A):\n    return A\n", True))
    reader = DefinitionReader()
    for n, (source, raised) in enumerate(cells, 1):
        reader.add(source, raised)
        assert _readable(reader.current()) == _readable(definitions(cells[:n])), n
    assert _readable(reader.current())["opaque"]  # the sequence did make names unreadable


@pytest.mark.parametrize("value", [None, 3, (1, 2, 3), "ab"])
def test_the_grader_and_the_visible_tests_say_the_same_of_a_non_pair(value):
    from dlhelpers.grading import GradingError
    from dlhelpers.grading import assert_pair as visible

    with pytest.raises(GradingError) as seen:
        visible(value, "svm_loss", "(loss, dW)")
    with pytest.raises(S.Fail) as graded:
        S.assert_pair(value, "svm_loss", "(loss, dW)")
    assert str(graded.value) == str(seen.value) and "svm_loss" in str(graded.value)
    assert S.assert_pair([1, 2], "svm_loss", "(loss, dW)") == [1, 2]


def test_a_cell_that_raised_makes_its_definitions_unreadable():
    cells = [("def f(A):\n    return [a for a in A]\n", False),
             ("1 / 0\n\ndef f(A):\n    return A\n", True)]  # the kernel kept the first f
    assert any("raised an error" in p for p in loops_in("f", definitions(cells)))
    assert loops_in("f", definitions([(cells[1][0], False)])) == []


def test_honest_magics_and_numpy_calls_keep_a_clean_function_clean():
    cells = ["import numpy as np\nnp.random.seed(0)\nnp.set_printoptions(precision=3)\n",
             "%%time\ndef f(A):\n    return np.sqrt((A * A).sum(axis=1))\n",
             "%timeit f(np.ones((3, 3)))\n!ls\n%matplotlib inline\nx = f(np.ones((2, 2)))\n"]
    assert loops_in("f", definitions(cells)) == []


@pytest.mark.parametrize("markdown", [
    "[x](javascript&#58;alert(1))", "[x](&#106;avascript:alert(1))", "[x](javascript\\:alert(1))",
    "[x](java&Tab;script:alert(1))", "![p](http&#58;//evil.example/p.png)",
    "> [r]: javascript:alert(1)\n>\n> [x][r]", "- [r]: javascript:alert(1)\n\n[x][r]",
    "1. [r]:\n   javascript:alert(1)\n\n[x][r]"])
def test_markdown_links_that_decode_to_a_script_are_neutral_once_rendered(markdown):
    """An independent attacker's forms: entities, backslash escapes and definitions inside a
    blockquote or a list rendered ``href="javascript:alert(1)"`` in feedback and formgrader."""
    from nbconvert.filters.markdown import markdown2html

    rendered = markdown2html(clean_markdown(markdown))
    assert "javascript:" not in rendered and "http://evil" not in rendered, rendered


def test_markdown_backstop_escapes_what_the_rewrites_miss():
    from tools.grading.sanitize import _renders_unsafe

    assert _renders_unsafe("[x](javascript:alert(1))")  # what the rewrites normally catch
    assert not _renders_unsafe("[docs](#part-1) and `x[i](j)` with $a < b$")


@pytest.mark.parametrize("cell, why", [
    ("f.__globals__['f'] = slow\n", "__globals__"),
    ("import __main__\nobject.__setattr__(__main__, 'f', slow)\n", "__setattr__"),
    ("open('/tmp/m.py', 'w').write('...')\nimport m\n", "imports m"),
    ("np.load('/tmp/p.npy', allow_pickle=True)\n", "pickles"),
])
def test_rebinding_through_data_or_dunders_fails_the_no_loop_check(cell, why):
    base = "import numpy as np\n\ndef slow(A):\n    return [a for a in A]\n\ndef f(A):\n    return A\n"
    assert loops_in("f", definitions([base])) == []
    problems = loops_in("f", definitions([base, cell]))
    assert any(why in p for p in problems), problems


def test_a_bare_web_address_in_a_written_answer_keeps_the_answer_readable():
    text = "See https://cs231n.github.io for more: <b>it</b> & that."
    assert clean_markdown(text) == "See https://cs231n.github.io for more: <b>it</b> &amp; that."
