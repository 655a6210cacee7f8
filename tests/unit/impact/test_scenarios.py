"""``project``: rollout scenarios with Monte Carlo.

References: the incremental value is linear in the effect, so with a normal effect its exact
interval is the estimate's normal interval scaled (``project_linear``), and the probability of a
loss is ``Phi((cost / (value S_H) - tau) / se)`` in closed form. The Monte Carlo numbers must
agree within simulation error: for a quantile ``q_p`` of ``n`` normal draws the standard error is
``sqrt(p (1 - p) / n) / phi(z_p)`` standard deviations; for a probability ``sqrt(p (1 - p) / n)``.
Tolerances are 4 such standard errors.
"""

from __future__ import annotations

import copy
import json
import math

import pytest
from scipy import stats

import truelift as tl
from truelift.errors import DataError, MethodError
from truelift.impact.load import loaded_estimates
from truelift.impact.projection import project_linear
from truelift.impact.result import ImpactAnalysis, effect_estimate
from truelift.impact.scenarios import Scenario, ScenarioAnalysis, project
from truelift.schema import Diagnostic, Provenance, Status, Verdict

N = 20_000


def _result(value: float = 2.0, se: float = 0.5, status: Status = Status.OK) -> ImpactAnalysis:
    est = effect_estimate(outcome="revenue", estimand="ATT", method="twfe", value=value, se=se, level=0.95,
                          se_kind="crv1", n_treated=500, n_control=500, mean_treated=20.0)
    diag = Diagnostic(name="check", value=0.0, status=status, message="a check")
    return ImpactAnalysis(design="revenue", title="t", outcome="revenue", estimates=(est,),
                          identification="i", diagnostics=(diag,),
                          verdict=Verdict.from_diagnostics([diag], subject="Impact"),
                          provenance=Provenance(truelift_version="0", parameters={}, seed=0, rows_read=1000,
                                                rows_used=1000))


def _quantile_tol(p: float, sd: float, n: int = N) -> float:
    return 4.0 * math.sqrt(p * (1 - p) / n) / stats.norm.pdf(stats.norm.ppf(p)) * sd


def test_monte_carlo_interval_agrees_with_the_analytic_linear_projection():
    res = _result()
    est = res.estimate()
    out = project(res, customers=10_000, horizon=1, draws=N, seed=3)
    for s in out.scenarios:
        lin = project_linear(est, customers=10_000, rollout=s.rollout)
        assert s.analytic_revenue_ci == pytest.approx(lin.total_ci, rel=1e-12)
        tol = _quantile_tol(0.025, lin.total_se)
        assert abs(s.revenue_ci[0] - lin.total_ci[0]) < tol
        assert abs(s.revenue_ci[1] - lin.total_ci[1]) < tol
        z80 = stats.norm.ppf(0.9)
        assert s.revenue_80 == pytest.approx((lin.total - z80 * lin.total_se, lin.total + z80 * lin.total_se),
                                             abs=_quantile_tol(0.1, lin.total_se))
        # negative control: the same check fails for the 80% interval (0.68 se away; tol ~0.08 se)
        assert abs(s.revenue_80[0] - lin.total_ci[0]) > 5 * tol
    # over 12 periods without decay the interval is 12 times as wide
    long = project(res, customers=10_000, horizon=12, draws=N, seed=3).scenario("moderate")
    lin = project_linear(est, customers=10_000, rollout=0.5)
    assert long.analytic_revenue_ci == pytest.approx((12 * lin.total_ci[0], 12 * lin.total_ci[1]))
    assert abs(long.revenue_ci[0] - 12 * lin.total_ci[0]) < _quantile_tol(0.025, 12 * lin.total_se)


def test_point_values_follow_the_formula():
    tau, d, h, c, fixed, v = 2.0, 0.1, 6, 0.3, 500.0, 4.0
    scen = [Scenario("half", 0.5, reach=0.8), Scenario("own", 1.0, cost_per_customer=1.0, decay=0.0)]
    out = project(_result(tau), customers=1000, value=v, cost_per_customer=c, fixed_cost=fixed, horizon=h,
                  decay=d, scenarios=scen)
    s_h = (1 - (1 - d) ** h) / d
    half = out.scenario("half")
    assert half.customers_reached == pytest.approx(400.0)
    assert half.revenue == pytest.approx(400 * v * tau * s_h, rel=1e-12)
    assert half.cost == pytest.approx(400 * c * h + fixed)
    assert half.profit == pytest.approx(half.revenue - half.cost)
    own = out.scenario("own")
    assert (own.cost_per_customer, own.decay) == (1.0, 0.0)
    assert own.profit == pytest.approx(1000 * v * tau * h - 1000 * 1.0 * h - fixed)
    assert half.profit_p50 == pytest.approx(half.profit, rel=0.02)


