"""``truelift demo --kind K`` for the analysis kinds beyond the four with their own truth tables
(observe, readout, uplift, did): each generates data whose effect is known, runs the same public
function a notebook would, renders it like any command, and prints the generator's truth in one
line beside the estimate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Demo = Callable[[int | None, int], tuple[Any, str]]
"""(n, seed) -> (the analysis, one line of the generator's truth)."""


def _plan(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    a = tl.plan("proportion", baseline=0.05, mde=0.1, relative=True, variants=2,
                daily_traffic=20_000, sequential="obrien-fleming", looks=4)
    return a, "a plan has no truth: it says how many users a test of a 10% relative lift needs"


def _factorial(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.factorial_test(n or 20_000, seed=seed)
    a = tl.factorial(ds.data, factors={"layout": "old", "banner": "off"},
                     outcome=["purchased", "revenue"], covariates=["revenue_pre"])
    t = ds.truth
    return a, (f"true main effects on purchased: layout {t.main_effect('layout', 'purchased'):+.4f}, "
               f"banner {t.main_effect('banner', 'purchased'):+.4f}")


def _synth(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.geo_panel(12, 28, 14, treated=["R00"], seed=seed)
    a = tl.synth(ds.data, outcome="revenue", unit="region", time="date", treated="R00",
                 start=ds.truth.start, seed=seed)
    return a, f"true effect on the treated region: {ds.truth.att_region_day:+,.1f} revenue per day"


def _geo(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.geo_panel(n or 40, lift=0.05, seed=seed)
    a = tl.geo(ds.data, unit="region", time="date", outcome="revenue", treatment="treated",
               start=ds.truth.start, users="users", seed=seed)
    return a, f"true effect: {ds.truth.att_per_user:+.4f} revenue per user (a {ds.truth.lift:.0%} lift)"


def _geo_plan(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    history = tl.datasets.geo_panel(n or 40, 84, 0, seed=seed).data
    a = tl.geo_plan(history, unit="region", time="date", outcome="revenue", test_periods=28,
                    effect=0.05, seed=seed)
    return a, "history only: the plan reads the test's power off placebo windows of it"


def _rd(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.rd_data(n or 4_000, effect=0.1, seed=seed)
    a = tl.rd(ds.data, outcome="y", running="x", cutoff=ds.truth.cutoff, covariates=["age"])
    return a, f"true jump at the cutoff: {ds.truth.effect:+.3f}"


def _iv(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.encouragement(n or 10_000, seed=seed)
    a = tl.iv(ds.data, outcome="purchased", treatment="exposed", instrument="encouraged")
    return a, (f"true LATE of compliers: {ds.truth.late:+.3f} (the naive comparison would say "
               f"{ds.truth.naive:+.3f})")


def _switchback(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.switchback_orders(carryover=1.0, seed=seed)
    a = tl.switchback(ds.data, outcome="orders", time="time", treatment="treatment", slice="slice",
                      washout=2, fixed_effects=["hour"])
    return a, f"true effect: {ds.truth.effect:+.2f} orders per period, carryover {ds.truth.carryover:g}"


def _decompose(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.shop_test(n or 40_000, seed=seed)
    a = tl.decompose(ds.data, treatment="arm", control="control", revenue="revenue", orders="orders")
    rpc = ds.truth.rpc
    return a, f"true revenue per customer: {rpc['treatment'] - rpc['control']:+.3f} (treatment - control)"


def _funnel(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.shop_test(n or 40_000, seed=seed)
    a = tl.funnel(ds.data, treatment="arm", control="control", stages=list(ds.truth.stages))
    conv = ds.truth.conversion
    return a, f"true final-stage conversion lift: {conv['treatment'] - conv['control']:+.4f}"


def _ltv(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.subscription_test(n or 5_000, 6, seed=seed)
    a = tl.ltv(ds.data, unit="customer", time="period", revenue="revenue", treatment="variant",
               control="control", horizon=24, discount=0.01)
    return a, f"true incremental 24-period LTV: {ds.truth.incremental_ltv(24, 0.01):+.2f}"


def _project(n: int | None, seed: int) -> tuple[Any, str]:
    import truelift as tl

    ds = tl.datasets.homepage_test(n or 40_000, seed=seed)
    source = tl.readout(ds.data, treatment="variant", outcome=["purchased", "revenue"], bayes=False)
    a = tl.project(source, customers=1_000_000, outcome="revenue", cost_per_customer=0.05,
                   horizon=12, decay=0.05, seed=seed)
    return a, "the projection carries the readout's revenue effect to 1,000,000 customers"


DEMOS: dict[str, Demo] = {
    "plan": _plan, "factorial": _factorial, "synth": _synth, "geo": _geo, "geo-plan": _geo_plan,
    "rd": _rd, "iv": _iv, "switchback": _switchback, "decompose": _decompose, "funnel": _funnel,
    "ltv": _ltv, "project": _project,
}
"""Demo kind -> its generator and analysis."""

__all__ = ["DEMOS"]
