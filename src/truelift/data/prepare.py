"""Roles and validation at the door: one pass that turns a table into checked arrays.

Every problem found here is a :class:`~truelift.errors.DataError` with a one-line message that
names the column. The caller's data is never modified: arrays are copies. Rows that are set
aside (``drop_missing=True``) are counted per reason in :attr:`Prepared.rows_dropped`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from truelift.data.io import check_magnitude, describe_source, read_columns
from truelift.data.moments import covariance
from truelift.errors import DataError, DataWarning, RoleError

MAX_LEVELS = 100


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Roles:
    """Which column plays which part.

    Attributes:
        treatment: the 0/1, boolean or two-label treatment column.
        outcomes: one or more outcome columns (binary 0/1 or numeric).
        covariates: pre-treatment columns to adjust for (numeric or categorical).
        treated: the label of the treated arm when the treatment has two labels other than 0/1.
        id: optional unit identifier (kept for exports, never used as a covariate).
        categorical: covariates to one-hot encode even though they are numeric codes.
        control: the control label of a treatment with two *or more* arms (A/B/n, several
            e-mails). When given, ``Prepared.t`` codes the control 0 and the other labels 1..K in
            sorted order, and ``Prepared.arms`` holds the labels by code.
    """

    treatment: str
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    treated: Any = None
    id: str | None = None
    categorical: tuple[str, ...] = ()
    control: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes", _as_tuple(self.outcomes, "outcomes"))
        object.__setattr__(self, "covariates", _as_tuple(self.covariates, "covariates"))
        object.__setattr__(self, "categorical", _as_tuple(self.categorical, "categorical"))
        if not self.outcomes:
            raise RoleError("give at least one outcome column")
        if not self.covariates:
            raise RoleError("give at least one covariate column to adjust for")
        seen: dict[str, str] = {}
        named = [("treatment", self.treatment), *(("outcome", c) for c in self.outcomes),
                 *(("covariate", c) for c in self.covariates)]
        if self.id is not None:
            named.append(("id", self.id))
        for role, col in named:
            if col in seen and not (role == seen[col] == "outcome"):
                raise RoleError(f"column {col!r} is given as both {seen[col]} and {role}")
            if col in seen:
                raise RoleError(f"column {col!r} is given twice as an outcome")
            seen[col] = role
        for col in self.categorical:
            if col not in self.covariates:
                raise RoleError(f"column {col!r} is named categorical but is not a covariate")
        if self.control is not None and self.treated is not None:
            raise RoleError("give either the treated label (two arms) or the control label (two or "
                            "more arms), not both")

    @property
    def columns(self) -> list[str]:
        """Every column the roles name, in a stable order."""
        cols = [self.treatment, *self.outcomes, *self.covariates]
        return cols + ([self.id] if self.id is not None else [])


def _as_tuple(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        raise RoleError(f"{what} must be a column name or a list of names") from None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """Validated arrays, ready for any method.

    Attributes:
        t: 0/1 treatment, ``int8`` (with ``roles.control``: the arm code, 0 = control, 1..K).
        arms: the treatment label of each code (``arms[0]`` is the control).
        y: outcome name -> float array.
        binary: outcome name -> whether it only takes 0 and 1.
        x: encoded covariates (numeric as is, categoricals one-hot with the first level left out).
        x_names: names of the columns of ``x``; ``x_source`` maps each to its covariate.
        levels: for each categorical covariate, the integer code of each row (for exact matching).
        level_labels: for each categorical covariate, the label of each code.
        ids: unit identifiers, or ``None``.
        keys: each row's hash key once :func:`truelift.nuisance.folds.canonicalize` has put
            the rows in hash order; ``None`` before.
        rows_dropped: rows set aside per reason; the reasons are disjoint, so they add up.
        missing_by_column: missing values per covariate (one row may miss several).
    """

    roles: Roles
    t: np.ndarray
    y: Mapping[str, np.ndarray]
    binary: Mapping[str, bool]
    x: np.ndarray
    x_names: tuple[str, ...]
    x_source: Mapping[str, str]
    levels: Mapping[str, np.ndarray]
    ids: np.ndarray | None
    rows_read: int
    rows_dropped: Mapping[str, int]
    missing_by_column: Mapping[str, int]
    dropped_covariates: Mapping[str, str]
    source: str
    arms: tuple[Any, ...] = (0, 1)
    level_labels: Mapping[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    keys: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Rows kept."""
        return int(self.t.shape[0])

    @property
    def n_treated(self) -> int:
        """Treated rows kept (every arm but the control)."""
        return int(np.count_nonzero(self.t))

    @property
    def n_control(self) -> int:
        """Control rows kept."""
        return self.n - self.n_treated

    def subset(self, keep: np.ndarray, reason: str) -> Prepared:
        """A new Prepared with only the rows where ``keep`` is true, counting the rest under ``reason``."""
        keep = np.asarray(keep, dtype=bool)
        dropped = dict(self.rows_dropped)
        n_out = int((~keep).sum())
        if n_out:
            dropped[reason] = dropped.get(reason, 0) + n_out
        return dataclasses.replace(
            self,
            t=self.t[keep],
            y={k: v[keep] for k, v in self.y.items()},
            x=self.x[keep],
            levels={k: v[keep] for k, v in self.levels.items()},
            ids=None if self.ids is None else self.ids[keep],
            keys=None if self.keys is None else self.keys[keep],
            rows_dropped=dropped,
        )

    def take(self, index: np.ndarray) -> Prepared:
        """A new Prepared with the rows at ``index``, in that order (nothing counted as dropped)."""
        index = np.asarray(index)
        return dataclasses.replace(
            self,
            t=self.t[index],
            y={k: v[index] for k, v in self.y.items()},
            x=self.x[index],
            levels={k: v[index] for k, v in self.levels.items()},
            ids=None if self.ids is None else self.ids[index],
            keys=None if self.keys is None else self.keys[index],
        )

    def with_treatment(self, t: np.ndarray) -> Prepared:
        """A copy with another treatment vector (placebo refutation)."""
        return dataclasses.replace(self, t=np.asarray(t, dtype=np.int8))

    def with_covariate(self, name: str, values: np.ndarray) -> Prepared:
        """A copy with one more numeric covariate (random-common-cause refutation)."""
        return dataclasses.replace(
            self,
            x=np.column_stack([self.x, np.asarray(values, dtype=float)]),
            x_names=(*self.x_names, name),
            x_source={**self.x_source, name: name},
        )


