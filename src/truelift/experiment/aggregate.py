"""One aggregate query per readout: the per-cell sufficient statistics on the data's own engine.

The readout never pulls user rows into Python unless they are already there:

* a pandas DataFrame is aggregated in NumPy, with exact two-pass (centred) co-moments;
* a CSV or Parquet path is aggregated by DuckDB in one SQL query that reads only the columns
  needed (no Ibis import, so a file readout starts fast);
* an Ibis table (DuckDB, Postgres, BigQuery, Snowflake, Spark, ...) is aggregated by one Ibis
  expression executed on its backend.

The query returns, per cell (variant x segments x time): the user count, and for every variable
its sum, non-missing count, minimum and maximum, and the sums of the products that the metrics
need. With event-level rows (``unit`` given) the rows are first summed to one row per user,
inside the same query.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from truelift.errors import DataError, TrueliftError, check_columns, check_frame_columns
from truelift.experiment.cells import Cells, from_sums


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """What to aggregate: grouping keys, variables, the pairs whose co-moments are needed.

    ``unit`` (optional) is the user id of event-level rows; ``time`` (optional, one of the keys)
    is then the user's first value (enrolment). ``dropna`` drops rows with a missing variable.
    ``binary`` names the variables that may be 0/1 (their range is established, see
    :func:`_establish_ranges`); ``nonnegative`` those whose minimum must be known (ratio
    denominators). Every variable's square must be among ``pairs`` for the binary check.
    """

    keys: tuple[str, ...]
    variables: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]
    unit: str | None = None
    time: str | None = None
    dropna: bool = False
    binary: tuple[str, ...] = ()
    nonnegative: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Aggregated:
    """The cells, and what was dropped on the way.

    ``missing_by_column`` counts the missing values of each variable in the rows read (a row
    may count under several columns); ``rows_dropped`` is the number of rows removed for them
    (only with ``dropna``; otherwise missing values raise).
    """

    cells: Cells
    missing_by_column: dict[str, int]
    rows_dropped: int
    source: str


# The source helpers below mirror truelift.data.io, which this module cannot import: the
# truelift.data package loads pandas on import, and a file readout must not pay for it.
READERS = {".csv": "read_csv", ".tsv": "read_csv", ".parquet": "read_parquet", ".pq": "read_parquet"}


def is_dataframe(source: Any) -> bool:
    """A pandas DataFrame (checked without importing pandas)."""
    return type(source).__module__.startswith("pandas") and hasattr(source, "columns")


def describe_source(source: Any) -> str:
    """A short description of a data source, for provenance (as truelift.data.io's)."""
    if is_dataframe(source):
        return "pandas.DataFrame"
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return type(source).__module__.split(".")[0] + "." + type(source).__name__




def _finite(agg: Aggregated, request: Request) -> Aggregated:
    """A one-line error naming the column whose sums or squares overflowed floating point."""
    cells = agg.cells
    for j, col in enumerate(request.variables):
        bad = not np.isfinite(cells.mean[:, j]).all()
        for a, b in request.pairs:
            if j in (a, b):
                bad = bad or not np.isfinite(cells.comoment[:, a, b]).all()
        if bad:
            big = np.nanmax(np.abs(np.concatenate([cells.minimum[:, j], cells.maximum[:, j]])),
                            initial=0.0)
            size = f" (values up to {big:.3g})" if np.isfinite(big) and big > 0 else ""
            raise DataError(col, f"too large to sum and square in floating point{size}; rescale "
                                 "it (e.g. to thousands or millions)")
    return agg


def aggregate(source: Any, request: Request, on_query: Any = None) -> Aggregated:
    """Compute the per-cell sufficient statistics of ``request`` on ``source``'s engine.

    ``on_query`` (optional) is called once, just before a file's main query is sent to DuckDB
    (which then runs without holding Python's GIL).
    """
    if is_dataframe(source):
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(_pandas(source, request), request)
    if isinstance(source, (str, os.PathLike)):
        return _finite(_duckdb_file(Path(source), request, on_query), request)
    if type(source).__module__.startswith("ibis"):
        return _finite(_ibis(source, request), request)
    raise DataError(None, f"unsupported data source of type {type(source).__name__}: give a pandas "
                          "DataFrame, a CSV/Parquet path or an Ibis table")


def _needed(request: Request) -> list[str]:
    cols = [*request.keys, *request.variables]
    if request.unit:
        cols.append(request.unit)
    return list(dict.fromkeys(cols))


def _no_id_error(unit: str, count: int) -> DataError:
    return DataError(unit, f"{count:,} rows have no user id; every event row must name its user")


def _missing_error(column: str, count: int) -> DataError:
    return DataError(column, f"{count:,} missing values; fill them (e.g. 0 for no revenue) or pass "
                             "drop_missing=True to drop those rows (they are then counted)")


# --------------------------------------------------------------------------------------------- pandas
def _pandas(frame: Any, request: Request) -> Aggregated:
    import pandas as pd

    check_frame_columns(frame.columns, _needed(request))
    rows_read = len(frame)
    data = {}
    for col in request.variables:
        s = frame[col]
        if s.dtype == bool or str(s.dtype) == "boolean":
            s = s.astype("Float64")
        if not pd.api.types.is_numeric_dtype(s):
            raise DataError(col, f"must be numeric, got dtype {s.dtype}")
        data[col] = s.to_numpy(dtype=float, na_value=np.nan)
    dropped: dict[str, int] = {}
    keep = np.ones(rows_read, dtype=bool)
    for col in request.variables:
        if np.isinf(data[col]).any():
            raise DataError(col, "infinite values; every value must be finite")
        miss = np.isnan(data[col])
        count = int(miss.sum())
        if count:
            if not request.dropna:
                raise _missing_error(col, count)
            dropped[col] = count
            keep &= ~miss
    keep_count = int(keep.sum())
    keys = pd.DataFrame({k: frame[k].to_numpy() for k in request.keys})
    events = None
    if request.unit is not None:
        keys, data, events = _pandas_to_users(frame, request, keys, data, keep)
    elif not keep.all():
        keys = keys.loc[keep].reset_index(drop=True)
        data = {c: v[keep] for c, v in data.items()}
    codes, labels = _codes(keys, list(request.keys))
    c = len(labels)
    p = len(request.variables)
    n = np.bincount(codes, minlength=c).astype(float)
    cell_rows = n if events is None else np.bincount(codes, weights=events, minlength=c)
    x = np.column_stack([data[v] for v in request.variables]) if p else np.zeros((len(codes), 0))
    sums = np.column_stack([np.bincount(codes, weights=x[:, j], minlength=c) for j in range(p)]) \
        if p else np.zeros((c, 0))
    mean = sums / np.where(n > 0, n, 1.0)[:, None]
    centred = x - mean[codes]
    comoment = np.full((c, p, p), np.nan)
    for a, b in request.pairs:
        val = np.bincount(codes, weights=centred[:, a] * centred[:, b], minlength=c)
        comoment[:, a, b] = val
        comoment[:, b, a] = val
    minimum = np.full((c, p), np.nan)
    maximum = np.full((c, p), np.nan)
    if p and len(codes):
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(c))
        minimum = np.minimum.reduceat(x[order], starts, axis=0)
        maximum = np.maximum.reduceat(x[order], starts, axis=0)
    cells = Cells(keys=request.keys, labels=labels, variables=request.variables, n=n, mean=mean,
                  comoment=comoment, minimum=minimum, maximum=maximum, rows_read=rows_read,
                  rows=cell_rows)
    return Aggregated(cells=cells, missing_by_column=dropped, rows_dropped=int(rows_read - keep_count),
                      source="pandas.DataFrame")


