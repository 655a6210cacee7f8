"""Known truth, small and seeded: the readout's false-positive rate, coverage and CUPED.

A reduced version of benchmarks/experiment_aa.py (2,000 replications there). With R = 300
replications the binomial SE of a 5% rate is 0.0126 and of a 95% coverage the same, so the
bands below are about ±2.4 SE; the negative controls show each check can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

import truelift as tl
from truelift.datasets import homepage_test

R = 300
N = 4_000
METRICS = ["purchased", "revenue", "aov=revenue/orders"]


@pytest.fixture(scope="module")
def runs():
    out = []
    for rep in range(R):
        aa, _ = homepage_test(n=N, seed=500 + rep, aa=True, days=1)
        ab, truth = homepage_test(n=N, seed=900 + rep, days=1)
        r_aa = tl.readout(aa, treatment="variant", control="control", outcome=METRICS, bayes=False)
        r_ab = tl.readout(ab, treatment="variant", control="control", outcome=METRICS,
                          covariates=["revenue_pre", "sessions_pre"], bayes=False)
        true = [truth.absolute(lift.metric, "personalized") for lift in r_ab.lifts]
        out.append({
            "aa_p": [lift.estimate.pvalue for lift in r_aa.lifts],
            "ab_cover": [lift.estimate.ci[0] <= t <= lift.estimate.ci[1]
                         for lift, t in zip(r_ab.lifts, true, strict=True)],
            "ab_naive_cover": [lift.estimate.ci[0] + lift.estimate.value <= t
                               <= lift.estimate.ci[1] + lift.estimate.value
                               for lift, t in zip(r_ab.lifts, true, strict=True)],
        })
    return out


@pytest.mark.slow
def test_aa_rejects_at_five_percent(runs):
    p = np.array([r["aa_p"] for r in runs])
    rates = (p < 0.05).mean(axis=0)
    assert np.all((rates > 0.02) & (rates < 0.08)), rates
    # the p-values are uniform under the null: a Kolmogorov-Smirnov check on the mean metric
    from scipy import stats

    assert stats.kstest(p[:, 1], "uniform").pvalue > 0.001


@pytest.mark.slow
def test_cuped_intervals_cover_the_true_lift(runs):
    cover = np.array([r["ab_cover"] for r in runs]).mean(axis=0)
    assert np.all((cover > 0.92) & (cover < 0.98)), cover
    # negative control: the same intervals shifted by their own estimate must fail coverage
    shifted = np.array([r["ab_naive_cover"] for r in runs]).mean(axis=0)
    assert shifted[0] < 0.9


def test_cuped_variance_reduction_is_the_within_arm_r2():
    data, _ = homepage_test(n=40_000, seed=3)
    r = tl.readout(data, treatment="variant", control="control", outcome=["revenue"],
                   covariates=["revenue_pre"], bayes=False)
    rho = []
    for arm in ("control", "personalized"):
        d = data[data.variant == arm]
        rho.append((np.corrcoef(d.revenue, d.revenue_pre)[0, 1], len(d)))
    r2 = sum(c**2 * n for c, n in rho) / sum(n for _, n in rho)
    assert r.lift("revenue").cuped.variance_reduction == pytest.approx(r2, abs=0.02)
