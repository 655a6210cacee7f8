"""The terminal front: a rich summary of an analysis result, and the same as plain text.

``renderable(analysis)`` returns a rich renderable (a ``Group`` of panels and tables);
``render_text(analysis)`` renders it to a plain string (no colour, 110 columns), which is what
``str(analysis)`` shows. Each analysis kind has its own renderer in :data:`RENDERERS`, so later
kinds (experiment readouts, DiD, ...) plug in without touching the others.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from truelift.report import experiment as exp_view
from truelift.report import observational as obs_view

STATUS_STYLE = {"ok": "bold green", "info": "bold blue", "warn": "bold yellow", "fail": "bold red"}
WIDTH = 110


def _build_table(title: str | None, columns: Sequence[str | tuple[str, str]],
                 rows: Sequence[Sequence[Any]], *, caption: str | None = None,
                 compact: bool = False, no_wrap: bool = False) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    table = Table(title=None if title is None else escape(title),
                  caption=None if caption is None else escape(caption), box=box.SIMPLE_HEAD,
                  title_justify="left",
                  caption_justify="left", pad_edge=False, show_edge=False, expand=False,
                  padding=(0, 1) if not compact else (0, 1, 0, 0), title_style="bold")
    for col in columns:
        name, justify = (col, "right") if isinstance(col, str) else col
        table.add_column(name, justify=justify, no_wrap=no_wrap)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*[Text(c) if isinstance(c, str) else c for c in row])
    return table


def _table(title: str | None, columns: Sequence[str | tuple[str, str]],
           rows: Sequence[Sequence[Any]], *, caption: str | None = None,
           compact: bool = False, no_wrap: bool = False) -> Any:
    """A table that never cuts a cell to fit the terminal (see :class:`_Adaptive`). String
    cells, the title and the caption print as they are: user labels such as ``"[/x]"`` are
    never read as rich markup (style a cell by passing a ``rich.text.Text``)."""
    return _Adaptive(title, columns, rows, caption=caption, compact=compact, no_wrap=no_wrap)


class _Adaptive:
    """A table laid out for the width it is printed at, so that no cell is ever cut to "24…".

    1. the table itself, when every column fits at its narrowest (each cell's longest word);
    2. else the same table in column groups, one under the other, each repeating the label
       columns (the leading left-aligned ones), when every group fits;
    3. else one record per row: the row's labels, then "column  value" lines.
    """

    def __init__(self, title: str | None, columns: Sequence[str | tuple[str, str]],
                 rows: Sequence[Sequence[Any]], **kw: Any) -> None:
        width = len(columns)   # a short row is padded, as rich itself would show it
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
        self.title, self.columns, self.rows, self.kw = title, list(columns), rows, kw
        self.wide = _build_table(title, columns, rows, **kw)

    @staticmethod
    def _fits(console: Any, options: Any, table: Any) -> bool:
        """Whether ``table`` prints at this width with nothing cut or lost: rendered there, it
        shows every letter and digit, and no more ellipses, than rendered unbounded (rich's
        measurement ignores ``no_wrap``, and a column squeezed to nothing shows no "…")."""
        def seen(width: int) -> tuple[int, int]:
            lines = console.render_lines(table, options.update(width=width), pad=False)
            text = "".join(seg.text for line in lines for seg in line)
            return sum(ch.isalnum() for ch in text), text.count("…")

        (chars, cut), (all_chars, all_cut) = seen(options.max_width), seen(10_000)
        return chars >= all_chars and cut <= all_cut

    def _layout(self, console: Any, options: Any) -> Any:
        from rich.console import Group

        if not self.rows or self._fits(console, options, self.wide):
            return self.wide
        if len(self.columns) <= 2:
            return self._records()
        caption = self.kw.get("caption")
        kw = {k: v for k, v in self.kw.items() if k != "caption"}

        keys = self._keys()

        def part(idx: list[int], title: str | None) -> Any:
            cols = [*range(keys), *idx]
            return _build_table(title, [self.columns[j] for j in cols],
                                [[r[j] for j in cols] for r in self.rows], **kw)

        groups: list[list[int]] = []
        for j in range(keys, len(self.columns)):
            if groups and self._fits(console, options, part([*groups[-1], j], None)):
                groups[-1].append(j)
            elif self._fits(console, options, part([j], None)):
                groups.append([j])
            else:
                return self._records()
        parts = [part(g, self.title if i == 0 else None) for i, g in enumerate(groups)]
        if caption:
            from rich.text import Text

            parts.append(Text(caption, style="dim"))
        return Group(*parts)

    def _keys(self) -> int:
        """How many leading columns name a row (the left-aligned labels, up to three; at least
        one): each column group repeats them."""
        k = 0
        while (k < min(3, len(self.columns) - 1) and not isinstance(self.columns[k], str)
               and self.columns[k][1] == "left"):
            k += 1
        return max(k, 1)

    def _records(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        names = [c if isinstance(c, str) else c[0] for c in self.columns]
        out: list[Any] = [Text(self.title, style="bold")] if self.title else []
        keys = self._keys()
        for row in self.rows:
            head = Text(style="bold")
            for k, cell in enumerate(row[:keys]):
                label = cell.plain if isinstance(cell, Text) else "" if cell is None else str(cell)
                head.append((" · " if k else "") + label)
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="dim", overflow="fold")
            grid.add_column(overflow="fold")
            for name, cell in zip(names[keys:], row[keys:], strict=True):
                grid.add_row(Text(" ".join(str(name).split())),
                             Text(cell) if isinstance(cell, str) else cell)
            out += [head, _Indent(grid)]
        if self.kw.get("caption"):
            out.append(Text(self.kw["caption"], style="dim"))
        return Group(*out)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self._layout(console, options)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self._layout(console, options))


class _Indent:
    def __init__(self, inner: Any, by: int = 2) -> None:
        self.inner, self.by = inner, by

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.padding import Padding

        yield Padding(self.inner, (0, 0, 0, self.by))


class _Fit:
    """``wide`` when it fits the console's width, else ``narrow`` (chosen when it is printed:
    a one-row table of many numbers reads better as label/value pairs than with its numbers
    cut to "24…")."""

    def __init__(self, wide: Any, narrow: Any) -> None:
        self.wide, self.narrow = wide, narrow

    def _pick(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        need = Measurement.get(console, options.update(width=10_000), self.wide).maximum
        return self.wide if need <= options.max_width else self.narrow

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self._pick(console, options)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self._pick(console, options))


def _kv(rows: Sequence[tuple[str, str]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    for k, v in rows:
        table.add_row(Text(k), Text(v))  # plain: values may be user strings
    return table


def _status(status: str, label: str) -> Any:
    from rich.text import Text

    return Text(label, style=STATUS_STYLE.get(status, ""))


def _panel(body: Any, title: str, style: str = "cyan") -> Any:
    return _TitledPanel(body, title, style)


class _TitledPanel:
    """A panel whose title goes in its border when it fits there, else (a narrow terminal) on
    the first line inside it, wrapped: a title is never cut."""

    def __init__(self, body: Any, title: str, style: str) -> None:
        self.body, self.title, self.style = body, title, style

    def _panel(self, width: int) -> Any:
        from rich.console import Group
        from rich.markup import escape
        from rich.panel import Panel
        from rich.text import Text

        if len(self.title) + 6 <= width:
            return Panel(self.body, title=f"[bold]{escape(self.title)}[/bold]", title_align="left",
                         border_style=self.style, padding=(0, 0, 0, 1))
        return Panel(Group(Text(self.title, style="bold"), self.body), border_style=self.style,
                     padding=(0, 0, 0, 1))

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self._panel(options.max_width)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self._panel(options.max_width))


def _verdict_panel(v: Mapping[str, Any], title: str, reasons: Sequence[Mapping[str, Any]] = ()) -> Any:
    """The first panel of every summary: status, headline, one sentence per finding, the reasons."""
    from rich.console import Group
    from rich.text import Text

    head = Text()
    head.append(f" {v['status_label']} ", style=STATUS_STYLE[v["status"]] + " reverse")
    head.append("  " + v["headline"])
    body: list[Any] = [head, Text(""), *(Text("• " + s) for s in v["sentences"])]
    if reasons:
        body.append(Text(""))
        body.append(_table(None, [("", "left"), ("why", "left")],
                           [[_status(r["status"], r["label"]), r["message"]] for r in reasons]))
    return _panel(Group(*body), title, style=STATUS_STYLE[v["status"]].split()[-1])


def _observational(analysis: Any) -> Any:
    from rich.console import Group
    from rich.text import Text

    v = obs_view.view(analysis)
    parts: list[Any] = []

    # 1. Headline: the verdict and one sentence per outcome on the primary estimate.
    parts.append(_verdict_panel(v, f"truelift observe: {v['treatment']} -> {', '.join(v['outcomes'])}"))

    # 2. Naive vs causal, per outcome.
    tables = []
    for t in v["tables"]:
        rows = []
        for r in t["rows"]:
            name = ("naive" if r["naive"] else r["method"]) + (" *" if r["primary"] else "")
            if r["naive"]:
                name = Text(name, style="dim")
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
    parts.append(_panel(body, f"Why: {counts['fail']} fail, {counts['warn']} warn, {counts['info']} info, "
                              f"{counts['ok']} ok"))

    # 4. Overlap, and the nuisance models chosen.
    parts.append(_panel(_kv(v["overlap"]), "Overlap of the propensity score"))
    if v.get("nuisance"):
        parts.append(_panel(_table(None, [("model of", "left"), ("chosen", "left"),
                                          ("out-of-fold loss of every candidate", "left"),
                                          "constant"],
                                   [[r["target"], r["chosen"],
                                     f"{r['loss_name']}: {r['candidates_text']}", r["constant"]]
                                    for r in v["nuisance"]]), "Nuisance models (chosen by out-of-fold loss)"))

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
                           [("outcome", "left"), ("pairs", "left"), ("test", "left"), "Γ*",
                            ("", "left"), ("reading", "left")],
                           [[r["outcome"], r["pairs"], r["test"], r["gamma_star"],
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


def _metric(row: dict[str, Any]) -> str:
    """A metric's name, with "(pp)" when its lifts are in percentage points."""
    return row["metric"] + (" (pp)" if row.get("binary") else "")


