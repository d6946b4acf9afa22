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
  "no loops" need a function the grader can read. Cells are read as IPython compiles them
  (magics included), and anything that can make the kernel hold another definition than
  the one read here (a module or function attribute set, ``global`` in a function, a
  ``def`` inside a block or in a cell that raised, pickles, a module of the student's own)
  fails the check for every function: an independent attacker used each of these to earn
  the points with looping code.
* :func:`imports_of` -- modules the student's own code imports, for the delegation flag
  (anything outside :data:`ALLOWED_IMPORTS`). The real barrier is the sandbox, which does
  not contain torch, scipy or scikit-learn and holds stubs in place of dlhelpers' reference
  modules; this scan only tells the instructor who tried.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Calls that run a Python-level loop for you.
LOOPING_CALLS = {"vectorize", "frompyfunc", "apply_along_axis", "apply_over_axes", "fromiter",
                 "map", "filter", "reduce", "starmap", "accumulate", "iterate", "fromfunction",
                 "piecewise", "nditer", "ndenumerate", "ndindex"}
#: Names whose use means the grader cannot tell what code runs.
DYNAMIC_NAMES = {"exec", "eval", "compile", "globals", "locals", "vars", "getattr", "setattr",
                 "delattr", "__import__", "__builtins__", "__dict__", "__code__", "FunctionType",
                 "importlib", "get_ipython", "sys",
                 # f.__globals__["name"] = other, object.__setattr__(module, "name", other)
                 "__globals__", "__setattr__", "__delattr__", "__defaults__", "__kwdefaults__",
                 "__closure__"}
#: Magics whose argument is code run in the notebook's namespace: read as code.
CODE_MAGICS = {"time", "timeit", "capture", "prun"}
#: Magics (and shell commands) that cannot rebind a name of the notebook.
INERT_MAGICS = {"!", "matplotlib", "who", "whos", "pwd", "precision", "pinfo", "pinfo2"}
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
    tainted: list[str] = field(default_factory=list)      # why any name may hold other code
    rebound: set[str] = field(default_factory=set)        # names a `global` statement binds
    imported: set[str] = field(default_factory=set)       # names bound by an import
    dirty: dict[str, str] = field(default_factory=dict)   # function -> how it rebinds things
    top_refs: set[str] = field(default_factory=set)       # names top-level code reads


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _bind(defs: Definitions, name: str, *, function=None, alias=None, why=None) -> None:
    for table in (defs.functions, defs.aliases, defs.opaque, defs.dirty):
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


def _as_python(source: str) -> str:
    """``source`` as the kernel compiles it: IPython's ``%magic``/``!cmd`` lines turned into
    calls (an attacker's trick: a cell starting with ``%%capture`` did not parse here, so the
    loop-free ``def`` of an earlier cell counted while the kernel ran the looping one)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # IPython missing or a cell it cannot transform: read it as written
        return source


def _magic(stmt: ast.stmt) -> tuple[str, str | None] | None:
    """(magic name, its code) when ``stmt`` is ``get_ipython().run_*_magic(...)``/``system``."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Call)
            and isinstance(call.func.value.func, ast.Name)
            and call.func.value.func.id == "get_ipython"):
        return None
    texts = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
             for a in call.args]
    kind = call.func.attr
    if kind in ("system", "getoutput"):
        return "!", None
    if kind == "run_line_magic" and len(texts) == 2 and texts[0]:
        return texts[0], texts[1]
    if kind == "run_cell_magic" and len(texts) == 3 and texts[0] and texts[2] is not None:
        return texts[0], texts[2]
    return str(kind), None


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _tampering(tree: ast.AST, defs: Definitions) -> list[str]:
    """Run-time rebinding the top-level statements would not show (see :func:`definitions`)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
            found.append(f"it uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_NAMES:
            found.append(f"it uses .{node.attr}")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            defs.rebound.update(node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = _root_name(node)
            # np.fast = slow_loop; f.__code__ = ...: a module's or a function's attribute
            if root in defs.functions or root in defs.aliases or root in defs.imported:
                found.append(f"it sets an attribute of {root}")
        elif isinstance(node, ast.Call) and any(k.arg == "allow_pickle" for k in node.keywords):
            found.append("it loads pickles (which can run any code)")
        elif isinstance(node, ast.Call) and _magic(ast.Expr(node)) is not None:
            name, _ = _magic(ast.Expr(node))
            if name not in INERT_MAGICS:
                found.append(f"it runs the magic %{name} inside an expression")
    return found


#: Modules that can run code given as data or rebind a name of the notebook.
RUNS_CODE = {"pickle", "runpy", "ctypes", "marshal", "code", "codeop", "types", "inspect", "gc",
             "builtins", "__main__", "shelve", "copyreg", "IPython", "_dl_grader_harness",
             "dill", "cloudpickle", "joblib"}


def _can_rebind(module: str) -> bool:
    """A module in :data:`RUNS_CODE`, or one not installed here (the student's own file)."""
    import importlib.util

    top = module.split(".")[0]
    if top in RUNS_CODE:
        return True
    try:
        return importlib.util.find_spec(top) is None
    except (ImportError, ValueError):
        return True


def _read_cell(defs: Definitions, source: str, raised: bool, depth: int = 0) -> None:
    tree = _parse(_as_python(source))
    if tree is None:
        return  # the kernel could not compile it either: it defined nothing
    bound: list[str] = []
    for stmt in tree.body:
        magic = _magic(stmt)
        if magic is not None:
            name, code = magic
            if name in CODE_MAGICS and code is not None and depth < 3:
                _read_cell(defs, code, raised, depth + 1)  # %%time, %%capture: code as written
            elif name not in INERT_MAGICS:
                defs.tainted.append(f"the magic %{name} runs code the grader cannot read")
            continue
        is_def = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or (
            isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Lambda))
        tampering = _tampering(stmt, defs)
        if not is_def:
            defs.tainted.extend(tampering)
            defs.top_refs |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                              and isinstance(n.ctx, ast.Load)}
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
                defs.dynamic.append(node.id)
            elif isinstance(node, ast.Attribute) and node.attr in DYNAMIC_NAMES:
                defs.dynamic.append(node.attr)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.decorator_list:
                _bind(defs, stmt.name, why="it is wrapped by a decorator")
            else:
                _bind(defs, stmt.name, function=stmt)
            bound.append(stmt.name)
            if tampering:
                defs.dirty[stmt.name] = tampering[0]
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name):
            for name in _targets(stmt):
                _bind(defs, name, alias=stmt.value.id)
                bound.append(name)
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Lambda):
            for name in _targets(stmt):
                _bind(defs, name, function=stmt.value)
                bound.append(name)
                if tampering:
                    defs.dirty[name] = tampering[0]
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for module in imports_of([ast.unparse(stmt)]):
                # a module of the student's own (written with open()) or one that can run
                # code (pickle, runpy, ctypes...) can rebind any name
                if _can_rebind(module):
                    defs.tainted.append(f"it imports {module}")
            for alias in stmt.names:
                name = (alias.asname or alias.name).split(".")[0]
                _bind(defs, name,
                      why=f"it is imported from {getattr(stmt, 'module', None) or alias.name}")
                defs.imported.add(name)
                bound.append(name)
        elif isinstance(stmt, ast.ClassDef):
            _bind(defs, stmt.name, why="it is a class")
            bound.append(stmt.name)
        else:
            # an if/for/try/with block binds what it binds only if that branch runs (a
            # `def` inside `if True:` was invisible here while the kernel ran it)
            names = _targets(stmt) + [n.name for n in ast.walk(stmt) if isinstance(
                n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
            names += [(a.asname or a.name).split(".")[0] for n in ast.walk(stmt)
                      if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]
            compound = not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign,
                                             ast.Expr))
            for name in names:
                _bind(defs, name, why="it is defined inside a block" if compound else
                      "it is assigned by a computed expression")
                bound.append(name)
    if raised:  # the kernel may have stopped before (or after) any of these definitions
        for name in bound:
            _bind(defs, name, why="the cell that defines it raised an error, so the grader "
                  "cannot tell which definition your kernel holds")


