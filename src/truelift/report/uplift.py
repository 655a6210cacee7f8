"""The uplift analysis, read for people: formatted facts shared by every front.

:func:`view` turns an :class:`~truelift.hte.analysis.UpliftAnalysis` into plain dicts and lists of
*strings* (every number through :mod:`truelift.report.format`), so the terminal summary and the
HTML report say exactly the same thing. Nothing here computes a statistic: it reads the result
and words it.

Units: effects on a 0/1 outcome in percentage points, on other outcomes in the outcome's units;
profit (the targeting policy) in the units of ``value`` and ``cost``, per customer of the
population unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from truelift.report import format as fmt
from truelift.report.observational import STATUS_LABEL, data_rows, provenance_rows
from truelift.schema import Diagnostic, Status

LEARNER_LABEL = {"s": "S-learner", "t": "T-learner", "x": "X-learner", "dr": "DR-learner",
                 "r": "R-learner", "cf": "causal forest"}
BASE_LABEL = {"lightgbm": "LightGBM", "gbm": "gradient boosting", "linear": "linear models"}
GROUP_TEXT = {
    "persuadable": "buys (or spends) because of the treatment: the customers worth treating",
    "sure thing": "would respond anyway: treating them spends money for little gain",
    "lost cause": "would not respond either way",
    "sleeping dog": "responds worse when treated: leave them alone",
}
TOP_SHOWN = (0.1, 0.2)
"""The uplift@k shares in the summary tables (every share is in ``top`` rows)."""
DRIVERS = 5
"""Covariates listed as top drivers in the terminal."""
BINDING_LABEL = {"max_customers": "the customer cap (max_customers)",
                 "max_spend": "the spending cap (max_spend)"}


def _status(s: Any) -> str:
    return Status(s).value


def _diag(d: Diagnostic) -> dict[str, str]:
    s = Status(d.status)
    return {"status": s.value, "label": STATUS_LABEL[s], "name": d.name, "message": d.message}


def all_diagnostics(analysis: Any) -> list[Diagnostic]:
    """The design diagnostics, then every arm's, in the order the verdict read them."""
    return [*analysis.diagnostics, *(d for r in analysis.results for a in r.arms for d in a.diagnostics)]


def reasons(analysis: Any) -> list[dict[str, str]]:
    """Every diagnostic that is not OK, failures first."""
    order = {Status.FAIL: 0, Status.WARN: 1, Status.INFO: 2}
    bad = [d for d in all_diagnostics(analysis) if Status(d.status) is not Status.OK]
    return [_diag(d) for d in sorted(bad, key=lambda d: order[Status(d.status)])]


def _lift(x: Any, binary: bool) -> str:
    return fmt.lift(x, binary=binary)


def _bare(x: Any, binary: bool) -> str:
    """An effect without its unit (for tables whose heading names it)."""
    return fmt.pp(x, unit=False) if binary else fmt.effect(x)


def _bare_ci(ci: Any, binary: bool) -> str:
    if binary:
        return fmt.interval(ci[0], ci[1], fmt.pp, unit=False, signed=False)
    return fmt.lift_interval(ci[0], ci[1], binary=False)


def _ci(ci: Any, binary: bool) -> str:
    return fmt.lift_interval(ci[0], ci[1], binary=binary)


def _money(x: Any, *, signed: bool = True) -> str:
    """Profit or spend in the units of ``value`` and ``cost`` (no currency is assumed)."""
    return fmt.number(x, 3, signed=signed)


def _money_ci(ci: Any) -> str:
    return fmt.interval(ci[0], ci[1], fmt.number, signed=False)


def _top_label(k: float) -> str:
    return f"top {fmt.share(k, 0)}"


# --------------------------------------------------------------------------------------------
# one arm of one outcome


