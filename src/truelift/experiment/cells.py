"""Sufficient statistics of a randomized test: per-cell counts, means and co-moments.

A *cell* is one combination of the grouping keys (variant, and optionally segment columns and
the enrolment time). For every cell the readout needs only the number of users ``n``, the mean
of each variable and the centred co-moments ``C_ab = sum_i (a_i - mean_a)(b_i - mean_b)`` of the
pairs of variables that some metric uses. Every estimate of the readout is pure arithmetic on
these (tea-tasting's idea), so they can be computed by any engine in one aggregate query
(``truelift.experiment.aggregate``) and rolled up from cells to arms, segments or days here.

Cells combine exactly (Chan, Golub & LeVeque 1979)::

    n = sum n_i,  m = sum n_i m_i / n,  C = sum C_i + sum n_i (m_i - m)(m_i - m)'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True, slots=True)
class Moments:
    """Count, means and centred co-moments of the variables of one group of users.

    ``comoment[a, b]`` is ``sum (a - mean_a)(b - mean_b)``; pairs that no metric asked for are
    NaN. ``cov(ddof)`` is the per-user covariance matrix ``comoment / (n - ddof)``.
    """

    variables: tuple[str, ...]
    n: int
    mean: np.ndarray
    comoment: np.ndarray

    def index(self, names: Sequence[str]) -> list[int]:
        """Positions of ``names`` among the variables."""
        pos = {v: i for i, v in enumerate(self.variables)}
        return [pos[v] for v in names]

    def sub(self, names: Sequence[str], ddof: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Means and per-user covariance matrix of ``names`` (in that order)."""
        idx = self.index(names)
        cov = self.comoment[np.ix_(idx, idx)] / max(self.n - ddof, 1)
        return self.mean[idx].copy(), cov


@dataclasses.dataclass(frozen=True, slots=True)
class Cells:
    """Moments of every cell: the result of the one aggregate query of a readout.

    Attributes:
        keys: the grouping columns, e.g. ``("variant", "device", "day")``.
        labels: one tuple of key values per cell.
        variables: the variables whose moments were computed.
        n, mean, comoment: ``(c,)``, ``(c, p)`` and ``(c, p, p)`` arrays over the ``c`` cells.
        minimum, maximum: ``(c, p)`` per-cell extremes where a check needs them, else NaN.
        rows_read: rows of the source table (before aggregation to users, if any).
        rows: ``(c,)`` rows of the source table in each cell (events, when rows are events;
            ``n`` otherwise), so what is used and dropped can be counted in rows.
    """

    keys: tuple[str, ...]
    labels: tuple[tuple[Any, ...], ...]
    variables: tuple[str, ...]
    n: np.ndarray
    mean: np.ndarray
    comoment: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    rows_read: int
    rows: np.ndarray
    _codes: dict[str, tuple[np.ndarray, list[Any], dict[Any, int]]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False)

    def key_values(self, key: str) -> np.ndarray:
        """The value of grouping column ``key`` in each cell (object array)."""
        j = self.keys.index(key)
        out = np.empty(len(self.labels), dtype=object)
        out[:] = [lab[j] for lab in self.labels]
        return out

    def levels(self, key: str) -> list[Any]:
        """The distinct values of ``key`` over the cells, in a stable sorted order."""
        return _sorted_levels(set(self.key_values(key).tolist()))

    def total(self, mask: np.ndarray | None = None) -> Moments:
        """Combine the cells selected by ``mask``, a boolean mask or cell indices (all cells
        when None)."""
        if mask is None:
            mask = np.ones(len(self.labels), dtype=bool)
        return combine(self.variables, self.n[mask], self.mean[mask], self.comoment[mask])

    def codes(self, key: str) -> tuple[np.ndarray, list[Any], dict[Any, int]]:
        """Integer code of every cell's ``key`` value, the value of each code (a missing value
        is ``None``) and the lookup value -> code; computed once per key, in one pass."""
        cached = self._codes.get(key)
        if cached is None:
            j = self.keys.index(key)
            lookup: dict[Any, int] = {}
            values: list[Any] = []
            codes = np.empty(len(self.labels), dtype=np.int64)
            for i, lab in enumerate(self.labels):
                k = _key(lab[j])
                c = lookup.get(k)
                if c is None:
                    c = lookup[k] = len(values)
                    values.append(None if k is _MISSING else lab[j])
                codes[i] = c
            cached = self._codes[key] = (codes, values, lookup)
        return cached

    def where(self, **values: Any) -> np.ndarray:
        """Boolean mask of the cells whose key columns equal the given values (``None`` and NaN
        match a missing value)."""
        mask = np.ones(len(self.labels), dtype=bool)
        for key, value in values.items():
            codes, _levels, lookup = self.codes(key)
            c = lookup.get(_key(value))
            mask &= (codes == c) if c is not None else False
        return mask

    def groups(self, key: str) -> dict[Any, np.ndarray]:
        """The cell indices of every value of ``key`` (a missing value under ``None``), in one
        pass: looping over levels with :meth:`where` would be quadratic in the cells."""
        codes, values, _lookup = self.codes(key)
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes, minlength=len(values))
        parts = np.split(order, np.cumsum(counts)[:-1])
        return {values[c]: parts[c] for c in range(len(values))}

    def is_binary(self, col: str) -> tuple[bool, float, float]:
        """Is ``col`` 0/1 per user? Also its range, when known (NaN otherwise).

        0/1 exactly when every value lies in [0, 1] and ``sum(x^2) = sum(x)`` (then
        ``x(1 - x) = 0`` for every user). The aggregate establishes the range of every candidate.
        """
        total = self.total()
        i = total.index([col])[0]
        lo = float(np.nanmin(self.minimum[:, i], initial=np.inf))
        hi = float(np.nanmax(self.maximum[:, i], initial=-np.inf))
        m = total.mean[i]
        squares_ok = abs(total.comoment[i, i] - total.n * m * (1 - m)) <= 1e-9 * max(total.n, 1)
        known = math.isfinite(lo) and math.isfinite(hi)
        return (known and lo >= 0 and hi <= 1 and bool(squares_ok)), lo, hi

    def drop(self, mask: np.ndarray) -> Cells:
        """The cells not selected by ``mask``."""
        keep = ~mask
        return dataclasses.replace(
            self, labels=tuple(lab for lab, k in zip(self.labels, keep, strict=True) if k),
            n=self.n[keep], mean=self.mean[keep], comoment=self.comoment[keep],
            minimum=self.minimum[keep], maximum=self.maximum[keep], rows=self.rows[keep])


