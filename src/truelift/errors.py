"""The exception tree of truelift.

::

    TrueliftError                 base of every error truelift raises on purpose
    ├── DataError(column, problem)   the input table: a column is missing, of the wrong kind, ...
    ├── RoleError                    the roles given do not fit together (same column twice, ...)
    └── MethodError                  a method cannot run with these settings or on this data
    TrueliftWarning               base of every warning (constant covariate dropped, ...)

Every message is one line that names the column (where there is one) and the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class TrueliftError(Exception):
    """Base class of all errors raised by truelift on purpose."""


class DataError(TrueliftError, ValueError):
    """A problem with the input data, tied to a column when there is one.

    ``str(err)`` is one line: ``column 'x': problem``.
    """

    def __init__(self, column: str | None, problem: str) -> None:
        self.column = column
        self.problem = problem
        msg = f"column {column!r}: {problem}" if column is not None else problem
        super().__init__(msg)

    def __reduce__(self) -> tuple[type, tuple[str | None, str]]:
        return (type(self), (self.column, self.problem))


class RoleError(TrueliftError, ValueError):
    """Roles (treatment, outcomes, covariates, ...) that do not fit together."""


class MethodError(TrueliftError, ValueError):
    """A method that cannot run with these settings or on this data."""


class TrueliftWarning(UserWarning):
    """Base class of all warnings issued by truelift."""


class DataWarning(TrueliftWarning):
    """Something in the data was changed or set aside (and counted)."""


def missing_column(col: str, available: Sequence[Any]) -> DataError:
    """The one-line error for a column that is not in the data: the closest name, if one is
    close (``difflib``'s ratio >= 0.6), and the first columns there are."""
    import difflib

    names = [str(a) for a in available]
    close = difflib.get_close_matches(str(col), names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return DataError(col, f"not found in the data{hint} (columns: {shown})")


def check_columns(available: Sequence[Any], wanted: Sequence[str]) -> None:
    """:func:`missing_column` for the first wanted column that is not available."""
    have = set(available)
    for col in wanted:
        if col not in have:  # exact: a column labelled 1 is not the column "1"
            raise missing_column(col, available)


def check_frame_columns(columns: Any, wanted: Sequence[str]) -> None:
    """The checks of a DataFrame's column labels at the door, each a one-line :class:`DataError`:
    MultiIndex columns, labels that are not text, a wanted column that appears more than once,
    a wanted column that is missing (with the closest name)."""
    if getattr(columns, "nlevels", 1) > 1:
        raise DataError(None, "the columns are a MultiIndex; flatten them first, e.g. "
                              "df.columns = ['_'.join(map(str, c)) for c in df.columns]")
    labels = list(columns)
    for label in labels:
        if not isinstance(label, str):
            raise DataError(None, f"column labels must be text; {label!r} is of type "
                                  f"{type(label).__name__}: rename them, e.g. "
                                  "df.columns = df.columns.astype(str)")
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    for col in wanted:
        if counts.get(col, 0) > 1:
            raise DataError(col, f"appears {counts[col]} times among the columns; column names "
                                 "must be unique")
    check_columns(labels, wanted)



_THIRD_PARTY = ("pyfixest", "rdrobust", "pysyncon", "lightgbm", "sklearn", "statsmodels", "econml",
                "duckdb", "ibis")
"""Packages whose exceptions a public entry translates (by the module the exception class is
defined in)."""


def translate(exc: BaseException, entry: str) -> TrueliftError | None:
    """The one-line :class:`TrueliftError` for a third-party failure inside ``entry``, or
    ``None`` when ``exc`` is not one this boundary knows (a bug, which must surface as is).

    * a singular linear system (numpy's ``LinAlgError``): a :class:`MethodError` naming the
      usual causes (a constant or collinear covariate, an empty cell);
    * overflow (``OverflowError``, ``FloatingPointError``): a :class:`DataError`, values too large;
    * any exception defined in an engine or model package (DuckDB, Ibis, pyfixest, rdrobust,
      pysyncon, LightGBM, scikit-learn, statsmodels, EconML): DuckDB and Ibis as a
      :class:`DataError` (the data or the query), the others as a :class:`MethodError`, each
      with the package and the first line of its message.
    """
    if isinstance(exc, TrueliftError):
        return None
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    module = type(exc).__module__.split(".")[0].lstrip("_")   # duckdb raises from _duckdb
    if module == "numpy" and type(exc).__name__ == "LinAlgError":
        return MethodError(f"{entry}: a linear system is singular ({first}): a covariate may be "
                           "constant or collinear with another, or a group or cell may be empty")
    if isinstance(exc, OverflowError | FloatingPointError):
        return DataError(None, f"{entry}: a value is too large to compute with ({first}); rescale "
                               "the column (e.g. to thousands)")
    if module in _THIRD_PARTY:
        name = type(exc).__name__
        if module in ("duckdb", "ibis"):
            return DataError(None, f"{entry}: the engine ({module}) refused the data: {name}: {first}")
        return MethodError(f"{entry}: {module} failed: {name}: {first}")
    return None


def boundary(entry: Any) -> Any:
    """Decorate a public entry so that a third-party failure inside it leaves as one
    :class:`TrueliftError` (see :func:`translate`), the original chained as its cause; every
    other exception passes unchanged. The one place third-party exceptions are translated."""
    import functools

    name = getattr(entry, "__name__", "truelift")

    @functools.wraps(entry)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return entry(*args, **kwargs)
        except Exception as exc:
            err = translate(exc, name)
            if err is None:
                raise
            raise err from exc

    return wrapper
