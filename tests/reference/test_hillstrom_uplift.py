"""Real data: uplift of the Hillstrom men's and women's e-mails on visits (../shared/data/hillstrom.csv).

Published facts the analysis must reproduce from the data: the men's e-mail raises the visit rate by
about 7.7 percentage points over no e-mail, the women's e-mail by about 4.5 (MineThatData challenge,
2008; the arm means of the data). The held-out evaluation must find the women's e-mail's
heterogeneity (its effect is concentrated on customers who bought women's merchandise, the known
result of the uplift literature on this data, e.g. Radcliffe & Surry 2011 / scikit-uplift's
tutorials), and the targeting rule at 0.15 per e-mail and 5 per visit must beat sending the
women's e-mail to everyone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import truelift as tl

HILLSTROM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hillstrom.csv"
COVS = ["recency", "history", "mens", "womens", "zip_code", "newbie", "channel"]


@pytest.fixture(scope="module")
def result():
    if not HILLSTROM.exists():
        pytest.skip(f"{HILLSTROM} not found")
    return tl.uplift(str(HILLSTROM), treatment="segment", control="No E-Mail", outcome="visit",
                     covariates=COVS, value=5.0, cost=0.15, segments=["zip_code"], seed=0)


def test_average_effects_match_the_published_visit_lifts(result):
    mens, womens = result.arm("visit", "Mens E-Mail"), result.arm("visit", "Womens E-Mail")
    assert mens.ate.ci[0] < 0.077 < mens.ate.ci[1]
    assert womens.ate.ci[0] < 0.045 < womens.ate.ci[1]
    assert mens.ate.n == 21_307 + 21_306


def test_womens_email_heterogeneity_is_found_on_held_out_rows(result):
    womens = result.arm("visit", "Womens E-Mail")
    assert womens.blp.pvalue_heterogeneity < 0.01 and womens.blp.beta2 > 0
    assert womens.qini_coefficient > 0.02
    top = {imp.covariate for imp in womens.importance[:3]}
    assert "womens" in top


def test_targeting_rule_beats_sending_the_womens_email_to_everyone(result):
    p = result.policy
    vs_womens = next(v for v in p.values if v.name == "policy" and v.vs == "all:Womens E-Mail")
    assert vs_womens.ci[0] > 0
    assert p.values[0].ci[0] > 0  # and beats sending nothing
