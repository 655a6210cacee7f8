"""Group-sequential boundaries, crossing probabilities, designs and monitoring."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import brentq

from truelift.errors import MethodError
from truelift.experiment.always_valid import halfwidth, optimal_tau2
from truelift.experiment.group_sequential import (
    Boundaries,
    boundaries,
    crossing_probabilities,
    design,
    drift_for_power,
    fixed_drift,
    monitor,
    spending,
)

EQUAL5 = np.arange(1, 6) / 5


def simulate_z(fractions, drift, reps, seed):
    """Canonical Z_k at the looks: Brownian motion with drift, sampled at the fractions."""
    rng = np.random.default_rng(seed)
    t = np.asarray(fractions, dtype=float)
    steps = rng.standard_normal((reps, t.size)) * np.sqrt(np.diff(np.concatenate(([0.0], t))))
    return (np.cumsum(steps, axis=1) + drift * t) / np.sqrt(t)


def first_crossing(z, bounds, sided=2):
    hit = (np.abs(z) if sided == 2 else z) >= np.asarray(bounds)
    crossed = hit.any(axis=1)
    return crossed, np.where(crossed, hit.argmax(axis=1), z.shape[1] - 1)


# --------------------------------------------------------------------------- spending


def test_spending_functions_reach_alpha_at_one_and_match_their_formulas():
    for kind in ("obrien-fleming", "pocock"):
        assert spending(kind, 1.0, 0.05) == pytest.approx(0.05, abs=1e-15)
        assert spending(kind, 0.0, 0.05) == 0.0
        assert spending(kind, 1.7, 0.05) == pytest.approx(0.05, abs=1e-15)  # nothing beyond 1
    t = np.array([0.1, 0.25, 0.5, 0.8])
    obf = 2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - 0.025) / np.sqrt(t))
    np.testing.assert_allclose(spending("obrien-fleming", t, 0.05), obf, rtol=1e-12)
    np.testing.assert_allclose(spending("pocock", t, 0.05), 0.05 * np.log(1 + (math.e - 1) * t), rtol=1e-12)
    assert isinstance(spending("pocock", 0.5, 0.05), float)


def test_spending_rejects_unknown_kind_and_bad_alpha():
    with pytest.raises(MethodError, match="spending function"):
        spending("haybittle", 0.5, 0.05)
    with pytest.raises(MethodError, match="alpha"):
        spending("pocock", 0.5, 1.5)


# --------------------------------------------------------------------------- published boundaries


def test_lan_demets_obrien_fleming_k5_matches_published_boundaries():
    """Two-sided alpha = 0.05, K = 5 equally spaced, O'Brien-Fleming-type spending (alpha/2 per
    side): 4.877, 3.357, 2.680, 2.290, 2.031 (DeMets & Lan 1994; gsDesign sfLDOF with
    test.type = 2; ldbounds). Published to 3 decimals: tolerance 1e-3."""
    b = boundaries(5, alpha=0.05, kind="obrien-fleming")
    np.testing.assert_allclose(b.z, [4.877, 3.357, 2.680, 2.290, 2.031], atol=1e-3)
    assert b.alpha_spent[-1] == pytest.approx(0.05, abs=1e-9)


def test_lan_demets_pocock_k5_matches_published_boundaries():
    """Pocock-type spending alpha ln(1 + (e - 1) t), two-sided 0.05, K = 5: 2.438, 2.427, 2.410,
    2.397, 2.386 (gsDesign sfLDPocock; Jennison & Turnbull 2000, ch. 7). Tolerance 1e-3."""
    b = boundaries(5, alpha=0.05, kind="pocock")
    np.testing.assert_allclose(b.z, [2.438, 2.427, 2.410, 2.397, 2.386], atol=1e-3)


@pytest.mark.parametrize(("k", "pocock", "obf"), [
    (2, 2.178, 1.977), (3, 2.289, 2.004), (4, 2.361, 2.024), (5, 2.413, 2.040),
])
def test_classic_pocock_and_obrien_fleming_constants(k, pocock, obf):
    """Constant boundaries with exact type-I error 0.05 (two-sided): Pocock (1977) C_P(K) and
    O'Brien & Fleming (1979) C_B(K) with boundaries C_B sqrt(K / k), as tabled in Jennison &
    Turnbull (2000, ch. 2). Checks crossing_probabilities on its own. Tolerance 1e-3."""
    t = np.arange(1, k + 1) / k
    shapes = {"p": np.ones(k), "b": np.sqrt(k / np.arange(1, k + 1))}
    c_p = brentq(lambda c: crossing_probabilities(c * shapes["p"], t, 0.0).total - 0.05, 1, 4)
    c_b = brentq(lambda c: crossing_probabilities(c * shapes["b"], t, 0.0).total - 0.05, 1, 4)
    assert c_p == pytest.approx(pocock, abs=1e-3)
    assert c_b == pytest.approx(obf, abs=1e-3)


@pytest.mark.parametrize(("k", "r80", "r90"), [
    (2, 1.008, 1.007), (3, 1.017, 1.016), (4, 1.024, 1.022), (5, 1.028, 1.026),
])
def test_classic_obrien_fleming_inflation_factors(k, r80, r90):
    """R_B(K, alpha = 0.05, power 0.8 / 0.9) of the O'Brien-Fleming test (Jennison & Turnbull 2000,
    ch. 2): maximum over fixed-sample information. Tolerance 1e-3 (3 published decimals)."""
    t = np.arange(1, k + 1) / k
    shape = np.sqrt(k / np.arange(1, k + 1))
    c = brentq(lambda c: crossing_probabilities(c * shape, t, 0.0).total - 0.05, 1, 4, xtol=1e-12)
    for power, expected in ((0.8, r80), (0.9, r90)):
        r = (drift_for_power(c * shape, t, power) / fixed_drift(0.05, power)) ** 2
        assert r == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(("k", "r80", "r90"), [(2, 1.110, 1.100), (3, 1.166, 1.151), (4, 1.202, 1.183)])
def test_classic_pocock_inflation_factors(k, r80, r90):
    """R_P(K, 0.05, power 0.8 / 0.9) of Pocock's test (Jennison & Turnbull 2000, ch. 2). K = 5 is
    left to the Monte Carlo checks below. Tolerance 1e-3."""
    t = np.arange(1, k + 1) / k
    c = brentq(lambda c: crossing_probabilities(np.full(k, c), t, 0.0).total - 0.05, 1, 4, xtol=1e-12)
    for power, expected in ((0.8, r80), (0.9, r90)):
        r = (drift_for_power(np.full(k, c), t, power) / fixed_drift(0.05, power)) ** 2
        assert r == pytest.approx(expected, abs=1e-3)


# --------------------------------------------------------------------------- Monte Carlo checks


@pytest.mark.parametrize("kind", ["obrien-fleming", "pocock"])
def test_type_one_error_and_power_by_monte_carlo(kind):
    """400,000 Brownian paths (seed 1): the total type-I error of the K = 5 boundaries is 0.05 and
    the power at the design drift is 0.8, each within 4 binomial standard errors. This checks the
    inflation factors (1.0247 for O'Brien-Fleming-type, 1.2124 for Pocock-type spending) without
    relying on a published value."""
    d = design(5, alpha=0.05, power=0.8, kind=kind)
    reps = 400_000
    crossed0, _ = first_crossing(simulate_z(EQUAL5, 0.0, reps, seed=1), d.boundaries.z)
    assert abs(crossed0.mean() - 0.05) < 4 * math.sqrt(0.05 * 0.95 / reps)
    crossed1, at = first_crossing(simulate_z(EQUAL5, d.drift, reps, seed=2), d.boundaries.z)
    assert abs(crossed1.mean() - 0.8) < 4 * math.sqrt(0.8 * 0.2 / reps)
    # expected sample size (in fixed-sample units) under H1
    stop_t = EQUAL5[at]
    se = d.inflation * stop_t.std() / math.sqrt(reps)
    assert d.inflation * stop_t.mean() == pytest.approx(d.expected_fraction_h1, abs=4 * se)
    assert d.inflation == pytest.approx({"obrien-fleming": 1.0247, "pocock": 1.2124}[kind], abs=1e-4)


def test_unequal_fractions_ending_below_one_spend_alpha_of_the_last_fraction():
    t = [0.3, 0.55, 0.8]
    b = boundaries(t, alpha=0.05, kind="obrien-fleming")
    assert b.alpha_spent[-1] == pytest.approx(spending("obrien-fleming", 0.8, 0.025) * 2, rel=1e-6)
    assert b.alpha_spent[-1] < 0.05
    crossed, _ = first_crossing(simulate_z(t, 0.0, 400_000, seed=3), b.z)
    assert abs(crossed.mean() - b.alpha_spent[-1]) < 4 * math.sqrt(0.05 / 400_000)
    # adding a later look leaves the earlier boundaries unchanged (spending is look-by-look)
    full = boundaries([*t, 1.0], alpha=0.05)
    np.testing.assert_allclose(full.z[:3], b.z, rtol=1e-9)
    assert full.alpha_spent[-1] == pytest.approx(0.05, abs=1e-9)


def test_many_looks_recursion_agrees_with_monte_carlo():
    """200 looks at the always-valid boundary: the recursion (with its finer grid) agrees with
    40,000 simulated paths (seed 4) within 4 binomial standard errors."""
    t = np.arange(1, 201) / 200
    tau2 = optimal_tau2(1.0, 0.05)
    c = halfwidth(1.0 / t, 0.05, tau2) * np.sqrt(t)
    exact = crossing_probabilities(c, t, 3.0).total
    crossed, _ = first_crossing(simulate_z(t, 3.0, 40_000, seed=4), c)
    assert abs(crossed.mean() - exact) < 4 * math.sqrt(exact * (1 - exact) / 40_000)


# --------------------------------------------------------------------------- structure


def test_one_sided_boundaries_equal_two_sided_at_twice_alpha():
    one = boundaries(5, alpha=0.025, sided=1)
    two = boundaries(5, alpha=0.05, sided=2)
    np.testing.assert_allclose(one.z, two.z, atol=1e-6)
    assert one.nominal_p[-1] == pytest.approx(stats.norm.sf(one.z[-1]))
    assert two.nominal_p[-1] == pytest.approx(2 * stats.norm.sf(two.z[-1]))


def test_single_look_is_the_fixed_horizon_test():
    b = boundaries(1, alpha=0.05)
    assert b.z[0] == pytest.approx(stats.norm.ppf(0.975), abs=1e-12)
    cp = crossing_probabilities(b.z, b.fractions, fixed_drift(0.05, 0.8))
    assert cp.upper[0] == pytest.approx(0.8, abs=1e-12)
    d = design(1, power=0.8)
    # power counts both tails; the fixed drift z_{1-alpha/2} + z_power ignores the far one (~2e-6)
    assert d.inflation == pytest.approx(1.0, abs=1e-5)


def test_design_orders_expected_and_maximum_sample_sizes():
    obf = design(5, kind="obrien-fleming")
    poc = design(5, kind="pocock")
    assert obf.expected_fraction_h1 < 1.0 < obf.inflation < poc.inflation
    assert poc.expected_fraction_h1 < obf.expected_fraction_h1  # Pocock stops earlier under H1
    assert obf.expected_fraction_h0 <= obf.inflation
    assert sum(obf.stop_probabilities_h1) == pytest.approx(0.8, abs=1e-6)
    assert isinstance(obf.to_dict()["boundaries"]["z"], list)


def test_boundaries_is_a_frozen_value():
    b = boundaries(3)
    assert isinstance(b, Boundaries) and b.looks == 3
    with pytest.raises(AttributeError):
        b.alpha = 0.1  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"information_fractions": [0.5, 0.4, 1.0]}, "strictly increasing"),
    ({"information_fractions": [0.0, 1.0]}, "> 0"),
    ({"information_fractions": 0}, "looks"),
    ({"information_fractions": 3, "sided": 3}, "sided"),
    ({"information_fractions": 3, "kind": "linear"}, "spending"),
    ({"information_fractions": 3, "alpha": 0.0}, "alpha"),
])
def test_boundaries_errors(kwargs, match):
    with pytest.raises(MethodError, match=match):
        boundaries(**kwargs)


def test_crossing_probabilities_checks_lengths():
    with pytest.raises(MethodError, match="z has 2 values"):
        crossing_probabilities([2.0, 2.0], [0.3, 0.6, 1.0], 0.0)


def test_drift_for_power_rejects_power_below_alpha():
    b = boundaries(3)
    with pytest.raises(MethodError, match="power"):
        drift_for_power(b.z, b.fractions, 0.01)


# --------------------------------------------------------------------------- monitoring


def test_monitor_flags_first_crossing_and_repeated_intervals():
    m = monitor([0.5, 0.9, 0.95], [0.3, 0.2, 0.17], [0.2, 0.4, 0.6])
    assert [look.crossed for look in m.looks] == [False, True, True]
    assert m.first_crossing == 2
    b = boundaries([0.2, 0.4, 0.6])
    for look, c in zip(m.looks, b.z, strict=True):
        assert look.boundary == pytest.approx(c)
        assert look.rci == pytest.approx((look.estimate - c * look.se, look.estimate + c * look.se))
    assert m.to_dict()["first_crossing"] == 2


def test_monitor_rci_level_uses_its_own_boundaries_and_one_sided_tests():
    m = monitor([-0.9], [0.2], [0.4], sided=1, alpha=0.025, level=0.9)
    assert not m.looks[0].crossed  # a one-sided test ignores decreases
    assert m.first_crossing is None
    c90 = boundaries([0.4], alpha=0.1).z[0]
    assert m.looks[0].rci[1] - m.looks[0].rci[0] == pytest.approx(2 * c90 * 0.2)


def test_monitor_errors():
    with pytest.raises(MethodError, match="same length"):
        monitor([0.1, 0.2], [0.1], [0.5, 1.0])
    with pytest.raises(MethodError, match="ses"):
        monitor([0.1], [0.0], [0.5])
    with pytest.raises(MethodError, match="level"):
        monitor([0.1], [0.1], [0.5], level=1.0)
