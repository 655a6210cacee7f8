"""Hash folds: portable (same as MD5 in SQL), stratified, and independent of row order."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from truelift.errors import MethodError
from truelift.nuisance.folds import canonical_order, hash_folds, id_keys, prepared_keys


def test_id_keys_are_md5_of_salt_and_id():
    keys = id_keys(np.array(["C1", 7, 7.0, "x y"], dtype=object), salt=3)
    for row, text in zip(keys, ["3:C1", "3:7", "3:7", "3:x y"], strict=True):
        digest = hashlib.md5(text.encode()).digest()
        assert int(row[0]) == int.from_bytes(digest[:8], "big")
        assert int(row[1]) == int.from_bytes(digest[8:], "big")


def test_folds_equal_the_sql_expression_on_duckdb():
    duckdb = pytest.importorskip("duckdb")
    rng = np.random.default_rng(0)
    ids = np.array([f"U{i:05d}" for i in rng.permutation(2_000)])
    t = rng.integers(0, 2, 2_000)
    folds = hash_folds(id_keys(ids, salt=11), t, 5)
    con = duckdb.connect()
    con.register("units", pd.DataFrame({"id": ids, "t": t}))
    sql = con.execute(
        "SELECT id, (row_number() OVER (PARTITION BY t ORDER BY md5(concat('11', ':', "
        "CAST(id AS VARCHAR)))) - 1) % 5 AS fold FROM units").df()
    by_id = dict(zip(sql["id"], sql["fold"], strict=True))
    assert [by_id[i] for i in ids] == folds.tolist()


def test_folds_are_stratified_and_balanced():
    rng = np.random.default_rng(1)
    t = (rng.random(1_003) < 0.3).astype(int)
    folds = hash_folds(id_keys(np.arange(1_003)), t, 5)
    for arm in (0, 1):
        counts = np.bincount(folds[t == arm], minlength=5)
        assert counts.max() - counts.min() <= 1


def test_folds_follow_the_unit_not_the_row_position():
    ids = np.arange(500)
    t = np.arange(500) % 3 == 0
    perm = np.random.default_rng(2).permutation(500)
    a = hash_folds(id_keys(ids), t, 4)
    b = hash_folds(id_keys(ids[perm]), t[perm], 4)
    assert np.array_equal(a[perm], b)


def test_value_keys_ignore_row_order_and_outcome_scale():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (300, 2)).astype(float)     # many identical covariate rows
    t = rng.integers(0, 2, 300).astype(np.int8)
    y = {"y": rng.normal(size=300)}
    k = prepared_keys(None, t, y, x)
    perm = rng.permutation(300)
    k2 = prepared_keys(None, t[perm], {"y": y["y"][perm]}, x[perm])
    assert np.array_equal(k[perm], k2)
    k3 = prepared_keys(None, t, {"y": 100.0 * y["y"]}, x)
    assert np.array_equal(k, k3)
    order = canonical_order(k)
    assert np.array_equal(np.sort(order), np.arange(300))


def test_too_few_units_for_the_folds():
    with pytest.raises(MethodError, match="fewer than the 5 folds"):
        hash_folds(id_keys(np.arange(12)), np.r_[np.ones(3), np.zeros(9)], 5)


def test_copies_of_a_unit_share_a_fold():
    ids = np.repeat(np.arange(300), 2)[np.random.default_rng(6).permutation(600)]
    t = (ids % 3 == 0).astype(int)
    folds = hash_folds(id_keys(ids), t, 5)
    for u in np.unique(ids):
        assert np.unique(folds[ids == u]).shape[0] == 1
    assert np.bincount(folds, minlength=5).min() > 80


def test_default_folds_drop_to_three_on_large_data() -> None:
    from truelift.hte.learners import DRLearner, n_folds
    from truelift.nuisance.crossfit import LARGE_FOLDS, default_folds

    assert default_folds(LARGE_FOLDS - 1) == 5
    assert default_folds(LARGE_FOLDS) == 3
    assert n_folds(None, np.zeros(LARGE_FOLDS)) == 3
    assert n_folds(7, np.zeros(LARGE_FOLDS)) == 7
    assert DRLearner().folds is None and DRLearner(folds=4).folds == 4


def test_the_salt_moves_value_keys_of_numeric_rows() -> None:
    # pandas' hash_key reaches only text columns; the salt must still reorder numeric rows
    from truelift.nuisance.folds import value_keys

    cols = [np.arange(200.0), np.arange(200.0) ** 2]
    a, b = value_keys(cols, 0), value_keys(cols, 1)
    np.testing.assert_array_equal(a, value_keys(cols, 0))
    assert not np.array_equal(canonical_order(a), canonical_order(b))
    t = np.arange(200) % 2
    assert (hash_folds(a, t, 5) != hash_folds(b, t, 5)).mean() > 0.5
