"""Peeking: the naive z-test inflates false positives under repeated looks; always-valid does not.

Design: A/A tests (no true difference) with a look after every 1,000 users per arm, up to 20,000
per arm (20 looks), 4,000 seeded replications; binomial SE of a 5% rate is 0.0034, so the
fixed-horizon band 5% ± 1.5% is 4.4 SEs wide on each side.

* Conversion, p = 0.1: per-look conversions are Binomial(1000, p) per arm, exact.
* Revenue-like spend: a zero-inflated, right-skewed amount (80% zeros, a tail to 200; skewness
  about 7). The pre-period spend ``x`` and the in-test spend ``y`` share the same marginal; with
  probability 0.6 a user repeats the pre-period amount, otherwise draws afresh, so
  ``corr(x, y) = 0.6`` exactly. Users take finitely many ``(x, y)`` values, so a look's sums, sums
  of squares and cross-products follow from Multinomial(1000, joint pmf) counts, exact and fast.
  CUPED (Deng, Xu, Kohavi & Walker 2013) uses the pooled-within-arm
  ``theta = sum_a cov_a(x, y) / sum_a var_a(x)`` of the users so far, estimate
  ``(mean_t(y) - theta mean_t(x)) - (mean_c(y) - theta mean_c(x))`` and variance
  ``sum_a var_a(y - theta x) / n_a``; its variance should be about ``1 - rho**2 = 0.64`` of the
  unadjusted one.

The mixing variance of the always-valid test is planned before the test: ``optimal_tau2`` of the
population variance of the estimate at the horizon (Howard et al. 2021, section 3.5).

Negative control (the checks can fail): with a real +10% relative lift the always-valid test
rejects in most replications, and the A/A rules above would then be violated.

Seen with these seeds (fixed horizon / naive any look / always-valid any look):
A/A conversion 0.050 / 0.244 / 0.011; revenue 0.050 / 0.253 / 0.011; CUPED 0.048 / 0.259 / 0.010,
CUPED variance ratio 0.640. +10% lift: conversion 0.91 / 0.95 / 0.67; revenue 0.69 / 0.81 / 0.36;
CUPED 0.86 / 0.92 / 0.60. The always-valid test is conservative with 20 discrete looks (Ville's
bound is for continuous monitoring); that is its price, paid in power.
"""

from __future__ import annotations

import numpy as np
import pytest

from truelift.experiment.always_valid import always_valid_pvalue, optimal_tau2

ALPHA = 0.05
Z = 1.959963984540054
REPS = 4_000
BLOCK = 1_000                       # users per arm between looks
LOOKS = 20                          # up to 20,000 per arm
N = BLOCK * np.arange(1, LOOKS + 1)  # users per arm at each look
SE_RATE = np.sqrt(ALPHA * (1 - ALPHA) / REPS)

P_CONV = 0.1
AMOUNTS = np.array([0.0, 5.0, 20.0, 50.0, 200.0])
AMOUNT_P = np.array([0.80, 0.08, 0.07, 0.04, 0.01])
RHO = 0.6


def _mean_var(amounts, probs):
    mean = float(probs @ amounts)
    return mean, float(probs @ amounts**2) - mean**2


def _joint_pmf():
    """P(x = a_i, y = a_j) = rho m_i 1[i = j] + (1 - rho) m_i m_j: corr(x, y) = rho."""
    return RHO * np.diag(AMOUNT_P) + (1 - RHO) * np.outer(AMOUNT_P, AMOUNT_P)


def _conversion_looks(rng, p_control, p_treated):
    """Difference in conversion rates and its unpooled variance at each look, (REPS, LOOKS)."""
    conv = {a: np.cumsum(rng.binomial(BLOCK, p, size=(REPS, LOOKS)), axis=1) / N
            for a, p in (("t", p_treated), ("c", p_control))}
    est = conv["t"] - conv["c"]
    var = (conv["t"] * (1 - conv["t"]) + conv["c"] * (1 - conv["c"])) / N
    return est, var


def _arm_moments(rng, lift):
    """Cumulative per-look n, sums and cross-products of (x, y) for one arm; y scaled by 1 + lift."""
    pmf = _joint_pmf()
    xv = np.repeat(AMOUNTS, AMOUNTS.size)            # cell (i, j) -> x = a_i, y = a_j
    yv = np.tile(AMOUNTS, AMOUNTS.size) * (1 + lift)
    counts = rng.multinomial(BLOCK, pmf.ravel(), size=(REPS, LOOKS))
    counts = np.cumsum(counts, axis=1).astype(float)
    return {"sx": counts @ xv, "sy": counts @ yv, "sxx": counts @ xv**2, "syy": counts @ yv**2,
            "sxy": counts @ (xv * yv)}