def test_probability_of_loss_and_target_match_the_closed_form():
    tau, se, c, h, v = 1.0, 0.8, 0.7, 4, 1.0
    target = 1000.0
    out = project(_result(tau, se), customers=2000, cost_per_customer=c, horizon=h, value=v, target=target,
                  draws=N, seed=9)
    for s in out.scenarios:
        r = s.customers_reached
        p_loss = stats.norm.cdf((c / v - tau) / se)               # profit < 0  <=>  tau < c H / (v H)
        p_target = stats.norm.sf(((target + r * c * h) / (r * v * h) - tau) / se)
        assert abs(s.prob_loss - p_loss) < 4 * math.sqrt(p_loss * (1 - p_loss) / N)
        assert abs(s.prob_target - p_target) < 4 * math.sqrt(p_target * (1 - p_target) / N)


def test_same_seed_same_numbers_other_seed_other_numbers():
    res = _result()
    a = project(res, customers=5000, cost_per_customer=0.5, seed=11).to_dict()
    b = project(res.to_dict(), customers=5000, cost_per_customer=0.5, seed=11).to_dict()
    a["provenance"]["source"] = b["provenance"]["source"] = a["source"] = b["source"] = ""
    assert a == b
    c = project(res, customers=5000, cost_per_customer=0.5, seed=12)
    assert c.scenario("moderate").profit_ci != tuple(a["scenarios"][1]["profit_ci"])


def test_fan_layout_and_consistency_with_the_scenario_numbers():
    out = project(_result(), customers=1000, cost_per_customer=0.2, horizon=5, fixed_cost=100.0)
    fan = out.figure("cumulative_profit")
    assert fan.kind == "fan"
    assert fan.data["x"] == (1, 2, 3, 4, 5)
    assert set(fan.data["series"]) == {"baseline", "moderate", "aggressive"}
    for s in out.scenarios:
        q = fan.data["series"][s.name]
        assert list(q) == ["p2.5", "p10", "p50", "p90", "p97.5"]
        assert all(len(v) == 5 for v in q.values())
        for k in range(5):
            vals = [q[p][k] for p in q]
            assert vals == sorted(vals)
        assert (q["p2.5"][-1], q["p97.5"][-1]) == pytest.approx(s.profit_ci, rel=1e-12)
        assert q["p50"][-1] == pytest.approx(s.profit_p50, rel=1e-12)
        assert q["p50"][0] < q["p50"][-1]                         # profit accumulates


def test_tornado_moves_each_input_alone():
    tau, c, d, h = 2.0, 0.4, 0.1, 12
    res = _result(tau)
    out = project(res, customers=1000, cost_per_customer=c, decay=d, horizon=h)
    t = out.figure("sensitivity")
    assert t.kind == "tornado"

    def profit(tau=tau, rollout=0.5, cost=c, decay=d):
        s_h = (1 - (1 - decay) ** h) / decay if decay else h
        return 1000 * rollout * (tau * s_h - cost * h)

    assert t.data["base"] == pytest.approx(out.scenario("moderate").profit)
    rows = dict(zip(t.data["labels"], zip(t.data["low"], t.data["high"], strict=True), strict=True))
    lo, hi = res.estimate().ci
    assert rows["effect (interval bounds)"] == pytest.approx((profit(tau=lo), profit(tau=hi)))
    assert rows["rollout share (-50% / +50%)"] == pytest.approx((profit(rollout=0.25), profit(rollout=0.75)))
    assert rows["cost per customer (-50% / +50%)"] == pytest.approx((profit(cost=0.2), profit(cost=0.6)))
    assert rows["decay (0 / twice)"] == pytest.approx((profit(decay=0.0), profit(decay=0.2)))
    swings = [abs(h_ - l_) for l_, h_ in zip(t.data["low"], t.data["high"], strict=True)]
    assert swings == sorted(swings, reverse=True)