def definitions(sources: Iterable[str | tuple[str, bool]]) -> Definitions:
    """The top-level functions, aliases and opaque bindings made by ``sources`` in order.

    Each source is a cell's code, or ``(code, raised)`` when the grader knows whether the
    cell raised. Besides the top-level statements, it records what could rebind names at
    run time where no statement shows it (``defs.tainted``: a module or function attribute
    set, ``exec``/``globals()``/``setattr``, a magic that runs code) and names assigned
    through ``global`` inside a function (opaque from then on).
    """
    reader = DefinitionReader()
    for item in sources:
        source, raised = (item, False) if isinstance(item, str) else item
        reader.add(source, bool(raised))
    return reader.current()


class DefinitionReader:
    """:func:`definitions` one cell at a time: each cell is read once, however often the
    definitions so far are asked for (the grader asks at every test cell)."""

    def __init__(self) -> None:
        self._defs = Definitions()

    def add(self, source: str, raised: bool = False) -> None:
        """Read the next cell (``raised``: whether the kernel reported an error in it)."""
        _read_cell(self._defs, source, raised)

    def current(self) -> Definitions:
        """The definitions of the cells read so far, as :func:`definitions` gives them."""
        # a copy of every table (the syntax trees are shared: nothing changes them)
        defs = Definitions(**{f.name: copy.copy(getattr(self._defs, f.name))
                              for f in dataclasses.fields(Definitions)})
        for name in defs.rebound:
            _bind(defs, name, why="a function rebinds it through a `global` statement")
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
            # sorted(range(n), key=per_row): a callback run once per element
            if any(k.arg == "key" and not isinstance(k.value, ast.Constant)
                   for k in sub.keywords):
                found.append("a key= callback (a loop in disguise)")
            if called == "iter" and len(sub.args) == 2:
                found.append("iter(callable, sentinel) (a loop in disguise)")
        elif isinstance(sub, ast.ClassDef):  # list(Rows()) calls Rows.__getitem__ per row
            found.append(f"a class {sub.name} defined inside (its methods can run per element)")
    return found + _local_recursion(node)


