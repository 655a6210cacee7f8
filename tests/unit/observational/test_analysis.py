"""observe(): the whole job, end to end, on the demo generator."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

import truelift as tl
from truelift.errors import DataError, MethodError
from truelift.observational.matching import Matching
from truelift.schema import Status

COVS = ["engagement_score", "past_purchases", "account_age_days", "device_type"]
KW = dict(treatment="received_personalization", outcome=["made_purchase", "revenue"],
          covariates=COVS, unit="customer_id")


@pytest.fixture(scope="module")
def result(demo_small):
    return tl.observe(demo_small, customers=1_000_000, rollout=0.5, **KW)


def test_every_method_and_outcome_is_estimated(result):
    assert result.methods == ("aipw", "ipw", "match", "regression")
    assert result.primary == "aipw"
    assert {(e.outcome, e.method) for e in result.estimates} == {
        (o, m) for o in KW["outcome"] for m in result.methods}
    assert [e.method for e in result.naive] == ["naive", "naive"]
    assert result.estimate().method == "aipw" and result.estimate().outcome == "made_purchase"


def test_causal_estimate_is_far_below_the_naive_one(result):
    naive = result.naive[0]
    causal = result.estimate("made_purchase")
    truth = tl.datasets.personalization(3_000, seed=11).truth.att["made_purchase"]
    assert naive.relative.value > 0.4            # the "+54%" story
    assert causal.ci[0] <= truth <= causal.ci[1]
    assert naive.ci[0] > causal.ci[1] or naive.value > causal.value + 2 * causal.se


def test_diagnostics_feed_the_verdict(result):
    names = {d.name for d in result.diagnostics}
    for expected in ("share_outside_common_support", "max_abs_smd_after_ipw",
                     "max_abs_smd_after_match", "estimator_agreement_made_purchase",
                     "evalue_ci_made_purchase", "placebo_made_purchase",
                     "random_common_cause_revenue", "rosenbaum_gamma_made_purchase"):
        assert expected in names
    worst = Status.worst(d.status for d in result.diagnostics)
    assert result.verdict.status is worst
    assert len(result.verdict.reasons) == sum(d.status in (Status.WARN, Status.FAIL)
                                              for d in result.diagnostics)


def test_balance_improves_after_adjustment(result):
    for b in result.balance:
        assert b.max_abs_smd_before > 0.3
        assert b.max_abs_smd_after < 0.15   # raw covariates: IPW leaves ~0.10 on past_purchases
        expected = Status.OK if b.max_abs_smd_after <= 0.1 else Status.WARN
        assert b.diagnostic.status is expected
        assert {r.covariate for r in b.rows} >= {"engagement_score", "device_type=mobile"}


def test_projection_is_linear_in_the_estimate(result):
    p = result.projections[0]
    e = result.estimate("made_purchase")
    assert p.reached == 500_000
    assert p.total == pytest.approx(500_000 * e.value)
    assert p.total_ci == (pytest.approx(500_000 * e.ci[0]), pytest.approx(500_000 * e.ci[1]))


def test_json_roundtrip_and_matched_pairs(result):
    d = json.loads(result.to_json())
    assert d["schema_version"] == 2 and d["kind"] == "observational"
    assert "matches" not in d
    pairs = result.matched_pairs()
    assert list(pairs.columns) == ["unit", "unit_treated", "match", "weight", "distance"]
    assert pairs["unit"].str.startswith("C").all()


def test_frame_view(result):
    f = result.to_frame()
    assert len(f) == 2 + 8
    assert set(f["method"]) == {"naive", "aipw", "ipw", "match", "regression"}


def test_trimming_is_counted_and_refits(demo_small):
    r = tl.observe(demo_small, method="ipw", trim=(0.2, 0.8), refute=False, **KW)
    dropped = r.provenance.rows_dropped["trimmed ((0.2, 0.8))"]
    assert dropped == r.propensity.trimmed > 0
    assert r.provenance.rows_used == len(demo_small) - dropped
    assert any(d.name == "trimmed_units" for d in r.diagnostics)


def test_crump_trimming_on_poor_overlap():
    rng = np.random.default_rng(3)
    n = 3000
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-3 * x))).astype(int)
    import pandas as pd

    df = pd.DataFrame({"t": t, "y": x + t + rng.normal(size=n), "x": x})
    r = tl.observe(df, treatment="t", outcome="y", covariates="x", method="ipw", trim="crump",
                   estimand="ATE", refute=False)
    assert r.propensity.trimmed > 0
    assert r.propensity.overlap.crump_alpha == 0.0 or r.propensity.trimmed > 0


def test_drop_missing_is_reported(demo_small):
    df = demo_small.copy()
    df.loc[df.index[:25], "engagement_score"] = np.nan
    with pytest.raises(DataError, match="engagement_score"):
        tl.observe(df, method="ipw", refute=False, **KW)
    r = tl.observe(df, method="ipw", refute=False, drop_missing=True, **KW)
    assert r.provenance.rows_dropped == {"missing covariate value": 25}
    assert r.provenance.parameters["missing_by_column"] == {"engagement_score": 25}
    assert r.provenance.rows_used == len(df) - 25


def test_method_instances_and_gbm_propensity(demo_small):
    r = tl.observe(demo_small, method=[Matching(k=2, exact=("device_type",)), "ipw"],
                   propensity="gbm", refute=False, **KW)
    assert r.primary == "match" and r.propensity.model == "gbm"
    assert r.provenance.parameters["method_settings"]["match"]["k"] == 2


@pytest.mark.parametrize(("kw", "msg"), [
    (dict(method="nope"), "unknown method 'nope'"),
    (dict(estimand="XYZ"), "unknown estimand"),
    (dict(method="ipw,ipw"), "named twice"),
    (dict(propensity="svm"), "unknown propensity model"),
    (dict(level=1.5), "level must be in"),
])
def test_bad_settings_raise_method_error(demo_small, kw, msg):
    with pytest.raises(MethodError, match=msg):
        tl.observe(demo_small, **{**KW, **kw})


def test_no_matching_no_pairs(demo_small):
    r = tl.observe(demo_small, method="ipw", refute=False, **KW)
    with pytest.raises(MethodError, match="no matching was run"):
        r.matched_pairs()


def test_same_seed_same_numbers(demo_small):
    a = tl.observe(demo_small, method="aipw", seed=5, **KW)
    b = tl.observe(demo_small, method="aipw", seed=5, **KW)
    assert a.to_dict() == b.to_dict()


def test_import_is_light():
    code = ("import sys, truelift; heavy = [m for m in ('pandas', 'matplotlib', 'sklearn', "
            "'duckdb', 'statsmodels') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("method", ["ipw", "match", "aipw", "regression"])
def test_separated_arms_stop_with_one_message_naming_the_covariate(method):
    import pandas as pd

    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    df = pd.DataFrame({"t": (x > 0).astype(int), "y": x + rng.normal(size=2000), "x": x,
                       "z": rng.normal(size=2000)})
    with pytest.raises(MethodError, match=r"covariates separate the arms.*'x'") as err:
        tl.observe(df, treatment="t", outcome="y", covariates=["x", "z"], method=method,
                   refute=False)
    assert "\n" not in str(err.value)


def test_near_separation_completes_with_a_fail_verdict():
    import pandas as pd

    rng = np.random.default_rng(1)
    x = rng.normal(size=3000)
    t = (rng.random(3000) < 1 / (1 + np.exp(-6 * x))).astype(int)
    df = pd.DataFrame({"t": t, "y": x + t + rng.normal(size=3000), "x": x})
    r = tl.observe(df, treatment="t", outcome="y", covariates="x", method="ipw", estimand="ATE",
                   refute=False)
    assert r.verdict.status is Status.FAIL
    assert any("propensity below 0.01" in reason or "effective sample size" in reason
               for reason in r.verdict.reasons)


@pytest.mark.parametrize(("kw", "msg"), [
    (dict(customers=-5), r"customers must be >= 0"),
    (dict(customers=100, rollout=1.5), r"rollout share must be in \[0, 1\]"),
])
def test_bad_projection_inputs_fail_before_any_work(demo_small, kw, msg):
    with pytest.raises(MethodError, match=msg):
        tl.observe(demo_small, **{**KW, **kw})


def test_matching_without_replacement_warns_when_the_pool_is_thin(demo_small):
    r = tl.observe(demo_small, method=[Matching(replace=False)], refute=False, **KW)
    d = next(d for d in r.diagnostics if d.name == "match_pool_ratio")
    assert d.status is Status.WARN and "prefer matching with replacement" in d.message
    r = tl.observe(demo_small, method="match", refute=False, **KW)
    assert not any(d.name == "match_pool_ratio" for d in r.diagnostics)


def test_a_secondary_methods_own_check_counts_one_level_lower():
    from truelift.observational.analysis import _secondary
    from truelift.schema import Diagnostic

    warn = Diagnostic(name="max_abs_smd_after_match", value=0.15, threshold=0.1,
                      status=Status.WARN, message="balance not fully reached after match")
    fail = dataclasses.replace(warn, value=0.3, status=Status.FAIL)
    assert _secondary(warn, "aipw", "aipw") is warn
    assert _secondary(fail, "aipw", "aipw") is fail
    assert _secondary(warn, "match", "aipw").status is Status.INFO
    assert _secondary(fail, "match", "aipw").status is Status.WARN
    assert "not of the primary aipw estimate" in _secondary(fail, "match", "aipw").message
    ok = dataclasses.replace(warn, status=Status.OK)
    assert _secondary(ok, "match", "aipw") is ok


def _est(method, value, se, estimand="ATT", level=0.95):
    from scipy.stats import norm

    from truelift.schema import Estimate

    p = float(2 * norm.sf(abs(value / se)))
    return Estimate(outcome="y", estimand=estimand, method=method, value=value, se=se,
                    ci=(value - 1.96 * se, value + 1.96 * se), level=level, pvalue=p,
                    se_kind="test", n_treated=100, n_control=100, mean_treated=value,
                    baseline=0.0)


def test_agreement_is_a_z_test_against_the_primary_with_a_bonferroni_bound():
    from truelift.observational.analysis import _agreement

    # one comparison: |1.0 - 0.0| / hypot(0.3, 0.4) = 2.0 > 1.96
    d = _agreement([_est("aipw", 0.0, 0.3), _est("ipw", 1.0, 0.4)], "y", "ATT", "aipw")
    assert d.value == pytest.approx(2.0) and d.threshold == pytest.approx(1.959964, abs=1e-5)
    assert d.status is Status.WARN and "ipw" in d.message
    # three comparisons: the same gap is under the bound 2.394
    three = [_est("aipw", 0.0, 0.3), _est("ipw", 1.0, 0.4), _est("match", 0.1, 0.4),
             _est("regression", 0.0, 0.4)]
    d3 = _agreement(three, "y", "ATT", "aipw")
    assert d3.threshold == pytest.approx(2.3940, abs=1e-4) and d3.status is Status.OK
    # the reference is the primary, wherever it is in the list
    d_ref = _agreement([_est("ipw", 1.0, 0.4), _est("aipw", 0.0, 0.3)], "y", "ATT", "aipw")
    assert d_ref.value == pytest.approx(2.0) and "aipw" in d_ref.message
    # at level 0.9 the bound is 1.645
    d90 = _agreement([_est("aipw", 0.0, 0.3, level=0.9), _est("ipw", 0.8, 0.4, level=0.9)],
                     "y", "ATT", "aipw")
    assert d90.threshold == pytest.approx(1.6449, abs=1e-4) and d90.status is Status.OK


def test_agreement_fails_on_significant_opposite_signs_and_skips_other_estimands():
    from truelift.observational.analysis import _agreement

    d = _agreement([_est("aipw", 1.0, 0.2), _est("ipw", -1.0, 0.2)], "y", "ATT", "aipw")
    assert d.status is Status.FAIL
    # a primary of another estimand (ATO) is not compared; the rest compare among themselves
    ests = [_est("overlap", 5.0, 0.1, estimand="ATO"), _est("aipw", 0.0, 0.3, "ATE"),
            _est("ebal", 0.1, 0.3, "ATE")]
    d2 = _agreement(ests, "y", "ATE", "overlap")
    assert d2.status is Status.OK and d2.value == pytest.approx(0.1 / np.hypot(0.3, 0.3))
    assert _agreement(ests[:2], "y", "ATE", "overlap") is None
