"""One Adam step on 10 million float32 parameters: dlhelpers against torch.optim.Adam.

Run ``python benchmarks/bench_adam.py`` (about 20 s). It times, in the same process and on
the same data:

* ``dlhelpers.optim.adam(..., inplace=True)``: the chunked in-place numpy path;
* a naive numpy Adam (whole-array expressions, new temporaries each time), for scale;
* ``torch.optim.Adam(foreach=True)`` and ``fused=True``, once with one thread and once with
  torch's default thread count (skipped when torch is not installed).

Each entry is the median of several repeats of one step. The ratio printed is
``torch time / dlhelpers time`` (above 1 means dlhelpers is faster). The target is at least
1.0 against torch foreach with one thread, since numpy runs on one thread.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from dlhelpers import optim


def median_seconds(step: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``step()`` over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    p.grad = torch.from_numpy(g.copy())
    opt = torch.optim.Adam([p], lr=1e-3, **kwargs)
    return opt.step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="number of parameters")
    parser.add_argument("--repeats", type=int, default=7, help="timed steps per entry")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    w = rng.standard_normal(args.size, dtype=np.float32)
    g = rng.standard_normal(args.size, dtype=np.float32)
    mb = args.size * 4 / 1e6
    print(f"Adam step on {args.size:,} float32 parameters ({mb:.0f} MB per array), "
          f"median of {args.repeats}")

    ours = median_seconds(dlhelpers_step(w.copy(), g), args.repeats)
    rows = [("dlhelpers adam(inplace=True)", ours)]
    rows.append(("naive numpy", median_seconds(naive_numpy_step(w.copy(), g), args.repeats)))

    try:
        import torch
    except ImportError:
        torch = None
        print("torch not installed: torch columns skipped")
    if torch is not None:
        default_threads = torch.get_num_threads()
        for threads in sorted({1, default_threads}):
            torch.set_num_threads(threads)
            for label, kwargs in (("foreach", {"foreach": True}), ("fused", {"fused": True})):
                seconds = median_seconds(torch_step(torch, w, g, **kwargs), args.repeats)
                rows.append((f"torch Adam {label}, {threads} thread(s)", seconds))
        torch.set_num_threads(default_threads)

    print(f"{'implementation':<36} {'ms/step':>9} {'Gparam/s':>9} {'torch/ours':>11}")
    for label, seconds in rows:
        print(f"{label:<36} {seconds * 1e3:9.1f} {args.size / seconds / 1e9:9.2f} "
              f"{seconds / ours:10.2f}x")


if __name__ == "__main__":
    main()
