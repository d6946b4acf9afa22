"""Tests for dlhelpers.data: loaders, toy sets, CIFAR reader, splits, standardization, batches."""

import pickle
import random
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlhelpers import data

# ---------------------------------------------------------------------------------------
# bundled real data
# ---------------------------------------------------------------------------------------


def test_load_digits_shapes_dtypes_and_range():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert set(np.unique(y)) == set(range(10))
    images, y2 = data.load_digits(images=True)
    assert images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(images.reshape(1797, -1), X)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.slow
def test_load_mnist_subset_caches_in_memory_and_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("DLHELPERS_CACHE", str(tmp_path))
    data._mnist_arrays.cache_clear()
    X, y = data.load_mnist_subset()
    assert X.shape == (5000, 784) and X.dtype == np.float64
    assert X.min() == 0 and X.max() == 255
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 500))
    assert (tmp_path / data._MNIST_CACHE_NAME).is_file()

    X[:] = -1  # a learner's edit must not reach the cache
    X2, y2 = data.load_mnist_subset(images=True)
    assert X2.shape == (5000, 28, 28) and X2.min() == 0
    assert data._mnist_arrays.cache_info().hits == 1  # the second call came from memory
    assert not data._mnist_arrays()[0].flags.writeable  # and the memory copy is read-only

    # From disk alone (fresh memory) the same arrays come back.
    data._mnist_arrays.cache_clear()
    X3, y3 = data.load_mnist_subset()
    np.testing.assert_array_equal(X3, X2.reshape(5000, -1))
    np.testing.assert_array_equal(y3, y2)


def test_mnist_disk_cache_failures_are_silent(tmp_path, monkeypatch):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    # The cache "folder" is a file, so writing fails; reading a garbage npz fails too.
    data._write_mnist_npz(blocker / "cache.npz", np.zeros((2, 2), np.uint8), np.zeros(2))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz")
    assert data._read_mnist_npz(bad) is None
    assert data._read_mnist_npz(tmp_path / "absent.npz") is None


