"""Tests for dlhelpers.knn: distances against independent definitions, votes, cross-validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlhelpers import knn

L2_VERSIONS = [knn.l2_distances_two_loops, knn.l2_distances_one_loop, knn.l2_distances_no_loops]


def _reference_l2(A, B):
    return np.array([[np.linalg.norm(a - b) for b in B] for a in A])


@pytest.mark.parametrize("fn", L2_VERSIONS)
def test_l2_versions_match_the_definition(fn):
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(11, 5))
    d = fn(A, B)
    assert d.shape == (7, 11) and d.dtype == np.float64
    np.testing.assert_allclose(d, _reference_l2(A, B), rtol=1e-10, atol=1e-12)


def test_worked_example_by_hand():
    # 3-4-5 triangle and a 1-norm computed by hand.
    A = np.array([[0.0, 0.0]])
    B = np.array([[3.0, 4.0], [-1.0, 2.0]])
    for fn in L2_VERSIONS:
        np.testing.assert_allclose(fn(A, B), [[5.0, np.sqrt(5.0)]])
    np.testing.assert_allclose(knn.l1_distances(A, B), [[7.0, 3.0]])


finite_rows = arrays(np.float64, st.tuples(st.integers(1, 6), st.just(4)),
                     elements=st.floats(-1e3, 1e3))


@settings(max_examples=60, deadline=None)
@given(A=finite_rows, B=finite_rows)
def test_distance_properties(A, B):
    d = knn.l2_distances_no_loops(A, B)
    assert np.all(d >= 0) and np.all(np.isfinite(d))
    np.testing.assert_allclose(d, knn.l2_distances_one_loop(A, B), atol=1e-6 * (1 + np.abs(A).max() + np.abs(B).max()))
    np.testing.assert_allclose(knn.l2_distances_no_loops(B, A), d.T, atol=1e-6 * (1 + d.max()))
    l1 = knn.l1_distances(A, B)
    np.testing.assert_allclose(l1, np.abs(A[:, None, :] - B[None, :, :]).sum(-1), rtol=1e-12)
    assert np.all(l1 + 1e-9 >= knn.l2_distances_one_loop(A, B))  # |v|_1 >= |v|_2


def test_no_loops_clamps_rounding_to_zero():
    # Identical large rows: the formula's cancellation can go slightly negative.
    rng = np.random.default_rng(1)
    A = rng.normal(1e4, 1.0, size=(20, 50))
    d = knn.l2_distances_no_loops(A, A)
    assert np.all(np.isfinite(d)) and np.all(d >= 0)
    # The cancellation error of |a|^2 + |a|^2 - 2 a.a is a few eps * |a|^2 before the root.
    scale = np.sqrt(np.finfo(float).eps * np.max(np.sum(A * A, axis=1)))
    np.testing.assert_allclose(np.diag(d), 0.0, atol=8 * scale)


def test_l1_blocks_cover_every_row(monkeypatch):
    monkeypatch.setattr(knn, "_L1_BLOCK_ELEMENTS", 30)  # forces blocks of a single row
    rng = np.random.default_rng(2)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(knn.l1_distances(A, B),
                               np.abs(A[:, None] - B[None]).sum(-1))


@pytest.mark.parametrize("fn", L2_VERSIONS + [knn.l1_distances])
def test_distances_reject_bad_input(fn):
    with pytest.raises(ValueError, match="same number of features"):
        fn(np.zeros((2, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="reshape"):
        fn(np.zeros((2, 3, 3)), np.zeros((4, 9)))
    with pytest.raises(ValueError):
        fn(np.array([[np.nan, 1.0]]), np.zeros((3, 2)))
    with pytest.raises(TypeError):
        fn(np.array([["a", "b"]]), np.zeros((3, 2)))


def test_one_nn_training_accuracy_is_perfect():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, 60)
    clf = knn.KNearestNeighbor().train(X, y)
    for metric in knn.METRICS:
        np.testing.assert_array_equal(clf.predict(X, k=1, metric=metric), y)


def test_predict_majority_vote_and_tie_rule():
    X_train = np.array([[0.0], [1.0], [2.0], [10.0]])
    y_train = np.array([2, 1, 1, 0])
    clf = knn.KNearestNeighbor().train(X_train, y_train)
    # From 0.1: nearest are rows 0, 1, 2 -> labels 2, 1, 1; majority says 1.
    assert clf.predict([[0.1]], k=3)[0] == 1
    # k=2: labels 2 and 1 tie -> the smaller label, 1.
    assert clf.predict([[0.1]], k=2)[0] == 1
    # k=4 from 0.1: labels 2, 1, 1, 0 -> 1 wins outright.
    assert clf.predict([[0.1]], k=4)[0] == 1
    # From 6.5 with k=2 rows 3 and 2 are nearest (labels 0 and 1): a tie -> 0.
    assert clf.predict([[6.5]], k=2)[0] == 0


def test_predict_agrees_across_loop_versions_and_on_toy_data():
    rng = np.random.default_rng(4)
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    y = np.repeat(np.arange(3), 30)
    X = centers[y] + 0.5 * rng.normal(size=(90, 2))
    X_test = centers + 0.1 * rng.normal(size=(3, 2))
    clf = knn.KNearestNeighbor().train(X, y)
    for loops in (0, 1, 2):
        np.testing.assert_array_equal(clf.predict(X_test, k=5, loops=loops), [0, 1, 2])


def test_predict_validates():
    clf = knn.KNearestNeighbor()
    with pytest.raises(RuntimeError):
        clf.predict(np.zeros((1, 2)))
    clf.train(np.zeros((3, 2)), [0, 1, 1])
    with pytest.raises(ValueError, match="k must be"):
        clf.predict(np.zeros((1, 2)), k=4)
    with pytest.raises(ValueError, match="metric"):
        clf.predict(np.zeros((1, 2)), metric="cosine")
    with pytest.raises(ValueError):
        clf.train(np.zeros((3, 2)), [0, 1])


def test_matches_sklearn_knn_where_no_ties():
    sk = pytest.importorskip("sklearn.neighbors")
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(200, 6)), rng.integers(0, 4, 200)
    Xq = rng.normal(size=(50, 6))
    ours = knn.KNearestNeighbor().train(X, y).predict(Xq, k=5)
    theirs = sk.KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(X, y).predict(Xq)
    # sklearn breaks vote ties toward the smallest label too (argmax of counts).
    np.testing.assert_array_equal(ours, theirs)


def test_cross_validate_k_against_a_manual_loop():
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(53, 3)), rng.integers(0, 3, 53)
    ks = [1, 3, 7]
    res = knn.cross_validate_k(X, y, ks, folds=4, seed=9)
    assert set(res) == set(ks) and all(v.shape == (4,) for v in res.values())
    parts = np.array_split(np.random.default_rng(9).permutation(53), 4)
    for f, held in enumerate(parts):
        train = np.setdiff1d(np.arange(53), held)
        clf = knn.KNearestNeighbor().train(X[train], y[train])
        for k in ks:
            acc = np.mean(clf.predict(X[held], k=k) == y[held])
            assert res[k][f] == pytest.approx(acc)


def test_cross_validate_k_on_separable_data_and_bad_arguments():
    X = np.repeat(np.array([[0.0, 0.0], [10.0, 10.0]]), 20, axis=0)
    X = X + np.random.default_rng(7).normal(scale=0.1, size=X.shape)
    y = np.repeat([0, 1], 20)
    res = knn.cross_validate_k(X, y, [1, 5], folds=5, metric="l1")
    for v in res.values():
        np.testing.assert_array_equal(v, 1.0)
    with pytest.raises(ValueError, match="k must be"):
        knn.cross_validate_k(X, y, [40])
    with pytest.raises(ValueError):
        knn.cross_validate_k(X, y, [1], folds=1)
    with pytest.raises(ValueError):
        knn.cross_validate_k(X, y, [])


def test_equally_distant_training_rows_count_in_their_original_order():
    # From 5.5 rows 1 (at 1.0) and 3 (at 10.0) are both 4.5 away; row 2 (at 2.0) is nearest.
    clf = knn.KNearestNeighbor().train([[0.0], [1.0], [2.0], [10.0]], [2, 1, 1, 0])
    assert clf.predict([[5.5]], k=2)[0] == 1  # rows 2 and 1, not rows 2 and 3
