"""What the grader reads from the student's code itself (never from the kernel's word).

Two questions, answered from the notebook's source with :mod:`ast` in the grader process:

* :func:`loops_in` -- does a function marked *vectorized* loop? The function's live
  definition at the test cell is found among the top-level statements of the cells run
  before it; its body is searched for ``for``/``while``/comprehensions and for calls that
  loop in disguise (``np.vectorize``, ``map``...); every other student-defined function it
  names (directly, through a module-level alias such as ``fast = slow_version``, or a local
  one) is searched the same way, to any depth. Code the grader cannot follow (a decorated
  definition, a name bound by ``import``/``exec``/``globals()``, ``eval``, ``getattr`` with
  a computed name, ``setattr``...) counts as a failure with that reason: the points for
  "no loops" need a function the grader can read.
* :func:`imports_of` -- modules the student's own code imports, for the delegation flag
  (anything outside :data:`ALLOWED_IMPORTS`). The real barrier is the sandbox, which does
  not contain torch, scipy or scikit-learn and holds stubs in place of dlhelpers' reference
  modules; this scan only tells the instructor who tried.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Calls that run a Python-level loop for you.
LOOPING_CALLS = {"vectorize", "frompyfunc", "apply_along_axis", "apply_over_axes", "fromiter",
                 "map", "filter", "reduce", "starmap", "accumulate", "iterate", "fromfunction",
                 "piecewise", "nditer", "ndenumerate", "ndindex"}
#: Names whose use means the grader cannot tell what code runs.
DYNAMIC_NAMES = {"exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
                 "delattr", "__import__", "__builtins__", "__dict__", "__code__", "FunctionType",
                 "importlib", "get_ipython", "sys"}
#: Names whose use anywhere in the student's cells can swap a function's code at run time.
RUNTIME_CODE_NAMES = {"exec", "eval", "compile", "globals", "setattr", "__code__",
                      "FunctionType", "__dict__", "__globals__", "__builtins__"}
#: Modules an honest answer may import (numpy, plotting, the standard library's basics and
#: the dlhelpers modules that are not reference implementations).
ALLOWED_IMPORTS = {"numpy", "math", "time", "matplotlib", "functools", "itertools",
                   "collections", "typing", "dataclasses", "warnings", "random", "statistics",
                   "dlhelpers", "dlhelpers.data", "dlhelpers.grading", "dlhelpers.plots",
                   "dlhelpers.gradcheck", "__future__", "IPython.display"}


@dataclass
class Definitions:
    """Top-level bindings of the student's code, in execution order."""

    functions: dict[str, ast.AST] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    opaque: dict[str, str] = field(default_factory=dict)  # name -> why it cannot be read
    dynamic: list[str] = field(default_factory=list)      # dynamic constructs seen anywhere


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _bind(defs: Definitions, name: str, *, function=None, alias=None, why=None) -> None:
    for table in (defs.functions, defs.aliases, defs.opaque):
        table.pop(name, None)
    if function is not None:
        defs.functions[name] = function
    elif alias is not None:
        defs.aliases[name] = alias
    else:
        defs.opaque[name] = why or "bound in a way the grader cannot read"


def _targets(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)]


def definitions(sources: Iterable[str], student: Iterable[str] | None = None) -> Definitions:
    """The top-level functions, aliases and opaque bindings made by ``sources`` in order.

    ``student`` (default: all of ``sources``) are the cells the student wrote; a dynamic
    construct anywhere in them is recorded in ``dynamic``.
    """
    sources = list(sources)
    defs = Definitions()
    for source in sources if student is None else student:
        tree = _parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in RUNTIME_CODE_NAMES:
                defs.dynamic.append(node.id)
            elif isinstance(node, ast.Attribute) and node.attr in RUNTIME_CODE_NAMES:
                defs.dynamic.append(node.attr)
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if stmt.decorator_list:
                    _bind(defs, stmt.name, why="it is wrapped by a decorator")
                else:
                    _bind(defs, stmt.name, function=stmt)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name):
                for name in _targets(stmt):
                    _bind(defs, name, alias=stmt.value.id)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Lambda):
                for name in _targets(stmt):
                    _bind(defs, name, function=stmt.value)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    _bind(defs, (alias.asname or alias.name).split(".")[0],
                          why=f"it is imported from {getattr(stmt, 'module', None) or alias.name}")
            elif isinstance(stmt, ast.ClassDef):
                _bind(defs, stmt.name, why="it is a class")
            else:
                for name in _targets(stmt):
                    _bind(defs, name, why="it is assigned by a computed expression")
    return defs


