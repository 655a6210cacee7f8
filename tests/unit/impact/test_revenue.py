"""Revenue decomposition: exact identities, the delta method, validation and diagnostics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._impact_shop import DEFAULT_EFFECTS, shop_test
from truelift.errors import DataError, MethodError
from truelift.impact.revenue import COMPONENTS, decompose
from truelift.schema import Status

KW = dict(treatment="arm", control="control", revenue="revenue", orders="orders")


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    return shop_test(8_000, seed=3)[0]


def _three_arms() -> pd.DataFrame:
    effects = dict(DEFAULT_EFFECTS)
    effects["treatment_b"] = {"steps": (0.6, 0.5, 0.33, 0.62, 0.7), "extra_orders": 0.25, "log_value": 3.9,
                              "sigma": 0.5}
    return shop_test(9_000, seed=4, effects=effects)[0]


def _parts(res, arm_index: int = 0):
    block = res.estimates[4 * arm_index: 4 * arm_index + 4]
    return block[0], block[1:]


@pytest.mark.parametrize("data_fn", ["two", "three"])
def test_contributions_add_up_exactly_to_the_total(shop, data_fn):
    data = shop if data_fn == "two" else _three_arms()
    res = decompose(data, **KW)
    arms = len(res.estimates) // 4
    for i in range(arms):
        total, parts = _parts(res, i)
        assert sum(p.value for p in parts) == pytest.approx(total.value, abs=1e-10)
    rows = [r for r in res.table("decomposition").rows if r[1] != "revenue per customer"]
    tot = [r for r in res.table("decomposition").rows if r[1] == "revenue per customer"]
    for t in tot:  # log contributions add up to ln(RPC_B / RPC_A); shares to 1
        mine = [r for r in rows if r[0] == t[0]]
        assert sum(r[7] for r in mine) == pytest.approx(math.log(t[3] / t[2]), abs=1e-12)
        assert sum(r[13] for r in mine) == pytest.approx(1.0, abs=1e-12)
        assert np.prod([r[3] for r in mine]) == pytest.approx(t[3], rel=1e-12)  # c f v = RPC


def test_total_se_equals_welch_difference_in_means(shop):
    res = decompose(shop, **KW)
    a = shop.loc[shop.arm == "control", "revenue"].to_numpy()
    b = shop.loc[shop.arm == "treatment", "revenue"].to_numpy()
    welch = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert res.estimate().value == pytest.approx(b.mean() - a.mean(), abs=1e-12)
    assert res.estimate().se == pytest.approx(welch, abs=1e-10)
    assert res.estimate().baseline == pytest.approx(a.mean(), abs=1e-12)
    assert res.estimate().relative.value == pytest.approx(b.mean() / a.mean() - 1.0, abs=1e-12)


def _contributions(m: np.ndarray) -> np.ndarray:
    """LMDI contributions from the six arm means (conv, orders, revenue) x (A, B), written afresh."""
    (ca, oa, ra), (cb, ob, rb) = m[:3], m[3:]
    comp_a = np.array([ca, oa / ca, ra / oa])
    comp_b = np.array([cb, ob / cb, rb / ob])
    return (rb - ra) / math.log(rb / ra) * np.log(comp_b / comp_a)


def test_contribution_se_matches_a_numerical_delta_method(shop):
    """Reference: the delta method done independently, sample covariances of the per-customer
    (converted, orders, revenue) in each arm (np.cov, ddof 1) and a central finite-difference
    gradient of the contributions in the six arm means. Tolerance 1e-5 relative: the finite
    difference error at step 1e-6 x mean."""
    res = decompose(shop, **KW)
    blocks, means = [], []
    for arm in ("control", "treatment"):
        x = shop.loc[shop.arm == arm, ["orders", "revenue"]].to_numpy(dtype=float)
        x = np.column_stack([(x[:, 0] > 0).astype(float), x])
        means.append(x.mean(axis=0))
        blocks.append(np.cov(x, rowvar=False) / x.shape[0])
    m = np.concatenate(means)
    cov = np.zeros((6, 6))
    cov[:3, :3], cov[3:, 3:] = blocks
    grad = np.zeros((3, 6))
    for j in range(6):
        h = 1e-6 * m[j]
        up, dn = m.copy(), m.copy()
        up[j] += h
        dn[j] -= h
        grad[:, j] = (_contributions(up) - _contributions(dn)) / (2 * h)
    se_ref = np.sqrt(np.diag(grad @ cov @ grad.T))
    _, parts = _parts(res)
    np.testing.assert_allclose([p.value for p in parts], _contributions(m), rtol=1e-12)
    np.testing.assert_allclose([p.se for p in parts], se_ref, rtol=1e-5)


def test_swapping_arms_flips_every_contribution(shop):
    res = decompose(shop, **KW)
    swapped = shop.assign(arm=shop.arm.map({"control": "treatment", "treatment": "control"}))
    res2 = decompose(swapped, **KW)
    for e1, e2 in zip(res.estimates, res2.estimates, strict=True):
        assert e2.value == pytest.approx(-e1.value, abs=1e-12)
        assert e2.se == pytest.approx(e1.se, rel=1e-10)


def test_no_lift_uses_the_logarithmic_mean_limit(shop):
    """Identical arms: ln(RPC_B / RPC_A) = 0, L(x, x) = x; contributions 0 with finite SEs."""
    a = shop[shop.arm == "control"]
    data = pd.concat([a, a.assign(arm="treatment")], ignore_index=True)
    res = decompose(data, **KW)
    total, parts = _parts(res)
    assert total.value == 0.0
    for p in parts:
        assert p.value == pytest.approx(0.0, abs=1e-12)
        assert math.isfinite(p.se) and p.se > 0
    # the total's SE is still Welch's
    r = a.revenue.to_numpy()
    assert total.se == pytest.approx(math.sqrt(2 * r.var(ddof=1) / r.size), rel=1e-10)


def test_explicit_converted_column_and_no_mutation(shop):
    data = shop.assign(bought=(shop.orders > 0).astype(int))
    before = data.copy()
    res1 = decompose(data, converted="bought", **KW)
    res2 = decompose(data, **KW)
    pd.testing.assert_frame_equal(data, before)
    for e1, e2 in zip(res1.estimates, res2.estimates, strict=True):
        assert e1.value == e2.value and e1.se == e2.se


def test_result_shape(shop):
    res = decompose(shop, **KW)
    assert res.design == "revenue" and res.kind == "impact"
    assert len(res.estimates) == 4
    assert res.estimates[0].outcome == "revenue"
    assert [e.outcome for e in res.estimates[1:]] == [f"revenue: {c}" for c in COMPONENTS]
    fig = res.figure("contributions")
    assert fig.kind == "bars" and len(fig.data["labels"]) == 3
    assert all(lo <= v <= hi for v, lo, hi in zip(fig.data["values"], fig.data["lower"], fig.data["upper"],
                                                   strict=True))
    assert res.table("decomposition").to_frame().shape == (4, 14)
    res.to_json()  # JSON-ready


def test_component_against_the_total_gets_an_ok_diagnostic():
    # deterministic: treatment converts more (8 vs 4 of 20) at a lower order value (40 vs 50)
    rows = []
    for arm, conv, value in (("control", 4, 50.0), ("treatment", 8, 40.0)):
        for i in range(20):
            o = 1 if i < conv else 0
            rows.append((arm, o, value * o + (i % 2) * o))
    data = pd.DataFrame(rows, columns=["arm", "orders", "revenue"])
    res = decompose(data, **KW)
    against = [d for d in res.diagnostics if d.name.startswith("against_total")]
    assert len(against) == 1 and "order_value" in against[0].name
    assert against[0].status is Status.OK and "fell" in against[0].message
    few = [d for d in res.diagnostics if d.name.startswith("converters")]
    assert all(d.status is Status.WARN for d in few)  # 4 and 8 converters < 30
    assert res.verdict.status is Status.WARN


def test_no_against_diagnostic_when_all_components_move_with_the_total():
    rows = [("control", int(i < 4), 50.0 * (i < 4)) for i in range(40)]
    rows += [("treatment", 2 * int(i < 8), 120.0 * (i < 8)) for i in range(40)]
    res = decompose(pd.DataFrame(rows, columns=["arm", "orders", "revenue"]), **KW)
    assert not [d for d in res.diagnostics if d.name.startswith("against_total")]


def test_drop_missing_counts_and_warns(shop):
    data = shop.copy()
    data.loc[:4, "revenue"] = np.nan
    data.loc[10:12, "arm"] = None
    with pytest.raises(DataError, match=r"'arm'.*3 missing"):
        decompose(data, **KW)
    res = decompose(data, drop_missing=True, **KW)
    assert dict(res.provenance.rows_dropped) == {"missing arm": 3, "missing revenue": 5}
    assert res.provenance.rows_used == len(data) - 8
    assert any(d.name == "rows_dropped" and d.status is Status.INFO for d in res.diagnostics)


@pytest.mark.parametrize(("change", "column", "pattern"), [
    (lambda d: d.assign(revenue=d.revenue.where(d.index != 0, -1.0)), "revenue", "negative"),
    (lambda d: d.assign(orders=d.orders.where(d.index != 0, -2)), "orders", "negative"),
    (lambda d: d.assign(revenue=d.revenue.where(d.orders > 0, 5.0)), "revenue", "0 orders"),
    (lambda d: d.assign(revenue=d.revenue.astype(str)), "revenue", "numeric"),
    (lambda d: d.drop(columns="orders"), "orders", "not found in the data"),
    (lambda d: d.assign(arm="control"), "arm", "treatment arm"),
    (lambda d: d.assign(arm=d.arm.replace({"control": "ctl"})), "arm", "not found"),
])
def test_bad_input_raises_one_line_data_error(shop, change, column, pattern):
    with pytest.raises(DataError, match=pattern) as err:
        decompose(change(shop), **KW)
    assert err.value.column == column and "\n" not in str(err.value)


def test_bad_converted_column(shop):
    with pytest.raises(DataError, match="0/1") as err:
        decompose(shop.assign(c=2), converted="c", **KW)
    assert err.value.column == "c"
    with pytest.raises(DataError, match="orders > 0") as err:
        decompose(shop.assign(c=0), converted="c", **KW)
    assert err.value.column == "c"


def test_bad_settings(shop):
    with pytest.raises(MethodError):
        decompose(shop, level=1.5, **KW)
    with pytest.raises(MethodError):
        decompose(shop, treatment="arm", control="control", revenue="revenue", orders="revenue")