def arm_row(a: Any, *, binary: bool) -> dict[str, Any]:
    """The effect and the targeting quality of one arm: ATE, Qini, AUUC, BLP, uplift@k."""
    est = a.ate
    rel = est.relative
    tops = []
    for t in a.top:
        tops.append({"label": _top_label(t.k), "share": fmt.share(t.share),
                     "n": fmt.count(t.n), "uplift": _lift(t.uplift, binary),
                     "uplift_bare": _bare(t.uplift, binary),
                     "se": fmt.lift(t.se, binary=binary, signed=False)})
    shown = {t.k: row for t, row in zip(a.top, tops, strict=True)}
    blp = a.blp
    cal = a.calibration
    excl = a.interval_excludes_zero
    return {
        "arm": a.arm, "outcome": a.outcome, "binary": binary,
        "ate": _lift(est.value, binary), "ate_ci": _ci(est.ci, binary),
        "ate_bare": _bare(est.value, binary), "ate_ci_bare": _bare_ci(est.ci, binary),
        "relative": fmt.percent(rel.value) if rel is not None else fmt.MISSING,
        "relative_ci": (fmt.interval(rel.ci[0], rel.ci[1], fmt.percent, signed=False)
                        if rel is not None else fmt.MISSING),
        "pvalue": fmt.pvalue(est.pvalue),
        "se_kind": est.se_kind.replace("_", " "),
        "n_treated": fmt.count(est.n_treated), "n_control": fmt.count(est.n_control),
        "baseline": fmt.mean(est.baseline, binary=binary),
        "learner_ate": _lift(a.learner_ate, binary), "learner_ate_bare": _bare(a.learner_ate, binary),
        "qini": fmt.number(a.qini_coefficient, 2, signed=True),
        "auuc": fmt.number(a.auuc, 2, signed=True),
        "blp_slope": fmt.number(blp.beta2, 2), "blp_slope_ci": fmt.interval(blp.ci2[0], blp.ci2[1], digits=2),
        "blp_p": fmt.pvalue(blp.pvalue_heterogeneity),
        "blp_ate": _lift(blp.beta1, binary), "blp_method": blp.method,
        "heterogeneous": bool(blp.beta2 > 0 and blp.pvalue_heterogeneity < 0.05),
        "calibration_slope": fmt.number(cal.slope, 2), "calibration_intercept": _lift(cal.intercept, binary),
        "top": tops,
        "top_shown": [shown.get(k, {"uplift": fmt.MISSING, "uplift_bare": fmt.MISSING}) for k in TOP_SHOWN],
        "top_shown_labels": [_top_label(k) for k in TOP_SHOWN],
        "interval_above": fmt.share(excl[0]) if excl is not None else None,
        "interval_below": fmt.share(excl[1]) if excl is not None else None,
        "diagnostics": [_diag(d) for d in a.diagnostics],
    }


def groups_view(a: Any, *, binary: bool) -> dict[str, Any]:
    """The four customer groups of one arm: size, share, predicted and observed effect."""
    g = a.groups
    rows = []
    for e in g.groups:
        empty = e.n == 0
        rows.append({
            "name": e.name, "text": GROUP_TEXT.get(e.name, ""), "n": fmt.count(e.n),
            "share": fmt.share(e.share),
            "empty": empty,
            "baseline": fmt.mean(e.mean_mu0, binary=binary),
            "predicted": _lift(e.predicted, binary), "predicted_bare": _bare(e.predicted, binary),
            "observed": _lift(e.observed, binary), "observed_bare": _bare(e.observed, binary),
            "observed_ci": _ci(e.ci, binary), "observed_ci_bare": _bare_ci(e.ci, binary),
            "pvalue": fmt.pvalue(e.pvalue),
        })
    effect, sleeping = _lift(g.effect_threshold, binary), _lift(-g.sleeping_threshold, binary)
    baseline = fmt.mean(g.baseline_threshold, binary=binary)
    rule = (f"Persuadable: predicted effect at least {effect}; sleeping dog: at most {sleeping}; the others "
            f"are sure things when their predicted outcome without treatment is at least {baseline}, "
            "else lost causes.")
    return {"arm": a.arm, "rule": rule, "level": fmt.level(g.level), "rows": rows,
            "effect_threshold": effect, "sleeping_threshold": sleeping, "baseline_threshold": baseline}


