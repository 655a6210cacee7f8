"""Known truth: the geo_plan MDE is sane. Regions of one structure (seed 11) are planned on 84 days
of history; fresh test panels (new daily noise, a fresh random half of the regions treated) with a
lift equal to the plan's relative MDE are then analysed with the plan's pre length (28 days) and
test length (28 days): the rejection rate should be near the target power 0.8, and with no lift
near alpha = 0.05.

The replications use the collapsed DiD of :mod:`truelift.quasi.geo` (region change post minus pre,
treated mean minus control mean), which equals the region + day fixed-effects coefficient of
``geo(method="did")`` exactly on a balanced panel (checked below on one replication), with the
two-sample region-level SE (CRV1 up to its small-sample factor); pyfixest in every replication
would make the test slow.

Measured (300 replications): power 0.70 at the MDE, 0.043 with no lift. The power falls short of
0.8 because the simulated lift is multiplicative (bigger regions gain more), which adds
effect-heterogeneity variance that history (no effect) cannot show: SD of the estimate 51.7 with
the lift vs 38.0 without. Bands for 150 replications (binomial SE 0.037 at 0.7, 0.018 at 0.05):
power in [0.6, 0.95], null rejection rate at most 0.1.
"""

from __future__ import annotations

import numpy as np
import pytest

from truelift.datasets._quasi_geo import geo_panel
from truelift.quasi.geo import _collapsed_did, geo, geo_plan

pytestmark = pytest.mark.slow
REGIONS, SEED, REPS = 40, 11, 150
NAMES = np.array([f"R{i:02d}" for i in range(REGIONS)])


@pytest.fixture(scope="module")
def plan():
    hist = geo_panel(REGIONS, 84, 0, seed=SEED, noise_seed=0).data
    return geo_plan(hist, unit="region", time="date", outcome="revenue", method="random", test_periods=28,
                    pre_periods=28, reps=300, seed=1)


def _replicate(lift: float, r: int, rng: np.random.Generator):
    treated = rng.choice(NAMES, size=REGIONS // 2, replace=False)
    g = geo_panel(REGIONS, 84, 28, lift=lift, treated=list(treated), seed=SEED, noise_seed=1000 + r)
    return g, np.isin(NAMES, treated)


def _rejection_rate(lift: float) -> float:
    from scipy import stats

    rng = np.random.default_rng(123)
    hits = 0
    for r in range(REPS):
        g, arm = _replicate(lift, r, rng)
        m = g.data.pivot(index="region", columns="date", values="revenue").to_numpy()
        tau, se, df = _collapsed_did(m[:, 84:].mean(axis=1) - m[:, 56:84].mean(axis=1), arm)
        hits += abs(tau / se) > stats.t.ppf(0.975, df)
    return hits / REPS


def test_collapsed_did_equals_geo_twfe() -> None:
    g, arm = _replicate(0.05, 0, np.random.default_rng(0))
    d = g.data[g.data["date"] >= g.truth.start - np.timedelta64(28, "D")]
    est = geo(d, unit="region", time="date", outcome="revenue", treatment="treated", start=g.truth.start)
    m = d.pivot(index="region", columns="date", values="revenue").to_numpy()
    tau, se, _ = _collapsed_did(m[:, 28:].mean(axis=1) - m[:, :28].mean(axis=1), arm)
    assert est.estimate().value == pytest.approx(tau, rel=1e-9)
    assert est.estimate().se == pytest.approx(se, rel=0.05)  # CRV1 small-sample factor and FE df


def test_plan_false_positive_rate_near_alpha(plan) -> None:
    assert plan.false_positive_rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 300)


def test_power_at_mde_near_target(plan) -> None:
    assert 0.0 < plan.mde_relative < 0.5
    assert 0.6 <= _rejection_rate(plan.mde_relative) <= 0.95


def test_no_lift_rejects_near_alpha() -> None:
    """Negative control for the power check: the same pipeline without a lift rarely rejects."""
    assert _rejection_rate(0.0) <= 0.1