def _readout(readout: Any) -> Any:
    from rich.console import Group
    from rich.text import Text

    v = exp_view.readout_view(readout)
    parts: list[Any] = []
    dim = Text("—", style="dim")

    # 1. Verdict: status, headline, one sentence per primary lift, and the reasons.
    parts.append(_verdict_panel(v, f"truelift readout: {v['variant_column']} "
                                f"({', '.join([v['control'], *v['variants']])}) -> "
                                f"{', '.join(v['primary'])}", v["reasons"]))

    # 2. Arms and the sample-ratio check.
    srm = v["srm"]
    line = Text(f"Sample-ratio check: chi-square {srm['chi2']} on {srm['df']} df, {srm['p_equals']} "
                f"(a mismatch below {srm['threshold']})  ")
    line.append_text(_status(srm["status"], srm["label"]))
    parts.append(_panel(Group(_table(
        None, [("arm", "left"), ("", "left"), "users", "planned share", "observed share"],
        [[a["arm"], a["role"], a["users"], a["planned"], a["observed"]] for a in v["arms"]]), line),
        f"Arms: {srm['total']} users"))

    # 3. Lifts per metric role: the effect, then the evidence.
    mark = {"raw": "p", "holm": "p Holm", "bh": "p BH"}[v["decision"]]
    lvl = v["level"]
    for t in v["tables"]:
        effect = _table(None, [("metric", "left"), ("variant", "left"), "control", "variant",
                               f"lift [{lvl} CI]", f"relative [{lvl} CI]"],
                        [[_metric(r), r["variant"], r["control_value"], r["variant_value"],
                          f"{r['lift_bare']} {r['lift_ci_bare']}", f"{r['relative']} {r['relative_ci']}"]
                         for r in t["rows"]], compact=True, no_wrap=True)
        cols: list[str | tuple[str, str]] = [("metric", "left"), ("variant", "left")]
        cols += [c + " *" if c == mark else c for c in ("p", "p Holm", "p BH")]
        cols.append(("signif-\nicant", "center"))
        if t["cuped"]:
            cols.append("CUPED\nvar. cut")
        if t["always_valid"]:
            cols += [f"always-valid\n{lvl} CI", "always-\nvalid p"]
        rows = []
        for r in t["rows"]:
            style = {"better": "green", "worse": "red"}.get(r["direction"], "")
            row = [_metric(r), r["variant"], r["pvalue"], r["pvalue_holm"], r["pvalue_bh"],
                   Text(r["sig_mark"], style=style)]
            if t["cuped"]:
                row.append(r["variance_reduction"])
            if t["always_valid"]:
                row += [r["av_ci_bare"], r["av_pvalue"]]
            rows.append(row)
        note = f"* decides significance at alpha = {v['alpha']}: {v['correction_label']} over {t['family']}"
        if v["adjusts_always_valid"]:
            note += "; Holm and BH adjust the always-valid p-values"
        evidence = _table(None, cols, rows, compact=True, no_wrap=True)
        parts.append(_panel(Group(effect, evidence, Text(note, style="dim")),
                            f"{t['title']}: means by arm, lift, relative lift (0/1 metrics: % and pp)"))

    # 4. Bayesian readout.
    if v["bayes"]:
        rows = []
        for b in v["bayes"]:
            binary = " (pp)" if b["binary"] else ""
            for i, r in enumerate(b["rows"]):
                rows.append([b["metric"] + binary if i == 0 else "", r["arm"], r["mean"], r["prob_better"],
                             r["prob_best"], r["expected_loss_bare"],
                             dim if r["control"] else f"{r['lift_bare']} {r['lift_ci_bare']}"])
        b0 = v["bayes"][0]
        models = "; ".join(f"{m}: {', '.join(b['metric'] for b in v['bayes'] if b['model'] == m)}"
                           for m in dict.fromkeys(b["model"] for b in v["bayes"]))
        parts.append(_panel(Group(_table(
            None, [("metric", "left"), ("arm", "left"), "posterior\nmean", "P(better than\ncontrol)",
                   "P(best)", "expected\nloss", f"lift\n[{b0['level']} credible]"],
            rows, compact=True, no_wrap=True),
            Text("Expected loss: what shipping the arm gives up, on average, against the best arm. "
                 f"Models: {models}.", style="dim")), "Bayesian readout"))
    elif not v["bayes_notes"]:
        parts.append(Text("Bayesian readout: not computed (bayes=False).", style="dim"))
    for note in v["bayes_notes"]:
        parts.append(Text(f"Bayesian readout of {note}.", style="dim"))

    # 5. Segments.
    for s in v["segments"]:
        seg = [_table(None, [("level", "left"), ("metric", "left"), ("variant", "left"), "control",
                             "variant", f"lift [{lvl} CI]", "relative", "p Holm",
                             ("signif-\nicant", "center")],
                      [[r["level"], _metric(r), r["variant"], r["control_value"], r["variant_value"],
                        f"{r['lift_bare']} {r['lift_ci_bare']}", r["relative"], r["pvalue_holm"],
                        r["sig_mark"]] for r in s["rows"]], compact=True, no_wrap=True)]
        if s["heterogeneity"]:
            seg.append(_table(None, [("metric", "left"), ("variant", "left"), "Cochran Q", "df",
                                     "heterogeneity p", ("Simpson's paradox", "left")],
                              [[h["metric"], h["variant"], h["q"], h["df"], h["pvalue"],
                                Text(h["simpson_text"], style="bold red" if h["simpson"] else "")]
                               for h in s["heterogeneity"]], compact=True))
        sp = s["split"]
        line = Text(f"Split of users by {s['column']}: chi-square {sp['chi2']} on {sp['df']} df, "
                    f"{sp['p_equals']}  ")
        line.append_text(_status(sp["status"], sp["label"]))
        seg.append(line)
        if s["capped"]:
            seg.insert(0, Text(s["capped"], style="dim"))
        seg += [Text("skipped: " + k, style="dim") for k in s["skipped"]]
        if s["skipped_more"]:
            seg.append(Text(s["skipped_more"], style="dim"))
        levels = ", ".join(f"{lv} ({n})" for lv, n in s["levels"]) + " users" + (
            f"; {s['levels_more']}" if s["levels_more"] else "")
        parts.append(_panel(Group(*seg), f"Segments by {s['column']}: {levels}"))

    # 6. Funnel.
    for f in v["funnel"]:
        parts.append(_panel(Group(_table(
            None, [("stage", "left"), "reach\ncontrol", "reach\nvariant", f"reach lift, pp\n[{lvl} CI]",
                   "step conv.\ncontrol", "step conv.\nvariant", f"step lift, pp\n[{lvl} CI]"],
            [[r["stage"], r["reach"]["control_value"], r["reach"]["variant_value"],
              f"{r['reach']['lift_bare']} {r['reach']['lift_ci_bare']}",
              r["step"]["control_value"], r["step"]["variant_value"],
              f"{r['step']['lift_bare']} {r['step']['lift_ci_bare']}"] for r in f["rows"]],
            compact=True, no_wrap=True),
            Text("Reach: share of all users who got to the stage. Step conversion: share of the users "
                 "at the previous stage who went on.", style="dim")),
            f"Funnel: {f['variant']} vs {f['control']}"))

    # 7. Over time.
    sq = v["sequential"]
    if sq is not None:
        seq: list[Any] = [_kv([("inference", sq["method_label"]), ("looks at", sq["time"]),
                               ("planned users (horizon)", sq["horizon"])])]
        av = not sq["group_sequential_design"]  # a group-sequential design decides by its boundaries
        seq.append(_table(None, [("metric", "left"), ("variant", "left"), "looks", "users", "latest\nlift",
                                 f"naive\n[{lvl} CI]", "naive\np",
                                 *(["always-valid\nCS", "always-\nvalid p"] if av else [])],
                          [[_metric(p), p["variant"], p["looks"], p["n"], p["estimate_bare"], p["ci_bare"],
                            p["pvalue"], *([p["cs_bare"], p["pvalue_av"]] if av else [])]
                           for p in sq["paths"]], compact=True, no_wrap=True))
        if sq["group_sequential"]:
            seq.append(_table(None, [("metric", "left"), ("variant", "left"), "looks",
                                     "information\nfraction", "z", "|z|\nboundary", ("crossed", "left"),
                                     f"repeated\n{lvl} CI"],
                              [[_metric(g), g["variant"], g["looks"], g["fraction"], g["z"], g["boundary"],
                                Text(g["crossed_text"], style="bold" if g["crossed"] else ""),
                                g["rci_bare"]] for g in sq["group_sequential"]],
                              compact=True, no_wrap=True))
        parts.append(_panel(Group(*seq), "Over time: the cumulative lift at the latest look"))
    else:
        parts.append(Text("Over time: no enrolment time given (time=), so no cumulative path.",
                          style="dim"))

    # 8. Data.
    parts.append(_panel(_kv(v["data"] + [("source", readout.provenance.source)]), "Data", style="dim"))
    return Group(*parts)


