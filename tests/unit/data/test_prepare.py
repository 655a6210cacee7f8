"""Validation at the door: every bad input gets a one-line DataError naming the column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from truelift.data import Roles, prepare
from truelift.errors import DataError, DataWarning, RoleError


def _prep(df, **kw):
    roles = dict(treatment="t", outcomes=["y"], covariates=["x", "z", "dev"])
    opts = {k: kw.pop(k) for k in ("drop_missing", "min_per_arm") if k in kw}
    roles.update(kw)
    return prepare(df, Roles(**roles), **opts)


def _one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


def test_well_formed_table_is_prepared(toy):
    p = _prep(toy)
    assert p.n == len(toy)
    assert p.x_names == ("x", "z", "dev=mobile", "dev=tablet")
    assert set(np.unique(p.t)) == {0, 1}
    assert p.binary == {"y": True}
    assert p.rows_dropped == {}


def test_caller_frame_is_not_modified(toy):
    before = toy.copy(deep=True)
    _prep(toy.assign(x=toy.x.where(toy.index % 7 != 0)), drop_missing=True)
    _prep(toy)
    pd.testing.assert_frame_equal(toy, before)


def test_missing_column():
    df = pd.DataFrame({"t": [0, 1] * 20, "y": [0.0] * 40, "x": range(40)})
    with pytest.raises(DataError) as err:
        prepare(df, Roles(treatment="t", outcomes=["y"], covariates=["x", "nope"]))
    assert _one_line(err).startswith("column 'nope': not found in the data")
    assert err.value.column == "nope"


def test_treatment_not_binary(toy):
    with pytest.raises(DataError, match=r"column 't': treatment must be binary .* 3 distinct"):
        _prep(toy.assign(t=np.arange(len(toy)) % 3))


def test_treatment_two_labels_need_the_treated_label(toy):
    labelled = toy.assign(t=np.where(toy.t == 1, "new", "old"))
    with pytest.raises(DataError, match=r"column 't': has labels .*name the treated one"):
        _prep(labelled)
    p = _prep(labelled, treated="new")
    np.testing.assert_array_equal(p.t, toy.t.to_numpy())
    with pytest.raises(DataError, match=r"treated label 'neu' does not occur"):
        _prep(labelled, treated="neu")


def test_boolean_treatment(toy):
    p = _prep(toy.assign(t=toy.t.astype(bool)))
    np.testing.assert_array_equal(p.t, toy.t.to_numpy())


def test_all_units_in_one_arm(toy):
    with pytest.raises(DataError, match=r"column 't': all 200 rows are in one arm"):
        _prep(toy.assign(t=1))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_missing_or_infinite_treatment(toy, bad):
    t = toy.t.astype(float).copy()
    t.iloc[3] = bad
    with pytest.raises(DataError, match=r"column 't': has 1 (missing|infinite) value"):
        _prep(toy.assign(t=t))


@pytest.mark.parametrize(("bad", "word"), [(np.nan, "missing"), (np.inf, "infinite")])
def test_missing_or_infinite_outcome(toy, bad, word):
    y = toy.rev.copy()
    y.iloc[[1, 2]] = bad
    with pytest.raises(DataError, match=rf"column 'rev': has 2 {word} value"):
        _prep(toy.assign(rev=y), outcomes=["rev"])


def test_missing_covariate_is_an_error_by_default(toy):
    x = toy.x.copy()
    x.iloc[[0, 5, 9]] = np.nan
    with pytest.raises(DataError, match=r"column 'x': has 3 missing value.*drop_missing=True"):
        _prep(toy.assign(x=x))


def test_drop_missing_counts_dropped_rows(toy):
    x = toy.x.copy()
    x.iloc[[0, 5, 9]] = np.nan
    dev = toy.dev.copy()
    dev.iloc[[5, 11]] = None
    p = _prep(toy.assign(x=x, dev=dev), drop_missing=True)
    assert p.n == len(toy) - 4
    assert p.rows_dropped == {"missing covariate value": 4}   # reasons add up to rows dropped
    assert p.missing_by_column == {"x": 3, "dev": 2}
    assert p.rows_read == len(toy)


def test_constant_covariate_is_dropped_with_a_warning(toy):
    with pytest.warns(DataWarning, match=r"column 'z': dropped from the covariates, constant"):
        p = _prep(toy.assign(z=1.5))
    assert "z" not in p.x_names
    assert "z" in p.dropped_covariates


def test_collinear_covariate_is_dropped_with_a_warning(toy):
    with pytest.warns(DataWarning, match=r"column 'x2': dropped .* collinear"):
        p = _prep(toy.assign(x2=2 * toy.x + 1), covariates=["x", "z", "x2"])
    assert p.x_names == ("x", "z")


def test_non_numeric_outcome(toy):
    with pytest.raises(DataError, match=r"column 'dev': outcome must be numeric"):
        _prep(toy, outcomes=["dev"], covariates=["x", "z"])


def test_bool_outcome_is_accepted(toy):
    p = _prep(toy.assign(y=toy.y.astype(bool)))
    assert p.binary["y"]


def test_too_few_units_in_an_arm(toy):
    t = np.zeros(len(toy), dtype=int)
    t[:4] = 1
    with pytest.raises(DataError, match=r"column 't': only 4 treated unit\(s\); at least 10"):
        _prep(toy.assign(t=t))


def test_infinite_covariate(toy):
    x = toy.x.copy()
    x.iloc[0] = np.inf
    with pytest.raises(DataError, match=r"column 'x': has 1 infinite value"):
        _prep(toy.assign(x=x))


def test_categorical_with_too_many_levels(toy):
    with pytest.raises(DataError, match=r"column 'idlike': categorical covariate with 200 levels"):
        _prep(toy.assign(idlike=[f"c{i}" for i in range(len(toy))]), covariates=["x", "idlike"])


def test_numeric_codes_forced_categorical(toy):
    p = _prep(toy.assign(code=np.arange(len(toy)) % 3), covariates=["x", "code"],
              categorical=["code"])
    assert p.x_names == ("x", "code=1", "code=2")
    assert "code" in p.levels


@pytest.mark.parametrize(("kw", "msg"), [
    (dict(outcomes=["x"]), "given as both outcome and covariate"),
    (dict(outcomes=[]), "at least one outcome"),
    (dict(covariates=[]), "at least one covariate"),
    (dict(categorical=["q"]), "named categorical but is not a covariate"),
    (dict(outcomes=["y", "y"]), "twice as an outcome"),
])
def test_role_conflicts(toy, kw, msg):
    with pytest.raises(RoleError, match=msg):
        _prep(toy, **kw)


def test_csv_and_parquet_paths_read_through_duckdb(toy, tmp_path):
    import duckdb

    csv = tmp_path / "toy.csv"
    toy.to_csv(csv, index=False)
    pq = tmp_path / "toy.parquet"
    con = duckdb.connect()
    con.register("toy_df", toy)
    con.execute(f"COPY toy_df TO '{pq}' (FORMAT PARQUET)")
    con.close()
    a, b, c = _prep(toy), _prep(str(csv)), _prep(pq)
    for other in (b, c):
        np.testing.assert_array_equal(a.t, other.t)
        np.testing.assert_allclose(a.x, other.x)
        np.testing.assert_allclose(a.y["y"], other.y["y"])
    assert b.source == str(csv)


def test_missing_file_and_bad_suffix(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        prepare(tmp_path / "nope.csv", Roles(treatment="t", outcomes=["y"], covariates=["x"]))
    bad = tmp_path / "data.xlsx"
    bad.write_text("x")
    with pytest.raises(DataError, match=r"use a \.csv or \.parquet file"):
        prepare(bad, Roles(treatment="t", outcomes=["y"], covariates=["x"]))


def test_missing_column_in_a_file(toy, tmp_path):
    csv = tmp_path / "toy.csv"
    toy.to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"column 'nope': not found"):
        prepare(csv, Roles(treatment="t", outcomes=["y"], covariates=["nope"]))


def test_no_warning_on_clean_data(toy):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _prep(toy)


@pytest.mark.parametrize("offset", [0.0, 1e6, 1e8, 1e9])
def test_large_offset_covariate_is_kept(offset):
    """Precision: a confounder with a huge mean and unit spread is not mistaken for collinear."""
    rng = np.random.default_rng(8)
    n = 20_000
    u = rng.normal(size=n)
    df = pd.DataFrame({"t": (rng.random(n) < 1 / (1 + np.exp(-u))).astype(int),
                       "y": rng.normal(size=n), "c": offset + u, "z": rng.normal(size=n),
                       "w": rng.uniform(size=n)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = prepare(df, Roles(treatment="t", outcomes=["y"], covariates=["z", "w", "c"]))
    assert p.x_names == ("z", "w", "c")