def _local_recursion(node: ast.AST) -> list[str]:
    """Recursion among the functions and lambdas defined inside ``node``.

    ``step = lambda me, i: ... me(me, i + 1)`` then ``step(step, 0)`` loops over rows
    without a loop keyword or a global name (an attacker's trick, found here).
    """
    found = []
    inner = [sub for sub in ast.walk(node) if sub is not node
             and isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    named = {sub.name: sub for sub in inner if not isinstance(sub, ast.Lambda)}
    named |= {t.id: sub.value for sub in ast.walk(node) if isinstance(sub, ast.Assign)
              and isinstance(sub.value, ast.Lambda) for t in sub.targets
              if isinstance(t, ast.Name)}
    for name, fn in named.items():
        if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(fn)):
            found.append(f"a local function {name} that calls itself (recursion is a loop)")
    for fn in inner:
        arguments = fn.args
        params = {a.arg for a in [*arguments.posonlyargs, *arguments.args,
                                  *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
                  if a is not None}
        if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in params
               for n in ast.walk(fn)):
            found.append("a local function that calls a function it is given (recursion "
                         "in disguise)")
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and any(
                isinstance(a, ast.Name) and a.id == sub.func.id for a in sub.args):
            found.append(f"a call {sub.func.id}({sub.func.id}, ...) (recursion in disguise)")
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


def _student_calls(name: str, defs: Definitions) -> set[str]:
    """The student functions ``name``'s body reads (aliases resolved)."""
    node = defs.functions.get(name)
    if node is None:
        return set()
    read, _ = _names_used(node)
    return {_resolve(other, defs) for other in read
            if other in defs.functions or other in defs.aliases or other in defs.opaque}


def _resolve(name: str, defs: Definitions) -> str:
    hops = 0
    while name in defs.aliases and hops < 50:  # fast = slow_version
        name, hops = defs.aliases[name], hops + 1
    return name


def _reachable(starts: Iterable[str], defs: Definitions) -> set[str]:
    seen: set[str] = set()
    todo = [_resolve(n, defs) for n in starts]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(_student_calls(current, defs))
    return seen


def loops_in(name: str, defs: Definitions) -> list[str]:
    """Why ``name`` is not loop-free (empty when it is), following every student function.

    A global the function reads is followed when the student defined it as a function (or
    an alias of one); a name bound in a way the grader cannot read (an import, a computed
    assignment, a decorated ``def``) is a problem only where it is called. Whatever lets
    code rebind names where no statement shows it (``defs.tainted``, or a function that
    does so reached from top-level code) fails every function: the grader could be reading
    a definition the kernel no longer holds.
    """
    problems: list[str] = [f"the grader cannot tell which code your kernel runs: {why}"
                           for why in dict.fromkeys(defs.tainted)][:3]
    for dirty in sorted(_reachable(defs.top_refs, defs) & set(defs.dirty)):
        problems.append(f"{dirty}, run by your top-level code, {defs.dirty[dirty]}: the "
                        "grader cannot tell which code your kernel runs")
    seen: set[str] = set()
    todo = [(name, name, True)]
    while todo:
        current, via, called = todo.pop()
        current = _resolve(current, defs)
        if current in seen:
            continue
        shown = current if via == current else f"{current} (reached as {via})"
        if current in defs.opaque:
            if called:
                seen.add(current)
                problems.append(f"{shown}: the grader cannot read it: {defs.opaque[current]}")
            continue
        seen.add(current)
        node = defs.functions.get(current)
        if node is None:
            continue  # numpy, builtins...: not student code
        for loop in dict.fromkeys(_loops_in_body(node)):
            problems.append(f"{shown} contains {loop}")
        read, calls = _names_used(node)
        dynamic = (read | calls) & DYNAMIC_NAMES
        dynamic |= {sub.attr for sub in ast.walk(node) if isinstance(sub, ast.Attribute)
                    and sub.attr in DYNAMIC_NAMES}
        if dynamic:
            problems.append(f"{shown} uses {', '.join(sorted(dynamic))}: the grader cannot "
                            "tell what it calls")
        if current in _reachable(_student_calls(current, defs), defs):
            # f -> g -> f: mutual recursion was missed when only f -> f was looked for
            problems.append(f"{shown} calls itself (recursion is a loop)")
        for other in sorted(read - {current}):
            if other in defs.functions or other in defs.aliases or other in defs.opaque:
                todo.append((other, other, other in calls))
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
