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

