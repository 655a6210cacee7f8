"""The observational analysis, read for people: formatted facts shared by every front.

:func:`view` turns an :class:`~truelift.observational.analysis.ObservationalAnalysis` into plain
dicts and lists of *strings* (every number through :mod:`truelift.report.format`), so that the
terminal summary and the HTML report say exactly the same thing. It never computes an estimate:
it only reads the result and words it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from truelift.report import format as fmt
from truelift.report.views import STATUS_LABEL
from truelift.schema import Diagnostic, Estimate, Status
from truelift.schema.rules import SMD_FAIL, SMD_OK

TEST_LABEL = {"placebo_treatment": "placebo treatment", "random_common_cause": "random common cause"}
_SCOPE = {"ATT": "Among the treated (ATT)", "ATE": "Across all units (ATE)",
          "ATC": "Among the untreated (ATC)"}


def binary_outcomes(analysis: Any) -> dict[str, bool]:
    """Which outcomes are 0/1 (shown in percentage points), as the analysis records them."""
    return {o: bool(analysis.binary.get(o, False)) for o in analysis.roles.outcomes}


def _status(s: Any) -> str:
    return Status(s).value


def _naive_for(analysis: Any, outcome: str) -> Estimate | None:
    return next((e for e in analysis.naive if e.outcome == outcome), None)


def _primary_for(analysis: Any, outcome: str) -> Estimate | None:
    return next((e for e in analysis.estimates
                 if e.outcome == outcome and e.method == analysis.primary), None)


def sentence(analysis: Any, outcome: str, binary: bool) -> str:
    """One plain sentence on the primary estimate of ``outcome``, set against the naive one."""
    est = _primary_for(analysis, outcome)
    if est is None:
        return f"No estimate of {outcome} by {analysis.primary}."
    naive = _naive_for(analysis, outcome)
    lo, hi = est.ci
    covers_zero = lo <= 0.0 <= hi
    if covers_zero:
        verb, amount = "changed", fmt.lift(est.value, binary=binary)
    else:
        verb = "raised" if est.value > 0 else "lowered"
        amount = fmt.lift(abs(est.value), binary=binary, signed=False)
    ci = fmt.lift_interval(lo, hi, binary=binary, sep=" to ", brackets=False)
    text = (f"{_SCOPE.get(est.estimand.upper(), est.estimand)}, {analysis.roles.treatment} "
            f"{verb} {outcome} by {amount} ({fmt.level(est.level)} CI {ci})")
    if est.relative is not None:
        text += f", {fmt.percent(est.relative.value, 0)} relative"
    if naive is not None:
        naive_text = (fmt.percent(naive.relative.value, 0) if naive.relative is not None
                      else fmt.lift(naive.value, binary=binary))
        outside = not (lo <= naive.value <= hi)
        text += (f" — not the naive {naive_text}" if outside
                 else f" — in line with the naive {naive_text}")
    text += f" [{est.method}]."
    if covers_zero:
        text += " The interval includes zero: no effect cannot be ruled out."
    return text


def estimate_row(est: Estimate, *, binary: bool, primary: bool) -> dict[str, Any]:
    """One line of the naive-vs-causal table, formatted."""
    rel = est.relative
    naive = est.method == "naive"
    return {
        "method": "naive (association)" if naive else est.method,
        "primary": primary,
        "naive": naive,
        "estimand": "difference in means" if naive else est.estimand,
        "control_mean": fmt.mean(est.baseline, binary=binary),
        "treated_mean": fmt.mean(est.mean_treated, binary=binary),
        "lift": fmt.lift(est.value, binary=binary),
        "lift_ci": fmt.lift_interval(est.ci[0], est.ci[1], binary=binary),
        # the same without the unit, for tables whose heading names it
        "lift_bare": fmt.pp(est.value, unit=False) if binary else fmt.effect(est.value),
        "lift_ci_bare": (fmt.interval(est.ci[0], est.ci[1], fmt.pp, unit=False, signed=False)
                         if binary else fmt.lift_interval(est.ci[0], est.ci[1], binary=False)),
        "relative": fmt.percent(rel.value) if rel is not None else fmt.MISSING,
        "relative_ci": (fmt.interval(rel.ci[0], rel.ci[1], fmt.percent, signed=False)
                        if rel is not None else fmt.MISSING),
        "pvalue": fmt.pvalue(est.pvalue),
        "n_treated": fmt.count(est.n_treated),
        "n_control": fmt.count(est.n_control),
        "se": fmt.lift(est.se, binary=binary, signed=False),
        "se_kind": est.se_kind.replace("_", " "),
    }


def _diag(d: Diagnostic) -> dict[str, str]:
    return {"status": _status(d.status), "label": STATUS_LABEL[Status(d.status)],
            "name": d.name, "message": d.message}


def reasons(analysis: Any) -> list[dict[str, str]]:
    """Every diagnostic that is not OK, failures first."""
    order = {Status.FAIL: 0, Status.WARN: 1, Status.INFO: 2}
    bad = [d for d in analysis.diagnostics if Status(d.status) is not Status.OK]
    return [_diag(d) for d in sorted(bad, key=lambda d: order[Status(d.status)])]


def _arm_range(r: Sequence[float]) -> str:
    return fmt.interval(r[0], r[1], fmt.number, digits=2)


def overlap_rows(analysis: Any) -> list[tuple[str, str]]:
    """Overlap facts as (label, value) pairs."""
    p = analysis.propensity
    o = p.overlap
    est = analysis.estimand
    rows = [
        ("propensity model", p.model + ("" if p.converged else " (did NOT converge)")),
        ("score range, treated", _arm_range(o.range_treated)),
        ("score range, control", _arm_range(o.range_control)),
        ("common support", _arm_range(o.common_support)),
        ("outside common support",
         f"{fmt.count(o.n_outside_support)} units ({fmt.share(o.share_outside_support)})"),
        ("extreme scores (< 0.01 or > 0.99)", fmt.share(o.share_extreme)),
        (f"effective sample size, treated ({est} weights)",
         f"{fmt.count(o.ess_treated)} of {fmt.count(o.n_treated)}"
         f" ({fmt.share(o.ess_treated / o.n_treated if o.n_treated else None, 0)})"),
        (f"effective sample size, control ({est} weights)",
         f"{fmt.count(o.ess_control)} of {fmt.count(o.n_control)}"
         f" ({fmt.share(o.ess_control / o.n_control if o.n_control else None, 0)})"),
        ("Crump et al. (2009) trimming threshold",
         "none needed" if o.crump_alpha <= 0 else
         f"keep scores in {fmt.interval(o.crump_alpha, 1 - o.crump_alpha, fmt.number, digits=2)}"),
        ("trimming applied", f"{p.trim_rule} ({fmt.count(p.trimmed)} units trimmed)"),
    ]
    return rows


def balance_summary(analysis: Any) -> list[dict[str, Any]]:
    """Per adjustment: largest |SMD| before and after, and covariates still above 0.1."""
    out = []
    for b in analysis.balance:
        left = [(r.covariate, fmt.number(abs(r.smd_after), 2)) for r in b.rows
                if abs(r.smd_after) > SMD_OK]
        out.append({
            "method": b.method,
            "max_before": fmt.number(b.max_abs_smd_before, 2),
            "max_after": fmt.number(b.max_abs_smd_after, 2),
            "status": _status(b.diagnostic.status),
            "label": STATUS_LABEL[Status(b.diagnostic.status)],
            "remaining": left,
            "remaining_text": (", ".join(f"{c} ({v})" for c, v in left) if left
                               else f"none (all |SMD| <= {SMD_OK})"),
        })
    return out


def _smd_class(v: float) -> str:
    a = abs(v)
    if math.isnan(a):
        return ""
    return "fail" if a > SMD_FAIL else "warn" if a > SMD_OK else "ok"


def _vr_class(v: float) -> str:
    if math.isnan(v):
        return ""
    return "warn" if (v < 0.5 or v > 2.0) else "ok"


def balance_tables(analysis: Any) -> list[dict[str, Any]]:
    """Every covariate of every balance table: means by arm, SMD and variance ratio, before/after."""
    out = []
    for b in analysis.balance:
        rows = []
        for r in b.rows:
            rows.append({
                "covariate": r.covariate,
                "mean_treated": fmt.number(r.mean_treated, 3),
                "mean_control": fmt.number(r.mean_control, 3),
                "smd_before": fmt.number(r.smd_before, 2, signed=True),
                "smd_before_class": _smd_class(r.smd_before),
                "vr_before": fmt.ratio(r.variance_ratio_before),
                "vr_before_class": _vr_class(r.variance_ratio_before),
                "mean_treated_after": fmt.number(r.mean_treated_after, 3),
                "mean_control_after": fmt.number(r.mean_control_after, 3),
                "smd_after": fmt.number(r.smd_after, 2, signed=True),
                "smd_after_class": _smd_class(r.smd_after),
                "vr_after": fmt.ratio(r.variance_ratio_after),
                "vr_after_class": _vr_class(r.variance_ratio_after),
            })
        out.append({"method": b.method, "rows": rows,
                    "diagnostic": _diag(b.diagnostic)})
    return out


def evalue_rows(analysis: Any) -> list[dict[str, str]]:
    """E-values of the primary estimates."""
    return [{
        "outcome": ev.outcome, "method": ev.method, "scale": ev.scale,
        "risk_ratio": fmt.ratio(ev.risk_ratio),
        "risk_ratio_ci": fmt.interval(ev.risk_ratio_ci[0], ev.risk_ratio_ci[1], fmt.ratio),
        "evalue": fmt.ratio(ev.evalue), "evalue_ci": fmt.ratio(ev.evalue_ci),
        **{k: v for k, v in _diag(ev.diagnostic).items() if k in ("status", "label", "message")},
    } for ev in analysis.evalues]


def rosenbaum_rows(analysis: Any) -> list[dict[str, Any]]:
    """Rosenbaum bounds of the matched design: the Gamma at which significance is lost."""
    out = []
    for r in analysis.rosenbaum:
        gamma = fmt.ratio(r.gamma_critical)
        if r.capped:
            gamma = f"> {gamma}"
        p_at_1 = next((row.p_upper for row in r.table if row.gamma == 1.0), None)
        sign = r.test == "sign"
        out.append({
            "outcome": r.outcome or fmt.MISSING,
            "gamma_star": gamma,
            "test": "sign test (McNemar)" if sign else "signed-rank (Pratt)",
            "pairs": (f"{fmt.count(r.n_pairs)} discordant" if sign else
                      f"{fmt.count(r.n_pairs + r.n_zero)} ({fmt.count(r.n_zero)} tied)"),
            "n_pairs": fmt.count(r.n_pairs),
            "n_zero": fmt.count(r.n_zero),
            "alternative": "treated > control" if r.alternative == "greater"
                           else "treated < control",
            "alpha": fmt.number(r.alpha, 2),
            "p_at_1": fmt.pvalue(p_at_1),
            "table": [(fmt.ratio(row.gamma), fmt.pvalue(row.p_upper),
                       "over" if row.p_upper > r.alpha else "") for row in r.table],
            **{k: v for k, v in _diag(r.diagnostic).items()
               if k in ("status", "label", "message")},
        })
    return out


def refutation_rows(analysis: Any, binary: Mapping[str, bool]) -> list[dict[str, str]]:
    """Placebo and random-common-cause refutations."""
    out = []
    for r in analysis.refutations:
        b = binary.get(r.outcome, False)
        out.append({
            "test": TEST_LABEL.get(r.test, r.test.replace("_", " ")),
            "outcome": r.outcome, "method": r.method,
            "original": fmt.lift(r.original, binary=b),
            "new_value": fmt.lift(r.new_value, binary=b),
            "new_se": fmt.lift(r.new_se, binary=b, signed=False),
            "pvalue": fmt.pvalue(r.pvalue),
            **{k: v for k, v in _diag(r.diagnostic).items()
               if k in ("status", "label", "message")},
        })
    return out


def projection_rows(analysis: Any, binary: Mapping[str, bool]) -> list[dict[str, str]]:
    """Incremental outcome per customer and in total for the rollout."""
    out = []
    for p in analysis.projections:
        b = binary.get(p.outcome, False)
        out.append({
            "outcome": p.outcome, "method": p.method, "estimand": p.estimand,
            "per_customer": fmt.lift(p.per_customer, binary=b),
            "per_customer_ci": fmt.lift_interval(p.per_customer_ci[0], p.per_customer_ci[1],
                                                 binary=b),
            "customers": fmt.count(p.customers),
            "rollout": fmt.share(p.rollout, 0),
            "reached": fmt.count(p.reached),
            "total": fmt.compact(p.total, signed=True),
            "total_ci": fmt.interval(p.total_ci[0], p.total_ci[1], fmt.compact),
            "level": fmt.level(p.level),
            "unit": (f"more units with {p.outcome} = 1" if b
                     else f"incremental {p.outcome}, in its own units"),
            "note": p.note,
        })
    return out


def _param(v: Any) -> str:
    if v is None:
        return fmt.MISSING
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt.exact(v)
    if isinstance(v, int):
        return fmt.count(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(_param(x) for x in v) if v else fmt.MISSING
    if isinstance(v, Mapping):
        return "; ".join(f"{k}: {_param(x)}" for k, x in v.items()) if v else fmt.MISSING
    return str(v)


def data_rows(analysis: Any) -> list[tuple[str, str]]:
    """Rows read, used and dropped (per reason)."""
    prov = analysis.provenance
    rows = [("rows read", fmt.count(prov.rows_read)), ("rows used", fmt.count(prov.rows_used))]
    for reason, n in prov.rows_dropped.items():
        rows.append((f"dropped: {reason}", fmt.count(n)))
    if not prov.rows_dropped:
        rows.append(("rows dropped", "0"))
    for col, why in dict(prov.parameters.get("dropped_covariates") or {}).items():
        rows.append((f"covariate set aside: {col}", str(why)))
    return rows


def provenance_rows(analysis: Any) -> list[tuple[str, str]]:
    """Version, source, seed and every parameter."""
    prov = analysis.provenance
    rows = [("truelift version", prov.truelift_version), ("source", prov.source),
            ("seed", _param(prov.seed))]
    for k, v in prov.parameters.items():
        if k == "method_settings":
            for m, settings in dict(v).items():
                rows.append((f"settings of {m}", _param(settings)))
        elif k != "dropped_covariates":
            rows.append((k.replace("_", " "), _param(v)))
    return rows


def nuisance_rows(analysis: Any) -> list[dict[str, Any]]:
    """One row per nuisance target: the model chosen and every candidate's out-of-fold loss."""
    out = []
    for c in getattr(analysis, "nuisance", ()) or ():
        cands = [{"name": k.name, "loss": "failed" if k.error is not None else fmt.number(k.loss, 4),
                  "chosen": k.name == c.chosen, "error": k.error or ""} for k in c.candidates]
        out.append({
            "target": "propensity" if c.target == "propensity" else f"outcome {c.target}",
            "loss_name": c.loss_name, "chosen": c.chosen, "candidates": cands,
            "candidates_text": ", ".join(f"{k['name']} {k['loss']}" for k in cands),
            "constant": fmt.number(c.constant_loss, 4),
            "rows": (f"{c.rows:,}" if c.rows_tuned >= c.rows
                     else f"{c.rows:,} (chosen on {c.rows_tuned:,})")})
    return out


