"""tl.uplift end to end: known truth, several arms, observational data, exports and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.errors import DataError, MethodError

COVS = [f"x{i}" for i in range(1, 11)]
Z = 3.29  # single-seed checks against the truth use a 99.9% band (a 95% CI misses 1 run in 20)


def _covers(est, true: float) -> bool:
    return abs(est.value - true) < Z * est.se


@pytest.fixture(scope="module")
def two_arm():
    data, truth = tl.datasets.coupon_campaign(n=8000, seed=3)
    before = data.copy()
    result = tl.uplift(data, treatment="arm", control="control", outcome=["converted", "revenue"],
                       covariates=COVS, value=30.0, cost=1.0, segments=["x3"], unit="customer_id", seed=3)
    return data, before, truth, result


@pytest.fixture(scope="module")
def three_arm():
    data, truth = tl.datasets.coupon_campaign(n=9000, seed=4, arms=("control", "coupon", "email"))
    result = tl.uplift(data, treatment="arm", control="control", outcome="converted", covariates=COVS,
                       value=30.0, cost={"coupon": 1.0, "email": 0.2}, seed=4)
    return data, truth, result


def test_ate_covers_truth_and_does_not_touch_input(two_arm):
    data, before, truth, r = two_arm
    pd.testing.assert_frame_equal(data, before)
    for res in r.results:
        est = res.arms[0].ate
        true = truth.ate["coupon"][res.outcome]
        assert _covers(est, true), (res.outcome, est.value, true)
        assert est.method == "aipw" and est.estimand == "ATE" and est.n == 8000


def test_scores_rank_customers_by_their_true_effect(two_arm):
    _, _, truth, r = two_arm
    a = r.arm("converted")
    tau_true = truth.per_customer["cate_converted_coupon"].to_numpy()
    tau_hat = r.scores()["tau_converted_coupon"].to_numpy()
    assert np.corrcoef(tau_hat, tau_true)[0, 1] > 0.5
    assert a.qini_coefficient > 0.05
    assert a.blp.pvalue_heterogeneity < 0.01 and a.blp.beta2 > 0
    # the top decile really gains more than the bottom one
    assert a.calibration.groups[-1].observed > a.calibration.groups[0].observed


def test_groups_policy_and_export(two_arm):
    data, _, _truth, r = two_arm
    a = r.arm("converted")
    assert [g.name for g in a.groups.groups] == ["persuadable", "sure thing", "lost cause", "sleeping dog"]
    assert a.groups.effect_threshold == pytest.approx(1.0 / 30.0)
    g = {x.name: x for x in a.groups.groups}
    assert g["persuadable"].observed > 0 > g["sleeping dog"].observed
    p = r.policy
    assert p is not None and p.n_targeted > 0
    vs_none = p.values[0]
    assert vs_none.name == "policy" and vs_none.vs == "none" and vs_none.value > 0
    scores = r.scores()
    assert len(scores) == len(data)
    assert {"customer_id", "arm", "tau_converted_coupon", "group_converted_coupon", "net_profit",
            "decision"} <= set(scores.columns)
    assert (scores["decision"] != "none").sum() == p.n_targeted
    assert len(a.subgroups) == 1 and a.subgroups[0].name == "x3"
    d = json.loads(r.to_json())
    assert d["kind"] == "uplift" and d["results"][0]["arms"][0]["ate"]["method"] == "aipw"


def test_three_arms_each_with_its_effect_and_a_best_arm(three_arm):
    _, truth, r = three_arm
    res = r.results[0]
    assert [a.arm for a in res.arms] == ["coupon", "email"]
    for a in res.arms:
        true = truth.ate[a.arm]["converted"]
        assert _covers(a.ate, true), (a.arm, a.ate.value, true)
    assert sum(res.best_arm_counts.values()) == 9000
    # the second arm helps app users (x6): the best arm differs between customers
    assert res.best_arm_counts["coupon"] > 0 and res.best_arm_counts["email"] > 0
    assert set(r.policy.n_by_arm) == {"coupon", "email"}
    s = r.scores()
    true_best = np.where(truth.per_customer[["cate_converted_coupon", "cate_converted_email"]].to_numpy()
                         .argmax(axis=1) == 0, "coupon", "email")
    chosen = s["best_arm_converted"].to_numpy()
    some = chosen != "control"
    assert np.mean(chosen[some] == true_best[some]) > 0.6


def test_observational_design_recovers_the_ate_the_naive_difference_misses():
    data, truth = tl.datasets.coupon_campaign(n=8000, seed=5, confounded=True)
    r = tl.uplift(data, treatment="arm", control="control", outcome="converted", covariates=COVS,
                  design="observational", seed=5)
    est = r.results[0].arms[0].ate
    true = truth.ate["coupon"]["converted"]
    assert _covers(est, true)
    t = data["arm"] == "coupon"
    naive = data.loc[t, "converted"].mean() - data.loc[~t, "converted"].mean()
    assert abs(naive - true) > 5 * est.se  # negative control: the confounded gap is far off
    names = {d.name for d in r.diagnostics}
    assert "overlap_clipped" in names
    assert any(d.name == "raw_curves" for d in r.results[0].arms[0].diagnostics)


def test_random_scores_give_no_heterogeneity_warning():
    rng = np.random.default_rng(0)
    n = 4000
    df = pd.DataFrame({"t": rng.integers(0, 2, n), "a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = 0.2 * df["t"] + rng.normal(size=n)
    r = tl.uplift(df, treatment="t", outcome="y", covariates=["a", "b"], learner="t", base="linear")
    het = next(d for d in r.results[0].arms[0].diagnostics if d.name == "heterogeneity")
    assert het.status.value != "ok"


@pytest.mark.parametrize("learner", ["s", "t", "x", "r"])
def test_every_learner_runs_through_the_entry(learner):
    data, _ = tl.datasets.coupon_campaign(n=3000, seed=6)
    r = tl.uplift(data, treatment="arm", control="control", outcome="converted", covariates=COVS,
                  learner=learner, seed=6)
    assert r.learner == learner
    assert np.isfinite(r.results[0].arms[0].qini_coefficient)


# ------------------------------------------------------------------------------------------ bad input


def _small(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"arm": rng.choice(["c", "a", "b"], n), "x": rng.normal(size=n),
                         "z": rng.normal(size=n), "y": rng.integers(0, 2, n).astype(float)})


def test_arm_too_small_for_the_folds_is_a_one_line_error():
    df = _small()
    df.loc[df.index[df["arm"] == "b"][5:], "arm"] = "a"  # arm b keeps 5 rows: not every fold has it
    with pytest.raises(DataError) as err:
        tl.uplift(df, treatment="arm", control="c", outcome="y", covariates=["x", "z"])
    assert err.value.column == "arm" and "\n" not in str(err.value)


def test_constant_outcome_in_one_arm_is_an_error():
    df = _small()
    df.loc[df["arm"] == "a", "y"] = 0.0
    with pytest.raises(DataError) as err:
        tl.uplift(df, treatment="arm", control="c", outcome="y", covariates=["x", "z"])
    assert err.value.column == "y" and "constant" in str(err.value)


def test_fewer_rows_than_folds_is_an_error():
    df = _small(n=12)
    with pytest.raises(DataError):
        tl.uplift(df, treatment="arm", control="c", outcome="y", covariates=["x", "z"], folds=5)


def test_cost_without_value_is_an_error():
    with pytest.raises(DataError) as err:
        tl.uplift(_small(), treatment="arm", control="c", outcome="y", covariates=["x", "z"], cost=1.0)
    assert err.value.column == "value"


def test_unknown_learner_and_design_are_method_errors():
    with pytest.raises(MethodError):
        tl.uplift(_small(), treatment="arm", control="c", outcome="y", covariates=["x"], learner="zz")
    with pytest.raises(MethodError):
        tl.uplift(_small(), treatment="arm", control="c", outcome="y", covariates=["x"], design="quasi")


def test_missing_control_label_names_the_column():
    with pytest.raises(DataError) as err:
        tl.uplift(_small(), treatment="arm", control="nope", outcome="y", covariates=["x"])
    assert err.value.column == "arm"


def test_causal_forest_through_the_entry_exports_per_customer_intervals():
    data, truth = tl.datasets.coupon_campaign(n=4000, seed=7)
    r = tl.uplift(data, treatment="arm", control="control", outcome="converted", covariates=COVS,
                  learner="cf", level=0.9, seed=7)
    a = r.results[0].arms[0]
    assert a.interval_excludes_zero is not None
    s = r.scores()
    lo, hi = s["tau_converted_coupon_lower"], s["tau_converted_coupon_upper"]
    tau = s["tau_converted_coupon"]
    assert (lo <= tau).all() and (tau <= hi).all()
    assert np.corrcoef(tau, truth.per_customer["cate_converted_coupon"])[0, 1] > 0.5


def test_known_per_row_propensity_column_is_used():
    rng = np.random.default_rng(8)
    n = 6000
    x = rng.normal(size=n)
    p = np.where(x > 0, 0.8, 0.2)  # randomized, with a known probability that depends on x
    t = (rng.random(n) < p).astype(int)
    y = 1.0 * x + 0.5 * t + rng.normal(size=n)
    df = pd.DataFrame({"t": t, "x": x, "z": rng.normal(size=n), "y": y, "p": p})
    r = tl.uplift(df, treatment="t", outcome="y", covariates=["x", "z"], propensity="p",
                  learner="t", base="linear")
    est = r.results[0].arms[0].ate
    assert _covers(est, 0.5)
    assert "'p'" in r.propensity
    bad = df.assign(p=1.0)
    with pytest.raises(DataError) as err:
        tl.uplift(bad, treatment="t", outcome="y", covariates=["x"], propensity="p")
    assert err.value.column == "p"


def test_three_arm_observational_design_uses_a_multinomial_propensity():
    data, truth = tl.datasets.coupon_campaign(n=12000, seed=9, arms=("control", "coupon", "email"),
                                              confounded=True)
    r = tl.uplift(data, treatment="arm", control="control", outcome="converted", covariates=COVS,
                  design="observational", learner="t", seed=9)
    for a in r.results[0].arms:
        true = truth.ate[a.arm]["converted"]
        assert _covers(a.ate, true), (a.arm, a.ate.value, true)
        treated = data["arm"] == a.arm
        naive = data.loc[treated, "converted"].mean() - data.loc[data["arm"] == "control", "converted"].mean()
        assert abs(naive - true) > 4 * a.ate.se  # negative control


def test_row_order_does_not_change_any_number():
    """Rows are put in hash order before any model sees them; scores come back in the caller's
    order, so a shuffled table gives the same estimates and the same score per customer."""
    data, _ = tl.datasets.coupon_campaign(n=3000, seed=8)
    kw = dict(treatment="arm", control="control", outcome="converted", covariates=COVS[:4],
              unit="customer_id", seed=2)
    a = tl.uplift(data, **kw)
    shuffled = data.sample(frac=1.0, random_state=5)
    b = tl.uplift(shuffled, **kw)
    ea, eb = a.arm("converted").ate, b.arm("converted").ate
    assert eb.value == pytest.approx(ea.value, rel=1e-12, abs=1e-12)
    assert eb.se == pytest.approx(ea.se, rel=1e-12, abs=1e-12)
    sa, sb = a.scores(), b.scores()
    assert sb["customer_id"].tolist() == shuffled["customer_id"].tolist()   # caller's order
    merged = sa.merge(sb, on="customer_id", suffixes=("_a", "_b"))
    assert np.allclose(merged["tau_converted_coupon_a"], merged["tau_converted_coupon_b"],
                       rtol=0, atol=1e-12)
