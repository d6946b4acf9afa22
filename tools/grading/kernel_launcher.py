"""Start one student kernel: set OS limits, then exec bubblewrap (or the kernel directly).

    python -I tools/grading/kernel_launcher.py SPEC.json CONNECTION_FILE

This is the ``argv`` of the grading kernelspec written by :func:`grading.sandbox.prepare`.
It runs in the trusted worker's place in the process tree (jupyter_client starts it in a
new session) and replaces itself by the sandbox, so jupyter_client's interrupt and kill
signals reach the kernel's process group as usual. Standard library only.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path

_MB = 1024 * 1024


def user_process_count(uid: int) -> int:
    """Processes and threads owned by ``uid`` now (what RLIMIT_NPROC counts)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
        except (OSError, KeyError, ValueError):
            continue
    return count


#: Run inside the sandbox by a root grader: become ``nobody`` (which also drops every
#: capability), then exec the kernel. argv: uid, then the kernel command.
_BECOME = ("import os, sys; u = int(sys.argv[1]); os.setgroups([]); os.setgid(u); "
           "os.setuid(u); os.execv(sys.argv[2], sys.argv[2:])")


def hand_over(spec: dict, connection_file: str) -> int | None:
    """When the grader is root, give the kernel's folders to ``spec["uid"]`` and return it.

    Root ignores RLIMIT_NPROC and file permissions, so the kernel must not stay root. The
    uid change itself happens inside the sandbox (see ``_BECOME``) after bubblewrap, still
    root, has made its mounts. Returns None when there is nothing to change.
    """
    uid = spec.get("uid")
    if os.getuid() != 0 or uid is None:
        return None
    for path in (spec["home"], spec["runtime"], connection_file):
        os.chown(path, uid, uid)
    for folder, dirs, files in os.walk(spec["home"]):  # read through read-only binds
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid)
    return uid


def set_limits(limits: dict, uid: int) -> None:
    """Apply the ``Limits`` fields as soft and hard RLIMITs of this process and its children."""
    wanted = {
        resource.RLIMIT_AS: limits.get("memory_mb") and limits["memory_mb"] * _MB,
        resource.RLIMIT_CPU: limits.get("cpu_seconds"),
        resource.RLIMIT_FSIZE: limits.get("file_mb") and limits["file_mb"] * _MB,
        resource.RLIMIT_NOFILE: limits.get("open_files"),
        resource.RLIMIT_CORE: 0,
    }
    if limits.get("processes"):
        # Linux counts every process and thread of the kernel's user (root is never limited:
        # hence hand_over)
        wanted[resource.RLIMIT_NPROC] = user_process_count(uid) + limits["processes"]
    for which, value in wanted.items():
        if value is None:
            continue
        _, hard = resource.getrlimit(which)
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        resource.setrlimit(which, (value, value))


