"""IPW and AIPW standard errors agree with a nonparametric bootstrap on the same data.

The bootstrap re-fits the whole pipeline (propensity, cross-fitting, estimate) on 300 resamples.
The bootstrap SE itself has a relative sampling error of about 1/sqrt(2 * 300) = 4%; with the
SE ratio also subject to the bootstrap's own finite-sample bias we accept a ratio within
[0.85, 1.15] (about 3.5 bootstrap standard errors), and the test fails if the influence-function
SE ignores, e.g., the propensity-estimation term on the ATT (that SE is ~25% off here).

AIPW is bootstrapped without cross-fitting (``folds=1``): with cross-fitting, a resample's
duplicated rows land in both the training and the scoring fold, which leaks and shrinks the
bootstrap spread (measured: the bootstrap SE was 15% below the true sampling SD). The
cross-fitted SE is checked against the true sampling SD over replications instead, in
tests/simulation/test_observational_coverage.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from truelift.data import Roles, prepare
from truelift.datasets import personalization
from truelift.observational.aipw import AIPW
from truelift.observational.propensity import LogisticPropensity
from truelift.observational.weighting import IPW

COVS = ["engagement_score", "past_purchases", "account_age_days", "device_type"]


def _estimate(method, df, estimand, seed):
    data = prepare(df, Roles(treatment="received_personalization", outcomes=["made_purchase"],
                             covariates=COVS))
    ps = LogisticPropensity().fit(data.x, data.t)
    return method.estimate(data, estimand=estimand, level=0.95, propensity=ps,
                           rng=np.random.default_rng(seed)).estimates[0]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "estimand"), [(IPW(), "ATT"), (IPW(), "ATE"),
                                                  (AIPW(folds=1), "ATT"), (AIPW(folds=1), "ATE")])
def test_influence_se_matches_bootstrap(method, estimand):
    df = personalization(2_000, seed=21).data
    est = _estimate(method, df, estimand, seed=0)
    rng = np.random.default_rng(99)
    n = len(df)
    boot = []
    for b in range(300):
        idx = rng.integers(0, n, size=n)
        boot.append(_estimate(method, df.iloc[idx].reset_index(drop=True), estimand, seed=b).value)
    ratio = est.se / float(np.std(boot, ddof=1))
    assert 0.85 <= ratio <= 1.15, ratio