def _plan(plan: Any) -> Any:
    from rich.console import Group
    from rich.text import Text

    v = exp_view.plan_view(plan)
    r = v["row"]
    title = f"truelift plan: solved for {v['solved_label']}"
    if v["status"]:
        parts: list[Any] = [_verdict_panel(
            {"status": v["status"], "status_label": v["status_label"],
             "headline": v["verdict_headline"], "sentences": [v["headline"]]}, title, v["reasons"])]
    else:
        parts = [_panel(Text(v["headline"]), title)]
    cols: list[str | tuple[str, str]] = [("metric", "left"), "baseline", "MDE", "MDE relative",
                                         "alpha / comparison", "power", "n per arm", "total",
                                         "duration"]
    row = [r["metric"], r["baseline"], r["mde"], r["mde_relative"], r["alpha_per_comparison"], r["power"],
           r["n_per_arm"], r["n_total"], r["duration"]]
    names = [c if isinstance(c, str) else c[0] for c in cols]
    body: list[Any] = [_Fit(_table(None, cols, [row], compact=True, no_wrap=True),
                            _kv(list(zip(names, row, strict=True))))]
    facts = [("test", f"{r['sided']}, alpha = {r['alpha']}, {v['variants']}, {v['correction']}"),
             ("arms", ", ".join(f"{a['arm']} {a['share']} ({a['n']})" for a in v["arms"]))]
    if r["sd"] != "—":
        facts.append(("standard deviation", r["sd"]))
    if r["variance_reduction"] != "—":
        facts.append(("variance reduction (CUPED)", r["variance_reduction"]))
    if r["power_target"] != "—":
        facts.append(("power target", r["power_target"]))
    if len(v["power_per_variant"]) > 1:
        facts.append(("power per variant", ", ".join(v["power_per_variant"])))
    body.append(_kv(facts))
    parts.append(_panel(Group(*body), "Plan"))
    s = v["sequential"]
    if s is not None:
        seq: list[Any] = [_kv([
            ("design", f"{s['label']}, {s['looks']} looks"),
            ("maximum users", f"{s['max_n']} (fixed horizon: {s['fixed_n']}; inflation {s['inflation']})"),
            ("expected users, no effect", f"{s['expected_h0']}{s['expected_days_h0']}"),
            ("expected users, planned effect", f"{s['expected_h1']}{s['expected_days_h1']}"),
            ("final critical |z|", s["z_final"]),
            *([("mixing variance tau2 (pass to the readout)", s["tau2"])] if s["tau2"] != "—" else []),
        ])]
        if s["boundaries"]:
            seq.append(_table(None, ["information", "|z| boundary", "nominal p"],
                              [list(b) for b in s["boundaries"]], compact=True))
        parts.append(_panel(Group(*seq), "Sequential design"))
    if v["notes"]:
        parts.append(_panel(Group(*[Text("• " + n) for n in v["notes"]]), "Notes", style="dim"))
    return Group(*parts)


