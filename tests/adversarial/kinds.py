"""Adversarial submissions for the grading pipeline, generated at test time.

A tiny homework (``square`` worth 2 points, ``half`` worth 1, one written answer) keeps each
submission fast to execute. Every adversarial student solves ``square`` honestly and attacks
in the ``half`` answer cell, so what each may earn is known without running anything:
``test_square`` 2 points when the kernel survives to grade it, ``test_half`` 0 unless the
half it defines is a correct one written by the student (then 1).
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
### BEGIN HIDDEN TESTS
G.check_integrity()
G.assert_close(G.call_student(square, np.arange(4.0)), np.arange(4.0) ** 2, name="square_arr")
### END HIDDEN TESTS
"""
HALF = '''
def half(x):
    """x / 2."""
    ### BEGIN SOLUTION
    return x / 2
    ### END SOLUTION
'''
TEST_HALF = """
from dlhelpers import grading as G

G.assert_close(G.call_student(half, 4.0), 2.0, name="half(4)")
### BEGIN HIDDEN TESTS
G.check_integrity()
G.assert_close(G.call_student(half, -1.0), -0.5, name="hidden_half_negative")
### END HIDDEN TESTS
"""
SECRET = "hidden_half_negative"  # appears only in the hidden tests

WRONG_HALF = "\n\ndef half(x):\n    return x\n"
RIGHT_HALF = "\n\ndef half(x):\n    return x / 2\n"
FAILED = None  # expected scores of a submission nbgrader cannot grade: all 0, flagged


def tiny_source() -> nbformat.NotebookNode:
    """The instructor notebook of the tiny homework."""
    import sys

    builders = Path(__file__).resolve().parents[2] / "assignments" / "builders"
    sys.path.insert(0, str(builders))
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
    build: Callable[[Context], nbformat.NotebookNode | bytes]
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
        cell.source = code.format(**ctx.targets)
        return nb
    return build


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

OK_SQUARE = {"test_square": 2.0, "test_half": 0.0}
FULL = {"test_square": 2.0, "test_half": 1.0}


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
             "tampering"),
        Kind("patch_allclose", attack("import numpy as np\nnp.allclose = lambda *a, **k: True"
                                      + WRONG_HALF), OK_SQUARE, "tampering"),
        Kind("patch_builtins", attack("import builtins\nbuiltins.abs = lambda x: 0" + WRONG_HALF),
             OK_SQUARE, "tampering"),
        Kind("patch_grading", attack("from dlhelpers import grading\ngrading.assert_close = "
                                     "lambda *a, **k: None" + WRONG_HALF), OK_SQUARE,
             "tampering"),
        Kind("blank_tests", attack(BLANK_TESTS), OK_SQUARE, "tampering"),
        Kind("delegates", attack("from dlhelpers.nn import mse\n\n\ndef half(x):\n"
                                 "    mse(np.zeros(1), np.zeros(1))\n    return x / 2\n"),
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
    if isinstance(made, bytes):
        path.write_bytes(made)
    else:
        path.write_text(json.dumps(made, indent=1))
    return path
