"""Funnel decomposition: identities, agreement with the randomized readout, validation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.datasets._impact_shop import STAGES, shop_test
from truelift.errors import DataError, MethodError
from truelift.impact.funnel import funnel
from truelift.schema import Status

KW = dict(treatment="arm", control="control", stages=list(STAGES))


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return shop_test(12_000, seed=5)[0]


def test_matches_the_randomized_readout(shop):
    """Reference: ``tl.readout(..., funnel=...)`` on the same data computes the same step
    conversion lifts (ratio metrics, delta method with ddof 1; the first stage a proportion with
    the unpooled Wald variance) and the same final-stage lift: points to 1e-12, SEs and the
    delta-method relative SEs to 1e-10 relative (same formulas, different summation order)."""
    res = funnel(shop, **KW)
    ro = tl.readout(shop, treatment="arm", control="control", outcome=[STAGES[-1]], funnel=list(STAGES),
                    bayes=False)
    head, ref = res.estimate(), ro.lift(STAGES[-1]).estimate
    assert head.value == pytest.approx(ref.value, abs=1e-12)
    assert head.se == pytest.approx(ref.se, rel=1e-10)
    assert head.relative.se == pytest.approx(ref.relative.se, rel=1e-10)
    steps = res.estimates[1:]
    assert len(steps) == len(ro.funnel) == len(STAGES)
    for mine, fs in zip(steps, ro.funnel, strict=True):
        assert mine.value == pytest.approx(fs.step.estimate.value, abs=1e-12)
        assert mine.se == pytest.approx(fs.step.estimate.se, rel=1e-10)
        assert mine.relative.value == pytest.approx(fs.step.estimate.relative.value, abs=1e-12)
        assert mine.relative.se == pytest.approx(fs.step.estimate.relative.se, rel=1e-10)


def test_log_contributions_add_up_to_the_final_stage_log_lift(shop):
    res = funnel(shop, **KW)
    rows = res.table("funnel").rows
    stage_rows, total = rows[:-1], rows[-1]
    assert sum(r[12] for r in stage_rows) == pytest.approx(math.log(total[5] / total[4]), abs=1e-12)
    for arm_ix in (4, 5):  # product of the steps = final reach
        assert np.prod([r[arm_ix] for r in stage_rows]) == pytest.approx(total[arm_ix], rel=1e-12)
    for r in stage_rows:  # reach control/treatment equal the stage means
        assert r[2] == pytest.approx(shop.loc[shop.arm == "control", r[1]].mean(), abs=1e-15)


def test_where_the_lift_enters_and_leaks():
    """A treatment that lifts view -> cart (0.30 -> 0.40) and loses at cart -> checkout
    (0.60 -> 0.50), other steps equal: the note names exactly those two steps."""
    effects = {"control": {"steps": (0.6, 0.5, 0.3, 0.6, 0.7), "extra_orders": 0.3, "log_value": 3.8,
                           "sigma": 0.5},
               "treatment": {"steps": (0.6, 0.5, 0.4, 0.5, 0.7), "extra_orders": 0.3, "log_value": 3.8,
                             "sigma": 0.5}}
    data, _ = shop_test(60_000, seed=6, effects=effects)
    res = funnel(data, **KW)
    assert "the lift enters at view -> cart; it leaks at cart -> checkout" in res.notes[0]
    up = next(e for e in res.estimates[1:] if e.outcome == "view -> cart")
    assert up.ci[0] > 0


def test_null_funnel_names_no_stage():
    """Negative control: the same arm twice has no significant step."""
    data, _ = shop_test(6_000, seed=7)
    a = data[data.arm == "control"]
    res = funnel(pd.concat([a, a.assign(arm="treatment")], ignore_index=True), **KW)
    assert "no step is significantly higher" in res.notes[0]
    assert "no step is significantly lower" in res.notes[0]
    assert all(e.value == 0.0 for e in res.estimates)


def test_swapping_arms_flips_the_lifts(shop):
    res = funnel(shop, **KW)
    res2 = funnel(shop.assign(arm=shop.arm.map({"control": "treatment", "treatment": "control"})), **KW)
    for e1, e2 in zip(res.estimates, res2.estimates, strict=True):
        assert e2.value == pytest.approx(-e1.value, abs=1e-12)
        assert e2.se == pytest.approx(e1.se, rel=1e-12)


def test_result_shape_and_no_mutation(shop):
    before = shop.copy()
    res = funnel(shop, **KW)
    pd.testing.assert_frame_equal(shop, before)
    assert res.design == "funnel" and res.kind == "impact" and res.outcome == "purchase"
    assert res.estimate().estimand == "ATE: final-stage conversion"
    reach = res.figure("reach")
    assert reach.kind == "bars" and len(reach.data["values"]) == 2 * len(STAGES)
    lifts = res.figure("step_lifts")
    assert lifts.kind == "bars" and len(lifts.data["labels"]) == len(STAGES)
    assert res.table("funnel").to_frame().shape == (len(STAGES) + 1, 15)
    assert res.verdict.status is Status.OK
    res.to_json()


def test_few_customers_at_a_stage_warn():
    data, _ = shop_test(1_000, seed=8)
    res = funnel(data, **KW)
    assert res.verdict.status is Status.WARN
    assert any("purchase" in d.message for d in res.diagnostics if d.status is Status.WARN)


def test_boolean_stages_are_accepted(shop):
    res1 = funnel(shop, **KW)
    res2 = funnel(shop.astype({s: bool for s in STAGES}), **KW)
    assert [e.value for e in res1.estimates] == [e.value for e in res2.estimates]


@pytest.mark.parametrize(("change", "column", "pattern"), [
    (lambda d: d.assign(cart=np.where(d.index == 3, 1, d.cart), view=np.where(d.index == 3, 0, d.view)),
     "cart", "nested"),
    (lambda d: d.assign(checkout=d.checkout * 2), "checkout", "0/1"),
    (lambda d: d.assign(view=d.view.astype(str)), "view", "0/1"),
    (lambda d: d.assign(view=d.view.astype(float).where(d.index != 0, np.nan)), "view", "missing"),
    (lambda d: d.drop(columns="cart"), "cart", "not found in the data"),
    (lambda d: d.assign(purchase=np.where(d.arm == "control", 0, d.purchase)), "purchase", "no customer"),
])
def test_bad_input_raises_one_line_data_error(shop, change, column, pattern):
    with pytest.raises(DataError, match=pattern) as err:
        funnel(change(shop), **KW)
    assert err.value.column == column and "\n" not in str(err.value)


def test_bad_settings(shop):
    with pytest.raises(MethodError):
        funnel(shop, treatment="arm", control="control", stages=[])
    with pytest.raises(MethodError):
        funnel(shop, treatment="arm", control="control", stages=["view", "view"])
    with pytest.raises(MethodError):
        funnel(shop, level=0.0, **KW)
