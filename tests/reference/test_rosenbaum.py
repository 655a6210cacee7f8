"""Rosenbaum bounds against scipy's Wilcoxon test and the exact binomial tail.

References and tolerances:
* at Γ = 1 the bound is Wilcoxon's signed-rank test; scipy.stats.wilcoxon with
  ``method="approx", correction=False, zero_method="wilcox"`` uses the same normal approximation
  with the same tie correction, so the two agree to floating-point accuracy (1e-12);
* when every |difference| is equal all ranks are equal and ``T`` is (a multiple of) the number
  of positive pairs, which under the bounding distribution is Binomial(n, Γ/(1+Γ))
  (Rosenbaum 2002, §4.3.2, the sign test). Our bound is its normal approximation without
  continuity correction, whose error is about half the point probability at the observed count
  (the continuity correction) plus O(1/n); we allow one full point probability plus 0.005.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from truelift.errors import MethodError
from truelift.observational.rosenbaum import RosenbaumBounds, rosenbaum_bounds


def _p1(bounds: RosenbaumBounds) -> float:
    row = next(r for r in bounds.table if r.gamma == 1.0)
    return row.p_upper


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_gamma_one_equals_scipy_wilcoxon(seed, ties):
    rng = np.random.default_rng(seed)
    d = rng.normal(0.25, 1.0, size=60 + 20 * seed)
    if ties:  # ties in |d| and zero differences
        d = np.round(d * 2) / 2
    res = rosenbaum_bounds(d, gammas=(1.0, 2.0))
    want = stats.wilcoxon(d, alternative="greater", method="approx", correction=False,
                          zero_method="wilcox")
    assert res.alternative == "greater"
    assert _p1(res) == pytest.approx(want.pvalue, abs=1e-12, rel=1e-10)
    assert res.statistic == pytest.approx(want.statistic)
    assert res.n_zero == int((d == 0).sum())


def test_negative_effect_is_oriented():
    rng = np.random.default_rng(1)
    d = rng.normal(-0.4, 1.0, size=80)
    res = rosenbaum_bounds(d)
    want = stats.wilcoxon(d, alternative="less", method="approx", correction=False)
    assert res.alternative == "less"
    assert _p1(res) == pytest.approx(want.pvalue, rel=1e-10)
    assert rosenbaum_bounds(-d).gamma_critical == pytest.approx(res.gamma_critical, rel=1e-10)


@pytest.mark.parametrize(("n", "n_pos"), [(200, 130), (1000, 580), (500, 330)])
@pytest.mark.parametrize("gamma", [1.0, 1.25, 1.5, 2.0])
def test_equal_magnitudes_match_exact_binomial_tail(n, n_pos, gamma):
    d = np.array([1.0] * n_pos + [-1.0] * (n - n_pos))
    res = rosenbaum_bounds(d, gammas=(gamma,))
    p = gamma / (1 + gamma)
    exact = stats.binom.sf(n_pos - 1, n, p)  # P(B >= n_pos)
    tol = stats.binom.pmf(n_pos, n, p) + 0.005
    assert abs(res.table[0].p_upper - exact) <= tol


def test_p_upper_increases_in_gamma_and_critical_gamma_brackets_alpha():
    rng = np.random.default_rng(7)
    d = rng.normal(0.5, 1.0, size=150)
    gammas = np.linspace(1, 5, 41)
    res = rosenbaum_bounds(d, gammas=gammas, alpha=0.05)
    p = np.array([r.p_upper for r in res.table])
    assert (np.diff(p) > 0).all()
    g = res.gamma_critical
    assert 1.0 < g < 100.0 and not res.capped
    at = rosenbaum_bounds(d, gammas=(g * 0.99, g, g * 1.01))
    assert at.table[0].p_upper < 0.05 < at.table[2].p_upper
    assert at.table[1].p_upper == pytest.approx(0.05, abs=1e-8)
    assert f"{g:.2f}" in res.diagnostic.message
    expected = "ok" if g >= 2 else "warn" if g >= 1.25 else "fail"
    assert res.diagnostic.status == expected


def test_not_significant_and_capped_cases():
    rng = np.random.default_rng(3)
    symmetric = np.r_[np.arange(1.0, 21.0), -np.arange(1.0, 21.0)]  # T+ is its null mean
    null = rosenbaum_bounds(symmetric)
    assert _p1(null) == pytest.approx(0.5)
    assert null.gamma_critical == 1.0
    assert null.diagnostic.status == "fail"
    assert "not significant" in null.diagnostic.message
    huge = rosenbaum_bounds(np.abs(rng.normal(size=5000)) + 1.0)
    assert huge.capped and huge.gamma_critical == 100.0
    assert huge.diagnostic.status == "ok"
    assert "more than 100" in huge.diagnostic.message


def test_status_thresholds():
    rng = np.random.default_rng(11)
    seen = set()
    for shift in np.linspace(0.05, 1.5, 30):
        res = rosenbaum_bounds(rng.normal(shift, 1.0, size=120))
        g = res.gamma_critical
        status = "ok" if g >= 2 else "warn" if g >= 1.25 else "fail"
        assert res.diagnostic.status == status
        seen.add(status)
    assert seen == {"ok", "warn", "fail"}


def test_errors_and_to_dict():
    with pytest.raises(MethodError):
        rosenbaum_bounds(np.r_[np.ones(9), np.zeros(20)])
    with pytest.raises(MethodError):
        rosenbaum_bounds(np.r_[np.ones(20), np.nan])
    with pytest.raises(MethodError):
        rosenbaum_bounds(np.ones(20), gammas=(0.5,))
    with pytest.raises(MethodError):
        rosenbaum_bounds(np.ones(20), alpha=1.5)
    out = rosenbaum_bounds(np.linspace(-1, 3, 50), outcome="revenue").to_dict()
    assert set(out) >= {"gamma_critical", "table", "diagnostic", "alternative", "outcome"}
    assert out["outcome"] == "revenue"
    assert all(set(r) == {"gamma", "p_upper"} for r in out["table"])
    assert math.isfinite(out["gamma_critical"])