def test_cache_dir_is_the_env_override_else_the_platform_user_cache(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setenv("DLHELPERS_CACHE", str(tmp_path / "mine"))
    assert data._cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("DLHELPERS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data._cache_dir() == platformdirs.user_cache_path("dlhelpers")
    if sys.platform.startswith("linux"):
        assert data._cache_dir() == tmp_path / "xdg" / "dlhelpers"


@pytest.mark.slow
def test_load_mnist1d_restores_global_random_state():
    data._generate_mnist1d.cache_clear()
    random.seed(7)
    np.random.seed(7)
    expected_py, expected_np = random.random(), np.random.rand()
    random.seed(7)
    np.random.seed(7)
    X_train, y_train, X_test, y_test = data.load_mnist1d()
    assert random.random() == expected_py and np.random.rand() == expected_np
    assert X_train.shape == (4000, 40) and X_test.shape == (1000, 40)
    assert y_train.dtype == np.int64 and set(np.unique(y_train)) == set(range(10))
    # The generator standardizes the whole set to mean 0, std 1.
    all_x = np.concatenate([X_train, X_test])
    assert abs(all_x.mean()) < 1e-9 and abs(all_x.std() - 1) < 1e-9
    d = data.load_mnist1d(as_dict=True)
    np.testing.assert_array_equal(d["x"], X_train)
    assert d["t"].shape == (40,)


# ---------------------------------------------------------------------------------------
# toy 2-D sets
# ---------------------------------------------------------------------------------------

TOYS = [
    (data.make_blobs, 3),
    (data.make_spiral, 3),
    (data.make_xor, 2),
    (data.make_moons, 2),
]


@pytest.mark.parametrize("maker,classes", TOYS)
def test_toy_sets_shapes_balance_and_seeding(maker, classes):
    X, y = maker(101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=classes)
    assert counts.size == classes and counts.max() - counts.min() <= 1
    X2, y2 = maker(101, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = maker(101, seed=4)
    assert not np.allclose(X, X3)


@pytest.mark.parametrize("maker,_", TOYS)
def test_toy_sets_reject_bad_arguments(maker, _):
    with pytest.raises(ValueError):
        maker(0)
    with pytest.raises(ValueError):
        maker(10, noise=-1.0)
    with pytest.raises(TypeError):
        maker(10.5)


def test_noise_free_toy_sets_have_their_geometry():
    X, y = data.make_xor(40, noise=0.0)
    np.testing.assert_array_equal(np.abs(X), 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    X, y = data.make_moons(50, noise=0.0)
    upper = X[y == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    lower = X[y == 1]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    X, y = data.make_spiral(60, noise=0.0)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0)
    centers = [[0.0, 0.0], [5.0, 5.0]]
    X, y = data.make_blobs(20, centers=centers, noise=0.0)
    np.testing.assert_array_equal(X, np.asarray(centers)[y])


def test_toy_sets_need_a_separating_nonlinearity():
    # A least-squares linear classifier cannot solve XOR much above chance.
    X, y = data.make_xor(400, noise=0.1)
    A = np.column_stack([X, np.ones(len(X))])
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1, rcond=None)
    assert np.mean((A @ w > 0) == y) < 0.7


# ---------------------------------------------------------------------------------------
# CIFAR-10 reader on tiny files in the official format
# ---------------------------------------------------------------------------------------

def _write_batch(path, rows, rng):
    pixels = rng.integers(0, 256, size=(rows, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, size=rows)]
    with open(path, "wb") as fh:
        pickle.dump({b"batch_label": b"tiny", b"labels": labels, b"data": pixels,
                     b"filenames": [b"x.png"] * rows}, fh)
    return pixels, labels


def _write_cifar(folder, rows=3):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        written[name] = _write_batch(folder / name, rows, rng)
    return written


def test_load_cifar10_reads_official_layout(tmp_path):
    written = _write_cifar(tmp_path / "cifar-10-batches-py")
    X_train, y_train, X_test, y_test = data.load_cifar10(tmp_path / "cifar-10-batches-py")
    assert X_train.shape == (15, 32, 32, 3) and X_train.dtype == np.uint8
    assert X_test.shape == (3, 32, 32, 3) and y_test.dtype == np.int64
    pixels, labels = written["data_batch_2"]
    # Row layout: 1024 red values, then 1024 green, then 1024 blue, each row-major 32x32.
    row = pixels[1]
    img = X_train[3 + 1]
    assert img[0, 0, 0] == row[0] and img[0, 0, 1] == row[1024] and img[0, 0, 2] == row[2048]
    assert img[0, 1, 0] == row[1] and img[1, 0, 0] == row[32] and img[31, 31, 2] == row[3071]
    np.testing.assert_array_equal(y_train[3:6], labels)
    # The parent folder works too.
    X_again = data.load_cifar10(tmp_path)[0]
    np.testing.assert_array_equal(X_again, X_train)


def test_load_cifar10_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        data.load_cifar10(tmp_path / "nowhere")
    _write_cifar(tmp_path / "c")
    (tmp_path / "c" / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_4") as info:
        data.load_cifar10(tmp_path / "c")
    assert "cifar-10-python.tar.gz" in str(info.value)


def test_load_cifar10_rejects_foreign_pickles(tmp_path):
    _write_cifar(tmp_path)
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, fh)
    with pytest.raises(ValueError, match="3072"):
        data.load_cifar10(tmp_path)


# ---------------------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------------------

def test_split_is_a_partition_with_requested_sizes():
    X = np.arange(1797)[:, None] * np.ones((1, 3))
    y = np.arange(1797) % 10
    Xtr, ytr, Xva, yva, Xte, yte = data.train_val_test_split(X, y, val=0.1, test=0.2, seed=1)
    assert len(Xte) == 360 and len(Xva) == 180 and len(Xtr) == 1797 - 540
    ids = np.concatenate([Xtr[:, 0], Xva[:, 0], Xte[:, 0]])
    np.testing.assert_array_equal(np.sort(ids), np.arange(1797))
    np.testing.assert_array_equal(ytr, Xtr[:, 0].astype(int) % 10)  # rows stay paired


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 40), min_size=2, max_size=6),
       test=st.floats(0.05, 0.45), seed=st.integers(0, 1000))