def _loops_in_body(node: ast.AST) -> list[str]:
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, (ast.For, ast.AsyncFor)):
            found.append("a for loop")
        elif isinstance(sub, ast.While):
            found.append("a while loop")
        elif isinstance(sub, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            found.append("a comprehension")
        elif isinstance(sub, ast.Call):
            func = sub.func
            called = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if called in LOOPING_CALLS:
                found.append(f"a call to {called} (a loop in disguise)")
    return found


def _names_used(node: ast.AST) -> tuple[set[str], set[str]]:
    """(global names read, global names called) by a function: its own locals excluded."""
    local = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                    arguments.vararg, arguments.kwarg]:
            if arg is not None:
                local.add(arg.arg)
    declared_global = {n for sub in ast.walk(node) if isinstance(sub, (ast.Global, ast.Nonlocal))
                       for n in sub.names}
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
              and isinstance(n.ctx, (ast.Store, ast.Del))} - declared_global
    local |= {sub.name for sub in ast.walk(node) if sub is not node
              and isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef))}
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)} - local
    called = {sub.func.id for sub in ast.walk(node) if isinstance(sub, ast.Call)
              and isinstance(sub.func, ast.Name)} - local
    return read, called


def _resolve(name: str, defs: Definitions) -> str:
    hops = 0
    while name in defs.aliases and hops < 50:  # fast = slow_version
        name, hops = defs.aliases[name], hops + 1
    return name


def loops_in(name: str, defs: Definitions) -> list[str]:
    """Why ``name`` is not loop-free (empty when it is), following every student function.

    A global the function reads is followed when the student defined it as a function (or
    an alias of one); a name bound in a way the grader cannot read (an import, a computed
    assignment, a decorated ``def``) is a problem only where it is called. Recursion,
    direct or through other functions, is a loop. Code anywhere in the student's cells that
    rebinds code at run time (``exec``, ``setattr``, ``__code__``, ``globals()``...) makes
    the answer unverifiable.
    """
    problems: list[str] = []
    if defs.dynamic:
        problems.append("the notebook changes code at run time ("
                        + ", ".join(sorted(set(defs.dynamic))[:5])
                        + "), so the grader cannot tell what runs")
    done: set[str] = set()

    def visit(current: str, via: str, called: bool, path: tuple[str, ...]) -> None:
        current = _resolve(current, defs)
        shown = current if via == current else f"{current} (reached as {via})"
        if current in path:
            problems.append(f"{shown} calls back into {path[-1]} (recursion is a loop)")
            return
        if current in defs.opaque:
            if called:
                problems.append(f"{shown}: the grader cannot read it: {defs.opaque[current]}")
            return
        node = defs.functions.get(current)
        if node is None or current in done:
            return  # numpy, builtins...: not student code; or already checked
        done.add(current)
        for loop in dict.fromkeys(_loops_in_body(node)):
            problems.append(f"{shown} contains {loop}")
        read, calls = _names_used(node)
        dynamic = (read | calls) & DYNAMIC_NAMES
        dynamic |= {sub.attr for sub in ast.walk(node) if isinstance(sub, ast.Attribute)
                    and sub.attr in DYNAMIC_NAMES}
        if dynamic:
            problems.append(f"{shown} uses {', '.join(sorted(dynamic))}: the grader cannot "
                            "tell what it calls")
        if current in read:
            problems.append(f"{shown} calls itself (recursion is a loop)")
        for other in sorted(read - {current}):
            if other in defs.functions or other in defs.aliases or other in defs.opaque:
                visit(other, other, other in calls, (*path, current))

    visit(name, name, True, ())
    return list(dict.fromkeys(problems))


def imports_of(sources: Iterable[str]) -> list[str]:
    """Modules imported by ``sources`` that an honest answer does not need (sorted)."""
    found = set()
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names
                                         if node.module == "dlhelpers"]
            else:
                continue
            for mod in names:
                top = mod.split(".")[0]
                if mod in ALLOWED_IMPORTS or (top in ALLOWED_IMPORTS and top != "dlhelpers"
                                              and top != "IPython"):
                    continue
                if top == "dlhelpers" and mod == "dlhelpers":
                    continue
                found.add(mod)
    return sorted(found)
