"""The randomized-test results, read for people: formatted facts shared by every front.

:func:`readout_view` turns a :class:`~truelift.experiment.readout.Readout` and :func:`plan_view` a
:class:`~truelift.experiment.plan.Plan` into plain dicts and lists of *strings* (every number
through :mod:`truelift.report.format`), so the terminal summary and the HTML report say exactly
the same thing. Nothing here computes a statistic: it reads the result and words it.

Units: a 0/1 metric (``MetricInfo.binary``) and every funnel rate read as percentages, their lifts
in percentage points; other metrics in their own units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from truelift.report import format as fmt
from truelift.report.observational import STATUS_LABEL, data_rows, provenance_rows, reasons
from truelift.schema import Diagnostic, Status

CORRECTION_LABEL = {"holm": "Holm", "bh": "Benjamini–Hochberg", "bonferroni": "Bonferroni",
                    "none": "no correction"}
SEQUENTIAL_LABEL = {
    None: "fixed horizon (one look)",
    "always-valid": "always-valid (normal-mixture confidence sequence)",
    "obrien-fleming": "group-sequential, O'Brien–Fleming spending",
    "pocock": "group-sequential, Pocock spending",
}
BAYES_MODEL = {"beta_binomial": "Beta–binomial (conjugate)", "normal": "normal approximation (flat prior)"}
CHECK = "✓"


def _text(label: Any) -> str:
    return str(label)


def _diag(d: Diagnostic) -> dict[str, str]:
    s = Status(d.status)
    return {"status": s.value, "label": STATUS_LABEL[s], "name": d.name, "message": d.message}


def _rel(rel: Any) -> tuple[str, str]:
    if rel is None:
        return fmt.MISSING, fmt.MISSING
    value = rel.mean if hasattr(rel, "mean") else rel.value  # a posterior summary has a mean
    return fmt.percent(value), fmt.interval(rel.ci[0], rel.ci[1], fmt.percent, signed=False)


def _bare(value: float, binary: bool) -> str:
    """A lift without its unit (for tables whose heading names it)."""
    return fmt.pp(value, unit=False) if binary else fmt.effect(value)


def _bare_ci(lo: float, hi: float, binary: bool) -> str:
    """The interval of a lift without its unit."""
    if binary:
        return fmt.interval(lo, hi, fmt.pp, unit=False, signed=False)
    return fmt.lift_interval(lo, hi, binary=False)


def lift_cells(lift: Any, *, binary: bool) -> dict[str, Any]:
    """The effect of one :class:`~truelift.experiment.lift.Lift`: values by arm, lift, relative lift."""
    est = lift.estimate
    rel, rel_ci = _rel(est.relative)
    return {
        "metric": lift.metric, "variant": _text(lift.variant), "role": lift.role, "binary": binary,
        "control_value": fmt.mean(lift.control_value, binary=binary),
        "variant_value": fmt.mean(lift.variant_value, binary=binary),
        "lift": fmt.lift(est.value, binary=binary),
        "lift_ci": fmt.lift_interval(est.ci[0], est.ci[1], binary=binary),
        "lift_bare": _bare(est.value, binary), "lift_ci_bare": _bare_ci(est.ci[0], est.ci[1], binary),
        "relative": rel, "relative_ci": rel_ci,
        "pvalue": fmt.pvalue(est.pvalue),
        "test": est.method, "n_variant": fmt.count(est.n_treated), "n_control": fmt.count(est.n_control),
    }


def _decision(readout: Any) -> str:
    """Which p-value column decides significance: ``"holm"``, ``"bh"`` or ``"raw"``."""
    return readout.correction if readout.correction in ("holm", "bh") else "raw"


def _direction(lift: Any) -> str:
    """``"better"`` / ``"worse"`` for a significant lift (by the metric's good direction), else ``""``."""
    if not lift.significant or lift.estimate.value == 0:
        return ""
    up = lift.estimate.value > 0
    return "better" if up == lift.higher_is_better else "worse"


def lift_row(lift: Any, *, binary: bool) -> dict[str, Any]:
    """One line of the lifts table: effect, p-values (raw, Holm, BH), CUPED, always-valid."""
    row = lift_cells(lift, binary=binary)
    av = lift.always_valid
    row.update({
        "pvalue_holm": fmt.pvalue(lift.pvalue_holm), "pvalue_bh": fmt.pvalue(lift.pvalue_bh),
        "significant": lift.significant, "sig_mark": CHECK if lift.significant else "",
        "direction": _direction(lift),
        "cuped": lift.cuped is not None,
        "variance_reduction": fmt.share(lift.cuped.variance_reduction) if lift.cuped else fmt.MISSING,
        "cuped_covariates": ", ".join(lift.cuped.covariates) if lift.cuped else "",
        "always_valid": av is not None,
        "av_ci": fmt.lift_interval(av.ci[0], av.ci[1], binary=binary) if av else fmt.MISSING,
        "av_ci_bare": _bare_ci(av.ci[0], av.ci[1], binary) if av else fmt.MISSING,
        "av_pvalue": fmt.pvalue(av.pvalue) if av else fmt.MISSING,
    })
    return row


def sentence(readout: Any, lift: Any, binary: bool) -> str:
    """One plain sentence on one primary lift and whether it is significant."""
    est = lift.estimate
    ci = fmt.lift_interval(est.ci[0], est.ci[1], binary=binary, sep=" to ", brackets=False)
    text = (f"{lift.metric}: {_text(lift.variant)} {fmt.lift(est.value, binary=binary)} vs "
            f"{_text(lift.control)} ({fmt.level(est.level)} CI {ci})")
    if est.relative is not None:
        text += f", {fmt.percent(est.relative.value)} relative"
    decision = _decision(readout)
    p = {"holm": lift.pvalue_holm, "bh": lift.pvalue_bh}.get(decision, lift.decision_pvalue)
    which = {"holm": "Holm-adjusted ", "bh": "BH-adjusted "}.get(decision, "")
    if lift.always_valid is not None:
        which += "always-valid "
    verdict = "significant" if lift.significant else "not significant"
    text += f"; {verdict} ({which}{fmt.p_equals(p)})."
    return text


def arm_rows(readout: Any) -> list[dict[str, Any]]:
    """Users per arm, planned and observed share."""
    srm = readout.srm
    out = []
    for i, arm in enumerate(readout.arms):
        out.append({"arm": _text(arm.label), "control": arm.control,
                    "role": "control" if arm.control else "variant", "users": fmt.count(arm.users),
                    "planned": fmt.share(arm.planned_share), "observed": fmt.share(srm.observed_share[i])})
    return out


def srm_view(readout: Any) -> dict[str, Any]:
    """The sample-ratio check."""
    srm = readout.srm
    diag = next((d for d in readout.diagnostics if d.name == "sample_ratio"), None)
    status = Status.FAIL if srm.mismatch else Status.OK
    return {"chi2": fmt.number(srm.chi2), "df": fmt.count(srm.df), "pvalue": fmt.pvalue(srm.pvalue),
            "p_equals": fmt.p_equals(srm.pvalue),
            "threshold": fmt.exact(srm.threshold), "status": status.value, "label": STATUS_LABEL[status],
            "message": diag.message if diag else "",
            "total": fmt.count(sum(srm.observed))}


def bayes_tables(readout: Any) -> list[dict[str, Any]]:
    """Per metric: every arm's posterior, P(better than control), P(best), expected loss."""
    info = {m.name: m for m in readout.metrics}
    out = []
    for mb in readout.bayes:
        b = mb.readout
        if b is None:  # no posterior (the metric does not vary): see bayes_notes
            continue
        binary = bool(info[mb.metric].binary) if mb.metric in info else False
        comps = {c.variant: c for c in b.comparisons}
        rows = []
        for arm in b.arms:
            c = comps.get(arm.label)
            rel, rel_ci = _rel(c.relative if c is not None else None)
            rows.append({
                "arm": arm.label, "control": arm.label == b.control,
                "mean": fmt.mean(arm.mean, binary=binary),
                "mean_ci": (fmt.interval(arm.ci[0], arm.ci[1], fmt.share) if binary
                            else fmt.interval(arm.ci[0], arm.ci[1], fmt.number)),
                "prob_best": fmt.probability(arm.prob_best),
                "expected_loss": fmt.loss(arm.expected_loss, binary=binary),
                "expected_loss_bare": fmt.loss(arm.expected_loss, binary=binary, unit=False),
                "prob_better": fmt.probability(c.prob_better) if c else fmt.MISSING,
                "lift": fmt.lift(c.absolute.mean, binary=binary) if c else fmt.MISSING,
                "lift_ci": (fmt.lift_interval(c.absolute.ci[0], c.absolute.ci[1], binary=binary)
                            if c else fmt.MISSING),
                "lift_bare": _bare(c.absolute.mean, binary) if c else fmt.MISSING,
                "lift_ci_bare": _bare_ci(c.absolute.ci[0], c.absolute.ci[1], binary) if c else fmt.MISSING,
                "relative": rel, "relative_ci": rel_ci,
                "loss_vs_control": fmt.loss(c.expected_loss, binary=binary) if c else fmt.MISSING,
            })
        model = BAYES_MODEL.get(b.model, b.model)
        if b.prior is not None:
            model += f", Beta({fmt.exact(b.prior[0])}, {fmt.exact(b.prior[1])}) prior"
        out.append({"metric": mb.metric, "binary": binary, "model": model,
                    "level": fmt.level(b.level), "draws": fmt.count(b.draws), "rows": rows})
    return out


def _primary(readout: Any) -> list[str]:
    return [m.name for m in readout.metrics if m.role == "primary"]


SEGMENT_ROWS = 20
"""Segment comparisons shown in the terminal and the HTML (the JSON holds every one)."""
SEGMENT_LEVELS_LISTED = 12
"""Levels named with their users in a segment's heading (the largest first when there are more)."""
SKIPPED_LISTED = 5
"""Skipped comparisons listed by name (the rest are counted)."""


def shown_segment_lifts(breakdown: Any, primary: Sequence[str], cap: int = SEGMENT_ROWS
                        ) -> tuple[list[Any], int]:
    """The segment lifts of the primary metrics to show, and how many there are.

    All of them in their natural order (metric, then level) when they fit under ``cap``; else
    the ``cap`` with the strongest evidence (smallest Holm p-value, then raw p), in that order.
    """
    rows = [s for metric in primary for s in breakdown.lifts if s.lift.metric == metric]
    if len(rows) <= cap:
        return rows, len(rows)
    ranked = sorted(rows, key=lambda s: (s.pvalue_holm, s.lift.estimate.pvalue))
    return ranked[:cap], len(rows)


def segment_tables(readout: Any) -> list[dict[str, Any]]:
    """Per segment column: per-level lifts of the primary metrics, heterogeneity, split check.

    Long breakdowns are capped (:data:`SEGMENT_ROWS` comparisons by evidence,
    :data:`SEGMENT_LEVELS_LISTED` levels, :data:`SKIPPED_LISTED` skipped ones), with a note
    saying how many are left out; the JSON keeps every one.
    """
    info = {m.name: m for m in readout.metrics}
    primary = _primary(readout)
    warned = {d.name for d in readout.diagnostics if Status(d.status) is not Status.OK}
    out = []
    for b in readout.segments:
        rows = []
        shown, total = shown_segment_lifts(b, primary)
        for s in shown:
            row = lift_cells(s.lift, binary=bool(info[s.lift.metric].binary))
            sig = s.pvalue_holm < readout.alpha
            row.update({"level": _text(s.level), "pvalue_holm": fmt.pvalue(s.pvalue_holm),
                        "significant": sig, "sig_mark": CHECK if sig else ""})
            rows.append(row)
        het = [{"metric": h.metric, "variant": _text(h.variant), "q": fmt.number(h.q), "df": fmt.count(h.df),
                "pvalue": fmt.pvalue(h.pvalue), "levels": fmt.count(h.levels_used), "simpson": h.simpson,
                "simpson_text": "YES: pooled lift has the opposite sign" if h.simpson else "no"}
               for h in b.heterogeneity if h.metric in primary]
        split_bad = f"split_by_segment:{b.column}" in warned
        status = Status.WARN if split_bad else Status.OK
        levels = list(zip(b.levels, b.users, strict=True))
        if len(levels) > SEGMENT_LEVELS_LISTED:
            levels = sorted(levels, key=lambda lv: -lv[1])[:SEGMENT_LEVELS_LISTED]
        capped = (f"Showing the {fmt.count(len(rows))} comparisons with the strongest evidence "
                  f"(smallest Holm p) of {fmt.count(total)}; the JSON holds every one."
                  if total > len(rows) else "")
        out.append({
            "column": b.column,
            "levels": [(_text(lv), fmt.count(n)) for lv, n in levels],
            "levels_more": (f"{fmt.count(len(b.levels) - len(levels))} more levels"
                            if len(b.levels) > len(levels) else ""),
            "rows": rows, "heterogeneity": het, "capped": capped,
            "split": {"chi2": fmt.number(b.split.chi2), "df": fmt.count(b.split.df),
                      "pvalue": fmt.pvalue(b.split.pvalue), "p_equals": fmt.p_equals(b.split.pvalue),
                      "status": status.value,
                      "label": STATUS_LABEL[status]},
            "skipped": list(b.skipped[:SKIPPED_LISTED]),
            "skipped_more": (f"{fmt.count(len(b.skipped) - SKIPPED_LISTED)} more comparisons "
                             "skipped (listed in the JSON)"
                             if len(b.skipped) > SKIPPED_LISTED else ""),
        })
    return out


def funnel_tables(readout: Any) -> list[dict[str, Any]]:
    """Per variant: reach and step conversion of every stage, by arm, with their lifts (in pp)."""
    variants = list(dict.fromkeys(f.variant for f in readout.funnel))
    out = []
    for v in variants:
        rows = []
        for f in readout.funnel:
            if f.variant != v:
                continue
            reach = lift_cells(f.reach, binary=True)
            # the step is undefined when nobody reached the previous stage in an arm
            step = (lift_cells(f.step, binary=True) if f.step is not None
                    else dict.fromkeys(reach, fmt.MISSING))
            rows.append({"stage": f.stage, "previous": f.previous or "all users",
                         "reach": reach, "step": step})
        out.append({"variant": _text(v), "control": _text(readout.control), "rows": rows})
    return out


def _time(t: Any) -> str:
    return fmt.MISSING if t is None else _text(t)


def sequential_view(readout: Any) -> dict[str, Any] | None:
    """The readout over time: latest look of every path, and group-sequential boundaries."""
    mon = readout.sequential
    if mon is None:
        return None
    info = {m.name: m for m in readout.metrics}
    paths = []
    for p in mon.paths:
        binary = bool(info[p.metric].binary) if p.metric in info else False
        last = p.looks[-1]
        empty = last.cs[0] > last.cs[1]
        paths.append({
            "metric": p.metric, "variant": _text(p.variant), "looks": fmt.count(len(p.looks)),
            "first": _time(p.times[0]), "last": _time(p.times[-1]), "n": fmt.count(last.n),
            "binary": binary,
            "estimate": fmt.lift(last.estimate, binary=binary),
            "ci": fmt.lift_interval(last.ci[0], last.ci[1], binary=binary),
            "cs": "empty" if empty else fmt.lift_interval(last.cs[0], last.cs[1], binary=binary),
            "estimate_bare": _bare(last.estimate, binary),
            "ci_bare": _bare_ci(last.ci[0], last.ci[1], binary),
            "cs_bare": "empty" if empty else _bare_ci(last.cs[0], last.cs[1], binary),
            "pvalue": fmt.pvalue(last.pvalue_naive), "pvalue_av": fmt.pvalue(last.pvalue_always_valid),
        })
    gs = []
    for g in mon.group_sequential:
        binary = bool(info[g.metric].binary) if g.metric in info else False
        m = g.monitoring
        last = m.looks[-1]
        first = m.first_crossing
        gs.append({
            "metric": g.metric, "variant": _text(g.variant), "kind": g.monitoring.boundaries.kind,
            "looks": fmt.count(len(m.looks)), "fraction": fmt.share(last.fraction),
            "z": fmt.number(last.z, 3, signed=True), "boundary": fmt.number(last.boundary, 3),
            "crossed": first is not None,
            "crossed_text": (f"yes, look {first} ({mon.time} {_time(g.times[first - 1])})"
                             if first is not None else "not yet"),
            "binary": binary,
            "rci": fmt.lift_interval(last.rci[0], last.rci[1], binary=binary),
            "rci_bare": _bare_ci(last.rci[0], last.rci[1], binary),
            "level": fmt.level(m.level),
        })
    return {"method": mon.method, "method_label": SEQUENTIAL_LABEL.get(mon.method, str(mon.method)),
            "time": mon.time or "one look at all users (no time= given)",
            "horizon": fmt.count(mon.horizon) if mon.horizon else "not given",
            "group_sequential_design": mon.method in ("obrien-fleming", "pocock"),
            "paths": paths, "group_sequential": gs}


def readout_view(readout: Any) -> dict[str, Any]:
    """Everything the fronts show about a :class:`~truelift.experiment.readout.Readout`, as strings."""
    binary = {m.name: bool(m.binary) for m in readout.metrics}
    roles = [("primary", "Primary metrics"), ("guardrail", "Guardrails")]
    tables = []
    for role, title in roles:
        rows = [lift_row(lift, binary=binary.get(lift.metric, False)) for lift in readout.lifts
                if lift.role == role]
        if rows:
            family = ("every metric x variant" if readout.family == "all"
                      else f"the {title.lower()} x variants")
            tables.append({"role": role, "title": title, "rows": rows, "family": family,
                           "cuped": any(r["cuped"] for r in rows),
                           "always_valid": any(r["always_valid"] for r in rows)})
    v = readout.verdict
    status = Status(v.status)
    decision = _decision(readout)
    sequential = readout.sequential is not None and readout.sequential.method == "always-valid"
    variants = [_text(a.label) for a in readout.arms if not a.control]
    return {
        "kind": readout.kind,
        "status": status.value,
        "status_label": STATUS_LABEL[status],
        "headline": v.headline,
        "sentences": [sentence(readout, lift, binary.get(lift.metric, False))
                      for lift in readout.lifts if lift.role == "primary"],
        "variant_column": readout.variant_column,
        "control": _text(readout.control),
        "variants": variants,
        "metrics": [{"name": m.name, "role": m.role, "description": m.description,
                     "binary": bool(m.binary), "covariates": ", ".join(m.covariates) or fmt.MISSING,
                     "direction": "higher is better" if m.higher_is_better else "lower is better"}
                    for m in readout.metrics],
        "primary": _primary(readout),
        "level": fmt.level(readout.level),
        "alpha": fmt.exact(readout.alpha),
        "correction": readout.correction,
        "correction_label": CORRECTION_LABEL.get(readout.correction, readout.correction),
        "decision": decision,
        "family": readout.family,
        "adjusts_always_valid": sequential,
        "sequential_label": SEQUENTIAL_LABEL.get(readout.sequential.method if readout.sequential else None,
                                                 ""),
        "arms": arm_rows(readout),
        "srm": srm_view(readout),
        "tables": tables,
        "bayes": bayes_tables(readout),
        "bayes_notes": [f"{mb.metric}: {mb.note}" for mb in readout.bayes if mb.readout is None],
        "segments": segment_tables(readout),
        "funnel": funnel_tables(readout),
        "sequential": sequential_view(readout),
        "reasons": reasons(readout),
        "diagnostics": [_diag(d) for d in readout.diagnostics],
        "n_diagnostics": {s.value: sum(1 for d in readout.diagnostics if Status(d.status) is s)
                          for s in Status},
        "data": data_rows(readout),
        "provenance": provenance_rows(readout),
    }


# --------------------------------------------------------------------------- plan

SOLVED_LABEL = {"n_per_arm": "users per arm", "mde": "minimum detectable effect", "power": "power"}


def _days(x: Any) -> str:
    return "" if x is None else f" ({fmt.number(x, 2)} days)"


def plan_view(plan: Any) -> dict[str, Any]:
    """Everything the fronts show about a :class:`~truelift.experiment.plan.Plan`, as strings."""
    binary = plan.metric == "proportion"
    arms = [{"arm": a, "share": fmt.share(s), "n": fmt.count(n)}
            for a, s, n in zip(plan.arms, plan.split, plan.n_per_arm, strict=True)]
    per_arm = (fmt.count(plan.n_per_arm[0]) if len(set(plan.n_per_arm)) == 1
               else " / ".join(fmt.count(n) for n in plan.n_per_arm))
    row = {
        "metric": plan.metric,
        "baseline": fmt.mean(plan.baseline, binary=binary),
        "sd": fmt.number(plan.sd) if plan.sd is not None else fmt.MISSING,
        "mde": fmt.lift(plan.mde, binary=binary),
        "mde_relative": fmt.percent(plan.mde_relative) if plan.mde_relative is not None else fmt.MISSING,
        "mean_treated": fmt.mean(plan.mean_treated, binary=binary),
        "alpha": fmt.exact(plan.alpha),
        "alpha_per_comparison": fmt.short(plan.alpha_per_comparison),
        "sided": "two-sided" if plan.sided == 2 else "one-sided",
        "power": fmt.share(plan.power),
        "power_target": fmt.share(plan.power_target) if plan.power_target is not None else fmt.MISSING,
        "n_per_arm": per_arm,
        "n_total": fmt.count(plan.n_total),
        "duration": (f"{fmt.count(plan.duration_days)} days" if plan.duration_days is not None
                     else fmt.MISSING),
        "daily_traffic": fmt.count(plan.daily_traffic) if plan.daily_traffic is not None else fmt.MISSING,
        "variance_reduction": fmt.share(plan.variance_reduction) if plan.variance_reduction else fmt.MISSING,
    }
    seq = None
    s = plan.sequential
    if s is not None:
        b = s.boundaries
        seq = {
            "kind": s.kind, "label": SEQUENTIAL_LABEL.get(s.kind, s.kind), "looks": fmt.count(s.looks),
            "max_n": fmt.count(plan.n_total), "fixed_n": fmt.count(s.fixed_n_total),
            "inflation": fmt.ratio(s.inflation, 3),
            "expected_h0": fmt.count(s.expected_n_total_h0), "expected_h1": fmt.count(s.expected_n_total_h1),
            "expected_days_h0": _days(s.expected_days_h0), "expected_days_h1": _days(s.expected_days_h1),
            "z_final": fmt.number(s.z_final, 3),
            "tau2": fmt.number(s.tau2) if s.tau2 is not None else fmt.MISSING,
            "boundaries": ([(fmt.share(t, 0), fmt.number(z, 3), fmt.pvalue(p))
                            for t, z, p in zip(b.fractions, b.z, b.nominal_p, strict=True)]
                           if b is not None else []),
        }
    unit = "percentage points" if binary else "outcome units"
    return {
        "kind": plan.kind,
        "solved_for": plan.solved_for,
        "solved_label": SOLVED_LABEL.get(plan.solved_for, plan.solved_for),
        "headline": _plan_headline(plan, row),
        "binary": binary, "unit": unit,
        "variants": f"{fmt.count(plan.variants)} variant{'s' if plan.variants > 1 else ''}",
        "correction": CORRECTION_LABEL.get(plan.correction, plan.correction),
        "row": row, "arms": arms,
        "power_per_variant": [fmt.share(p) for p in plan.power_per_variant],
        "sequential": seq,
        "notes": list(plan.notes),
        "provenance": provenance_rows(plan),
        **_plan_verdict(plan),
    }


def _plan_verdict(plan: Any) -> dict[str, Any]:
    """The plan's verdict for the fronts: status, its label, its headline and the reasons."""
    v = plan.verdict
    if v is None:  # a plan saved before plans had a verdict
        return {"status": None, "status_label": "", "verdict_headline": "", "reasons": []}
    status = Status(v.status)
    return {"status": status.value, "status_label": STATUS_LABEL[status],
            "verdict_headline": v.headline, "reasons": reasons(plan)}


def _plan_headline(plan: Any, row: dict[str, str]) -> str:
    what = f"{row['mde']} ({row['mde_relative']} relative)" if plan.mde_relative is not None else row["mde"]
    text = (f"{row['n_per_arm']} users per arm ({row['n_total']} in total) detect a lift of {what} on a "
            f"baseline of {row['baseline']} with {row['power']} power at alpha = {row['alpha']}")
    if plan.variants > 1:
        text += f" ({row['alpha_per_comparison']} per comparison)"
    if plan.duration_days is not None:
        text += f"; about {row['duration']} at {row['daily_traffic']} users a day"
    if plan.sequential is not None:
        kind = SEQUENTIAL_LABEL.get(plan.sequential.kind, plan.sequential.kind)
        expected = fmt.count(plan.sequential.expected_n_total_h1)
        text += (f". {kind[:1].upper()}{kind[1:]}: at most {row['n_total']} users, {expected} expected if "
                 "the effect is real")
    return text + "."


def factorial_view(result: Any) -> dict[str, Any]:
    """A factorial readout as display strings: verdict, cell means, effects, provenance."""
    status = Status(result.verdict.status)
    cells = []
    for c in result.cells:
        binary = bool(result.binary.get(c.metric, False))
        cells.append({"metric": c.metric + (" (pp)" if binary else ""),
                      "levels": " / ".join(str(x) for x in c.levels), "users": fmt.count(c.users),
                      "value": fmt.mean(c.value, binary=binary),
                      "se": fmt.pp(c.se, unit=False, signed=False) if binary else fmt.number(c.se)})
    effects = []
    for e in result.effects:
        binary = bool(result.binary.get(e.metric, False))
        est = e.estimate
        effects.append({"metric": e.metric + (" (pp)" if binary else ""), "term": e.term,
                        "contrast": e.contrast, "value": fmt.lift(est.value, binary=binary),
                        "ci": fmt.lift_interval(est.ci[0], est.ci[1], binary=binary),
                        "p": fmt.pvalue(est.pvalue), "p_holm": fmt.pvalue(e.pvalue_holm),
                        "significant": e.pvalue_holm < 1.0 - result.level})
    factors = ", ".join(f"{f} (control {c})" for f, c in zip(result.factors, result.control_levels,
                                                              strict=True))
    return {"kind": result.kind, "status": status.value, "status_label": STATUS_LABEL[status],
            "headline": result.verdict.headline,
            "reasons": reasons(result), "factors": factors, "metrics": list(result.metrics),
            "level": fmt.level(result.level), "cells": cells, "effects": effects,
            "srm": f"chi-square {fmt.number(result.srm.chi2)} on {result.srm.df} df, "
                   f"{fmt.p_equals(result.srm.pvalue)}",
            "data": data_rows(result), "provenance": provenance_rows(result)}


# --------------------------------------------------------------------------- pages
def _metric(row: dict[str, Any]) -> str:
    """A metric's name, with "(pp)" when its lifts are in percentage points."""
    return row["metric"] + (" (pp)" if row.get("binary") else "")


def readout_page(readout: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of a readout: arms and the sample-ratio check, the
    lifts per metric role (effect, then evidence), the Bayesian readout, segments, funnel, the
    path over time, and (HTML) the metric definitions."""
    from truelift.report.page import Cell, Facts, Grid, Page, Prose, Section
    from truelift.report.views import drawn, reason_rows

    v = readout_view(readout)
    lvl = v["level"]
    sections: list[Any] = []

    srm = v["srm"]
    sections.append(Section.of(f"Arms: {srm['total']} users", Grid.of(
        [("arm", "left"), ("", "left"), "users", "planned share", "observed share"],
        [[a["arm"], a["role"], a["users"], a["planned"], a["observed"]] for a in v["arms"]]),
        Prose.of((f"Sample-ratio check: chi-square {srm['chi2']} on {srm['df']} df, {srm['p_equals']} "
                  f"(a mismatch below {srm['threshold']})  ", Cell(srm["label"], srm["status"]))),
        id="tl-arms"))

    mark = {"raw": "p", "holm": "p Holm", "bh": "p BH"}[v["decision"]]
    for t in v["tables"]:
        effect = Grid.of([("metric", "left"), ("variant", "left"), "control", "variant",
                          f"lift [{lvl} CI]", f"relative [{lvl} CI]"],
                         [[_metric(r), r["variant"], r["control_value"], r["variant_value"],
                           f"{r['lift_bare']} {r['lift_ci_bare']}", f"{r['relative']} {r['relative_ci']}"]
                          for r in t["rows"]], wrap=False)
        cols: list[Any] = [("metric", "left"), ("variant", "left")]
        cols += [c + " *" if c == mark else c for c in ("p", "p Holm", "p BH")]
        cols.append(("signif-\nicant", "center"))
        if t["cuped"]:
            cols.append("CUPED\nvar. cut")
        if t["always_valid"]:
            cols += [f"always-valid\n{lvl} CI", "always-\nvalid p"]
        rows = []
        for r in t["rows"]:
            tone = {"better": "better", "worse": "worse"}.get(r["direction"], "")
            row = [_metric(r), r["variant"], r["pvalue"], r["pvalue_holm"], r["pvalue_bh"],
                   Cell(r["sig_mark"], tone)]  # type: ignore[arg-type]
            if t["cuped"]:
                row.append(r["variance_reduction"])
            if t["always_valid"]:
                row += [r["av_ci_bare"], r["av_pvalue"]]
            rows.append(row)
        note = f"* decides significance at alpha = {v['alpha']}: {v['correction_label']} over {t['family']}"
        if v["adjusts_always_valid"]:
            note += "; Holm and BH adjust the always-valid p-values"
        sections.append(Section.of(
            f"{t['title']}: means by arm, lift, relative lift (0/1 metrics: % and pp)", effect,
            Grid.of(cols, rows, wrap=False), Prose.of(note, dim=True), id=f"tl-lifts-{t['role']}"))

    if v["bayes"]:
        rows = []
        for b in v["bayes"]:
            binary = " (pp)" if b["binary"] else ""
            for i, r in enumerate(b["rows"]):
                rows.append([b["metric"] + binary if i == 0 else "", r["arm"], r["mean"], r["prob_better"],
                             r["prob_best"], r["expected_loss_bare"],
                             Cell(fmt.MISSING, "dim") if r["control"]
                             else f"{r['lift_bare']} {r['lift_ci_bare']}"])
        b0 = v["bayes"][0]
        models = "; ".join(f"{m}: {', '.join(b['metric'] for b in v['bayes'] if b['model'] == m)}"
                           for m in dict.fromkeys(b["model"] for b in v["bayes"]))
        sections.append(Section.of("Bayesian readout", Grid.of(
            [("metric", "left"), ("arm", "left"), "posterior\nmean", "P(better than\ncontrol)",
             "P(best)", "expected\nloss", f"lift\n[{b0['level']} credible]"], rows, wrap=False),
            Prose.of("Expected loss: what shipping the arm gives up, on average, against the best arm. "
                     f"Models: {models}.", dim=True), id="tl-bayes"))
    notes = [f"Bayesian readout of {note}." for note in v["bayes_notes"]]
    if not v["bayes"] and not v["bayes_notes"]:
        notes.append("Bayesian readout: not computed (bayes=False).")
    if not v["segments"]:
        notes.append("No segments: give segments= (columns) for the lift in every level.")
    if not v["funnel"]:
        notes.append("No funnel: give funnel= (the stage columns, in order) for reach and step lifts.")

    for s in v["segments"]:
        blocks: list[Any] = []
        if s["capped"]:
            blocks.append(Prose.of(s["capped"], dim=True))
        blocks.append(Grid.of(
            [("level", "left"), ("metric", "left"), ("variant", "left"), "control", "variant",
             f"lift [{lvl} CI]", "relative", "p Holm", ("signif-\nicant", "center")],
            [[r["level"], _metric(r), r["variant"], r["control_value"], r["variant_value"],
              f"{r['lift_bare']} {r['lift_ci_bare']}", r["relative"], r["pvalue_holm"], r["sig_mark"]]
             for r in s["rows"]], wrap=False))
        if s["heterogeneity"]:
            blocks.append(Grid.of(
                [("metric", "left"), ("variant", "left"), "Cochran Q", "df", "heterogeneity p",
                 ("Simpson's paradox", "left")],
                [[h["metric"], h["variant"], h["q"], h["df"], h["pvalue"],
                  Cell(h["simpson_text"], "alert" if h["simpson"] else "")]
                 for h in s["heterogeneity"]]))
        sp = s["split"]
        blocks.append(Prose.of((f"Split of users by {s['column']}: chi-square {sp['chi2']} on "
                                f"{sp['df']} df, {sp['p_equals']}  ", Cell(sp["label"], sp["status"]))))
        skipped = [f"skipped: {k}" for k in s["skipped"]]
        if s["skipped_more"]:
            skipped.append(s["skipped_more"])
        if skipped:
            blocks.append(Prose.of(*skipped, dim=True))
        levels = ", ".join(f"{lv} ({n})" for lv, n in s["levels"]) + " users" + (
            f"; {s['levels_more']}" if s["levels_more"] else "")
        sections.append(Section.of(f"Segments by {s['column']}: {levels}", *blocks,
                                   id=f"tl-segments-{s['column']}"))

    for f in v["funnel"]:
        sections.append(Section.of(f"Funnel: {f['variant']} vs {f['control']}", Grid.of(
            [("stage", "left"), "reach\ncontrol", "reach\nvariant", f"reach lift, pp\n[{lvl} CI]",
             "step conv.\ncontrol", "step conv.\nvariant", f"step lift, pp\n[{lvl} CI]"],
            [[r["stage"], r["reach"]["control_value"], r["reach"]["variant_value"],
              f"{r['reach']['lift_bare']} {r['reach']['lift_ci_bare']}",
              r["step"]["control_value"], r["step"]["variant_value"],
              f"{r['step']['lift_bare']} {r['step']['lift_ci_bare']}"] for r in f["rows"]], wrap=False),
            Prose.of("Reach: share of all users who got to the stage. Step conversion: share of the "
                     "users at the previous stage who went on.", dim=True),
            id=f"tl-funnel-{f['variant']}"))

    sq = v["sequential"]
    if sq is not None:
        blocks = [Facts.of([("inference", sq["method_label"]), ("looks at", sq["time"]),
                            ("planned users (horizon)", sq["horizon"])])]
        av = not sq["group_sequential_design"]  # a group-sequential design decides by its boundaries
        blocks.append(Grid.of(
            [("metric", "left"), ("variant", "left"), "looks", "users", "latest\nlift",
             f"naive\n[{lvl} CI]", "naive\np", *(["always-valid\nCS", "always-\nvalid p"] if av else [])],
            [[_metric(p), p["variant"], p["looks"], p["n"], p["estimate_bare"], p["ci_bare"],
              p["pvalue"], *([p["cs_bare"], p["pvalue_av"]] if av else [])] for p in sq["paths"]],
            wrap=False))
        if sq["group_sequential"]:
            blocks.append(Grid.of(
                [("metric", "left"), ("variant", "left"), "looks", "information\nfraction", "z",
                 "|z|\nboundary", ("crossed", "left"), f"repeated\n{lvl} CI"],
                [[_metric(g), g["variant"], g["looks"], g["fraction"], g["z"], g["boundary"],
                  Cell(g["crossed_text"], "strong" if g["crossed"] else ""), g["rci_bare"]]
                 for g in sq["group_sequential"]], wrap=False, title="Group-sequential boundaries"))
        sections.append(Section.of("Over time: the cumulative lift at the latest look", *blocks,
                                   id="tl-sequential"))
    else:
        notes.append("Over time: no enrolment time given (time=), so no cumulative path.")

    sections.append(Section.of("Metrics and tests", Grid.of(
        [("metric", "left"), ("role", "left"), ("definition", "left"), ("good direction", "left"),
         ("CUPED covariates", "left")],
        [[m["name"], m["role"], m["description"], m["direction"], m["covariates"]] for m in v["metrics"]]),
        id="tl-metrics", where="html"))

    title = (f"truelift readout: {v['variant_column']} ({', '.join([v['control'], *v['variants']])}) "
             f"-> {', '.join(v['primary'])}")
    subtitle = (f"Control {v['control']} against {', '.join(v['variants'])}; {lvl} intervals; "
                f"significance at alpha = {v['alpha']} after {v['correction_label']}; "
                f"{v['sequential_label'] or 'fixed horizon (one look)'}.")
    return Page(kind=readout.kind, title=title, subtitle=subtitle, status=v["status"],
                status_label=v["status_label"], headline=v["headline"],
                sentences=tuple(v["sentences"]), reasons=reason_rows(v["reasons"]),
                sections=tuple(sections), figures=drawn(readout) if figures else (),
                notes=tuple(notes), data=(*v["data"], ("source", readout.provenance.source)),
                provenance=tuple(v["provenance"]))


def plan_page(plan: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of a plan: the sample size or power and the facts
    behind it, the sequential design and its boundaries."""
    from truelift.report.page import Facts, Grid, Page, Section
    from truelift.report.views import drawn, reason_rows

    v = plan_view(plan)
    r = v["row"]
    cols: list[Any] = [("metric", "left"), "baseline", "MDE", "MDE relative", "alpha / comparison",
                       "power", "n per arm", "total", "duration"]
    row = [r["metric"], r["baseline"], r["mde"], r["mde_relative"], r["alpha_per_comparison"], r["power"],
           r["n_per_arm"], r["n_total"], r["duration"]]
    facts = [("test", f"{r['sided']}, alpha = {r['alpha']}, {v['variants']}, {v['correction']}"),
             ("arms", ", ".join(f"{a['arm']} {a['share']} ({a['n']})" for a in v["arms"]))]
    if r["sd"] != fmt.MISSING:
        facts.append(("standard deviation", r["sd"]))
    if r["variance_reduction"] != fmt.MISSING:
        facts.append(("variance reduction (CUPED)", r["variance_reduction"]))
    if r["power_target"] != fmt.MISSING:
        facts.append(("power target", r["power_target"]))
    if len(v["power_per_variant"]) > 1:
        facts.append(("power per variant", ", ".join(v["power_per_variant"])))
    sections = [Section.of("Plan", Grid.of(cols, [row], wrap=False, narrow="pairs"), Facts.of(facts),
                           id="tl-plan")]
    s = v["sequential"]
    if s is not None:
        blocks: list[Any] = [Facts.of([
            ("design", f"{s['label']}, {s['looks']} looks"),
            ("maximum users", f"{s['max_n']} (fixed horizon: {s['fixed_n']}; inflation {s['inflation']})"),
            ("expected users, no effect", f"{s['expected_h0']}{s['expected_days_h0']}"),
            ("expected users, planned effect", f"{s['expected_h1']}{s['expected_days_h1']}"),
            ("final critical |z|", s["z_final"]),
            *([("mixing variance tau2 (pass to the readout)", s["tau2"])] if s["tau2"] != fmt.MISSING
              else []),
        ])]
        if s["boundaries"]:
            blocks.append(Grid.of(["information", "|z| boundary", "nominal p"],
                                  [list(b) for b in s["boundaries"]]))
        sections.append(Section.of("Sequential design", *blocks, id="tl-sequential"))
    title = f"truelift plan: solved for {v['solved_label']}"
    if v["status"]:
        headline, sentences = v["verdict_headline"], (v["headline"],)
    else:
        headline, sentences = v["headline"], ()
    return Page(kind=plan.kind, title=title, status=v["status"], status_label=v["status_label"],
                headline=headline, sentences=sentences, reasons=reason_rows(v["reasons"]),
                sections=tuple(sections), figures=drawn(plan) if figures else (),
                notes=tuple(v["notes"]), provenance=tuple(v["provenance"]))


def factorial_page(result: Any, *, figures: bool = False) -> Any:
    """The :class:`~truelift.report.page.Page` of a factorial readout: main effects and
    interactions, the cell means."""
    from truelift.report.page import Cell, Grid, Page, Prose, Section
    from truelift.report.views import drawn, reason_rows

    v = factorial_view(result)
    rows = [[e["metric"], e["term"], e["contrast"], e["value"], e["ci"], e["p"], e["p_holm"],
             Cell("✓", "better") if e["significant"] else ""] for e in v["effects"]]
    sections = [
        Section.of("Main effects and interactions", Grid.of(
            [("metric", "left"), ("effect", "left"), ("contrast", "left"), "estimate",
             f"[{v['level']} CI]", "p", "p Holm", ("signif.", "center")], rows),
            Prose.of("Main effects average over the other factor's levels; Holm over the effects of "
                     f"each metric. Split over cells: {v['srm']}.", dim=True), id="tl-effects"),
        Section.of("Cells", Grid.of([("metric", "left"), ("cell", "left"), "users", "value", "se"],
                                    [[c["metric"], c["levels"], c["users"], c["value"], c["se"]]
                                     for c in v["cells"]]), id="tl-cells"),
    ]
    return Page(kind=result.kind, title=f"truelift factorial: {v['factors']}", status=v["status"],
                status_label=v["status_label"], headline=v["headline"],
                reasons=reason_rows(v["reasons"]), sections=tuple(sections),
                figures=drawn(result) if figures else (), data=tuple(v["data"]),
                provenance=tuple(v["provenance"]))
