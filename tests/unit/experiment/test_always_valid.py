"""Unit tests of the normal-mixture confidence sequence and always-valid p-value."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from truelift.errors import MethodError
from truelift.experiment.always_valid import (
    SequentialLook,
    always_valid_pvalue,
    confidence_sequence,
    halfwidth,
    mixture_log_likelihood_ratio,
    optimal_tau2,
    sequential_path,
)
from truelift.inference.normal import normal_ci, normal_pvalue

ALPHA = 0.05


def _random_path(rng, looks=30, drift=0.0):
    """Cumulative means of N(drift, 1) draws, 100 per look: estimates and their variances."""
    n = 100 * np.arange(1, looks + 1)
    sums = np.cumsum(rng.normal(drift, 1.0, size=(looks, 100)).sum(axis=1))
    return n, sums / n, 1.0 / n


def test_single_look_cs_is_estimate_plus_minus_halfwidth_and_contains_it():
    lo, hi = confidence_sequence([0.3], [0.01], alpha=ALPHA, tau2=0.02)
    hw = halfwidth(0.01, ALPHA, 0.02)
    assert lo[0] == pytest.approx(0.3 - hw) and hi[0] == pytest.approx(0.3 + hw)
    assert lo[0] < 0.3 < hi[0]


def test_cs_contains_a_steady_estimate_and_is_nested():
    v = 1.0 / np.arange(100, 3100, 100)
    est = np.full(v.size, 0.2)
    lo, hi = confidence_sequence(est, v, alpha=ALPHA, tau2=optimal_tau2(v[-1], ALPHA))
    assert np.all(lo <= est) and np.all(est <= hi)
    assert np.all(np.diff(lo) >= 0) and np.all(np.diff(hi) <= 0)   # running intersection


def test_cs_is_the_running_intersection_of_per_look_intervals():
    _, est, v = _random_path(np.random.default_rng(1))
    tau2 = optimal_tau2(v[-1], ALPHA)
    lo, hi = confidence_sequence(est, v, alpha=ALPHA, tau2=tau2)
    hw = halfwidth(v, ALPHA, tau2)
    for t in range(est.size):
        assert lo[t] == max(est[: t + 1] - hw[: t + 1])
        assert hi[t] == min(est[: t + 1] + hw[: t + 1])


def test_width_shrinks_with_variance_and_is_wider_than_the_fixed_horizon_interval():
    tau2 = 1e-3
    v = np.geomspace(1e-2, 1e-7, 60)
    w = halfwidth(v, ALPHA, tau2)
    assert np.all(np.diff(w) < 0)
    assert np.all(w > stats.norm.ppf(1 - ALPHA / 2) * np.sqrt(v))   # the price of peeking


def test_optimal_tau2_minimises_the_width_at_the_horizon():
    v_star = 2e-4
    tau2 = optimal_tau2(v_star, ALPHA)
    best = halfwidth(v_star, ALPHA, tau2)
    for factor in (0.5, 0.8, 1.25, 2.0):
        assert halfwidth(v_star, ALPHA, tau2 * factor) > best


def test_pvalue_is_monotone_non_increasing_and_in_unit_interval():
    rng = np.random.default_rng(2)
    for drift in (0.0, 0.05, 0.2):
        _, est, v = _random_path(rng, drift=drift)
        p = always_valid_pvalue(est, v, tau2=optimal_tau2(v[-1], ALPHA))
        assert np.all(np.diff(p) <= 0)
        assert np.all((p >= 0) & (p <= 1))


def test_pvalue_is_running_min_of_inverse_likelihood_ratio():
    _, est, v = _random_path(np.random.default_rng(3), drift=0.1)
    tau2 = 0.01
    lr = np.exp(mixture_log_likelihood_ratio(est, v, tau2=tau2))
    expected = np.minimum(1.0, np.minimum.accumulate(1.0 / lr))
    np.testing.assert_allclose(always_valid_pvalue(est, v, tau2=tau2), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_duality_pvalue_and_cs(seed):
    rng = np.random.default_rng(seed)
    _, est, v = _random_path(rng, drift=rng.choice([0.0, 0.03, 0.1]))
    tau2 = optimal_tau2(v[-1], ALPHA)
    hw = halfwidth(v, ALPHA, tau2)
    # per look: 1/Lambda_t <= alpha exactly when 0 is outside the look-t (non-intersected) interval
    p_own = np.array([always_valid_pvalue(est[t : t + 1], v[t : t + 1], tau2=tau2)[0]
                      for t in range(est.size)])
    np.testing.assert_array_equal(p_own <= ALPHA, np.abs(est) > hw)
    # running: p_t <= alpha exactly when 0 is outside the intersected CS at look t
    p = always_valid_pvalue(est, v, tau2=tau2)
    lo, hi = confidence_sequence(est, v, alpha=ALPHA, tau2=tau2)
    np.testing.assert_array_equal(p <= ALPHA, (lo > 0) | (hi < 0))


def test_duality_is_exact_at_the_boundary():
    # at alpha = 1/Lambda the null sits exactly on the edge of the interval
    rng = np.random.default_rng(4)
    for _ in range(20):
        v, tau2 = 10 ** rng.uniform(-6, -2), 10 ** rng.uniform(-5, -1)
        est = rng.normal(0, 4) * math.sqrt(v)
        p = always_valid_pvalue([est], [v], tau2=tau2)[0]
        if 1e-12 < p < 1.0:
            assert float(halfwidth(v, p, tau2)) == pytest.approx(abs(est), rel=1e-9)


@pytest.mark.parametrize(("d", "v", "tau2"), [(0.0, 1e-4, 1e-3), (0.02, 1e-4, 1e-3),
                                               (-0.5, 0.04, 0.3), (3.0, 1.0, 0.1),
                                               (0.05, 1e-4, 1e-2)])
def test_likelihood_ratio_matches_numerical_mixture_integral(d, v, tau2):
    # Lambda = ∫ N(d; theta, v) / N(d; 0, v) dN(theta; 0, tau2)
    def integrand(theta):
        log_ratio = (d * d - (d - theta) ** 2) / (2.0 * v)
        return math.exp(log_ratio) * stats.norm.pdf(theta, 0.0, math.sqrt(tau2))

    post_mean = tau2 * d / (v + tau2)
    post_sd = math.sqrt(v * tau2 / (v + tau2))
    direct, _ = integrate.quad(integrand, post_mean - 40 * post_sd, post_mean + 40 * post_sd,
                               points=[post_mean], epsabs=0.0, epsrel=1e-13, limit=200)
    closed = math.exp(mixture_log_likelihood_ratio([d], [v], tau2=tau2)[0])
    assert closed == pytest.approx(direct, rel=1e-8)


def test_large_z_is_stable():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_lr = mixture_log_likelihood_ratio([1.0, 5.0], [1e-8, 1e-10], tau2=1e-3)
        p = always_valid_pvalue([1.0, 5.0], [1e-8, 1e-10], tau2=1e-3)
    assert np.all(np.isfinite(log_lr)) and log_lr[1] > 1e10
    assert np.all(p == 0.0)


def test_leading_axes_broadcast_like_separate_rows():
    rng = np.random.default_rng(5)
    paths = [_random_path(rng, drift=0.02) for _ in range(4)]
    est = np.stack([p[1] for p in paths])
    v = np.stack([p[2] for p in paths])
    lo, hi = confidence_sequence(est, v, alpha=ALPHA, tau2=1e-3)
    p = always_valid_pvalue(est, v, tau2=1e-3)
    for r in range(4):
        lo_r, hi_r = confidence_sequence(est[r], v[r], alpha=ALPHA, tau2=1e-3)
        np.testing.assert_array_equal(lo[r], lo_r)
        np.testing.assert_array_equal(hi[r], hi_r)
        np.testing.assert_array_equal(p[r], always_valid_pvalue(est[r], v[r], tau2=1e-3))


def test_null_shifts_the_test():
    p0 = always_valid_pvalue([0.1], [1e-4], tau2=1e-3, null=0.0)[0]
    p1 = always_valid_pvalue([0.1], [1e-4], tau2=1e-3, null=0.1)[0]
    assert p0 < 1e-10 and p1 == 1.0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: confidence_sequence([0.1, 0.2], [1e-3], tau2=1e-3), "same shape"),
        (lambda: confidence_sequence([0.1], [0.0], tau2=1e-3), "variances"),
        (lambda: confidence_sequence([0.1], [-1e-3], tau2=1e-3), "variances"),
        (lambda: confidence_sequence([0.1], [np.inf], tau2=1e-3), "variances"),
        (lambda: confidence_sequence([np.nan], [1e-3], tau2=1e-3), "estimates"),
        (lambda: confidence_sequence([], [], tau2=1e-3), "at least one look"),
        (lambda: confidence_sequence(0.1, 1e-3, tau2=1e-3), "not scalars"),
        (lambda: confidence_sequence([0.1], [1e-3], alpha=1.0, tau2=1e-3), "alpha"),
        (lambda: confidence_sequence([0.1], [1e-3], alpha=0.0, tau2=1e-3), "alpha"),
        (lambda: confidence_sequence([0.1], [1e-3], tau2=0.0), "tau2"),
        (lambda: always_valid_pvalue([0.1], [1e-3], tau2=-1.0), "tau2"),
        (lambda: always_valid_pvalue([0.1], [1e-3], tau2=1e-3, null=np.nan), "null"),
        (lambda: sequential_path([100, 200], [0.1, 0.2], [1e-3]), "same shape"),
        (lambda: sequential_path([100], [0.1, 0.2], [1e-3, 5e-4]), "ns"),
        (lambda: sequential_path([200, 100], [0.1, 0.2], [1e-3, 5e-4]), "non-decreasing"),
        (lambda: sequential_path([100.5, 200], [0.1, 0.2], [1e-3, 5e-4]), "whole"),
        (lambda: sequential_path([100, 200], [0.1, 0.2], [1e-3, 5e-4], alpha=1.5), "alpha"),
        (lambda: sequential_path([100, 200], [0.1, 0.2], [1e-3, 5e-4], horizon_variance=0.0),
         "horizon_variance"),
    ],
)
def test_invalid_inputs_raise_method_error_with_one_line(call, match):
    with pytest.raises(MethodError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_sequential_path_fields_and_defaults():
    n, est, v = _random_path(np.random.default_rng(6), looks=10, drift=0.1)
    path = sequential_path(n, est, v, alpha=ALPHA)
    assert len(path) == 10 and all(isinstance(look, SequentialLook) for look in path)
    tau2 = optimal_tau2(v[-1], ALPHA)
    lo, hi = confidence_sequence(est, v, alpha=ALPHA, tau2=tau2)
    p = always_valid_pvalue(est, v, tau2=tau2)
    for t, look in enumerate(path):
        assert look.n == n[t] and isinstance(look.n, int)
        assert look.estimate == est[t] and look.se == pytest.approx(math.sqrt(v[t]))
        np.testing.assert_allclose(look.ci, normal_ci(est[t], math.sqrt(v[t]), 0.95), rtol=1e-12)
        assert look.pvalue_naive == pytest.approx(normal_pvalue(est[t], math.sqrt(v[t])), rel=1e-12)
        assert look.cs == (lo[t], hi[t])
        assert look.pvalue_always_valid == p[t]
        assert look.tau2 == tau2 and look.level == pytest.approx(0.95)
    # at the first look the always-valid readout is the more cautious one
    assert path[0].cs[1] - path[0].cs[0] > path[0].ci[1] - path[0].ci[0]
    assert path[0].pvalue_always_valid >= path[0].pvalue_naive


def test_sequential_path_tau2_choices():
    n, est, v = _random_path(np.random.default_rng(7), looks=5)
    planned = sequential_path(n, est, v, alpha=0.1, horizon_variance=1e-4)
    assert planned[0].tau2 == optimal_tau2(1e-4, 0.1)
    fixed = sequential_path(n, est, v, alpha=0.1, tau2=0.5)
    assert fixed[-1].tau2 == 0.5


def test_sequential_look_is_frozen_and_serialises():
    look = sequential_path([1000], [0.01], [1e-5], alpha=ALPHA)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        look.estimate = 0.0
    d = look.to_dict()
    assert set(d) == {"n", "estimate", "se", "ci", "cs", "pvalue_naive", "pvalue_always_valid",
                      "level", "tau2"}
    assert isinstance(d["ci"], list) and all(isinstance(x, float) for x in d["cs"])


def test_sequential_look_checks_invariants():
    good = {"n": 10, "estimate": 0.0, "se": 1.0, "ci": (-2.0, 2.0), "cs": (-3.0, 3.0),
            "pvalue_naive": 1.0, "pvalue_always_valid": 1.0, "level": 0.95, "tau2": 1.0}
    SequentialLook(**good)
    for key, bad in (("pvalue_naive", 1.5), ("pvalue_always_valid", -0.1), ("se", -1.0),
                     ("n", -1), ("ci", (1.0, -1.0))):
        with pytest.raises(ValueError):
            SequentialLook(**{**good, key: bad})
    # an empty running intersection is allowed (it is evidence against the model, not a bug)
    assert SequentialLook(**{**good, "cs": (0.5, 0.4)}).cs == (0.5, 0.4)