def prepare(
    source: Any,
    roles: Roles,
    *,
    drop_missing: bool = False,
    min_per_arm: int = 10,
) -> Prepared:
    """Read ``source`` and validate it against ``roles`` (see the module docstring)."""
    frame = read_columns(source, roles.columns)
    rows_read = len(frame[roles.treatment])
    if rows_read == 0:
        raise DataError(None, "the data has no rows")
    if roles.control is not None:
        t, arms = _arms(frame[roles.treatment], roles.treatment, roles.control)
    else:
        t, arms = _treatment(frame[roles.treatment], roles.treatment, roles.treated), (0, 1)
    ys: dict[str, np.ndarray] = {}
    for col in roles.outcomes:
        ys[col] = _outcome(frame[col], col)

    # Covariates: find missing values first (the only reason rows may be dropped).
    missing = np.zeros(rows_read, dtype=bool)
    per_col: dict[str, int] = {}
    for col in roles.covariates:
        miss = _missing(frame[col])
        if miss.any():
            per_col[col] = int(miss.sum())
            missing |= miss
    rows_dropped: dict[str, int] = {}
    keep = np.ones(rows_read, dtype=bool)
    if per_col:
        if not drop_missing:
            col, cnt = next(iter(per_col.items()))
            raise DataError(col, f"has {cnt} missing value(s) in a covariate; fill them, or pass "
                                 "drop_missing=True to drop those rows")
        rows_dropped["missing covariate value"] = int(missing.sum())
        keep = ~missing
    t = t[keep]
    ys = {k: v[keep] for k, v in ys.items()}
    check_arms(t, roles.treatment, min_per_arm, arms)

    all_kept = bool(keep.all())
    x_cols: list[np.ndarray] = []
    x_names: list[str] = []
    x_source: dict[str, str] = {}
    levels: dict[str, np.ndarray] = {}
    level_labels: dict[str, tuple[Any, ...]] = {}
    dropped_cov: dict[str, str] = {}
    for col in roles.covariates:
        kind = frame[col].dtype
        if (pd.api.types.is_datetime64_any_dtype(kind) or pd.api.types.is_timedelta64_dtype(kind)
                or isinstance(kind, pd.PeriodDtype)) and col not in roles.categorical:
            raise DataError(col, f"a covariate of dates or times ({kind}); convert it to a "
                                 "number (e.g. days since a date) or name it categorical")
        series = frame[col].to_numpy()
        if not all_kept:
            series = series[keep]
        if col in roles.categorical or not _is_numeric(frame[col]):
            codes, labels = _categorical(series, col)
            if len(labels) < 2:
                dropped_cov[col] = f"constant (only level {labels[0]!r})"
                continue
            levels[col] = codes
            level_labels[col] = tuple(labels)
            for j, lab in enumerate(labels[1:], start=1):
                name = f"{col}={lab}"
                x_cols.append((codes == j).astype(float))
                x_names.append(name)
                x_source[name] = col
        else:
            vals = series.astype(float)
            if not np.isfinite(vals).all():
                raise DataError(col, f"has {int((~np.isfinite(vals)).sum())} infinite value(s)")
            if np.ptp(vals) == 0.0:
                dropped_cov[col] = f"constant (every value is {vals[0]:g})"
                continue
            x_cols.append(vals)
            x_names.append(col)
            x_source[col] = col
    x = np.empty((int(keep.sum()), len(x_cols)), order="F")  # column-major: cheap to fill
    for j, col_values in enumerate(x_cols):
        x[:, j] = col_values
    x, x_names, collinear = _drop_collinear(x, x_names)
    for name in collinear:
        dropped_cov[name] = "collinear with other covariates"
        x_source.pop(name, None)
    for col, why in dropped_cov.items():
        warnings.warn(f"column {col!r}: dropped from the covariates, {why}", DataWarning,
                      stacklevel=3)
    if x.shape[1] == 0:
        raise DataError(roles.covariates[0], "no usable covariate is left (all are constant)")

    ids = None
    if roles.id is not None:
        ids = frame[roles.id].to_numpy()
        ids = ids if all_kept else ids[keep]
    for arr in (t, x, *ys.values()):
        arr.setflags(write=False)
    return Prepared(
        roles=roles, t=t, y=ys, binary={k: _is_binary(v) for k, v in ys.items()}, x=x,
        x_names=tuple(x_names), x_source=x_source, levels=levels, ids=ids,
        rows_read=rows_read, rows_dropped=rows_dropped, missing_by_column=per_col,
        dropped_covariates=dropped_cov,
        source=describe_source(source), arms=arms, level_labels=level_labels,
    )


