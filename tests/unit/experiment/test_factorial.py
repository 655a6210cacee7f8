"""``tl.factorial`` on the 2x2 layout x banner test: effects, known truth, errors, Holm."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import truelift as tl
from truelift.datasets import factorial_test
from truelift.errors import DataError, RoleError

CONTROLS = {"layout": "old", "banner": "off"}
TERMS = {"layout": "layout", "banner": "banner", "interaction": "layout x banner"}


@pytest.fixture(scope="module")
def dataset():
    return factorial_test(20_000, seed=5)


@pytest.fixture(scope="module")
def result(dataset) -> tl.Factorial:
    return tl.factorial(dataset.data, factors=CONTROLS, outcome=["purchased", "revenue"])


@pytest.fixture(scope="module")
def cuped(dataset) -> tl.Factorial:
    return tl.factorial(dataset.data, factors=CONTROLS, outcome=["purchased", "revenue"],
                        covariates=["revenue_pre"])


def test_main_effects_and_interaction_are_present(result):
    assert result.factors == ("layout", "banner")
    assert result.control_levels == ("old", "off")
    got = {(e.metric, e.term) for e in result.effects}
    assert got == {(m, t) for m in ("purchased", "revenue") for t in TERMS.values()}
    assert result.effect("purchased", "layout").contrast == "layout=new vs old"
    assert result.effect("purchased", "layout x banner").contrast == "layout=new x banner=on"
    assert len(result.cells) == 2 * 4
    with pytest.raises(KeyError):
        result.effect("purchased", "colour")


@pytest.mark.parametrize("metric", ["purchased", "revenue"])
@pytest.mark.parametrize("effect", list(TERMS))
@pytest.mark.parametrize("which", ["plain", "cuped"])
def test_estimates_are_within_4_se_of_the_truth(dataset, result, cuped, metric, effect, which):
    r = result if which == "plain" else cuped
    est = r.effect(metric, TERMS[effect]).estimate
    truth = dataset.truth.interaction(metric) if effect == "interaction" else \
        dataset.truth.main_effect(effect, metric)
    assert math.isfinite(est.se) and est.se > 0
    assert abs(est.value - truth) < 4 * est.se
    assert est.ci[0] <= est.value <= est.ci[1]


def test_effects_are_the_contrasts_of_the_cell_means(result):
    cells = {(c.metric, c.levels): c.value for c in result.cells}
    for m in ("purchased", "revenue"):
        oo, of = cells[(m, ("old", "off"))], cells[(m, ("old", "on"))]
        no, nf = cells[(m, ("new", "off"))], cells[(m, ("new", "on"))]
        value = {t: result.effect(m, t).estimate.value for t in TERMS.values()}
        assert value["layout"] == pytest.approx(((no - oo) + (nf - of)) / 2, rel=1e-12)
        assert value["banner"] == pytest.approx(((of - oo) + (nf - no)) / 2, rel=1e-12)
        assert value["layout x banner"] == pytest.approx((nf - of) - (no - oo), rel=1e-12)


def test_cell_means_match_pandas(dataset, result):
    means = dataset.data.groupby(["layout", "banner"])[["purchased", "revenue"]].mean()
    for c in result.cells:
        assert c.value == pytest.approx(means.loc[c.levels, c.metric], rel=1e-12)


def test_cuped_shrinks_the_standard_errors(result, cuped):
    for e in result.effects:
        assert cuped.effect(e.metric, e.term).estimate.se < e.estimate.se


def test_holm_pvalues_are_at_least_the_raw_ones(result):
    for m in ("purchased", "revenue"):
        effects = [e for e in result.effects if e.metric == m]
        assert len(effects) == 3
        raw = sorted(e.estimate.pvalue for e in effects)
        for e in effects:
            assert e.estimate.pvalue <= e.pvalue_holm <= 1.0
        smallest = min(effects, key=lambda e: e.estimate.pvalue)
        assert smallest.pvalue_holm == pytest.approx(min(1.0, 3 * raw[0]), rel=1e-12)


def test_swapping_a_control_level_flips_its_main_effect(dataset, result):
    r = tl.factorial(dataset.data, factors={"layout": "new", "banner": "off"}, outcome=["purchased"])
    a, b = result.effect("purchased", "layout").estimate, r.effect("purchased", "layout").estimate
    assert b.value == pytest.approx(-a.value, rel=1e-12)
    assert b.se == pytest.approx(a.se, rel=1e-12)


def test_factor_list_takes_the_first_sorted_level_as_control(dataset):
    r = tl.factorial(dataset.data, factors=["layout", "banner"], outcome="purchased")
    assert r.control_levels == ("new", "off")


@pytest.mark.parametrize("factors", [["layout"], "layout", {"layout": "old"}])
def test_a_single_factor_is_refused(dataset, factors):
    with pytest.raises(RoleError) as err:
        tl.factorial(dataset.data, factors=factors, outcome="purchased")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("factor", ["layout", "banner"])
def test_unknown_control_level_is_refused(dataset, factor):
    factors = {**CONTROLS, factor: "nope"}
    with pytest.raises(DataError) as err:
        tl.factorial(dataset.data, factors=factors, outcome="purchased")
    assert err.value.column == factor
    assert "\n" not in str(err.value) and "nope" in str(err.value)


def test_a_factor_with_one_level_is_refused(dataset):
    frame = dataset.data.assign(banner="off")
    with pytest.raises(DataError) as err:
        tl.factorial(frame, factors=CONTROLS, outcome="purchased")
    assert err.value.column == "banner"


def test_input_is_not_modified_and_json_works(dataset):
    frame = dataset.data.iloc[:4_000].copy()
    before = frame.copy(deep=True)
    r = tl.factorial(frame, factors=CONTROLS, outcome=["purchased"], covariates=["revenue_pre"])
    pd.testing.assert_frame_equal(frame, before, check_exact=True)
    d = json.loads(r.to_json())
    assert d["kind"] == "factorial" and "schema_version" in d
    assert len(d["effects"]) == 3
