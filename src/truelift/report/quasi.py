"""The quasi-experiment analysis, read for people: formatted facts shared by every front.

:func:`view` turns a :class:`~truelift.quasi.result.QuasiAnalysis` (any design: DiD, event study,
synthetic control, geo, RD, IV, switchback) into plain dicts and lists of *strings*, every number
through :mod:`truelift.report.format`, so the terminal summary and the HTML report say the same
thing. Nothing here computes a statistic.
"""

from __future__ import annotations

import math
from typing import Any

from truelift.report import format as fmt
from truelift.report.observational import STATUS_LABEL, data_rows, provenance_rows
from truelift.schema import Diagnostic, Estimate, Status

METHOD_LABEL = {
    "twfe": "two-way fixed effects (TWFE)", "did_2x2": "2x2 difference-in-differences",
    "callaway_santanna": "Callaway & Sant'Anna", "cs": "Callaway & Sant'Anna",
    "sun_abraham": "Sun & Abraham", "synth": "synthetic control", "synthetic_control": "synthetic control",
    "rdrobust": "local polynomial RD (rdrobust)", "2sls": "two-stage least squares (2SLS)",
    "first_stage": "first stage", "reduced_form": "reduced form", "ols": "OLS (naive)",
    "switchback": "switchback regression",
}


def _label(method: str) -> str:
    return METHOD_LABEL.get(method, method.replace("_", " "))


def _diag(d: Diagnostic) -> dict[str, str]:
    s = Status(d.status)
    return {"status": s.value, "label": STATUS_LABEL[s], "name": d.name.replace("_", " "),
            "message": d.message, "value": fmt.short(d.value),
            "threshold": fmt.MISSING if d.threshold is None else fmt.short(d.threshold)}


def estimate_row(e: Estimate, outcome: str | None = None) -> dict[str, str]:
    """One estimate, formatted; its outcome is named beside the estimand when it is not ``outcome``
    (the analysis's own, e.g. a funnel step or a revenue component)."""
    rel = e.relative
    estimand = e.estimand if outcome is None or e.outcome == outcome else f"{e.estimand} ({e.outcome})"
    return {
        "method": _label(e.method), "estimand": estimand,
        "value": fmt.number(e.value, signed=True), "se": fmt.number(e.se),
        "ci": fmt.interval(*e.ci, fmt=lambda x: fmt.number(x, signed=True)),
        "pvalue": fmt.pvalue(e.pvalue),
        "relative": fmt.MISSING if rel is None else fmt.percent(rel.value),
        "relative_ci": "" if rel is None else fmt.interval(*rel.ci, fmt=fmt.percent),
        "baseline": fmt.number(e.baseline), "mean_treated": fmt.number(e.mean_treated),
        "n_treated": fmt.integer(e.n_treated), "n_control": fmt.integer(e.n_control),
        "se_kind": e.se_kind.replace("_", " "),
    }


def sentence(analysis: Any, e: Estimate) -> str:
    """One plain sentence for an estimate."""
    r = estimate_row(e)
    lvl = fmt.level(e.level)
    text = (f"{r['method']}: {e.estimand} on {e.outcome} = {r['value']} "
            f"({lvl} CI {r['ci']}, p {r['pvalue']})")
    if e.relative is not None:
        text += f", {r['relative']} relative to a counterfactual mean of {r['baseline']}"
    return text + "."


def _cell(c: Any) -> str:
    if c is None:
        return fmt.MISSING
    if isinstance(c, bool):
        return "yes" if c else "no"
    if isinstance(c, int):
        return fmt.integer(c)
    if isinstance(c, float):
        return fmt.MISSING if not math.isfinite(c) else fmt.short(c)
    return str(c)


P_COLUMNS = {"p", "pvalue", "p-value", "p_value", "p value", "p holm", "p_holm", "p (holm)",
             "permutation p", "p_permutation", "p_value_holm", "p_value_bh", "p_value_always_valid"}
"""Table columns that hold p-values (formatted as p-values, never rounded to 0)."""

LABELS = {"ci_low": "CI low", "ci_high": "CI high", "p_value": "p", "p_value_holm": "p (Holm)",
          "p_value_bh": "p (BH)", "p_value_always_valid": "always-valid p", "se": "SE",
          "ate": "ATE", "auuc": "AUUC", "n_effective": "n effective", "h": "bandwidth",
          "ltv": "LTV", "smd_before": "SMD before", "smd_after": "SMD after",
          "ltv_observed": "LTV observed", "ltv_extrapolated": "LTV extrapolated",
          "value_median": "incremental value (median)", "value_80_low": "value 80% low",
          "value_80_high": "value 80% high", "value_ci_low": "value CI low",
          "value_ci_high": "value CI high", "profit_median": "profit (median)",
          "profit_80_low": "profit 80% low", "profit_80_high": "profit 80% high",
          "profit_ci_low": "profit CI low", "profit_ci_high": "profit CI high", "prob_loss": "P(loss)",
          "prob_target": "P(profit >= target)"}