def _pandas_to_users(frame: Any, request: Request, keys: Any, data: dict[str, np.ndarray],
                     keep: np.ndarray) -> tuple[Any, dict[str, np.ndarray], np.ndarray]:
    """Sum event rows to one row per user (the user's first ``time`` is its enrolment).

    Returns the users' keys, their summed variables and their number of event rows.
    """
    import pandas as pd

    unit = frame[request.unit].to_numpy()[keep]
    no_id = int(pd.isna(unit).sum())
    if no_id:
        raise _no_id_error(request.unit or "", no_id)
    df = keys.loc[keep].reset_index(drop=True)
    group_keys = [k for k in request.keys if k != request.time]
    work = pd.DataFrame({"__unit": unit, **{k: df[k] for k in group_keys},
                         **{c: v[keep] for c, v in data.items()}})
    if request.time is not None:
        work["__time"] = df[request.time].to_numpy()
    grouped = work.groupby(["__unit", *group_keys], dropna=False, sort=False)
    users = grouped[list(data)].sum() if data else grouped.size().to_frame("__n")
    users["__events"] = grouped.size()
    if request.time is not None:
        users[request.time] = grouped["__time"].min()
    users = users.reset_index()
    if users["__unit"].duplicated().any():
        dup = users.loc[users["__unit"].duplicated(), "__unit"].iloc[0]
        raise DataError(request.unit, f"user {_plain(dup)!r} appears in more than one variant or segment; a "
                                      "user must stay in one arm and one segment for the whole test")
    new_keys = pd.DataFrame({k: users[k].to_numpy() for k in request.keys})
    new_data = {c: users[c].to_numpy(dtype=float) for c in data}
    return new_keys, new_data, users["__events"].to_numpy(dtype=float)


