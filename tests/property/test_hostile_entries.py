"""The hostile-input battery over every entry that reads a table (14 of 16; ``plan`` takes
numbers and ``project`` a saved result, each with their own tests): whatever the table, nothing
but a one-line ``TrueliftError`` escapes and the caller's frame is never modified.

Each case breaks the entry's own data in one way: duplicate, non-text or MultiIndex column
labels, no rows, an outcome of dates, of text, or so large the maths overflows (1e300).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.datasets._impact_shop import STAGES
from truelift.errors import TrueliftError

SYNTH_START = tl.datasets.geo_panel(8, 20, 8, treated=["R00"], seed=1).truth.start
Entry = tuple[Callable[[], pd.DataFrame], Callable[[pd.DataFrame], object], str]

ENTRIES: dict[str, Entry] = {
    "observe": (lambda: tl.datasets.personalization(400, seed=1).data,
                lambda d: tl.observe(d, treatment="received_personalization", outcome="revenue",
                                     covariates=["engagement_score"], method="ipw", refute=False),
                "revenue"),
    "readout": (lambda: tl.datasets.homepage_test(1_000, seed=1).data,
                lambda d: tl.readout(d, treatment="variant", outcome=["revenue"], bayes=False),
                "revenue"),
    "factorial": (lambda: tl.datasets.factorial_test(1_000, seed=1).data,
                  lambda d: tl.factorial(d, factors={"layout": "old", "banner": "off"},
                                         outcome=["revenue"]), "revenue"),
    "uplift": (lambda: tl.datasets.coupon_campaign(n=600, seed=1).data,
               lambda d: tl.uplift(d, treatment="arm", control="control", outcome="revenue",
                                   covariates=["x1", "x2"], learner="t", base="linear"), "revenue"),
    "did": (lambda: tl.datasets.staggered_panel(units=40, periods=6, cohorts=(3, 5), seed=1)[0],
            lambda d: tl.did(d, outcome="y", time="period", treatment="treated", unit="unit"), "y"),
    "synth": (lambda: tl.datasets.geo_panel(8, 20, 8, treated=["R00"], seed=1).data,
              lambda d: tl.synth(d, outcome="revenue", unit="region", time="date", treated="R00",
                                 start=SYNTH_START), "revenue"),
    "geo": (lambda: tl.datasets.geo_panel(10, 20, 8, seed=1).data,
            lambda d: tl.geo(d, unit="region", time="date", outcome="revenue", treatment="treated",
                             start="2024-01-21"), "revenue"),
    "geo_plan": (lambda: tl.datasets.geo_panel(10, 30, 0, seed=1).data,
                 lambda d: tl.geo_plan(d, unit="region", time="date", outcome="revenue",
                                       test_periods=7, reps=10), "revenue"),
    "rd": (lambda: tl.datasets.rd_data(600, effect=0.1, seed=1).data,
           lambda d: tl.rd(d, outcome="y", running="x", cutoff=0.0, covariates=[]), "y"),
    "iv": (lambda: tl.datasets.encouragement(800, seed=1).data,
           lambda d: tl.iv(d, outcome="purchased", treatment="exposed", instrument="encouraged",
                           covariates=[]), "purchased"),
    "switchback": (lambda: tl.datasets.switchback_orders(days=3, seed=1).data,
                   lambda d: tl.switchback(d, outcome="orders", time="time", treatment="treatment",
                                           slice="slice", washout=1, covariates=[],
                                           fixed_effects=[]), "orders"),
    "decompose": (lambda: tl.datasets.shop_test(800, seed=1)[0],
                  lambda d: tl.decompose(d, treatment="arm", control="control", revenue="revenue",
                                         orders="orders"), "revenue"),
    "funnel": (lambda: tl.datasets.shop_test(800, seed=1)[0],
               lambda d: tl.funnel(d, treatment="arm", control="control", stages=list(STAGES)),
               STAGES[-1]),
    "ltv": (lambda: tl.datasets.subscription_test(100, 4, seed=1)[0],
            lambda d: tl.ltv(d, unit="customer", time="period", revenue="revenue",
                             treatment="variant", control="control", horizon=6), "revenue"),
}


def _duplicate(d: pd.DataFrame, y: str) -> pd.DataFrame:
    other = next(c for c in d.columns if c != y)
    return d.rename(columns={other: y})


def _non_text(d: pd.DataFrame, y: str) -> pd.DataFrame:
    return d.set_axis(range(d.shape[1]), axis=1)


def _multiindex(d: pd.DataFrame, y: str) -> pd.DataFrame:
    return d.set_axis(pd.MultiIndex.from_tuples([("a", c) for c in d.columns]), axis=1)


def _empty(d: pd.DataFrame, y: str) -> pd.DataFrame:
    return d.iloc[:0]


def _dates(d: pd.DataFrame, y: str) -> pd.DataFrame:
    return d.assign(**{y: pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(d)), "D")})


def _text(d: pd.DataFrame, y: str) -> pd.DataFrame:
    return d.assign(**{y: np.where(np.arange(len(d)) % 2 == 0, "12", "n/a")})


def _huge(d: pd.DataFrame, y: str) -> pd.DataFrame:
    return d.assign(**{y: d[y].astype(float) * 1e300 + 1e300})


CASES = {"duplicate labels": _duplicate, "non-text labels": _non_text,
         "MultiIndex labels": _multiindex, "no rows": _empty, "outcome of dates": _dates,
         "outcome of text": _text, "outcome overflows": _huge}
"""None of these can be analysed: every entry must refuse every one."""


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("entry", list(ENTRIES))
def test_nothing_but_a_one_line_truelift_error_escapes(entry, case):
    make, call, outcome = ENTRIES[entry]
    frame = CASES[case](make(), outcome)
    before = frame.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TrueliftError) as err:
            call(frame)
    assert "\n" not in str(err.value), str(err.value)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_each_entry_runs_on_its_untouched_data(entry):
    """The battery's calls are valid: each entry runs on the data before it is broken."""
    make, call, _ = ENTRIES[entry]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert call(make()) is not None
