"""plan() against statsmodels' power module and published sample-size tables.

Tolerances: power agrees to 1e-9 (both evaluate the same closed forms: normal for proportions,
noncentral t through ``scipy.special.nctdtr`` for means). Sample sizes: statsmodels returns the
continuous root, truelift rounds it up per arm, so the rounded n is within one user of statsmodels'
root. The continuous roots agree to 1e-6 relative for t-tests and one-sided proportion tests; for
two-sided proportions statsmodels' ``_onetail`` formula ignores the far tail, which truelift's
power counts (as ``power_proportions_2indep`` does; about 1e-6 of power), so the roots differ by a
few millionths of n (tolerance 1e-5 relative)."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
)

from truelift.experiment.plan import plan

PROPORTION_CASES = [
    # baseline, absolute mde, split (control, variant), alpha, sided
    (0.10, 0.01, (0.5, 0.5), 0.05, 2),
    (0.03, 0.003, (0.5, 0.5), 0.05, 2),
    (0.50, 0.02, (0.5, 0.5), 0.01, 2),
    (0.20, 0.015, (0.7, 0.3), 0.05, 2),
    (0.10, 0.01, (0.4, 0.6), 0.10, 1),
    (0.80, 0.05, (0.5, 0.5), 0.05, 1),
]

MEAN_CASES = [
    # sd, absolute mde, split, alpha, sided
    (20.0, 2.0, (0.5, 0.5), 0.05, 2),
    (1.0, 0.5, (0.5, 0.5), 0.05, 2),
    (3.0, 0.4, (0.75, 0.25), 0.01, 2),
    (5.0, 1.5, (0.5, 0.5), 0.05, 1),
    (10.0, 4.0, (0.3, 0.7), 0.10, 2),
]


def alternative(sided):
    return "two-sided" if sided == 2 else "larger"


@pytest.mark.parametrize(("p0", "d", "split", "alpha", "sided"), PROPORTION_CASES)
@pytest.mark.parametrize("power", [0.8, 0.9])
def test_proportion_sample_size_and_power_match_statsmodels(p0, d, split, alpha, sided, power):
    p = plan(baseline=p0, mde=d, power=power, split=list(split), alpha=alpha, sided=sided)
    ratio = split[0] / split[1]  # statsmodels: nobs2 (control) = ratio * nobs1 (variant)
    sm_n1 = samplesize_proportions_2indep_onetail(d, p0, power, ratio=ratio, alpha=alpha,
                                                  alternative=alternative(sided))
    # the one-tail formula drops the far tail of a two-sided test (power ~1e-6 there, a few
    # millionths of n); one-sided, the two are the same formula
    assert p.n_per_arm_exact[1] == pytest.approx(sm_n1, rel=1e-5 if sided == 2 else 1e-6)
    assert -1 <= p.n_per_arm[1] - sm_n1 <= 1 + 1e-6
    n1, n0 = p.n_per_arm[1], p.n_per_arm[0]
    sm_power = power_proportions_2indep(d, p0, n1, ratio=n0 / n1, alpha=alpha,
                                        alternative=alternative(sided), return_results=False)
    assert p.power == pytest.approx(sm_power, abs=1e-9)
    assert p.power >= power


@pytest.mark.parametrize(("p0", "d", "split", "alpha", "sided"), PROPORTION_CASES)
def test_proportion_power_at_given_n_matches_statsmodels(p0, d, split, alpha, sided):
    n1 = 5_000
    n0 = round(n1 * split[0] / split[1])
    p = plan(baseline=p0, mde=d, n_per_arm=[n0, n1], alpha=alpha, sided=sided)
    sm = power_proportions_2indep(d, p0, n1, ratio=n0 / n1, alpha=alpha,
                                  alternative=alternative(sided), return_results=False)
    assert p.power == pytest.approx(sm, abs=1e-9)


@pytest.mark.parametrize(("sd", "d", "split", "alpha", "sided"), MEAN_CASES)
@pytest.mark.parametrize("power", [0.8, 0.9])
def test_mean_sample_size_and_power_match_ttestindpower(sd, d, split, alpha, sided, power):
    p = plan("mean", baseline=100.0, sd=sd, mde=d, power=power, split=list(split), alpha=alpha,
             sided=sided)
    ratio = split[0] / split[1]
    sm_n1 = TTestIndPower().solve_power(effect_size=d / sd, nobs1=None, alpha=alpha, power=power,
                                        ratio=ratio, alternative=alternative(sided))
    assert p.n_per_arm_exact[1] == pytest.approx(sm_n1, rel=1e-6)
    assert -1e-6 <= p.n_per_arm[1] - sm_n1 <= 1 + 1e-6
    n1, n0 = p.n_per_arm[1], p.n_per_arm[0]
    sm_power = TTestIndPower().power(effect_size=d / sd, nobs1=n1, alpha=alpha, ratio=n0 / n1,
                                     alternative=alternative(sided))
    assert p.power == pytest.approx(sm_power, abs=1e-9)


@pytest.mark.parametrize(("sd", "d", "split", "alpha", "sided"), MEAN_CASES)
def test_mean_mde_matches_ttestindpower_effect_size(sd, d, split, alpha, sided):
    n1 = 400
    n0 = round(n1 * split[0] / split[1])
    p = plan("mean", baseline=100.0, sd=sd, n_per_arm=[n0, n1], power=0.8, alpha=alpha, sided=sided)
    es = TTestIndPower().solve_power(effect_size=None, nobs1=n1, alpha=alpha, power=0.8,
                                     ratio=n0 / n1, alternative=alternative(sided))
    # statsmodels' own root finder stops at ~1e-6 relative; check the power at our root instead
    assert p.mde == pytest.approx(es * sd, rel=1e-5)
    sm_power = TTestIndPower().power(effect_size=p.mde / sd, nobs1=n1, alpha=alpha, ratio=n0 / n1,
                                     alternative=alternative(sided))
    assert sm_power == pytest.approx(0.8, abs=1e-9)


def test_variance_reduction_equals_a_smaller_sd_in_statsmodels():
    p = plan("mean", baseline=10.0, sd=4.0, mde=0.5, variance_reduction=0.36)
    sm_n1 = TTestIndPower().solve_power(effect_size=0.5 / (4.0 * 0.8), alpha=0.05, power=0.8)
    assert p.n_per_arm_exact[1] == pytest.approx(sm_n1, rel=1e-6)


def test_several_variants_use_bonferroni_alpha_in_statsmodels():
    p = plan(baseline=0.05, mde=0.005, variants=4)
    sm_n1 = samplesize_proportions_2indep_onetail(0.005, 0.05, 0.8, alpha=0.05 / 4)
    assert -0.1 <= p.n_per_arm[1] - sm_n1 <= 1 + 1e-6


@pytest.mark.parametrize(("d", "n"), [(0.5, 64), (0.8, 26)])
def test_cohen_1988_table(d, n):
    """Cohen (1988), Table 2.4.1: n per group for a two-sided t-test, alpha = 0.05, power 0.80,
    effect size d = 0.5 -> 64, d = 0.8 -> 26 (exact noncentral-t values, rounded up)."""
    assert plan("mean", baseline=0.0, sd=1.0, mde=d).n_per_arm == (n, n)


def test_textbook_two_proportion_formula():
    """Closed form (Fleiss, Levin & Paik 2003, eq. 4.14 without continuity correction):
    n = (z_{a/2} sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p0 q0))**2 / d**2 per group; the far
    tail it ignores changes n by far less than one user."""
    p0, p1 = 0.10, 0.12
    pbar = (p0 + p1) / 2
    za, zb = 1.959963984540054, 0.8416212335729143
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p0 * (1 - p0))) ** 2 / 0.02**2
    p = plan(baseline=p0, mde=0.02)
    assert p.n_per_arm_exact[0] == pytest.approx(n, abs=0.05)
    assert p.n_per_arm[0] == math.ceil(n)
