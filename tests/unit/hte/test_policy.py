"""Cost-aware targeting policy: the rule, its doubly robust value, budgets, the profit curve, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import norm

from truelift.errors import DataError, MethodError
from truelift.hte.policy import PolicyValue, TargetingPolicy, targeting_policy

# Tiny example, value = 10, cost = 2:
#   g = 10·score − 2 = [3, 1, −1, 0.5, −4, −0.5]  -> the rule treats rows 0, 1, 3
#   c = 10·pseudo − 2 = [2, −1, 1, 0, −3, −2]
SCORE = np.array([0.5, 0.3, 0.1, 0.25, -0.2, 0.15])
PSEUDO = np.array([0.4, 0.1, 0.3, 0.2, -0.1, 0.0])


def _tiny(**kw) -> TargetingPolicy:
    return targeting_policy(PSEUDO, SCORE, value=10.0, cost=2.0, **kw)


def test_tiny_example_rule_and_value_by_hand():
    res = _tiny(points=7)
    np.testing.assert_array_equal(res.decision, [0, 0, -1, 0, -1, -1])
    np.testing.assert_allclose(res.net_profit, [3, 1, -1, 0.5, -4, -0.5])
    np.testing.assert_array_equal(res.rank, [1, 2, 5, 3, 6, 4])
    assert res.n == 6 and res.n_eligible == 3 and res.n_targeted == 3
    assert res.n_by_arm == {"arm1": 3}
    assert res.spend == pytest.approx(6.0)
    assert res.binding is None
    assert res.break_even == (pytest.approx(0.2),)
    assert res.predicted_profit == pytest.approx(4.5 / 6)

    # contributions of the rule [2, −1, 0, 0, 0, 0]: mean 1/6, sum of squared deviations 174/36
    pv = res.policy_value
    assert (pv.name, pv.vs) == ("policy", "none")
    assert pv.value == pytest.approx(1 / 6)
    assert pv.se == pytest.approx(math.sqrt(174 / 36 / 5 / 6))
    assert pv.total == pytest.approx(1.0)
    # treat-all: mean(c) = −3/6; policy − all = [0, 0, −1, 0, 3, 2] -> 4/6
    assert res.compare("all:arm1").value == pytest.approx(-0.5)
    assert res.compare("policy", "all:arm1").value == pytest.approx(2 / 3)
    assert res.compare("policy", "all:arm1").total == pytest.approx(4.0)

    # curve: order by g = rows 0, 1, 3, 5, 2, 4; c in that order 2, −1, 0, −2, 1, −3
    cv = res.curve
    np.testing.assert_allclose(cv.share, np.arange(7) / 6)
    np.testing.assert_array_equal(cv.n_targeted, np.arange(7))
    np.testing.assert_allclose(cv.values, np.array([0, 2, 1, 1, -1, 0, -3]) / 6)
    np.testing.assert_allclose(cv.spend, [0, 2, 4, 6, 8, 10, 12])
    np.testing.assert_allclose(cv.predicted, np.array([0, 3, 4, 4.5, 4, 3, -1]) / 6)
    # at j = 1 the vector is [2, 0, 0, 0, 0, 0]: sd² = 2/3, se = sqrt(2/3/6) = 1/3
    assert cv.se[0] == 0.0
    assert cv.se[1] == pytest.approx(1 / 3)
    z = norm.ppf(0.975)
    np.testing.assert_allclose(cv.lower, cv.values - z * cv.se)
    np.testing.assert_allclose(cv.upper, cv.values + z * cv.se)
    assert res.optimal_share == pytest.approx(1 / 6)
    assert res.optimal_value == pytest.approx(1 / 3)
    assert res.optimal_in_sample is True


def test_curve_grid_rounds_cut_and_default_points():
    res = _tiny()
    assert res.curve.share.size == 101
    # share 0.25 -> 1.5 -> cut 2 (half up); share 0.24 -> 1.44 -> 1
    assert res.curve.n_targeted[25] == 2
    assert res.curve.n_targeted[24] == 1
    assert res.curve.n_targeted[-1] == 6
    assert res.curve.values[-1] == pytest.approx(-0.5)  # everyone with the (only) arm = treat-all


def test_policy_vs_none_ci_matches_direct_computation():
    rng = np.random.default_rng(3)
    pseudo = rng.normal(0.1, 1.0, (200, 2))
    score = rng.normal(0.1, 0.2, (200, 2))
    res = targeting_policy(pseudo, score, value=3.0, cost=[0.2, 0.5], level=0.9)
    g = 3.0 * score - np.array([0.2, 0.5])
    arm = g.argmax(axis=1)
    treat = g.max(axis=1) > 0
    contrib = np.where(treat, 3.0 * pseudo[np.arange(200), arm] - np.array([0.2, 0.5])[arm], 0.0)
    v = contrib.mean()
    se = contrib.std(ddof=1) / np.sqrt(200)
    pv = res.policy_value
    assert pv.value == pytest.approx(v)
    assert pv.se == pytest.approx(se)
    assert pv.ci == pytest.approx((v - norm.ppf(0.95) * se, v + norm.ppf(0.95) * se))
    assert pv.pvalue == pytest.approx(2 * norm.sf(abs(v / se)))
    assert pv.level == 0.9 and pv.n == 200


def test_budget_by_count_keeps_top_predicted():
    res = _tiny(max_customers=2)
    np.testing.assert_array_equal(res.decision, [0, 0, -1, -1, -1, -1])
    assert res.n_targeted == 2 and res.n_eligible == 3
    assert res.binding == "max_customers"
    assert res.spend == pytest.approx(4.0)
    assert res.policy_value.value == pytest.approx(1 / 6)  # [2, −1, 0, ...]
    # a limit above the eligible count does not bind
    assert _tiny(max_customers=3).binding is None
    assert _tiny(max_customers=50).n_targeted == 3


def test_budget_by_spend_keeps_top_predicted():
    res = _tiny(max_spend=5.0)  # 2 + 2 = 4 <= 5; the third would make 6
    np.testing.assert_array_equal(res.decision, [0, 0, -1, -1, -1, -1])
    assert res.binding == "max_spend"
    assert res.spend == pytest.approx(4.0)
    assert _tiny(max_spend=6.0).binding is None
    assert _tiny(max_spend=6.0).n_targeted == 3
    # both limits given, the count one is tighter
    both = _tiny(max_customers=1, max_spend=5.0)
    assert both.n_targeted == 1 and both.binding == "max_customers"


def test_budget_by_spend_greedy_stops_at_first_overflow():
    # two arms: row 0 best with the expensive arm (cost 5), row 1 with the cheap one (cost 1)
    score = np.array([[0.0, 10.0], [2.0, 0.0], [0.0, 0.0]])
    pseudo = np.zeros((3, 2))
    res = targeting_policy(pseudo, score, value=1.0, cost=[1.0, 5.0], max_spend=4.0)
    np.testing.assert_array_equal(res.best_arm, [1, 0, 0])
    assert res.n_eligible == 2
    assert res.n_targeted == 0  # row 0 exceeds the budget: stop, do not skip to row 1
    assert res.binding == "max_spend"
    np.testing.assert_array_equal(res.decision, [-1, -1, -1])


def test_two_arms_choose_argmax_and_treat_all_values():
    rng = np.random.default_rng(11)
    n = 300
    score = rng.normal(0.05, 0.1, (n, 2))
    pseudo = rng.normal(0.05, 1.0, (n, 2))
    cost = np.array([0.5, 1.5])
    res = targeting_policy(pseudo, score, value=25.0, cost=cost, arm_names=["email", "coupon"])
    g = 25.0 * score - cost
    expected = np.where(g.max(axis=1) > 0, g.argmax(axis=1), -1)
    np.testing.assert_array_equal(res.decision, expected)
    np.testing.assert_array_equal(res.best_arm, g.argmax(axis=1))
    np.testing.assert_allclose(res.net_profit, g.max(axis=1))
    assert res.n_by_arm == {"email": int(np.sum(expected == 0)), "coupon": int(np.sum(expected == 1))}
    assert 0 < res.n_by_arm["email"] < n and 0 < res.n_by_arm["coupon"] < n  # both arms used
    assert res.break_even == (pytest.approx(0.02), pytest.approx(0.06))
    for k, name in enumerate(("email", "coupon")):
        c_k = 25.0 * pseudo[:, k] - cost[k]
        assert res.compare(f"all:{name}").value == pytest.approx(c_k.mean())
        assert res.compare(f"all:{name}").se == pytest.approx(c_k.std(ddof=1) / np.sqrt(n))
        diff = np.where(expected >= 0, 25.0 * pseudo[np.arange(n), np.maximum(expected, 0)]
                        - cost[np.maximum(expected, 0)], 0.0) - c_k
        assert res.compare("policy", f"all:{name}").value == pytest.approx(diff.mean())
        assert res.compare("policy", f"all:{name}").se == pytest.approx(diff.std(ddof=1) / np.sqrt(n))
    names = [(v.name, v.vs) for v in res.values]
    assert names == [("policy", "none"), ("policy", "all:email"), ("policy", "all:coupon"),
                     ("all:email", "none"), ("all:coupon", "none")]


def test_tied_arms_go_to_lowest_index():
    score = np.array([[0.3, 0.3], [0.1, 0.4]])
    res = targeting_policy(np.zeros((2, 2)), score, value=1.0, cost=0.0)
    np.testing.assert_array_equal(res.decision, [0, 1])


def test_known_truth_coverage_and_policy_beats_treat_all():
    rng = np.random.default_rng(2024)
    n, reps, value, cost = 400, 300, 2.0, 1.0
    covered = 0
    beats = 0
    for _ in range(reps):
        tau = rng.uniform(0.0, 1.0, n)  # value·tau − cost < 0 for half the customers
        pseudo = tau + rng.normal(0.0, 2.0, n)
        res = targeting_policy(pseudo, tau, value=value, cost=cost, points=11)
        treated = res.decision == 0
        np.testing.assert_array_equal(treated, value * tau - cost > 0)
        truth = float(np.sum(value * tau[treated] - cost)) / n
        lo, hi = res.policy_value.ci
        covered += lo <= truth <= hi
        beats += res.compare("policy", "all:arm1").value > 0
    assert 0.90 <= covered / reps <= 0.99
    assert beats / reps > 0.85  # true gain ≈ 0.25 per customer, its SE ≈ 0.14: P(gain > 0) ≈ 0.96

    # one big sample: the gain over treat-all is clearly positive, and near its truth
    n = 20_000
    tau = rng.uniform(0.0, 1.0, n)
    pseudo = tau + rng.normal(0.0, 1.0, n)
    res = targeting_policy(pseudo, tau, value=value, cost=cost)
    gain = res.compare("policy", "all:arm1")
    true_gain = -float(np.sum(np.minimum(value * tau - cost, 0.0))) / n  # about 0.25
    assert gain.ci[0] > 0
    assert gain.ci[0] <= true_gain <= gain.ci[1]
    # the curve peaks near share 1/2, where net effect changes sign
    assert abs(res.optimal_share - 0.5) <= 0.05


def test_random_score_does_not_beat_treat_none_much():
    # negative control: a score unrelated to the effect; the policy value is near its truth (≈ 0)
    rng = np.random.default_rng(5)
    n = 5000
    tau = rng.uniform(0.0, 1.0, n)
    pseudo = tau + rng.normal(0.0, 1.0, n)
    res = targeting_policy(pseudo, rng.uniform(0.0, 1.0, n), value=2.0, cost=1.0)
    lo, hi = res.policy_value.ci
    assert lo < 0.0 < hi


def test_to_dict_small_and_json_ready():
    res = _tiny(points=5)
    d = res.to_dict()
    for big in ("decision", "best_arm", "net_profit", "rank"):
        assert big not in d
    assert d["curve"]["values"] == pytest.approx(list(res.curve.values))
    assert d["values"][0]["name"] == "policy"
    json.dumps(d, allow_nan=False)
    assert isinstance(res.values[0], PolicyValue)


def test_inputs_not_modified_and_outputs_read_only():
    pseudo = np.array([[0.4, 0.1], [0.1, 0.2], [0.3, -0.5]])
    score = np.array([[0.5, 0.1], [0.3, 0.4], [-0.1, 0.0]])
    cost = [0.1, 0.2]
    copies = (pseudo.copy(), score.copy(), list(cost))
    res = targeting_policy(pseudo, score, value=2.0, cost=cost, max_spend=1.0)
    np.testing.assert_array_equal(pseudo, copies[0])
    np.testing.assert_array_equal(score, copies[1])
    assert cost == copies[2]
    with pytest.raises(ValueError):
        res.decision[0] = 5


def test_one_dimensional_and_column_inputs_agree():
    a = targeting_policy(PSEUDO, SCORE, value=10.0, cost=2.0)
    b = targeting_policy(PSEUDO[:, None], SCORE[:, None], value=10.0, cost=[2.0])
    np.testing.assert_array_equal(a.decision, b.decision)
    assert a.policy_value == b.policy_value


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"score": np.zeros((6, 2))}, "score"),
        ({"score": SCORE[:5]}, "score"),
        ({"pseudo": np.zeros((6, 1, 1)), "score": np.zeros((6, 1, 1))}, "pseudo"),
        ({"pseudo": PSEUDO[:1], "score": SCORE[:1]}, "pseudo"),
        ({"pseudo": np.r_[np.nan, PSEUDO[1:]]}, "pseudo"),
        ({"score": np.r_[SCORE[:-1], np.inf]}, "score"),
        ({"pseudo": ["a"] * 6}, "pseudo"),
        ({"value": 0.0}, "value"),
        ({"value": -1.0}, "value"),
        ({"value": math.nan}, "value"),
        ({"cost": -0.1}, "cost"),
        ({"cost": [1.0, 2.0]}, "cost"),
        ({"cost": math.inf}, "cost"),
        ({"max_customers": 0}, "max_customers"),
        ({"max_customers": 2.5}, "max_customers"),
        ({"max_spend": 0.0}, "max_spend"),
        ({"max_spend": math.nan}, "max_spend"),
        ({"arm_names": ["a", "b"]}, "arm_names"),
    ],
)
def test_input_errors_name_the_argument(kwargs, column):
    args = {"pseudo": PSEUDO, "score": SCORE, "value": 10.0, "cost": 2.0} | kwargs
    with pytest.raises(DataError) as err:
        targeting_policy(args.pop("pseudo"), args.pop("score"), **args)
    assert err.value.column == column
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kwargs", [{"level": 1.0}, {"level": 0.0}, {"points": 1}, {"points": 2.0}])
def test_bad_level_or_points_raise_method_error(kwargs):
    with pytest.raises(MethodError):
        _tiny(**kwargs)
