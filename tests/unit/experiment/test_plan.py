"""plan(): solving for users, detectable lift or power, fixed-horizon and sequential."""

from __future__ import annotations

import json
import math

import pytest

from truelift.errors import MethodError
from truelift.experiment.plan import Plan, plan

PROP = dict(baseline=0.10)
MEAN = dict(metric="mean", baseline=50.0, sd=20.0)


@pytest.fixture(scope="module")
def prop_n():
    return plan(**PROP, mde=0.01)


# --------------------------------------------------------------------------- round trips


def test_solve_n_then_power_then_n_round_trips(prop_n):
    n = prop_n.n_per_arm
    assert prop_n.solved_for == "n_per_arm" and n[0] == n[1]
    assert prop_n.n_total == sum(n)
    back = plan(**PROP, mde=0.01, n_per_arm=n[0])
    assert back.solved_for == "power" and back.power_target is None
    assert back.power == pytest.approx(prop_n.power, abs=1e-12)
    assert back.power >= 0.8
    assert plan(**PROP, mde=0.01, n_per_arm=n[0] - 1).power < 0.8  # n is the smallest that works
    again = plan(**PROP, mde=0.01, power=back.power)
    assert again.n_per_arm == n


def test_solve_mde_round_trips_with_n(prop_n):
    m = plan(**PROP, n_per_arm=prop_n.n_per_arm[0], power=0.8)
    assert m.solved_for == "mde"
    assert m.mde <= 0.01 and m.mde == pytest.approx(0.01, rel=1e-3)
    assert m.mde_relative == pytest.approx(m.mde / 0.10)
    assert m.mean_treated == pytest.approx(0.10 + m.mde)
    assert m.power == pytest.approx(0.8, abs=1e-9)
    assert plan(**PROP, n_per_arm=prop_n.n_per_arm[0], mde=m.mde).power == pytest.approx(0.8, abs=1e-9)


def test_means_round_trip():
    p = plan(**MEAN, mde=1.0, power=0.9)
    assert p.power >= 0.9
    assert plan(**MEAN, mde=1.0, n_per_arm=p.n_per_arm[0] - 1).power < 0.9
    m = plan(**MEAN, n_per_arm=p.n_per_arm[0], power=0.9)
    assert m.mde == pytest.approx(1.0, rel=1e-3) and m.mde <= 1.0
    assert m.mde_relative == pytest.approx(m.mde / 50.0)


def test_relative_mde_is_a_share_of_the_baseline(prop_n):
    rel = plan(**PROP, mde=0.10, relative=True)
    assert rel.mde == pytest.approx(0.01)
    assert rel.n_per_arm == prop_n.n_per_arm


def test_default_power_is_08_unless_mde_and_n_are_both_given(prop_n):
    assert prop_n.power_target == 0.8
    with pytest.raises(MethodError, match="all given"):
        plan(**PROP, mde=0.01, n_per_arm=1000, power=0.8)


# --------------------------------------------------------------------------- options


def test_unequal_split_sizes_arms_by_their_shares():
    p = plan(**MEAN, mde=2.0, split=[0.7, 0.3])
    assert p.split == (0.7, 0.3)
    assert p.n_per_arm_exact[0] / p.n_per_arm_exact[1] == pytest.approx(0.7 / 0.3)
    assert p.n_per_arm == tuple(math.ceil(x) for x in p.n_per_arm_exact)
    assert p.power >= 0.8
    equal = plan(**MEAN, mde=2.0)
    assert p.n_total > equal.n_total  # an unequal split costs users


def test_per_arm_counts_set_the_split():
    p = plan(**MEAN, n_per_arm=[3000, 1000], mde=2.0)
    assert p.split == pytest.approx((0.75, 0.25))
    assert p.n_per_arm == (3000, 1000)


def test_several_variants_plan_each_comparison_at_alpha_over_m(prop_n):
    holm = plan(**PROP, mde=0.01, variants=3)
    bonf = plan(**PROP, mde=0.01, variants=3, correction="bonferroni")
    none = plan(**PROP, mde=0.01, variants=3, correction="none")
    assert holm.alpha_per_comparison == pytest.approx(0.05 / 3)
    assert bonf.n_per_arm == holm.n_per_arm
    assert none.alpha_per_comparison == 0.05 and none.n_per_arm[0] == prop_n.n_per_arm[0]
    assert len(holm.n_per_arm) == 4 and holm.arms == ("control", "variant_1", "variant_2", "variant_3")
    assert holm.n_per_arm[0] > prop_n.n_per_arm[0]
    assert any("Holm" in note and "conservative" in note for note in holm.notes)
    assert len(holm.power_per_variant) == 3


