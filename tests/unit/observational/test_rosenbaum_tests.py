"""Rosenbaum bounds: the choice of test, zeros and float residue, and brute-force checks.

Brute force. For n <= 14 nonzero pairs every one of the 2^n sign patterns is enumerated, each
pair independently positive with probability p+ = Γ/(1+Γ) (the bounding distribution of
Rosenbaum 1987, 2002 §4.3). That gives, exactly:
* the sign test's upper tail P(#positive >= T): compared with ours to 1e-12;
* the signed-rank statistic's mean and variance: ours must be 1 - Φ((T - E) / sqrt(V)) with
  exactly those moments (1e-12);
* its exact upper tail P(T_Γ >= t): the normal approximation is within the Berry–Esseen bound
  C Σ E|X_i - μ_i|³ / V^{3/2} for independent, non-identical summands X_i = r_i B_i, with
  E|X_i - μ_i|³ = r_i³ p(1-p)(p² + (1-p)²) and C = 0.5600 (Shevtsova 2010): a rigorous
  tolerance, since |P(T >= t) - Φ̄(z)| = |F(t-) - Φ(z)| <= sup |F - Φ|.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr

import truelift as tl
from truelift.errors import MethodError
from truelift.observational.rosenbaum import (
    ZERO_RTOL,
    clean_differences,
    informative_pairs,
    rosenbaum_bounds,
)

GAMMAS = (1.0, 1.3, 2.0, 3.5)
BERRY_ESSEEN_C = 0.5600


def _patterns(m: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=m)), dtype=float)


def _weights(signs: np.ndarray, p: float) -> np.ndarray:
    k = signs.sum(axis=1)
    m = signs.shape[1]
    return p**k * (1 - p) ** (m - k)


def _pairs(rng: np.random.Generator, m: int, n_zero: int, *, binary: bool) -> np.ndarray:
    if binary:
        nonzero = rng.choice([-1.0, 1.0], size=m, p=[0.3, 0.7])
    else:
        nonzero = np.round(rng.normal(0.6, 1.0, size=m), 1)
        nonzero[nonzero == 0] = 0.1
    return rng.permutation(np.r_[nonzero, np.zeros(n_zero)])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_sign_test_equals_brute_force_enumeration(seed, alternative):
    rng = np.random.default_rng(seed)
    m = 10 + seed % 5
    d = _pairs(rng, m, n_zero=seed, binary=True)
    res = rosenbaum_bounds(d, gammas=GAMMAS, alternative=alternative)
    assert res.test == "sign" and res.n_pairs == m and res.n_zero == seed
    favour = (d[d != 0] > 0) if alternative == "greater" else (d[d != 0] < 0)
    t = int(favour.sum())
    assert res.statistic == t
    signs = _patterns(m)  # 1 = the pair points in the tested direction
    for row in res.table:
        w = _weights(signs, row.gamma / (1 + row.gamma))
        exact = float(w[signs.sum(axis=1) >= t].sum())
        assert row.p_upper == pytest.approx(exact, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", range(8))
def test_signed_rank_moments_and_tail_against_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    m = 10 + seed % 5
    d = _pairs(rng, m, n_zero=3 * (seed % 3), binary=False)  # ties in |d| and zeros
    res = rosenbaum_bounds(d, gammas=GAMMAS, alternative="greater")
    assert res.test == "signed_rank"
    ranks = stats.rankdata(np.abs(d))  # Pratt: zeros ranked with the rest ...
    r = ranks[d != 0]                  # ... and carry no sign
    t = float(ranks[d > 0].sum())
    assert res.statistic == t
    signs = _patterns(m)
    total = signs @ r
    for row in res.table:
        p = row.gamma / (1 + row.gamma)
        w = _weights(signs, p)
        mean = float(w @ total)
        var = float(w @ (total - mean) ** 2)
        assert mean == pytest.approx(p * r.sum(), rel=1e-12)
        assert var == pytest.approx(p * (1 - p) * (r**2).sum(), rel=1e-12)
        assert row.p_upper == pytest.approx(float(ndtr(-(t - mean) / np.sqrt(var))), rel=1e-12)
        exact = float(w[total >= t - 1e-9].sum())
        bound = (BERRY_ESSEEN_C * (r**3).sum() * p * (1 - p) * (p**2 + (1 - p) ** 2)
                 / var**1.5)
        assert abs(row.p_upper - exact) <= bound


def test_auto_chooses_the_test_and_records_it():
    rng = np.random.default_rng(0)
    binary = rng.choice([-1.0, 0.0, 1.0], size=300, p=[0.2, 0.5, 0.3])
    assert rosenbaum_bounds(binary).test == "sign"
    assert "sign test on" in rosenbaum_bounds(binary).diagnostic.message
    halves = binary.copy()
    halves[:5] = 0.5  # a matched set with two controls: not a 1:1 binary pair
    assert rosenbaum_bounds(halves).test == "signed_rank"
    continuous = rng.normal(0.2, 1.0, size=300)
    res = rosenbaum_bounds(continuous)
    assert res.test == "signed_rank" and "Pratt" in res.diagnostic.message
    forced = rosenbaum_bounds(continuous, test="sign")
    assert forced.test == "sign"
    n_pos = int((continuous > 0).sum())
    assert forced.table[0].p_upper == pytest.approx(stats.binom.sf(n_pos - 1, 300, 0.5))
    assert rosenbaum_bounds(binary, test="signed_rank").test == "signed_rank"
    with pytest.raises(MethodError):
        rosenbaum_bounds(binary, test="wilcox")


def test_sign_test_critical_gamma_has_the_beta_closed_form():
    from scipy.special import betaincinv

    for n, t in [(40, 29), (300, 180), (2000, 1100)]:
        d = np.r_[np.ones(t), -np.ones(n - t), np.zeros(17)]
        res = rosenbaum_bounds(d, alpha=0.05)
        p_star = betaincinv(t, n - t + 1, 0.05)  # P(B >= t) = I_p(t, n - t + 1)
        assert res.gamma_critical == pytest.approx(p_star / (1 - p_star), rel=1e-9)


def test_float_residue_is_treated_as_zeros_and_ties():
    # The reported bug: matched differences from centred prefix sums, where a 0/1 outcome's
    # concordant pairs came out as ±1e-15 with lopsided signs; counted as nonzero they took the
    # lowest ranks and swung the signed-rank test (p = 1, or p ~ 1e-23, at Γ = 1).
    rng = np.random.default_rng(5)
    clean = rng.choice([-1.0, 0.0, 1.0], size=5000, p=[0.16, 0.65, 0.19])
    noisy = clean.copy()
    zeros = clean == 0
    noisy[zeros] = rng.choice([-1.0, 1.0], size=int(zeros.sum()), p=[0.85, 0.15]) * 1e-15
    noisy[~zeros] += rng.normal(0, 3e-16, size=int((~zeros).sum()))
    assert not np.array_equal(noisy, clean)
    got, want = rosenbaum_bounds(noisy), rosenbaum_bounds(clean)
    assert got.test == want.test == "sign"
    assert (got.n_pairs, got.n_zero, got.statistic) == (want.n_pairs, want.n_zero, want.statistic)
    assert got.table == want.table and got.gamma_critical == want.gamma_critical
    assert informative_pairs(noisy) == int((clean != 0).sum())
    # Continuous differences: residue ties are restored before ranking (Pratt = scipy's).
    cont = np.round(rng.normal(0.1, 1.0, size=400), 1)
    jitter = cont + rng.normal(0, 1e-14, size=cont.shape)
    res = rosenbaum_bounds(jitter, gammas=(1.0,))
    want_p = stats.wilcoxon(cont, zero_method="pratt", method="approx", correction=False,
                            alternative=res.alternative).pvalue
    assert res.table[0].p_upper == pytest.approx(want_p, rel=1e-10)


def test_clean_differences_keeps_real_values():
    d = np.array([0.0, 1e-16, -2e-15, 0.3, -(0.3 + 2e-16), 5.0, 1e-6])
    assert abs(d[4]) != d[3]
    out = clean_differences(d)
    assert out[:3].tolist() == [0.0, 0.0, 0.0]
    assert abs(out[3]) == abs(out[4]) and np.sign(out[4]) == -1
    assert out[5] == 5.0 and out[6] == 1e-6  # 1e-6 > ZERO_RTOL * 5
    assert ZERO_RTOL * 5.0 < 1e-6


def test_pratt_keeps_zeros_in_the_ranking_of_a_mostly_zero_outcome():
    # Spend-like: most pairs tie at 0; Pratt ranks the zeros, Wilcoxon's version drops them.
    rng = np.random.default_rng(8)
    spend = np.where(rng.random(2000) < 0.1, rng.gamma(2.0, 30.0, size=2000), 0.0)
    spend_c = np.where(rng.random(2000) < 0.08, rng.gamma(2.0, 30.0, size=2000), 0.0)
    d = spend - spend_c
    res = rosenbaum_bounds(d, gammas=(1.0,), alternative="greater")
    assert res.n_zero == int((d == 0).sum()) > 1500
    pratt = stats.wilcoxon(d, zero_method="pratt", method="approx", correction=False,
                           alternative="greater").pvalue
    wilcox = stats.wilcoxon(d, zero_method="wilcox", method="approx", correction=False,
                            alternative="greater").pvalue
    assert res.table[0].p_upper == pytest.approx(pratt, rel=1e-10)
    assert abs(pratt - wilcox) > 1e-6


def test_observe_on_a_binary_outcome_reads_the_discordant_pairs():
    # The reported "p = 1 at Γ = 1" (here it came out p ~ 1e-23 instead) on a clearly
    # significant matched effect on a 0/1 outcome: 1:1 matched pairs are now read by the sign
    # test, and the discordant counts reproduce the matched estimate exactly.
    ds = tl.datasets.personalization(n=10_000, seed=1)
    res = tl.observe(ds.data, treatment="received_personalization", outcome=["made_purchase"],
                     covariates=["engagement_score", "past_purchases", "account_age_days",
                                 "device_type"], method="match", refute=False)
    (bounds,) = res.rosenbaum
    est = res.estimate("made_purchase", method="match")
    assert bounds.test == "sign" and bounds.n_zero > 0
    t, n = bounds.statistic, bounds.n_pairs
    assert (t - (n - t)) / (n + bounds.n_zero) == pytest.approx(est.value, rel=1e-9)
    assert bounds.table[0].p_upper == pytest.approx(stats.binom.sf(t - 1, n, 0.5), rel=1e-12)
    assert bounds.table[0].p_upper < 1e-3
    assert bounds.diagnostic.status == "info"
