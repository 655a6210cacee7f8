"""Propensity, IPW and outcome regression against statsmodels on the same data.

statsmodels' ``TreatmentEffect`` solves the same estimating equations (propensity score and
potential-outcome means stacked in one GMM), so point estimates and standard errors must agree to
numerical precision. Tolerances: point estimates rtol 1e-6; standard errors rtol 1e-5, because
statsmodels re-solves the stacked GMM numerically (measured gap 4e-6) while ours is closed form
given the converged logit. statsmodels' own tests use 1e-5 (params) and 1e-3 (bse) against Stata.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.treatment.treatment_effects import TreatmentEffect

from truelift.data import Roles, prepare
from truelift.observational.aipw import AIPW
from truelift.observational.propensity import LogisticPropensity
from truelift.observational.regression import Regression
from truelift.observational.weighting import IPW

COVS = ["engagement_score", "past_purchases", "account_age_days", "desktop", "tablet"]


@pytest.fixture(scope="module")
def setup(demo_small):
    df = demo_small.assign(desktop=(demo_small.device_type == "desktop") * 1.0,
                           tablet=(demo_small.device_type == "tablet") * 1.0)
    data = prepare(df, Roles(treatment="received_personalization",
                             outcomes=["revenue", "made_purchase"], covariates=COVS))
    ps = LogisticPropensity().fit(data.x, data.t)
    x = sm.add_constant(df[COVS].to_numpy(float))
    t = df["received_personalization"].to_numpy()
    logit = sm.Logit(t, x).fit(disp=0, tol=1e-12)
    return df, data, ps, x, t, logit


def test_logistic_propensity_equals_statsmodels_logit(setup):
    _, _, ps, x, _, logit = setup
    np.testing.assert_allclose(ps.coef, logit.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ps.scores, logit.predict(x), rtol=0, atol=1e-9)
    assert ps.converged


@pytest.mark.parametrize("estimand", ["ATE", "ATT"])
@pytest.mark.parametrize("kind", ["ipw", "ra"])
def test_ipw_and_ra_equal_statsmodels(setup, estimand, kind):
    df, data, ps, x, t, logit = setup
    y = df["revenue"].to_numpy()
    te = TreatmentEffect(sm.OLS(y, x), t, results_select=logit)
    group = "all" if estimand == "ATE" else 1
    ref = te.ipw(effect_group=group) if kind == "ipw" else te.ra(effect_group=group)
    method = IPW() if kind == "ipw" else Regression(outcome_model="linear")
    est = method.estimate(data, estimand=estimand, level=0.95, propensity=ps,
                          rng=np.random.default_rng(0)).estimates[0]
    assert est.value == pytest.approx(ref.effect[0], rel=1e-6)
    assert est.se == pytest.approx(ref.sd[0], rel=1e-5)
    # statsmodels reports POM0 (the baseline) for the ATE; for the ATT its POM0 is over the treated.
    assert est.baseline == pytest.approx(ref.effect[1], rel=1e-6)


def test_aipw_point_equals_statsmodels_without_crossfitting(setup):
    df, data, ps, x, t, logit = setup
    y = df["revenue"].to_numpy()
    ref = TreatmentEffect(sm.OLS(y, x), t, results_select=logit).aipw()
    est = AIPW(folds=1, outcome_model="linear").estimate(
        data, estimand="ATE", level=0.95, propensity=ps, rng=np.random.default_rng(0)).estimates[0]
    assert est.value == pytest.approx(ref.effect[0], rel=1e-8)
    # statsmodels adds the (asymptotically negligible) nuisance-estimation terms: within 5%.
    assert est.se == pytest.approx(ref.sd[0], rel=0.05)


def test_logistic_outcome_regression_matches_glm_predictions(setup):
    """g-computation with a logistic model equals averaging statsmodels Logit predictions."""
    df, data, ps, x, t, _ = setup
    y = df["made_purchase"].to_numpy()
    est = Regression().estimate(data, estimand="ATE", level=0.95, propensity=ps,
                                rng=np.random.default_rng(0)).estimates[1]
    m1 = sm.Logit(y[t == 1], x[t == 1]).fit(disp=0, tol=1e-12).predict(x)
    m0 = sm.Logit(y[t == 0], x[t == 0]).fit(disp=0, tol=1e-12).predict(x)
    assert est.value == pytest.approx(float(np.mean(m1 - m0)), rel=1e-7)
    assert est.mean_treated == pytest.approx(float(m1.mean()), rel=1e-7)


def test_hajek_ipw_matches_weighted_least_squares(setup):
    """The Hájek IPW point estimate is the WLS coefficient of T with the balancing weights."""
    df, data, ps, _, t, _ = setup
    y = df["revenue"].to_numpy()
    e = ps.scores
    w = np.where(t == 1, 1 / e, 1 / (1 - e))
    wls = sm.WLS(y, sm.add_constant(t.astype(float)), weights=w).fit()
    est = IPW().estimate(data, estimand="ATE", level=0.95, propensity=ps,
                         rng=np.random.default_rng(0)).estimates[0]
    assert est.value == pytest.approx(wls.params[1], rel=1e-9)


def test_frames_are_untouched(setup, demo_small):
    snapshot = demo_small.copy(deep=True)
    _, data, ps, *_ = setup
    IPW().estimate(data, estimand="ATT", level=0.9, propensity=ps, rng=np.random.default_rng(0))
    pd.testing.assert_frame_equal(demo_small, snapshot)


# --- outcome regression with one-hot categoricals (a rare level) --------------------------------
# statsmodels' RA SE comes from its stacked GMM (numerical Jacobian of the moments); ours is the
# same sandwich in closed form. On this full-rank 6-parameter-per-arm design they agree to ~1e-12
# (measured: 1.3e-12 with the raw one-hot exog), so rtol 1e-6 on the SE leaves a margin of 1e6
# for BLAS and optimizer differences while still catching any wrong term (a missing A H^-1 s term
# moves the SE by tens of percent). Point estimates are the same OLS predictions: rtol 1e-9.
# (On ACIC 2016, 80 columns, statsmodels' numerical GMM covariance is not usable: NaN, 8e5 or
# off by 2x depending on the column scaling; so the reference is a simulated, well-posed case.)


def _one_hot_case(seed: int = 3, n: int = 2_000) -> pd.DataFrame:
    """Confounded treatment; a 4-level region whose ``west`` level is rare (3%: ~13 treated)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.gamma(2.0, 5.0, size=n)
    region = rng.choice(["north", "south", "east", "west"], size=n, p=[0.45, 0.30, 0.22, 0.03])
    logit = -0.3 + 0.8 * x1 - 0.04 * (x2 - 10) + 0.7 * (region == "south") - 0.5 * (region == "west")
    t = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    y = (2 + 1.5 * x1 + 0.2 * x2 + 1.0 * (region == "east") - 2.0 * (region == "west")
         + t * (1 + 0.5 * x1 + 1.5 * (region == "west")) + rng.normal(scale=2.0, size=n))
    return pd.DataFrame({"t": t, "y": y, "x1": x1, "x2": x2, "region": region})


