"""The row-order contract over every registered CATE learner (``truelift.hte.learners.LEARNERS``)
and every base model: a shuffled table gives the same average effect and the same score per
customer, to 1e-12 (rows are put in hash order of the unit id before any model sees them)."""

from __future__ import annotations

import numpy as np
import pytest

import truelift as tl
from truelift.hte.learners import BASES, LEARNERS

COVS = ["x1", "x2", "x3", "x4"]


@pytest.fixture(scope="module")
def campaign():
    return tl.datasets.coupon_campaign(n=1_200, seed=4).data


CASES = [(k, "linear") for k in LEARNERS if k != "cf"] + [("cf", "lightgbm")] + [
    ("dr", b) for b in BASES if b != "linear"]


@pytest.mark.parametrize(("learner", "base"), CASES, ids=[f"{k}-{b}" for k, b in CASES])
def test_every_learner_is_invariant_to_row_order(campaign, learner, base):
    kw = dict(treatment="arm", control="control", outcome="converted", covariates=COVS,
              unit="customer_id", learner=learner, base=base, seed=3)
    a = tl.uplift(campaign, **kw)
    shuffled = campaign.sample(frac=1.0, random_state=11)
    b = tl.uplift(shuffled, **kw)
    ea, eb = a.estimate(), b.estimate()
    assert eb.value == pytest.approx(ea.value, rel=1e-12, abs=1e-12)
    assert eb.se == pytest.approx(ea.se, rel=1e-12, abs=1e-12)
    assert b.arm().qini_coefficient == pytest.approx(a.arm().qini_coefficient, rel=1e-12, abs=1e-12)
    merged = a.scores().merge(b.scores(), on="customer_id", suffixes=("_a", "_b"))
    col = next(c for c in a.scores().columns if c.startswith("tau_converted_"))
    assert len(merged) == len(campaign)
    assert np.allclose(merged[f"{col}_a"], merged[f"{col}_b"], rtol=0, atol=1e-12), learner