def subgroups_view(a: Any, *, binary: bool) -> list[dict[str, Any]]:
    """Pre-specified segments of one arm: AIPW estimate, Holm p, shrunken estimate, Cochran's Q."""
    out = []
    for s in a.subgroups:
        rows = [{
            "segment": str(e.segment), "n": fmt.count(e.n),
            "estimate": _lift(e.estimate, binary), "estimate_bare": _bare(e.estimate, binary),
            "ci": _ci(e.ci, binary), "ci_bare": _bare_ci(e.ci, binary),
            "pvalue": fmt.pvalue(e.pvalue), "pvalue_holm": fmt.pvalue(e.pvalue_holm),
            "shrinkage": fmt.share(e.shrinkage, 0),
            "shrunk": _lift(e.shrunk, binary), "shrunk_bare": _bare(e.shrunk, binary),
            "shrunk_ci": _ci(e.shrunk_ci, binary), "shrunk_ci_bare": _bare_ci(e.shrunk_ci, binary),
        } for e in s.segments]
        out.append({
            "arm": a.arm, "column": s.name, "level": fmt.level(s.level), "rows": rows,
            "n": fmt.count(s.n),
            "mu": _lift(s.mu, binary), "mu_ci": _ci(s.mu_ci, binary),
            "q": fmt.number(s.q), "q_df": fmt.count(s.q_df), "q_p": fmt.pvalue(s.q_pvalue),
            "q_p_equals": fmt.p_equals(s.q_pvalue), "i2": fmt.share(s.i2, 0),
            "method": s.method,
            "dropped": [(str(k), fmt.count(n)) for k, n in s.dropped.items()],
        })
    return out


def drivers_view(a: Any, *, binary: bool) -> dict[str, Any]:
    """What moves the effect of one arm: importance, effect by covariate bin, its distribution."""
    d = a.distribution
    names = ("5%", "25%", "median", "75%", "95%")
    return {
        "arm": a.arm,
        "importance": [{"covariate": i.covariate, "importance": fmt.share(i.importance)}
                       for i in a.importance],
        "by_covariate": [{"covariate": b.covariate, "bins": [{
            "label": x.label, "n": fmt.count(x.n), "predicted": _lift(x.predicted, binary),
            "observed": _lift(x.observed, binary), "ci": _ci(x.ci, binary)} for x in b.bins]}
            for b in a.by_covariate],
        "quantiles": [(name, _lift(q, binary)) for name, q in zip(names, d.quantiles, strict=False)],
        "share_negative": fmt.share(d.share_negative),
    }


def sentence(analysis: Any, a: Any, *, binary: bool) -> str:
    """One plain sentence on one arm's average effect and whether its scores target well."""
    est = a.ate
    ci = fmt.lift_interval(est.ci[0], est.ci[1], binary=binary, sep=" to ", brackets=False)
    text = (f"{a.outcome}: {a.arm} vs {analysis.control} {fmt.lift(est.value, binary=binary)} on average "
            f"({fmt.level(est.level)} CI {ci}")
    if est.relative is not None:
        text += f", {fmt.percent(est.relative.value)} relative"
    text += "). "
    blp = a.blp
    if blp.beta2 > 0 and blp.pvalue_heterogeneity < 0.05:
        text += (f"The effect varies between customers and the scores find it (BLP slope "
                 f"{fmt.number(blp.beta2, 2)}, {fmt.p_equals(blp.pvalue_heterogeneity)}; held-out Qini "
                 f"coefficient {fmt.number(a.qini_coefficient, 2)}).")
    else:
        text += (f"No heterogeneity worth targeting was detected (BLP slope {fmt.number(blp.beta2, 2)}, "
                 f"{fmt.p_equals(blp.pvalue_heterogeneity)}).")
    return text