def _revenue_looks(rng, lift):
    """Unadjusted and CUPED difference in mean spend with their variances, each (REPS, LOOKS)."""
    arms = {"t": _arm_moments(rng, lift), "c": _arm_moments(rng, 0.0)}
    n = N.astype(float)
    stats = {}
    for a, m in arms.items():
        mx, my = m["sx"] / n, m["sy"] / n
        stats[a] = {"mx": mx, "my": my,
                    "vx": (m["sxx"] - n * mx**2) / (n - 1),
                    "vy": (m["syy"] - n * my**2) / (n - 1),
                    "cxy": (m["sxy"] - n * mx * my) / (n - 1)}
    t, c = stats["t"], stats["c"]
    est = t["my"] - c["my"]
    var = (t["vy"] + c["vy"]) / n
    theta = (t["cxy"] + c["cxy"]) / (t["vx"] + c["vx"])
    est_cuped = (t["my"] - theta * t["mx"]) - (c["my"] - theta * c["mx"])
    var_cuped = sum(s["vy"] - 2 * theta * s["cxy"] + theta**2 * s["vx"] for s in (t, c)) / n
    return est, var, est_cuped, var_cuped


def _rates(est, var, horizon_variance):
    """Rejection rates: fixed horizon, naive any-look, always-valid any-look."""
    z = np.abs(est) / np.sqrt(var)
    p_av = always_valid_pvalue(est, var, tau2=optimal_tau2(horizon_variance, ALPHA))
    return {"fixed": float(np.mean(z[:, -1] > Z)),
            "naive_any": float(np.mean(np.any(z > Z, axis=1))),
            "always_valid": float(np.mean(p_av[:, -1] < ALPHA))}   # p is a running min


_, VAR_Y = _mean_var(AMOUNTS, AMOUNT_P)
HORIZON = {"conversion": 2 * P_CONV * (1 - P_CONV) / N[-1],
           "revenue": 2 * VAR_Y / N[-1],
           "cuped": 2 * VAR_Y * (1 - RHO**2) / N[-1]}


@pytest.fixture(scope="module")
def aa():
    rng = np.random.default_rng(20240611)
    conv_est, conv_var = _conversion_looks(rng, P_CONV, P_CONV)
    rev_est, rev_var, cup_est, cup_var = _revenue_looks(rng, 0.0)
    return {
        "conversion": _rates(conv_est, conv_var, HORIZON["conversion"]),
        "revenue": _rates(rev_est, rev_var, HORIZON["revenue"]),
        "cuped": _rates(cup_est, cup_var, HORIZON["cuped"]),
        "variance_ratio": float(np.mean(cup_var[:, -1] / rev_var[:, -1])),
    }


@pytest.fixture(scope="module")
def lifted():
    rng = np.random.default_rng(20240612)
    conv_est, conv_var = _conversion_looks(rng, P_CONV, P_CONV * 1.1)
    rev_est, rev_var, cup_est, cup_var = _revenue_looks(rng, 0.1)
    return {
        "conversion": _rates(conv_est, conv_var, HORIZON["conversion"]),
        "revenue": _rates(rev_est, rev_var, HORIZON["revenue"]),
        "cuped": _rates(cup_est, cup_var, HORIZON["cuped"]),
    }


@pytest.mark.parametrize("metric", ["conversion", "revenue", "cuped"])
def test_fixed_horizon_test_holds_its_level(aa, metric):
    assert abs(aa[metric]["fixed"] - ALPHA) <= 0.015


@pytest.mark.parametrize("metric", ["conversion", "revenue", "cuped"])
def test_naive_peeking_inflates_false_positives(aa, metric):
    assert aa[metric]["naive_any"] > 0.12


@pytest.mark.parametrize("metric", ["conversion", "revenue", "cuped"])
def test_always_valid_test_holds_its_level_under_peeking(aa, metric):
    assert aa[metric]["always_valid"] <= ALPHA + 3 * SE_RATE


def test_cuped_variance_is_one_minus_rho_squared(aa):
    assert aa["variance_ratio"] == pytest.approx(1 - RHO**2, abs=0.02)


@pytest.mark.parametrize("metric", ["conversion", "cuped"])
def test_always_valid_test_detects_a_real_lift(lifted, metric):
    assert lifted[metric]["always_valid"] > 0.5


def test_cuped_buys_power(lifted):
    assert lifted["cuped"]["always_valid"] > lifted["revenue"]["always_valid"] + 0.1