"""Human labels of table columns whose plain form would not read well."""


def column_label(name: str) -> str:
    """A table column's key as a reader sees it: ``"ci_low"`` -> ``"CI low"``,
    ``"pretend_start"`` -> ``"pretend start"`` (never snake_case)."""
    if name in LABELS:
        return LABELS[name]
    words = name.replace("_", " ").split()
    return " ".join(LABELS.get(w, w) if w in ("se", "ate", "ltv", "auuc") else w for w in words)


def table_view(t: Any) -> dict[str, Any]:
    """A result table with every cell formatted (p-value columns as p-values)."""
    is_p = [c.lower() in P_COLUMNS for c in t.columns]
    return {"name": t.name, "title": t.title, "columns": [column_label(c) for c in t.columns],
            "rows": [[fmt.pvalue(c) if p and isinstance(c, float) else _cell(c)
                      for c, p in zip(row, is_p, strict=True)] for row in t.rows]}


# ---------------------------------------------------------------------------------------- geo plan
def geo_plan_view(plan: Any) -> dict[str, Any]:
    """Everything the fronts show of a :class:`~truelift.quasi.geo.GeoPlan`, as strings."""
    v = plan.verdict
    method = {"pairs": "matched pairs, randomized within each pair",
              "random": "randomized regions"}.get(plan.method, plan.method)
    facts = [
        ("regions", f"{fmt.integer(plan.n_regions)} ({fmt.integer(plan.n_treated)} treated)"),
        ("assignment", method),
        ("test length", f"{fmt.integer(plan.test_periods)} periods, after {fmt.integer(plan.pre_periods)} "
                        "pre-periods"),
        ("baseline", f"{fmt.short(plan.baseline)} {plan.outcome} per region and period"),
        ("minimum detectable lift", f"{fmt.short(plan.mde)} per region and period "
                                    f"({fmt.percent(plan.mde_relative, signed=False)} of the baseline), "
                                    f"at {fmt.share(plan.power, 0)} power and alpha {fmt.short(plan.alpha)}"),
        ("SD of the estimate, no effect", fmt.short(plan.null_sd)),
        ("false-positive rate on history", f"{fmt.share(plan.false_positive_rate, 1)} over "
                                           f"{fmt.integer(plan.windows)} placebo windows"),
    ]
    if plan.effect is not None and plan.power_at_effect is not None:
        facts.append((f"power at a {fmt.percent(plan.effect, signed=False)} lift",
                      fmt.share(plan.power_at_effect, 0)))
    sentence = (f"With {fmt.integer(plan.n_regions)} regions and a {fmt.integer(plan.test_periods)}-period "
                f"test, a lift of {fmt.percent(plan.mde_relative, signed=False)} or more is detected "
                f"{fmt.share(plan.power, 0)} of the time.")
    diags = [_diag(d) for d in plan.diagnostics]
    return {
        "kind": plan.kind, "outcome": plan.outcome, "region": plan.region,
        "status": Status(v.status).value, "status_label": STATUS_LABEL[Status(v.status)],
        "headline": v.headline, "sentences": [sentence], "facts": facts,
        "diagnostics": diags, "reasons": [d for d in diags if d["status"] != "ok"],
        "assignment": table_view(plan.assignment), "notes": list(plan.notes),
        "data": data_rows(plan), "provenance": provenance_rows(plan),
    }


def geo_plan_page(plan: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of a geo plan: the design and its power, the
    diagnostics, the assignment of every region."""
    from truelift.report.page import Facts, Page, Section
    from truelift.report.views import diagnostics_section, drawn, reasons, status_of, table_section

    v = geo_plan_view(plan)
    status, label = status_of(plan.verdict)
    sections = [Section.of("Design and power", Facts.of(v["facts"]), id="tl-design")]
    if plan.diagnostics:
        sections.append(diagnostics_section(list(plan.diagnostics), threshold=False,
                                            title="Diagnostics"))
    sections.append(table_section(plan.assignment))
    return Page(kind=plan.kind, title=f"truelift geo plan: {v['outcome']} by {v['region']}",
                status=status, status_label=label, headline=v["headline"],
                sentences=tuple(v["sentences"]), reasons=reasons(list(plan.diagnostics)),
                sections=tuple(sections), figures=drawn(plan) if figures else (),
                notes=tuple(v["notes"]), data=tuple(v["data"]), provenance=tuple(v["provenance"]))


__all__ = [
    "column_label",
    "estimate_row",
    "geo_plan_page",
    "geo_plan_view",
    "sentence",
    "table_view",
]
