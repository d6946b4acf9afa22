"""Fast checks of the grading sandbox's parts: flags, tripwire, sandbox command, probe."""

import dataclasses
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
from adversarial import kinds as K

from tools.grading import report, sandbox

ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.grading


def _launcher():
    spec = importlib.util.spec_from_file_location("kernel_launcher", sandbox.LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def notebooks(tmp_path):
    """A released tiny notebook (the source stands in: same cells and metadata) and a context."""
    source = K.tiny_source()
    released = tmp_path / "released.ipynb"
    nbformat.write(source, released)
    return tmp_path, released, K.Context(source, source)


def _flags(tmp_path, released, made) -> list[str]:
    path = tmp_path / "sub.ipynb"
    path.write_bytes(made) if isinstance(made, bytes) else nbformat.write(made, path)
    return report.static_flags(path, released)


def test_static_flags_name_each_structural_change(notebooks):
    tmp_path, released, ctx = notebooks
    assert _flags(tmp_path, released, K.solved(ctx, ("square", "half"))) == []
    cases = {"edit": "locked cell test_half was edited",
             "delete": "cell test_half was deleted",
             "markdown": "cell test_half was converted to markdown"}
    for how, words in cases.items():
        flags = _flags(tmp_path, released, K.edit_cell("test_half", how)(ctx))
        assert any(words in f for f in flags), (how, flags)
    assert _flags(tmp_path, released, K.empty(ctx)) == ["the notebook is empty"]
    assert "not valid JSON" in _flags(tmp_path, released, b"{ nope")[0]


@pytest.mark.parametrize("student,words", [
    ("writes_gradebook", "touches a gradebook"), ("os_exit", "exits or kills the kernel"),
    ("background", "starts or signals processes"), ("patch_testing", "replaces library"),
    ("blank_tests", "reaches into the kernel"), ("delegates", "dlhelpers' reference code"),
    ("reads_hidden", "reads or writes files"), ("kernel_crash", "native memory")])
def test_static_scan_flags_code_honest_answers_do_not_need(notebooks, student, words):
    tmp_path, released, ctx = notebooks
    ctx.targets = {k: "/x" for k in ("own_notebook", "source_notebook", "template_gradebook",
                                     "real_gradebook", "victim_notebook", "victim_autograded",
                                     "marker", "process_tag")} | {"secret": K.SECRET}
    flags = _flags(tmp_path, released, {k.student: k for k in K.kinds()}[student].build(ctx))
    assert any(words in f for f in flags), flags


def test_runtime_flags_read_the_executed_notebook(tmp_path):
    nb = K.tiny_source()
    cells = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells}
    cells["half"].outputs = [nbformat.v4.new_output("error", ename="MemoryError", evalue="",
                                                    traceback=[])]
    cells["test_half"].outputs = [nbformat.v4.new_output("error", ename="NameError",
                                                         evalue="name 'half' is not defined",
                                                         traceback=[])]
    cells["test_square"].outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="\n[output truncated by the grader: more than 9]\n")]
    path = tmp_path / "graded.ipynb"
    nbformat.write(nb, path)
    flags = report.runtime_flags(path)
    assert "half: raised MemoryError when run" in flags
    assert any(f.startswith("test_half: name 'half' is not defined") for f in flags)
    assert "test_square: output cut by the grader (too large)" in flags


def test_unfinished_stubs_and_blank_answers_are_reported_not_flagged(tmp_path):
    """A partly done submission (a stub left raising, a blank answer) is not tampering."""
    nb = K.tiny_source()
    cells = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells}
    cells["half"].source = "def half(x):\n    raise NotImplementedError()"
    cells["half"].outputs = [nbformat.v4.new_output("error", ename="NotImplementedError",
                                                    evalue="", traceback=[])]
    cells["square"].outputs = [nbformat.v4.new_output("error", ename="ValueError",
                                                      evalue="", traceback=[])]
    path = tmp_path / "graded.ipynb"
    nbformat.write(nb, path)
    assert report.unfinished_parts(path) == ["half"]
    flags = report.runtime_flags(path)
    assert not any(f.startswith("half") for f in flags), flags
    assert "square: raised ValueError when run" in flags  # a real error still is one
    results = [SimpleNamespace(student="amy", hw="tiny", flags=[], ok=True, auto_score=0,
                               auto_max=1, unfinished=["half"])]
    text = report.write_report(tmp_path / "r.md", results, isolation="test").read_text()
    assert "Submissions to look at (0 of 1)" in text
    assert "## Unfinished work" in text and "- amy / tiny: half" in text


def test_tripwire_flags_changes_and_restores_the_gradebook(tmp_path):
    gradebook, watched = tmp_path / "gradebook.db", tmp_path / "other.ipynb"
    gradebook.write_bytes(b"original grades")
    watched.write_text("{}")
    wire = report.Tripwire([watched], gradebook)
    wire.arm(tmp_path / "backup")
    assert wire.check() == []
    gradebook.write_bytes(b"999 for everyone")
    watched.write_text('{"cells": []}')
    flags = wire.check()
    assert len(flags) == 3 and any("restored" in f for f in flags)
    assert gradebook.read_bytes() == b"original grades"


