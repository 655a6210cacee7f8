"""Outcome regression on arm designs that are not full rank: drop what is redundant, never crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from truelift.data import Roles, prepare
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence
from truelift.observational.regression import (
    ArmColumns,
    Regression,
    arm_columns,
    regression_influence,
    standardized_design,
)
from truelift.schema import Status

RNG0 = np.random.default_rng(0)


def _se(phi: np.ndarray) -> float:
    c = covariance_from_influence(phi)
    return float(np.sqrt(c[0, 0] + c[1, 1] - 2 * c[0, 1]))


def _table(seed: int = 1, n: int = 800, vip_treated: bool = True) -> pd.DataFrame:
    """x1, x2 and a segment whose level ``vip`` occurs only among the controls (or treated)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x1))).astype(int)
    seg = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2]).astype(object)
    in_arm = t == (1 if vip_treated else 0)
    vip = in_arm & (rng.random(n) < 0.15)
    seg[vip] = "vip"
    y = 1 + x1 + 0.5 * x2 + 0.7 * (seg == "b") + 2.0 * vip + t * (1 + 0.3 * x1) + rng.normal(size=n)
    return pd.DataFrame({"t": t, "y": y, "x1": x1, "x2": x2, "seg": seg})


def _prepared(df: pd.DataFrame):
    return prepare(df, Roles(treatment="t", outcomes=["y"], covariates=["x1", "x2", "seg"]))


def test_duplicated_column_gives_the_fit_without_it():
    data = _prepared(_table())
    design = standardized_design(data.x)
    dup = np.column_stack([design, 3.0 * design[:, 1] - 1.0])   # x1, shifted and scaled
    for estimand in ("ATE", "ATT", "ATC"):
        mu1, mu0, phi, _ = regression_influence(design, data.y["y"], data.t, estimand, "linear")
        d1, d0, dphi, _ = regression_influence(dup, data.y["y"], data.t, estimand, "linear")
        assert np.isfinite(_se(dphi)) and _se(dphi) > 0
        assert (d1, d0) == pytest.approx((mu1, mu0), rel=1e-10)
        assert _se(dphi) == pytest.approx(_se(phi), rel=1e-9)
    tb = data.t.astype(bool)
    assert arm_columns(dup, tb).collinear == (dup.shape[1] - 1,)
    assert arm_columns(dup, ~tb).collinear == (dup.shape[1] - 1,)


def test_duplicated_covariate_through_estimate_is_dropped_and_reported():
    data = prepare(_table(), Roles(treatment="t", outcomes=["y"], covariates=["x1", "x2"]))
    twin = data.with_covariate("x1_copy", data.x[:, 0].copy())
    base = Regression().estimate(data, estimand="ATE", level=0.95, propensity=None, rng=RNG0)
    fit = Regression().estimate(twin, estimand="ATE", level=0.95, propensity=None, rng=RNG0)
    assert fit.estimates[0].value == pytest.approx(base.estimates[0].value, rel=1e-10)
    assert fit.estimates[0].se == pytest.approx(base.estimates[0].se, rel=1e-9)
    assert fit.extra.treated == fit.extra.control == ("x1_copy",)
    assert {d.status for d in fit.diagnostics} == {Status.INFO}   # redundant everywhere


