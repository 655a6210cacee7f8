"""Hostile tables at every door: one-line TrueliftErrors naming the problem, inputs untouched."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.datasets import staggered_panel
from truelift.errors import DataError, TrueliftError

N = 300


def _base() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"t": rng.integers(0, 2, N), "y": rng.normal(size=N),
                         "x": rng.normal(size=N), "v": rng.choice(["a", "b"], N)})


def _hostile() -> dict[str, tuple[pd.DataFrame, str]]:
    out = {}
    d = _base()
    d.columns = ["t", "y", "x", "x"]
    out["duplicate columns"] = (d, "appears 2 times|not found")
    d = _base()
    d.columns = [0, 1, 2, 3]
    out["non-text labels"] = (d, "column labels must be text")
    d = _base()
    d.columns = pd.MultiIndex.from_tuples([("a", c) for c in d.columns])
    out["MultiIndex columns"] = (d, "MultiIndex")
    out["empty frame"] = (_base().iloc[:0], "no rows|no users")
    d = _base().assign(y=pd.date_range("2024-01-01", periods=N))
    out["datetime outcome"] = (d, "numeric")
    d = _base().assign(x=pd.date_range("2024-01-01", periods=N))
    out["datetime covariate"] = (d, "dates or times")
    d = _base().assign(y=lambda f: f["y"] * 1e300)
    out["overflowing outcome"] = (d, "too large")
    return out


ENTRIES = {
    "observe": lambda d: tl.observe(d, treatment="t", outcome="y", covariates=["x"],
                                    method="ipw", refute=False),
    "uplift": lambda d: tl.uplift(d, treatment="t", control=0, outcome="y", covariates=["x"]),
    "readout": lambda d: tl.readout(d, treatment="v", control="a", outcome=["y"], bayes=False),
}
READOUT_IGNORES = {"datetime covariate"}  # the readout never reads x


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("case", list(_hostile()))
def test_hostile_tables_are_one_line_truelift_errors_and_stay_untouched(entry, case):
    frame, message = _hostile()[case]
    before = frame.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if entry == "readout" and case in READOUT_IGNORES:
            ENTRIES[entry](frame)
        else:
            with pytest.raises(TrueliftError, match=message) as err:
                ENTRIES[entry](frame)
            assert "\n" not in str(err.value)
    pd.testing.assert_frame_equal(frame, before)


def test_quasi_designs_check_the_labels_at_the_same_door():
    panel = staggered_panel(units=60, periods=8, cohorts=(3, 5, 7), seed=3)[0]
    bad = panel.copy()
    bad.columns = pd.MultiIndex.from_tuples([("p", c) for c in bad.columns])
    with pytest.raises(DataError, match="MultiIndex"):
        tl.did(bad, outcome="y", time="period", treatment="treated", unit="unit")
    dup = panel.assign(extra=0.0).rename(columns={"extra": "y"})
    with pytest.raises(DataError, match="column 'y': appears 2 times"):
        tl.did(dup, outcome="y", time="period", treatment="treated", unit="unit")
