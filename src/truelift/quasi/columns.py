"""Column checks shared by the cross-sectional designs (RD, IV) and the period parser shared by
every design with a time column (panels, DiD on repeated cross-sections, switchbacks)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from truelift.data.io import numbers
from truelift.errors import DataError


def numeric_frame(raw: dict[str, pd.Series], numeric: list[str], cluster: str | None, drop_missing: bool
                  ) -> tuple[pd.DataFrame, dict[str, int]]:
    """The used columns as one new frame: ``numeric`` ones as finite floats (booleans as 0/1), the
    cluster kept as is. A non-numeric or infinite value fails with a one-line :class:`DataError`
    naming the column; a missing value fails too unless ``drop_missing``, in which case its rows
    are dropped and counted per column (each row counted once, at its first missing column)."""
    frame = pd.DataFrame({c: raw[c].to_numpy() for c in raw})
    for c in numeric:
        frame[c] = numbers(frame[c], c)
    dropped: dict[str, int] = {}
    keep = np.ones(len(frame), dtype=bool)
    for c in [*numeric, *([cluster] if cluster else [])]:
        miss = frame[c].isna().to_numpy()
        if miss.any():
            if not drop_missing:
                raise DataError(c, f"{int(miss.sum())} of {len(frame)} rows are missing; pass "
                                   "drop_missing=True to drop (and count) them")
            new = int((miss & keep).sum())
            if new:
                dropped[f"missing {c}"] = new
            keep &= ~miss
    return frame.loc[keep].reset_index(drop=True), dropped


def read_periods(t: pd.Series, column: str, date_format: str | None = None) -> pd.Series:
    """The time column as numbers or dates: numeric and datetime columns as they are; text must
    be ISO 8601 dates (``2024-03-04``, ``2024-03-04T10:00``), or dates in ``date_format`` when it
    is given (``"%d/%m/%Y"``, strftime codes). Other text such as ``03/04/2024`` is refused
    rather than guessed (March 4 or April 3?). A missing or unreadable period fails naming
    ``column``."""
    if t.isna().any():
        raise DataError(column, f"{int(t.isna().sum())} rows have a missing period")
    if date_format is not None and pd.api.types.is_integer_dtype(t):
        t = t.astype(str)           # 20240304 read as a number: the stated format reads it as a date
    elif pd.api.types.is_numeric_dtype(t) or pd.api.types.is_datetime64_any_dtype(t):
        return t
    example = next((v for v in t.tolist() if isinstance(v, str)), t.iloc[0])
    if date_format is not None:
        if not isinstance(date_format, str) or "%" not in date_format:
            raise DataError(column, f"date_format must be strftime codes such as '%d/%m/%Y'; got "
                                    f"{date_format!r}")
        try:
            return pd.to_datetime(t, format=date_format)
        except (ValueError, TypeError):
            bad = pd.to_datetime(t, format=date_format, errors="coerce").isna()
            first = t[bad].iloc[0] if bad.any() else example
            raise DataError(column, f"{int(bad.sum())} periods do not read as date_format="
                                    f"{date_format!r}, e.g. {first!r}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return pd.to_datetime(t, format="ISO8601")
    except (ValueError, TypeError):
        raise DataError(column, f"the period must be numeric or an ISO 8601 date (2024-03-04); got "
                                f"{example!r}, which could be read more than one way: give its "
                                "format, e.g. date_format='%d/%m/%Y'") from None


__all__ = ["numeric_frame", "read_periods"]