_MISSING = object()


def _key(v: Any) -> Any:
    """``v`` as a lookup key: every missing value (None, NaN) is one key."""
    return _MISSING if _is_missing(v) else v


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _sorted_levels(values: set[Any]) -> list[Any]:
    present = [v for v in values if not _is_missing(v)]
    try:
        out = sorted(present)
    except TypeError:
        out = sorted(present, key=str)
    if len(present) < len(values):
        out.append(None)
    return out


def combine(variables: tuple[str, ...], n: np.ndarray, mean: np.ndarray, comoment: np.ndarray) -> Moments:
    """Pool groups exactly: counts add, means are count-weighted, co-moments gain the between part."""
    n = np.asarray(n, dtype=float)
    total = float(n.sum())
    p = len(variables)
    if total == 0:
        return Moments(variables, 0, np.full(p, np.nan), np.full((p, p), np.nan))
    m = (n[:, None] * mean).sum(axis=0) / total
    d = mean - m
    between = np.einsum("c,ca,cb->ab", n, d, d)
    return Moments(variables, int(total), m, comoment.sum(axis=0) + between)


def from_sums(n: np.ndarray, sums: np.ndarray, cross: dict[tuple[int, int], np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Means and co-moments from raw sums ``S_a`` and cross sums ``P_ab`` (as SQL returns them).

    ``C_ab = P_ab - S_a S_b / n``. Exact for integer data (DuckDB sums integers exactly); for
    floating data the cancellation costs digits only when a column's mean is many orders of
    magnitude above its spread.
    """
    c, p = sums.shape
    nn = np.where(n > 0, n, 1.0)
    mean = sums / nn[:, None]
    comoment = np.full((c, p, p), np.nan)
    for (a, b), pab in cross.items():
        val = pab - sums[:, a] * sums[:, b] / nn
        if a == b:
            val = np.maximum(val, 0.0)
        comoment[:, a, b] = val
        comoment[:, b, a] = val
    return mean, comoment
