"""The terminal front: a rich summary of an analysis result, and the same as plain text.

``renderable(analysis)`` returns a rich renderable (a ``Group`` of panels and tables);
``render_text(analysis)`` renders it to a plain string (no colour, 110 columns), which is what
``str(analysis)`` shows. Each analysis kind has its own renderer in :data:`RENDERERS`, so later
kinds (experiment readouts, DiD, ...) plug in without touching the others.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from truelift.report import observational as obs_view

STATUS_STYLE = {"ok": "bold green", "warn": "bold yellow", "fail": "bold red"}
WIDTH = 110


def _table(title: str | None, columns: Sequence[str | tuple[str, str]],
           rows: Sequence[Sequence[Any]], *, caption: str | None = None,
           compact: bool = False, no_wrap: bool = False) -> Any:
    from rich import box
    from rich.table import Table

    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, title_justify="left",
                  caption_justify="left", pad_edge=False, show_edge=False, expand=False,
                  padding=(0, 1) if not compact else (0, 1, 0, 0), title_style="bold")
    for col in columns:
        name, justify = (col, "right") if isinstance(col, str) else col
        table.add_column(name, justify=justify, no_wrap=no_wrap)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    return table


def _kv(rows: Sequence[tuple[str, str]]) -> Any:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    for k, v in rows:
        table.add_row(k, v)
    return table


def _status(status: str, label: str) -> Any:
    from rich.text import Text

    return Text(label, style=STATUS_STYLE.get(status, ""))


def _panel(body: Any, title: str, style: str = "cyan") -> Any:
    from rich.panel import Panel

    return Panel(body, title=f"[bold]{title}[/bold]", title_align="left", border_style=style,
                 padding=(0, 0, 0, 1))


def _observational(analysis: Any) -> Any:
    from rich.console import Group
    from rich.text import Text

    v = obs_view.view(analysis)
    parts: list[Any] = []

    # 1. Headline: the verdict and one sentence per outcome on the primary estimate.
    head = Text()
    head.append(f" {v['status_label']} ", style=STATUS_STYLE[v["status"]] + " reverse")
    head.append("  " + v["headline"])
    lines: list[Any] = [head, Text("")]
    lines += [Text("• " + s) for s in v["sentences"]]
    parts.append(_panel(Group(*lines), "truelift observe: "
                        f"{v['treatment']} -> {', '.join(v['outcomes'])}",
                        style=STATUS_STYLE[v["status"]].split()[-1]))

    # 2. Naive vs causal, per outcome.
    tables = []
    for t in v["tables"]:
        rows = []
        for r in t["rows"]:
            name = ("naive" if r["naive"] else r["method"]) + (" *" if r["primary"] else "")
            if r["naive"]:
                name = f"[dim]{name}[/dim]"
            rows.append([name, "—" if r["naive"] else r["estimand"], r["control_mean"],
                         r["treated_mean"],
                         f"{r['lift_bare']} {r['lift_ci_bare']}",
                         f"{r['relative']} {r['relative_ci']}",
                         r["pvalue"], f"{r['n_treated']} / {r['n_control']}"])
        tables.append(_table(
            f"{t['outcome']}" + (" (0/1 outcome: means in %, lift in percentage points)"
                                 if t["binary"] else ""),
            [("method", "left"), ("estimand", "left"), "control", "treated",
             f"lift [{v['level']} CI]", f"relative [{v['level']} CI]", "p", "n T / C"],
            rows, compact=True, no_wrap=True))
    parts.append(_panel(Group(*tables), "Naive vs causal: means by arm, lift, relative lift "
                                        "(naive = unadjusted difference; * = primary)"))

    # 3. Reasons behind the verdict.
    if v["reasons"]:
        body = _table(None, [("", "left"), ("reason", "left")],
                      [[_status(r["status"], r["label"]), r["message"]] for r in v["reasons"]])
    else:
        body = Text("Every diagnostic is within its threshold.")
    counts = v["n_diagnostics"]
    parts.append(_panel(body, f"Why: {counts['fail']} fail, {counts['warn']} warn, "
                              f"{counts['ok']} ok"))

    # 4. Overlap.
    parts.append(_panel(_kv(v["overlap"]), "Overlap of the propensity score"))

    # 5. Balance summary.
    parts.append(_panel(_table(None, [("adjustment", "left"), "max |SMD| before",
                                      "max |SMD| after", ("", "left"),
                                      ("covariates still above 0.1", "left")],
                               [[b["method"], b["max_before"], b["max_after"],
                                 _status(b["status"], b["label"]), b["remaining_text"]]
                                for b in v["balance_summary"]]), "Covariate balance"))

    # 6. Sensitivity.
    sens: list[Any] = []
    if v["evalues"]:
        sens.append(_table("E-values (VanderWeele & Ding 2017)",
                           [("outcome", "left"), ("method", "left"), "risk ratio",
                            "E-value", "E-value of CI", ("", "left")],
                           [[e["outcome"], e["method"], e["risk_ratio"], e["evalue"],
                             e["evalue_ci"], _status(e["status"], e["label"])]
                            for e in v["evalues"]]))
    if v["rosenbaum"]:
        sens.append(_table("Rosenbaum bounds (matched pairs)",
                           [("outcome", "left"), "pairs", "Γ*", ("", "left"),
                            ("reading", "left")],
                           [[r["outcome"], r["n_pairs"], r["gamma_star"],
                             _status(r["status"], r["label"]), r["message"]]
                            for r in v["rosenbaum"]]))
    else:
        sens.append(Text("Rosenbaum bounds: not computed (they need the matched design; "
                         "include method 'match').", style="dim"))
    parts.append(_panel(Group(*sens), "Sensitivity to hidden confounding"))

    # 7. Refutations.
    if v["refutations"]:
        parts.append(_panel(_table(None, [("test", "left"), ("outcome", "left"), "estimate",
                                          "after test", "p", ("", "left")],
                                   [[r["test"], r["outcome"], r["original"], r["new_value"],
                                     r["pvalue"], _status(r["status"], r["label"])]
                                    for r in v["refutations"]]), "Refutation tests"))

    # 8. Projections.
    if v["projections"]:
        p0 = v["projections"][0]
        parts.append(_panel(_table(
            None, [("outcome", "left"), f"per customer [{p0['level']} CI]", "customers",
                   "rollout", "reached", f"total [{p0['level']} CI]"],
            [[p["outcome"], f"{p['per_customer']} {p['per_customer_ci']}", p["customers"],
              p["rollout"], p["reached"], f"{p['total']} {p['total_ci']}"]
             for p in v["projections"]],
            caption=p0["note"]), "Rollout projection"))

    # 9. Data.
    parts.append(_panel(_kv(v["data"]), "Data", style="dim"))
    return Group(*parts)


RENDERERS: dict[str, Callable[[Any], Any]] = {"observational": _observational}
"""Analysis kind -> function returning its rich renderable."""


def renderable(analysis: Any) -> Any:
    """A rich renderable summary of ``analysis`` (dispatched on ``analysis.kind``)."""
    kind = getattr(analysis, "kind", None)
    try:
        render = RENDERERS[kind]
    except KeyError:
        raise TypeError(f"no terminal renderer for analysis kind {kind!r}") from None
    return render(analysis)


def render_text(analysis: Any, width: int = WIDTH) -> str:
    """The summary of ``analysis`` as plain text (no colour codes), ``width`` columns wide."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      no_color=True, highlight=False, emoji=False, legacy_windows=False)
    console.print(renderable(analysis))
    return buf.getvalue()
