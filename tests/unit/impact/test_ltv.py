"""Unit tests of truelift.impact.ltv: the formulae on tiny hand-computed tables, and bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._impact_ltv import subscription_test
from truelift.errors import DataError, MethodError
from truelift.impact.ltv import ltv
from truelift.impact.result import ImpactAnalysis
from truelift.schema import Status

ROLES = dict(unit="customer", time="period", revenue="revenue", treatment="variant", control="A")


def tiny() -> pd.DataFrame:
    """Four customers, three periods. Control A: c1 buys in 0,1; c2 in 0. Treatment B: t1 in 0,1,2;
    t2 in 0,1. Every purchase is 10."""
    rev = {"c1": [10, 10, 0], "c2": [10, 0, 0], "t1": [10, 10, 10], "t2": [10, 10, 0]}
    rows = [(c, t, "A" if c.startswith("c") else "B", float(r)) for c, rs in rev.items()
            for t, r in enumerate(rs)]
    return pd.DataFrame(rows, columns=["customer", "period", "variant", "revenue"])


def test_observed_window_formulae_by_hand() -> None:
    res = ltv(tiny(), horizon=3, discount=0.1, **ROLES)
    assert isinstance(res, ImpactAnalysis) and res.design == "ltv" and res.kind == "impact"
    # per-customer discounted sums S_i = sum_t R_it / 1.1^t
    s_c = np.array([10 + 10 / 1.1, 10.0])
    s_t = np.array([10 + 10 / 1.1 + 10 / 1.21, 10 + 10 / 1.1])
    head = res.estimate()
    assert head.value == pytest.approx(s_t.mean() - s_c.mean(), rel=1e-12)
    # exact SE from the per-customer sums (two customers per arm: var = (x1 - x2)^2 / 2)
    se = math.sqrt((s_t[0] - s_t[1]) ** 2 / 2 / 2 + (s_c[0] - s_c[1]) ** 2 / 2 / 2)
    assert head.se == pytest.approx(se, rel=1e-12)
    assert res.estimates[1].value == pytest.approx(head.value) and res.estimates[1].se == pytest.approx(se)
    assert head.baseline == pytest.approx(s_c.mean()) and head.mean_treated == pytest.approx(s_t.mean())
    assert (head.n_treated, head.n_control) == (2, 2)

    ret = res.table("retention").to_frame().set_index("period")
    assert ret["retention_A"].tolist() == [1.0, 0.5, 0.0]
    assert ret["retention_B"].tolist() == [1.0, 1.0, 0.5]
    assert ret["churn_A"].tolist()[1:] == [0.5, 1.0] and ret["churn_B"].tolist()[1:] == [0.0, 0.5]
    assert math.isnan(ret["churn_A"].iloc[0]) or ret["churn_A"].iloc[0] is None
    assert ret["revenue_per_customer_B"].tolist() == [10.0, 10.0, 5.0]

    tab = res.table("ltv").to_frame().set_index("arm")
    assert tab.loc["A", "repeat_purchase_rate"] == 0.5 and tab.loc["B", "repeat_purchase_rate"] == 1.0
    assert tab.loc["A", "ltv_extrapolated"] == 0.0 and tab.loc["B", "ltv"] == pytest.approx(s_t.mean())
    assert tab.loc["difference", "ltv"] == pytest.approx(head.value)
    # three periods observed: no WARN on periods; nothing projected
    assert {d.name: d.status for d in res.diagnostics}["periods_observed"] is Status.OK
    assert any("nothing is projected" in n for n in res.notes)


def test_projection_formula_by_hand() -> None:
    """Horizon 5 on 3 observed periods: tail = the last transition (1 -> 2). Arm B: q = r_2 / r_1 =
    0.5, v = revenue in 2 / active in 2 = 10, r_2 = 0.5, so E = 0.5 * 10 * (0.5 / 1.1^3 + 0.25 / 1.1^4).
    Arm A has nobody active in period 2: nothing is projected."""
    res = ltv(tiny(), horizon=5, discount=0.1, **ROLES)
    tab = res.table("ltv").to_frame().set_index("arm")
    e_b = 0.5 * 10 * (0.5 / 1.1**3 + 0.25 / 1.1**4)
    assert tab.loc["B", "ltv_extrapolated"] == pytest.approx(e_b, rel=1e-12)
    assert tab.loc["A", "ltv_extrapolated"] == 0.0
    assert tab.loc["B", "fitted_retention"] == pytest.approx(0.5)
    assert tab.loc["B", "revenue_per_active_customer"] == pytest.approx(10.0)
    obs_b = np.mean([10 + 10 / 1.1 + 10 / 1.21, 10 + 10 / 1.1])
    assert tab.loc["B", "ltv"] == pytest.approx(obs_b + e_b)
    fig = res.figure("retention")
    assert fig.kind == "series" and fig.data["x"] == (0, 1, 2, 3, 4) and fig.data["marker"] == 3
    assert fig.data["lines"]["B"] == pytest.approx((1.0, 1.0, 0.5, 0.25, 0.125))
    cum = res.figure("cumulative_value")
    assert cum.kind == "series" and cum.data["lines"]["B"][-1] == pytest.approx(obs_b + e_b)
    assert any("projected" in n and "%" in n for n in res.notes)


def test_delta_se_matches_numerical_gradient() -> None:
    """The influence-function SE of the projected LTV equals the delta method with a numerical
    gradient of the LTV in the five per-customer means (tolerance 1e-5 relative: finite differences)."""
    data, _ = subscription_test(400, 5, seed=3)
    res = ltv(data, unit="customer", time="period", revenue="revenue", treatment="variant",
              control="control", horizon=12, discount=0.02)
    arm = data.loc[data["variant"] == "treatment"].pivot(index="customer", columns="period", values="revenue")
    rev = arm.to_numpy()
    act = (rev > 0).astype(float)
    disc = 1.02 ** -np.arange(12)
    z = np.column_stack([rev @ disc[:5], act[:, 4], act[:, 3:5].sum(1), act[:, 2:4].sum(1),
                         rev[:, 3:5].sum(1)])  # S, A_last, a (tail t=3,4), b, c

    def g(m: np.ndarray) -> float:
        s, r, a, b, c = m
        q, v = a / b, c / a
        ks = np.arange(1, 8)
        return s + r * v * np.sum(q**ks * disc[4 + ks])

    mu = z.mean(0)
    grad = np.array([(g(mu + h) - g(mu - h)) / (2 * 1e-6) for h in np.eye(5) * 1e-6])
    se_num = math.sqrt(grad @ np.cov(z, rowvar=False) @ grad / len(z))
    tab = res.table("ltv").to_frame().set_index("arm")
    assert tab.loc["treatment", "ltv"] == pytest.approx(g(mu), rel=1e-10)
    assert tab.loc["treatment", "se"] == pytest.approx(se_num, rel=1e-5)


def test_never_buyers_count_and_swapping_arms_flips_sign() -> None:
    d = tiny()
    extra = pd.DataFrame({"customer": "c3", "period": [0, 1, 2], "variant": "A", "revenue": 0.0})
    with_zero = pd.concat([d, extra], ignore_index=True)
    a = ltv(with_zero, horizon=3, **ROLES)
    assert a.estimate().n_control == 3
    assert a.estimate().baseline == pytest.approx((20 + 10 + 0) / 3)
    b = ltv(with_zero, horizon=3, **{**ROLES, "control": "B"})
    assert b.estimate().value == pytest.approx(-a.estimate().value)
    assert b.estimate().se == pytest.approx(a.estimate().se)


def test_does_not_mutate_and_is_row_order_invariant() -> None:
    data, _ = subscription_test(300, 4, seed=5)
    before = data.copy()
    r1 = ltv(data, unit="customer", time="period", revenue="revenue", treatment="variant",
             control="control", horizon=10)
    pd.testing.assert_frame_equal(data, before)
    r2 = ltv(data.sample(frac=1.0, random_state=0), unit="customer", time="period", revenue="revenue",
             treatment="variant", control="control", horizon=10)
    assert r2.estimate().value == pytest.approx(r1.estimate().value, rel=1e-12)
    assert r2.estimate().se == pytest.approx(r1.estimate().se, rel=1e-12)


def test_warnings_few_periods_and_mostly_projected() -> None:
    data, _ = subscription_test(300, 2, seed=2)
    res = ltv(data, unit="customer", time="period", revenue="revenue", treatment="variant",
              control="control", horizon=36)
    st = {d.name: d for d in res.diagnostics}
    assert st["periods_observed"].status is Status.WARN
    assert st["extrapolated_share"].status is Status.WARN and st["extrapolated_share"].value > 0.5
    assert "projected, not observed" in st["extrapolated_share"].message
    assert res.verdict.status is Status.WARN
    # negative control: with the horizon inside the window nothing is projected and no WARN on share
    ok = ltv(data, unit="customer", time="period", revenue="revenue", treatment="variant",
             control="control", horizon=2)
    assert {d.name: d.status for d in ok.diagnostics}["extrapolated_share"] is Status.OK


def _one_line(err: pytest.ExceptionInfo[Exception], column: str | None = None) -> None:
    assert "\n" not in str(err.value)
    if column is not None:
        assert isinstance(err.value, DataError) and err.value.column == column
        assert f"'{column}'" in str(err.value)


@pytest.mark.parametrize("horizon", [0, -2, 2.5, True])
def test_bad_horizon(horizon: object) -> None:
    with pytest.raises(MethodError, match="horizon") as e:
        ltv(tiny(), horizon=horizon, **ROLES)  # type: ignore[arg-type]
    _one_line(e)


@pytest.mark.parametrize("discount", [-0.1, float("nan"), "x"])
def test_bad_discount(discount: object) -> None:
    with pytest.raises(MethodError, match="discount") as e:
        ltv(tiny(), horizon=3, discount=discount, **ROLES)  # type: ignore[arg-type]
    _one_line(e)


def test_two_rows_in_one_period() -> None:
    d = pd.concat([tiny(), tiny().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicate") as e:
        ltv(d, horizon=3, **ROLES)
    _one_line(e, "period")


@pytest.mark.parametrize("bad", [7, -1, 1.5])
def test_period_outside_range(bad: float) -> None:
    d = tiny().astype({"period": float})
    d.loc[0, "period"] = bad
    with pytest.raises(DataError) as e:
        ltv(d, horizon=3, **ROLES)
    _one_line(e, "period")


def test_missing_period_row_and_one_period_only() -> None:
    with pytest.raises(DataError, match="miss periods") as e:
        ltv(tiny().drop(index=4), horizon=3, **ROLES)
    _one_line(e, "customer")
    with pytest.raises(MethodError, match="at least 2"):
        ltv(tiny().query("period == 0"), horizon=3, **ROLES)


def test_bad_variant_and_revenue() -> None:
    d = tiny()
    d.loc[1, "variant"] = "B"
    with pytest.raises(DataError, match="more than one variant") as e:
        ltv(d, horizon=3, **ROLES)
    _one_line(e, "variant")
    with pytest.raises(DataError, match="control arm") as e:
        ltv(tiny(), horizon=3, **{**ROLES, "control": "Z"})
    _one_line(e, "variant")
    three = tiny()
    three.loc[three["customer"] == "t2", "variant"] = "C"
    with pytest.raises(DataError, match="two arms") as e:
        ltv(three, horizon=3, **ROLES)
    _one_line(e, "variant")
    neg = tiny()
    neg.loc[0, "revenue"] = -5.0
    with pytest.raises(DataError, match="negative") as e:
        ltv(neg, horizon=3, **ROLES)
    _one_line(e, "revenue")
    with pytest.raises(DataError):
        ltv(tiny(), horizon=3, **{**ROLES, "revenue": "nope"})


def test_missing_revenue_fails_or_is_dropped_and_counted() -> None:
    extra = pd.DataFrame({"customer": "c3", "period": [0, 1, 2], "variant": "A", "revenue": 5.0})
    d = pd.concat([tiny(), extra], ignore_index=True)
    d.loc[2, "revenue"] = np.nan  # c1, period 2
    with pytest.raises(DataError, match="missing") as e:
        ltv(d, horizon=3, **ROLES)
    _one_line(e, "revenue")
    res = ltv(d, horizon=3, drop_missing=True, **ROLES)
    assert sum(res.provenance.rows_dropped.values()) == 3  # the missing row and c1's two others
    assert res.estimate().n_control == 2 and res.estimate().baseline == pytest.approx((10 + 15) / 2)
    diag = {x.name: x for x in res.diagnostics}["rows_dropped"]
    assert diag.status is Status.INFO and diag.value == 3
