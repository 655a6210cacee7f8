"""Real data: the Hillstrom e-mail test (64,000 customers, three randomized arms).

The arm means must equal the data's own means, and the lifts the published facts of the
challenge (README of ../shared/data): the men's e-mail raises visits by about 7.7 percentage
points over no e-mail and spend by about $0.77 per customer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import truelift as tl

HILLSTROM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hillstrom.csv"
pytestmark = pytest.mark.skipif(not HILLSTROM.exists(), reason="../shared/data/hillstrom.csv not present")


@pytest.fixture(scope="module")
def result():
    return tl.readout(str(HILLSTROM), treatment="segment", control="No E-Mail",
                      outcome=["visit", "conversion", "spend"], covariates=["history", "recency"],
                      segments=["zip_code", "newbie"], bayes=False)


def test_arm_means_equal_the_data(result):
    data = pd.read_csv(HILLSTROM)
    for lift in result.lifts:
        arm = data[data.segment == lift.variant][lift.metric].mean()
        ctrl = data[data.segment == "No E-Mail"][lift.metric].mean()
        assert lift.variant_value == pytest.approx(arm, rel=1e-12)
        assert lift.control_value == pytest.approx(ctrl, rel=1e-12)


def test_published_lifts(result):
    visit = result.lift("visit", "Mens E-Mail")
    spend = result.lift("spend", "Mens E-Mail")
    assert visit.variant_value - visit.control_value == pytest.approx(0.077, abs=0.0015)
    assert spend.variant_value - spend.control_value == pytest.approx(0.77, abs=0.02)
    assert visit.estimate.ci[0] <= 0.077 <= visit.estimate.ci[1]
    assert visit.significant and spend.significant
    assert result.srm.pvalue > 0.001  # randomized: about a third each
    assert {b.column for b in result.segments} == {"zip_code", "newbie"}
