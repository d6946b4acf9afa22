"""Time to 97% test accuracy on the digits data: dlhelpers' MLP against sklearn and torch.

Run ``python benchmarks/bench_digits.py`` (5 seeds x 2 repeats, 2-4 minutes on a busy machine,
mostly torch's multi-threaded runs; ``--seeds 3 --repeats 1`` for a quick look).

Every contender trains the same network on the same data, side by side in one process:

* data: scikit-learn's 8x8 digits, ``train_val_test_split(val=0, test=0.2, seed=0)``
  (1437 training and 360 test images), standardized with statistics of the training part;
* network: 64 -> 128 ReLU units -> 10 classes, softmax cross-entropy, an L2 penalty of the
  same strength (``reg * |W|^2`` with reg = 1e-3, i.e. a gradient of 2e-3 * W), weights
  drawn Glorot-uniform (sklearn's own choice and ``MLP``'s default, ``init="glorot"``, in
  dlhelpers; ``xavier_uniform_`` with zero biases in torch);
* optimizer: Adam, lr 3e-3, default betas, mini-batches of 64, reshuffled every epoch.

After every epoch each contender measures its test accuracy and stops at the first epoch
with at least 97%. The clock covers training and those evaluations, not data loading or
imports. Contenders:

* ``dlhelpers``: ``dlhelpers.train.train`` on ``dlhelpers.models.MLP`` (which also records
  training accuracy and validation loss every epoch: it does more work than the others);
* ``sklearn``: ``MLPClassifier(solver="adam")`` driven one epoch at a time by
  ``partial_fit`` (alpha = 2 * reg * batch size, because sklearn divides its penalty by the
  batch size);
* ``torch``: ``nn.Sequential(Linear, ReLU, Linear)`` with ``torch.optim.Adam``, once with
  ``torch.set_num_threads(1)`` and once with torch's default thread count (skipped cleanly
  when torch is not installed).

numpy-based contenders run with BLAS limited to one thread (threadpoolctl): on a busy
2-core machine a second BLAS thread mostly waits, and small matrices gain nothing from it.
Each contender runs ``--repeats`` times per seed, round-robin, so a change in machine load
hits all of them alike; the table shows medians. The order of the contenders rotates from
round to round and every run starts after the same short pause (outside the clock): a run
that starts right after torch's multi-threaded one is slowed down (its worker threads are
likely still spinning), and with a fixed order that penalty always fell on dlhelpers.
The ratio column is
``dlhelpers time / contender time`` taken within each round and then the median over
rounds (below 1 means dlhelpers is faster; the target is at most 0.5 against sklearn and
torch). ``ms/epoch`` separates the cost of an epoch from the number of epochs needed.
``cpu ms/epoch`` is the same from the process's CPU time (``time.process_time``, summed
over threads), which a busy machine inflates much less than the wall-clock time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from dlhelpers import data, models
from dlhelpers.train import train

HIDDEN = 128
LR = 3e-3
REG = 1e-3
BATCH = 64
TARGET = 0.97
MAX_EPOCHS = 60
SETTLE_SECONDS = 0.2  # pause before every run, outside the clock


def digits_split(seed: int = 0):
    """Standardized 80/20 split of the digits: X_train, y_train, X_test, y_test."""
    X, y = data.load_digits()
    X_train, y_train, _, _, X_test, y_test = data.train_val_test_split(X, y, val=0.0, test=0.2,
                                                                       seed=seed)
    scaler = data.Standardizer().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_test), y_test


def run_dlhelpers(seed, X_train, y_train, X_test, y_test, *, hidden: int = HIDDEN,
                  lr: float = LR, init: str | None = None) -> tuple[float, int]:
    """Seconds and epochs to TARGET (-1: never); ``init=None`` is ``MLP``'s default."""
    start = time.perf_counter()
    model = models.MLP([X_train.shape[1], hidden, 10], init=init, reg=REG, seed=seed)
    history = train(model, X_train, y_train, X_test, y_test, optimizer="adam", lr=lr,
                    epochs=MAX_EPOCHS, batch_size=BATCH, seed=seed, progress=False,
                    restore_best=False, record_steps=False, eval_train=False,
                    callback=lambda epoch, h: h.val_acc[-1] >= TARGET)
    elapsed = time.perf_counter() - start
    reached = history.val_acc[-1] >= TARGET
    return elapsed, history.epochs_run if reached else -1


