"""The Bayesian readout against numerical integration (scipy.integrate.quad) and Monte Carlo.

References and tolerances:
* Evan Miller's (2015) finite sum for ``P(X > Y)``, ``X, Y`` independent Beta, and the expected
  gain ``E[max(X − Y, 0)]`` built from it (Stucchio 2015), are exact: they must agree with
  adaptive quadrature of ``∫ f_X(x) F_Y(x) dx`` (resp. ``∫ f_X(x) (x F_Y(x) − E[Y] F_{Y⁺}(x)) dx``,
  ``Y⁺ ~ Beta(a_y + 1, b_y)``) to 1e-11 absolute — quad is asked for 1e-13 and integrates over
  the central 1 − 2e-15 of ``X``, so the reference itself is good to ~1e-12; the differences
  seen are ~1e-14, and 1e-11 leaves room for the log-space sum over up to ~1,000 terms; with
  5,000–50,000 terms the rounding of the log-gamma values grows to ~1e-10 and 1e-8 is asked;
* the other closed forms (normal ``P(B > A)`` and expected loss, the Beta relative-lift mean)
  against quadrature to 1e-9;
* Monte Carlo quantities (``P(best)`` and the loss against the best arm with 3+ arms, the
  fallback ``P(θ_v > θ_c)``) are held to 5 Monte Carlo standard errors: ``√(p(1−p)/draws)`` for a
  probability; for a loss ``(√Σ_j Var θ_j + sd θ_k) / √draws``, since by the Efron–Stein
  inequality ``Var(max_j θ_j) ≤ Σ_j Var θ_j`` for independent ``θ_j``. The seeds are fixed, so
  the tests are deterministic; 5 SE keeps them from depending on a lucky seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from truelift.experiment import bayes
from truelift.experiment.bayes import beta_binomial, beta_expected_gain, beta_prob_greater, normal_means

DRAWS = 200_000


def _support(dists, tail=1e-15):
    lo = min(d.ppf(tail) for d in dists)
    hi = max(d.isf(tail) for d in dists)
    return lo, hi


def _quad(f, lo, hi, points=None):
    val, _ = integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=500, points=points)
    return val


def quad_prob_greater(ax, bx, ay, by):
    x, y = stats.beta(ax, bx), stats.beta(ay, by)
    lo, hi = _support([x])
    return _quad(lambda t: x.pdf(t) * y.cdf(t), lo, hi, points=[x.mean()])


def quad_expected_gain(ax, bx, ay, by):
    x, y, yplus = stats.beta(ax, bx), stats.beta(ay, by), stats.beta(ay + 1, by)
    lo, hi = _support([x])
    my = y.mean()
    return _quad(lambda t: x.pdf(t) * (t * y.cdf(t) - my * yplus.cdf(t)), lo, hi, points=[x.mean()])


# (a_x, b_x, a_y, b_y): which of the four parameters is the smallest integer varies, so each branch
# of beta_prob_greater (sum over a_x, over a_y, over b_y, over b_x) is exercised
CASES = [
    (41.0, 961.0, 56.0, 946.0),      # a_x smallest: conversion rates of a few percent
    (56.0, 946.0, 41.0, 961.0),      # a_y smallest
    (991.0, 11.0, 996.0, 6.0),       # b_y smallest: rates near one
    (996.0, 6.0, 991.0, 11.0),       # b_x smallest
    (1.0, 1.0, 1.0, 1.0),            # two uniform priors: exactly 1/2
    (3.0, 2.5, 2.5, 7.5),            # non-integer prior, integer a_x
    (13.0, 12.0, 12.0, 14.0),        # near-even
    (301.0, 700.0, 351.0, 650.0),    # larger counts, far apart (P close to 0)
]


@pytest.mark.parametrize("case", CASES)
def test_beta_prob_greater_equals_quadrature(case):
    got = beta_prob_greater(*case)
    assert got is not None
    assert got == pytest.approx(quad_prob_greater(*case), abs=1e-11)


@pytest.mark.parametrize("case", CASES)
def test_beta_expected_gain_equals_quadrature(case):
    got = beta_expected_gain(*case)
    assert got is not None
    assert got == pytest.approx(quad_expected_gain(*case), abs=1e-11)


@pytest.mark.parametrize("case", [(5001.0, 95001.0, 5201.0, 94801.0), (50001.0, 950001.0, 50401.0, 949601.0)])
def test_beta_prob_greater_large_counts(case):
    # 5,000 and 50,000 terms: each log term carries ~eps·|betaln| ≈ 1e-11 rounding, so the sum is
    # good to ~1e-10 here (seen: 4e-12 and 2e-10); held to 1e-8
    assert beta_prob_greater(*case) == pytest.approx(quad_prob_greater(*case), abs=1e-8)
    assert beta_expected_gain(*case) == pytest.approx(quad_expected_gain(*case), abs=1e-8)


def test_two_uniforms_give_one_half_and_one_sixth():
    # U, V ~ U(0, 1): P(U > V) = 1/2, E[max(U − V, 0)] = 1/6
    assert beta_prob_greater(1.0, 1.0, 1.0, 1.0) == pytest.approx(0.5, abs=1e-15)
    assert beta_expected_gain(1.0, 1.0, 1.0, 1.0) == pytest.approx(1.0 / 6.0, abs=1e-15)


@pytest.mark.parametrize("case", CASES[:4])
def test_beta_prob_greater_matches_independent_monte_carlo(case):
    ax, bx, ay, by = case
    rng = np.random.default_rng(2024)
    px = np.mean(rng.beta(ax, bx, 400_000) > rng.beta(ay, by, 400_000))
    p = beta_prob_greater(*case)
    assert abs(p - px) < 5 * math.sqrt(p * (1 - p) / 400_000) + 1e-12


def test_readout_monte_carlo_fallback_agrees_with_exact(monkeypatch):
    exact = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
    monkeypatch.setattr(bayes, "EXACT_MAX_TERMS", 5)  # force the Monte Carlo fallback
    mc = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
    assert exact.computed["prob_better"] == "exact" and mc.computed["prob_better"] == "monte_carlo"
    p = exact.comparisons[0].prob_better
    assert abs(mc.comparisons[0].prob_better - p) < 5 * math.sqrt(p * (1 - p) / DRAWS)
    # max(·, 0) is 1-Lipschitz, so sd(max(θ_A − θ_B, 0)) ≤ sd(θ_A − θ_B)
    loss_sd = math.sqrt(stats.beta(41, 961).var() + stats.beta(56, 946).var())
    diff = mc.comparisons[0].expected_loss - exact.comparisons[0].expected_loss
    assert abs(diff) < 5 * loss_sd / math.sqrt(DRAWS)


def test_jeffreys_prior_uses_monte_carlo_close_to_quadrature():
    res = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"], prior=(0.5, 0.5))
    assert res.computed["prob_better"] == "monte_carlo"
    p = quad_prob_greater(55.5, 945.5, 40.5, 960.5)
    assert abs(res.comparisons[0].prob_better - p) < 5 * math.sqrt(p * (1 - p) / DRAWS)


def _prob_best_quad(dists, lo, hi):
    out = []
    for k, dk in enumerate(dists):
        others = [d for j, d in enumerate(dists) if j != k]
        out.append(_quad(lambda t, dk=dk, others=others: dk.pdf(t) * math.prod(d.cdf(t) for d in others),
                         lo, hi, points=[d.mean() for d in dists]))
    return np.array(out)


def _expected_max_quad(dists, lo, hi):
    # E[M] = lo + ∫_lo^hi (1 − F_M(t)) dt for M supported on [lo, hi], F_M = Π F_j
    return lo + _quad(lambda t: 1.0 - math.prod(d.cdf(t) for d in dists), lo, hi,
                      points=[d.mean() for d in dists])


def _check_best(res, dists):
    lo, hi = _support(dists)
    pb = _prob_best_quad(dists, lo, hi)
    emax = _expected_max_quad(dists, lo, hi)
    sds = np.array([d.std() for d in dists])
    for k, arm in enumerate(res.arms):
        se = math.sqrt(pb[k] * (1 - pb[k]) / res.draws)
        assert abs(arm.prob_best - pb[k]) <= 5 * se + 1e-12
        loss_se = (math.sqrt(np.sum(sds**2)) + sds[k]) / math.sqrt(res.draws)
        assert arm.expected_loss == pytest.approx(emax - dists[k].mean(), abs=5 * loss_se)
        assert arm.mean == pytest.approx(dists[k].mean(), rel=1e-12)
        lo_q, hi_q = dists[k].ppf([(1 - res.level) / 2, (1 + res.level) / 2])
        assert arm.ci == pytest.approx((lo_q, hi_q), rel=1e-9)


def test_three_beta_arms_prob_best_and_loss_against_quadrature():
    s, n = np.array([40, 55, 50]), np.array([1000, 1000, 1000])
    res = beta_binomial(s, n, labels=["A", "B", "C"], draws=DRAWS, seed=3)
    _check_best(res, [stats.beta(1 + si, 1 + ni - si) for si, ni in zip(s, n, strict=True)])


def test_three_normal_arms_prob_best_and_loss_against_quadrature():
    mu, v = np.array([10.0, 10.4, 10.2]), np.array([0.04, 0.05, 0.03])
    res = normal_means(mu, v, labels=["A", "B", "C"], draws=DRAWS, seed=3)
    _check_best(res, [stats.norm(m, math.sqrt(vi)) for m, vi in zip(mu, v, strict=True)])


def test_normal_two_arm_closed_forms_against_quadrature():
    mu, v = (10.0, 10.3), (0.04, 0.05)
    res = normal_means(mu, v, labels=["A", "B"])
    a, b = stats.norm(mu[0], math.sqrt(v[0])), stats.norm(mu[1], math.sqrt(v[1]))
    lo, hi = _support([a, b])
    p = _quad(lambda t: b.pdf(t) * a.cdf(t), lo, hi, points=[a.mean(), b.mean()])
    # E[max(θ_A − θ_B, 0)] = ∫ f_A(t) ∫_{s<t} (t − s) f_B(s) ds dt
    #                      = ∫ f_A(t) ((t − μ_B) F_B(t) + v_B f_B(t)) dt
    loss = _quad(lambda t: a.pdf(t) * ((t - mu[1]) * b.cdf(t) + v[1] * b.pdf(t)), lo, hi,
                 points=[a.mean(), b.mean()])
    comp = res.comparisons[0]
    assert comp.prob_better == pytest.approx(p, abs=1e-9)
    assert comp.expected_loss == pytest.approx(loss, abs=1e-9)
    assert res.arm("B").prob_best == pytest.approx(p, abs=1e-9)


def test_beta_relative_mean_against_quadrature():
    # E[θ_B / θ_A] − 1 with E[1/θ_A] = ∫ f_A(t) / t dt
    res = beta_binomial([40, 55], [1000, 1000], labels=["A", "B"])
    a = stats.beta(41, 961)
    lo, hi = _support([a])
    inv = _quad(lambda t: a.pdf(t) / t, lo, hi, points=[a.mean()])
    want = 56 / 1002 * inv - 1
    assert res.comparisons[0].relative.mean == pytest.approx(want, abs=1e-9)
