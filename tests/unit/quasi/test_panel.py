"""read_panel: the checks every panel design relies on (issue 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truelift.errors import DataError
from truelift.quasi.panel import read_panel


def _panel() -> pd.DataFrame:
    return pd.DataFrame({"u": np.repeat(["a", "b", "c"], 4), "t": np.tile([1, 2, 3, 4], 3),
                         "y": np.arange(12.0), "d": [0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0]})


def test_adoption_balance_and_absorbing() -> None:
    df = _panel()
    before = df.copy()
    p = read_panel(df, unit="u", time="t", outcome="y", treatment="d", require_absorbing=True,
                   require_balanced=True)
    pd.testing.assert_frame_equal(df, before)  # the caller's data is untouched
    assert p.adoption == {"a": 3, "b": 2, "c": None}
    assert p.balanced and p.absorbing and p.staggered
    assert p.treated_units == ["a", "b"] and p.never_treated == ["c"]
    assert list(p.frame.columns) == ["unit", "time", "y", "d"]


def test_missing_outcome_fails_or_is_dropped_and_counted() -> None:
    df = _panel()
    df.loc[5, "y"] = np.nan
    with pytest.raises(DataError, match="missing outcome"):
        read_panel(df, unit="u", time="t", outcome="y", treatment="d")
    p = read_panel(df, unit="u", time="t", outcome="y", treatment="d", drop_missing=True)
    assert p.rows_dropped == {"missing y": 1} and p.rows_read == 12 and len(p.frame) == 11
    assert not p.balanced
    with pytest.raises(DataError, match="unbalanced"):
        read_panel(df, unit="u", time="t", outcome="y", treatment="d", drop_missing=True,
                   require_balanced=True)


@pytest.mark.parametrize(("change", "column", "match"), [
    (lambda df: df.assign(d=[0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0]), "d", "switches off"),
    (lambda df: df.assign(d=[1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0]), "d", "no untreated period"),
    (lambda df: df.assign(d=2), "d", "0 or 1"),
    (lambda df: df.assign(d=0), "d", "nothing to compare"),
    (lambda df: pd.concat([df, df.iloc[[0]]]), "t", "duplicate"),
    (lambda df: df.assign(y="x"), "y", "not numeric"),
    (lambda df: df.assign(t="not a date"), "t", "numeric or an ISO 8601 date"),
])
def test_bad_panels_fail_with_one_line_naming_the_column(change, column: str, match: str) -> None:
    with pytest.raises(DataError, match=match) as err:
        read_panel(change(_panel()), unit="u", time="t", outcome="y", treatment="d", require_absorbing=True)
    assert err.value.column == column
    assert "\n" not in str(err.value)


def test_dates_are_read_as_dates() -> None:
    df = _panel().assign(t=lambda d: pd.to_datetime("2024-01-01") + pd.to_timedelta(d["t"], unit="D"))
    p = read_panel(df, unit="u", time="t", outcome="y", treatment="d")
    assert pd.api.types.is_datetime64_any_dtype(p.frame["time"])
    assert p.adoption["b"] == pd.Timestamp("2024-01-03")