def run_sklearn(seed, X_train, y_train, X_test, y_test, *, hidden: int = HIDDEN,
                lr: float = LR) -> tuple[float, int]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    start = time.perf_counter()
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), solver="adam", learning_rate_init=lr,
                        batch_size=BATCH, alpha=2 * REG * BATCH, random_state=seed, shuffle=True)
    classes = np.arange(10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(1, MAX_EPOCHS + 1):
            clf.partial_fit(X_train, y_train, classes=classes)
            if np.mean(clf.predict(X_test) == y_test) >= TARGET:
                return time.perf_counter() - start, epoch
    return time.perf_counter() - start, -1


def torch_runner(threads: int | None, own_init: bool = False) -> Callable | None:
    """A torch contender, or None without torch; ``own_init`` keeps nn.Linear's default draw."""
    try:
        import torch
    except ImportError:
        return None
    default_threads = torch.get_num_threads()

    def run(seed, X_train, y_train, X_test, y_test, *, hidden: int = HIDDEN,
            lr: float = LR) -> tuple[float, int]:
        torch.set_num_threads(threads or default_threads)
        torch.manual_seed(seed)
        Xt = torch.as_tensor(X_train, dtype=torch.float64)
        yt = torch.as_tensor(y_train)
        Xv = torch.as_tensor(X_test, dtype=torch.float64)
        yv = torch.as_tensor(y_test)
        start = time.perf_counter()
        net = torch.nn.Sequential(torch.nn.Linear(Xt.shape[1], hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(hidden, 10)).double()
        weights = [net[0].weight, net[2].weight]
        with torch.no_grad():  # the same initialization as the others: Glorot uniform
            for layer in () if own_init else (net[0], net[2]):
                torch.nn.init.xavier_uniform_(layer.weight)
                layer.bias.zero_()
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        gen = torch.Generator().manual_seed(seed)
        for epoch in range(1, MAX_EPOCHS + 1):
            for idx in torch.randperm(len(Xt), generator=gen).split(BATCH):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(Xt[idx]), yt[idx])
                loss = loss + REG * sum((w * w).sum() for w in weights)
                loss.backward()
                opt.step()
            with torch.no_grad():
                if (net(Xv).argmax(1) == yv).double().mean().item() >= TARGET:
                    return time.perf_counter() - start, epoch
        return time.perf_counter() - start, -1

    return run


def numpy_single_thread(fn: Callable) -> Callable:
    def run(*args, **kwargs):
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return run


def _per_epoch(seconds: list[float], epochs: list[int]) -> float:
    """Median of seconds / epochs over the runs that reached the target (nan if none did)."""
    per_epoch = [t / e for t, e in zip(seconds, epochs, strict=True) if e > 0]
    return statistics.median(per_epoch) if per_epoch else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per seed and contender")
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0, 1, ...)")
    args = parser.parse_args()

    split = digits_split()
    contenders: dict[str, Callable] = {
        "dlhelpers MLP (numpy, 1 thread)": numpy_single_thread(run_dlhelpers),
        "sklearn MLPClassifier (1 thread)": numpy_single_thread(run_sklearn),
    }
    for label, threads in (("torch CPU, 1 thread", 1), ("torch CPU, default threads", None)):
        runner = torch_runner(threads)
        if runner is not None:
            contenders[label] = runner
    if len(contenders) == 2:
        print("torch is not installed: the torch rows are skipped")

    for run in contenders.values():  # warm-up: imports, first-call allocations
        run(0, *split)
    labels = list(contenders)
    ours_label = labels[0]
    times = {label: [] for label in contenders}
    cpu = {label: [] for label in contenders}
    epochs = {label: [] for label in contenders}
    ratios = {label: [] for label in contenders}
    rounds = [seed for seed in range(args.seeds) for _ in range(args.repeats)]
    for number, seed in enumerate(rounds):
        # One round: every contender, same seed, back to back; the ratio of this round
        # compares runs that saw the same machine load. Rotating the order means no
        # contender always runs right after the same one.
        shift = number % len(labels)
        round_times = {}
        for label in labels[shift:] + labels[:shift]:
            time.sleep(SETTLE_SECONDS)
            cpu_start = time.process_time()
            elapsed, epoch = contenders[label](seed, *split)
            cpu[label].append(time.process_time() - cpu_start)
            round_times[label] = elapsed
            times[label].append(elapsed)
            epochs[label].append(epoch)
        for label in contenders:
            ratios[label].append(round_times[ours_label] / round_times[label])

    print(f"digits, 64-{HIDDEN}-10 ReLU net, Adam lr {LR}, batch {BATCH}: time to "
          f"{TARGET:.0%} test accuracy ({args.seeds} seeds x {args.repeats} repeats)")
    print(f"{'contender':34s} {'median s':>9s} {'ms/epoch':>9s} {'cpu ms/epoch':>13s} "
          f"{'epochs':>8s} {'dlhelpers / this':>17s}")
    for label in contenders:
        eps = epochs[label]
        reached = [e for e in eps if e > 0]
        ep_text = f"{min(reached)}-{max(reached)}" if reached else "never"
        if len(reached) < len(eps):
            ep_text += "*"
        print(f"{label:34s} {statistics.median(times[label]):9.3f} "
              f"{1e3 * _per_epoch(times[label], eps):9.1f} {1e3 * _per_epoch(cpu[label], eps):13.1f} "
              f"{ep_text:>8s} {statistics.median(ratios[label]):17.2f}")
    print("ratio: median over rounds of (dlhelpers time / contender time) within the round; "
          "* = some runs never reached the target")


if __name__ == "__main__":
    main()
