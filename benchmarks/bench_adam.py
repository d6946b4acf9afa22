"""One Adam step on 10 million float32 parameters: dlhelpers against torch.optim.Adam.

Run ``python benchmarks/bench_adam.py`` (about 20 s). It times, in the same process and on
the same data:

* ``dlhelpers.optim.adam(..., inplace=True)``: the chunked in-place numpy path;
* a naive numpy Adam (whole-array expressions, new temporaries each time), for scale;
* ``torch.optim.Adam(foreach=True)`` and ``fused=True``, once with one thread and once with
  torch's default thread count (skipped when torch is not installed).

Each entry is the median of several repeats of one step. The ratios printed are
``other time / dlhelpers time``, i.e. dlhelpers' throughput relative to the other
implementation (above 1 means dlhelpers is faster). The target is at least
1.0 against torch foreach with one thread, since numpy runs on one thread.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from dlhelpers import optim


def interleaved_medians(entries: list[tuple[str, Callable[[], object], Callable[[], None]]],
                        repeats: int, warmup: int = 2) -> dict[str, float]:
    """Median wall time of one call of each entry's step, timed round-robin.

    ``entries`` holds ``(label, step, prepare)``; ``prepare()`` runs untimed before each call
    (it sets torch's thread count). Alternating the implementations within every round means
    that a change in machine load (other jobs on a shared box) hits all of them alike.
    """
    for _, step, prepare in entries:
        for _ in range(warmup):
            prepare()
            step()
    times: dict[str, list[float]] = {label: [] for label, _, _ in entries}
    for _ in range(repeats):
        for label, step, prepare in entries:
            prepare()
            start = time.perf_counter()
            step()
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(ts) for label, ts in times.items()}


def dlhelpers_step(w: np.ndarray, g: np.ndarray) -> Callable[[], object]:
    state = {"s": None}

    def step():
        _, state["s"] = optim.adam(w, g, state["s"], lr=1e-3, inplace=True)

    return step


def naive_numpy_step(w: np.ndarray, g: np.ndarray) -> Callable[[], object]:
    """Adam written the obvious way: every expression allocates a full-size temporary."""
    m, v = np.zeros_like(w), np.zeros_like(w)
    t = [0]

    def step():
        t[0] += 1
        m[:] = 0.9 * m + 0.1 * g
        v[:] = 0.999 * v + 0.001 * g * g
        mhat = m / (1 - 0.9 ** t[0])
        vhat = v / (1 - 0.999 ** t[0])
        w[:] = w - 1e-3 * mhat / (np.sqrt(vhat) + 1e-8)

    return step


def torch_step(torch, w: np.ndarray, g: np.ndarray, **kwargs) -> Callable[[], object]:
    p = torch.nn.Parameter(torch.from_numpy(w.copy()))
    p.grad = torch.from_numpy(g)  # shared with numpy, only read
    opt = torch.optim.Adam([p], lr=1e-3, **kwargs)
    return opt.step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="number of parameters")
    parser.add_argument("--repeats", type=int, default=9, help="timed steps per entry")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    w = rng.standard_normal(args.size, dtype=np.float32)
    g = rng.standard_normal(args.size, dtype=np.float32)
    mb = args.size * 4 / 1e6
    print(f"Adam step on {args.size:,} float32 parameters ({mb:.0f} MB per array), "
          f"median of {args.repeats}")

    def nothing() -> None:
        return None

    entries = [("dlhelpers adam(inplace=True)", dlhelpers_step(w.copy(), g), nothing),
               ("naive numpy", naive_numpy_step(w.copy(), g), nothing)]
    try:
        import torch
    except ImportError:
        torch = None
        print("torch not installed: torch rows skipped")
    if torch is not None:
        default_threads = torch.get_num_threads()
        for label, kwargs in (("foreach", {"foreach": True}), ("fused", {"fused": True})):
            step = torch_step(torch, w, g, **kwargs)
            for threads in sorted({1, default_threads}):
                def prepare(n=threads) -> None:
                    torch.set_num_threads(n)
                entries.append((f"torch Adam {label}, {threads} thread(s)", step, prepare))

    medians = interleaved_medians(entries, args.repeats)
    if torch is not None:
        torch.set_num_threads(default_threads)
    rows = list(medians.items())
    ours = rows[0][1]

    print(f"{'implementation':<36} {'ms/step':>9} {'Gparam/s':>9} {'time/ours':>10}")
    for label, seconds in rows:
        print(f"{label:<36} {seconds * 1e3:9.1f} {args.size / seconds / 1e9:9.2f} "
              f"{seconds / ours:9.2f}x")
    print("\nthroughput of dlhelpers relative to each (above 1.00x: dlhelpers is faster)")
    for label, seconds in rows[1:]:
        print(f"  vs {label:<36} {seconds / ours:5.2f}x")

if __name__ == "__main__":
    main()
