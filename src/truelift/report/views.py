"""From an analysis to the :class:`~truelift.report.page.Page` both fronts render.

:func:`page` builds the page of any analysis. Every kind gets :func:`generic_page`, which reads
the schema alone (the verdict, ``_estimates()``, the diagnostics, ``_tables()``, ``_figures()``,
the notes and the provenance), so a new analysis kind is shown in full with no code here. A kind
whose readers expect more (the readout's lifts by metric role, the observational comparison of
naive and adjusted effects, ...) registers a richer builder in :data:`BUILDERS`; it returns the
same ``Page``, drawn by the same renderer and template.

Nothing here computes a statistic: numbers are formatted (through
:mod:`truelift.report.format`), never estimated.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from truelift.report import format as fmt
from truelift.report.page import Figure, Grid, Page, Prose, Reason, Section
from truelift.schema import Diagnostic, Status

STATUS_LABEL = {Status.OK: "PASS", Status.INFO: "INFO", Status.WARN: "WARN", Status.FAIL: "FAIL"}
"""The badge of every status (the one place the labels are spelled)."""

BUILDERS: dict[str, str] = {
    "observational": "truelift.report.observational:page",
    "readout": "truelift.report.experiment:readout_page",
    "plan": "truelift.report.experiment:plan_page",
    "factorial": "truelift.report.experiment:factorial_page",
    "uplift": "truelift.report.uplift:page",
    "project": "truelift.report.project:page",
    "geo_plan": "truelift.report.quasi:geo_plan_page",
}
"""Analysis kind -> the richer page builder of that kind (``module:function``); every other kind
(DiD, synthetic control, RD, IV, switchback, the impact decompositions, any new one) gets
:func:`generic_page`."""


def page(analysis: Any, *, figures: bool = False) -> Page:
    """The page of ``analysis``; its figures are drawn only when ``figures`` is true (the HTML
    front), so printing a result never starts matplotlib."""
    target = BUILDERS.get(getattr(analysis, "kind", ""))
    if target is None:
        return generic_page(analysis, figures=figures)
    module, name = target.split(":")
    build: Callable[..., Page] = getattr(importlib.import_module(module), name)
    return build(analysis, figures=figures)


# ------------------------------------------------------------------------------------------ parts
def status_of(verdict: Any) -> tuple[str | None, str]:
    """``(status value, badge label)`` of a verdict (``(None, "")`` when there is none)."""
    if verdict is None:
        return None, ""
    s = Status(verdict.status)
    return s.value, STATUS_LABEL[s]


def reason(d: Diagnostic) -> Reason:
    s = Status(d.status)
    return Reason(s.value, STATUS_LABEL[s], d.message)


def reason_rows(rows: list[dict[str, str]]) -> tuple[Reason, ...]:
    """:class:`Reason` s from a kind view's reason rows (``status``, ``label``, ``message``)."""
    return tuple(Reason(r["status"], r["label"], r["message"]) for r in rows)


def diagnostics_of(analysis: Any) -> list[Diagnostic]:
    """The analysis's diagnostics, then each estimate's own (each once)."""
    out = list(getattr(analysis, "diagnostics", ()) or ())
    for e in analysis._estimates():
        out += [d for d in e.diagnostics if d not in out]
    return out


def reasons(diagnostics: list[Diagnostic]) -> tuple[Reason, ...]:
    """Every diagnostic that is not OK, failures first."""
    order = {Status.FAIL: 0, Status.WARN: 1, Status.INFO: 2}
    bad = [d for d in diagnostics if Status(d.status) is not Status.OK]
    return tuple(reason(d) for d in sorted(bad, key=lambda d: order[Status(d.status)]))


def counts_title(diagnostics: list[Diagnostic], what: str = "Diagnostics") -> str:
    """``"Diagnostics: 0 fail, 1 warn, 2 info, 9 ok"``."""
    n = {s: 0 for s in Status}
    for d in diagnostics:
        n[Status(d.status)] += 1
    return (f"{what}: {n[Status.FAIL]} fail, {n[Status.WARN]} warn, {n[Status.INFO]} info, "
            f"{n[Status.OK]} ok")