def _factorial(result: Any) -> Any:
    from rich.console import Group
    from rich.text import Text

    v = exp_view.factorial_view(result)
    head: list[Any] = [Text.assemble(_status(v["status"], v["status_label"]), "  " + v["headline"])]
    head += [Text("• " + r["message"]) for r in v["reasons"]]
    parts: list[Any] = [_panel(Group(*head), f"truelift factorial: {v['factors']}")]
    cell_rows = [[c["metric"], c["levels"], c["users"], c["value"], c["se"]] for c in v["cells"]]
    parts.append(_panel(_table(None, [("metric", "left"), ("cell", "left"), "users", "value", "se"],
                               cell_rows, compact=True), "Cells"))
    rows = [[e["metric"], e["term"], e["contrast"], e["value"], e["ci"], e["p"], e["p_holm"],
             "✓" if e["significant"] else ""] for e in v["effects"]]
    parts.append(_panel(Group(_table(None, [("metric", "left"), ("effect", "left"), ("contrast", "left"),
                                             "estimate", f"[{v['level']} CI]", "p", "p Holm", "signif."],
                                     rows, compact=True),
                              Text(f"Main effects average over the other factor's levels; Holm over the "
                                   f"effects of each metric. Split over cells: {v['srm']}.", style="dim")),
                        "Main effects and interactions"))
    parts.append(_panel(_kv(v["data"]), "Data"))
    return Group(*parts)


