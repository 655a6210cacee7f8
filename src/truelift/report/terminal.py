"""The terminal front: a rich summary of an analysis result, and the same as plain text.

``renderable(analysis)`` returns a rich renderable (a ``Group`` of panels and tables);
``render_text(analysis)`` renders it to a plain string (no colour, 110 columns), which is what
``str(analysis)`` shows. There is one layout for every kind: :func:`page_renderable` renders the
:class:`~truelift.report.page.Page` that :func:`truelift.report.views.page` builds, block by
block, so a new analysis kind needs nothing here.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

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
        # numbers (right-aligned) never wrap; text wraps unless the whole table is no_wrap
        table.add_column(name, justify=justify,  # type: ignore[arg-type]
                         no_wrap=no_wrap or justify != "left")
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


def adaptive_table(title: str | None, columns: Sequence[str | tuple[str, str]],
                   rows: Sequence[Sequence[Any]], *, caption: str | None = None) -> Any:
    """A table laid out for the terminal's width with no cell cut and no number wrapped (see
    :class:`_Adaptive`): for fronts that print a table of their own (the CLI's truth tables)."""
    return _table(title, columns, rows, caption=caption, compact=True, no_wrap=True)


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


TONE_STYLE = {"ok": "bold green", "info": "bold blue", "warn": "bold yellow", "fail": "bold red",
              "better": "green", "worse": "red", "caution": "yellow", "alert": "bold red",
              "strong": "bold", "dim": "dim",
              "": ""}
"""The rich style of every :class:`~truelift.report.page.Cell` tone."""


def _text(t: Any, style: str = "") -> Any:
    """A rich ``Text`` of a page's text (a string or a toned ``Cell``), never read as markup."""
    from rich.text import Text

    from truelift.report.page import Cell

    if isinstance(t, Cell):
        return Text(t.text, style=TONE_STYLE.get(t.tone, ""))
    return Text(str(t), style=style)


def _line(line: Any, style: str = "") -> Any:
    from rich.text import Text

    if isinstance(line, tuple):
        out = Text(style=style)
        for piece in line:
            out.append_text(_text(piece))
        return out
    return _text(line, style)


def _block(block: Any) -> Any:
    """One block of a page section as a rich renderable."""
    from rich.console import Group

    from truelift.report.page import Cell, Facts, Grid, Prose

    if isinstance(block, Grid):
        cols = [(c.label, c.align) for c in block.columns]
        rows = [[_text(c) for c in r] for r in block.rows]
        table = _table(block.title, cols, rows, caption=block.caption, compact=True,
                       no_wrap=not block.wrap)
        if block.narrow == "pairs" and len(rows) == 1:
            pairs = [(" ".join(c.label.split()), cell.text if isinstance(cell, Cell) else cell)
                     for c, cell in zip(block.columns, block.rows[0], strict=True)]
            return _Fit(table, _kv(pairs))
        return table
    if isinstance(block, Facts):
        return _kv(block.rows)
    if isinstance(block, Prose):
        style = "dim" if block.dim else ""
        if not block.bullets:
            return Group(*[_line(line, style) for line in block.lines])
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))   # a hanging indent: wrapped lines align after "•"
        grid.add_column(no_wrap=True, style=style)
        grid.add_column(overflow="fold")
        for line in block.lines:
            grid.add_row("•", _line(line, style))
        return grid
    raise TypeError(f"not a page block: {block!r}")


def _verdict(page: Any) -> Any:
    """The first panel of every summary: status, headline, one sentence per finding, the reasons."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    body: list[Any] = []
    if page.status is not None:
        head = Text()
        head.append(f" {page.status_label} ", style=STATUS_STYLE[page.status] + " reverse")
        head.append("  " + page.headline)
        body.append(head)
    elif page.headline:
        body.append(Text(page.headline))
    if page.subtitle:
        body.append(Text(page.subtitle, style="dim"))
    if page.sentences:
        from truelift.report.page import Prose

        body += [Text(""), _block(Prose(tuple(page.sentences), bullets=True))]
    if page.reasons:
        body += [Text(""), Text(page.reasons_title, style="bold")]
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for r in page.reasons:
            grid.add_row(_status(r.status, r.label), Text(r.message))
        body.append(grid)
    style = STATUS_STYLE[page.status].split()[-1] if page.status is not None else "cyan"
    return _panel(Group(*body), page.title, style=style)


def page_renderable(page: Any) -> Any:
    """A :class:`~truelift.report.page.Page` as one rich renderable: the verdict, every section
    (the HTML-only ones aside), the notes and the data. The one terminal layout of every kind."""
    from rich.console import Group

    parts: list[Any] = [_verdict(page)]
    for s in page.sections:
        if s.where == "all":
            parts.append(_panel(Group(*[_block(b) for b in s.blocks]), s.title, style=s.style))
    if page.notes:
        from truelift.report.page import Prose

        parts.append(_panel(_block(Prose(tuple(page.notes), bullets=True)), "Notes", style="dim"))
    if page.data:
        parts.append(_panel(_kv(page.data), "Data", style="dim"))
    return Group(*parts)


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
    from truelift.report.views import page

    return _Sanitized(page_renderable(page(analysis)))


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
        rates = analysis._rates()
        arms = any(e.arm is not None for e in ests)
        cols: list[str | tuple[str, str]] = [("outcome", "left"), *([("arm", "left")] if arms else []),
                                             ("method", "left"), ("estimand", "left"),
                                             f"estimate [{fmt.level(ests[0].level)} CI]", "relative",
                                             "p", "n treated / control"]

        def effect(e: Any) -> str:
            if e.outcome in rates:   # a difference of shares: percentage points
                return f"{fmt.pp(e.value)} {fmt.interval(*e.ci, fmt=lambda x: fmt.pp(x, unit=False))}"
            return f"{fmt.effect(e.value)} {fmt.interval(*e.ci, fmt=fmt.effect)}"

        rows = [[e.outcome + (" (pp)" if e.outcome in rates else ""), *([e.arm or ""] if arms else []),
                 e.method, e.estimand, effect(e),
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
