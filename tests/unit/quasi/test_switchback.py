"""Unit and reference tests of truelift.quasi.switchback and its generator."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._quasi_switchback import switchback_orders
from truelift.errors import DataError, MethodError
from truelift.quasi.switchback import switchback

KW = dict(outcome="orders", time="time", treatment="treatment")


@pytest.fixture(scope="module")
def carry():
    """Strong carryover (the whole first 2 periods of a 4-period slice answer to the previous arm)."""
    return switchback_orders(days=7, carryover=1.0, carryover_periods=2, noise_sd=1.0, seed=3)


@pytest.fixture(scope="module")
def clean():
    return switchback_orders(days=7, carryover=0.0, seed=4)


# --- reference: same numbers as statsmodels / pyfixest on the same rows ---------------------------


def _kept_rows(data: pd.DataFrame, washout: int, L: int = 4) -> pd.DataFrame:
    """Rows kept by a washout, recomputed by hand from the generator's slice column."""
    arms = data.groupby("slice")["treatment"].first()
    switch = arms != arms.shift()
    switch.iloc[0] = False
    pos = np.arange(len(data)) % L  # the generator's slices are blocks of L periods
    drop = data["slice"].map(switch).to_numpy() & (pos < washout)
    return data.loc[~drop].reset_index(drop=True)


def test_estimate_and_crv1_se_equal_statsmodels_cluster_ols(carry):
    # statsmodels OLS, cov_type="cluster" (default small-sample correction G/(G-1) (N-1)/(N-K), the
    # same CRV1 as pyfixest), on the rows kept by hand; tolerance 1e-8 (two independent
    # implementations of the same closed form, differences are rounding only).
    import statsmodels.formula.api as smf

    data = carry.data.assign(z=lambda d: np.cos(d["hour"]))
    res = switchback(data, **KW, slice="slice", washout=2, covariates=("z",))
    kept = _kept_rows(data, 2)
    ref = smf.ols("orders ~ treatment + z", kept).fit(cov_type="cluster",
                                                       cov_kwds={"groups": kept["slice"]})
    est = res.estimate()
    assert est.value == pytest.approx(ref.params["treatment"], abs=1e-8)
    assert est.se == pytest.approx(ref.bse["treatment"], abs=1e-8)
    assert res.provenance.rows_used == len(kept)


def test_estimate_and_se_equal_statsmodels_dummies_and_pyfixest_with_hour_fixed_effects(carry):
    # Hour fixed effects: statsmodels OLS with hour dummies (cluster by slice) and pyfixest feols
    # with the hour absorbed, CRV1 by slice, singletons kept (fixef_rm="none": the washout leaves
    # one hour with a single row; dropping it changes N - K and the SE by 0.4%, not the estimate).
    # Tolerance 1e-8; p-value with t(G-1) as fixest.
    import pyfixest as pf
    import statsmodels.formula.api as smf

    res = switchback(carry.data, **KW, slice="slice", washout=1, fixed_effects=("hour",))
    kept = _kept_rows(carry.data, 1)
    ref = smf.ols("orders ~ treatment + C(hour)", kept).fit(cov_type="cluster",
                                                             cov_kwds={"groups": kept["slice"]})
    assert res.estimate().value == pytest.approx(ref.params["treatment"], abs=1e-8)
    assert res.estimate().se == pytest.approx(ref.bse["treatment"], abs=1e-8)
    fit = pf.feols("orders ~ treatment | hour", kept, vcov={"CRV1": "slice"}, fixef_rm="none")
    assert res.estimate().value == pytest.approx(fit.coef()["treatment"], abs=1e-8)
    assert res.estimate().se == pytest.approx(fit.se()["treatment"], abs=1e-8)
    assert res.estimate().pvalue == pytest.approx(fit.pvalue()["treatment"], abs=1e-8)


# --- washout -----------------------------------------------------------------------------------


def test_washout_rows_are_counted_and_reported(carry):
    data = carry.data
    res = switchback(data, **KW, periods_per_slice=4, washout=2)
    n_drop = len(data) - len(_kept_rows(data, 2))
    assert n_drop > 0
    assert res.provenance.rows_dropped == {"washout": n_drop}
    assert res.provenance.rows_used == len(data) - n_drop
    diag = {d.name: d for d in res.diagnostics}["washout_dropped"]
    assert diag.value == n_drop and str(n_drop) in diag.message
    t = res.table("washout").to_frame()
    assert list(t["rows"]) == [len(data) - n_drop, len(data)]
    assert [e.method for e in res.estimates] == ["switchback", "switchback_no_washout"]


