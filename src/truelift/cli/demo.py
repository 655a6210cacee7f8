"""``truelift demo --kind K``: a whole job on generated data whose truth is known, for every
analysis kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from truelift.cli.observational import run_observe
from truelift.cli.quasi import did_demo
from truelift.cli.shared import (
    BadInput,
    Compact,
    app,
    error,
    render,
    run,
    stdout_console,
)
from truelift.errors import TrueliftError

DEMO_OUTCOMES = ("made_purchase", "revenue")
DEMO_COVARIATES = ("engagement_score", "past_purchases", "account_age_days", "device_type")


@app.command()
def demo(
    kind: Annotated[str, typer.Option(help="observe (a biased rollout), readout (a randomized "
                                      "homepage test), uplift (a coupon campaign: whom to "
                                      "target), did (a staggered regional rollout), or any other "
                                      "analysis: plan, factorial, synth, geo, geo-plan, rd, iv, "
                                      "switchback, decompose, funnel, ltv, project.")] = "observe",
    n: Annotated[int | None, typer.Option("--n", help="Customers (users) to generate. [default: "
                                          "10,000 for observe, 40,000 for readout]")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generator and of the analysis.")] = 1,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report here. [default: "
                                                "truelift-demo.html / truelift-readout-demo.html]")] = None,
    json: Annotated[Path | None, typer.Option("--json", help="Write the JSON result here.")] =
        None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary, no progress.")] =
        False,
    compact: Compact = False,
) -> None:
    """Run a whole job on generated data whose true effect is known."""

    try:
        if kind == "observe":
            from truelift.datasets import personalization

            n = 10_000 if n is None else n
            if n < 100:
                raise BadInput(f"--n must be at least 100 customers; got {n}")
            data, truth = personalization(n, seed)
            analysis = run_observe(
                quiet, data=data, treatment="received_personalization", outcome=list(DEMO_OUTCOMES),
                covariates=list(DEMO_COVARIATES), unit="customer_id", method="all", estimand="ATT",
                seed=seed, customers=1_000_000, rollout=0.5)
            render(analysis, quiet=quiet, compact=compact,
                    report=report or Path("truelift-demo.html"), json=json)
            if not quiet:
                stdout_console().print(_truth_table(analysis, truth))
        elif kind == "readout":
            from truelift.datasets import homepage_test
            from truelift.experiment.readout import readout as run_readout

            n = 40_000 if n is None else n
            if n < 1_000:
                raise BadInput(f"--n must be at least 1,000 users; got {n}")
            data, truth = homepage_test(n=n, seed=seed)
            analysis = run(
                quiet, run_readout, data=data, treatment="variant", control="control",
                outcome=list(DEMO_METRICS), guardrails=["ctr=clicks/impressions"],
                covariates=["revenue_pre", "sessions_pre"], segments=["device", "visitor"],
                funnel=list(DEMO_FUNNEL), time="day", sequential="always-valid", horizon=n, seed=seed)
            render(analysis, quiet=quiet, compact=compact,
                    report=report or Path("truelift-readout-demo.html"), json=json)
            if not quiet:
                stdout_console().print(_readout_truth_table(analysis, truth))
        elif kind == "uplift":
            from truelift.datasets import coupon_campaign
            from truelift.hte.analysis import uplift as run_uplift

            n = 20_000 if n is None else n
            if n < 2_000:
                raise BadInput(f"--n must be at least 2,000 customers; got {n}")
            data, truth = coupon_campaign(n=n, seed=seed)
            analysis = run(
                quiet, run_uplift, data=data, treatment="arm", control="control",
                outcome=["converted", "revenue"], covariates=[f"x{i}" for i in range(1, 11)],
                value=DEMO_MARGIN, cost=DEMO_COUPON_COST, segments=["x3", "x5"], unit="customer_id",
                seed=seed)
            render(analysis, quiet=quiet, compact=compact,
                    report=report or Path("truelift-uplift-demo.html"), json=json)
            if not quiet:
                stdout_console().print(_uplift_truth_table(analysis, truth))
        elif kind == "did":

            did_demo(n=n, seed=seed, report=report, json=json, quiet=quiet, compact=compact)
        elif kind in DEMOS:
            analysis, truth_line = run(quiet, lambda progress: DEMOS[kind](n, seed))
            render(analysis, quiet=quiet, compact=compact,
                    report=report or Path(f"truelift-{kind}-demo.html"), json=json)
            if not quiet:
                stdout_console().print("Known truth of the generator: " + truth_line, markup=False)
        else:
            raise BadInput(f"--kind must be one of {', '.join(DEMO_KINDS)}; got {kind!r}")
    except TrueliftError as exc:
        raise error(str(exc)) from None


DEMO_KINDS = ("observe", "readout", "uplift", "did", "plan", "factorial", "synth", "geo", "geo-plan",
              "rd", "iv", "switchback", "decompose", "funnel", "ltv", "project")
"""Every kind ``truelift demo --kind`` runs (one per public entry)."""
DEMO_MARGIN = 30.0  # margin of one conversion in the uplift demo
DEMO_COUPON_COST = 2.0  # cost of one coupon sent

DEMO_METRICS = ("purchased", "revenue", "aov=revenue/orders")
DEMO_FUNNEL = ("viewed_product", "added_to_cart", "checked_out", "purchased")


def _uplift_truth_table(analysis: Any, truth: Any) -> Any:
    """Estimated vs true ATE and group shares of the uplift demo (the generator knows them)."""
    from truelift.report import format as fmt
    from truelift.report.terminal import adaptive_table

    rows = []
    for res in analysis.results:
        for arm in res.arms:
            true = truth.ate[arm.arm][res.outcome]
            rows.append([f"ATE {arm.arm} on {res.outcome}",
                         f"{fmt.number(arm.ate.value)} {fmt.interval(*arm.ate.ci)}", fmt.number(true)])
    first = analysis.results[0].arms[0]
    gr = first.groups
    tau = truth.per_customer[f"cate_{first.outcome}_{first.arm}"].to_numpy()
    p0 = truth.per_customer["p0"].to_numpy()
    # the true groups by the analysis's own thresholds, from the generator's true effects
    true_label = {
        "persuadable": tau >= gr.effect_threshold,
        "sleeping dog": tau <= -gr.sleeping_threshold,
    }
    middle = ~(true_label["persuadable"] | true_label["sleeping dog"])
    true_label["sure thing"] = middle & (p0 >= gr.baseline_threshold)
    true_label["lost cause"] = middle & (p0 < gr.baseline_threshold)
    for g in gr.groups:
        rows.append([f"share {g.name} ({first.outcome})", fmt.percent(g.share, signed=False),
                     fmt.percent(float(true_label[g.name].mean()), signed=False)])
    return adaptive_table("Known truth (the generator's per-customer effects)",
                          [("quantity", "left"), "estimated", "true"], rows)


def _readout_truth_table(analysis: Any, truth: Any) -> Any:
    """The readout demo's lifts next to the generator's true population lifts."""
    from truelift.report import format as fmt
    from truelift.report.terminal import adaptive_table

    binary = {m.name: m.binary for m in analysis.metrics}
    rows = []
    for lift in analysis.lifts:
        true = truth.absolute(lift.metric, str(lift.variant))
        b = binary[lift.metric]
        est = lift.estimate
        rows.append([lift.metric, str(lift.variant), fmt.lift(est.value, binary=b),
                     fmt.lift_interval(*est.ci, binary=b), fmt.lift(true, binary=b),
                     "yes" if est.ci[0] <= true <= est.ci[1] else "NO"])
    return adaptive_table(
        "Known truth of the generator (population lift of each variant over control)",
        [("metric", "left"), ("variant", "left"), "estimate", f"{fmt.level(analysis.level)} CI",
         "true lift", ("CI covers\ntruth", "left")], rows)


def _truth_table(analysis: Any, truth: Any) -> Any:
    """The demo's point: the estimates next to the generator's known true ATT."""
    from rich.text import Text

    from truelift.report import format as fmt
    from truelift.report.observational import binary_outcomes
    from truelift.report.terminal import adaptive_table

    binary = binary_outcomes(analysis)
    rows = []
    for outcome in analysis.roles.outcomes:
        b = binary[outcome]
        ests = [e for e in analysis.naive if e.outcome == outcome]
        ests += [e for e in analysis.estimates if e.outcome == outcome]
        true_att = truth.att[outcome]
        for est in ests:
            covers = est.ci[0] <= true_att <= est.ci[1]
            cells = [outcome, est.method + (" *" if est.method == analysis.primary else ""),
                     fmt.lift(est.value, binary=b), fmt.lift_interval(*est.ci, binary=b),
                     fmt.lift(true_att, binary=b), fmt.lift(truth.population_att[outcome], binary=b),
                     "yes" if covers else "NO"]
            style = "dim" if est.method == "naive" else ""
            rows.append([Text(c, style=style) for c in cells])
    return adaptive_table(
        "Known truth of the generator (ATT: effect on the treated; * = primary)",
        [("outcome", "left"), ("method", "left"), "estimate", f"{fmt.level(analysis.level)} CI",
         "true ATT\n(sample)", "true ATT\n(population)", ("CI covers\nsample truth", "left")], rows)


# --------------------------------------------------------------------------- the other kinds
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

__all__ = ["DEMOS", "DEMO_KINDS", "demo"]
