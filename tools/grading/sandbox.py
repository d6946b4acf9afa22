"""The student's kernel in a sandbox: OS resource limits, and bubblewrap where it works.

Only the **kernel** is sandboxed. nbgrader (autograde, the grading copy's gradebook, the
notebook with the hidden tests restored) stays outside, in the trusted worker process; the
kernel talks to it over Unix sockets (``KernelManager.transport = "ipc"``) in a runtime
folder that is the only thing the two share besides the kernel's working folder.

Inside the sandbox (``bwrap --unshare-all``) the kernel sees

* read-only: the system (``/usr``, ``/lib*``, ``/bin``, a few files of ``/etc``), the Python
  installation and venv, and the ``dlhelpers`` package;
* read-write: a working folder holding the homework's data files only (bound at the path of
  the autograded folder, so it looks ordinary, but without the notebook), the socket folder
  and an empty ``/tmp``;
* no network, its own PID namespace (everything it starts dies with it), no capabilities.

The repository (``assignments/`` with every solution, the real gradebook), other students'
submissions and grading copies, and the grading copy's own gradebook are simply not there.

Where bubblewrap is missing or user namespaces are disabled, :func:`isolation` says so and
the kernel runs with the resource limits only (see ``assignments/GRADING_SECURITY.md``).

Every limit is an ``RLIMIT_*`` set by :mod:`grading.kernel_launcher` just before it starts
the kernel (and bubblewrap), so a hog ends in ``MemoryError``, ``OSError: File too large``,
``BlockingIOError`` on fork, or the kernel's death (CPU time), never in the grader's.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from traitlets.config import Config

KERNEL_NAME = "dl-sandbox"
#: When the grader runs as root, the kernel runs as this user (``nobody``) instead.
NOBODY = 65534
LAUNCHER = Path(__file__).resolve().parent / "kernel_launcher.py"
#: The isolation probe the brief of issue 7 names; it fails where user namespaces are off.
PROBE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "true"]
_ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime", "passwd", "group", "nsswitch.conf",
              "hosts", "mime.types")


@dataclass(frozen=True)
class Limits:
    """OS limits of one kernel (``None`` leaves a limit as inherited).

    Attributes
    ----------
    memory_mb : int
        Address space (RLIMIT_AS). numpy with one BLAS thread needs ~0.6 GB of it.
    cpu_seconds : int
        CPU time of the kernel (RLIMIT_CPU); the kernel is killed when it is used up.
    processes : int
        Processes and threads the sandbox may add (RLIMIT_NPROC, over what its user has).
    file_mb : int
        Largest file the kernel may write (RLIMIT_FSIZE).
    open_files : int
        Open file descriptors (RLIMIT_NOFILE).
    tmp_mb, work_mb : int
        Size of the kernel's ``/tmp`` and of its working folder (tmpfs ``--size``, counted in
        memory, not on the grader's disk). Only with bubblewrap.
    """

    memory_mb: int | None = 3072
    cpu_seconds: int | None = 600
    processes: int | None = 64
    file_mb: int | None = 64
    open_files: int | None = 256
    tmp_mb: int | None = 256
    work_mb: int | None = 256


@functools.cache
def isolation() -> tuple[bool, str]:
    """Whether bubblewrap can sandbox a process here, and why not if it cannot.

    Returns
    -------
    ok : bool
    detail : str
        ``"bubblewrap <version>"`` or the reason isolation is unavailable.
    """
    if os.environ.get("DL_GRADING_NO_SANDBOX"):
        return False, "disabled by DL_GRADING_NO_SANDBOX"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bubblewrap (bwrap) is not installed"
    try:
        probe = subprocess.run([bwrap, *PROBE], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not run: {exc}"
    if probe.returncode != 0:
        return False, f"bwrap cannot create namespaces here: {probe.stderr.strip()[:200]}"
    version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout
    return True, version.strip() or "bubblewrap"


FALLBACK_WARNING = ("WARNING: grading WITHOUT isolation ({reason}). Student code runs with "
                    "your rights: it cannot reach the real gradebook or other students through "
                    "the grading copy, resource limits still apply, and tampering with the "
                    "gradebook or the course files is detected and undone afterwards; but it "
                    "can read any file you can (including the hidden tests of this homework). "
                    "Install bubblewrap and allow user namespaces for a class.")


#: dlhelpers modules that implement what the homework asks: stubs in the sandbox.
REFERENCE_MODULES = ("nn", "knn", "models", "train", "optim", "_optim_kernels", "schedules", "landscapes")
#: Installed libraries that implement what the homework asks (autograd, distances, modes,
#: neighbours...): replaced in the sandbox by a package that refuses to import. Data files
#: honest code reads through them stay readable (``keep``, relative to the package).
HIDDEN_PACKAGES = {"torch": (), "torchgen": (), "functorch": (), "scipy": (),
                   "sklearn": ("datasets/data",), "jax": (), "jaxlib": (), "tensorflow": (),
                   "keras": (), "autograd": (), "numba": (), "cupy": (), "sympy": (),
                   "chainer": (), "mxnet": (), "theano": ()}

_STUB = '''"""{name}: not available while grading."""

import dlhelpers.grading as _grading

DELEGATION_MESSAGE = _grading.DELEGATION_MESSAGE


class ReferenceUnavailable(ImportError):
    """dlhelpers' reference implementation of a homework part, asked for while grading."""


