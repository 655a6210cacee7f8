"""Unit tests of truelift.quasi.did and truelift.quasi.staggered (Callaway & Sant'Anna 2021)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._quasi_did import staggered_panel, two_by_two
from truelift.errors import DataError, MethodError
from truelift.quasi import staggered as st
from truelift.quasi.did import did
from truelift.quasi.result import QuasiAnalysis
from truelift.schema import Status

pf = pytest.importorskip("pyfixest")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return staggered_panel(units=150, periods=8, cohorts=(3, 5, 7), seed=3)[0]


def _matrix(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    y = d.pivot(index="unit", columns="period", values="y").to_numpy()
    g = d.groupby("unit")["cohort"].first().to_numpy().astype(float)
    return y, np.where(g > 0, g - 1, np.inf)       # periods 1..T -> positions 0..T-1


@pytest.mark.parametrize("control_group", ["never", "notyet"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_att_gt_equals_2x2_means(panel, control_group, base_period):
    """Every ATT(g, t) is the 2x2 difference of means against its base period (to 1e-10)."""
    y, g = _matrix(panel)
    gt = st.group_time_att(y, g, control_group=control_group, base_period=base_period)
    assert gt.att.size > 10
    for k in range(gt.att.size):
        gg, t, b = gt.group[k], gt.time[k], gt.base[k]
        treat = g == gg
        ctrl = ~np.isfinite(g) if control_group == "never" else (g > max(t, b)) & ~treat
        direct = ((y[treat, t] - y[treat, b]).mean() - (y[ctrl, t] - y[ctrl, b]).mean())
        assert gt.att[k] == pytest.approx(direct, abs=1e-10)
        assert b == (gg - 1 if (t >= gg or base_period == "universal") else t - 1)


def test_att_gt_se_is_two_sample_formula(panel):
    """For one cell, the IF variance is var_T/n_T + var_C/n_C (population variances), to 1e-10."""
    y, g = _matrix(panel)
    gt = st.group_time_att(y, g)
    k = int(np.flatnonzero((gt.group == 2) & (gt.time == 4))[0])
    se = np.sqrt(gt.inf[:, k] @ gt.inf[:, k]) / gt.n
    dt = y[g == 2, 4] - y[g == 2, 1]
    dc = y[~np.isfinite(g), 4] - y[~np.isfinite(g), 1]
    assert se == pytest.approx(np.sqrt(dt.var() / dt.size + dc.var() / dc.size), abs=1e-10)


def test_simple_and_dynamic_are_size_weighted_means(panel):
    y, g = _matrix(panel)
    gt = st.group_time_att(y, g)
    post = gt.time >= gt.group
    sizes = np.array([np.sum(g == c) for c in gt.group[post]])
    assert st.simple_att(gt).value == pytest.approx(np.average(gt.att[post], weights=sizes), abs=1e-12)
    dyn = st.dynamic_att(gt)
    cells = gt.event == 1
    sizes = np.array([np.sum(g == c) for c in gt.group[cells]])
    assert dyn[1].value == pytest.approx(np.average(gt.att[cells], weights=sizes), abs=1e-12)
    # the weights' influence term matters: the aggregated SE is not the fixed-weight one
    agg = st.simple_att(gt)
    fixed = gt.inf[:, agg.cells] @ agg.weights
    assert agg.se() != pytest.approx(np.sqrt(fixed @ fixed) / gt.n, rel=1e-6)


def test_cluster_of_units_equals_unit_se(panel):
    y, g = _matrix(panel)
    agg = st.simple_att(st.group_time_att(y, g))
    assert agg.se(np.arange(y.shape[0])) == pytest.approx(agg.se(), rel=1e-12)


def test_twfe_equals_pyfixest(panel):
    """The TWFE estimate beside the robust one is pyfixest feols, value and CRV1 se to 1e-8."""
    res = did(panel, outcome="y", time="period", treatment="treated", unit="unit", placebo=False)
    twfe = next(e for e in res.estimates if e.method == "twfe")
    ref = pf.feols("y ~ treated | unit + period", data=panel, vcov={"CRV1": "unit"})
    assert twfe.value == pytest.approx(float(ref.coef()["treated"]), abs=1e-8)
    assert twfe.se == pytest.approx(float(ref.se()["treated"]), abs=1e-8)
    assert twfe.ci[0] == pytest.approx(float(ref.confint().loc["treated"].iloc[0]), abs=1e-8)


def test_two_by_two_cross_sections_equals_pyfixest():
    """Repeated cross-sections: feols('y ~ treat:post | group + post', CRV1 by store) to 1e-8."""
    data, _ = two_by_two(users=3000, stores=30, seed=4)
    before = data.copy()
    res = did(data, outcome="revenue", time="period", treatment="treated", group="group", cluster="store")
    pd.testing.assert_frame_equal(data, before)
    df = data.assign(treat=(data["group"] == "treated").astype(int))
    ref = pf.feols("revenue ~ treat:period | group + period", data=df, vcov={"CRV1": "store"})
    assert res.estimate().value == pytest.approx(float(ref.coef().iloc[0]), abs=1e-8)
    assert res.estimate().se == pytest.approx(float(ref.se().iloc[0]), abs=1e-8)
    assert res.estimate().se_kind == "crv1"
    assert res.title == "Difference-in-differences, 2x2"
    # 2x2 equals the difference of the four means
    m = data.groupby(["group", "period"])["revenue"].mean()
    dd = (m["treated", 1] - m["treated", 0]) - (m["control", 1] - m["control", 0])
    assert res.estimate().value == pytest.approx(dd, abs=1e-9)
    assert res.estimate().relative.value == pytest.approx(res.estimate().value / res.estimate().baseline)


def test_staggered_result_shape(panel):
    res = did(panel, outcome="y", time="period", treatment="treated", unit="unit")
    assert isinstance(res, QuasiAnalysis) and res.design == "did"
    assert [e.method for e in res.estimates] == ["cs", "twfe"]
    assert {d.name for d in res.diagnostics} >= {"pretrend", "placebo_in_time", "twfe_vs_robust"}
    es = res.table("event_study").to_frame()
    assert set(es["method"]) == {"Callaway-Sant'Anna", "TWFE"}
    ref = es[es["event_time"] == -1]
    assert (ref["estimate"] == 0).all()
    fig = res.figure("event_study")
    assert fig.kind == "event_study" and set(fig.data["series"]) == {"Callaway-Sant'Anna", "TWFE"}
    s = res.figure("series")
    assert s.kind == "series" and len(s.data["lines"]["treated"]) == 8 and s.data["marker"] == 3
    assert any("Goodman-Bacon" in n for n in res.notes)
    res.to_json()


def test_method_twfe_puts_twfe_first(panel):
    res = did(panel, outcome="y", time="period", treatment="treated", unit="unit", method="twfe",
              placebo=False)
    assert [e.method for e in res.estimates] == ["twfe", "cs"]


def test_pretrend_fails_on_diverging_groups():
    """Negative control: treated units drift up before adoption -> pre-trend FAIL, placebo WARN."""
    d, _ = staggered_panel(units=300, periods=10, cohorts=(7,), effect=0.0, dynamic=0.0, seed=5)
    d = d.copy()
    d["y"] = d["y"] + 0.4 * d["period"] * (d["cohort"] > 0)
    res = did(d, outcome="y", time="period", treatment="treated", unit="unit")
    diag = {x.name: x for x in res.diagnostics}
    assert diag["pretrend"].status is Status.FAIL
    assert "already drifting apart" in diag["pretrend"].message
    assert diag["placebo_in_time"].status is Status.WARN
    assert res.verdict.status is Status.FAIL


def test_parallel_single_date_passes():
    d, _ = staggered_panel(units=300, periods=8, cohorts=(5,), seed=6)
    res = did(d, outcome="y", time="period", treatment="treated", unit="unit")
    assert res.estimates[0].method == "twfe" and len(res.estimates) == 1
    assert {x.name: x.status for x in res.diagnostics}["pretrend"] is Status.OK


def test_notyet_without_never_treated():
    d, _ = staggered_panel(units=200, periods=8, cohorts=(3, 5, 7), never_share=0.0, seed=7)
    with pytest.raises(DataError, match="never-treated") as err:
        did(d, outcome="y", time="period", treatment="treated", unit="unit")
    assert err.value.column == "treated"
    res = did(d, outcome="y", time="period", treatment="treated", unit="unit", control_group="notyet")
    assert res.estimate().method == "cs" and np.isfinite(res.estimate().se)


def test_bad_inputs(panel):
    unbalanced = panel.drop(index=panel.index[5])
    with pytest.raises(DataError) as err:
        did(unbalanced, outcome="y", time="period", treatment="treated", unit="unit")
    assert err.value.column == "unit" and "unbalanced" in str(err.value)
    switch = panel.copy()
    switch.loc[(switch["cohort"] == 3) & (switch["period"] == 8), "treated"] = 0
    with pytest.raises(DataError) as err:
        did(switch, outcome="y", time="period", treatment="treated", unit="unit")
    assert err.value.column == "treated" and "switches off" in str(err.value)
    nopre = panel.copy()
    nopre.loc[nopre["cohort"] == 3, "treated"] = 1
    with pytest.raises(DataError) as err:
        did(nopre, outcome="y", time="period", treatment="treated", unit="unit")
    assert err.value.column == "treated" and "no untreated period" in str(err.value)
    missing = panel.copy()
    missing.loc[3, "y"] = np.nan
    with pytest.raises(DataError) as err:
        did(missing, outcome="y", time="period", treatment="treated", unit="unit")
    assert err.value.column == "y"
    with pytest.raises(MethodError):
        did(panel, outcome="y", time="period", treatment="treated", unit="unit", method="sdid")
    with pytest.raises(MethodError):
        did(panel, outcome="y", time="period", treatment="treated")
    with pytest.raises(DataError):
        did(panel, outcome="nope", time="period", treatment="treated", unit="unit")


def test_drop_missing_counts_and_warns():
    d, _ = staggered_panel(units=120, periods=6, cohorts=(4,), seed=8)
    d = d.copy()
    d.loc[[2, 50], "y"] = np.nan
    res = did(d, outcome="y", time="period", treatment="treated", unit="unit", drop_missing=True)
    assert res.provenance.rows_dropped == {"missing y": 2}
    assert {x.name: x.status for x in res.diagnostics}["rows_dropped"] is Status.INFO


def test_dates_as_periods():
    d, _ = staggered_panel(units=120, periods=6, cohorts=(4,), seed=9)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(d["period"], unit="D")
    d = d.assign(day=day).drop(columns="period")
    res = did(d, outcome="y", time="day", treatment="treated", unit="unit")
    assert res.figure("series").data["marker"] == "2024-01-05"


def test_text_dates_must_be_iso_8601_not_guessed():
    import pandas as pd

    from truelift.errors import DataError
    from truelift.quasi.columns import read_periods

    iso = read_periods(pd.Series(["2024-03-04", "2024-04-03"]), "day")
    assert [d.month for d in iso] == [3, 4]
    with pytest.raises(DataError, match="column 'day': the period must be numeric or an ISO 8601"):
        read_periods(pd.Series(["03/04/2024", "04/03/2024"]), "day")  # March 4 or April 3?
