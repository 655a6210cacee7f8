"""Unit tests of truelift.quasi.iv (instrumental variables, 2SLS)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from truelift.datasets._quasi_rd_iv import encouragement
from truelift.errors import DataError
from truelift.quasi.iv import iv
from truelift.schema import Status

ROLES = dict(outcome="purchased", treatment="exposed", instrument="encouraged")


@pytest.fixture(scope="module")
def enc():
    return encouragement(20000, late=0.05, complier_share=0.4, seed=3)


def test_recovers_the_late_and_not_the_naive_difference(enc):
    data, truth = enc
    res = iv(data, **ROLES)
    assert res.design == "iv" and res.estimate().method == "2sls"
    lo, hi = res.estimate().ci
    assert lo <= truth.late <= hi
    assert not lo <= truth.naive <= hi  # the naive comparison is a different number
    stages = res.table("iv_stages").to_frame().set_index("stage")
    ols = stages.loc["OLS (naive)"]
    assert not ols["ci_low"] <= truth.late <= ols["ci_high"]  # negative control: OLS misses the LATE
    assert "compliers" in res.identification and "Imbens & Angrist 1994" in res.identification
    json.dumps(res.to_dict(), allow_nan=False)


def test_wald_ratio_and_complier_share(enc):
    """Binary instrument and treatment, no covariates: 2SLS = reduced form / first stage."""
    data, truth = enc
    res = iv(data, **ROLES)
    y, d, z = (data[c].to_numpy(float) for c in ("purchased", "exposed", "encouraged"))
    fs = d[z == 1].mean() - d[z == 0].mean()
    rf = y[z == 1].mean() - y[z == 0].mean()
    assert res.estimate().value == pytest.approx(rf / fs, abs=1e-10)
    assert res.estimates[1].value == pytest.approx(fs, abs=1e-10)
    assert res.estimates[2].value == pytest.approx(rf, abs=1e-10)
    share = (
        res.table("compliers").to_frame().set_index("quantity").loc["complier share (first stage)", "value"]
    )
    assert abs(share - truth.complier_share) < 4 * res.estimates[1].se
    # compliers' untreated mean: the generator's is 0.12
    assert abs(res.estimate().baseline - 0.12) < 0.03
    assert res.estimate().n_treated == int(d.sum())


def test_strong_instrument_passes(enc):
    data, _ = enc
    res = iv(data, **ROLES, covariates=["visits_before"])
    diag = next(d for d in res.diagnostics if d.name == "first_stage_f")
    assert diag.status is Status.OK and diag.value > 100
    assert res.verdict.status is Status.OK


def test_uncorrelated_instrument_fails_without_crashing(enc):
    data, _ = enc
    rng = np.random.default_rng(0)
    df = data.assign(coin=rng.integers(0, 2, len(data)))
    res = iv(df, outcome="purchased", treatment="exposed", instrument="coin")
    diag = next(d for d in res.diagnostics if d.name == "first_stage_f")
    assert diag.status is Status.FAIL and diag.value < 5
    assert "barely moves" in diag.message and "biased towards OLS" in diag.message
    assert res.verdict.status is Status.FAIL


def test_constant_instrument_is_a_data_error(enc):
    data, _ = enc
    with pytest.raises(DataError) as err:
        iv(data.assign(encouraged=1), **ROLES)
    assert err.value.column == "encouraged"


def test_missing_values_and_no_mutation(enc, capsys):
    data, _ = enc
    df = data.copy()
    df.loc[:9, "exposed"] = np.nan
    before = df.copy()
    with pytest.raises(DataError) as err:
        iv(df, **ROLES)
    assert err.value.column == "exposed"
    res = iv(df, **ROLES, drop_missing=True)
    pd.testing.assert_frame_equal(df, before)
    assert res.provenance.rows_dropped == {"missing exposed": 10}
    assert any(d.name == "rows_dropped" for d in res.diagnostics)
    assert capsys.readouterr().out == ""


def test_cluster_gives_crv1(enc):
    data, _ = enc
    df = data.assign(region=np.arange(len(data)) % 50)
    res = iv(df, **ROLES, cluster="region")
    assert res.estimate().se_kind == "crv1"
    assert res.estimate().pvalue == pytest.approx(res.estimate().pvalue)  # finite, in [0, 1]


def test_first_stage_figure(enc):
    data, _ = enc
    fig = iv(data, **ROLES).figure("first_stage")
    assert fig.kind == "bars" and len(fig.data["labels"]) == 2
    assert fig.data["values"][1] - fig.data["values"][0] == pytest.approx(
        data.loc[data.encouraged == 1, "exposed"].mean() - data.loc[data.encouraged == 0, "exposed"].mean()
    )
