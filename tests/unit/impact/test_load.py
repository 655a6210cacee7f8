"""``loaded_estimates`` (and its deprecated name ``load_result``): saved results of each kind
rebuild their estimates exactly; bad inputs raise.

"Exactly" means dataclass equality with the analysis's own ``Estimate`` objects (every field, the
``Relative`` lift and the estimate's diagnostics) and an identical ``to_dict()``, through the dict
and through a JSON file on disk.
"""

from __future__ import annotations

import copy
import json
import math

import pytest

import truelift as tl
from truelift.datasets import factorial_test
from truelift.datasets._quasi_did import two_by_two
from truelift.errors import DataError, MethodError
from truelift.impact.load import LoadedResult, estimate_from_dict, load_result, loaded_estimates
from truelift.impact.result import ImpactAnalysis, effect_estimate
from truelift.schema import Diagnostic, Estimate, Provenance, Status, Verdict

COVARIATES = ["engagement_score", "past_purchases", "account_age_days", "device_type"]


@pytest.fixture(scope="module")
def observed() -> tl.ObservationalAnalysis:
    data = tl.datasets.personalization(1500, seed=3).data
    return tl.observe(data, treatment="received_personalization", outcome=["made_purchase", "revenue"],
                      covariates=COVARIATES, method=["aipw", "ipw"])


@pytest.fixture(scope="module")
def readout() -> tl.Readout:
    test = tl.datasets.homepage_test(n=4000, seed=2).data
    return tl.readout(test, treatment="variant", control="control", outcome=["purchased", "revenue"])


@pytest.fixture(scope="module")
def uplifted() -> tl.UpliftAnalysis:
    data = tl.datasets.coupon_campaign(n=1500, seed=2).data
    return tl.uplift(data, treatment="arm", control="control", outcome="converted",
                     covariates=["x1", "x2", "x3"], learner="t", base="linear")


def _round_trip(analysis, expected: dict[str, Estimate], tmp_path) -> LoadedResult:
    original = copy.deepcopy(analysis.to_dict())
    saved = tmp_path / f"{analysis.kind}.json"
    saved.write_text(analysis.to_json())
    for src in (analysis, analysis.to_dict(), saved, str(saved)):
        loaded = loaded_estimates(src)
        assert loaded.kind == analysis.kind
        assert list(loaded.estimates) == list(expected)
        for name, est in expected.items():
            assert loaded.estimates[name] == est, name
            assert loaded.estimates[name].to_dict() == est.to_dict()
    assert analysis.to_dict() == original                 # nothing mutated
    assert loaded_estimates(saved).source == str(saved)
    return loaded


def test_observe_round_trip(observed, tmp_path):
    primary = [e for e in observed.estimates if e.method == observed.primary]
    others = [e for e in observed.estimates if e.method != observed.primary]
    expected = {f"{e.outcome} / {e.method} / {e.estimand}": e for e in (*primary, *others, *observed.naive)}
    loaded = _round_trip(observed, expected, tmp_path)
    assert loaded.names[0] == f"made_purchase / {observed.primary} / {observed.estimand}"
    assert loaded.verdict == observed.verdict
    assert loaded.pick("revenue")[1] == observed.estimate("revenue")   # an outcome picks its headline


def test_readout_round_trip(readout, tmp_path):
    expected = {f"{lift.metric} / {lift.variant}": lift.estimate for lift in readout.lifts}
    loaded = _round_trip(readout, expected, tmp_path)
    assert loaded.pick("revenue")[0] == "revenue / personalized"


def test_uplift_round_trip_gives_the_ate_of_each_arm(uplifted, tmp_path):
    expected = {f"{a.outcome} / {a.arm} / {a.ate.method} / {a.ate.estimand}": a.ate
                for res in uplifted.results for a in res.arms}
    assert len(expected) == 1
    _round_trip(uplifted, expected, tmp_path)


def test_quasi_round_trip(tmp_path):
    data, _ = two_by_two(users=800, stores=16, seed=1)
    res = tl.did(data, outcome="revenue", time="period", treatment="treated", group="group",
                 cluster="store", placebo=False)
    _round_trip(res, {f"{e.outcome} / {e.method} / {e.estimand}": e for e in res.estimates}, tmp_path)


