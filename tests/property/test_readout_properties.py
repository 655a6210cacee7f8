"""Property tests of ``tl.readout``: any small table gives a well-formed Readout or a TrueliftError.

And the one aggregate query gives the same cell moments on pandas (NumPy, two-pass) and on a
Parquet file (DuckDB SQL, raw sums), whatever the data.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import truelift as tl
from truelift.errors import TrueliftError, TrueliftWarning
from truelift.experiment.aggregate import Request, aggregate

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    """2-3 arms (sometimes one), a 0/1 metric, a float metric, a count, a covariate; some NaN."""
    n = draw(st.integers(0, 60))
    arms = draw(st.sampled_from([["control"], ["control", "b"], ["control", "b", "c"]]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "arm": rng.choice(np.array(arms, dtype=object), size=n),
        "conv": (rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))).astype(np.int64),
        "rev": rng.gamma(1.5, 20.0, size=n) * draw(st.sampled_from([0.0, 1.0, 1e-6, 1e6])),
        "orders": rng.poisson(draw(st.sampled_from([0.0, 0.3, 2.0])), size=n),
        "pre": rng.normal(size=n) * draw(st.sampled_from([0.0, 1.0])),
        "seg": rng.choice(np.array(["p", "q"], dtype=object), size=n),
        "day": rng.integers(0, 3, size=n),
    })
    if n and draw(st.booleans()):
        col = draw(st.sampled_from(["conv", "rev", "pre"]))
        frame[col] = frame[col].astype(float)
        frame.loc[rng.random(n) < 0.1, col] = np.nan
    return frame


options = st.fixed_dictionaries({
    "outcome": st.sampled_from([["conv"], ["rev"], ["conv", "rev"], ["aov=rev/orders"],
                                [tl.Proportion(column="conv")], ["rev", "conv"]]),
    "covariates": st.sampled_from([None, ["pre"]]),
    "segments": st.sampled_from([(), ("seg",)]),
    "time": st.sampled_from([None, "day"]),
    "drop_missing": st.booleans(),
    "relative": st.sampled_from(["delta", "fieller"]),
    "sequential": st.sampled_from([None, "always-valid"]),
})


def _check_estimate(est) -> None:
    assert math.isfinite(est.value)
    assert math.isfinite(est.se) and est.se >= 0
    assert est.ci[0] <= est.value <= est.ci[1]
    assert 0.0 <= est.pvalue <= 1.0


@SETTINGS
@given(frame=tables(), opts=options)
def test_readout_returns_a_valid_readout_or_a_truelift_error(frame, opts):
    before = frame.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrueliftWarning)
        try:
            r = tl.readout(frame, treatment="arm", control="control", bayes=True, **opts)
        except TrueliftError as err:
            assert "\n" not in str(err)
        else:
            assert r.lifts
            for lift in r.lifts:
                _check_estimate(lift.estimate)
            for seg in r.segments:
                for s in seg.lifts:
                    _check_estimate(s.lift.estimate)
            r.to_json()
    pd.testing.assert_frame_equal(frame, before)


@st.composite
def numeric_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 80))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    loc = draw(st.sampled_from([0.0, 5.0, -3.0]))
    return pd.DataFrame({
        "arm": rng.choice(np.array(["a", "b", "c"], dtype=object), size=n),
        "seg": rng.integers(0, 3, size=n),
        "y": rng.integers(0, 2, size=n),
        "x": loc + rng.normal(size=n),
        "k": rng.poisson(3.0, size=n),
    })


@SETTINGS
@given(frame=numeric_tables())
def test_pandas_and_parquet_give_the_same_cell_moments(frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("pq") / "t.parquet"
    frame.to_parquet(path)
    variables = ("y", "x", "k")
    pairs = tuple((a, b) for a in range(3) for b in range(a, 3))
    request = Request(keys=("arm", "seg"), variables=variables, pairs=pairs)
    left = aggregate(frame, request).cells
    right = aggregate(str(path), request).cells
    order_l = sorted(range(len(left.labels)), key=lambda i: left.labels[i])
    order_r = sorted(range(len(right.labels)), key=lambda i: right.labels[i])
    assert [left.labels[i] for i in order_l] == [right.labels[i] for i in order_r]
    np.testing.assert_array_equal(left.n[order_l], right.n[order_r])
    np.testing.assert_allclose(left.mean[order_l], right.mean[order_r], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(left.comoment[order_l], right.comoment[order_r], rtol=1e-9, atol=1e-9)
    # the SQL path establishes a range only where a check needs it (0/1 candidates, denominators)
    known = ~np.isnan(right.minimum[order_r])
    np.testing.assert_array_equal(left.minimum[order_l][known], right.minimum[order_r][known])
    known = ~np.isnan(right.maximum[order_r])
    np.testing.assert_array_equal(left.maximum[order_l][known], right.maximum[order_r][known])
    assert left.rows_read == right.rows_read == len(frame)


@pytest.mark.parametrize("dropna", [False, True])
def test_pandas_and_parquet_agree_on_missing_values(tmp_path, dropna):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"arm": rng.choice(["a", "b"], size=50), "x": rng.normal(size=50)})
    frame.loc[[1, 7, 9], "x"] = np.nan
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    request = Request(keys=("arm",), variables=("x",), pairs=((0, 0),), dropna=dropna)
    if not dropna:
        for source in (frame, str(path)):
            with pytest.raises(tl.DataError) as err:
                aggregate(source, request)
            assert err.value.column == "x"
        return
    left, right = aggregate(frame, request), aggregate(str(path), request)
    assert left.rows_dropped == right.rows_dropped == 3
    assert left.missing_by_column == right.missing_by_column == {"x": 3}
    np.testing.assert_allclose(np.sort(left.cells.mean[:, 0]), np.sort(right.cells.mean[:, 0]), rtol=1e-9)
