"""Unit tests of the Bayesian A/B/n readout (truelift.experiment.bayes)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from truelift.errors import MethodError
from truelift.experiment import bayes
from truelift.experiment.bayes import BayesReadout, beta_binomial, beta_prob_greater, normal_means

S4, N4 = [40, 55, 50, 30], [1000, 1000, 1000, 900]
L4 = ["A", "B", "C", "D"]
MU3, V3 = [10.0, 10.5, 9.0], [0.04, 0.05, 0.04]
L3 = ["a", "b", "c"]


def _beta4(**kw) -> BayesReadout:
    return beta_binomial(S4, N4, labels=L4, draws=50_000, **kw)


def _normal3(**kw) -> BayesReadout:
    return normal_means(MU3, V3, labels=L3, draws=50_000, **kw)


# ------------------------------------------------------------------------------------- structure
def test_readout_shape_and_labels():
    res = _beta4(control="B")
    assert res.model == "beta_binomial" and res.prior == (1.0, 1.0)
    assert res.labels == tuple(L4) and res.control == "B"
    assert [c.variant for c in res.comparisons] == ["A", "C", "D"]
    assert all(c.control == "B" for c in res.comparisons)
    assert res.arm("C").label == "C" and res.comparison("D").variant == "D"
    with pytest.raises(KeyError):
        res.comparison("B")


def test_control_by_label_equals_control_by_index():
    assert _beta4(control="C").to_dict() == _beta4(control=2).to_dict()


def test_to_dict_is_json_ready():
    for res in (_beta4(), _normal3()):
        d = res.to_dict()
        json.dumps(d, allow_nan=False)
        assert d["arms"][0]["label"] == res.labels[0]
        assert set(d["computed"]) >= {"prob_better", "prob_best", "expected_loss", "lift_ci"}


def test_arm_posterior_closed_forms():
    res = beta_binomial([3, 9], [10, 12], labels=["A", "B"], prior=(2.0, 3.0))
    arm = res.arm("B")
    assert arm.mean == pytest.approx((2 + 9) / (2 + 3 + 12))
    from scipy import stats

    assert arm.ci == pytest.approx(tuple(stats.beta(11, 6).ppf([0.025, 0.975])), rel=1e-12)
    n = normal_means([1.0, 2.0], [0.25, 0.16], labels=["A", "B"], level=0.9)
    assert n.arm("A").ci == pytest.approx((1 - 0.5 * 1.6448536269514722, 1 + 0.5 * 1.6448536269514722))


# ------------------------------------------------------------------------------------ invariants
@pytest.mark.parametrize("make", [_beta4, _normal3])
def test_prob_best_sums_to_one(make):
    res = make()
    assert sum(a.prob_best for a in res.arms) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("make", [_beta4, _normal3])
def test_best_arm_has_smallest_expected_loss(make):
    res = make()
    best = max(res.arms, key=lambda a: a.prob_best)
    assert best.expected_loss == min(a.expected_loss for a in res.arms)
    assert best.mean == max(a.mean for a in res.arms)
    assert all(a.expected_loss >= 0 for a in res.arms)


def test_two_arms_prob_best_and_loss_from_the_comparison():
    res = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
    comp = res.comparisons[0]
    assert res.computed["prob_best"] == "exact" and res.computed["expected_loss"] == "exact"
    assert res.arm("B").prob_best == comp.prob_better
    assert res.arm("A").prob_best == pytest.approx(1 - comp.prob_better, abs=1e-15)
    assert res.arm("B").expected_loss == comp.expected_loss
    # E[max(A, B)] − E[A] − (E[max(A, B)] − E[B]) = E[B] − E[A]
    gap = res.arm("A").expected_loss - res.arm("B").expected_loss
    assert gap == pytest.approx(res.arm("B").mean - res.arm("A").mean, abs=1e-14)


@pytest.mark.parametrize("model", ["beta", "normal"])
def test_swapping_arms_gives_one_minus_p(model):
    if model == "beta":
        ab = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
        ba = beta_binomial([55, 40], [1000, 1000], labels=["B", "A"])
    else:
        ab = normal_means([10.0, 10.3], [0.04, 0.05], labels=["A", "B"])
        ba = normal_means([10.3, 10.0], [0.05, 0.04], labels=["B", "A"])
    p, q = ab.comparisons[0].prob_better, ba.comparisons[0].prob_better
    assert p + q == pytest.approx(1.0, abs=1e-12)
    assert ab.comparisons[0].absolute.mean == pytest.approx(-ba.comparisons[0].absolute.mean, abs=1e-15)
    # the loss of shipping B instead of A is the gain of staying with A over B
    assert ab.comparisons[0].expected_loss == pytest.approx(ba.arm("B").expected_loss, abs=1e-15)
    assert ab.arm("A").prob_best == pytest.approx(ba.arm("A").prob_best, abs=1e-12)


def test_beta_relabelled_failures_mirror():
    # P(θ_B > θ_A) on successes equals P(1 − θ_A > 1 − θ_B) on failures (the b-branch of the sum)
    p = beta_prob_greater(56.0, 946.0, 41.0, 961.0)
    assert beta_prob_greater(961.0, 41.0, 946.0, 56.0) == pytest.approx(p, abs=1e-13)
    assert beta_prob_greater(41.0, 961.0, 56.0, 946.0) == pytest.approx(1 - p, abs=1e-13)


def test_equal_arms_give_one_half():
    res = beta_binomial([30, 30], [500, 500], labels=["A", "B"])
    assert res.comparisons[0].prob_better == pytest.approx(0.5, abs=1e-11)  # log-gamma rounding
    res = normal_means([1.0, 1.0], [0.1, 0.3], labels=["A", "B"])
    assert res.comparisons[0].prob_better == 0.5


def test_normal_two_arm_closed_forms():
    from scipy import stats

    mu, v = (10.0, 10.3), (0.04, 0.05)
    res = normal_means(mu, v, labels=["A", "B"])
    d, s = mu[1] - mu[0], math.sqrt(sum(v))
    comp = res.comparisons[0]
    assert comp.prob_better == pytest.approx(stats.norm.cdf(d / s), abs=1e-15)
    want_loss = s * stats.norm.pdf(d / s) - d * stats.norm.cdf(-d / s)
    assert comp.expected_loss == pytest.approx(want_loss, abs=1e-15)
    assert comp.absolute.ci == pytest.approx(tuple(stats.norm(d, s).ppf([0.025, 0.975])), abs=1e-12)
    assert res.computed["lift_ci"] == "exact" and res.computed["relative_ci"] == "monte_carlo"


# ---------------------------------------------------------------------------------- Monte Carlo
def test_same_seed_same_numbers_other_seed_other_numbers():
    assert _beta4(seed=7).to_dict() == _beta4(seed=7).to_dict()
    assert _normal3(seed=7).to_dict() == _normal3(seed=7).to_dict()
    a, b = _beta4(seed=7), _beta4(seed=8)
    assert a.arms[0].prob_best != b.arms[0].prob_best  # Monte Carlo
    assert a.comparisons[0].prob_better == b.comparisons[0].prob_better  # exact


def test_blocks_do_not_change_the_numbers(monkeypatch):
    whole = _beta4(seed=1)
    monkeypatch.setattr(bayes, "_BLOCK", 4 * 777)  # many small blocks of an odd size
    blocked = _beta4(seed=1)
    assert blocked.comparisons == whole.comparisons
    for a, b in zip(blocked.arms, whole.arms, strict=True):
        assert a.prob_best == b.prob_best  # the same draws, so the same counts
        assert a.expected_loss == pytest.approx(b.expected_loss, rel=1e-12)  # summed in another order


def test_an_arm_draws_do_not_depend_on_later_arms():
    # per-arm streams: adding an arm leaves the A-vs-B Monte Carlo interval unchanged
    two = beta_binomial(S4[:2], N4[:2], labels=L4[:2], draws=50_000)
    four = _beta4()
    assert two.comparisons[0].absolute.ci == four.comparisons[0].absolute.ci


def test_monte_carlo_fallback_above_the_term_limit(monkeypatch):
    monkeypatch.setattr(bayes, "EXACT_MAX_TERMS", 10)
    res = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
    assert res.computed["prob_better"] == "monte_carlo" and res.computed["prob_best"] == "monte_carlo"
    assert beta_prob_greater(56.0, 946.0, 41.0, 961.0) is None
    assert beta_prob_greater(5.0, 946.0, 41.0, 961.0) is not None  # 5 terms: still exact


def test_non_integer_parameters_fall_back():
    assert beta_prob_greater(2.5, 3.5, 1.5, 4.5) is None
    res = beta_binomial([4, 6], [20, 20], labels=["A", "B"], prior=(0.5, 0.5))
    assert res.computed["prob_better"] == "monte_carlo"


def test_relative_lift():
    res = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
    rel = res.comparisons[0].relative
    assert rel.ci[0] < rel.mean < rel.ci[1]
    assert res.computed["relative_mean"] == "exact"
    # no control successes under a uniform prior: E[1/θ_c] is infinite
    zero = beta_binomial([0, 5], [100, 100], labels=["A", "B"])
    assert math.isinf(zero.comparisons[0].relative.mean)
    assert zero.to_dict()["comparisons"][0]["relative"]["mean"] is None
    # normal control whose posterior straddles zero: no relative lift
    assert normal_means([0.1, 0.5], [0.04, 0.04], labels=["A", "B"]).comparisons[0].relative is None
    ok = normal_means([10.0, 10.5], [0.04, 0.04], labels=["A", "B"]).comparisons[0].relative
    assert ok.mean == pytest.approx(0.05, abs=0.002)


def test_inputs_not_mutated():
    s, n = np.array([4, 6]), np.array([20, 20])
    beta_binomial(s, n, labels=["A", "B"], draws=1000)
    assert s.tolist() == [4, 6] and n.tolist() == [20, 20]


# ----------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"successes": [5, 11], "trials": [10, 10]}, "successes exceed trials"),
        ({"successes": [-1, 3], "trials": [10, 10]}, ">= 0"),
        ({"successes": [1, 3], "trials": [-10, 10]}, ">= 0"),
        ({"successes": [1.5, 3], "trials": [10, 10]}, "whole numbers"),
        ({"successes": [1, np.nan], "trials": [10, 10]}, "finite"),
        ({"successes": [1], "trials": [10], "labels": ["A"]}, "at least 2 arms"),
        ({"successes": [1, 2, 3], "trials": [10, 10]}, "one count per arm"),
        ({"labels": ["A"]}, "labels must name"),
        ({"labels": ["A", "A"]}, "distinct"),
        ({"control": "Z"}, "not one of the labels"),
        ({"control": 2}, "control must be"),
        ({"prior": (0.0, 1.0)}, "prior"),
        ({"prior": (1.0,)}, "prior"),
        ({"prior": "ab"}, "prior"),
        ({"labels": ["A", 2]}, "strings"),
        ({"level": 1.0}, "level"),
        ({"draws": 10}, "draws"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_beta_binomial_rejects(kwargs, match):
    args = {"successes": [4, 6], "trials": [20, 20], "labels": ["A", "B"]} | kwargs
    with pytest.raises(MethodError, match=match) as err:
        beta_binomial(args.pop("successes"), args.pop("trials"), **args)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("means", "variances", "match"),
    [
        ([1.0, 2.0], [0.1, 0.0], "'B': variance of the mean must be > 0"),
        ([1.0, 2.0], [-0.1, 0.1], "'A': variance"),
        ([1.0, np.inf], [0.1, 0.1], "finite"),
        ([1.0], [0.1], "at least 2 arms"),
        ([[1.0, 2.0]], [[0.1, 0.1]], "1-D"),
        ([1.0, 2.0], [0.1], "one value per arm"),
    ],
)
def test_normal_means_rejects(means, variances, match):
    labels = ["A", "B"][: max(1, np.size(means))]
    with pytest.raises(MethodError, match=match):
        normal_means(means, variances, labels=labels)
