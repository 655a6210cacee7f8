"""RD and IV against their references: rdrobust / rddensity called directly, pyfixest, a numpy 2SLS,
and the published close-elections jump (Lee, Moretti & Butler 2004).

Tolerances: the same computation done by the same library -> 1e-10 (RD); pyfixest and an
independent numpy 2SLS -> 1e-8 on the point and 1e-6 on the standard error (float round-off of two
different linear-algebra paths).
"""

from __future__ import annotations

import numpy as np
import pytest

from truelift.datasets._quasi_rd_iv import close_elections, encouragement, rd_data
from truelift.quasi.iv import iv
from truelift.quasi.rd import local_fit, rd


def _direct(y, x, **kw):
    import contextlib
    import io

    from rdrobust import rdrobust

    with contextlib.redirect_stdout(io.StringIO()):
        return rdrobust(y, x, **kw)


@pytest.mark.parametrize("case", ["sharp", "fuzzy", "covariates", "given_h_uniform", "p2_epanechnikov"])
def test_rd_equals_rdrobust(case):
    fuzzy = case == "fuzzy"
    data, _ = rd_data(1500, effect=0.1, fuzzy=fuzzy, seed=21)
    y, x = data["y"].to_numpy(), data["x"].to_numpy()
    kw: dict = {"c": 0.0}
    args: dict = {}
    if fuzzy:
        kw["fuzzy"] = data["treated"].to_numpy(float)
        args["treatment"] = "treated"
    if case == "covariates":
        kw["covs"] = data[["age"]].to_numpy()
        args["covariates"] = ["age"]
    if case == "given_h_uniform":
        kw.update(h=0.25, kernel="uni")
        args.update(bandwidth=0.25, kernel="uniform")
    if case == "p2_epanechnikov":
        kw.update(p=2, kernel="epa")
        args.update(p=2, kernel="epanechnikov")
    ref = _direct(y, x, **kw)
    res = rd(data, outcome="y", running="x", cutoff=0.0, **args)
    e = res.estimate()
    assert e.value == pytest.approx(float(ref.coef.iloc[0, 0]), abs=1e-10)
    assert e.se == pytest.approx(float(ref.se.iloc[2, 0]), abs=1e-10)
    assert e.ci[0] == pytest.approx(float(ref.ci.iloc[2, 0]), abs=1e-10)
    assert e.ci[1] == pytest.approx(float(ref.ci.iloc[2, 1]), abs=1e-10)
    assert e.pvalue == pytest.approx(float(ref.pv.iloc[2, 0]), abs=1e-10)
    assert (e.n_control, e.n_treated) == (int(ref.N_h[0]), int(ref.N_h[1]))
    table = res.table("rd_estimates").to_frame()
    np.testing.assert_allclose(table["value"].to_numpy()[:3], ref.coef.iloc[:, 0].to_numpy(), atol=1e-10)
    np.testing.assert_allclose(table["se"].to_numpy()[:3], ref.se.iloc[:, 0].to_numpy(), atol=1e-10)
    if fuzzy:
        assert res.estimates[1].value == pytest.approx(float(ref.tau_T.iloc[0, 0]), abs=1e-10)
    if case in ("sharp", "given_h_uniform", "p2_epanechnikov"):
        # the figure's local fits are rdrobust's conventional fits
        h = float(ref.bws.iloc[0, 0])
        p = kw.get("p", 1)
        kernel = args.get("kernel", "triangular")
        np.testing.assert_allclose(
            local_fit(x, y, 0.0, h, p, kernel, "left"), ref.beta_p_l.ravel(), atol=1e-8
        )
        np.testing.assert_allclose(
            local_fit(x, y, 0.0, h, p, kernel, "right"), ref.beta_p_r.ravel(), atol=1e-8
        )


def test_density_and_balance_equal_the_direct_calls():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rddensity import rddensity

    data, _ = rd_data(1500, effect=0.1, manipulation=True, seed=8)
    x = data["x"].to_numpy()
    res = rd(data, outcome="y", running="x", cutoff=0.0, covariates=["age"])
    dens = next(d for d in res.diagnostics if d.name == "density_test")
    assert dens.value == pytest.approx(float(rddensity(x, c=0.0, bino_flag=False).test["p_jk"]), abs=1e-12)
    ref = _direct(data["age"].to_numpy(), x, c=0.0)
    row = res.table("covariate_balance").to_frame().iloc[0]
    assert row["jump"] == pytest.approx(float(ref.coef.iloc[0, 0]), abs=1e-10)
    assert row["p_value"] == pytest.approx(float(ref.pv.iloc[2, 0]), abs=1e-10)


