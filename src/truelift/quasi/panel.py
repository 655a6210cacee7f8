"""Reading and checking a unit x time panel, once, for every panel design (DiD, event study,
synthetic control, geo tests).

:func:`read_panel` reads the named columns (a DataFrame, a CSV/Parquet path or an Ibis table,
through :func:`truelift.data.io.read_columns`), checks them and returns a :class:`Panel`:
a new long frame with the columns ``unit``, ``time``, ``y`` and (when a treatment is named) ``d``
(0/1), sorted by unit and time, plus what the designs need to know about it: the periods, whether
it is balanced, each unit's adoption period (its first treated period; ``None`` for never-treated
units), and whether treatment is absorbing (once on, on for good).

The caller's data is never modified. Rows with a missing outcome fail with a one-line
:class:`~truelift.errors.DataError` naming the column, unless ``drop_missing=True``, in which case
they are dropped and counted in ``rows_dropped``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from truelift.data.io import describe_source, numbers, read_columns
from truelift.errors import DataError
from truelift.quasi.columns import read_periods


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Panel:
    """A checked long panel (see the module docstring).

    Attributes:
        frame: columns ``unit``, ``time``, ``y`` and, with a treatment, ``d`` (int 0/1), plus any
            ``extra`` columns under their own names; sorted by unit then time; a new frame.
        unit, time, outcome, treatment: the caller's column names (``treatment`` may be None).
        periods: the sorted distinct periods.
        units: the sorted distinct units.
        balanced: every unit is observed in every period.
        adoption: unit -> first period with ``d == 1`` (None for never-treated units).
        absorbing: no unit's treatment switches off after it switched on.
        rows_read: rows in the input; rows_dropped: reason -> count.
        source: the input described for provenance.
    """

    frame: pd.DataFrame
    unit: str
    time: str
    outcome: str
    treatment: str | None
    periods: np.ndarray
    units: np.ndarray
    balanced: bool
    adoption: Mapping[Any, Any]
    absorbing: bool
    rows_read: int
    rows_dropped: Mapping[str, int]
    source: str

    @property
    def treated_units(self) -> list[Any]:
        """Units treated in at least one period."""
        return [u for u, a in self.adoption.items() if a is not None]

    @property
    def never_treated(self) -> list[Any]:
        """Units never treated."""
        return [u for u, a in self.adoption.items() if a is None]

    @property
    def staggered(self) -> bool:
        """Treated units adopt in more than one period."""
        return len({a for a in self.adoption.values() if a is not None}) > 1


def read_panel(data: Any, *, unit: str, time: str, outcome: str, treatment: str | None = None,
               extra: tuple[str, ...] = (), drop_missing: bool = False,
               require_balanced: bool = False, require_absorbing: bool = False,
               require_pre_periods: bool = True, date_format: str | None = None) -> Panel:
    """Read and check a panel; see the module docstring. Raises :class:`DataError` on bad input.

    Checks, each a one-line error naming the column: the columns exist; ``time`` is numeric or a
    date; ``(unit, time)`` pairs are unique; the outcome is numeric and finite (missing values fail
    unless ``drop_missing``); the treatment is 0/1 with both values present; with
    ``require_absorbing`` no unit switches treatment off; with ``require_balanced`` every unit is
    seen in every period; with ``require_pre_periods`` every treated unit has at least one
    untreated period before it adopts.
    """
    cols = [unit, time, outcome, *([treatment] if treatment else []), *extra]
    if len(set(cols)) != len(cols):
        raise DataError(None, f"a column is named in two roles: {', '.join(cols)}")
    raw = read_columns(data, cols)
    n = len(raw[unit])
    frame = pd.DataFrame({"unit": raw[unit].to_numpy(), "time": raw[time].to_numpy(),
                          "y": raw[outcome].to_numpy()})
    for c in extra:
        frame[c] = raw[c].to_numpy()
    dropped: dict[str, int] = {}

    if frame["unit"].isna().any():
        raise DataError(unit, f"{int(frame['unit'].isna().sum())} rows have a missing unit id")
    frame["time"] = read_periods(frame["time"], time, date_format)
    frame["y"] = numbers(frame["y"], outcome).to_numpy()
    missing = frame["y"].isna()
    if missing.any():
        if not drop_missing:
            raise DataError(outcome, f"{int(missing.sum())} of {n} rows have a missing outcome; "
                                     "pass drop_missing=True to drop (and count) them")
        dropped[f"missing {outcome}"] = int(missing.sum())
        frame = frame.loc[~missing]

    if treatment:
        d = pd.to_numeric(raw[treatment], errors="coerce").to_numpy()[frame.index.to_numpy()]
        if np.isnan(d).any():
            raise DataError(treatment,
                            f"{int(np.isnan(d).sum())} rows have a missing or non-numeric treatment")
        if not np.all(np.isin(d, (0, 1))):
            raise DataError(treatment, "the treatment must be 0 or 1 in every row")
        if d.min() == d.max():
            raise DataError(treatment, f"the treatment is {int(d[0])} in every row; nothing to compare")
        frame["d"] = d.astype(np.int8)

    frame = frame.sort_values(["unit", "time"], kind="mergesort").reset_index(drop=True)
    dup = frame.duplicated(["unit", "time"])
    if dup.any():
        u, t0 = (v.item() if hasattr(v, "item") else v
                 for v in (frame.loc[dup, "unit"].iloc[0], frame.loc[dup, "time"].iloc[0]))
        raise DataError(time, f"{int(dup.sum())} duplicate ({unit}, {time}) rows, "
                              f"e.g. unit {u!r} at {t0!r}; aggregate to one row "
                              "per unit and period first")
    periods = np.sort(frame["time"].unique())
    units = np.sort(frame["unit"].unique())
    counts = frame.groupby("unit", sort=False).size()
    balanced = bool((counts == len(periods)).all())
    if require_balanced and not balanced:
        short = counts[counts < len(periods)]
        raise DataError(unit, f"the panel is unbalanced: {len(short)} of {len(units)} units miss periods "
                              f"(e.g. {short.index[0]!r} has {int(short.iloc[0])} of {len(periods)}); "
                              "this estimator needs every unit in every period")

    adoption: dict[Any, Any] = {u: None for u in units}
    absorbing = True
    if treatment:
        on = frame.loc[frame["d"] == 1]
        first_on = on.groupby("unit", sort=False)["time"].min()
        for u, a in first_on.items():
            adoption[u] = a
        after = frame["time"] >= frame["unit"].map(first_on)
        switched_off = after & (frame["d"] == 0)
        absorbing = not bool(switched_off.any())
        if require_absorbing and not absorbing:
            u = frame.loc[switched_off, "unit"].iloc[0]
            raise DataError(treatment, f"treatment switches off after it switched on (e.g. unit {u!r}); "
                                       "this estimator assumes that once treated a unit stays treated")
        if require_pre_periods:
            t0 = frame.groupby("unit", sort=False)["time"].min()
            no_pre = [u for u, a in first_on.items() if a <= t0[u]]
            if no_pre:
                raise DataError(treatment, f"{len(no_pre)} treated units have no untreated period before "
                                           f"adoption (e.g. {no_pre[0]!r}); their change cannot be measured")

    return Panel(frame=frame, unit=unit, time=time, outcome=outcome, treatment=treatment,
                 periods=periods, units=units, balanced=balanced, adoption=adoption,
                 absorbing=absorbing, rows_read=n, rows_dropped=dropped, source=describe_source(data))


__all__ = ["Panel", "read_panel"]
