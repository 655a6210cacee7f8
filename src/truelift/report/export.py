"""CSV exports that a spreadsheet cannot turn into formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV injection). As OWASP's *CSV Injection*
page recommends, such text cells, and such column names, are written with a leading single
quote, which the spreadsheet shows as text. Numbers are left alone (a negative number is a
number, not a formula).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP)."""


def neutralize(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: Any) -> Any:
    """A copy of the DataFrame ``frame`` whose text cells and column names are neutralized
    (the caller's frame is not modified)."""
    out = frame.copy()
    out.columns = [neutralize(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if series.dtype == object or str(series.dtype) in ("string", "str", "category"):
            out[col] = series.astype(object).map(neutralize)
    return out


def write_csv(frame: Any, path: str | PathLike[str]) -> Path:
    """Write ``frame`` as CSV with :func:`safe_frame`; return the path."""
    path = Path(path)
    safe_frame(frame).to_csv(path, index=False)
    return path


__all__ = ["FORMULA_START", "neutralize", "safe_frame", "write_csv"]
