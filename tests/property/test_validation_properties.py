"""Property tests: no input crashes with anything but a TrueliftError; valid input is never mutated."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truelift.data import Roles, prepare
from truelift.errors import TrueliftError, TrueliftWarning

cells = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3),
                  st.booleans(), st.sampled_from(["a", "b", "", "1"]))


@st.composite
def frames(draw):
    n = draw(st.integers(0, 40))
    cols = {name: draw(st.lists(cells, min_size=n, max_size=n)) for name in ("t", "y", "x", "c")}
    return pd.DataFrame(cols, dtype=object)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=frames(), drop=st.booleans(), min_per_arm=st.integers(1, 5))
def test_prepare_raises_only_truelift_errors(df, drop, min_per_arm):
    before = df.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrueliftWarning)
        try:
            p = prepare(df, Roles(treatment="t", outcomes=["y"], covariates=["x", "c"]),
                        drop_missing=drop, min_per_arm=min_per_arm)
        except TrueliftError as err:
            assert "\n" not in str(err)
        else:
            assert set(np.unique(p.t)) == {0, 1}
            assert np.isfinite(p.y["y"]).all() and np.isfinite(p.x).all()
            assert p.n + sum(p.rows_dropped.values()) == len(df)
    pd.testing.assert_frame_equal(df, before)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(60, 400), shift=st.floats(-2, 2))
def test_observe_on_random_valid_data_is_complete_or_a_truelift_error(seed, n, shift):
    import truelift as tl

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(shift + x)))).astype(int)
    df = pd.DataFrame({"t": t, "y": x + t + rng.normal(size=n), "x": x,
                       "g": rng.choice(["p", "q"], size=n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrueliftWarning)
        try:
            r = tl.observe(df, treatment="t", outcome="y", covariates=["x", "g"],
                           method=["ipw", "match", "regression"], refute=False, seed=seed)
        except TrueliftError as err:
            assert "\n" not in str(err)
            return
    for e in r.estimates:
        assert np.isfinite(e.value) and e.se >= 0 and e.ci[0] <= e.value <= e.ci[1]
    r.to_json()  # always serializable, strict JSON