def test_tripwire_sees_every_kind_of_change_and_no_reading(tmp_path):
    """The tripwire compares stat keys (size, times, inode), not content hashes: a rewrite of
    the same size, a modification time set back, a file replaced or added deep inside a
    watched folder all show; reading the files does not."""
    import time

    notebook, folder = tmp_path / "s1.ipynb", tmp_path / "autograded"
    notebook.write_text('{"cells": [1]}')
    (folder / "bob" / "hw").mkdir(parents=True)
    (folder / "bob" / "hw" / "hw.ipynb").write_text("graded")
    wire = report.Tripwire([notebook, folder])

    def changed(action) -> list[str]:
        wire.arm(tmp_path / "backup")
        time.sleep(0.02)  # past the clock tick of the file times (a kernel takes 0.5 s to start)
        action()
        return wire.check()

    assert changed(lambda: (notebook.read_bytes(), list(folder.rglob("*")))) == []
    assert changed(lambda: notebook.write_text('{"cells": [2]}')) == [
        f"changed {notebook} while its code ran"]
    before = notebook.stat()

    def rewrite_and_set_time_back():
        notebook.write_text('{"cells": [3]}')
        os.utime(notebook, ns=(before.st_atime_ns, before.st_mtime_ns))

    assert changed(rewrite_and_set_time_back)
    assert changed(lambda: (folder / "bob" / "hw" / "hw.ipynb").write_text("gradeD"))
    assert changed(lambda: (folder / "bob" / "hw" / "new.txt").write_text(""))
    assert changed(lambda: (folder / "bob" / "hw" / "__pycache__").mkdir()) == []  # empty dir
    assert changed(lambda: (folder / "bob" / "hw" / "__pycache__" / "m.pyc").write_text(""))\
        == []  # byte-code caches are rewritten by any import