def _codes(keys: Any, names: list[str]) -> tuple[np.ndarray, tuple[tuple[Any, ...], ...]]:
    if not names:
        return np.zeros(len(keys), dtype=np.intp), ((),)
    grouped = keys.groupby(names, dropna=False, sort=False)
    codes = grouped.ngroup().to_numpy().astype(np.intp)
    _, first = np.unique(codes, return_index=True)
    arrays = [keys[k].to_numpy(dtype=object) for k in names]
    labels = tuple(tuple(_plain(a[i]) for a in arrays) for i in first)
    return codes, labels


def _plain(v: Any) -> Any:
    """NumPy scalars become Python values and every kind of missing becomes None."""
    if v is None:
        return None
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        with contextlib.suppress(ValueError, TypeError):
            v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


# --------------------------------------------------------------------------------------------- SQL
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _missing_sql(v: str, integer: frozenset[str]) -> str:
    """SQL true when ``v`` is missing: NULL, or NaN in a floating column."""
    return f"{_q(v)} IS NULL" if v in integer else f"({_q(v)} IS NULL OR isnan(CAST({_q(v)} AS DOUBLE)))"


def _inner(relation: str, request: Request, integer: frozenset[str]) -> tuple[str, list[str], str]:
    """The rows the statistics are taken over: ``dropna`` applied, events summed to users.

    Returns the relation, the expressions of the missing counts per variable over it, and the
    expression of its rows read.
    """
    inner = relation
    if request.dropna and request.variables:
        cond = " AND ".join(f"NOT {_missing_sql(v, integer)}" for v in request.variables)
        inner = f"(SELECT * FROM {relation} WHERE {cond})"
    miss = [f"count_if({_missing_sql(v, integer)})" for v in request.variables]
    events = "1"
    if request.unit is not None:
        group = [_q(request.unit), *[_q(k) for k in request.keys if k != request.time]]
        sel = [*group, *[f"sum({_q(v)}) AS {_q(v)}" for v in request.variables],
               *[f"{m} AS __m{i}" for i, m in enumerate(miss)], "count(*) AS __events"]
        if request.time is not None:
            sel.append(f"min({_q(request.time)}) AS {_q(request.time)}")
        inner = f"(SELECT {', '.join(sel)} FROM {inner} GROUP BY {', '.join(group)})"
        events = "__events"
        miss = [f"sum(__m{i})" for i in range(len(request.variables))]
    return inner, miss, events


def _sql(relation: str, request: Request, integer: frozenset[str] = frozenset()) -> str:
    """The one aggregate query (DuckDB dialect) over ``relation`` (a table expression).

    Per cell: users, rows read, and per variable its sum and missing count (NULL, or NaN in a
    floating column); the sums of the products that the metrics need; the minimum of the
    ``nonnegative`` variables. Integer columns are summed as integers (exact, and DuckDB's integer
    sum cannot overflow); products are taken in DOUBLE (a BIGINT product overflows from about
    3e9). Missing values are counted on the rows read, before any aggregation to users; with
    ``dropna`` the rows holding one are filtered out first.
    """
    keys = [_q(k) for k in request.keys]
    inner, miss, events = _inner(relation, request, integer)

    def num(v: str) -> str:
        return _q(v) if v in integer else f"CAST({_q(v)} AS DOUBLE)"

    parts = [*keys, "count(*) AS __n", f"sum({events}) AS __rows"]
    for i, v in enumerate(request.variables):
        parts += [f"sum({num(v)}) AS __s{i}", f"{miss[i]} AS __m{i}"]
        if v in request.nonnegative:
            parts.append(f"min({num(v)}) AS __lo{i}")
    for j, (a, b) in enumerate(request.pairs):
        va, vb = request.variables[a], request.variables[b]
        parts.append(f"sum(CAST({_q(va)} AS DOUBLE) * CAST({_q(vb)} AS DOUBLE)) AS __p{j}")
    group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
    return f"SELECT {', '.join(parts)} FROM {inner}{group_by}"


