"""Known truth for truelift.impact.ltv on simulated subscription tests (geometric retention, so the
projection model is correctly specified): retention and LTV recovered, and the coverage of the
incremental-LTV interval, with a negative control that must fail."""

from __future__ import annotations

import numpy as np
import pytest

from truelift.datasets._impact_ltv import subscription_test
from truelift.impact.ltv import ltv

ROLES = dict(unit="customer", time="period", revenue="revenue", treatment="variant", control="control")


def test_retention_and_ltv_recovered() -> None:
    """One large test (20,000 customers, 8 periods): each observed retention share within 4 binomial
    SEs of p^t, the fitted retention within 0.01 of p, and each arm's LTV over 24 periods (16 of them
    projected) and the increment within 4 of their SEs of the truth."""
    data, truth = subscription_test(20_000, 8, seed=7, retention=(0.80, 0.86), revenue=(20.0, 22.0))
    res = ltv(data, horizon=24, discount=0.01, **ROLES)
    ret = res.table("retention").to_frame()
    tab = res.table("ltv").to_frame().set_index("arm")
    for i, arm in enumerate(truth.arms):
        n = int(tab.loc[arm, "customers"])
        p_t = truth.retention_curve(arm)
        se = np.sqrt(p_t * (1 - p_t) / n) + 1e-12
        assert np.all(np.abs(ret[f"retention_{arm}"].to_numpy() - p_t) < 4 * se), arm
        assert abs(tab.loc[arm, "fitted_retention"] - truth.retention[i]) < 0.01
        assert abs(tab.loc[arm, "ltv"] - truth.ltv(arm, 24, 0.01)) < 4 * tab.loc[arm, "se"], arm
    e = res.estimate()
    assert abs(e.value - truth.incremental_ltv(24, 0.01)) < 4 * e.se
    # negative control: the observed window alone misses most of the true 24-period increment
    obs = res.estimates[1]
    assert abs(obs.value - truth.incremental_ltv(24, 0.01)) > 4 * obs.se


@pytest.mark.slow
def test_incremental_ltv_ci_coverage() -> None:
    """100 replications (1,000 customers, 6 periods, horizon 24, discount 1%): the 95% interval of the
    incremental LTV covers the truth in [0.88, 0.99] of them (binomial SE of 0.022 at 100 reps). The
    negative control, the observed-window increment's interval taken as an interval for the 24-period
    truth, covers it in under half."""
    reps, horizon, disc = 100, 24, 0.01
    hit = naive = 0
    for seed in range(reps):
        data, truth = subscription_test(1_000, 6, seed=1000 + seed)
        res = ltv(data, horizon=horizon, discount=disc, **ROLES)
        true = truth.incremental_ltv(horizon, disc)
        hit += res.estimate().ci[0] <= true <= res.estimate().ci[1]
        naive += res.estimates[1].ci[0] <= true <= res.estimates[1].ci[1]
    assert 0.88 <= hit / reps <= 0.99, hit / reps
    assert naive / reps < 0.5, naive / reps