# --------------------------------------------------------------------------------------------
# the targeting policy


def _policy_name(name: str) -> str:
    if name == "policy":
        return "targeting rule"
    if name == "none":
        return "treating nobody"
    if name.startswith("all:"):
        return f"treating everyone with {name[4:]}"
    return name


def policy_view(analysis: Any) -> dict[str, Any] | None:
    """The targeting rule: whom it treats, what it spends, what it is worth against the obvious rules."""
    p = analysis.policy
    if p is None:
        return None
    outcome = analysis.outcomes[0]
    binary = bool(analysis.results[0].binary)
    several = len(p.arm_names) > 1
    arms = []
    for j, name in enumerate(p.arm_names):
        arms.append({"arm": name, "cost": fmt.number(p.cost[j], 3),
                     "break_even": _lift(p.break_even[j], binary),
                     "n": fmt.count(p.n_by_arm.get(name, 0))})
    values = [{
        "name": v.name, "vs": v.vs, "label": f"{_policy_name(v.name)} vs {_policy_name(v.vs)}",
        "main": v.name == "policy",
        "value": _money(v.value), "ci": _money_ci(v.ci), "pvalue": fmt.pvalue(v.pvalue),
        "total": fmt.compact(v.total, signed=True), "positive": v.ci[0] > 0, "negative": v.ci[1] < 0,
    } for v in p.values]
    pv = p.policy_value
    vs_all = [v for v in p.values if v.name == "policy" and v.vs.startswith("all:")]
    sentence = (f"The rule treats {fmt.count(p.n_targeted)} of {fmt.count(p.n)} customers "
                f"({fmt.share(p.n_targeted / p.n if p.n else None)}) and earns {_money(pv.value)} per "
                f"customer against treating nobody ({fmt.level(pv.level)} CI "
                f"{fmt.interval(pv.ci[0], pv.ci[1], fmt.number, sep=' to ', brackets=False, signed=False)})")
    if vs_all:
        sentence += "; " + "; ".join(
            f"{_money(v.value)} against {_policy_name(v.vs)} "
            f"({fmt.interval(v.ci[0], v.ci[1], fmt.number, sep=' to ', brackets=False, signed=False)})"
            for v in vs_all)
    sentence += "."
    be = ", ".join(f"{a['arm']} {a['break_even']}" for a in arms) if several else arms[0]["break_even"]
    rule = (f"Treat a customer {'with the arm of largest' if several else 'when the'} predicted net profit "
            f"value × predicted uplift − cost{' when it is' if several else ' is'} above 0, "
            f"i.e. a predicted uplift on {outcome} above the break-even {be}")
    if p.max_customers is not None or p.max_spend is not None:
        rule += ", best first, within the budget"
    rule += "."
    left_out = p.n_eligible - p.n_targeted
    binding = None
    if p.binding is not None:
        binding = (f"{BINDING_LABEL.get(p.binding, p.binding)} binds: it leaves out "
                   f"{fmt.count(left_out)} customers whose predicted net profit is positive")
    budget = []
    if p.max_customers is not None:
        budget.append(("max customers", fmt.count(p.max_customers)))
    if p.max_spend is not None:
        budget.append(("max spend", _money(p.max_spend, signed=False)))
    return {
        "outcome": outcome, "binary": binary, "several": several,
        "value": fmt.exact(p.value), "level": fmt.level(p.level), "rule": rule, "sentence": sentence,
        "arms": arms,
        "n": fmt.count(p.n), "n_eligible": fmt.count(p.n_eligible), "n_targeted": fmt.count(p.n_targeted),
        "share_targeted": fmt.share(p.n_targeted / p.n if p.n else None),
        "n_by_arm": [(name, fmt.count(n)) for name, n in p.n_by_arm.items()],
        "spend": _money(p.spend, signed=False),
        "predicted_profit": _money(p.predicted_profit),
        "comparisons": values,
        "value_vs_none": values[0]["value"], "value_vs_none_ci": values[0]["ci"],
        "optimal_share": fmt.share(p.optimal_share), "optimal_value": _money(p.optimal_value),
        "optimal_in_sample": bool(p.optimal_in_sample),
        "optimal_note": ("chosen by looking at this sample's outcomes, so optimistic; the rule's own cut "
                         "uses the predictions only" if p.optimal_in_sample else ""),
        "binding": binding, "budget": budget,
    }


