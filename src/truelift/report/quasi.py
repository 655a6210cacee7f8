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


def all_diagnostics(analysis: Any) -> list[Diagnostic]:
    """The analysis's diagnostics, then each estimate's own."""
    return [*analysis.diagnostics, *(d for e in analysis.estimates for d in e.diagnostics)]


def reasons(analysis: Any) -> list[dict[str, str]]:
    """Every diagnostic that is not OK, failures first."""
    order = {Status.FAIL: 0, Status.WARN: 1, Status.INFO: 2}
    bad = [d for d in all_diagnostics(analysis) if Status(d.status) is not Status.OK]
    return [_diag(d) for d in sorted(bad, key=lambda d: order[Status(d.status)])]


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
          "ltv": "LTV", "smd_before": "SMD before", "smd_after": "SMD after"}
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


def view(analysis: Any) -> dict[str, Any]:
    """Everything the fronts show, as strings."""
    v = analysis.verdict
    return {
        "kind": analysis.kind, "design": analysis.design, "title": analysis.title,
        "outcome": analysis.outcome,
        "level": fmt.level(analysis.level),
        "status": Status(v.status).value, "status_label": STATUS_LABEL[Status(v.status)],
        "headline": v.headline,
        "sentences": [sentence(analysis, e) for e in analysis.estimates],
        "identification": analysis.identification,
        "estimates": [estimate_row(e, analysis.outcome) for e in analysis.estimates],
        "diagnostics": [_diag(d) for d in all_diagnostics(analysis)],
        "reasons": reasons(analysis),
        "tables": [table_view(t) for t in analysis.tables],
        "notes": list(analysis.notes),
        "data": data_rows(analysis), "provenance": provenance_rows(analysis),
    }


def rich_summary(analysis: Any) -> Any:
    """The rich renderable of a quasi-experiment (registered in ``terminal.RENDERERS``)."""
    from rich.console import Group
    from rich.text import Text

    from truelift.report.terminal import _kv, _panel, _status, _table, _verdict_panel

    v = view(analysis)
    lvl = v["level"]
    parts: list[Any] = [_verdict_panel(v, f"truelift {v['design']}: {v['title']} -> {v['outcome']}",
                                       v["reasons"])]
    parts.append(_panel(Text(v["identification"]), "What is estimated, and under which assumption",
                        style="dim"))
    est = _table(None, [("method", "left"), f"estimate [{lvl} CI]", "p", f"relative [{lvl} CI]",
                        "counterfactual\nmean", "units\ntreated / control"],
                 [[f"{e['method']}\n{e['estimand']}; se {e['se']} ({e['se_kind']})",
                   f"{e['value']} {e['ci']}", e["pvalue"], f"{e['relative']} {e['relative_ci']}".strip(),
                   e["baseline"], f"{e['n_treated']} / {e['n_control']}"] for e in v["estimates"]],
                 compact=True)
    parts.append(_panel(est, "Estimates"))
    diag = _table(None, [("", "left"), ("check", "left"), "value", "threshold", ("what it means", "left")],
                  [[_status(d["status"], d["label"]), d["name"], d["value"], d["threshold"], d["message"]]
                   for d in v["diagnostics"]], compact=True)
    parts.append(_panel(diag, "Diagnostics"))
    for t in v["tables"]:
        cols: list[str | tuple[str, str]] = [(c, "left") if i == 0 else c for i, c in enumerate(t["columns"])]
        parts.append(_panel(_table(None, cols, t["rows"], compact=True, no_wrap=True), t["title"]))
    if v["notes"]:
        parts.append(_panel(Group(*[Text("• " + n) for n in v["notes"]]), "Notes", style="dim"))
    parts.append(_panel(_kv(v["data"]), "Data"))
    return Group(*parts)


def html_context(analysis: Any) -> dict[str, Any]:
    """The context of ``templates/quasi.html.j2`` (registered in ``html.KINDS``)."""
    from truelift.report.quasi_figures import report_figures

    v = view(analysis)
    return {"v": v, "figures": report_figures(analysis),
            "title": f"truelift {v['design']}: {v['title']} -> {v['outcome']}"}




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


def geo_plan_summary(plan: Any) -> Any:
    """The rich renderable of a geo plan (registered in ``terminal.RENDERERS``)."""
    from rich.console import Group
    from rich.text import Text

    from truelift.report.terminal import _kv, _panel, _status, _table, _verdict_panel

    v = geo_plan_view(plan)
    title = f"truelift geo plan: {v['outcome']} by {v['region']}"
    parts: list[Any] = [_verdict_panel(v, title, v["reasons"]), _panel(_kv(v["facts"]), "Design and power")]
    if v["diagnostics"]:
        cols: list[str | tuple[str, str]] = [("", "left"), ("check", "left"), "value",
                                             ("what it means", "left")]
        parts.append(_panel(_table(None, cols,
                                   [[_status(d["status"], d["label"]), d["name"], d["value"], d["message"]]
                                    for d in v["diagnostics"]], compact=True), "Diagnostics"))
    a = v["assignment"]
    parts.append(_panel(_table(None, [(c, "left") for c in a["columns"]], a["rows"], compact=True),
                        a["title"]))
    if v["notes"]:
        parts.append(_panel(Group(*[Text("• " + n) for n in v["notes"]]), "Notes", style="dim"))
    return Group(*parts)


def geo_plan_context(plan: Any) -> dict[str, Any]:
    """The context of ``templates/geo_plan.html.j2`` (registered in ``html.KINDS``)."""
    from truelift.report.quasi_figures import report_figures

    v = geo_plan_view(plan)
    return {"v": v, "figures": report_figures(plan), "title": f"truelift geo plan: {v['outcome']}"}


__all__ = [
    "all_diagnostics",
    "column_label",
    "estimate_row",
    "geo_plan_context",
    "geo_plan_summary",
    "geo_plan_view",
    "html_context",
    "reasons",
    "rich_summary",
    "sentence",
    "table_view",
    "view",
]
