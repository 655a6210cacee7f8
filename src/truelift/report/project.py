"""Rollout scenarios read for people: the terminal summary, the full report and the one-page
decision brief of a :class:`~truelift.impact.scenarios.ScenarioAnalysis` (``tl.project``).

:func:`view` turns the result into strings (numbers through :mod:`truelift.report.format`); the
terminal, the report and the brief say the same thing. Nothing here computes a statistic; the
recommendation in the brief is a wording of the result's own numbers (probability of a loss, the
verdict of the measured effect), stated with the rule it follows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from truelift.report import format as fmt
from truelift.report.observational import STATUS_LABEL, provenance_rows
from truelift.report.quasi import _diag, table_view
from truelift.schema import Status

LOSS_GO = 0.05
"""At most this probability of a loss (moderate scenario) and a trustworthy effect: "roll out"."""
LOSS_STOP = 0.5
"""At least this probability of a loss: "do not roll out"."""


def _money(x: Any) -> str:
    return fmt.compact(x, signed=True)


def _interval(lo_hi: tuple[float, float]) -> str:
    return fmt.interval(*lo_hi, fmt=lambda x: fmt.compact(x, signed=True))


def scenario_rows(analysis: Any) -> list[dict[str, str]]:
    """One row of strings per scenario."""
    lvl = fmt.level(analysis.level)
    rows = []
    for s in analysis.scenarios:
        rows.append({
            "name": s.name, "rollout": fmt.share(s.rollout, 0), "reach": fmt.share(s.reach, 0),
            "customers": fmt.compact(s.customers_reached),
            "revenue": _money(s.revenue_p50), "revenue_80": _interval(s.revenue_80),
            "revenue_ci": _interval(s.revenue_ci), "cost": fmt.compact(s.cost),
            "profit": _money(s.profit_p50), "profit_80": _interval(s.profit_80),
            "profit_ci": _interval(s.profit_ci), "prob_loss": fmt.share(s.prob_loss, 0),
            "prob_target": fmt.MISSING if s.prob_target is None else fmt.share(s.prob_target, 0),
            "level": lvl,
        })
    return rows


def recommendation(analysis: Any) -> tuple[str, str]:
    """``(status, sentence)``: what to do, from the moderate scenario's probability of a loss and
    the verdict of the measured effect (rule: roll out when P(loss) <= 5% and the effect's own
    verdict is not FAIL; hold when P(loss) >= 50%; otherwise test further or roll out in stages)."""
    mod = analysis.scenario(analysis.moderate)
    source = Status.worst(d.status for d in analysis.diagnostics if d.name == "source_verdict")
    p = mod.prob_loss
    if source is Status.FAIL:
        return "fail", ("Do not decide on this number yet: the measured effect failed its own "
                        "checks. Fix the measurement (see its report), then project again.")
    if source is Status.WARN and p < LOSS_STOP:  # a likely loss says "hold" whatever the source
        return "warn", ("Do not roll out on this number alone: the measured effect's own verdict "
                        "is WARN. Read its reasons; the projection below assumes the effect holds "
                        f"(in the {mod.name} scenario the chance of a loss is {fmt.share(p, 0)}).")
    if p <= LOSS_GO:
        return "ok", (f"Roll out: in the {mod.name} scenario the chance of losing money is "
                      f"{fmt.share(p, 0)} and the median profit is {_money(mod.profit_p50)}.")
    if p >= LOSS_STOP:
        return "fail", (f"Do not roll out as planned: in the {mod.name} scenario a loss is more likely "
                        f"than not ({fmt.share(p, 0)}).")
    return "warn", (f"Roll out in stages or test longer: the {mod.name} scenario has a "
                    f"{fmt.share(p, 0)} chance of a loss; the effect's interval is still wide "
                    "relative to the cost.")


def view(analysis: Any) -> dict[str, Any]:
    """Everything the fronts show, as strings."""
    e = analysis.source_estimate
    v = analysis.verdict
    rec_status, rec = recommendation(analysis)
    mod = analysis.scenario(analysis.moderate)
    article = "an" if analysis.source_kind[:1] in "aeiou" else "a"
    ci = fmt.interval(*e.ci, fmt=lambda x: fmt.number(x, signed=True))
    measured = (f"{analysis.estimate_name}: {fmt.number(e.value, signed=True)} per customer "
                f"({fmt.level(e.level)} CI {ci}, p {fmt.pvalue(e.pvalue)}), from {article} "
                f"{analysis.source_kind} result ({analysis.source}).")
    label = mod.name.capitalize() + ("" if "rollout" in mod.name.lower() else " rollout")
    worth = (f"{label} ({fmt.share(mod.rollout, 0)} of "
             f"{fmt.compact(analysis.customers)} customers, {analysis.horizon} periods): median "
             f"incremental profit {_money(mod.profit_p50)}, 80% interval {_interval(mod.profit_80)}, "
             f"{fmt.level(analysis.level)} interval {_interval(mod.profit_ci)}.")
    sure = f"Chance of a loss {fmt.share(mod.prob_loss, 0)}"
    if mod.prob_target is not None and analysis.target is not None:
        sure += (f"; chance of reaching the target of {fmt.compact(analysis.target)} "
                 f"{fmt.share(mod.prob_target, 0)}")
    sure += "."
    assumptions = [
        f"value of one unit of {analysis.outcome}: {fmt.short(analysis.value)}",
        f"cost per customer reached and period: {fmt.short(analysis.cost_per_customer)}; fixed cost "
        f"{fmt.compact(analysis.fixed_cost)}",
        f"effect decay per period: {fmt.share(analysis.decay, 0)}",
        f"{fmt.integer(analysis.draws)} Monte Carlo draws of the effect from its sampling distribution",
    ]
    diags = [_diag(d) for d in analysis.diagnostics]
    return {
        "kind": analysis.kind, "outcome": analysis.outcome, "moderate": analysis.moderate,
        "status": Status(v.status).value, "status_label": STATUS_LABEL[Status(v.status)],
        "headline": v.headline, "sentences": [measured, worth, sure],
        "measured": measured, "worth": worth, "sure": sure,
        "recommendation": rec, "recommendation_status": rec_status,
        "scenarios": scenario_rows(analysis), "level": fmt.level(analysis.level),
        "assumptions": assumptions, "diagnostics": diags,
        "reasons": [d for d in diags if d["status"] != "ok"],
        "tables": [table_view(t) for t in analysis.tables], "notes": list(analysis.notes),
        "provenance": provenance_rows(analysis),
    }


def page(analysis: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of a projection: what to do, the scenarios, the
    assumptions, the diagnostics (HTML), the fan and tornado figures."""
    from truelift.report.page import Grid, Page, Prose, Section
    from truelift.report.views import diagnostics_section, drawn, reasons, status_of

    v = view(analysis)
    lvl = v["level"]
    status, label = status_of(analysis.verdict)
    scen = Grid.of([("scenario", "left"), "rollout", "reach", "customers", "revenue\n(median)",
                    "revenue\n80%", f"revenue\n{lvl}", "cost", "profit\n(median)", "profit\n80%",
                    f"profit\n{lvl}", "P(loss)", "P(target)"],
                   [[s["name"], s["rollout"], s["reach"], s["customers"], s["revenue"], s["revenue_80"],
                     s["revenue_ci"], s["cost"], s["profit"], s["profit_80"], s["profit_ci"],
                     s["prob_loss"], s["prob_target"]] for s in v["scenarios"]], wrap=False)
    tone = {"ok": "better", "warn": "strong", "fail": "alert"}.get(v["recommendation_status"], "")
    from truelift.report.page import Cell

    sections = [
        Section.of("What to do", Prose.of(Cell(v["recommendation"], tone)), id="tl-decision"),  # type: ignore[arg-type]
        Section.of("Scenarios (money in the units of value)", scen, id="tl-scenarios"),
        Section.of("Assumptions", Prose.of(*v["assumptions"], bullets=True, dim=True),
                   id="tl-assumptions", style="dim"),
    ]
    if analysis.diagnostics:
        sections.append(dataclasses.replace(
            diagnostics_section(list(analysis.diagnostics), threshold=False, title="Diagnostics"),
            where="html"))
    return Page(kind=analysis.kind, title=f"truelift project: {v['outcome']}", status=status,
                status_label=label, headline=v["headline"], sentences=tuple(v["sentences"]),
                reasons=reasons(list(analysis.diagnostics)), sections=tuple(sections),
                figures=drawn(analysis) if figures else (), notes=tuple(v["notes"]),
                provenance=tuple(v["provenance"]))


