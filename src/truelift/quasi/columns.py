"""Column checks shared by the cross-sectional designs (RD, IV) and the period parser shared by
every design with a time column (panels, DiD on repeated cross-sections, switchbacks)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from truelift.errors import DataError


def numeric_frame(raw: dict[str, pd.Series], numeric: list[str], cluster: str | None, drop_missing: bool
                  ) -> tuple[pd.DataFrame, dict[str, int]]:
    """The used columns as one new frame: ``numeric`` ones as finite floats (booleans as 0/1), the
    cluster kept as is. A non-numeric or infinite value fails with a one-line :class:`DataError`
    naming the column; a missing value fails too unless ``drop_missing``, in which case its rows
    are dropped and counted per column (each row counted once, at its first missing column)."""
    frame = pd.DataFrame({c: raw[c].to_numpy() for c in raw})
    for c in numeric:
        col = frame[c]
        if pd.api.types.is_bool_dtype(col):
            col = col.astype(float)
        num = pd.to_numeric(col, errors="coerce")
        bad = num.isna() & col.notna()
        if bad.any():
            raise DataError(c, f"{int(bad.sum())} values are not numeric (e.g. {col[bad].iloc[0]!r})")
        num = num.astype(float)
        if np.isinf(num).any():
            raise DataError(c, "values must be finite (no inf)")
        frame[c] = num
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


def read_periods(t: pd.Series, column: str) -> pd.Series:
    """The time column as numbers or dates: numeric and datetime columns as they are, anything else
    parsed as dates. A missing period or an unreadable one fails naming ``column``."""
    if t.isna().any():
        raise DataError(column, f"{int(t.isna().sum())} rows have a missing period")
    if pd.api.types.is_numeric_dtype(t) or pd.api.types.is_datetime64_any_dtype(t):
        return t
    try:
        with warnings.catch_warnings():  # "could not infer format": parsed one by one, still right
            warnings.simplefilter("ignore", UserWarning)
            return pd.to_datetime(t)
    except (ValueError, TypeError):
        raise DataError(column, "the period must be numeric or a date") from None


__all__ = ["numeric_frame", "read_periods"]