def _cells_from_columns(cols: dict[str, np.ndarray], request: Request
                        ) -> tuple[Cells, np.ndarray, int]:
    """Cells from the query's columns, the missing counts and the rows read."""
    n = np.asarray(cols["__n"], dtype=float)
    c, p = len(n), len(request.variables)
    sums = np.zeros((c, p))
    missing = np.zeros((c, p))
    lo = np.full((c, p), np.nan)
    hi = np.full((c, p), np.nan)
    for i in range(p):
        sums[:, i] = _float(cols[f"__s{i}"])
        missing[:, i] = _float(cols[f"__m{i}"])
        if f"__lo{i}" in cols:
            lo[:, i] = _float(cols[f"__lo{i}"])
    cross = {pair: _float(cols[f"__p{j}"]) for j, pair in enumerate(request.pairs)}
    for i, v in enumerate(request.variables):
        if missing[:, i].sum() > 0:
            continue  # NULL/NaN: reported as missing (or dropped) by the caller, not as infinite
        bad = np.isinf(sums[:, i]) | np.isinf(lo[:, i])
        for (a, b), pab in cross.items():
            if i in (a, b) and missing[:, a].sum() == 0 and missing[:, b].sum() == 0:
                bad |= ~np.isfinite(pab) & (n > 0)
        if bad.any():
            raise DataError(v, "infinite values (or values too large to sum); every value must be finite")
        if np.isnan(sums[:, i]).any():
            raise DataError(v, "NaN values that are not counted as missing; every value must be finite")
    mean, comoment = from_sums(n, np.nan_to_num(sums), {k: np.nan_to_num(v) for k, v in cross.items()})
    key_cols = [_objects(cols[k]) for k in request.keys]
    labels = tuple(tuple(_plain(kc[i]) for kc in key_cols) for i in range(c))
    cell_rows = np.nan_to_num(_float(cols["__rows"]))
    rows = int(cell_rows.sum())
    cells = Cells(keys=request.keys, labels=labels, variables=request.variables, n=n, mean=mean,
                  comoment=comoment, minimum=lo, maximum=hi, rows_read=rows, rows=cell_rows)
    return cells, missing, rows


def _objects(values: Any) -> np.ndarray:
    """A key column as an object array, NULLs (a masked array's mask) as None."""
    if isinstance(values, np.ma.MaskedArray):
        out = np.asarray(values.data).astype(object)
        out[np.ma.getmaskarray(values)] = None
        return out
    return np.asarray(values).astype(object)


def _float(values: Any) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        return values.astype(float).filled(np.nan)
    return np.asarray(values, dtype=float)


def _check_units(cells: Cells, request: Request, units: int | None) -> None:
    """Event-level rows: every user must sit in exactly one cell (one arm, one segment)."""
    if request.unit is not None and units is not None and units != int(cells.n.sum()):
        raise DataError(request.unit, f"{int(cells.n.sum()) - units:,} users appear in more than one "
                                      "variant or segment; a user must stay in one arm and one "
                                      "segment for the whole test")


def _establish_ranges(cells: Cells, request: Request, integer: frozenset[str], range_of: Any) -> Cells:
    """Fill the range of the ``binary`` variables without scanning for min/max in the main query.

    A 0/1 column has ``sum(x^2) = sum(x)``. For an integer column that is also sufficient
    (``x^2 - x >= 0`` for every integer, 0 only at 0 and 1), so the range [0, 1] is known exactly
    from the sums. A non-integer column that passes it gets a small second query for its true
    minimum and maximum over the same rows (``range_of(v, request)``: after ``dropna``, per user);
    one that fails it is not 0/1 and its range stays unknown.
    """
    lo, hi = cells.minimum.copy(), cells.maximum.copy()
    total = cells.total()
    for v in request.binary:
        i = request.variables.index(v)
        m = total.mean[i]
        squares = total.comoment[i, i] + total.n * m * m
        passes = abs(squares - total.n * m) <= 1e-9 * max(total.n, 1.0)
        if not passes:
            continue
        if v in integer:
            lo[:, i], hi[:, i] = 0.0, 1.0
        else:
            lo[:, i], hi[:, i] = range_of(v, request)
    return dataclasses.replace(cells, minimum=lo, maximum=hi)


