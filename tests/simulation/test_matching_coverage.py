"""Matching on an estimated logistic propensity score recovers a known effect, with coverage.

DGP: three standard-normal covariates; P(T=1 | x) = expit(-0.3 + 0.9 x1 - 0.6 x2 + 0.4 x3), so
about 45% are treated; Y = 1 + 1.5 x1 - x2 + 0.5 x3 + TAU·T + N(0, 1) with a constant effect
TAU = 1 (so the ATT of the matched units is TAU whatever the caliper drops). Every covariate
pushes treatment and outcome the same way: the naive difference in means is biased upwards by
about 1.7, some 19 of its own standard errors.

The Abadie–Imbens (2006) standard error treats the propensity score as known; the score here is
estimated (logistic MLE), and Abadie & Imbens (2016) show this can move the ATT variance
either way, so the band is a little wider than the design's [0.92, 0.98]: [0.90, 0.99] over
300 replications (binomial SE ≈ 0.013 at 0.95).

Negative control on the same data: the naive difference in means with its Welch interval must
miss TAU in (nearly) every replication, showing the check can fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

import truelift.data as tld
from truelift.observational.matching import Matching
from truelift.observational.propensity import LogisticPropensity

TAU = 1.0
REPS = 300
N = 2000


def _replication(rng):
    x = rng.normal(size=(N, 3))
    t = (rng.random(N) < expit(-0.3 + 0.9 * x[:, 0] - 0.6 * x[:, 1] + 0.4 * x[:, 2]))
    y = 1 + 1.5 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2] + TAU * t + rng.normal(size=N)
    df = pd.DataFrame({"t": t.astype(int), "y": y, "x1": x[:, 0], "x2": x[:, 1],
                       "x3": x[:, 2]})
    data = tld.prepare(df, tld.Roles(treatment="t", outcomes=["y"],
                                     covariates=["x1", "x2", "x3"]))
    prop = LogisticPropensity().fit(data.x, data.t)
    fit = Matching(k=1, caliper=0.2).estimate(data, estimand="ATT", level=0.95,
                                              propensity=prop, rng=rng)
    est = fit.estimates[0]
    y1, y0 = y[t], y[~t]
    naive = y1.mean() - y0.mean()
    naive_se = np.sqrt(y1.var(ddof=1) / y1.size + y0.var(ddof=1) / y0.size)
    return est.value, est.ci, naive, naive_se


def test_att_coverage_and_naive_negative_control():
    rng = np.random.default_rng(20240607)
    values, covered, naive_covered, naive_bias, naive_se = [], [], [], [], []
    for _ in range(REPS):
        value, (lo, hi), naive, se = _replication(rng)
        values.append(value)
        covered.append(lo <= TAU <= hi)
        naive_covered.append(abs(naive - TAU) <= 1.96 * se)
        naive_bias.append(naive - TAU)
        naive_se.append(se)
    coverage = float(np.mean(covered))
    bias = float(np.mean(values)) - TAU
    mc_se = float(np.std(values, ddof=1)) / np.sqrt(REPS)
    assert 0.90 <= coverage <= 0.99, coverage
    assert abs(bias) < 4 * mc_se + 0.01, (bias, mc_se)
    # negative control: the naive contrast is far off, and its interval almost never covers
    assert float(np.mean(naive_covered)) <= 0.02
    assert float(np.mean(naive_bias)) > 5 * float(np.mean(naive_se))