def diagnostics_section(diagnostics: list[Diagnostic], *, threshold: bool = True,
                        title: str | None = None) -> Section:
    """Every diagnostic: its badge, name, value, threshold and what it means."""
    from truelift.report.page import Cell

    cols: list[Any] = [("", "left"), ("check", "left"), "value"]
    cols += ["threshold"] if threshold else []
    cols.append(("what it means", "left"))
    rows = []
    for d in diagnostics:
        s = Status(d.status)
        rows.append([Cell(STATUS_LABEL[s], s.value), d.name.replace("_", " "), fmt.short(d.value),
                     *([fmt.MISSING if d.threshold is None else fmt.short(d.threshold)]
                       if threshold else []), d.message])
    return Section.of(title or counts_title(diagnostics), Grid.of(cols, rows), id="tl-diagnostics")


def table_section(t: Any, *, where: str = "all") -> Section:
    """A schema :class:`~truelift.schema.Table` with every cell formatted, labels made human."""
    from truelift.report.quasi import table_view

    v = table_view(t)
    cols = [(c, "left") if i == 0 else c for i, c in enumerate(v["columns"])]
    return Section.of(t.title, Grid.of(cols, v["rows"], wrap=False), id=f"tl-table-{t.name}",
                      where=where)  # type: ignore[arg-type]


def drawn(analysis: Any) -> tuple[Figure, ...]:
    """Every typed figure of ``analysis`` drawn by the one drawer of its kind."""
    from truelift.report.draw import report_figures

    return tuple(Figure(f["name"], f["title"], f["svg"]) for f in report_figures(analysis))


def facts(analysis: Any) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """``(data rows, provenance rows)``: rows read, used and dropped; version, source, seed and
    every parameter."""
    from truelift.report.observational import data_rows, provenance_rows

    if getattr(analysis, "provenance", None) is None:
        return (), ()
    return tuple(data_rows(analysis)), tuple(provenance_rows(analysis))


# ---------------------------------------------------------------------------------------- generic
def generic_page(analysis: Any, *, figures: bool = False) -> Page:
    """The page of any analysis, from the schema alone: the verdict with one sentence per
    estimate, the estimand in plain words, the estimates, the diagnostics, every named table,
    every figure, the notes and the provenance."""
    from truelift.report.quasi import estimate_row, sentence

    ests = analysis._estimates()
    outcome = getattr(analysis, "outcome", None) or (ests[0].outcome if ests else None)
    design = getattr(analysis, "design", None) or analysis.kind
    level = getattr(analysis, "level", None) or (ests[0].level if ests else 0.95)
    lvl = fmt.level(level)
    verdict = getattr(analysis, "verdict", None)
    status, label = status_of(verdict)
    diags = diagnostics_of(analysis)

    sections: list[Section] = []
    ident = getattr(analysis, "identification", None)
    if ident:
        sections.append(Section.of("What is estimated, and under which assumption", Prose.of(ident),
                                   id="tl-identification", style="dim"))
    if ests:
        rows = []
        for e in ests:
            r = estimate_row(e, outcome)
            arm = f" · {e.arm}" if e.arm is not None else ""
            rows.append([f"{r['method']}{arm}: {r['estimand']}", f"{r['value']} {r['ci']}", r["pvalue"],
                         f"{r['relative']} {r['relative_ci']}".strip(), r["baseline"],
                         f"{r['n_treated']} / {r['n_control']}", f"{r['se']} ({r['se_kind']})"])
        sections.append(Section.of("Estimates", Grid.of(
            [("method and estimand", "left"), f"estimate [{lvl} CI]", "p", f"relative [{lvl} CI]",
             "counterfactual\nmean", "units\ntreated / control", ("standard error", "left")], rows),
            id="tl-estimates"))
    if diags:
        sections.append(diagnostics_section(diags, title="Diagnostics"))
    sections += [table_section(t) for t in analysis._tables()]
    data, prov = facts(analysis)
    title = f"truelift {design}: {analysis.heading}" + (f" -> {outcome}" if outcome else "")
    return Page(
        kind=analysis.kind, title=title, subtitle=f"{lvl} intervals. Design: {design}.",
        status=status, status_label=label,
        headline=verdict.headline if verdict is not None else analysis.heading,
        sentences=tuple(sentence(analysis, e) for e in ests), reasons=reasons(diags),
        sections=tuple(sections), figures=drawn(analysis) if figures else (),
        notes=tuple(getattr(analysis, "notes", ()) or ()), data=data, provenance=prov)


__all__ = ["BUILDERS", "STATUS_LABEL", "counts_title", "diagnostics_of", "diagnostics_section",
           "drawn", "facts", "generic_page", "page", "reason", "reason_rows", "reasons", "status_of",
           "table_section"]
