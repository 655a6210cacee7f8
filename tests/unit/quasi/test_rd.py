"""Unit tests of truelift.quasi.rd (regression discontinuity)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._quasi_rd_iv import rd_data
from truelift.errors import DataError, MethodError
from truelift.quasi.rd import local_fit, rd
from truelift.quasi.result import QuasiAnalysis
from truelift.schema import Status


@pytest.fixture(scope="module")
def sharp():
    return rd_data(2000, effect=0.1, seed=11)


def test_sharp_returns_a_complete_analysis(sharp):
    data, truth = sharp
    res = rd(data, outcome="y", running="x", cutoff=0.0)
    assert isinstance(res, QuasiAnalysis) and res.design == "rd"
    e = res.estimate()
    assert e.se_kind == "robust_bias_corrected" and e.se > 0
    assert e.ci[0] <= truth.effect <= e.ci[1]
    bw = res.table("rd_bandwidth").to_frame()
    assert (e.n_control, e.n_treated) == tuple(bw["n_effective"])
    assert {d.name for d in res.diagnostics} == {"density_test"}
    assert res.verdict.status is Status.OK
    json.dumps(res.to_dict(), allow_nan=False)


def test_limits_are_the_local_fits_at_the_cutoff(sharp):
    """baseline = fitted limit from the left, mean_treated = limit from the right (no covariates)."""
    data, _ = sharp
    res = rd(data, outcome="y", running="x", cutoff=0.0)
    h = res.table("rd_bandwidth").to_frame()["h"]
    x, y = data["x"].to_numpy(), data["y"].to_numpy()
    left = local_fit(x, y, 0.0, h[0], 1, "triangular", "left")[0]
    right = local_fit(x, y, 0.0, h[1], 1, "triangular", "right")[0]
    assert res.estimate().baseline == pytest.approx(left, abs=1e-9)
    assert res.estimate().mean_treated == pytest.approx(right, abs=1e-9)
    assert res.estimate().value == pytest.approx(right - left, abs=1e-9)


def test_figures_hold_binned_means_and_fits(sharp):
    data, _ = sharp
    res = rd(data, outcome="y", running="x", cutoff=0.0)
    fig = res.figure("rd_plot")
    assert fig.kind == "rd" and fig.data["cutoff"] == 0.0
    xs = np.array(fig.data["x"])
    assert 1 <= (xs < 0).sum() <= 20 and 1 <= (xs >= 0).sum() <= 20
    # every bin mean is a mean of the data in its bin: counts add up to the rows in the plotted range
    lo, hi = fig.data["fit_x"]["left"][0], fig.data["fit_x"]["right"][-1]
    assert lo < 0 < hi
    jump = fig.data["fit_y"]["right"][0] - fig.data["fit_y"]["left"][-1]
    assert jump == pytest.approx(res.estimate().value)
    hist = res.figure("running_histogram")
    assert hist.kind == "histogram"
    assert len(hist.data["edges"]) == len(hist.data["counts"]) + 1
    assert 0.0 in hist.data["edges"]
    e = np.array(hist.data["edges"])
    x = data["x"].to_numpy()
    assert sum(hist.data["counts"]) == int(((x >= e[0]) & (x <= e[-1])).sum())
    assert sum(fig.data["count"]) == int(((x >= e[0]) & (x <= e[-1])).sum())


def test_does_not_mutate_or_print(sharp, capsys):
    data, _ = sharp
    before = data.copy()
    rd(data, outcome="y", running="x", cutoff=0.0, covariates=["age"])
    pd.testing.assert_frame_equal(data, before)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_cutoff_outside_the_range_names_the_running_column(sharp):
    data, _ = sharp
    with pytest.raises(DataError) as err:
        rd(data, outcome="y", running="x", cutoff=5.0)
    assert err.value.column == "x" and "outside" in str(err.value)


def test_too_few_rows_on_one_side():
    data, _ = rd_data(500, effect=0.1, seed=1)
    cut = float(np.sort(data["x"])[-10])  # only 10 rows at or above the cutoff
    with pytest.raises(DataError) as err:
        rd(data, outcome="y", running="x", cutoff=cut)
    assert err.value.column == "x"


def test_manipulation_is_flagged_and_its_absence_is_not():
    manipulated, _ = rd_data(3000, effect=0.1, manipulation=True, seed=5)
    res = rd(manipulated, outcome="y", running="x", cutoff=0.0)
    dens = next(d for d in res.diagnostics if d.name == "density_test")
    assert dens.status in (Status.WARN, Status.FAIL) and dens.value < 0.05
    assert "manipulated" in dens.message and res.verdict.status is not Status.OK
    clean, _ = rd_data(3000, effect=0.1, seed=5)  # negative control
    dens = next(
        d for d in rd(clean, outcome="y", running="x", cutoff=0.0).diagnostics if d.name == "density_test"
    )
    assert dens.status is Status.OK


def test_covariate_balance_flags_a_jumping_covariate(sharp):
    data, _ = sharp
    df = data.assign(jumps=data["age"] + 15.0 * (data["x"] >= 0))
    res = rd(df, outcome="y", running="x", cutoff=0.0, covariates=["age", "jumps"])
    bal = res.table("covariate_balance").to_frame().set_index("covariate")
    assert bal.loc["jumps", "p_value_holm"] < 0.05 <= bal.loc["age", "p_value_holm"]
    diag = next(d for d in res.diagnostics if d.name == "covariate_balance")
    assert diag.status is Status.WARN and "'jumps'" in diag.message


def test_fuzzy_design_reports_the_first_stage():
    data, truth = rd_data(3000, effect=0.1, fuzzy=True, seed=2)
    res = rd(data, outcome="y", running="x", cutoff=0.0, treatment="treated")
    assert res.estimate().method == "rd_fuzzy" and "LATE" in res.estimate().estimand
    fs = res.estimates[1]
    assert fs.outcome == "treated" and fs.ci[0] <= truth.first_stage <= fs.ci[1]
    diag = next(d for d in res.diagnostics if d.name == "first_stage_f")
    assert diag.status is Status.OK
    assert res.estimate().baseline + res.estimate().value == pytest.approx(res.estimate().mean_treated)


def test_fuzzy_with_a_weak_first_stage_warns():
    rng = np.random.default_rng(4)
    data, _ = rd_data(2000, effect=0.1, seed=4)
    df = data.assign(treated=(rng.uniform(size=len(data)) < 0.3 + 0.03 * (data["x"] >= 0)).astype(int))
    res = rd(df, outcome="y", running="x", cutoff=0.0, treatment="treated")
    diag = next(d for d in res.diagnostics if d.name == "first_stage_f")
    assert diag.status in (Status.WARN, Status.FAIL) and "barely moves" in diag.message


def test_missing_values_fail_or_are_dropped_and_counted(sharp):
    data, _ = sharp
    df = data.copy()
    df.loc[:4, "y"] = np.nan
    with pytest.raises(DataError) as err:
        rd(df, outcome="y", running="x", cutoff=0.0)
    assert err.value.column == "y"
    res = rd(df, outcome="y", running="x", cutoff=0.0, drop_missing=True)
    assert res.provenance.rows_dropped == {"missing y": 5}
    assert res.provenance.rows_used == len(df) - 5
    assert any(d.name == "rows_dropped" and d.status is Status.INFO for d in res.diagnostics)


def test_bad_settings_raise_method_error(sharp):
    data, _ = sharp
    with pytest.raises(MethodError):
        rd(data, outcome="y", running="x", cutoff=0.0, kernel="gaussian")
    with pytest.raises(MethodError):
        rd(data, outcome="y", running="x", cutoff=0.0, p=-1)
    with pytest.raises(MethodError):
        rd(data, outcome="y", running="x", cutoff=0.0, bandwidth=-0.2)
    with pytest.raises(DataError):
        rd(data.assign(x=data["x"].astype(str) + "a"), outcome="y", running="x", cutoff=0.0)


def test_given_bandwidth_and_kernel_are_used(sharp):
    data, _ = sharp
    res = rd(data, outcome="y", running="x", cutoff=0.0, bandwidth=0.3, kernel="uniform")
    bw = res.table("rd_bandwidth").to_frame()
    assert list(bw["h"]) == [0.3, 0.3] and list(bw["b"]) == [0.3, 0.3]
    x = data["x"].to_numpy()
    assert res.estimate().n_control == int(((x < 0) & (x >= -0.3)).sum())


def test_cluster_runs(sharp):
    data, _truth = sharp
    df = data.assign(g=np.arange(len(data)) % 80)
    res = rd(df, outcome="y", running="x", cutoff=0.0, cluster="g")
    assert res.estimate().se > 0 and res.provenance.parameters["cluster"] == "g"
