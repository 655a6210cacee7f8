"""The HTML front: one self-contained report file, and the same body for notebooks.

* :func:`render_html` returns a whole page: inline CSS, inline SVG figures, a few lines of
  inline script; no external URL, font or script, so it opens without a network.
* :func:`render_fragment` returns the body alone (``Analysis._repr_html_`` uses it).
* :func:`write_html` writes the page (UTF-8).

Jinja2 renders with autoescaping on: every user string (column names, labels, messages) is
escaped. Only the figures, which :mod:`truelift.report.figures` produces, are inserted as markup.
Each analysis kind has a context builder and a body template in :data:`KINDS`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from truelift.report import experiment as exp_view
from truelift.report import figures, quasi_figures
from truelift.report import format as fmt
from truelift.report import observational as obs_view
from truelift.report import project as project_view
from truelift.report import quasi as quasi_view
from truelift.report import uplift as uplift_view


def _observational_context(analysis: Any) -> dict[str, Any]:
    v = obs_view.view(analysis)
    p = analysis.propensity
    figs: dict[str, str] = {}
    if analysis.balance:
        figs["love"] = figures.love_plot(analysis.balance)
    figs["overlap"] = figures.overlap_plot(p.bin_edges, p.counts_treated, p.counts_control,
                                           common_support=p.overlap.common_support)
    figs["forest"] = figures.forest_plot(analysis.estimates, naive=analysis.naive,
                                         binary=v["binary"], primary=analysis.primary)
    return {"v": v, "figures": figs,
            "title": f"truelift: {v['treatment']} -> {', '.join(v['outcomes'])}"}


def _readout_figures(r: Any) -> dict[str, str]:
    """The four figures of a readout, from the numbers in the result (nothing is estimated here)."""
    figs: dict[str, str] = {}
    several = len(r.arms) > 2
    rows = [lift for lift in r.lifts if lift.estimate.relative is not None]
    if rows:
        figs["forest"] = figures.lift_forest_plot(
            [f"{lift.metric}{' (guardrail)' if lift.role == 'guardrail' else ''}"
             + (f" · {lift.variant}" if several else "") for lift in rows],
            [lift.estimate.relative.value for lift in rows],
            [lift.estimate.relative.ci[0] for lift in rows],
            [lift.estimate.relative.ci[1] for lift in rows],
            groups=[lift.metric for lift in rows], series=[str(lift.variant) for lift in rows],
            filled=[lift.significant for lift in rows], level=r.level)
    primary = [m.name for m in r.metrics if m.role == "primary"]
    binary = {m.name: bool(m.binary) for m in r.metrics}
    paths = [p for m in primary for p in (r.sequential.paths if r.sequential else ()) if p.metric == m]
    if any(len(p.looks) > 1 for p in paths):  # a path needs two looks or more
        figs["cumulative"] = figures.cumulative_lift_plot(
            [{"title": f"{p.metric}: {p.variant} vs {r.control}", "times": p.times,
              "estimate": [lk.estimate for lk in p.looks], "ci_low": [lk.ci[0] for lk in p.looks],
              "ci_high": [lk.ci[1] for lk in p.looks], "cs_low": [lk.cs[0] for lk in p.looks],
              "cs_high": [lk.cs[1] for lk in p.looks], "binary": binary.get(p.metric, False),
              "xlabel": f"{r.sequential.time} (users enrolled up to it)"} for p in paths],
            ncols=len(r.arms) - 1, level=r.level)
    if r.funnel:
        stages = list(dict.fromkeys(f.stage for f in r.funnel))
        variants = list(dict.fromkeys(f.variant for f in r.funnel))
        at = {(f.stage, f.variant): f for f in r.funnel}
        reach = [[at[(s, variants[0])].reach.control_value for s in stages]]
        reach += [[at[(s, v)].reach.variant_value for s in stages] for v in variants]
        notes = []
        for k, s in enumerate(stages):
            what = "reach" if k == 0 else "step"
            lifts = [at[(s, v)].step for v in variants]
            notes.append("\n".join(
                (f"{v}: " if several else f"{what} ")
                + (fmt.pp(lift.estimate.value) if lift is not None else fmt.MISSING)
                for v, lift in zip(variants, lifts, strict=True)))
        figs["funnel"] = figures.funnel_plot(stages, [str(r.control), *map(str, variants)], reach,
                                             annotations=notes)
    panels = []
    for b in r.segments:
        # the comparisons the segment table shows (capped, by evidence, for long breakdowns)
        seg = [s for s in exp_view.shown_segment_lifts(b, primary)[0]
               if s.lift.estimate.relative is not None]
        if not seg:
            continue
        pooled = {(lift.metric, lift.variant): lift.estimate.relative for lift in r.lifts}
        panels.append({
            "title": f"by {b.column}",
            "labels": [f"{s.lift.metric} · {s.level}" + (f" · {s.lift.variant}" if several else "")
                       for s in seg],
            "values": [s.lift.estimate.relative.value for s in seg],
            "lows": [s.lift.estimate.relative.ci[0] for s in seg],
            "highs": [s.lift.estimate.relative.ci[1] for s in seg],
            "groups": [s.lift.metric for s in seg], "series": [str(s.lift.variant) for s in seg],
            "filled": [s.pvalue_holm < r.alpha for s in seg],
            "reference": [getattr(pooled.get((s.lift.metric, s.lift.variant)), "value", None)
                          for s in seg],
        })
    if panels:
        figs["segments"] = figures.segment_plot(panels, level=r.level)
    return figs


def _readout_context(readout: Any) -> dict[str, Any]:
    v = exp_view.readout_view(readout)
    return {"v": v, "figures": _readout_figures(readout),
            "title": f"truelift readout: {v['variant_column']} -> {', '.join(v['primary'])}"}


def _plan_context(plan: Any) -> dict[str, Any]:
    v = exp_view.plan_view(plan)
    return {"v": v, "figures": quasi_figures.report_figures(plan),
            "title": f"truelift plan: {v['row']['metric']}"}


def _factorial_context(result: Any) -> dict[str, Any]:
    v = exp_view.factorial_view(result)
    return {"v": v, "figures": quasi_figures.report_figures(result),
            "title": f"truelift factorial: {', '.join(result.factors)}"}


KINDS: dict[str, tuple[Callable[[Any], dict[str, Any]], str]] = {
    "factorial": (_factorial_context, "factorial.html.j2"),
    "observational": (_observational_context, "observational.html.j2"),
    "readout": (_readout_context, "readout.html.j2"),
    "plan": (_plan_context, "plan.html.j2"),
    "uplift": (uplift_view.html_context, "uplift.html.j2"),
    "quasi": (quasi_view.html_context, "quasi.html.j2"),
    "impact": (quasi_view.html_context, "quasi.html.j2"),
    "project": (project_view.html_context, "project.html.j2"),
    "geo_plan": (quasi_view.geo_plan_context, "geo_plan.html.j2"),
}
"""Analysis kind -> (context builder, body template)."""


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("truelift.report", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(analysis: Any, *, standalone: bool) -> str:
    kind = getattr(analysis, "kind", None)
    try:
        build, body = KINDS[kind]
    except KeyError:
        raise TypeError(f"no HTML renderer for analysis kind {kind!r}") from None
    ctx = build(analysis)
    from truelift import __version__

    return _environment().get_template("report.html.j2").render(
        body_template=body, standalone=standalone, version=__version__, **ctx)


def render_html(analysis: Any) -> str:
    """The whole report as one self-contained HTML page."""
    return _render(analysis, standalone=True)


def render_fragment(analysis: Any) -> str:
    """The report body (with its scoped style) for a notebook cell: no ``<html>`` shell."""
    return _render(analysis, standalone=False)


def write_html(analysis: Any, path: str | os.PathLike[str]) -> Path:
    """Write the self-contained report to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.write_text(render_html(analysis), encoding="utf-8")
    return out