def _run_sql(execute: Any, count_units: Any, relation: str, request: Request,
             integer: frozenset[str] = frozenset(), range_of: Any = None) -> Aggregated:
    """Run the query; with missing values, raise (or, with dropna, rerun without those rows).

    ``count_units(request)`` returns the number of distinct users in the rows kept (event-level
    rows only), which must equal the users summed over the cells.
    """
    plain = dataclasses.replace(request, dropna=False)
    cells, miss, rows = _cells_from_columns(execute(_sql(relation, plain, integer), plain), plain)
    missing = {v: int(miss[:, i].sum()) for i, v in enumerate(request.variables) if miss[:, i].sum() > 0}
    if missing and not request.dropna:
        col, count = next(iter(missing.items()))
        raise _missing_error(col, count)
    if missing:
        cells, _, kept = _cells_from_columns(execute(_sql(relation, request, integer), request), request)
        cells = dataclasses.replace(cells, rows_read=rows)
        _check_units(cells, request, count_units(request) if request.unit else None)
        cells = _establish_ranges(cells, request, integer, range_of)
        return Aggregated(cells=cells, missing_by_column=missing, rows_dropped=rows - kept, source="")
    _check_units(cells, request, count_units(plain) if request.unit else None)
    cells = _establish_ranges(cells, request, integer, range_of)
    return Aggregated(cells=cells, missing_by_column={}, rows_dropped=0, source="")


def _duckdb_file(path: Path, request: Request, on_query: Any = None) -> Aggregated:
    import duckdb

    if not path.exists():
        raise DataError(None, f"file not found: {path}")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise DataError(None, f"cannot read {path.name}: use a .csv or .parquet file")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        literal = "'" + str(path).replace("'", "''") + "'"
        relation = f"{reader}({literal})"
        schema = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        types = {row[0]: str(row[1]) for row in schema}
        check_columns(list(types), _needed(request))
        _check_numeric(types, request.variables)
        integer = frozenset(v for v in request.variables if types[v].upper().startswith(_INTEGER))

        def execute(sql: str, _request: Request) -> dict[str, np.ndarray]:
            if on_query is not None:
                on_query()
            return con.execute(sql).fetchnumpy()

        def count_units(req: Request) -> int:
            where = ""
            if req.dropna and req.variables:
                where = " WHERE " + " AND ".join(f"NOT {_missing_sql(v, integer)}" for v in req.variables)
            u = _q(req.unit or "")
            distinct, no_id = con.execute(f"SELECT count(DISTINCT {u}), count(*) - count({u}) "
                                          f"FROM {relation}{where}").fetchone()
            if no_id:
                raise _no_id_error(req.unit or "", int(no_id))
            return int(distinct)

        def range_of(v: str, req: Request) -> tuple[float, float]:
            inner, _, _ = _inner(relation, req, integer)
            lo, hi = con.execute(f"SELECT min(CAST({_q(v)} AS DOUBLE)), max(CAST({_q(v)} AS DOUBLE)) "
                                 f"FROM {inner}").fetchone()
            return float(lo), float(hi)

        out = _run_sql(execute, count_units, relation, request, integer, range_of)
        return dataclasses.replace(out, source=str(path))
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(None, f"cannot aggregate {path.name}: {first}") from None
    finally:
        con.close()


_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "INT")
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL", "BOOLEAN", "INT", "UHUGEINT")


def _check_numeric(types: dict[str, str], variables: Sequence[str]) -> None:
    for v in variables:
        t = types[v].upper()
        if not t.startswith(_NUMERIC):
            raise DataError(v, f"must be numeric, got type {types[v]}")


# --------------------------------------------------------------------------------------------- Ibis
def _ibis_missing(t: Any, v: str, integer: frozenset[str]) -> Any:
    """Ibis boolean: ``v`` is missing (NULL, or NaN in a floating column)."""
    col = t[v]
    return col.isnull() if v in integer else (col.isnull() | col.cast("float64").isnan())