def test_tripwire_sees_a_rewrite_within_one_tick_of_the_file_clock(tmp_path):
    """File times tick every few milliseconds: a file changed just before arming is hashed
    too, so a same-size rewrite right after arming (same tick, same times) still shows."""
    notebook = tmp_path / "s1.ipynb"
    notebook.write_text('{"cells": [1]}')
    wire = report.Tripwire([notebook])
    wire.arm(tmp_path / "backup")
    info = notebook.stat()
    assert wire._hashes[notebook]  # written just now: hashed as well
    notebook.write_text('{"cells": [2]}')
    os.utime(notebook, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert wire.check() == [f"changed {notebook} while its code ran"]


def test_a_pipe_or_a_link_to_a_device_does_not_stop_the_tripwire(tmp_path):
    """What a kernel without bubblewrap could leave in a watched folder: a named pipe (a
    read would wait forever) and a link to /dev/zero (endless). Seen, never read."""
    folder = tmp_path / "feedback"
    folder.mkdir()
    wire = report.Tripwire([folder])
    wire.arm(tmp_path / "backup")
    os.mkfifo(folder / "pipe")
    (folder / "zero").symlink_to("/dev/zero")
    assert wire.check() == [f"changed {folder} while its code ran"]
    wire.arm(tmp_path / "backup")  # now both are recent: hashed, that is, refused at once
    assert wire.check() == []


def test_a_folder_the_tripwire_cannot_read_is_flagged_not_fatal(tmp_path, monkeypatch):
    folder = tmp_path / "autograded"
    (folder / "eve").mkdir(parents=True)
    wire = report.Tripwire([folder])
    wire.arm(tmp_path / "backup")
    scandir = os.scandir

    def refuse(path):
        if str(path).endswith("eve"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(report.os, "scandir", refuse)
    assert wire.check() == [f"changed {folder} while its code ran"]


def test_sandbox_command_hides_the_course_and_the_network(tmp_path):
    launcher = _launcher()
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "data.txt").write_text("1")
    limits = sandbox.Limits(tmp_mb=32, work_mb=16)
    hidden = sandbox.hidden_packages()
    spec = {"bwrap": "bwrap", "readonly": sandbox.readonly_paths(), "runtime": str(tmp_path / "rt"),
            "home": str(tmp_path / "home"), "env": sandbox.kernel_env(), "python": sys.executable,
            "limits": dataclasses.asdict(limits), "requests": str(tmp_path / "req"),
            "refusal": str(tmp_path / "refusal.py"), "hidden": hidden,
            "overlays": [[str(tmp_path / "stub" / "dlhelpers"), str(sandbox.dlhelpers_dir())]]}
    work = str(tmp_path / "w")
    cmd = launcher.bwrap_command(spec, str(tmp_path / "rt" / "k.json"), work, None)
    assert "--unshare-net" in cmd and "--unshare-pid" in cmd and "--die-with-parent" in cmd
    assert "--clearenv" in cmd and "NBGRADER_EXECUTION" not in cmd
    binds = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--ro-bind", "--bind")]
    writable = [cmd[i + 2] for i, a in enumerate(cmd) if a == "--bind"]
    assert not any("assignments" in b or b in ("/", str(ROOT)) for b in binds), binds
    # the real dlhelpers (with reference implementations) is never bound, only the stub copy
    assert str(sandbox.dlhelpers_dir()) not in binds
    assert [cmd[i + 2] for i, a in enumerate(cmd) if a == "--ro-bind"
            and cmd[i + 1].endswith("stub/dlhelpers")] == [str(sandbox.dlhelpers_dir())]
    # figures as inline PNGs, fontconfig's public configuration read-only (no Fontconfig noise)
    assert spec["env"]["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"
    if Path("/etc/fonts").is_dir():
        assert [cmd[i + 2] for i, a in enumerate(cmd) if a == "--ro-bind"
                and cmd[i + 1] == "/etc/fonts"] == ["/etc/fonts"]
    # the only writable bind is the socket folder; /tmp and the working folder are sized tmpfs
    assert writable == [spec["runtime"]]
    sizes = {cmd[i + 3]: int(cmd[i + 1]) for i, a in enumerate(cmd) if a == "--size"}
    assert sizes == {"/tmp": 32 * 2**20, work: 16 * 2**20}
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "--ro-bind"
            and cmd[i + 2] == work + "/data.txt"] == [str(tmp_path / "home" / "data.txt")]
    # libraries that implement the homework are hidden by a read-only tmpfs
    tmpfs = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--tmpfs"]
    assert {h["path"] for h in hidden} <= set(tmpfs)
    assert any(p.endswith("/torch") for p in tmpfs) and any(p.endswith("/scipy") for p in tmpfs)
    # ... in every package folder the kernel can see, not only the venv's (an attacker put
    # the base interpreter's site-packages first on sys.path and imported its scipy)
    for site in sandbox.site_folders():
        for name in ("scipy", "torch", "sklearn"):
            if (site / name).is_dir():
                assert str(site / name) in tmpfs, site / name
    base_sites = [s for s in sandbox.site_folders() if str(s).startswith(
        os.path.realpath(sys.base_prefix))]
    assert base_sites or not list(Path(sys.base_prefix).glob("lib/python3*/site-packages"))
    as_root = launcher.bwrap_command(spec, "k.json", work, 65534)
    assert "--unshare-user" not in as_root and "65534" in as_root  # kernel becomes nobody


def test_isolation_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("DL_GRADING_NO_SANDBOX", "1")
    sandbox.isolation.cache_clear()
    try:
        assert sandbox.isolation() == (False, "disabled by DL_GRADING_NO_SANDBOX")
    finally:
        sandbox.isolation.cache_clear()


def test_integrity_report_names_a_patched_numpy(monkeypatch):
    from dlhelpers import grading

    assert grading.integrity_report() == "ok"
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    verdict = grading.integrity_report()
    assert verdict.startswith("changed") and "numpy.allclose" in verdict


def test_kernelspec_uses_the_launcher_and_message_interrupts(tmp_path):
    root = tmp_path / "copy"
    (root / "source" / "hw").mkdir(parents=True)
    (root / "source" / "hw" / "data.txt").write_text("1")
    (root / "source" / "hw" / "hw.ipynb").write_text("{}")
    cfg = sandbox.prepare(root, "hw", sandbox.Limits(), isolate=False)
    spec = json.loads((root / "kernels" / sandbox.KERNEL_NAME / "kernel.json").read_text())
    assert str(sandbox.LAUNCHER) in spec["argv"] and spec["interrupt_mode"] == "message"
    assert cfg.Execute.kernel_name == sandbox.KERNEL_NAME
    assert sorted(p.name for p in (root / "kernel_home").iterdir()) == ["data.txt"]


def _message(kind: str, content: dict) -> dict:
    return {"msg_type": kind, "header": {"msg_type": kind}, "content": content,
            "parent_header": {}, "metadata": {}}


def test_figures_have_their_own_output_budget():
    """A cell's plots are kept (and not flagged as cut) under a text cap they would exceed;
    images past their own budget are cut like a text flood."""
    from tools.grading.preprocessors import TRUNCATION_MARK, GuardedExecute

    ex = GuardedExecute(max_output_chars=1000, max_image_chars=5000)
    ex.clear_before_next_output = False  # set by nbclient when a cell starts
    png = {"image/png": "iVBORw0KGgo" + "A" * 2000, "text/plain": "<Figure size 640x480>"}
    outs = []
    for _ in range(2):  # 2 x 2 k of image data: over the text cap, under the image budget
        ex.output(outs, _message("display_data", {"data": png, "metadata": {}}), None, 0)
    assert [o["output_type"] for o in outs] == ["display_data"] * 2
    assert ex._chars_used[0] <= ex.max_output_chars
    ex.output(outs, _message("display_data", {"data": png, "metadata": {}}), None, 0)
    assert len(outs) == 3 and TRUNCATION_MARK in outs[2]["text"]
    assert ex._chars_used[0] > ex.max_output_chars  # the cell is marked (and so flagged)
