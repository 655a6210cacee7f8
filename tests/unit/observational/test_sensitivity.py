"""E-values (VanderWeele & Ding 2017), against the paper's worked numbers."""

from __future__ import annotations

import math

import pytest

from truelift.inference import effect_from_means
from truelift.observational.sensitivity import evalue, evalue_rr
from truelift.schema import Status


def test_evalue_formula_matches_the_paper():
    # VanderWeele & Ding (2017), Annals of Internal Medicine: RR 3.9 -> E-value 7.26;
    # the lower limit 1.8 -> 3.0.
    assert evalue_rr(3.9) == pytest.approx(7.26, abs=0.01)
    assert evalue_rr(1.8) == pytest.approx(3.0, abs=0.01)
    assert evalue_rr(1 / 3.9) == pytest.approx(evalue_rr(3.9))
    assert evalue_rr(1.0) == 1.0


def _est(mu1, mu0, var):
    return effect_from_means(outcome="y", estimand="ATT", method="ipw", mu1=mu1, mu0=mu0,
                             cov=[[var, 0], [0, var]], level=0.95, se_kind="x", n_treated=1,
                             n_control=1)


def test_binary_outcome_uses_the_risk_ratio():
    ev = evalue(_est(0.25, 0.2, 1e-5), binary=True, outcome_sd=0.4)
    assert ev.risk_ratio == pytest.approx(1.25)
    assert ev.evalue == pytest.approx(1.25 + math.sqrt(1.25 * 0.25))
    assert 1 < ev.evalue_ci < ev.evalue
    assert ev.risk_ratio_ci[0] > 1


def test_interval_including_null_gives_one():
    ev = evalue(_est(0.21, 0.2, 1e-3), binary=True, outcome_sd=0.4)
    assert ev.evalue_ci == 1.0
    assert ev.diagnostic.status is Status.INFO   # sensitivity informs, never judges
    assert "already includes no effect" in ev.diagnostic.message


def test_continuous_outcome_uses_the_smd_conversion():
    ev = evalue(_est(12.0, 10.0, 0.01), binary=False, outcome_sd=5.0)
    assert ev.risk_ratio == pytest.approx(math.exp(0.91 * 2 / 5))
    assert "exp(0.91 d)" in ev.scale