@pytest.fixture(scope="module")
def one_hot():
    df = _one_hot_case()
    data = prepare(df, Roles(treatment="t", outcomes=["y"], covariates=["x1", "x2", "region"]))
    # truelift's encoding: first level (east) left out; statsmodels gets the very same columns.
    assert data.x_names == ("x1", "x2", "region=north", "region=south", "region=west")
    exog = sm.add_constant(data.x)
    for arm in (0, 1):   # statsmodels' own per-arm designs are full rank: a fair reference
        assert np.linalg.matrix_rank(exog[data.t == arm]) == exog.shape[1]
    assert 5 <= int(((df.region == "west") & (df.t == 1)).sum()) <= 30
    logit = sm.Logit(data.t, exog).fit(disp=0, tol=1e-12)
    return data, TreatmentEffect(sm.OLS(data.y["y"], exog), data.t, results_select=logit)


@pytest.mark.parametrize(("estimand", "group"), [("ATE", "all"), ("ATT", 1)])
def test_regression_with_rare_one_hot_level_equals_statsmodels_ra(one_hot, estimand, group):
    data, te = one_hot
    ref = te.ra(effect_group=group)
    fit = Regression(outcome_model="linear").estimate(
        data, estimand=estimand, level=0.95, propensity=None, rng=np.random.default_rng(0))
    est = fit.estimates[0]
    assert est.value == pytest.approx(ref.effect[0], rel=1e-9)
    assert est.baseline == pytest.approx(ref.effect[1], rel=1e-9)
    assert est.se == pytest.approx(ref.sd[0], rel=1e-6)
    assert fit.diagnostics == ()          # nothing dropped on a full-rank design
