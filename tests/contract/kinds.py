"""One small, fast, realistic analysis of every public truelift entry, for contract tests.

Each entry of :data:`ENTRIES` is a public function ``truelift.<entry>``; :func:`build` calls it on
data from truelift's own generators (:mod:`truelift.datasets`) with fixed seeds, so the same entry
always gives the same result, and with arguments chosen to make the result rich (several
estimates, tables, figures, diagnostics) while staying small. ``project`` projects the ``readout``
result. Nothing is suppressed: an entry that warns, warns.

:func:`build_all` builds every entry once and caches the results (the objects are shared: do not
mutate them). Measured: ``build_all()`` takes about 7 s in a fresh interpreter (6.7-6.9 s over
three runs, plus 0.5 s to import truelift), single process with ``OMP_NUM_THREADS=1`` (as
tests/conftest.py sets) on a 2-core machine busy with other work; the slowest entries are observe
(2.3 s), uplift (1.9 s), did (1.3 s) and rd (0.8 s), part of it first imports of their libraries.
Two fresh runs give byte-identical ``to_dict()`` JSON for every entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import truelift as tl
from truelift.datasets._impact_shop import STAGES

ENTRIES: tuple[str, ...] = (
    "observe", "readout", "plan", "factorial", "uplift", "did", "synth", "geo", "geo_plan",
    "rd", "iv", "switchback", "decompose", "funnel", "ltv", "project",
)

_PERSONALIZATION_COVARIATES = ["engagement_score", "past_purchases", "account_age_days", "device_type"]
_HOMEPAGE_FUNNEL = ["viewed_product", "added_to_cart", "checked_out", "purchased"]
_COUPON_COVARIATES = [f"x{i}" for i in range(1, 11)]


def _observe() -> object:
    data = tl.datasets.personalization(1_500, seed=7).data
    return tl.observe(data, treatment="received_personalization", outcome=["made_purchase", "revenue"],
                      covariates=_PERSONALIZATION_COVARIATES, unit="customer_id",
                      method=["ipw", "regression", "aipw"], refute=True, seed=3,
                      customers=1_000_000, rollout=0.5)


def _readout() -> object:
    data = tl.datasets.homepage_test(8_000, seed=1).data
    return tl.readout(data, treatment="variant", control="control",
                      outcome=["purchased", "revenue", "aov=revenue/orders"],
                      guardrails=["ctr=clicks/impressions"], covariates=["revenue_pre", "sessions_pre"],
                      segments=["device", "visitor"], funnel=_HOMEPAGE_FUNNEL, time="day",
                      sequential="always-valid", horizon=8_000, seed=1)


def _plan() -> object:
    return tl.plan("proportion", baseline=0.05, mde=0.1, relative=True, variants=2,
                   daily_traffic=20_000, sequential="obrien-fleming", looks=4)


def _factorial() -> object:
    data = tl.datasets.factorial_test(8_000, seed=5).data
    return tl.factorial(data, factors={"layout": "old", "banner": "off"}, outcome=["purchased", "revenue"],
                        covariates=["revenue_pre"])


def _uplift() -> object:
    data = tl.datasets.coupon_campaign(n=3_000, seed=3).data
    return tl.uplift(data, treatment="arm", control="control", outcome=["converted", "revenue"],
                     covariates=_COUPON_COVARIATES, value=30.0, cost=1.0, segments=["x3"],
                     unit="customer_id", seed=3)


def _did() -> object:
    panel, _ = tl.datasets.staggered_panel(units=150, periods=8, cohorts=(3, 5, 7), seed=3)
    return tl.did(panel, outcome="y", time="period", treatment="treated", unit="unit", seed=3)


def _synth() -> object:
    geo = tl.datasets.geo_panel(12, 28, 14, treated=["R00"], seed=2)
    return tl.synth(geo.data, outcome="revenue", unit="region", time="date", treated="R00",
                    start=geo.truth.start, seed=2)


def _geo() -> object:
    geo = tl.datasets.geo_panel(20, 42, 21, lift=0.05, seed=1)
    return tl.geo(geo.data, unit="region", time="date", outcome="revenue", treatment="treated",
                  start=geo.truth.start, users="users", seed=1)


def _geo_plan() -> object:
    history = tl.datasets.geo_panel(20, 56, 0, seed=4).data
    return tl.geo_plan(history, unit="region", time="date", outcome="revenue", method="pairs",
                       test_periods=14, effect=0.05, reps=60, seed=4)


def _rd() -> object:
    data = tl.datasets.rd_data(1_500, effect=0.1, fuzzy=True, seed=11).data
    return tl.rd(data, outcome="y", running="x", cutoff=0.0, treatment="treated", covariates=["age"])


def _iv() -> object:
    data = tl.datasets.encouragement(5_000, late=0.05, complier_share=0.4, seed=3).data
    return tl.iv(data, outcome="purchased", treatment="exposed", instrument="encouraged",
                 covariates=["visits_before"])


def _switchback() -> object:
    data = tl.datasets.switchback_orders(days=7, carryover=1.0, carryover_periods=2, noise_sd=1.0,
                                         seed=3).data
    return tl.switchback(data, outcome="orders", time="time", treatment="treatment", slice="slice",
                         washout=2, fixed_effects=("hour",))


def _decompose() -> object:
    data, _ = tl.datasets.shop_test(4_000, seed=3)
    return tl.decompose(data, treatment="arm", control="control", revenue="revenue", orders="orders")


def _funnel() -> object:
    data, _ = tl.datasets.shop_test(4_000, seed=3)
    return tl.funnel(data, treatment="arm", control="control", stages=list(STAGES))


def _ltv() -> object:
    data, _ = tl.datasets.subscription_test(400, 6, seed=3)
    return tl.ltv(data, unit="customer", time="period", revenue="revenue", treatment="variant",
                  control="control", horizon=12, discount=0.02)


def _project() -> object:
    return tl.project(build("readout"), customers=1_000_000, outcome="revenue", cost_per_customer=0.02,
                      fixed_cost=10_000.0, horizon=12, decay=0.05, target=50_000.0, draws=5_000, seed=1)


_BUILDERS: dict[str, Callable[[], object]] = {
    "observe": _observe, "readout": _readout, "plan": _plan, "factorial": _factorial, "uplift": _uplift,
    "did": _did, "synth": _synth, "geo": _geo, "geo_plan": _geo_plan, "rd": _rd, "iv": _iv,
    "switchback": _switchback, "decompose": _decompose, "funnel": _funnel, "ltv": _ltv,
    "project": _project,
}
assert tuple(_BUILDERS) == ENTRIES


@functools.cache
def build(entry: str) -> object:
    """The analysis of ``entry`` (one of :data:`ENTRIES`), built once and cached."""
    try:
        builder = _BUILDERS[entry]
    except KeyError:
        raise ValueError(f"unknown entry {entry!r}; expected one of {ENTRIES}") from None
    return builder()


def build_all() -> dict[str, object]:
    """Every entry's analysis, in :data:`ENTRIES` order: a new dict of the cached results of
    :func:`build` (the results are shared between calls: do not mutate them)."""
    return {entry: build(entry) for entry in ENTRIES}