def test_slice_column_blocks_and_runs_agree_when_no_run_merges():
    # runs of constant treatment equal the slices when the arms alternate; blocks when L is given
    data, _ = switchback_orders(days=7, seed=5)
    alt = data.assign(treatment=(data["slice"] % 2).astype(int))
    a = switchback(alt, **KW, slice="slice", washout=1)
    b = switchback(alt, **KW, periods_per_slice=4, washout=1)
    c = switchback(alt, **KW, washout=1)
    assert a.estimate().value == pytest.approx(b.estimate().value, abs=1e-12)
    assert a.estimate().value == pytest.approx(c.estimate().value, abs=1e-12)
    assert a.estimate().se == pytest.approx(c.estimate().se, abs=1e-12)


def test_timedelta_washout_equals_periods_on_hourly_data(carry):
    a = switchback(carry.data, **KW, slice="slice", washout=2)
    b = switchback(carry.data, **KW, slice="slice", washout=dt.timedelta(hours=2))
    assert a.estimate().value == pytest.approx(b.estimate().value, abs=1e-12)
    assert a.provenance.rows_dropped == b.provenance.rows_dropped


def test_washout_removes_the_carryover_bias_on_one_strong_example(carry):
    # negative control on one seeded draw: truth 2, carryover bias without washout about -1,
    # noise small (se about 0.2), so the no-washout CI misses the truth and the washout one does not
    res = switchback(carry.data, **KW, slice="slice", washout=2, fixed_effects=("hour",))
    head, raw = res.estimates
    truth = carry.truth.effect
    assert head.ci[0] <= truth <= head.ci[1]
    assert not raw.ci[0] <= truth <= raw.ci[1]
    bars = res.figure("effect_by_washout").data
    assert bars["labels"][0] == "0" and bars["values"][0] == pytest.approx(raw.value)
    assert bars["values"][2] == pytest.approx(head.value)


# --- diagnostics -------------------------------------------------------------------------------


def test_carryover_warns_without_washout_and_not_after_it(carry, clean):
    fe = ("hour",)
    diag = {d.name: d for d in switchback(carry.data, **KW, slice="slice", fixed_effects=fe).diagnostics}
    assert diag["carryover"].status == "warn"
    assert "lengthen the washout" in diag["carryover"].message
    diag = {d.name: d for d in switchback(carry.data, **KW, slice="slice", washout=2,
                                          fixed_effects=fe).diagnostics}
    assert diag["carryover"].status == "ok"
    diag = {d.name: d for d in switchback(clean.data, **KW, slice="slice", fixed_effects=fe).diagnostics}
    assert diag["carryover"].status == "ok"


def test_alternating_runs_use_the_first_kept_period_for_the_carryover_test(carry):
    res = switchback(carry.data, **KW, fixed_effects=("hour",))  # runs: every slice follows a switch
    t = res.table("carryover").to_frame()
    assert len(t) == 3 and "first period" in t["term"].iloc[2]
    assert {d.name: d for d in res.diagnostics}["carryover"].status == "warn"


def test_few_slices_and_unbalanced_slices_warn():
    data, _ = switchback_orders(days=1, periods_per_slice=3, seed=1)  # 8 slices
    res = switchback(data, **KW, slice="slice")
    diag = {d.name: d for d in res.diagnostics}
    assert diag["slices_per_arm"].status == "warn"
    assert res.verdict.status == "warn"
    data, _ = switchback_orders(days=14, p_treat=0.85, seed=1)
    diag = {d.name: d for d in switchback(data, **KW, slice="slice").diagnostics}
    assert diag["slice_balance"].status == "warn" and diag["slice_balance"].value < 0.01


def test_clean_data_passes(clean):
    res = switchback(clean.data, **KW, slice="slice", washout=1, fixed_effects=("hour",))
    assert res.verdict.status == "ok", res.verdict.reasons


# --- units -------------------------------------------------------------------------------------