def _tsls_numpy(y, d, z, w, cluster=None):
    """2SLS by hand: beta = (Xh'X)^-1 Xh'y with Xh = P_Z X; HC1 or CRV1 sandwich with pyfixest's
    small-sample factors (HC1: n/(n-k); CRV1: G/(G-1) (n-1)/(n-k))."""
    n = len(y)
    X = np.column_stack([np.ones(n), *w, d])
    Z = np.column_stack([np.ones(n), *w, z])
    Xh = Z @ np.linalg.solve(Z.T @ Z, Z.T @ X)
    beta = np.linalg.solve(Xh.T @ X, Xh.T @ y)
    u = y - X @ beta
    bread = np.linalg.inv(Xh.T @ Xh)
    k = X.shape[1]
    if cluster is None:
        meat = (Xh * u[:, None] ** 2).T @ Xh
        v = bread @ meat @ bread * n / (n - k)
    else:
        groups = np.unique(cluster)
        scores = np.stack([(Xh[cluster == g] * u[cluster == g, None]).sum(0) for g in groups])
        g = len(groups)
        v = bread @ (scores.T @ scores) @ bread * g / (g - 1) * (n - 1) / (n - k)
    return beta[-1], float(np.sqrt(v[-1, -1]))


@pytest.mark.parametrize("clustered", [False, True])
def test_iv_equals_pyfixest_and_numpy(clustered):
    import pyfixest as pf

    data, _ = encouragement(4000, late=0.08, complier_share=0.5, seed=12)
    df = data.assign(region=np.arange(len(data)) % 40)
    res = iv(
        df,
        outcome="purchased",
        treatment="exposed",
        instrument="encouraged",
        covariates=["visits_before"],
        cluster="region" if clustered else None,
    )
    ref = pf.feols(
        "purchased ~ 1 + visits_before | exposed ~ encouraged",
        data=df,
        vcov={"CRV1": "region"} if clustered else "hetero",
    )
    assert res.estimate().value == pytest.approx(float(ref.coef()["exposed"]), abs=1e-8)
    assert res.estimate().se == pytest.approx(float(ref.se()["exposed"]), abs=1e-6)
    assert res.estimate().ci[0] == pytest.approx(float(ref.confint().loc["exposed"].iloc[0]), abs=1e-6)
    value, se = _tsls_numpy(
        df["purchased"].to_numpy(float),
        df["exposed"].to_numpy(float),
        df["encouraged"].to_numpy(float),
        [df["visits_before"].to_numpy(float)],
        df["region"].to_numpy() if clustered else None,
    )
    assert res.estimate().value == pytest.approx(value, abs=1e-8)
    assert res.estimate().se == pytest.approx(se, abs=1e-6)


def test_close_elections_jump_matches_the_published_estimate():
    """Lee, Moretti & Butler (2004), Table I: a Democratic win raises the representative's ADA score
    by 47.6 points (s.e. 1.3) in close elections (|vote share - 0.5| < 0.02); the Mixtape (Cunningham
    2021, ch. 6) replicates it as 47.7 with ``reg score democrat if ...``. The local-linear RD on
    the full sample with the MSE-optimal bandwidth must land within 2 published standard errors
    (2.6 points) of 47.6 and its robust interval must contain 47.6. The density of the vote share
    is continuous at 0.5 (no manipulation in House elections of 1946-1995).
    """
    data = close_elections()
    res = rd(data, outcome="score", running="demvoteshare", cutoff=0.5, drop_missing=True)
    assert abs(res.estimate().value - 47.6) < 2 * 1.3
    assert res.estimate().ci[0] <= 47.6 <= res.estimate().ci[1]
    assert res.provenance.rows_dropped == {"missing demvoteshare": 11}
    assert next(d for d in res.diagnostics if d.name == "density_test").value > 0.05
    # the next election's score (the "affect vs elect" test): about 21 points in the paper (21.2, s.e. 1.9)
    nxt = rd(data, outcome="score", running="lagdemvoteshare", cutoff=0.5, drop_missing=True)
    assert abs(nxt.estimate().value - 21.2) < 2 * 1.9
