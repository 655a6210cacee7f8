"""Known truth: staggered adoption with growing effects, where TWFE is biased and
Callaway & Sant'Anna (2021) is not (Goodman-Bacon 2021 explains TWFE's bias)."""

from __future__ import annotations

import numpy as np
import pytest

from truelift.datasets._quasi_did import staggered_panel
from truelift.quasi import staggered as st
from truelift.quasi.did import did

pf = pytest.importorskip("pyfixest")


def _cs(d):
    y = d.pivot(index="unit", columns="period", values="y").to_numpy()
    g = d.groupby("unit")["cohort"].first().to_numpy().astype(float)
    return st.group_time_att(y, np.where(g > 0, g - 1, np.inf))


def test_twfe_biased_cs_not():
    d, truth = staggered_panel(units=600, periods=12, cohorts=(4, 7, 10), effect=1.0, dynamic=0.3, seed=11)
    res = did(d, outcome="y", time="period", treatment="treated", unit="unit")
    cs, twfe = res.estimates
    assert abs(cs.value - truth.att) < 3 * cs.se                   # the robust estimator: unbiased
    assert abs(twfe.value - truth.att) > 4 * twfe.se                # negative control: TWFE is not
    assert {x.name: x.status.value for x in res.diagnostics}["twfe_vs_robust"] == "warn"
    es = res.table("event_study").to_frame()
    post = es[(es["method"] == "Callaway-Sant'Anna") & (es["event_time"] >= 0)]
    true = np.array([truth.dynamic[int(e)] for e in post["event_time"]])
    covered = (post["ci_low"].to_numpy() <= true) & (true <= post["ci_high"].to_numpy())
    assert covered.mean() >= 0.8                                    # 9 event times at 95%
    z = np.abs(post["estimate"].to_numpy() - true) / post["se"].to_numpy()
    assert z.max() < 3.5


@pytest.mark.slow
def test_coverage_small():
    """60 replications: CS 95% CIs cover the truth in [0.85, 1]; TWFE's almost never do."""
    cov_cs, cov_twfe = [], []
    for r in range(60):
        d, truth = staggered_panel(units=200, periods=8, cohorts=(3, 5, 7), seed=1000 + r)
        agg = st.simple_att(_cs(d))
        se = agg.se()
        cov_cs.append(abs(agg.value - truth.att) <= 1.959964 * se)
        m = pf.feols("y ~ treated | unit + period", data=d, vcov={"CRV1": "unit"})
        lo, hi = m.confint().loc["treated"]
        cov_twfe.append(lo <= truth.att <= hi)
    assert 0.85 <= np.mean(cov_cs) <= 1.0
    assert np.mean(cov_twfe) < 0.5