def _impact(ests, status=Status.OK) -> ImpactAnalysis:
    diag = Diagnostic(name="d", value=1.0, status=status, message="m", threshold=None)
    return ImpactAnalysis(design="revenue", title="t", outcome=ests[0].outcome, estimates=tuple(ests),
                          identification="i", diagnostics=(diag,),
                          verdict=Verdict.from_diagnostics([diag], subject="Impact"),
                          provenance=Provenance(truelift_version="0", parameters={}, seed=0, rows_read=1,
                                                rows_used=1))


def test_impact_round_trip_with_missing_and_infinite_fields(tmp_path):
    """NaN fields (saved as null) and open interval bounds survive; duplicate names get a suffix."""
    a = effect_estimate(outcome="revenue", estimand="ATT", method="x", value=1.5, se=0.5, level=0.95,
                        se_kind="crv1", n_treated=10, n_control=12, mean_treated=10.0, df=9.0,
                        diagnostics=(Diagnostic(name="w", value=math.nan, status="warn", message="nan"),))
    b = Estimate(outcome="revenue", estimand="ATT", method="x", value=0.2, se=0.0,
                 ci=(-math.inf, math.inf), level=0.9, pvalue=1.0, se_kind="placebo", n_treated=1,
                 n_control=0, mean_treated=math.nan, baseline=math.nan, relative=None)
    res = _impact([a, b], status=Status.FAIL)
    loaded = loaded_estimates(json.loads(res.to_json()))
    assert loaded.names == ("revenue / x / ATT", "revenue / x / ATT #2")
    assert loaded.estimates["revenue / x / ATT"] == a
    rebuilt = loaded.estimates["revenue / x / ATT #2"]
    assert rebuilt.to_dict() == b.to_dict()
    assert rebuilt.ci == (-math.inf, math.inf) and math.isnan(rebuilt.baseline)
    assert loaded.verdict.status is Status.FAIL
    assert estimate_from_dict(a.to_dict()) == a


def test_factorial_effects_are_read():
    res = tl.factorial(factorial_test(4000, seed=1).data, factors={"layout": "old", "banner": "off"},
                       outcome=["purchased"])
    loaded = loaded_estimates(res.to_dict())
    assert loaded.estimates == {f"{e.metric} / {e.term}": e.estimate for e in res.effects}


def _one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("bad, what", [
    ({"a": 1}, "not a saved truelift analysis"),
    ([1, 2], "cannot read a result from a list"),
    ({"schema_version": 99, "kind": "observational"}, "schema_version 99"),
    ({"schema_version": 1, "kind": "readout", "lifts": [{"metric": "m"}]}, "dict: readout"),
])
def test_bad_input_is_a_one_line_data_error(bad, what):
    with pytest.raises(DataError) as err:
        loaded_estimates(bad)
    assert what in _one_line(err)


def test_kinds_without_estimates_raise_method_error():
    plan = tl.plan("proportion", baseline=0.05, mde=0.1, relative=True, daily_traffic=20_000)
    with pytest.raises(MethodError) as err:
        loaded_estimates(plan.to_dict())
    assert "'plan' result holds no effect estimates" in _one_line(err)
    with pytest.raises(DataError, match="unknown analysis kind 'something_else'"):
        loaded_estimates({"schema_version": 1, "kind": "something_else"})


def test_files_missing_or_not_json(tmp_path):
    with pytest.raises(DataError) as err:
        loaded_estimates(tmp_path / "nope.json")
    assert "no such result file" in _one_line(err)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError) as err:
        loaded_estimates(bad)
    assert "is not JSON" in _one_line(err)


def test_unknown_outcome_names_it_and_lists_the_available(readout):
    with pytest.raises(DataError) as err:
        loaded_estimates(readout).pick("profit")
    msg = _one_line(err)
    assert "'profit'" in msg and "purchased, revenue" in msg


def test_load_result_is_a_deprecated_name_of_the_same_reader(readout):
    with pytest.warns(DeprecationWarning, match="use truelift.load"):
        old = load_result(readout.to_dict())
    assert old == loaded_estimates(readout.to_dict())