def test_variance_reduction_scales_the_sample_size():
    base = plan(**MEAN, mde=1.0)
    cuped = plan(**MEAN, mde=1.0, variance_reduction=0.4)
    assert cuped.n_per_arm_exact[0] / base.n_per_arm_exact[0] == pytest.approx(0.6, rel=2e-3)
    assert any("CUPED" in note for note in cuped.notes)


def test_one_sided_needs_fewer_users(prop_n):
    assert plan(**PROP, mde=0.01, sided=1).n_total < prop_n.n_total


def test_duration_from_daily_traffic():
    p = plan(**PROP, mde=0.01, daily_traffic=1000)
    assert p.duration_days == math.ceil(p.n_total / 1000)
    assert plan(**PROP, mde=0.01).duration_days is None


# --------------------------------------------------------------------------- sequential


@pytest.fixture(scope="module")
def sequential_plans():
    return {kind: plan(**PROP, mde=0.01, sequential=kind, daily_traffic=2000)
            for kind in ("obrien-fleming", "pocock", "always-valid")}


def test_group_sequential_orders_expected_fixed_and_maximum_n(sequential_plans, prop_n):
    for kind in ("obrien-fleming", "pocock"):
        p = sequential_plans[kind]
        s = p.sequential
        assert s.kind == kind and s.looks == 5 and s.boundaries is not None and s.tau2 is None
        assert s.expected_n_total_h1 < s.fixed_n_total < p.n_total
        assert s.fixed_n_total == pytest.approx(prop_n.n_total, abs=2)
        assert p.n_total == pytest.approx(s.inflation * s.fixed_n_total, rel=1e-3)
        assert s.expected_n_total_h0 <= p.n_total
        assert s.z_final == s.boundaries.z[-1]
        assert p.power >= 0.8
        assert s.expected_days_h1 == pytest.approx(s.expected_n_total_h1 / 2000)
    assert sequential_plans["obrien-fleming"].sequential.inflation == pytest.approx(1.0247, abs=2e-4)
    assert sequential_plans["pocock"].sequential.inflation == pytest.approx(1.2124, abs=2e-4)


def test_always_valid_costs_more_at_the_maximum_and_gives_the_mixing_variance(sequential_plans):
    av = sequential_plans["always-valid"]
    s = av.sequential
    assert s.boundaries is None and s.looks == 200
    assert s.inflation > sequential_plans["pocock"].sequential.inflation
    assert s.expected_n_total_h1 < av.n_total and s.expected_n_total_h0 < av.n_total
    assert s.tau2 is not None and s.tau2 > 0
    assert av.power >= 0.8
    back = plan(**PROP, mde=0.01, n_per_arm=av.n_per_arm[0], sequential="always-valid")
    assert back.power == pytest.approx(av.power, abs=1e-12)
    mde = plan(**PROP, n_per_arm=av.n_per_arm[0], power=0.8, sequential="always-valid")
    assert mde.mde == pytest.approx(0.01, rel=1e-3) and mde.mde <= 0.01


def test_sequential_power_round_trip_obf(sequential_plans):
    p = sequential_plans["obrien-fleming"]
    back = plan(**PROP, mde=0.01, n_per_arm=p.n_per_arm[0], sequential="obrien-fleming")
    assert back.power == pytest.approx(p.power, abs=1e-12)
    assert plan(**PROP, mde=0.01, n_per_arm=p.n_per_arm[0] - 1, sequential="obrien-fleming").power < 0.8


# --------------------------------------------------------------------------- result type


def test_plan_is_a_frozen_analysis_with_json(prop_n):
    assert isinstance(prop_n, Plan) and prop_n.kind == "plan"
    d = json.loads(prop_n.to_json())
    assert d["kind"] == "plan" and d["n_per_arm"] == list(prop_n.n_per_arm)
    assert d["provenance"]["parameters"]["mde"] == 0.01
    with pytest.raises(AttributeError):
        prop_n.mde = 0.02  # type: ignore[misc]