def render_brief(analysis: Any) -> str:
    """The one-page decision brief (a self-contained HTML page): what was measured, what it is
    worth, how sure we are, what to do."""
    from truelift.report.draw import DRAW
    from truelift.report.html import _environment
    from truelift.schema.version import VERSION as __version__

    v = view(analysis)
    fan = next((f for f in analysis.figures if f.kind == "fan"), None)
    svg = ""
    if fan is not None and analysis.moderate in fan.data.get("series", {}):
        # one page, one scenario: the moderate one's fan
        one = {analysis.moderate: fan.data["series"][analysis.moderate]}
        only = dataclasses.replace(fan, name="brief_fan", data={**fan.data, "series": one})
        svg = DRAW["fan"](only)
    return _environment().get_template("report.html.j2").render(
        body_template="brief.html.j2", standalone=True, version=__version__, v=v, fan=svg,
        kind=analysis.kind,
        title=f"truelift decision brief: {v['outcome']}")


def write_brief(analysis: Any, path: Any) -> Any:
    """Write the decision brief to ``path`` (a self-contained HTML file); return the path."""
    from pathlib import Path

    p = Path(path)
    p.write_text(render_brief(analysis), encoding="utf-8")
    return p


__all__ = ["page", "recommendation", "render_brief", "scenario_rows", "view", "write_brief"]