def best_arm_rows(analysis: Any) -> list[dict[str, Any]]:
    """Per outcome: how many customers each arm (or control: no arm helps) suits best."""
    out = []
    for r in analysis.results:
        counts: Mapping[str, int] = r.best_arm_counts
        total = sum(counts.values())
        out.append({"outcome": r.outcome, "rows": [
            {"arm": arm, "control": arm == analysis.control, "n": fmt.count(n),
             "share": fmt.share(n / total if total else None)} for arm, n in counts.items()]})
    return out


# --------------------------------------------------------------------------------------------
# everything


def view(analysis: Any) -> dict[str, Any]:
    """Everything the fronts show about an uplift analysis, as formatted strings."""
    v = analysis.verdict
    outcomes = []
    sentences = []
    for r in analysis.results:
        binary = bool(r.binary)
        outcomes.append({
            "outcome": r.outcome, "binary": binary,
            "unit": "percentage points" if binary else "outcome units",
            "arms": [arm_row(a, binary=binary) for a in r.arms],
            "groups": [groups_view(a, binary=binary) for a in r.arms],
            "subgroups": [s for a in r.arms for s in subgroups_view(a, binary=binary)],
            "drivers": [drivers_view(a, binary=binary) for a in r.arms],
        })
        sentences += [sentence(analysis, a, binary=binary) for a in r.arms]
    policy = policy_view(analysis)
    if policy is not None:
        sentences.append(policy["sentence"])
    diags = all_diagnostics(analysis)
    learner = LEARNER_LABEL.get(analysis.learner, analysis.learner)
    return {
        "kind": analysis.kind,
        "status": _status(v.status), "status_label": STATUS_LABEL[Status(v.status)],
        "headline": v.headline, "sentences": sentences,
        "treatment": analysis.treatment, "control": analysis.control,
        "arms": list(analysis.arms[1:]), "several": len(analysis.arms) > 2,
        "outcome_names": list(analysis.outcomes), "covariates": list(analysis.covariates),
        "learner": learner, "base": BASE_LABEL.get(analysis.base, analysis.base),
        "design": analysis.design, "folds": fmt.count(analysis.folds), "level": fmt.level(analysis.level),
        "propensity": analysis.propensity,
        "outcomes": outcomes,
        "policy": policy,
        "best_arm": best_arm_rows(analysis) if len(analysis.arms) > 2 else [],
        "reasons": reasons(analysis),
        "diagnostics": [_diag(d) for d in diags],
        "n_diagnostics": {s.value: sum(1 for d in diags if Status(d.status) is s) for s in Status},
        "data": data_rows(analysis),
        "provenance": provenance_rows(analysis),
    }




# --------------------------------------------------------------------------------------------
# the fronts: the rich summary and the HTML context


def _unit_note(binary: bool) -> str:
    return " (0/1 outcome: effects in percentage points)" if binary else " (effects in outcome units)"