def _ibis_inner(table: Any, request: Request, integer: frozenset[str]) -> tuple[Any, dict[int, Any]]:
    """The rows the statistics are taken over (``dropna`` applied, events summed to users), and
    the missing counts per variable, as Ibis expressions (see :func:`_inner`)."""
    t = table
    if request.dropna and request.variables:
        cond = ~_ibis_missing(t, request.variables[0], integer)
        for v in request.variables[1:]:
            cond = cond & ~_ibis_missing(t, v, integer)
        t = t.filter(cond)
    miss = {i: _ibis_missing(t, v, integer).sum() for i, v in enumerate(request.variables)}
    if request.unit is not None:
        group = [request.unit, *[k for k in request.keys if k != request.time]]
        per_user: dict[str, Any] = {v: t[v].cast("float64").sum() for v in request.variables}
        per_user.update({f"__m{i}": m for i, m in miss.items()})
        per_user["__events"] = t.count()
        if request.time is not None:
            per_user[request.time] = t[request.time].min()
        t = t.group_by(group).aggregate(**per_user)
        miss = {i: t[f"__m{i}"].sum() for i in range(len(request.variables))}
    return t, miss


def ibis_expression(table: Any, request: Request, integer: frozenset[str] = frozenset()) -> Any:
    """The aggregate as an Ibis expression (compiles to one query on any Ibis backend).

    The same statistics as the DuckDB SQL of :func:`_sql`, column for column, all in float64
    (exact for integer sums below 2**53; no backend's integer product can overflow).
    """
    t, miss = _ibis_inner(table, request, integer)

    def num(v: str) -> Any:
        return t[v].cast("float64")

    aggs: dict[str, Any] = {"__n": t.count()}
    aggs["__rows"] = t["__events"].sum() if request.unit is not None else t.count()
    for i, v in enumerate(request.variables):
        aggs[f"__s{i}"] = num(v).sum()
        aggs[f"__m{i}"] = miss[i]
        if v in request.nonnegative:
            aggs[f"__lo{i}"] = num(v).min()
    for j, (a, b) in enumerate(request.pairs):
        aggs[f"__p{j}"] = (num(request.variables[a]) * num(request.variables[b])).sum()
    if request.keys:
        return t.group_by(list(request.keys)).aggregate(**aggs)
    return t.aggregate(**aggs)


def _ibis(table: Any, request: Request) -> Aggregated:
    schema = table.schema()
    check_columns(list(schema.names), _needed(request))
    for v in request.variables:
        dtype = schema[v]
        if not (dtype.is_numeric() or dtype.is_boolean()):
            raise DataError(v, f"must be numeric, got type {dtype}")
    integer = frozenset(v for v in request.variables if schema[v].is_integer() or schema[v].is_boolean())

    def execute(_sql_text: str, req: Request) -> dict[str, np.ndarray]:
        frame = ibis_expression(table, req, integer).to_pandas()
        return {c: frame[c].to_numpy() for c in frame.columns}

    def count_units(req: Request) -> int:
        t = table
        if req.dropna and req.variables:
            cond = ~_ibis_missing(t, req.variables[0], integer)
            for v in req.variables[1:]:
                cond = cond & ~_ibis_missing(t, v, integer)
            t = t.filter(cond)
        u = t[req.unit or ""]
        frame = t.aggregate(distinct=u.nunique(), no_id=t.count() - u.count()).to_pandas()
        if int(frame["no_id"].iloc[0]):
            raise _no_id_error(req.unit or "", int(frame["no_id"].iloc[0]))
        return int(frame["distinct"].iloc[0])

    def range_of(v: str, req: Request) -> tuple[float, float]:
        t, _ = _ibis_inner(table, req, integer)
        col = t[v].cast("float64")
        frame = t.aggregate(lo=col.min(), hi=col.max()).to_pandas()
        return float(frame["lo"].iloc[0]), float(frame["hi"].iloc[0])

    try:
        out = _run_sql(execute, count_units, "", request, integer, range_of)
    except TrueliftError:
        raise
    except Exception as exc:  # the backend's own error type (DuckDB, Spark, BigQuery, ...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(None, f"the {describe_source(table)} backend could not aggregate: {first}") from None
    return dataclasses.replace(out, source=describe_source(table))