def __getattr__(attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    raise ReferenceUnavailable(f"{{DELEGATION_MESSAGE}}: {name}.{{attr}} is the course's own "
                               "solution and is not available while grading; write it yourself")
'''
_REFUSAL = ('raise ImportError(f"{__name__} is not available while grading: the homework '
            'asks you to write this yourself with numpy")\n')


def dlhelpers_dir() -> Path:
    import dlhelpers

    return Path(dlhelpers.__file__).resolve().parent


def stub_dlhelpers(dest: Path) -> Path:
    """A copy of dlhelpers in ``dest`` whose reference modules only raise; returns its folder."""
    target = Path(dest) / "dlhelpers"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(dlhelpers_dir(), target, ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", *REFERENCE_MODULES, *(f"{m}.py" for m in REFERENCE_MODULES)))
    for name in REFERENCE_MODULES:
        (target / f"{name}.py").write_text(_STUB.format(name=f"dlhelpers.{name}"))
    return target


def site_folders() -> list[Path]:
    """Every package folder the kernel can see, not only the venv's own.

    The read-only mounts include the base interpreter (``sys.base_prefix``) and ``/usr``:
    their ``site-packages``/``dist-packages`` are one ``sys.path.insert`` away (an
    independent attacker imported the base Python's scipy that way and delegated the k-NN
    distances to ``cdist``), so each of them is searched for hidden packages too.
    """
    import glob
    import sysconfig

    candidates = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    for prefix in {sys.prefix, sys.base_prefix, "/usr", "/usr/local"}:
        for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages",
                        "lib/python3/dist-packages", "lib64/python3*/site-packages"):
            candidates += glob.glob(os.path.join(prefix, pattern))
    seen, out = set(), []
    for folder in candidates:
        real = Path(folder).resolve()
        if real not in seen and real.is_dir():
            seen.add(real)
            out.append(real)
    return out


def hidden_packages() -> list[dict]:
    """Installed packages of :data:`HIDDEN_PACKAGES` as bubblewrap must hide them."""
    found = []
    for site in site_folders():
        for name, keep in HIDDEN_PACKAGES.items():
            folder = site / name
            if folder.is_dir():
                found.append({"path": str(folder), "keep": [str(folder / k) for k in keep
                                                            if (folder / k).is_dir()]})
    return found


def readonly_paths() -> list[str]:
    """What the kernel needs to read: system, Python, venv (dlhelpers comes as a stub copy)."""
    paths = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"]
    paths += [os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)]
    paths += [f"/etc/{name}" for name in _ETC_FILES]
    # fontconfig's configuration (public, no secrets): without it matplotlib's first import
    # prints "Fontconfig error: Cannot load default config file" into the student's feedback
    paths += ["/etc/fonts"]
    seen, out = set(), []
    for p in paths:
        if p not in seen and os.path.exists(p):
            seen.add(p)
            out.append(p)
    return out


def kernel_env() -> dict[str, str]:
    """The kernel's whole environment (nothing of the grader's, e.g. no NBGRADER_EXECUTION)."""
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        # the inline backend turns each figure into an image/png output (kept by the
        # sanitizer): graders see the student's plots in formgrader and feedback; Agg drew none
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": "/tmp/mpl", "IPYTHONDIR": "/tmp/ipython",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
        # one BLAS thread: fits the memory limit and the same numbers for every student
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }


def prepare(root: Path, hw: str, limits: Limits, *, isolate: bool | None = None) -> Config:
    """Set up the sandboxed kernel of the grading copy ``root``; return the nbgrader config.

    Creates ``root/kernel_home`` (the homework's data files: what the kernel may see of the
    course), ``root/runtime`` (connection files and sockets) and
    ``root/kernels/dl-sandbox/kernel.json`` (the launcher command). The worker must run with
    ``JUPYTER_PATH=root`` and ``JUPYTER_RUNTIME_DIR=root/runtime`` (see :func:`worker_env`).

    Parameters
    ----------
    root : Path
        The grading copy (from :func:`submission.stage_submission`).
    hw : str
        The homework; its non-notebook files in ``root/source/<hw>`` are the kernel's files.
    limits : Limits
    isolate : bool, optional
        Use bubblewrap; default: whenever :func:`isolation` says it works.
    """
    root = Path(root).resolve()
    _private(root)
    if isolate is None:
        isolate = isolation()[0]
    home = root / "kernel_home"
    shutil.copytree(root / "source" / hw, home, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.ipynb"))
    runtime = root / "runtime"
    runtime.mkdir(exist_ok=True)
    requests = root / "requests"
    requests.mkdir(exist_ok=True)
    requests.chmod(0o755)
    lib = root / "sandbox_lib"
    stub = stub_dlhelpers(lib)
    refusal = lib / "refusal.py"
    refusal.write_text(_REFUSAL)
    for folder, _dirs, files in os.walk(lib):  # the kernel may run as another user
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    spec = {"limits": asdict(limits), "isolate": bool(isolate), "home": str(home),
            "runtime": str(runtime), "readonly": readonly_paths(), "env": kernel_env(),
            "python": sys.executable, "bwrap": shutil.which("bwrap") or "bwrap",
            "uid": NOBODY, "requests": str(requests), "refusal": str(refusal),
            "overlays": [[str(stub), str(dlhelpers_dir())]], "hidden": hidden_packages()}
    _open_path_for_nobody(root)
    spec_file = root / "kernels" / "sandbox.json"
    spec_file.parent.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(json.dumps(spec, indent=1))
    kernel_dir = root / "kernels" / KERNEL_NAME
    kernel_dir.mkdir(exist_ok=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-I", str(LAUNCHER), str(spec_file), "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)", "language": "python",
        # a SIGINT to the kernel's process group would also hit bubblewrap, which dies of it
        # and takes the kernel along; ipykernel interrupts itself on a control message
        "interrupt_mode": "message"}))
    cfg = Config()
    cfg.TrustedExecute.request_dir = str(requests)
    cfg.TrustedExecute.kernel_request_dir = "/grader_requests" if isolate else str(requests)
    cfg.Execute.kernel_name = KERNEL_NAME
    # the kernel is thrown away with its sandbox: killed at once, not asked to exit politely
    # and waited for (0.1-0.3 s of every submission, measured)
    cfg.Execute.shutdown_kernel = "immediate"
    cfg.KernelManager.transport = "ipc"  # no TCP: the sandbox has no network at all
    cfg.KernelManager.connection_file = str(runtime / "kernel.json")
    cfg.KernelManager.ip = str(runtime / "kernel-ipc")  # socket files next to it
    return cfg


def _private(root: Path) -> None:
    """Make the grading copy readable by its owner only (it holds a gradebook with tests)."""
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, 0o700)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600)


def _open_path_for_nobody(root: Path) -> None:
    """Let ``nobody`` traverse (not list) the folders above ``root`` and ``root`` itself.

    bubblewrap, run as nobody, must reach the working and socket folders to bind them; the
    worker's umask (077) keeps everything else of the grading copy unreadable to it.
    """
    if os.getuid() != 0:
        return
    for folder in [root, *root.parents]:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod((mode & 0o7777) | 0o001)


def worker_env(root: Path) -> dict[str, str]:
    """Environment of the nbgrader worker that finds the sandbox kernelspec of ``root``."""
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(Path(root).resolve())
    env["JUPYTER_RUNTIME_DIR"] = str(Path(root).resolve() / "runtime")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env