def test_shared_schedule_clusters_on_slices_and_own_schedules_on_unit_slices():
    shared, truth = switchback_orders(days=7, cities=3, seed=6)
    res = switchback(shared, **KW, unit="city", slice="slice", washout=1)
    assert res.estimate().n == truth.n_slices
    assert "shares the arm" in res.notes[0]
    own, truth = switchback_orders(days=7, cities=3, independent_cities=True, seed=6)
    res = switchback(own, **KW, unit="city", slice="slice", washout=1)
    assert res.estimate().n == 3 * truth.n_slices
    assert "own schedule" in res.notes[0]
    assert res.figure("outcome_by_slice").kind == "series"


# --- contract-style properties -----------------------------------------------------------------


def test_no_mutation_row_order_and_sign_flip(clean):
    data = clean.data
    before = data.copy()
    a = switchback(data, **KW, slice="slice", washout=1)
    pd.testing.assert_frame_equal(data, before)
    shuffled = data.sample(frac=1.0, random_state=0)
    b = switchback(shuffled, **KW, slice="slice", washout=1)
    assert b.estimate().value == pytest.approx(a.estimate().value, abs=1e-10)
    assert b.estimate().se == pytest.approx(a.estimate().se, abs=1e-10)
    flipped = data.assign(treatment=1 - data["treatment"])
    c = switchback(flipped, **KW, slice="slice", washout=1)
    assert c.estimate().value == pytest.approx(-a.estimate().value, abs=1e-10)
    assert c.estimate().se == pytest.approx(a.estimate().se, abs=1e-10)


def test_result_shape_and_json(clean):
    res = switchback(clean.data, **KW, slice="slice", washout=1)
    assert res.design == "switchback" and res.estimate().se_kind == "crv1"
    assert {t.name for t in res.tables} == {"washout", "carryover", "arms"}
    fig = res.figure("outcome_by_slice")
    assert set(fig.data["lines"]) == {"treatment", "control"}
    assert len(fig.data["x"]) == clean.truth.n_slices
    assert res.figure("effect_by_washout").kind == "bars"
    assert "Bojinov" in res.identification
    assert '"design": "switchback"' in res.to_json()


# --- bad input ---------------------------------------------------------------------------------


def test_treatment_not_constant_within_slice_names_the_treatment(clean):
    bad = clean.data.copy()
    bad.loc[1, "treatment"] = 1 - bad.loc[1, "treatment"]
    with pytest.raises(DataError) as err:
        switchback(bad, **KW, slice="slice")
    assert err.value.column == "treatment" and "\n" not in str(err.value)


def test_fewer_than_two_slices_per_arm(clean):
    one = clean.data.assign(treatment=(clean.data["slice"] == 5).astype(int))
    with pytest.raises(DataError, match="at least 2 slices per arm"):
        switchback(one, **KW, slice="slice")


def test_washout_as_long_as_the_slices(clean):
    with pytest.raises(DataError, match="shorten the washout"):
        switchback(clean.data, **KW, slice="slice", washout=4)


def test_bad_settings_and_missing_values(clean):
    with pytest.raises(MethodError):
        switchback(clean.data, **KW, washout=-1)
    with pytest.raises(MethodError):
        switchback(clean.data, **KW, slice="slice", periods_per_slice=4)
    with pytest.raises(MethodError):
        switchback(clean.data.assign(time=np.arange(len(clean.data))), **KW,
                   washout=dt.timedelta(hours=1))
    holes = clean.data.copy()
    holes.loc[[3, 40], "orders"] = np.nan
    with pytest.raises(DataError) as err:
        switchback(holes, **KW, slice="slice")
    assert err.value.column == "orders"
    res = switchback(holes, **KW, slice="slice", drop_missing=True)
    assert res.provenance.rows_dropped == {"missing orders": 2}
    assert {d.name: d for d in res.diagnostics}["rows_dropped"].status == "info"


# --- the generator -----------------------------------------------------------------------------


def test_generator_truth_and_shape():
    data, truth = switchback_orders(days=2, periods_per_slice=4, carryover=0.5, carryover_periods=1,
                                    seed=0)
    assert len(data) == 48 and truth.n_slices == 12
    assert truth.approx_bias_no_washout == pytest.approx(-2.0 * 0.5 * 1 / 4)
    assert (data.groupby("slice")["treatment"].nunique() == 1).all()
    again, _ = switchback_orders(days=2, periods_per_slice=4, carryover=0.5, carryover_periods=1, seed=0)
    pd.testing.assert_frame_equal(data, again)
    with pytest.raises(ValueError):
        switchback_orders(carryover=1.5)
