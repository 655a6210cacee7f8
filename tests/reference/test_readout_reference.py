"""The readout's numbers against scipy and statsmodels on the same data.

Tolerances: 1e-8 where the formulas are the same (Welch t, two-proportion z, chi-square, OLS
point, Holm/BH, SRM chi-square, factorial contrasts vs OLS with HC2); CUPED's SE is the
Deng et al. (2013) variance, which equals OLS's HC SE only asymptotically (the HC form also
carries the sampling noise of the slope), so it is held to 1%; the delta-method SE of a ratio
metric is held to a bootstrap within its Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

import truelift as tl
from truelift.experiment.lift import fieller
from truelift.inference.multiplicity import benjamini_hochberg, holm

TOL = 1e-8


@pytest.fixture(scope="module")
def ab() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    n = 6_000
    arm = rng.choice(["control", "B", "C"], size=n, p=[0.4, 0.3, 0.3])
    lift = np.select([arm == "B", arm == "C"], [1.0, -0.5], 0.0)
    pre = rng.gamma(2.0, 10.0, size=n)
    pre2 = rng.normal(size=n)
    y = 5 + 0.6 * pre + 2 * pre2 + rng.normal(0, 12, size=n) + lift
    conv = (rng.random(n) < 0.10 + 0.02 * (arm == "B")).astype(int)
    orders = rng.poisson(1.5, size=n)
    rev = orders * rng.gamma(3.0, 12.0, size=n) * (1 + 0.05 * (arm == "B"))
    return pd.DataFrame({"arm": arm, "y": y, "pre": pre, "pre2": pre2, "conv": conv,
                         "orders": orders, "rev": rev})


def test_welch_t_matches_scipy(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["y"], bayes=False)
    for v in ("B", "C"):
        est = r.lift("y", v).estimate
        res = stats.ttest_ind(ab.y[ab.arm == v], ab.y[ab.arm == "control"], equal_var=False)
        ci = res.confidence_interval(0.95)
        assert est.pvalue == pytest.approx(res.pvalue, abs=TOL)
        assert est.ci[0] == pytest.approx(ci.low, abs=TOL)
        assert est.ci[1] == pytest.approx(ci.high, abs=TOL)
        assert r.lift("y", v).df == pytest.approx(res.df, rel=TOL)


def test_two_proportion_z_and_chi_square_match_statsmodels_and_scipy(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["conv"], bayes=False)
    lift = r.lift("conv", "B")
    assert lift.kind == "proportion"
    x1, n1 = ab.conv[ab.arm == "B"].sum(), (ab.arm == "B").sum()
    x0, n0 = ab.conv[ab.arm == "control"].sum(), (ab.arm == "control").sum()
    _, p = proportions_ztest([x1, x0], [n1, n0])
    lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="wald", compare="diff")
    chi = stats.chi2_contingency([[x1, n1 - x1], [x0, n0 - x0]], correction=False)
    assert lift.estimate.pvalue == pytest.approx(p, abs=TOL)
    assert lift.estimate.pvalue == pytest.approx(chi.pvalue, abs=TOL)
    assert lift.estimate.ci[0] == pytest.approx(lo, abs=TOL)
    assert lift.estimate.ci[1] == pytest.approx(hi, abs=TOL)


def test_cuped_equals_ols_with_covariates(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["y"], covariates=["pre", "pre2"],
                   bayes=False)
    sub = ab[ab.arm.isin(["control", "B"])]
    x = sm.add_constant(np.column_stack([(sub.arm == "B").astype(float), sub.pre, sub.pre2]))
    ols = sm.OLS(sub.y.to_numpy(), x).fit(cov_type="HC1")
    lift = r.lift("y", "B")
    assert lift.estimate.value == pytest.approx(ols.params[1], abs=TOL)
    assert lift.estimate.se == pytest.approx(ols.bse[1], rel=0.01)
    assert lift.cuped.theta == pytest.approx(tuple(ols.params[2:]), rel=1e-8)
    # the variance reduction is about the R^2 of y on the covariates within arms
    resid = sm.OLS(sub.y.to_numpy(), sm.add_constant(np.column_stack([(sub.arm == "B"), sub.pre,
                                                                          sub.pre2]).astype(float))).fit()
    r2 = 1 - resid.ssr / sm.OLS(sub.y.to_numpy(), sm.add_constant((sub.arm == "B").astype(float))).fit().ssr
    assert lift.cuped.variance_reduction == pytest.approx(r2, abs=0.02)


def test_cuped_on_a_proportion_is_also_ols(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["conv"], covariates=["pre"], bayes=False)
    sub = ab[ab.arm.isin(["control", "C"])]
    x = sm.add_constant(np.column_stack([(sub.arm == "C").astype(float), sub.pre]))
    ols = sm.OLS(sub.conv.to_numpy(float), x).fit(cov_type="HC1")
    assert r.lift("conv", "C").estimate.value == pytest.approx(ols.params[1], abs=TOL)
    assert r.lift("conv", "C").estimate.se == pytest.approx(ols.bse[1], rel=0.01)


def test_ratio_delta_method_se_matches_bootstrap(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["aov=rev/orders"], bayes=False)
    est = r.lift("aov", "B").estimate
    rng = np.random.default_rng(7)
    t = ab[ab.arm == "B"][["rev", "orders"]].to_numpy()
    c = ab[ab.arm == "control"][["rev", "orders"]].to_numpy()
    boots = []
    for _ in range(1500):
        bt = t[rng.integers(0, len(t), len(t))]
        bc = c[rng.integers(0, len(c), len(c))]
        boots.append(bt[:, 0].sum() / bt[:, 1].sum() - bc[:, 0].sum() / bc[:, 1].sum())
    sd = np.std(boots, ddof=1)
    # the SD of a bootstrap SD over 1,500 resamples is about 1.8%: allow 4 of those
    assert est.se / sd == pytest.approx(1.0, abs=0.075)
    assert est.value == pytest.approx(t[:, 0].sum() / t[:, 1].sum() - c[:, 0].sum() / c[:, 1].sum(),
                                      rel=1e-12)


def test_holm_and_bh_match_statsmodels():
    p = np.random.default_rng(3).uniform(0, 0.2, size=25)
    p[3] = p[7]  # a tie
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-12)
    assert benjamini_hochberg(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], abs=1e-12)


def test_readout_adjusts_over_primary_family(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["y", "conv"], guardrails=["rev"],
                   bayes=False)
    prim = [x for x in r.lifts if x.role == "primary"]
    raw = [x.estimate.pvalue for x in prim]
    assert [x.pvalue_holm for x in prim] == pytest.approx(multipletests(raw, method="holm")[1], abs=1e-12)
    assert [x.pvalue_bh for x in prim] == pytest.approx(multipletests(raw, method="fdr_bh")[1], abs=1e-12)


def test_srm_matches_scipy_chisquare(ab):
    r = tl.readout(ab, treatment="arm", control="control", outcome=["y"], bayes=False,
                   split={"control": 0.4, "B": 0.3, "C": 0.3})
    counts = [int((ab.arm == a).sum()) for a in ("control", "B", "C")]
    ref = stats.chisquare(counts, f_exp=np.array([0.4, 0.3, 0.3]) * sum(counts))
    assert r.srm.chi2 == pytest.approx(ref.statistic, rel=TOL)
    assert r.srm.pvalue == pytest.approx(ref.pvalue, abs=TOL)
    assert not r.srm.mismatch
    wrong = tl.readout(ab, treatment="arm", control="control", outcome=["y"], bayes=False)  # equal split
    assert wrong.srm.mismatch and wrong.verdict.status == "fail"


def test_fieller_solves_its_defining_inequality():
    a, b, vaa, vbb, vab = 1.2, 1.0, 0.01, 0.004, 0.001
    lo, hi = fieller(a, b, vaa, vbb, vab, 0.95)
    z2 = stats.norm.ppf(0.975) ** 2
    for rho in (lo, hi):
        assert (a - rho * b) ** 2 == pytest.approx(z2 * (vaa - 2 * rho * vab + rho**2 * vbb), rel=1e-9)
    assert lo < a / b < hi
    assert fieller(1.0, 0.01, 0.01, 0.01, 0.0, 0.95) == (-np.inf, np.inf)


def test_factorial_contrasts_equal_ols_with_hc2():
    data = tl.datasets.factorial_test(n=8_000, seed=5).data
    f = tl.factorial(data, factors={"layout": "old", "banner": "off"}, outcome=["revenue"])
    import statsmodels.formula.api as smf

    ols = smf.ols("revenue ~ C(layout, Treatment('old')) * C(banner, Treatment('off'))", data).fit(
        cov_type="HC2")
    b, v = ols.params.to_numpy(), ols.cov_params().to_numpy()
    for term, weights in (("layout", [0, 1, 0, 0.5]), ("banner", [0, 0, 1, 0.5]),
                          ("layout x banner", [0, 0, 0, 1])):
        w = np.array(weights)
        est = f.effect("revenue", term).estimate
        assert est.value == pytest.approx(w @ b, abs=TOL)
        assert est.se == pytest.approx(np.sqrt(w @ v @ w), rel=1e-8)
