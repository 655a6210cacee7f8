"""Overlap diagnostics, Crump trimming, balancing weights and the balance table."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from truelift.observational.balance import balance_table
from truelift.observational.overlap import (
    balancing_weights,
    crump_alpha,
    effective_sample_size,
    overlap_summary,
    trim_mask,
)
from truelift.schema import Status


def test_crump_alpha_solves_its_defining_equation():
    rng = np.random.default_rng(0)
    e = 1 / (1 + np.exp(-rng.normal(0, 2.5, size=20_000)))
    a = crump_alpha(e)
    assert 0 < a < 0.2
    g = 1 / (e * (1 - e))

    def f(alpha):
        gam = 1 / (alpha * (1 - alpha))
        return gam - 2 * g[g <= gam].mean()

    ref = brentq(f, 1e-4, 0.49)
    assert a == pytest.approx(ref, abs=2e-3)


def test_crump_no_trimming_with_good_overlap():
    e = np.random.default_rng(1).uniform(0.3, 0.7, size=1000)
    assert crump_alpha(e) == 0.0
    assert trim_mask(e, "crump").all()


def test_trim_bounds():
    e = np.array([0.01, 0.05, 0.5, 0.95, 0.99])
    np.testing.assert_array_equal(trim_mask(e, (0.05, 0.95)), [False, True, True, True, False])
    assert trim_mask(e, None).all()


@pytest.mark.parametrize("estimand", ["ATE", "ATT", "ATC"])
def test_balancing_weights_reproduce_the_target_population(estimand):
    """Weighted covariate means of both arms equal the target's mean when e is the true score."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=400_000)
    e = 1 / (1 + np.exp(-(0.3 + 0.8 * x)))
    t = (rng.random(x.size) < e).astype(int)
    w = balancing_weights(e, t, estimand)
    target = {"ATE": x.mean(), "ATT": x[t == 1].mean(), "ATC": x[t == 0].mean()}[estimand]
    for arm in (0, 1):
        m = np.average(x[t == arm], weights=w[t == arm])
        assert m == pytest.approx(target, abs=0.01)


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)


def test_overlap_flags_units_outside_support():
    e = np.concatenate([np.linspace(0.2, 0.6, 100), np.linspace(0.4, 0.999, 100)])
    t = np.r_[np.zeros(100), np.ones(100)].astype(int)
    o = overlap_summary(e, t, "ATT")
    assert o.common_support == (pytest.approx(0.4), pytest.approx(0.6))
    assert o.n_outside_support == int(((e < 0.4) | (e > 0.6)).sum())
    byname = {d.name: d for d in o.diagnostics}
    # Outside the min-max support is context up to 20% of units, a warning beyond (58% here).
    assert byname["share_outside_common_support"].status is Status.WARN
    assert "outside the common support" in byname["share_outside_common_support"].message


def test_balance_table_smd_and_variance_ratio():
    rng = np.random.default_rng(3)
    n = 2000
    t = np.r_[np.ones(n), np.zeros(n)].astype(int)
    x = np.column_stack([np.r_[rng.normal(0.5, 2, n), rng.normal(0, 1, n)],
                         (rng.random(2 * n) < np.where(t == 1, 0.6, 0.4)).astype(float)])
    b = balance_table(x, ("num", "flag"), t, None, "none")
    num, flag = b.rows
    x1, x0 = x[t == 1, 0], x[t == 0, 0]
    smd = (x1.mean() - x0.mean()) / np.sqrt((x1.var() + x0.var()) / 2)
    assert num.smd_before == pytest.approx(smd)
    assert num.variance_ratio_before == pytest.approx(x1.var() / x0.var())
    assert np.isnan(flag.variance_ratio_before)  # not reported for 0/1 indicators
    assert b.diagnostic.status is Status.FAIL
    assert "imbalance left" in b.diagnostic.message


def test_balance_after_exact_reweighting_is_zero():
    t = np.array([1, 1, 0, 0, 0])
    x = np.array([[1.0], [3.0], [1.0], [3.0], [5.0]])
    w = np.array([1, 1, 1, 1, 0.0])
    b = balance_table(x, ("x",), t, w, "w")
    assert b.rows[0].smd_after == pytest.approx(0.0)
    assert b.diagnostic.status is Status.OK


def test_balance_is_exact_for_large_offsets():
    rng = np.random.default_rng(4)
    t = np.r_[np.ones(500), np.zeros(500)].astype(int)
    u = rng.normal(size=(1000, 1)) + 0.3 * t[:, None]
    a = balance_table(u, ("u",), t, None, "none").rows[0]
    b = balance_table(u + 1e9, ("u",), t, None, "none").rows[0]
    assert b.smd_before == pytest.approx(a.smd_before, rel=1e-6)
    assert b.variance_ratio_before == pytest.approx(a.variance_ratio_before, rel=1e-6)


def test_logistic_propensity_is_exact_for_large_offsets():
    from truelift.observational.propensity import LogisticPropensity

    rng = np.random.default_rng(5)
    u = rng.normal(size=(5000, 1))
    t = (rng.random(5000) < 1 / (1 + np.exp(-u[:, 0]))).astype(int)
    a = LogisticPropensity().fit(u, t)
    b = LogisticPropensity().fit(u + 1e8, t)
    np.testing.assert_allclose(b.scores, a.scores, atol=1e-7)
