"""Named tables and typed figure data, the two things an analysis shows besides its estimates.

A :class:`Table` is plain cells under named columns; a :class:`Figure` is the numbers behind one
drawing, of a ``kind`` from :data:`FIGURE_KINDS` (one drawer per kind in ``truelift.report``).
Floats stay unrounded; the fronts format and draw them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from truelift.schema.values import _ToDict

FIGURE_KINDS = {
    "event_study": "x: event time; value, lower, upper per series (optional 'series' labels); "
                   "a reference period drawn at 0",
    "series": "x: time (numbers or ISO dates as strings); lines: name -> values; optional band "
              "{line, lower, upper}; marker: the treatment start (marker_label names it otherwise)",
    "gaps": "x: time; treated: the treated unit's gap; placebos: one gap series per donor",
    "rd": "x: bin centres; y: bin means; fit_x/fit_y left and right of the cutoff; cutoff",
    "bars": "labels and values (e.g. donor weights, the first stage by instrument, effects by "
            "method); optional lower and upper (intervals) and groups (one colour each)",
    "histogram": "edges and counts (e.g. the running variable around the cutoff); optional series: "
                 "name -> counts per bin, drawn overlaid (e.g. treated and control scores)",
    "fan": "x: periods; series: scenario -> {'p2.5', 'p10', 'p50', 'p90', 'p97.5'} quantiles per period",
    "tornado": "labels (inputs), low and high (the result when each input moves alone), base",
    "forest": "labels, values, lower, upper (one row each, top to bottom); optional groups (a rule "
              "between them), series (one colour each), filled (False: hollow, e.g. not "
              "significant; hollow names it), reference (a tick per row, e.g. the pooled value), "
              "scale ('percent' for relative lifts, 'pp' for differences of shares)",
    "love": "labels (covariates), before (SMD before adjustment), after: method -> SMD after; "
            "threshold (balanced below) and fail",
}
"""Figure kinds and what each one's ``data`` holds."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Table(_ToDict):
    """A small named table: ``columns`` and ``rows`` of plain values (str, int, float, None).

    ``name`` is a stable key (``"event_study"``, ``"donor_weights"``, ...); ``title`` is what a
    reader sees. Floats stay unrounded; the fronts format them.
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        rows = tuple(tuple(_plain_cell(c) for c in r) for r in self.rows)
        for r in rows:
            if len(r) != len(self.columns):
                raise ValueError(f"table {self.name!r}: a row has {len(r)} cells for "
                                 f"{len(self.columns)} columns")
        object.__setattr__(self, "rows", rows)

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))


def records_table(name: str, title: str, records: Any, *, drop: tuple[str, ...] = (),
                  first: Mapping[str, Any] | None = None) -> Table:
    """A :class:`Table` of value records (frozen dataclasses), one row each.

    Scalar fields become columns; a two-number field (an interval) becomes ``<field>_low`` and
    ``<field>_high``; nested values (diagnostics, curves) are left out, as are ``drop``.
    ``first`` puts constant columns in front (e.g. ``{"method": "aipw"}``).
    """
    columns: list[str] = list(first or {})
    rows: list[list[Any]] = []
    for rec in records:
        cells: dict[str, Any] = dict(first or {})
        for f in dataclasses.fields(rec):
            if f.name in drop or not f.metadata.get("to_dict", True):
                continue
            v = getattr(rec, f.name)
            key = "p_value" if f.name == "pvalue" else f.name   # the CI and p names of to_frame()
            if isinstance(v, tuple) and len(v) == 2 and all(
                    isinstance(x, int | float) and not isinstance(x, bool) for x in v):
                cells[f"{key}_low"], cells[f"{key}_high"] = v
            elif v is None or isinstance(v, str | int | float | bool):
                cells[key] = v
            elif hasattr(v, "value") and isinstance(getattr(v, "value", None), str):
                cells[key] = v.value   # an enum
        for k in cells:
            if k not in columns:
                columns.append(k)
        rows.append([cells.get(k) for k in columns])
    return Table(name=name, title=title, columns=tuple(columns),
                 rows=tuple(tuple(r + [None] * (len(columns) - len(r))) for r in rows))


def _plain_cell(c: Any) -> Any:
    if c is None or isinstance(c, str | bool):
        return c
    if isinstance(c, int):
        return int(c)
    try:
        f = float(c)
    except (TypeError, ValueError):
        return str(c)
    if f.is_integer() and not isinstance(c, float) and abs(f) < 2**53:
        return int(f)
    return f if math.isfinite(f) else None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Figure(_ToDict):
    """The data behind one figure: ``kind`` (a key of :data:`FIGURE_KINDS`), a title, axis labels,
    and ``data``: named sequences (tuples of floats or strings) or nested mappings of them."""

    name: str
    kind: str
    title: str
    data: Mapping[str, Any]
    xlabel: str = ""
    ylabel: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FIGURE_KINDS:
            raise ValueError(f"unknown figure kind {self.kind!r}; one of {', '.join(FIGURE_KINDS)}")
        object.__setattr__(self, "data", _freeze(self.data))


def _freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _freeze(x) for k, x in v.items()}
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    try:
        return tuple(_freeze(x) for x in v)
    except TypeError:
        return _plain_cell(v)