def _uplift(analysis: Any) -> Any:
    from truelift.report.uplift import rich_summary

    return rich_summary(analysis)


def _quasi(analysis: Any) -> Any:
    from truelift.report.quasi import rich_summary

    return rich_summary(analysis)


def _project(analysis: Any) -> Any:
    from truelift.report.project import rich_summary

    return rich_summary(analysis)


def _geo_plan(plan: Any) -> Any:
    from truelift.report.quasi import geo_plan_summary

    return geo_plan_summary(plan)


RENDERERS: dict[str, Callable[[Any], Any]] = {"observational": _observational, "readout": _readout,
                                              "plan": _plan, "factorial": _factorial, "uplift": _uplift,
                                              "quasi": _quasi, "impact": _quasi,
                                              "geo_plan": _geo_plan, "project": _project}
"""Analysis kind -> function returning its rich renderable."""


_CONTROL = {c: None for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
                              *range(0x202A, 0x202F), *range(0x2066, 0x206A)) if c != 0x0A}
"""Every C0 control but the newline, DEL, the C1 controls and the bidirectional overrides and
isolates (which can make a label read backwards): removed from what is printed."""


def printable(text: str) -> str:
    """``text`` without control characters (see :class:`_Sanitized`): for one-line messages
    that quote the user's data, e.g. an error naming a column."""
    return str(text).translate(_CONTROL)