def view(analysis: Any) -> dict[str, Any]:
    """Everything the fronts show about an observational analysis, as formatted strings."""
    binary = binary_outcomes(analysis)
    outcomes = list(analysis.roles.outcomes)
    tables = []
    for o in outcomes:
        rows = [estimate_row(e, binary=binary[o], primary=False)
                for e in analysis.naive if e.outcome == o]
        rows += [estimate_row(e, binary=binary[o], primary=e.method == analysis.primary)
                 for e in analysis.estimates if e.outcome == o]
        tables.append({"outcome": o, "binary": binary[o],
                       "unit": "percentage points" if binary[o] else "outcome units",
                       "rows": rows})
    v = analysis.verdict
    return {
        "kind": analysis.kind,
        "status": _status(v.status),
        "status_label": STATUS_LABEL[Status(v.status)],
        "headline": v.headline,
        "sentences": [sentence(analysis, o, binary[o]) for o in outcomes],
        "treatment": analysis.roles.treatment,
        "outcomes": outcomes,
        "covariates": list(analysis.roles.covariates),
        "estimand": analysis.estimand,
        "level": fmt.level(analysis.level),
        "primary": analysis.primary,
        "methods": list(analysis.methods),
        "binary": binary,
        "tables": tables,
        "reasons": reasons(analysis),
        "diagnostics": [_diag(d) for d in analysis.diagnostics],
        "overlap": overlap_rows(analysis),
        "nuisance": nuisance_rows(analysis),
        "balance_summary": balance_summary(analysis),
        "balance_tables": balance_tables(analysis),
        "evalues": evalue_rows(analysis),
        "rosenbaum": rosenbaum_rows(analysis),
        "refutations": refutation_rows(analysis, binary),
        "projections": projection_rows(analysis, binary),
        "data": data_rows(analysis),
        "provenance": provenance_rows(analysis),
        "n_diagnostics": {s.value: sum(1 for d in analysis.diagnostics
                                       if Status(d.status) is s) for s in Status},
    }


