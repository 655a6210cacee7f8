"""Edge cases found in review: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.errors import DataError


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _both(frame, tmp_path, **kwargs):
    """The readout on the DataFrame and on the same data as a Parquet file (DuckDB)."""
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    return tl.readout(frame, bayes=False, **kwargs), tl.readout(str(path), bayes=False, **kwargs)


def test_funnel_step_undefined_in_an_arm_is_reported_not_fatal(rng):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 3000), "s1": 1, "s2": rng.integers(0, 2, 3000)})
    df["s3"] = df.s2 * rng.integers(0, 2, 3000)
    df.loc[df.v == "B", ["s2", "s3"]] = 0
    r = tl.readout(df, treatment="v", outcome=["s1"], funnel=["s1", "s2", "s3"], bayes=False)
    last = next(f for f in r.funnel if f.stage == "s3")
    assert last.step is None and "s2" in last.note
    assert "s3" in str(r) and "s3" in r._repr_html_()


def test_group_sequential_decides_by_the_boundary(rng):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 6000), "day": rng.integers(1, 4, 6000)})
    df["y"] = rng.normal(size=6000) + 0.08 * (df.v == "B")
    r = tl.readout(df, treatment="v", outcome=["y"], time="day", sequential="obrien-fleming", horizon=30_000,
                   bayes=False)
    lift = r.lift("y")
    assert lift.estimate.pvalue < 0.05 and not lift.significant  # interim: boundary not crossed
    assert any(d.name.startswith("interim:") and d.status == "warn" for d in r.diagnostics)
    done = tl.readout(df, treatment="v", outcome=["y"], time="day", sequential="obrien-fleming", horizon=6000,
                      bayes=False)
    assert done.lift("y").significant  # at the full horizon the final boundary (about 2.0) is crossed


def test_group_sequential_keeps_the_latest_look_past_the_horizon(rng):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 6000), "day": rng.integers(1, 7, 6000),
                       "y": rng.normal(size=6000)})
    r = tl.readout(df, treatment="v", outcome=["y"], time="day", sequential="pocock", horizon=3000,
                   bayes=False)
    path = r.sequential.group_sequential[0]
    assert path.times[-1] == 6  # the last look uses every user
    assert path.monitoring.looks[-1].estimate == pytest.approx(r.lift("y").estimate.value, rel=1e-12)


def test_large_integer_values_do_not_overflow(rng, tmp_path):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 2000)})
    df["rev_micros"] = (rng.integers(0, 2, 2000) * 5_000_000_000).astype("int64")
    a, b = _both(df, tmp_path, treatment="v", outcome=["rev_micros"])
    assert b.lift().estimate.value == pytest.approx(a.lift().estimate.value, rel=1e-12)
    assert b.lift().estimate.se == pytest.approx(a.lift().estimate.se, rel=1e-9)


def test_float_zero_one_column_is_checked_on_the_rows_kept(rng, tmp_path):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 1000),
                       "conv": rng.integers(0, 2, 1000).astype(float), "x": rng.normal(size=1000)})
    df.loc[5, "conv"] = 2.0
    df.loc[5, "x"] = np.nan  # the only row with conv = 2 is dropped by dropna
    a, b = _both(df, tmp_path, treatment="v", outcome=["conv"], covariates=["x"], drop_missing=True)
    assert a.lift().kind == b.lift().kind == "proportion"


def test_event_rows_without_a_user_id_are_an_error(rng, tmp_path):
    ev = pd.DataFrame({"u": [1, 1, 2, None, 3, 4], "v": ["control", "control", "B", "B", "control", "B"],
                       "rev": [1.0, 2, 3, 4, 5, 6]})
    path = tmp_path / "e.parquet"
    ev.to_parquet(path)
    for data in (ev, str(path)):
        with pytest.raises(DataError, match="no user id") as err:
            tl.readout(data, treatment="v", outcome=["rev"], unit="u", bayes=False)
        assert err.value.column == "u"


def test_event_rows_are_counted_as_rows_in_the_provenance(rng, tmp_path):
    ev = tl.datasets.homepage_events(n_users=500, seed=1).data
    a, b = _both(ev, tmp_path, treatment="variant", control="control", outcome=["revenue"], unit="user_id")
    for r in (a, b):
        assert r.provenance.rows_read == len(ev)
        assert r.provenance.rows_used + sum(r.provenance.rows_dropped.values()) == len(ev)
        assert sum(arm.users for arm in r.arms) == ev.user_id.nunique()


def test_nan_in_a_csv_counts_as_missing(rng, tmp_path):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 200), "rev": rng.gamma(2.0, 3.0, 200)})
    path = tmp_path / "t.csv"
    text = df.to_csv(index=False).splitlines()
    text[4] = text[4].split(",")[0] + ",NaN"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match="missing") as err:
        tl.readout(str(path), treatment="v", outcome=["rev"], bayes=False)
    assert err.value.column == "rev"
    r = tl.readout(str(path), treatment="v", outcome=["rev"], bayes=False, drop_missing=True)
    assert r.provenance.rows_dropped == {"missing rev": 1}


def test_nan_in_one_column_is_reported_on_that_column(rng, tmp_path):
    df = pd.DataFrame({"v": rng.choice(["control", "B"], 200), "x": rng.normal(size=200),
                       "rev": rng.gamma(2.0, 3.0, 200)})
    df.loc[7, "rev"] = np.nan
    for data in _paths(df, tmp_path):
        with pytest.raises(DataError, match="missing") as err:
            tl.readout(data, treatment="v", outcome=["rev"], covariates=["x"], bayes=False)
        assert err.value.column == "rev"


def _paths(df, tmp_path):
    path = tmp_path / "n.parquet"
    df.to_parquet(path)
    return [df, str(path)]