class _Sanitized:
    """A renderable whose text segments carry no control characters.

    Labels come from the user's data (arm names, segment levels, column names); an escape
    sequence among them (``ESC [ ... m``, ``ESC ] ... BEL``) would otherwise reach the terminal
    raw and could recolour it, retitle the window or hide text. rich measures those characters
    as zero cells wide, so removing them keeps every table aligned; rich's own styling travels
    in the segments' styles and control segments, which pass unchanged.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        for seg in console.render(self.inner, options):
            if seg.control or seg.text.isprintable() or seg.text == "\n":
                yield seg
            else:
                yield Segment(seg.text.translate(_CONTROL), seg.style)


def renderable(analysis: Any) -> Any:
    """A rich renderable summary of ``analysis`` (dispatched on ``analysis.kind``), with every
    control character of the user's labels removed."""
    kind = getattr(analysis, "kind", None)
    try:
        render = RENDERERS[kind]
    except KeyError:
        raise TypeError(f"no terminal renderer for analysis kind {kind!r}") from None
    return _Sanitized(render(analysis))


def compact_renderable(analysis: Any) -> Any:
    """The short form of any analysis (``truelift ... --compact``): its verdict with the reasons
    behind it, then its estimates, one row each, from the schema alone (``_estimates()``), so
    every kind gets it with no code of its own."""
    from rich.console import Group
    from rich.text import Text

    from truelift.report import format as fmt
    from truelift.report.observational import STATUS_LABEL
    from truelift.schema import Status

    verdict = getattr(analysis, "verdict", None)
    parts: list[Any] = []
    title = f"truelift {getattr(analysis, 'design', None) or analysis.kind}: {analysis.heading}"
    if verdict is not None:
        status = Status(verdict.status)
        parts.append(_verdict_panel({"status": status.value, "status_label": STATUS_LABEL[status],
                                     "headline": verdict.headline, "sentences": list(verdict.reasons)},
                                    title))
    else:
        parts.append(_panel(Text(""), title))
    ests = analysis._estimates()
    if ests:
        arms = any(e.arm is not None for e in ests)
        cols: list[str | tuple[str, str]] = [("outcome", "left"), *([("arm", "left")] if arms else []),
                                             ("method", "left"), ("estimand", "left"),
                                             f"estimate [{fmt.level(ests[0].level)} CI]", "relative",
                                             "p", "n treated / control"]
        rows = [[e.outcome, *([e.arm or ""] if arms else []), e.method, e.estimand,
                 f"{fmt.effect(e.value)} {fmt.interval(*e.ci, fmt=fmt.effect)}",
                 fmt.percent(e.relative.value) if e.relative is not None else fmt.MISSING,
                 fmt.pvalue(e.pvalue), f"{fmt.integer(e.n_treated)} / {fmt.integer(e.n_control)}"]
                for e in ests]
        parts.append(_panel(_table(None, cols, rows), "Estimates"))
    return _Sanitized(Group(*parts))


def render_text(analysis: Any, width: int = WIDTH) -> str:
    """The summary of ``analysis`` as plain text (no colour codes), ``width`` columns wide."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      no_color=True, highlight=False, emoji=False, legacy_windows=False)
    console.print(renderable(analysis))
    return buf.getvalue()