# --------------------------------------------------------------------------- page
def page(analysis: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of an observational analysis: naive against
    adjusted effects per outcome, overlap, the nuisance models, balance (every covariate in the
    HTML report), sensitivity, refutations and the rollout projection."""
    from truelift.report.page import Cell, Facts, Grid, Page, Prose, Section
    from truelift.report.views import drawn, reason_rows

    v = view(analysis)
    lvl = v["level"]
    sections: list[Any] = []

    grids = []
    for t in v["tables"]:
        rows = []
        for r in t["rows"]:
            name = ("naive" if r["naive"] else r["method"]) + (" *" if r["primary"] else "")
            rows.append([Cell(name, "dim") if r["naive"] else Cell(name, "strong") if r["primary"] else name,
                         fmt.MISSING if r["naive"] else r["estimand"], r["control_mean"], r["treated_mean"],
                         f"{r['lift_bare']} {r['lift_ci_bare']}", f"{r['relative']} {r['relative_ci']}",
                         r["pvalue"], f"{r['n_treated']} / {r['n_control']}"])
        grids.append(Grid.of(
            [("method", "left"), ("estimand", "left"), "control", "treated", f"lift [{lvl} CI]",
             f"relative [{lvl} CI]", "p", "n T / C"], rows, wrap=False,
            title=t["outcome"] + (" (0/1 outcome: means in %, lift in percentage points)"
                                  if t["binary"] else "")))
    sections.append(Section.of("Naive vs causal: means by arm, lift, relative lift (naive = unadjusted "
                               "difference; * = primary)", *grids, id="tl-estimates"))

    sections.append(Section.of("Overlap of the propensity score", Facts.of(v["overlap"]), id="tl-overlap"))
    if v["nuisance"]:
        sections.append(Section.of("Nuisance models (chosen by out-of-fold loss)", Grid.of(
            [("model of", "left"), ("chosen", "left"), ("out-of-fold loss of every candidate", "left"),
             "constant"],
            [[r["target"], r["chosen"], f"{r['loss_name']}: {r['candidates_text']}", r["constant"]]
             for r in v["nuisance"]]), id="tl-nuisance"))

    balance: list[Any] = [Grid.of(
        [("adjustment", "left"), "max |SMD| before", "max |SMD| after", ("", "left"),
         ("covariates still above 0.1", "left")],
        [[b["method"], b["max_before"], b["max_after"], Cell(b["label"], b["status"]), b["remaining_text"]]
         for b in v["balance_summary"]])]
    sections.append(Section.of("Covariate balance", *balance, id="tl-balance"))
    tone = {"ok": "", "warn": "caution", "fail": "alert", "": ""}
    for b in v["balance_tables"]:
        sections.append(Section.of(f"Balance of every covariate: before and after {b['method']}", Prose.of(
            "Standardized mean difference (SMD) = difference in means over the pooled standard deviation "
            "before adjustment (one yardstick for before and after). |SMD| <= 0.1 is balanced, above 0.25 "
            "fails; a variance ratio outside [0.5, 2] is a warning.", dim=True), Grid.of(
            [("covariate", "left"), "mean treated\nbefore", "mean control\nbefore", "SMD\nbefore",
             "variance ratio\nbefore", "mean treated\nafter", "mean control\nafter", "SMD\nafter",
             "variance ratio\nafter"],
            [[r["covariate"], r["mean_treated"], r["mean_control"],
              Cell(r["smd_before"], tone[r["smd_before_class"]]),  # type: ignore[arg-type]
              Cell(r["vr_before"], tone[r["vr_before_class"]]),  # type: ignore[arg-type]
              r["mean_treated_after"], r["mean_control_after"],
              Cell(r["smd_after"], tone[r["smd_after_class"]]),  # type: ignore[arg-type]
              Cell(r["vr_after"], tone[r["vr_after_class"]])]  # type: ignore[arg-type]
             for r in b["rows"]], wrap=False),
            Prose.of((Cell(b["diagnostic"]["label"], b["diagnostic"]["status"]),  # type: ignore[arg-type]
                      " " + b["diagnostic"]["message"])),
            id=f"tl-balance-{b['method']}", where="html"))

    sens: list[Any] = []
    if v["evalues"]:
        sens.append(Grid.of(
            [("outcome", "left"), ("method", "left"), "risk ratio", "E-value", "E-value of CI", ("", "left")],
            [[e["outcome"], e["method"], e["risk_ratio"], e["evalue"], e["evalue_ci"],
              Cell(e["label"], e["status"])] for e in v["evalues"]],  # type: ignore[arg-type]
            title="E-values (VanderWeele & Ding 2017)"))
    if v["rosenbaum"]:
        sens.append(Grid.of(
            [("outcome", "left"), ("pairs", "left"), ("test", "left"), "Γ*", ("", "left"),
             ("reading", "left")],
            [[r["outcome"], r["pairs"], r["test"], r["gamma_star"], Cell(r["label"], r["status"]),
              r["message"]] for r in v["rosenbaum"]], title="Rosenbaum bounds (matched pairs)"))
    else:
        sens.append(Prose.of("Rosenbaum bounds: not computed (they need the matched design; include "
                             "method 'match').", dim=True))
    sections.append(Section.of("Sensitivity to hidden confounding", *sens, id="tl-sensitivity"))

    if v["refutations"]:
        sections.append(Section.of("Refutation tests", Grid.of(
            [("test", "left"), ("outcome", "left"), "estimate", "after test", "p", ("", "left")],
            [[r["test"], r["outcome"], r["original"], r["new_value"], r["pvalue"],
              Cell(r["label"], r["status"])] for r in v["refutations"]]), id="tl-refutations"))
    else:
        sections.append(Section.of("Refutation tests", Prose.of(
            "Not run (refutations were switched off; refute=True runs the placebo treatment, random "
            "common cause and data-subset tests).", dim=True), id="tl-refutations", where="html"))
    if not v["projections"]:
        sections.append(Section.of("Rollout projection", Prose.of(
            "No projection: give the number of customers (customers=) to project a rollout.",
            dim=True), id="tl-projections", where="html"))
    else:
        p0 = v["projections"][0]
        sections.append(Section.of("Rollout projection", Grid.of(
            [("outcome", "left"), f"per customer [{p0['level']} CI]", "customers", "rollout", "reached",
             f"total [{p0['level']} CI]"],
            [[p["outcome"], f"{p['per_customer']} {p['per_customer_ci']}", p["customers"], p["rollout"],
              p["reached"], f"{p['total']} {p['total_ci']}"] for p in v["projections"]],
            caption=p0["note"]), id="tl-projections"))

    counts = v["n_diagnostics"]
    return Page(
        kind=analysis.kind, title=f"truelift observe: {v['treatment']} -> {', '.join(v['outcomes'])}",
        subtitle=(f"Estimand {v['estimand']}; {lvl} intervals; primary method {v['primary']}; "
                  f"{len(v['covariates'])} covariates."),
        status=v["status"], status_label=v["status_label"], headline=v["headline"],
        sentences=tuple(v["sentences"]),
        reasons=reason_rows(v["reasons"]),
        reasons_title=(f"Why: {counts['fail']} fail, {counts['warn']} warn, {counts['info']} info, "
                       f"{counts['ok']} ok"),
        sections=tuple(sections), figures=drawn(analysis) if figures else (),
        data=tuple(v["data"]), provenance=tuple(v["provenance"]))
