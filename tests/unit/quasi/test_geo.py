"""Unit tests of truelift.quasi.geo (analysis and plan) on the simulated panel of quasi_geo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._quasi_geo import geo_panel
from truelift.errors import DataError, MethodError
from truelift.quasi.geo import geo, geo_plan
from truelift.schema import Status

KW = dict(unit="region", time="date", outcome="revenue", treatment="treated")


@pytest.fixture(scope="module")
def lifted():
    return geo_panel(40, 56, 28, lift=0.05, seed=1)


def test_did_recovers_lift_per_user(lifted) -> None:
    res = geo(lifted.data, start=lifted.truth.start, users="users", **KW)
    est = res.estimate()
    assert est.se_kind == "crv1" and est.n_treated == 20 and est.n_control == 20
    assert abs(est.value - lifted.truth.att_per_user) < 3 * est.se
    assert est.pvalue < 0.05
    assert est.relative is not None and abs(est.relative.value - 0.05) < 0.02
    fig = res.figure("series")
    assert set(fig.data["lines"]) == {"treated", "counterfactual"} and "band" in fig.data
    assert res.to_json()


def test_did_recovers_lift_per_region_day(lifted) -> None:
    est = geo(lifted.data, start=lifted.truth.start, **KW).estimate()
    assert abs(est.value - lifted.truth.att_region_day) < 3 * est.se


def test_synth_recovers_lift(lifted) -> None:
    res = geo(lifted.data, start=lifted.truth.start, users="users", method="synth", **KW)
    est = res.estimate()
    assert est.se_kind == "placebo" and est.n_treated == 20
    assert abs(est.value - lifted.truth.att_per_user) < 3 * est.se
    assert res.table("placebos") and res.figure("gaps")


def test_null_panel_not_significant() -> None:
    """Negative control: lift 0; the DiD should not reject (seeded, so deterministic)."""
    g = geo_panel(40, 56, 28, lift=0.0, seed=2)
    est = geo(g.data, start=g.truth.start, users="users", **KW).estimate()
    assert est.pvalue > 0.05 and est.ci[0] < 0 < est.ci[1]


def test_does_not_mutate(lifted) -> None:
    before = lifted.data.copy()
    geo(lifted.data, start=lifted.truth.start, users="users", **KW)
    pd.testing.assert_frame_equal(lifted.data, before)


def test_bad_input(lifted) -> None:
    bad = lifted.data.assign(users=lifted.data["users"].where(lifted.data.index != 3, 0))
    with pytest.raises(DataError, match="users"):
        geo(bad, start=lifted.truth.start, users="users", **KW)
    with pytest.raises(DataError, match="no pre period"):
        geo(lifted.data, start="2023-01-01", **KW)
    with pytest.raises(MethodError):
        geo(lifted.data, start=lifted.truth.start, method="magic", **KW)


@pytest.fixture(scope="module")
def history():
    return geo_panel(30, 70, 0, seed=4).data


def test_plan_pairs_assignment(history) -> None:
    plan = geo_plan(history, unit="region", time="date", outcome="revenue", method="pairs",
                    test_periods=14, reps=60, seed=1)
    a = plan.assignment_frame()
    assert len(a) == 30 and (a["arm"] == "treatment").sum() == 15
    per_pair = a.groupby("pair")["arm"].apply(sorted)
    assert all(v == ["control", "treatment"] for v in per_pair)
    assert plan.mde > 0 and plan.mde_relative == pytest.approx(plan.mde / plan.baseline)
    assert plan.to_dict()["kind"] == "geo_plan"


def test_plan_random_and_power_at_effect(history) -> None:
    plan = geo_plan(history, unit="region", time="date", outcome="revenue", method="random",
                    treated_share=0.3, test_periods=14, reps=60, effect=0.5, seed=1)
    assert plan.n_treated == 9
    assert plan.power_at_effect is not None and plan.power_at_effect > 0.99  # a 50 % lift is obvious
    small = geo_plan(history, unit="region", time="date", outcome="revenue", method="random",
                     test_periods=14, reps=60, effect=1e-4, seed=1)
    assert small.power_at_effect < 0.1  # a 0.01 % lift is not detectable


def test_plan_same_seed_same_plan(history) -> None:
    a = geo_plan(history, unit="region", time="date", outcome="revenue", test_periods=14, reps=30, seed=7)
    b = geo_plan(history, unit="region", time="date", outcome="revenue", test_periods=14, reps=30, seed=7)
    assert a.mde == b.mde and a.assignment == b.assignment


def test_plan_bad_settings(history) -> None:
    with pytest.raises(MethodError, match="pairs"):
        geo_plan(history, unit="region", time="date", outcome="revenue", treated_share=0.3)
    with pytest.raises(DataError, match="periods"):
        geo_plan(history, unit="region", time="date", outcome="revenue", test_periods=70)
    with pytest.raises(MethodError):
        geo_plan(history, unit="region", time="date", outcome="revenue", method="nope")
    few = history[history["region"].isin(["R00", "R01", "R02"])]
    with pytest.raises(DataError, match="regions"):
        geo_plan(few, unit="region", time="date", outcome="revenue", test_periods=14)


def test_plan_warns_on_few_regions() -> None:
    h = geo_panel(8, 70, 0, seed=4).data
    plan = geo_plan(h, unit="region", time="date", outcome="revenue", method="random", test_periods=14,
                    reps=30)
    assert {d.name: d.status for d in plan.diagnostics}["regions"] is Status.WARN
    assert np.isfinite(plan.mde)