def test_level_absent_from_the_treated_arm_equals_fitting_that_arm_without_it():
    df = _table(vip_treated=False)
    data = _prepared(df)
    assert "seg=vip" in data.x_names
    j = data.x_names.index("seg=vip")
    design = standardized_design(data.x)
    without = np.delete(design, j + 1, axis=1)
    tb = data.t.astype(bool)
    assert arm_columns(design, tb).constant == (j + 1,)
    assert arm_columns(design, ~tb).dropped == ()
    y = data.y["y"]
    for estimand in ("ATE", "ATT", "ATC"):
        mu1, mu0, phi, _ = regression_influence(design, y, data.t, estimand, "linear")
        # treated model without the column, control model with it: each arm's own full-rank fit
        a1, _, aphi, _ = regression_influence(without, y, data.t, estimand, "linear")
        _, b0, bphi, _ = regression_influence(design, y, data.t, estimand, "linear",
                                              (ArmColumns(keep=tuple(range(without.shape[1]))),
                                               arm_columns(design, ~tb)))
        assert (mu1, mu0) == pytest.approx((a1, b0), rel=1e-10)
        ref = np.column_stack([aphi[:, 0], bphi[:, 1]])
        assert _se(phi) == pytest.approx(_se(ref), rel=1e-9)
        assert np.isfinite(_se(phi)) and _se(phi) > 0
    # the point estimate is also plain OLS predictions (statsmodels), arm by arm
    x_all = sm.add_constant(data.x)
    m1 = sm.OLS(y[tb], np.delete(x_all, j + 1, axis=1)[tb]).fit().predict(
        np.delete(x_all, j + 1, axis=1))
    m0 = sm.OLS(y[~tb], x_all[~tb]).fit().predict(x_all)
    ate = Regression().estimate(data, estimand="ATE", level=0.95, propensity=None, rng=RNG0)
    assert ate.estimates[0].value == pytest.approx(float(np.mean(m1 - m0)), rel=1e-10)


@pytest.mark.parametrize(("estimand", "status"),
                         [("ATE", Status.WARN), ("ATT", Status.INFO), ("ATC", Status.WARN)])
def test_dropped_level_warns_only_where_the_estimate_extrapolates(estimand, status):
    """vip units are all controls: the treated model knows nothing of them; the ATT needs it not."""
    data = _prepared(_table(vip_treated=False))
    fit = Regression().estimate(data, estimand=estimand, level=0.95, propensity=None, rng=RNG0)
    (diag,) = fit.diagnostics
    assert diag.name == "regression_dropped_columns_treated"
    assert diag.status == status
    assert "seg=vip" in diag.message
    assert fit.extra.treated == ("seg=vip",) and fit.extra.control == ()


def test_column_constant_everywhere_after_trimming_does_not_crash():
    """A level trimmed away leaves an all-zero standardized column: H was singular (LinAlgError)."""
    df = _table(vip_treated=True)
    data = _prepared(df)
    kept = data.subset(df["seg"].to_numpy() != "vip", "trimmed (crump)")
    reduced = _prepared(df[df["seg"] != "vip"].reset_index(drop=True))
    fit = Regression().estimate(kept, estimand="ATE", level=0.95, propensity=None, rng=RNG0)
    ref = Regression().estimate(reduced, estimand="ATE", level=0.95, propensity=None, rng=RNG0)
    assert fit.estimates[0].value == pytest.approx(ref.estimates[0].value, rel=1e-10)
    assert fit.estimates[0].se == pytest.approx(ref.estimates[0].se, rel=1e-9)
    assert fit.extra.treated == fit.extra.control == ("seg=vip",)


def test_logistic_outcome_with_rank_deficient_arm_is_finite():
    df = _table(vip_treated=False)
    df["buy"] = (df["y"] > df["y"].median()).astype(int)
    data = prepare(df, Roles(treatment="t", outcomes=["buy"], covariates=["x1", "x2", "seg"]))
    est = Regression().estimate(data, estimand="ATE", level=0.95, propensity=None,
                                rng=RNG0).estimates[0]
    assert np.isfinite(est.value) and np.isfinite(est.se) and est.se > 0


def test_arm_with_no_more_rows_than_parameters_raises_method_error():
    rng = np.random.default_rng(2)
    n0, n1, p = 60, 10, 12
    x = rng.normal(size=(n0 + n1, p))
    df = pd.DataFrame(x, columns=[f"x{k}" for k in range(p)])
    df["t"] = np.r_[np.zeros(n0, int), np.ones(n1, int)]
    df["y"] = x[:, 0] + rng.normal(size=n0 + n1)
    data = prepare(df, Roles(treatment="t", outcomes=["y"], covariates=list(df.columns[:p])))
    with pytest.raises(MethodError) as err:
        Regression().estimate(data, estimand="ATE", level=0.95, propensity=None, rng=RNG0)
    msg = str(err.value)
    assert "\n" not in msg and "treated arm has 10 rows for 13 model parameters (10 estimable" in msg