def bwrap_command(spec: dict, connection_file: str, workdir: str, uid: int | None) -> list[str]:
    """The bubblewrap command line that runs the kernel with the view described in sandbox.py.

    As a normal user, bubblewrap makes a user namespace and drops every capability. As root
    it makes no user namespace (a namespaced "root" would still be exempt from the process
    limit) and the kernel becomes ``uid`` inside the sandbox instead.
    """
    cmd = [spec["bwrap"], "--die-with-parent", "--unshare-pid", "--unshare-net",
           "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if uid is None:
        cmd += ["--unshare-user", "--cap-drop", "ALL"]
    limits = spec["limits"]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--perms", "1777", *_size(limits.get("tmp_mb")), "--tmpfs", "/tmp"]
    # bubblewrap makes missing mount points root-only; the kernel's user must pass through
    targets = [*spec["readonly"], spec["runtime"], workdir,
               *(real for _, real in spec.get("overlays", []))]
    parents = {str(p) for t in targets for p in Path(t).parents if str(p) not in ("/", "/tmp")}
    for folder in sorted(parents, key=lambda p: (p.count("/"), p)):
        cmd += ["--perms", "0755", "--dir", folder]
    for path in spec["readonly"]:
        if os.path.islink(path):  # /lib -> usr/lib on merged-/usr systems
            cmd += ["--symlink", os.readlink(path), path]
        else:
            cmd += ["--ro-bind", path, path]
    # dlhelpers without its reference implementations, at the path Python expects
    for stub, real in spec.get("overlays", []):
        cmd += ["--ro-bind", stub, real]
    # libraries that implement the homework are replaced by a package that refuses to import
    for hidden in spec.get("hidden", []):
        cmd += ["--perms", "0755", "--tmpfs", hidden["path"], "--ro-bind", spec["refusal"],
                hidden["path"] + "/__init__.py"]
        for keep in hidden.get("keep", []):  # data files honest code reads (the digits csv)
            inner = Path(keep).relative_to(hidden["path"]).parents
            for folder in sorted((str(Path(hidden["path"]) / p) for p in inner if str(p) != "."),
                                 key=len):
                cmd += ["--perms", "0755", "--dir", folder]
            cmd += ["--ro-bind", keep, keep]
        cmd += ["--remount-ro", hidden["path"]]
    # the working folder is a size-limited tmpfs; the homework's data files are read-only in it
    cmd += ["--perms", "1777", *_size(limits.get("work_mb")), "--tmpfs", workdir]
    for entry in sorted(os.listdir(spec["home"])):
        cmd += ["--ro-bind", os.path.join(spec["home"], entry), os.path.join(workdir, entry)]
    cmd += ["--ro-bind", spec["requests"], "/grader_requests"]
    cmd += ["--bind", spec["runtime"], spec["runtime"], "--chdir", workdir, "--clearenv"]
    for key, value in spec["env"].items():
        cmd += ["--setenv", key, value]
    kernel = kernel_command(spec, connection_file)
    if uid is not None:
        kernel = [spec["python"], "-I", "-c", _BECOME, str(uid), *kernel]
    return cmd + ["--", *kernel]


def _size(mb) -> list[str]:
    return ["--size", str(int(mb) * _MB)] if mb else []


def kernel_command(spec: dict, connection_file: str) -> list[str]:
    return [spec["python"], "-m", "ipykernel_launcher", "-f", connection_file,
            "--HistoryManager.hist_file=:memory:"]


def die_with_parent(parent: int | None) -> None:
    """Be killed (SIGKILL) when the process that started this one dies.

    ``parent`` is that process's pid; if it is already gone (this process was handed to
    another parent before the request took effect), exit at once. The setting survives
    ``exec``. Used here for the kernel: jupyter_client starts it in a session of its own, so
    killing the grading process's group misses it, and bubblewrap's ``--die-with-parent``
    covers it only once bubblewrap runs. Also used by each grading process of
    :mod:`grading.worker`, to die with the warm parent.
    """
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def main(argv: list[str]) -> None:
    parent = os.environ.get("JPY_PARENT_PID")  # set by jupyter_client: the grading process
    die_with_parent(int(parent) if parent else None)
    with open(argv[0]) as fh:
        spec = json.load(fh)
    connection_file = argv[1]
    workdir = os.getcwd()  # jupyter_client starts us in the autograded folder
    if spec["isolate"]:
        uid = hand_over(spec, connection_file)
        set_limits(spec["limits"], os.getuid() if uid is None else uid)
        command = bwrap_command(spec, connection_file, workdir, uid)
        os.umask(0o022)  # the worker's 077 would make bwrap's mount-point folders root-only
        os.execv(command[0], command)
    # fallback: limits only, same user; at least the notebook is not in the working folder
    set_limits(spec["limits"], os.getuid())
    os.chdir(spec["home"])
    os.execve(spec["python"], kernel_command(spec, connection_file),
              {**spec["env"], "HOME": spec["home"], "TMPDIR": spec["home"],
               "MPLCONFIGDIR": spec["home"] + "/.mpl", "IPYTHONDIR": spec["home"] + "/.ipython"})


if __name__ == "__main__":
    main(sys.argv[1:])
