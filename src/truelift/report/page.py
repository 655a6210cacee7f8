"""What a report shows, as plain data: the one shape both fronts render.

A :class:`Page` is built from an analysis by :func:`truelift.report.views.page` (every number
formatted there, through :mod:`truelift.report.format`). The terminal renderer
(:mod:`truelift.report.terminal`) and the HTML template (``templates/report.html.j2`` and its
partials) each render any page, block by block, so they show the same thing for every kind and
know nothing of any kind:

* the verdict: status, headline, one sentence per finding, and the reasons behind it;
* :class:`Section` s, each a titled list of blocks: a :class:`Grid` (a table), :class:`Facts`
  (label/value pairs) or :class:`Prose` (lines of text, bullets or a dim note);
* the figures (drawn in HTML only), the notes, the data facts and the provenance.

Cells are strings or a :class:`Cell` carrying a tone (a status badge, better/worse colouring).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

Tone = Literal["ok", "info", "warn", "fail", "better", "worse", "caution", "alert", "strong", "dim", ""]
BADGES = frozenset({"ok", "info", "warn", "fail"})
"""Tones drawn as a status badge (the others colour or weigh the text)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Cell:
    """A piece of text with a tone: a status badge (``ok``/``info``/``warn``/``fail``), a lift
    that is better or worse, an alert, strong or dim text."""

    text: str
    tone: Tone = ""

    @property
    def badge(self) -> bool:
        return self.tone in BADGES


Text = str | Cell
Line = Text | tuple[Text, ...]
"""A line of prose: text, or text pieces printed one after the other (e.g. a sentence, then a
status badge)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Col:
    """A column: its header (``"\\n"`` breaks it in the terminal) and its alignment."""

    label: str
    align: Literal["left", "right", "center"] = "right"


def col(c: str | tuple[str, str] | Col) -> Col:
    """A :class:`Col` from a header (right-aligned), a ``(header, align)`` pair or a ``Col``."""
    if isinstance(c, Col):
        return c
    if isinstance(c, str):
        return Col(c)
    return Col(c[0], c[1])  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True, slots=True)
class Grid:
    """A table. ``wrap=False`` keeps each cell on one line (the terminal then lays the table out
    in column groups or records when it is too wide; nothing is cut). ``narrow="pairs"`` shows a
    one-row table as label/value pairs when it does not fit."""

    columns: tuple[Col, ...]
    rows: tuple[tuple[Text, ...], ...]
    title: str | None = None
    caption: str | None = None
    wrap: bool = True
    narrow: Literal["groups", "pairs"] = "groups"

    @classmethod
    def of(cls, columns: Sequence[str | tuple[str, str] | Col], rows: Sequence[Sequence[Any]], *,
           title: str | None = None, caption: str | None = None, wrap: bool = True,
           narrow: Literal["groups", "pairs"] = "groups") -> Grid:
        cols = tuple(col(c) for c in columns)
        width = len(cols)
        out = []
        for r in rows:
            cells = tuple(c if isinstance(c, Cell) else "" if c is None else str(c) for c in r)
            out.append(cells + ("",) * (width - len(cells)))
        return cls(cols, tuple(out), title, caption, wrap, narrow)


@dataclasses.dataclass(frozen=True, slots=True)
class Facts:
    """Label/value pairs (a definition list)."""

    rows: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, rows: Sequence[tuple[Any, Any]]) -> Facts:
        return cls(tuple((str(k), str(v)) for k, v in rows))


@dataclasses.dataclass(frozen=True, slots=True)
class Prose:
    """Lines of text: plain, a bulleted list, or a dim note."""

    lines: tuple[Line, ...]
    bullets: bool = False
    dim: bool = False

    @classmethod
    def of(cls, *lines: Line, bullets: bool = False, dim: bool = False) -> Prose:
        return cls(tuple(lines), bullets, dim)


Block = Grid | Facts | Prose


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the report. ``style`` colours its terminal frame (``"dim"`` for context);
    ``where`` keeps a detail section to the HTML report (``"html"``) or shows it everywhere."""

    title: str
    blocks: tuple[Block, ...]
    id: str = ""
    style: str = "cyan"
    where: Literal["all", "html"] = "all"

    @classmethod
    def of(cls, title: str, *blocks: Block, id: str = "", style: str = "cyan",
           where: Literal["all", "html"] = "all") -> Section:
        return cls(title, tuple(blocks), id or _slug(title), style, where)


@dataclasses.dataclass(frozen=True, slots=True)
class Reason:
    """A diagnostic behind the verdict: its status, the status's label and its message."""

    status: str
    label: str
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class Figure:
    """A drawn figure: its name, caption and SVG markup (HTML only)."""

    name: str
    title: str
    svg: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """Everything one report shows, formatted."""

    kind: str
    title: str
    subtitle: str = ""
    status: str | None = None        # None: a result with no verdict (shown as a plain headline)
    status_label: str = ""
    headline: str = ""
    sentences: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    reasons_title: str = "Why this verdict"
    sections: tuple[Section, ...] = ()
    figures: tuple[Figure, ...] = ()
    notes: tuple[str, ...] = ()
    data: tuple[tuple[str, str], ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()


def _slug(title: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in title)
    while "--" in out:
        out = out.replace("--", "-")
    return "tl-" + out.strip("-")[:40]


__all__ = ["BADGES", "Block", "Cell", "Col", "Facts", "Figure", "Grid", "Line", "Page", "Prose",
           "Reason", "Section", "Text", "col"]