def test_loss_warning_and_its_negative_control():
    risky = project(_result(0.3, 0.5), customers=1000, cost_per_customer=0.3)
    assert risky.scenario("moderate").prob_loss > 0.2
    assert risky.verdict.status is Status.WARN
    assert any("loses money" in r for r in risky.verdict.reasons)
    safe = project(_result(3.0, 0.5), customers=1000, cost_per_customer=0.3)
    assert safe.scenario("moderate").prob_loss < 0.01
    assert safe.verdict.status is Status.OK


@pytest.mark.parametrize(("source", "word"), [(Status.OK, "PASS"), (Status.WARN, "WARN"),
                                             (Status.FAIL, "FAIL")])
def test_the_projection_follows_the_source_verdict_and_says_so(source, word):
    from truelift.report.project import recommendation

    out = project(_result(3.0, 0.5, status=source), customers=1000)
    diag = {d.name: d for d in out.diagnostics}["source_verdict"]
    assert diag.status is source and f"verdict {word}" in diag.message  # badge == its text
    assert out.verdict.status is source
    status, sentence = recommendation(out)
    assert status == {"PASS": "ok", "WARN": "warn", "FAIL": "fail"}[word]
    assert sentence.startswith("Roll out") == (source is Status.OK)
    # a likely loss is "do not roll out" whatever the source's verdict (never milder on a WARN)
    losing = project(_result(-3.0, 0.5, status=source), customers=1000)
    if source is not Status.FAIL:
        assert recommendation(losing) == recommendation(
            project(_result(-3.0, 0.5, status=Status.OK), customers=1000))
    assert recommendation(losing)[0] == "fail"


@pytest.mark.parametrize("kwargs, err, what", [
    (dict(customers=-1), MethodError, "customers"),
    (dict(draws=999), MethodError, "draws"),
    (dict(decay=1.5), MethodError, "decay"),
    (dict(horizon=0), MethodError, "horizon"),
    (dict(cost_per_customer=-1.0), MethodError, "cost_per_customer"),
    (dict(outcome="profit"), DataError, "'profit'"),
    (dict(scenarios=[Scenario("a", 0.5), Scenario("a", 1.0)]), MethodError, "repeated: a"),
    (dict(scenarios=[]), MethodError, "at least one"),
])
def test_bad_settings_are_one_line_errors(kwargs, err, what):
    kwargs = {"customers": 1000, **kwargs}
    with pytest.raises(err) as info:
        project(_result(), **kwargs)
    assert what in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("rollout", [-0.1, 1.5])
def test_rollout_outside_the_unit_interval(rollout):
    with pytest.raises(MethodError, match="rollout share must be in"):
        Scenario("x", rollout)


def test_unknown_outcome_lists_the_available():
    with pytest.raises(DataError) as info:
        project(_result(), customers=10, outcome="orders")
    assert "outcomes: revenue" in str(info.value)


def test_saved_readout_json_to_projection_and_back(tmp_path):
    test = tl.datasets.homepage_test(n=4000, seed=4).data
    ro = tl.readout(test, treatment="variant", control="control", outcome=["purchased", "revenue"])
    path = tmp_path / "readout.json"
    path.write_text(ro.to_json())
    before = copy.deepcopy(ro.to_dict())
    out = project(path, customers=50_000, outcome="revenue", cost_per_customer=0.05, target=1000.0)
    assert ro.to_dict() == before
    assert isinstance(out, ScenarioAnalysis) and out.kind == "project"
    assert out.estimate == ro.lift("revenue").estimate and out.source == str(path)
    d = json.loads(json.dumps(out.to_dict(), allow_nan=False))
    assert d["kind"] == "project" and d["schema_version"] == 2
    assert out.tables[0].name == "scenarios" and [r[0] for r in out.tables[0].rows] == [
        "baseline", "moderate", "aggressive"]
    again = loaded_estimates(d)
    assert again.kind == "project" and again.estimates["revenue / personalized"] == out.source_estimate


def test_memory_is_bounded_by_draws_times_horizon():
    from truelift.impact.scenarios import MAX_CELLS

    with pytest.raises(MethodError, match="draws x horizon = 100,000,000 Monte Carlo cells"):
        project(_result(), customers=1_000, value=1.0, horizon=10_000, draws=10_000)
    with pytest.raises(MethodError, match="lower draws or horizon"):  # one cell over the bound
        project(_result(), customers=1_000, value=1.0, horizon=MAX_CELLS // 1_000 + 1,
                draws=1_000)