def page(analysis: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of an uplift analysis: per outcome the average
    effect, the targeting quality, the customer groups, segments and drivers; the targeting
    policy; the best arm per customer; every diagnostic."""
    from truelift.report.page import Cell, Facts, Grid, Page, Prose, Section
    from truelift.report.views import drawn, reason_rows

    v = view(analysis)
    several = v["several"]
    lvl = v["level"]
    sections: list[Any] = []
    for o in v["outcomes"]:
        b = o["binary"]
        arm_col: list[Any] = [("arm", "left")]
        items: list[Any] = [Grid.of(
            [*arm_col, f"ATE [{lvl} CI]", f"relative [{lvl} CI]", "p", "learner\naverage"],
            [[a["arm"], f"{a['ate_bare']} {a['ate_ci_bare']}", f"{a['relative']} {a['relative_ci']}",
              a["pvalue"], a["learner_ate_bare"]] for a in o["arms"]],
            title="Average effect (AIPW)", wrap=False)]
        top_cols = [f"uplift\n{lab}" for lab in o["arms"][0]["top_shown_labels"]]
        items.append(Grid.of(
            [*arm_col, "Qini\ncoef.", "AUUC", f"BLP slope\n[{lvl} CI]", "BLP p", "calib.\nslope", *top_cols],
            [[a["arm"], a["qini"], a["auuc"], f"{a['blp_slope']} {a['blp_slope_ci']}", a["blp_p"],
              a["calibration_slope"], *(t["uplift_bare"] for t in a["top_shown"])] for a in o["arms"]],
            title="Targeting quality (held-out)", wrap=False))
        items.append(Prose.of("BLP slope: 1 when the scores rank customers by their true effect, 0 when "
                              "they carry no information; Qini and AUUC: 0 random, 1 best possible.",
                              dim=True))
        rows = []
        for g in o["groups"]:
            for i, r in enumerate(g["rows"]):
                rows.append([*([g["arm"] if i == 0 else ""] if several else []), r["name"], r["n"],
                             r["share"], r["predicted_bare"],
                             Cell(fmt.MISSING, "dim") if r["empty"]
                             else f"{r['observed_bare']} {r['observed_ci_bare']}"])
        items.append(Grid.of([*([("arm", "left")] if several else []), ("group", "left"), "customers",
                              "share", "predicted", f"observed [{lvl} CI]"], rows,
                             title="Customer groups", wrap=False))
        items.append(Prose.of(*[f"{g['arm']}: {g['rule']}" if several else g["rule"] for g in o["groups"]],
                              dim=True))
        for sg in o["subgroups"]:
            title = f"Segments by {sg['column']}" + (f" ({sg['arm']})" if several else "")
            items.append(Grid.of(
                [("segment", "left"), "customers", f"estimate [{lvl} CI]", "p Holm", f"shrunk [{lvl} CI]"],
                [[r["segment"], r["n"], f"{r['estimate_bare']} {r['ci_bare']}", r["pvalue_holm"],
                  f"{r['shrunk_bare']} {r['shrunk_ci_bare']}"] for r in sg["rows"]],
                title=title, wrap=False))
            note = (f"Cochran Q {sg['q']} on {sg['q_df']} df, {sg['q_p_equals']}; I² {sg['i2']}. Shrunk: "
                    "empirical-Bayes estimate pulled toward the mean of the segments.")
            if sg["dropped"]:
                note += " Too small to estimate: " + ", ".join(f"{k} ({n})" for k, n in sg["dropped"]) + "."
            items.append(Prose.of(note, dim=True))
        for d in o["drivers"]:
            who = f"{d['arm']}: " if several else ""
            top = ", ".join(f"{i['covariate']} {i['importance']}" for i in d["importance"][:DRIVERS])
            spread = ", ".join(f"{k} {q}" for k, q in d["quantiles"])
            items.append(Prose.of(f"{who}top drivers (share of the predicted effect's variance): "
                                  f"{top or fmt.MISSING}"))
            items.append(Prose.of(f"{who}predicted effect: {spread}; {d['share_negative']} below zero",
                                  dim=True))
        excl = [a for a in o["arms"] if a["interval_above"] is not None]
        if excl:
            items.append(Prose.of(*[f"{a['arm']}: the forest's interval lies above zero for "
                                    f"{a['interval_above']} and below zero for {a['interval_below']} of "
                                    "customers." for a in excl], dim=True))
        sections.append(Section.of(f"{o['outcome']}{_unit_note(b)}", *items,
                                   id=f"tl-outcome-{o['outcome']}"))

    p = v["policy"]
    notes: list[str] = []
    if p is not None:
        facts = [("rule", p["rule"]),
                 ("customers targeted", f"{p['n_targeted']} of {p['n']} ({p['share_targeted']})"
                  + (f": {', '.join(f'{a} {n}' for a, n in p['n_by_arm'])}" if p["several"] else "")),
                 ("spend", p["spend"]),
                 ("value per unit of " + p["outcome"], p["value"]),
                 ("cost per customer", ", ".join(f"{a['arm']} {a['cost']}" for a in p["arms"])),
                 ("predicted profit per customer", p["predicted_profit"]),
                 ("best share on the curve", f"{p['optimal_share']} ({p['optimal_value']} per customer)"
                  + (", in-sample: optimistic" if p["optimal_in_sample"] else ""))]
        facts += p["budget"]
        if p["binding"]:
            facts.append(("budget", p["binding"]))
        values = Grid.of([("comparison", "left"), f"profit per customer [{lvl} CI]", "p", "total"],
                         [[Cell(r["label"], "strong" if r["main"] else ""), f"{r['value']} {r['ci']}",
                           r["pvalue"], r["total"]] for r in p["comparisons"]])
        sections.append(Section.of(f"Targeting policy on {p['outcome']}", Facts.of(facts), values,
                                   Prose.of("Doubly robust values, in the units of value and cost; total = "
                                            "over all customers of the data.", dim=True),
                                   id="tl-policy"))
    else:
        notes.append("Targeting policy: not built (give value= and cost= for a profit-based rule).")
    if v["best_arm"]:
        sections.append(Section.of("Best arm per customer (largest predicted effect)", Grid.of(
            [("outcome", "left"), ("best arm", "left"), "customers", "share"],
            [[ba["outcome"] if i == 0 else "", r["arm"] + (" (no arm helps)" if r["control"] else ""),
              r["n"], r["share"]] for ba in v["best_arm"] for i, r in enumerate(ba["rows"])]),
            id="tl-best-arm"))
    counts = v["n_diagnostics"]
    sections.append(Section.of(
        f"Diagnostics: {counts['fail']} fail, {counts['warn']} warn, {counts['info']} info, "
        f"{counts['ok']} ok",
        Grid.of([("", "left"), ("check", "left"), ("message", "left")],
                [[Cell(d["label"], d["status"]), d["name"], d["message"]]  # type: ignore[arg-type]
                 for d in v["diagnostics"]]), id="tl-diagnostics"))
    subtitle = (f"{v['learner']} on {v['base']}, {v['folds']}-fold cross-fitting, {v['design']} design, "
                f"propensity {v['propensity']}; {lvl} intervals. Qini, AUUC, BLP and calibration use "
                "held-out scores only.")
    return Page(
        kind=analysis.kind,
        title=(f"truelift uplift: {v['treatment']} ({v['control']} vs {', '.join(v['arms'])}) -> "
               f"{', '.join(v['outcome_names'])}"),
        subtitle=subtitle, status=v["status"], status_label=v["status_label"], headline=v["headline"],
        sentences=tuple(v["sentences"]),
        reasons=reason_rows(v["reasons"]),
        sections=tuple(sections), figures=drawn(analysis) if figures else (), notes=tuple(notes),
        data=tuple(v["data"]), provenance=tuple(v["provenance"]))


__all__ = ["all_diagnostics", "arm_row", "best_arm_rows", "drivers_view", "groups_view", "page",
           "policy_view", "reasons", "sentence", "subgroups_view", "view"]