def test_stratified_split_cuts_every_class_at_one_fraction(counts, test, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.arange(len(y))[:, None]
    _, _, _, yva, _, yte = data.train_val_test_split(X, y, val=0.0, test=test, seed=seed)
    assert len(yva) == 0
    sizes = np.asarray(counts, dtype=float)
    taken = np.array([np.sum(yte == label) for label in range(len(counts))])
    # Stratified means one cut point t for all classes: each class gives floor(size * t) or
    # one more, i.e. taken - 1 <= size * t < taken + 1 for a common t.
    assert np.max((taken - 1) / sizes) < np.min((taken + 1) / sizes) + 1e-12
    # and so no class is far from its share of the test part
    share = len(yte) * sizes / len(y)
    assert np.all(np.abs(taken - share) < 1 + len(counts) * sizes / len(y))


def test_split_rejects_bad_fractions():
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(ValueError):
        data.train_val_test_split(X, y, val=0.5, test=0.5)
    with pytest.raises(ValueError):
        data.train_val_test_split(X, y, test=1.0)
    with pytest.raises(ValueError):
        data.train_val_test_split(X, y[:5])


# ---------------------------------------------------------------------------------------
# Standardizer
# ---------------------------------------------------------------------------------------

def test_standardizer_fits_on_training_data_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal(3.0, 2.0, size=(200, 4))
    X_test = rng.normal(3.0, 2.0, size=(50, 4))
    s = data.Standardizer().fit(X_train)
    Z = s.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(s.transform(X_test),
                               (X_test - X_train.mean(0)) / X_train.std(0))
    np.testing.assert_allclose(s.inverse_transform(s.transform(X_test)), X_test)


def test_standardizer_constant_feature_becomes_zero_not_nan():
    X = np.column_stack([np.zeros(5), np.arange(5.0)])
    Z = data.Standardizer().fit_transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:, 0], 0.0)


def test_standardizer_refuses_misuse():
    with pytest.raises(RuntimeError, match="fit"):
        data.Standardizer().transform(np.zeros((2, 3)))
    s = data.Standardizer().fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="3"):
        s.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError):
        s.transform(np.array([[np.nan, 0, 0]]))


# ---------------------------------------------------------------------------------------
# minibatches
# ---------------------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 60), batch=st.integers(1, 70), seed=st.integers(0, 99))
def test_minibatches_cover_each_example_once(n, batch, seed):
    X = np.arange(n)[:, None] * np.ones((1, 2))
    y = np.arange(n)
    batches = list(data.minibatches(X, y, batch, rng=seed))
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    assert all(len(yb) == batch for _, yb in batches[:-1])
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb)


def test_minibatches_seeding_order_and_drop_last():
    X, y = np.zeros((10, 1)), np.arange(10)
    first = [yb for _, yb in data.minibatches(X, y, 4, rng=5)]
    again = [yb for _, yb in data.minibatches(X, y, 4, rng=5)]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(0)
    epoch1 = np.concatenate([yb for _, yb in data.minibatches(X, y, 4, rng=rng)])
    epoch2 = np.concatenate([yb for _, yb in data.minibatches(X, y, 4, rng=rng)])
    assert not np.array_equal(epoch1, epoch2)
    unseeded = np.concatenate([yb for _, yb in data.minibatches(X, y, 4)])  # None: seed 0
    np.testing.assert_array_equal(unseeded, y[np.random.default_rng(0).permutation(len(y))])
    with pytest.raises(TypeError, match="rng must be a np.random.Generator .* got RandomState"):
        data.minibatches(X, y, 4, rng=np.random.RandomState(0))
    plain = np.concatenate([yb for _, yb in data.minibatches(X, y, 4, shuffle=False)])
    np.testing.assert_array_equal(plain, y)
    dropped = list(data.minibatches(X, y, 4, drop_last=True))
    assert [len(yb) for _, yb in dropped] == [4, 4]


def test_minibatches_validate_at_the_call():
    with pytest.raises(ValueError):
        data.minibatches(np.zeros((5, 2)), np.zeros(4), 2)
    with pytest.raises(ValueError):
        data.minibatches(np.zeros((5, 2)), np.zeros(5), 0)


def test_load_digits_equals_scikit_learns_loader():
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    X, y = data.load_digits()
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    assert X.dtype == np.float64 and y.dtype == np.int64