def test_sequential_plan_serializes(sequential_plans):
    d = sequential_plans["pocock"].to_dict()
    assert d["sequential"]["boundaries"]["kind"] == "pocock"
    json.dumps(sequential_plans["always-valid"].to_dict(), allow_nan=False)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(baseline=1.2, mde=0.01), r"baseline must be a rate in \(0, 1\)"),
    (dict(baseline=0.1, mde=0.95), "below 1"),
    (dict(metric="mean", baseline=10.0, mde=1.0), "needs sd"),
    (dict(baseline=0.1, sd=0.3, mde=0.01), "sd is only"),
    (dict(baseline=0.1), "give mde"),
    (dict(baseline=0.1, mde=-0.01), "mde must be > 0"),
    (dict(baseline=0.1, mde=0.01, split=[0.6, 0.6]), "summing to 1"),
    (dict(baseline=0.1, mde=0.01, split=[1.0]), "split has 1 shares"),
    (dict(baseline=0.1, mde=0.01, sided=3), "sided"),
    (dict(baseline=0.1, mde=0.01, correction="sidak"), "correction"),
    (dict(baseline=0.1, mde=0.01, metric="ratio"), "metric"),
    (dict(baseline=0.1, mde=0.01, variants=0), "variants"),
    (dict(baseline=0.1, mde=0.01, power=1.0), "power"),
    (dict(baseline=0.1, mde=0.01, alpha=0.7), "alpha"),
    (dict(baseline=0.1, mde=0.01, variance_reduction=1.0), "variance_reduction"),
    (dict(baseline=0.1, mde=0.01, daily_traffic=0), "daily_traffic"),
    (dict(baseline=0.1, mde=0.01, sequential="bayes"), "sequential"),
    (dict(baseline=0.1, mde=0.01, sequential="always-valid", sided=1), "two-sided"),
    (dict(baseline=0.1, n_per_arm=[100, 100, 100]), "3 counts but there are 2 arms"),
    (dict(baseline=0.1, n_per_arm=1.5), "whole numbers"),
    (dict(baseline=0.1, n_per_arm=1000, split=[0.7, 0.3]), "unequal split"),
    (dict(baseline=0.1, n_per_arm=[700, 300], split=[0.7, 0.3]), "not both"),
    (dict(metric="mean", baseline=0.0, sd=1.0, mde=0.1, relative=True), "relative"),
    (dict(metric="mean", baseline=1.0, sd=1.0, mde=1e-9), "too small"),
])
def test_errors_are_one_line_method_errors(kwargs, match):
    with pytest.raises(MethodError, match=match) as err:
        plan(**kwargs)
    assert "\n" not in str(err.value)


def test_a_plan_has_a_verdict_from_its_power_events_and_duration():
    import truelift as tl
    from truelift.experiment.plan import MIN_DAYS, MIN_EVENTS, POWER_FAIL, POWER_WARN
    from truelift.schema import Status

    solved = tl.plan(baseline=0.1, mde=0.01)  # solved for n at 80% power: nothing to flag
    assert solved.verdict.status is Status.OK and POWER_WARN == 0.8
    assert {d.name: d.status for d in solved.diagnostics} == {"power": Status.OK,
                                                              "expected_events": Status.OK}
    weak = tl.plan(baseline=0.1, mde=0.01, n_per_arm=6_000)  # power about 0.43
    assert POWER_FAIL > weak.power > 0.3 and weak.verdict.status is Status.FAIL
    middling = tl.plan(baseline=0.1, mde=0.01, n_per_arm=11_000)
    assert POWER_FAIL < middling.power < POWER_WARN and middling.verdict.status is Status.WARN
    rare = tl.plan(baseline=0.001, n_per_arm=2_000)  # 2 expected conversions per arm
    events = {d.name: d for d in rare.diagnostics}["expected_events"]
    assert events.status is Status.WARN and events.value < MIN_EVENTS
    short = tl.plan(baseline=0.1, mde=0.02, daily_traffic=10_000)
    assert {d.name: d for d in short.diagnostics}["duration"].value < MIN_DAYS
    assert short.verdict.status is Status.WARN and "full week" in " ".join(short.verdict.reasons)
    just_below = tl.plan(baseline=0.1, mde=0.01, n_per_arm=14_700)  # power 0.7986
    power = {d.name: d for d in just_below.diagnostics}["power"]
    assert power.status is Status.WARN and "79.9%" in power.message
    means = tl.plan("mean", baseline=10.0, sd=5.0, mde=0.5)
    assert "expected_events" not in {d.name for d in means.diagnostics}


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(baseline="0.1", mde=0.01), "baseline"),
    (dict(baseline=0.1, mde="0.01"), "mde"),
    (dict(baseline=0.1, mde=0.01, alpha="0.05"), "alpha"),
    (dict(baseline=0.1, mde=0.01, daily_traffic="100"), "daily_traffic"),
    (dict(baseline=0.1, n_per_arm="100"), "n_per_arm"),
    (dict(baseline=0.1, n_per_arm=[100, "x"]), "n_per_arm"),
    (dict(baseline=True, mde=0.01), "baseline"),
])
def test_text_where_a_number_belongs_is_one_line_naming_the_argument(kwargs, name):
    with pytest.raises(MethodError, match=f"^{name} must be a number") as err:
        plan(**kwargs)
    assert "\n" not in str(err.value)
