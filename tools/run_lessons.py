"""Execute lesson notebooks in place, each in a fresh kernel, and report time and peak memory.

Usage: python -m tools.run_lessons notebooks/03_loss_functions.ipynb [...] [--check]

Each notebook runs in its own child process (this file again, with ``--child``); that process
reports the peak resident memory of its own finished children, which is the notebook's kernel.
With --check the notebooks are executed but not written back.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

#: The line the child prints last: the peak resident memory of its kernel, in kB.
PEAK_TAG = "KERNEL_PEAK_KB"


def execute(path: Path, write: bool) -> int:
    """Run ``path`` top to bottom in a fresh kernel (cwd: its folder); return the kernel's peak kB.

    Meant for a child process of its own (see :func:`run`): the peak is measured over all
    finished children of the calling process.
    """
    import resource

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if write:
        nbformat.write(nb, path)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def run(path: Path, write: bool) -> tuple[float, float, int]:
    """Execute ``path`` in a child process; (seconds, kernel peak MB, child's exit code)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    t0 = time.perf_counter()
    proc = subprocess.run(command + ([] if write else ["--check"]), stdout=subprocess.PIPE,
                          text=True)
    seconds = time.perf_counter() - t0
    peaks = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith(PEAK_TAG)]
    peak_mb = int(peaks[-1]) / 1024 if peaks else float("nan")
    return seconds, peak_mb, proc.returncode


def main(argv: list[str]) -> int:
    write = "--check" not in argv
    paths = [Path(a) for a in argv if not a.startswith("--")]
    if "--child" in argv:
        (path,) = paths
        print(PEAK_TAG, execute(path, write))
        return 0
    failed = 0
    print(f"{'lesson':45s} {'seconds':>8s} {'peak MB':>8s}")
    for path in paths:
        seconds, peak_mb, code = run(path, write)
        flag = "" if code == 0 else "  FAILED"
        failed += code != 0
        print(f"{path.name:45s} {seconds:8.1f} {peak_mb:8.0f}{flag}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