def _missing(series: pd.Series) -> np.ndarray:
    miss = series.isna().to_numpy()
    return np.asarray(miss, dtype=bool)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def _is_binary(v: np.ndarray) -> bool:
    return bool(np.isin(v, (0.0, 1.0)).all())


def _treatment(series: pd.Series, col: str, treated: Any) -> np.ndarray:
    if series.isna().any():
        raise DataError(col, f"has {int(series.isna().sum())} missing value(s); "
                             "the treatment must be known for every row")
    values = series.to_numpy()
    if _is_numeric(series):
        f = values.astype(float)
        if not np.isfinite(f).all():
            raise DataError(col, f"has {int((~np.isfinite(f)).sum())} infinite value(s)")
    uniq = pd.unique(values).tolist()
    if len(uniq) > 2:
        shown = ", ".join(repr(u) for u in uniq[:5])
        raise DataError(col, f"treatment must be binary (0/1, bool or two labels); "
                             f"found {len(uniq)} distinct values: {shown}{', ...' if len(uniq) > 5 else ''}")
    if treated is not None:
        if treated not in set(uniq):
            raise DataError(col, f"treated label {treated!r} does not occur "
                                 f"(values: {', '.join(repr(u) for u in uniq)})")
        t = (values == treated).astype(np.int8)
    else:
        as_set = {(float(u) if isinstance(u, (int, float, np.number, bool, np.bool_)) else u)
                  for u in uniq}
        if not as_set <= {0.0, 1.0}:
            raise DataError(col, f"has labels {', '.join(repr(u) for u in uniq)}; "
                                 "name the treated one with treated=...")
        t = values.astype(float).astype(np.int8)
    if len(uniq) < 2:
        raise DataError(col, f"all {len(values)} rows are in one arm ({uniq[0]!r}); "
                             "need treated and control units")
    return t


