"""Coupon-campaign generator: reproducible, well-formed, and its truth matches big draws."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from truelift.datasets import UpliftTruth, coupon_campaign
from truelift.datasets._uplift import GROUPS

THREE = ("control", "email_a", "email_b")


def _diff_se(data: pd.DataFrame, arm: str, control: str, outcome: str) -> tuple[float, float]:
    a = data.loc[data["arm"] == arm, outcome].to_numpy(float)
    c = data.loc[data["arm"] == control, outcome].to_numpy(float)
    return float(a.mean() - c.mean()), float(np.sqrt(a.var() / len(a) + c.var() / len(c)))


@pytest.fixture(scope="module")
def big3() -> tuple[pd.DataFrame, UpliftTruth]:
    return coupon_campaign(600_000, seed=11, arms=THREE)


def test_same_seed_same_data_and_other_seed_other_data():
    a = coupon_campaign(2_000, seed=3, arms=THREE, confounded=True)
    b = coupon_campaign(2_000, seed=3, arms=THREE, confounded=True)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.truth.per_customer, b.truth.per_customer)
    assert not a.data.equals(coupon_campaign(2_000, seed=4, arms=THREE, confounded=True).data)


@pytest.mark.parametrize(("arms", "covariates"), [(("control", "coupon"), 10), (THREE, 7)])
def test_shapes_and_columns(arms, covariates):
    data, truth = coupon_campaign(5_000, seed=1, arms=arms, covariates=covariates)
    xs = [f"x{j}" for j in range(1, covariates + 1)]
    assert list(data.columns) == ["customer_id", "arm", *xs, "converted", "revenue"]
    assert len(data) == 5_000 and data["customer_id"].is_unique
    assert set(data["arm"]) == set(arms)
    assert set(data["converted"].unique()) <= {0, 1}
    assert (data["revenue"] >= 0).all() and (data.loc[data["converted"] == 0, "revenue"] == 0).all()
    assert (data.loc[data["converted"] == 1, "revenue"] > 0).all()
    assert set(np.unique(data[["x3", "x5", "x6"]].to_numpy())) <= {0.0, 1.0}
    per = truth.per_customer
    assert len(per) == 5_000 and (per["customer_id"] == data["customer_id"]).all()
    assert truth.control == arms[0] and truth.treatments == tuple(arms[1:])
    np.testing.assert_allclose(per[[f"propensity_{a}" for a in arms]].sum(axis=1), 1.0)
    for a in arms[1:]:
        np.testing.assert_allclose(per[f"cate_converted_{a}"], per[f"p_{a}"] - per["p0"])
        assert set(per[f"group_{a}"]) <= set(GROUPS)
        assert set(truth.ate[a]) == set(truth.population_ate[a]) == {"converted", "revenue"}


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="arms"):
        coupon_campaign(100, arms=("control",))
    with pytest.raises(ValueError, match="covariates"):
        coupon_campaign(100, covariates=5)
    with pytest.raises(ValueError, match="shares"):
        coupon_campaign(100, shares=(0.5, 0.6))


def test_given_shares_are_the_propensities():
    data, truth = coupon_campaign(40_000, seed=2, shares=(0.2, 0.8))
    assert np.allclose(truth.per_customer["propensity_coupon"], 0.8)
    assert abs((data["arm"] == "coupon").mean() - 0.8) < 0.01


@pytest.mark.parametrize("outcome", ["converted", "revenue"])
def test_truth_matches_a_big_randomized_draw(big3, outcome):
    data, truth = big3
    for arm in THREE[1:]:
        diff, se = _diff_se(data, arm, "control", outcome)
        assert abs(diff - truth.population_ate[arm][outcome]) < 4 * se
        assert abs(truth.ate[arm][outcome] - truth.population_ate[arm][outcome]) < 2 * se


def test_confounding_biases_the_naive_difference():
    data, truth = coupon_campaign(100_000, seed=5, confounded=True)
    per = truth.per_customer
    assert per["propensity_coupon"].between(0.05, 0.95).all() and per["propensity_coupon"].std() > 0.1
    diff, se = _diff_se(data, "coupon", "control", "converted")
    assert diff - truth.ate["coupon"]["converted"] > 5 * se
    # inverse-propensity weighting with the true propensity recovers the effect
    t = (data["arm"] == "coupon").to_numpy()
    y = data["converted"].to_numpy(float)
    e = per["propensity_coupon"].to_numpy()
    ipw = np.mean(t * y / e) - np.mean((1 - t) * y / (1 - e))
    assert abs(ipw - truth.ate["coupon"]["converted"]) < 0.02


@pytest.mark.parametrize("arm", THREE[1:])
def test_four_groups_and_real_heterogeneity(big3, arm):
    _, truth = big3
    shares = truth.group_shares(arm)
    assert all(shares[g] > 0.05 for g in GROUPS)
    per = truth.per_customer
    assert per[f"cate_converted_{arm}"].std() > 0.02
    group = per[f"group_{arm}"]
    tau = per[f"cate_converted_{arm}"]
    assert tau[group == "persuadable"].min() >= 0.05 and tau[group == "sleeping dog"].max() <= -0.02
    assert per.loc[group == "sure thing", "p0"].min() >= 0.5
    assert per.loc[group == "lost cause", "p0"].max() < 0.5


def test_the_two_emails_help_different_customers(big3):
    _, truth = big3
    per = truth.per_customer
    a, b = per["cate_converted_email_a"], per["cate_converted_email_b"]
    best_a = (per["group_email_a"] == "persuadable") & (b < 0.02)
    best_b = (per["group_email_b"] == "persuadable") & (a < 0.02)
    assert best_a.mean() > 0.03 and best_b.mean() > 0.03


def test_generator_is_fast():
    coupon_campaign(100, seed=0)  # warm the cached population truth
    best = min(_timed() for _ in range(3))
    assert best < 0.3


def _timed() -> float:
    start = time.perf_counter()
    coupon_campaign(20_000, seed=0, arms=THREE, confounded=True)
    return time.perf_counter() - start
