"""Epochs to 97% on digits away from bench_digits.py's own split, width and learning rate.

Run ``python benchmarks/bench_digits_epochs.py`` (about 2 minutes on a quiet 2-core machine;
``--seeds 2`` for a quick look). Epochs, not seconds: the machine's load does not enter.

Every contender uses its library's **own default initialization**: ``MLP(...)`` as the lessons
build it (Glorot-uniform weights, zero biases), ``MLP(..., init="he")`` (He-normal, the default
before issue 20), scikit-learn's ``MLPClassifier`` (Glorot-uniform weights and biases) and torch
with ``nn.Linear``'s default draw (``U(+-1/sqrt(fan_in))`` for weights and biases). The rest is
``bench_digits.py``'s recipe: 64-H-10 ReLU network, Adam, batch 64, the same L2 strength, test
accuracy after every epoch, at most 60 epochs. Settings: split seeds 1-3, H in {64, 256},
lr in {1e-3, 3e-3}, seeds 0-4 for the weights and batch order. The table shows the median
over seeds of the epochs needed (99 = never) and, in its last row, the mean of the
per-setting means (a run that never gets there counts 60).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from functools import partial

from bench_digits import (
    MAX_EPOCHS,
    digits_split,
    numpy_single_thread,
    run_dlhelpers,
    run_sklearn,
    torch_runner,
)

SPLITS = (1, 2, 3)
HIDDEN = (64, 256)
LRS = (1e-3, 3e-3)


def contenders() -> dict[str, Callable]:
    runs = {"dlhelpers default": numpy_single_thread(run_dlhelpers),
            "dlhelpers he": numpy_single_thread(partial(run_dlhelpers, init="he")),
            "scikit-learn": numpy_single_thread(run_sklearn)}
    torch_run = torch_runner(1, own_init=True)
    if torch_run is not None:
        runs["torch"] = torch_run
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0, 1, ...)")
    args = parser.parse_args()
    runs = contenders()
    print(f"{'split':>5s} {'hidden':>6s} {'lr':>6s} " + " ".join(f"{k:>17s}" for k in runs))
    means: dict[str, list[float]] = {label: [] for label in runs}
    for split_seed in SPLITS:
        split = digits_split(split_seed)
        for hidden in HIDDEN:
            for lr in LRS:
                row = []
                for label, run in runs.items():
                    epochs = [run(seed, *split, hidden=hidden, lr=lr)[1] for seed in range(args.seeds)]
                    row.append(statistics.median(e if e > 0 else 99 for e in epochs))
                    means[label].append(statistics.mean(e if e > 0 else MAX_EPOCHS for e in epochs))
                print(f"{split_seed:5d} {hidden:6d} {lr:6g} " + " ".join(f"{v:17g}" for v in row),
                      flush=True)
    print("mean of the per-setting means " + " ".join(
        f"{statistics.mean(v):17.1f}" for v in means.values()))


if __name__ == "__main__":
    main()
