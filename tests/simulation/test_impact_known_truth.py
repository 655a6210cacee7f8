"""Known truth for the impact analyses: the shop generator's stage-wise effects, recovered.

Coverage over 200 seeded replications of 20,000 customers (about 400 converters per arm): the
binomial SE at 0.95 is about 0.015, so a correct interval lands in the wide band [0.88, 0.99]
with overwhelming probability. Negative control: the same intervals at half their width (nominal
about 67%) must fall below the band, so the check is shown able to fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from truelift.datasets._impact_shop import COMPONENTS, STAGES, shop_test
from truelift.impact.funnel import funnel
from truelift.impact.revenue import decompose

REPS = 200
N = 20_000
BAND = (0.88, 0.99)


def test_generator_truth_is_consistent_and_matches_a_large_sample():
    data, truth = shop_test(200_000, seed=0)
    for arm in ("control", "treatment"):
        assert truth.rpc[arm] == pytest.approx(truth.conversion[arm] * truth.orders_per_converter[arm]
                                               * truth.order_value[arm], rel=1e-12)
        assert truth.reach[arm][-1] == pytest.approx(np.prod(truth.step[arm]), rel=1e-12)
        d = data[data.arm == arm]
        se = d.revenue.std() / math.sqrt(len(d))
        assert abs(d.revenue.mean() - truth.rpc[arm]) < 4 * se
        assert abs(d.purchase.mean() - truth.conversion[arm]) < 4 * math.sqrt(
            truth.conversion[arm] * (1 - truth.conversion[arm]) / len(d))
    assert sum(truth.contribution["treatment"].values()) == pytest.approx(
        truth.rpc["treatment"] - truth.rpc["control"], rel=1e-12)


def test_one_large_test_recovers_every_effect_within_its_interval():
    data, truth = shop_test(100_000, seed=1)
    rev = decompose(data, treatment="arm", control="control", revenue="revenue", orders="orders")
    total = rev.estimates[0]
    d_rpc = truth.rpc["treatment"] - truth.rpc["control"]
    assert total.ci[0] <= d_rpc <= total.ci[1]
    for comp, est in zip(COMPONENTS, rev.estimates[1:], strict=True):
        assert est.ci[0] <= truth.contribution["treatment"][comp] <= est.ci[1], comp
    fun = funnel(data, treatment="arm", control="control", stages=list(STAGES))
    for k, est in enumerate(fun.estimates[1:]):
        true = truth.step["treatment"][k] - truth.step["control"][k]
        assert est.ci[0] <= true <= est.ci[1], STAGES[k]


def _run() -> dict[str, np.ndarray]:
    """Per quantity: the error (estimate - truth) / se for each replication."""
    z: dict[str, list[float]] = {}
    for rep in range(REPS):
        data, truth = shop_test(N, seed=1000 + rep)
        rev = decompose(data, treatment="arm", control="control", revenue="revenue", orders="orders")
        d_rpc = truth.rpc["treatment"] - truth.rpc["control"]
        z.setdefault("rpc lift", []).append((rev.estimates[0].value - d_rpc) / rev.estimates[0].se)
        for comp, est in zip(COMPONENTS, rev.estimates[1:], strict=True):
            z.setdefault(f"contribution {comp}", []).append(
                (est.value - truth.contribution["treatment"][comp]) / est.se)
        rows = [r for r in rev.table("decomposition").rows if r[1] != "revenue per customer"]
        for comp, r in zip(COMPONENTS, rows, strict=True):
            se = (r[9] - r[8]) / (2 * 1.959963984540054)
            z.setdefault(f"log {comp}", []).append((r[7] - math.log(truth.ratio["treatment"][comp])) / se)
        fun = funnel(data, treatment="arm", control="control", stages=list(STAGES))
        final = truth.reach["treatment"][-1] - truth.reach["control"][-1]
        z.setdefault("final-stage lift", []).append((fun.estimate().value - final) / fun.estimate().se)
        for k, est in enumerate(fun.estimates[1:]):
            true = truth.step["treatment"][k] - truth.step["control"][k]
            z.setdefault(f"step {STAGES[k]}", []).append((est.value - true) / est.se)
    return {k: np.asarray(v) for k, v in z.items()}


@pytest.fixture(scope="module")
def errors() -> dict[str, np.ndarray]:
    return _run()


@pytest.mark.slow
def test_coverage_of_contributions_and_step_lifts(errors):
    coverage = {k: float(np.mean(np.abs(v) <= 1.959963984540054)) for k, v in errors.items()}
    assert len(coverage) == 1 + 3 + 3 + 1 + len(STAGES)
    for k, c in coverage.items():
        assert BAND[0] <= c <= BAND[1], f"{k}: coverage {c:.3f} outside {BAND}"


@pytest.mark.slow
def test_negative_control_half_width_intervals_fail_the_band(errors):
    for k, v in errors.items():
        c = float(np.mean(np.abs(v) <= 1.959963984540054 / 2))
        assert c < BAND[0], f"{k}: half-width coverage {c:.3f} should fall below {BAND[0]}"


@pytest.mark.slow
def test_estimates_are_unbiased_within_monte_carlo_error(errors):
    """Mean standardized error within 4 / sqrt(REPS) of 0 (bias well under a standard error)."""
    for k, v in errors.items():
        assert abs(v.mean()) < 4 / math.sqrt(REPS), f"{k}: mean z {v.mean():.3f}"
