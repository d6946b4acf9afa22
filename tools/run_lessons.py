"""Execute lesson notebooks in place, each in a fresh kernel, and report time and peak memory.

Usage: python tools/run_lessons.py notebooks/03_loss_functions.ipynb [...] [--check]

Each notebook runs in its own child process; that process reports the peak resident memory
of its own finished children, which is the notebook's kernel.
With --check the notebooks are executed but not written back.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
path, write = sys.argv[1], sys.argv[2] == "1"
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}},
               store_widget_state=True).execute()
if write:
    nbformat.write(nb, path)
import resource
print("KERNEL_PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run(path: Path, write: bool) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(path), "1" if write else "0"],
                          stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    peaks = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("KERNEL_PEAK_KB")]
    peak_mb = int(peaks[-1]) / 1024 if peaks else float("nan")
    return seconds, peak_mb, proc.returncode


def main(argv: list[str]) -> int:
    write = "--check" not in argv
    paths = [Path(a) for a in argv if not a.startswith("--")]
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
