"""Reading input tables: a pandas DataFrame, a CSV or Parquet path (through DuckDB), an Ibis table.

Only the columns that the roles name are read, so a wide Parquet file is never pulled whole.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from truelift.errors import DataError, check_columns, check_frame_columns

_READERS = {".csv": "read_csv", ".tsv": "read_csv", ".parquet": "read_parquet",
            ".pq": "read_parquet"}


MAX_ABS = 1e150
"""Values larger than this in absolute value are refused: their squares (variances, influence
functions) would overflow a float (1.8e308)."""


def numbers(values: Any, column: str) -> pd.Series:
    """A column that must hold numbers, as floats (booleans as 0/1; missing values stay missing).

    A one-line :class:`DataError` naming ``column`` when it holds dates or times, text that is not
    a number, an infinity, or values beyond :data:`MAX_ABS` (whose squares overflow).
    """
    col = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col):
        raise DataError(column, "holds dates or times; a number is needed here")
    if pd.api.types.is_bool_dtype(col):
        col = col.astype(float)
    num = pd.to_numeric(col, errors="coerce")
    bad = num.isna() & col.notna()
    if bad.any():
        raise DataError(column, f"{int(bad.sum())} values are not numeric (e.g. {col[bad].iloc[0]!r})")
    num = num.astype(float)
    finite = num.to_numpy()
    if np.isinf(finite).any():
        raise DataError(column, "values must be finite (no inf)")
    check_magnitude(finite, column)
    return num


def check_magnitude(values: np.ndarray, column: str) -> None:
    """A one-line :class:`DataError` naming ``column`` when a value exceeds :data:`MAX_ABS`
    (missing values are ignored)."""
    big = float(np.nanmax(np.abs(values), initial=0.0))
    if big > MAX_ABS:
        raise DataError(column, f"values up to {big:.3g} are too large to square and sum in floating "
                                "point; rescale it (e.g. to thousands or millions)")


def describe_source(source: Any) -> str:
    """A short human description of a data source, for provenance."""
    if isinstance(source, pd.DataFrame):
        return "pandas.DataFrame"
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return type(source).__module__.split(".")[0] + "." + type(source).__name__


def read_columns(source: Any, columns: Sequence[str]) -> dict[str, pd.Series]:
    """Return the named ``columns`` of ``source`` as pandas Series, keyed by name.

    A DataFrame's columns are returned as they are (never modified). CSV and Parquet files are
    read with DuckDB, which reads only the named columns, straight into NumPy (no DataFrame is
    assembled: at a million rows that alone costs half a second). An Ibis table is selected and
    executed on its own backend.
    """
    columns = list(dict.fromkeys(columns))
    if isinstance(source, pd.DataFrame):
        check_frame_columns(source.columns, columns)
        if len(source) == 0:
            raise DataError(None, "the data has no rows")
        return {c: source[c] for c in columns}
    if isinstance(source, (str, os.PathLike)):
        out = _read_file(Path(source), columns)
    elif type(source).__module__.startswith("ibis"):
        check_columns(list(source.columns), columns)
        frame = source.select(*columns).to_pandas()
        out = {c: frame[c] for c in columns}
    else:
        out = None
    if out is not None:
        if columns and len(out[columns[0]]) == 0:
            raise DataError(None, "the data has no rows")
        return out
    raise DataError(None, f"unsupported data source of type {type(source).__name__}: "
                          "give a pandas DataFrame, a CSV/Parquet path or an Ibis table")


def _read_file(path: Path, columns: list[str]) -> dict[str, pd.Series]:
    import duckdb

    if not path.exists():
        raise DataError(None, f"file not found: {path}")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(None, f"cannot read {path.name}: use a .csv or .parquet file")
    con = duckdb.connect()
    try:
        # dates are read as dates only in ISO 8601 (2024-03-04), and timestamps stay text (the
        # sniffer would guess 03/04/2024 10:00 as day/month, and read 2024-03-04 10:00 and
        # 2024-03-04T10:00 as different types): a method reads them as ISO 8601, refuses other
        # text (March 4 or April 3?) or reads it with a format the user states
        kw: dict[str, Any] = ({"date_format": "%Y-%m-%d",
                               "auto_type_candidates": ["BOOLEAN", "BIGINT", "DOUBLE", "DATE",
                                                        "VARCHAR"]}
                              if reader == "read_csv" else {})
        rel = getattr(con, reader)(str(path), **kw)
        check_columns(rel.columns, columns)
        quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        arrays = rel.project(quoted).fetchnumpy()
        return {c: _series(arrays[c]) for c in columns}
    except duckdb.Error as exc:  # malformed file
        first = str(exc).strip().splitlines()[0]
        raise DataError(None, f"cannot read {path.name}: {first}") from None
    finally:
        con.close()


def _series(values: Any) -> pd.Series:
    """A Series from a DuckDB NumPy column; NULLs (a masked array) become missing values."""
    import numpy as np

    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        if mask.any():
            if values.dtype.kind in "biuf":
                return pd.Series(np.where(mask, np.nan, values.data.astype(float)))
            out = values.data.astype(object)
            out[mask] = None
            return pd.Series(out)
        values = values.data
    return pd.Series(values)
