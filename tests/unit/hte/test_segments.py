"""The four groups of true-lift modelling and the effects of pre-specified segments."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from truelift.datasets import coupon_campaign
from truelift.errors import DataError, MethodError
from truelift.hte.segments import GROUPS, default_thresholds, four_groups, subgroup_effects
from truelift.inference.multiplicity import holm

# --------------------------------------------------------------------------------------------
# four groups on hand-made arrays


def _hand() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    #            persuadable  sure thing  lost cause  sleeping dog  boundaries
    # thresholds 0.125 and 1/32 and the boundary rows are exact in binary floating point
    mu0 = np.array([0.10, 0.60, 0.70, 0.20, 0.30, 0.50, 0.49, 0.40, 0.5])
    mu1 = np.array([0.30, 0.80, 0.72, 0.21, 0.29, 0.625, 0.49, 0.20, 0.46875])
    pseudo = np.array([0.5, 0.1, 0.0, 0.2, -0.3, 0.4, 0.1, -0.2, 0.0])
    return mu0, mu1, pseudo


def test_each_rule_branch() -> None:
    mu0, mu1, pseudo = _hand()
    r = four_groups(mu0, mu1, pseudo, effect_threshold=0.125, sleeping_threshold=1 / 32,
                    baseline_threshold=0.5)
    assert r.labels.tolist() == [
        "persuadable",   # tau 0.20 >= 0.125
        "persuadable",   # tau 0.20, high baseline: the effect rule comes first
        "sure thing",    # tau 0.02, mu0 0.70 >= 0.5
        "lost cause",    # tau 0.01, mu0 0.20 < 0.5
        "lost cause",    # tau -0.01 > -1/32, mu0 0.30
        "persuadable",   # tau exactly 0.125 (>=)
        "lost cause",    # tau 0, mu0 0.49 just below 0.5
        "sleeping dog",  # tau -0.20 <= -1/32
        "sleeping dog",  # tau exactly -1/32 (<=)
    ]


def test_thresholds_stored_and_sleeping_defaults_to_effect() -> None:
    mu0, mu1, pseudo = _hand()
    r = four_groups(mu0, mu1, pseudo, effect_threshold=0.125, baseline_threshold=0.5)
    assert (r.effect_threshold, r.sleeping_threshold, r.baseline_threshold) == (0.125, 0.125, 0.5)
    d = r.to_dict()
    assert (d["effect_threshold"], d["sleeping_threshold"], d["baseline_threshold"]) == (0.125, 0.125, 0.5)
    assert "labels" not in d and "0.125" in d["rule"]
    # with the symmetric default, tau -1/32 is no longer a sleeping dog (and mu0 = 0.5 exactly is a
    # sure thing), while tau -0.2 still is
    assert r.labels[8] == "sure thing" and r.labels[7] == "sleeping dog"


def test_group_order_shares_and_stats() -> None:
    mu0, mu1, pseudo = _hand()
    r = four_groups(mu0, mu1, pseudo, effect_threshold=0.125, sleeping_threshold=1 / 32,
                    baseline_threshold=0.5)
    assert tuple(g.name for g in r.groups) == GROUPS
    assert sum(g.share for g in r.groups) == pytest.approx(1.0)
    assert sum(g.n for g in r.groups) == r.n == 9
    p = r.group("persuadable")
    m = r.labels == "persuadable"
    assert p.n == 3
    assert p.observed == pytest.approx(pseudo[m].mean())
    assert p.se == pytest.approx(pseudo[m].std(ddof=1) / math.sqrt(3))
    assert p.predicted == pytest.approx((mu1 - mu0)[m].mean())
    assert p.mean_mu0 == pytest.approx(mu0[m].mean())
    assert p.ci[0] < p.observed < p.ci[1]
    assert p.ci[1] - p.observed == pytest.approx(1.959963984540054 * p.se)


def test_empty_group_is_json_safe() -> None:
    mu0, mu1, pseudo = _hand()
    r = four_groups(mu0, mu1, pseudo, effect_threshold=1.0, sleeping_threshold=1.0, baseline_threshold=0.5)
    assert r.group("persuadable").n == 0 and r.group("sleeping dog").n == 0
    assert math.isnan(r.group("persuadable").observed)
    text = json.dumps(r.to_dict(), allow_nan=False)
    back = json.loads(text)
    assert [g["name"] for g in back["groups"]] == list(GROUPS)
    assert back["groups"][0]["n"] == 0 and back["groups"][0]["observed"] is None
    assert back["groups"][0]["ci"] == [None, None]


def test_four_groups_rejects_bad_input() -> None:
    mu0, mu1, pseudo = _hand()
    with pytest.raises(DataError, match="equal lengths"):
        four_groups(mu0, mu1[:-1], pseudo, effect_threshold=0.1, baseline_threshold=0.5)
    bad = pseudo.copy()
    bad[2] = np.nan
    with pytest.raises(DataError, match="pseudo"):
        four_groups(mu0, mu1, bad, effect_threshold=0.1, baseline_threshold=0.5)
    with pytest.raises(MethodError):
        four_groups(mu0, mu1, pseudo, effect_threshold=0.0, baseline_threshold=0.5)
    with pytest.raises(MethodError):
        four_groups(mu0, mu1, pseudo, effect_threshold=-0.1, sleeping_threshold=0.2, baseline_threshold=0.5)


def test_default_thresholds() -> None:
    mu0 = np.array([0.1, 0.2, 0.3, 0.6])
    tau = np.zeros(4)
    e, b, reason = default_thresholds(mu0, tau, binary=True, value=80.0, cost=2.0)
    assert (e, b) == (pytest.approx(0.025), 0.5)
    assert "break-even" in reason and "0.025" in reason
    e, b, reason = default_thresholds(mu0, tau, binary=False)
    assert e == pytest.approx(0.1 * 0.3)
    assert b == pytest.approx(0.25)
    assert "10% relative lift" in reason and "median" in reason
    e, _, _ = default_thresholds(-mu0, tau, binary=False)
    assert e == pytest.approx(0.03)
    with pytest.raises(MethodError, match="both value and cost"):
        default_thresholds(mu0, tau, binary=True, value=10.0)
    with pytest.raises(DataError):
        default_thresholds(mu0, tau[:3], binary=True)


# --------------------------------------------------------------------------------------------
# four groups against the coupon campaign's known groups


@pytest.fixture(scope="module")
def coupon() -> dict[str, np.ndarray]:
    data, truth = coupon_campaign(n=20_000, seed=1)
    pc = truth.per_customer
    p0, p1 = pc["p0"].to_numpy(), pc["p_coupon"].to_numpy()
    e = pc["propensity_coupon"].to_numpy()
    t = (data["arm"] == "coupon").to_numpy().astype(float)
    y = data["converted"].to_numpy().astype(float)
    # AIPW pseudo-outcome with the true nuisances: unbiased for the effect given x
    pseudo = p1 - p0 + t * (y - p1) / e - (1.0 - t) * (y - p0) / (1.0 - e)
    return {"p0": p0, "p1": p1, "pseudo": pseudo, "group": pc["group_coupon"].to_numpy().astype(str)}


def test_true_predictions_recover_the_generator_groups(coupon: dict[str, np.ndarray]) -> None:
    r = four_groups(coupon["p0"], coupon["p1"], coupon["pseudo"], effect_threshold=0.05,
                    sleeping_threshold=0.02, baseline_threshold=0.5)
    assert np.array_equal(r.labels, coupon["group"])
    tau = coupon["p1"] - coupon["p0"]
    for g in r.groups:
        m = r.labels == g.name
        assert g.n > 1000
        assert g.predicted == pytest.approx(tau[m].mean())
        assert g.ci[0] <= tau[m].mean() <= g.ci[1], g.name
    # and the intervals are sharp enough to tell the groups apart
    assert r.group("persuadable").ci[0] > 0.1
    assert r.group("sleeping dog").ci[1] < -0.1


# --------------------------------------------------------------------------------------------
# subgroup effects


def _segments(seed: int, effects: dict[str, float], sizes: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    seg = np.concatenate([np.full(sizes[k], k) for k in effects])
    pseudo = np.array([effects[s] for s in seg]) + rng.normal(size=seg.size)
    perm = rng.permutation(seg.size)
    return pseudo[perm], seg[perm]


def test_estimates_are_segment_means_and_holm() -> None:
    pseudo, seg = _segments(0, {"b": 0.3, "a": 0.0, "c": 0.1}, {"b": 300, "a": 200, "c": 400})
    r = subgroup_effects(pseudo, seg, name="region")
    assert [s.segment for s in r.segments] == ["a", "b", "c"]
    for s in r.segments:
        x = pseudo[seg == s.segment]
        assert s.n == x.size
        assert s.estimate == pytest.approx(x.mean(), rel=1e-12)
        assert s.se == pytest.approx(x.std(ddof=1) / math.sqrt(x.size), rel=1e-12)
    raw = [s.pvalue for s in r.segments]
    np.testing.assert_allclose([s.pvalue_holm for s in r.segments], holm(raw), rtol=0, atol=0)
    assert r.n == 900 and r.dropped == {} and r.q_df == 2
    json.dumps(r.to_dict(), allow_nan=False)


def test_numeric_segments_sorted() -> None:
    pseudo, seg = _segments(1, {"3": 0.0, "1": 0.1, "2": 0.2}, {"3": 50, "1": 50, "2": 50})
    r = subgroup_effects(pseudo, seg.astype(int))
    assert [s.segment for s in r.segments] == [1, 2, 3]
    assert isinstance(r.segments[0].segment, int)


def test_small_segments_are_pulled_more() -> None:
    effects = {"big": 0.5, "mid": -0.2, "small": 0.8, "tiny": -0.5, "huge": 0.1}
    sizes = {"big": 2000, "mid": 500, "small": 60, "tiny": 25, "huge": 5000}
    pseudo, seg = _segments(2, effects, sizes)
    r = subgroup_effects(pseudo, seg)
    assert r.tau2 > 0.05
    by = {s.segment: s for s in r.segments}
    order = ["huge", "big", "mid", "small", "tiny"]
    shrinkage = [by[k].shrinkage for k in order]
    assert all(np.diff(shrinkage) > 0), shrinkage
    for s in r.segments:
        # shrunk lies between the raw estimate and mu, a share B of the way to mu
        assert s.shrunk - r.mu == pytest.approx((1 - s.shrinkage) * (s.estimate - r.mu))
        assert min(s.estimate, r.mu) <= s.shrunk <= max(s.estimate, r.mu)
        expected_sd = math.sqrt((1 - s.shrinkage) * s.se**2 + s.shrinkage**2 * r.mu_se**2)
        assert s.shrunk_se == pytest.approx(expected_sd)
        assert s.shrunk_se <= s.se
    assert by["tiny"].shrinkage > 0.3 > by["huge"].shrinkage


def test_common_effect_gives_tau2_near_zero_and_full_shrinkage() -> None:
    effects = {f"s{j}": 0.3 for j in range(8)}
    sizes = dict.fromkeys(effects, 500)
    pseudo, seg = _segments(3, effects, sizes)
    r = subgroup_effects(pseudo, seg)
    se2 = min(s.se**2 for s in r.segments)
    assert r.tau2 < 0.1 * se2
    assert r.i2 < 0.25
    assert r.mu == pytest.approx(0.3, abs=3 * r.mu_se)
    spread_raw = max(abs(s.estimate - r.mu) for s in r.segments)
    spread_shrunk = max(abs(s.shrunk - r.mu) for s in r.segments)
    assert spread_shrunk < 0.1 * spread_raw


def test_different_effects_give_tau2_and_little_shrinkage() -> None:
    # negative control of the test above: the same design with truly different effects
    effects = {f"s{j}": 0.1 * j for j in range(8)}
    sizes = dict.fromkeys(effects, 500)
    pseudo, seg = _segments(3, effects, sizes)
    r = subgroup_effects(pseudo, seg)
    true_var = float(np.var(list(effects.values()), ddof=1))
    assert r.tau2 == pytest.approx(true_var, rel=0.5)
    assert r.i2 > 0.9 and r.q_pvalue < 1e-6
    assert max(s.shrinkage for s in r.segments) < 0.1


def test_tiny_segment_is_dropped_and_counted() -> None:
    pseudo, seg = _segments(4, {"a": 0.1, "b": 0.2, "c": 0.3}, {"a": 100, "b": 100, "c": 3})
    r = subgroup_effects(pseudo, seg, min_size=5)
    assert [s.segment for s in r.segments] == ["a", "b"]
    assert r.dropped == {"c": 3} and r.n_dropped == 3 and r.n == 200
    assert json.loads(json.dumps(r.to_dict(), allow_nan=False))["dropped"] == {"c": 3}
    with pytest.raises(MethodError, match="two or more"):
        subgroup_effects(pseudo, seg, min_size=101)


def test_subgroup_errors() -> None:
    pseudo, seg = _segments(5, {"a": 0.1, "b": 0.2}, {"a": 20, "b": 20})
    with pytest.raises(DataError, match="equal lengths"):
        subgroup_effects(pseudo[:-1], seg)
    bad = pseudo.copy()
    bad[0] = np.nan
    with pytest.raises(DataError, match="pseudo"):
        subgroup_effects(bad, seg)
    numeric = (seg == "a").astype(float)
    numeric[3] = np.nan
    with pytest.raises(DataError, match="missing"):
        subgroup_effects(pseudo, numeric, name="loyal")
    labels = seg.astype(object)
    labels[0] = None
    with pytest.raises(DataError, match="missing"):
        subgroup_effects(pseudo, labels)
    with pytest.raises(MethodError):
        subgroup_effects(pseudo, seg, min_size=1)
    with pytest.raises(MethodError):
        subgroup_effects(pseudo, seg, level=1.5)