def _outcome(series: pd.Series, col: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series.dtype):
        if series.isna().any():
            raise DataError(col, f"has {int(series.isna().sum())} missing value(s); "
                                 "outcomes must be complete")
        return series.to_numpy().astype(float)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise DataError(col, f"outcome must be numeric (0/1 or a number); found {series.dtype} "
                             f"values such as {series.dropna().iloc[0]!r}" if series.notna().any()
                        else "outcome has no values")
    vals = series.to_numpy(dtype=float, na_value=np.nan)
    n_nan = int(np.isnan(vals).sum())
    if n_nan:
        raise DataError(col, f"has {n_nan} missing value(s); outcomes must be complete")
    n_inf = int(np.isinf(vals).sum())
    if n_inf:
        raise DataError(col, f"has {n_inf} infinite value(s); outcomes must be finite")
    check_magnitude(vals, col)
    return vals


def _categorical(values: np.ndarray, col: str) -> tuple[np.ndarray, list[Any]]:
    codes, labels = pd.factorize(values, sort=True)
    labels = list(labels)
    if len(labels) > MAX_LEVELS:
        raise DataError(col, f"categorical covariate with {len(labels)} levels (more than "
                             f"{MAX_LEVELS}); group it, or pass it as a number")
    return codes.astype(np.int32), labels


def _arms(series: pd.Series, col: str, control: Any) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Arm codes of a treatment with a named control: 0 = control, 1..K = the other labels, sorted."""
    if series.isna().any():
        raise DataError(col, f"has {int(series.isna().sum())} missing value(s); "
                             "the treatment must be known for every row")
    codes, labels = pd.factorize(series.to_numpy(), sort=True)
    labels = list(labels)
    if control not in labels:
        shown = ", ".join(repr(u) for u in labels[:10])
        raise DataError(col, f"control label {control!r} does not occur (values: {shown})")
    if len(labels) < 2:
        raise DataError(col, f"all {len(codes)} rows are in one arm ({labels[0]!r}); "
                             "need treated and control units")
    if len(labels) > 20:
        raise DataError(col, f"has {len(labels)} distinct values; a treatment has at most 20 arms")
    order = [labels.index(control)] + [j for j in range(len(labels)) if labels[j] != control]
    remap = np.empty(len(labels), dtype=np.int8)
    remap[order] = np.arange(len(labels), dtype=np.int8)
    return remap[codes], tuple(labels[j] for j in order)


def check_arms(t: np.ndarray, col: str, min_per_arm: int,
               arms: tuple[Any, ...] | None = None) -> None:
    """Raise a DataError unless every arm holds at least ``min_per_arm`` units."""
    if arms is not None and len(arms) > 2:
        counts = np.bincount(t, minlength=len(arms))
        for code, label in enumerate(arms):
            if counts[code] == 0:
                raise DataError(col, f"arm {label!r} has no rows left")
            if counts[code] < min_per_arm:
                raise DataError(col, f"only {int(counts[code])} unit(s) in arm {label!r}; at least "
                                     f"{min_per_arm} per arm are needed")
        return
    n1 = int(t.sum())
    n0 = int(t.shape[0] - n1)
    if n1 == 0 or n0 == 0:
        raise DataError(col, f"all {t.shape[0]} rows left are in one arm; "
                             "need treated and control units")
    for arm, cnt in (("treated", n1), ("control", n0)):
        if cnt < min_per_arm:
            raise DataError(col, f"only {cnt} {arm} unit(s); at least {min_per_arm} per arm "
                                 "are needed")


def _drop_collinear(x: np.ndarray, names: list[str], tol: float = 1e-9
                    ) -> tuple[np.ndarray, list[str], list[str]]:
    """Drop columns that are (numerically) linear combinations of earlier ones and the intercept."""
    if x.shape[1] == 0:
        return x, names, []
    _, cov = covariance(x)           # exact for large means, no full centred copy
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    sd = np.where(sd > 0, sd, 1.0)
    gram = cov / np.outer(sd, sd)
    keep: list[int] = []
    drop: list[int] = []
    for j in range(x.shape[1]):
        if keep:
            g_ss = gram[np.ix_(keep, keep)]
            g_sj = gram[keep, j]
            resid = gram[j, j] - g_sj @ np.linalg.solve(g_ss, g_sj)
        else:
            resid = gram[j, j]
        (keep if resid > tol else drop).append(j)
    if not drop:
        return x, names, []
    return x[:, keep], [names[j] for j in keep], [names[j] for j in drop]
