"""One battery over every registered observational method (DESIGN.md, tests/contract).

Each method must: return an Estimate per outcome with a finite se > 0 and an interval holding
the value; leave its input untouched; give the same result for the same seed; not depend on
row order; flip sign when the arms are swapped (ATT <-> -ATC, ATE <-> -ATE); scale value and se
with the outcome; and raise DataError (never anything else) on a constant treatment or an
all-missing outcome. Cross-fitted AIPW assigns folds from the seed and the row positions, so
for it row order and arm swapping are checked exactly without cross-fitting (folds=1) and to a
quarter of a standard error with it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import truelift as tl
from truelift.data import Roles, prepare
from truelift.errors import DataError
from truelift.observational.aipw import AIPW
from truelift.observational.analysis import METHODS
from truelift.observational.propensity import LogisticPropensity

COVS = ["engagement_score", "past_purchases", "account_age_days", "device_type"]
EXACT = [cls() for cls in METHODS.values() if cls is not AIPW] + [AIPW(folds=1)]
ALL = [*EXACT, AIPW()]


def _ids(m):
    return f"{m.name}-folds{getattr(m, 'folds', '')}"


def _run(method, df, estimand="ATT", seed=0, treatment="received_personalization"):
    data = prepare(df, Roles(treatment=treatment, outcomes=["made_purchase", "revenue"],
                             covariates=COVS))
    ps = LogisticPropensity().fit(data.x, data.t)
    return method.estimate(data, estimand=estimand, level=0.95, propensity=ps,
                           rng=np.random.default_rng(seed))


@pytest.fixture(scope="module")
def df():
    return tl.datasets.personalization(1_500, seed=7).data


@pytest.mark.parametrize("method", ALL, ids=_ids)
def test_returns_complete_estimates(method, df):
    fit = _run(method, df)
    assert [e.outcome for e in fit.estimates] == ["made_purchase", "revenue"]
    for e in fit.estimates:
        assert isinstance(e, tl.Estimate)
        assert math.isfinite(e.se) and e.se > 0
        assert e.ci[0] <= e.value <= e.ci[1]
        assert e.method == method.name and e.estimand == ("ATO" if method.name == "overlap" else "ATT")
        assert e.n_treated > 0 and e.n_control > 0


@pytest.mark.parametrize("method", ALL, ids=_ids)
def test_does_not_mutate_input_and_is_reproducible(method, df):
    before = df.copy(deep=True)
    a = _run(method, df, seed=3)
    b = _run(method, df, seed=3)
    pd.testing.assert_frame_equal(df, before)
    assert [e.to_dict() for e in a.estimates] == [e.to_dict() for e in b.estimates]


@pytest.mark.parametrize("method", ALL, ids=_ids)
def test_invariant_to_row_order(method, df):
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    a, b = _run(method, df).estimates[0], _run(method, shuffled).estimates[0]
    if method in EXACT:
        assert b.value == pytest.approx(a.value, rel=1e-9, abs=1e-12)
        assert b.se == pytest.approx(a.se, rel=1e-9)
    else:
        assert abs(b.value - a.value) < 0.25 * a.se


@pytest.mark.parametrize("method", ALL, ids=_ids)
def test_swapping_arms_flips_the_sign(method, df):
    swapped = df.assign(received_personalization=1 - df.received_personalization)
    att = _run(method, df, "ATT").estimates[0]
    atc_swapped = _run(method, swapped, "ATC").estimates[0]
    ate = _run(method, df, "ATE").estimates[0]
    ate_swapped = _run(method, swapped, "ATE").estimates[0]
    if method in EXACT:
        assert atc_swapped.value == pytest.approx(-att.value, rel=1e-8, abs=1e-12)
        assert atc_swapped.se == pytest.approx(att.se, rel=1e-8)
        assert ate_swapped.value == pytest.approx(-ate.value, rel=1e-8, abs=1e-12)
    else:
        assert abs(atc_swapped.value + att.value) < 0.25 * att.se
        assert abs(ate_swapped.value + ate.value) < 0.25 * ate.se


@pytest.mark.parametrize("method", ALL, ids=_ids)
def test_scaling_the_outcome_scales_value_and_se(method, df):
    scaled = df.assign(revenue=df.revenue * 100.0)
    a, b = _run(method, df).estimates[1], _run(method, scaled).estimates[1]
    assert b.value == pytest.approx(100 * a.value, rel=1e-7)
    assert b.se == pytest.approx(100 * a.se, rel=1e-7)


@pytest.mark.parametrize("method", ALL, ids=_ids)
def test_constant_treatment_or_missing_outcome_raise_data_error(method, df):
    with pytest.raises(DataError):
        _run(method, df.assign(received_personalization=1))
    with pytest.raises(DataError):
        _run(method, df.assign(made_purchase=np.nan))


@pytest.mark.parametrize("with_id", [True, False], ids=["id", "no-id"])
def test_observe_is_invariant_to_row_order(df, with_id):
    """Cross-fitting folds come from a hash of the unit, and rows are put in hash order before
    any model sees them: shuffling the rows leaves every estimate unchanged to 1e-12."""
    kw = dict(treatment="received_personalization", outcome=["made_purchase", "revenue"],
              covariates=COVS, method="all", refute=False, unit="customer_id" if with_id else None)
    a = tl.observe(df, **kw)
    b = tl.observe(df.sample(frac=1.0, random_state=11), **kw)
    for ea, eb in zip(a.estimates, b.estimates, strict=True):
        assert (ea.outcome, ea.method) == (eb.outcome, eb.method)
        assert eb.value == pytest.approx(ea.value, rel=1e-12, abs=1e-12)
        assert eb.se == pytest.approx(ea.se, rel=1e-12, abs=1e-12)
    assert [c.chosen for c in a.nuisance] == [c.chosen for c in b.nuisance]
