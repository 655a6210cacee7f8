"""Nearest neighbours on a one-dimensional score, fast and exact, for matching.

Everything here works on one arm sorted by (stratum, score, row) (:class:`Pool`), so that
the units within a distance of a score form a contiguous window of positions:

* :func:`kth_distance`: the k-th smallest distance from each query, ties counted, in
  ``O(k)`` vectorized steps (the merge of the sorted left and right distance lists);
* :func:`left_edge` / :func:`right_edge`: the window of positions within a distance, found by
  binary search and then corrected by whole tie groups, so membership is decided by exactly the
  computed ``|s - c|`` that a brute-force scan would use (massive ties stay O(n));
* :func:`nearest_windows`: the k nearest plus every tie at the k-th distance, cut by a caliper
  (Abadie & Imbens 2006 matched sets, with replacement);
* :func:`greedy`: greedy matching without replacement with union-find "next available"
  pointers (near-linear);
* :func:`window_means`: means over windows by (centred) prefix sums.

Exact matching on categories adds a stratum to every unit; a search then stays inside the
unit's stratum (the pool is sorted by an integer key ``stratum * U + rank of score``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from truelift.observational.base import Progress


@dataclasses.dataclass(frozen=True, slots=True)
class Pool:
    """One arm sorted by (stratum, score, row): the search structure for nearest neighbours."""

    rows: np.ndarray  # row index at each sorted position
    c: np.ndarray  # score at each position
    gstart: np.ndarray  # first position of the tie group (same stratum and score)
    gend: np.ndarray  # one past its last position
    key: np.ndarray | None  # stratum * width + rank of the score (None without strata)
    uniq: np.ndarray | None  # sorted distinct scores of the pool
    strata: np.ndarray | None  # stratum of each row (all rows)

    @classmethod
    def build(cls, rows: np.ndarray, s: np.ndarray, strata: np.ndarray | None,
              key_all: np.ndarray | None, uniq: np.ndarray | None) -> Pool:
        """The pool of ``rows``, which :func:`sort_rows` has already put in order."""
        c = s[rows]
        key = None if key_all is None else key_all[rows]
        sorted_key = c if key is None else key
        m = rows.shape[0]
        change = np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [m]])
        gid = np.zeros(m, dtype=np.int64)
        gid[change] = 1
        gid = np.cumsum(gid)
        return cls(rows=rows, c=c, gstart=starts[gid], gend=ends[gid], key=key, uniq=uniq,
                   strata=strata)

    def position(self, g: np.ndarray | None, x: np.ndarray, side: str) -> np.ndarray:
        """First position (in stratum ``g``) whose score is >= x (left) or > x (right)."""
        if self.key is None:
            return np.searchsorted(self.c, x, side=side)
        width = self.uniq.shape[0]
        rank = np.searchsorted(self.uniq, x, side=side)
        return np.searchsorted(self.key, g * width + rank, side="left")

    def segment(self, g: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions ``[a, b)`` of stratum ``g`` (the whole pool without strata)."""
        if self.key is None:
            return np.zeros(n, dtype=np.int64), np.full(n, self.c.shape[0], dtype=np.int64)
        width = self.uniq.shape[0]
        return (np.searchsorted(self.key, g * width, side="left"),
                np.searchsorted(self.key, (g + 1) * width, side="left"))


def sort_rows(s: np.ndarray, strata: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """All rows by (stratum, score, row); with strata also the key ``stratum * U + rank``."""
    if strata is None:
        return np.argsort(s, kind="stable"), None, None
    uniq, rank = np.unique(s, return_inverse=True)
    key = strata * uniq.shape[0] + rank.astype(np.int64)
    return np.argsort(key, kind="stable"), key, uniq


def arm_pools(s: np.ndarray, tb: np.ndarray, strata: np.ndarray | None) -> dict[bool, Pool]:
    """Each arm as a sorted pool, from a single sort of all rows."""
    order, key, uniq = sort_rows(s, strata)
    arm = tb[order]
    return {a: Pool.build(order[arm == a], s, strata, key, uniq) for a in (True, False)}


def kth_distance(c: np.ndarray, s: np.ndarray, pl: np.ndarray, pr: np.ndarray,
                  a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """k-th smallest of ``|s - c[l]|`` over ``l`` in ``[a, pl) ∪ [pr, b)`` (inf if too few).

    The left distances ``s - c[pl-1], s - c[pl-2], ...`` and the right ones
    ``c[pr] - s, c[pr+1] - s, ...`` are each sorted, so the k-th smallest of their union is
    ``min_{t=0..k} max(L_t, R_{k-t})`` with ``L_0 = R_0 = -inf``.
    """
    if c.shape[0] == 0:
        return np.full(s.shape[0], np.inf)
    last = c.shape[0] - 1
    left = [np.full(s.shape[0], -np.inf)]
    right = [left[0]]
    for r in range(1, k + 1):
        i = pl - r
        left.append(np.where(i >= a, s - c[np.clip(i, 0, last)], np.inf))
        i = pr + r - 1
        right.append(np.where(i < b, c[np.clip(i, 0, last)] - s, np.inf))
    out = np.maximum(left[0], right[k])
    for t in range(1, k + 1):
        np.minimum(out, np.maximum(left[t], right[k - t]), out=out)
    return out


def left_edge(pool: Pool, g: np.ndarray | None, s: np.ndarray, d: np.ndarray,
               a: np.ndarray, pl: np.ndarray) -> np.ndarray:
    """Smallest ``l`` in ``[a, pl]`` with ``s - c[l'] <= d`` for every ``l'`` in ``[l, pl)``.

    A search on ``s - d`` gives the edge up to rounding; the fix-up moves it by whole tie
    groups, so exactly the positions whose computed distance is ``<= d`` are kept.
    """
    c = pool.c
    lo = np.clip(pool.position(g, s - d, "left"), a, pl)
    while True:  # extend to the left while the previous position qualifies
        m = np.flatnonzero(lo > a)
        m = m[s[m] - c[lo[m] - 1] <= d[m]]
        if m.size == 0:
            break
        lo[m] = np.maximum(pool.gstart[lo[m] - 1], a[m])
    while True:  # shrink while the first position fails
        m = np.flatnonzero(lo < pl)
        m = m[s[m] - c[lo[m]] > d[m]]
        if m.size == 0:
            break
        lo[m] = np.minimum(pool.gend[lo[m]], pl[m])
    return lo


def right_edge(pool: Pool, g: np.ndarray | None, s: np.ndarray, d: np.ndarray,
                pr: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Largest ``h`` in ``[pr, b]`` with ``c[l'] - s <= d`` for every ``l'`` in ``[pr, h)``."""
    c = pool.c
    hi = np.clip(pool.position(g, s + d, "right"), pr, b)
    while True:
        m = np.flatnonzero(hi < b)
        m = m[c[hi[m]] - s[m] <= d[m]]
        if m.size == 0:
            break
        hi[m] = np.minimum(pool.gend[hi[m]], b[m])
    while True:
        m = np.flatnonzero(hi > pr)
        m = m[c[hi[m] - 1] - s[m] > d[m]]
        if m.size == 0:
            break
        hi[m] = np.maximum(pool.gstart[hi[m] - 1], pr[m])
    return hi


def strata_of(pool: Pool, rows: np.ndarray) -> np.ndarray | None:
    return None if pool.strata is None else pool.strata[rows].astype(np.int64)


def nearest_windows(pool: Pool, rows: np.ndarray, s: np.ndarray, k: int,
                              width: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Matched set of each row in ``rows``: positions ``[lo, hi)`` of ``pool`` (may be empty)."""
    si = s[rows]
    g = strata_of(pool, rows)
    p = pool.position(g, si, "left")
    a, b = pool.segment(g, rows.shape[0])
    d = kth_distance(pool.c, si, p, p, a, b, k)
    if width is not None:
        np.minimum(d, width, out=d)
    return left_edge(pool, g, si, d, a, p), right_edge(pool, g, si, d, p, b)


def greedy(pool: Pool, rows: np.ndarray, s: np.ndarray, k: int, width: float | None,
            progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy matching without replacement; returns (index into ``rows``, pool position) pairs.

    Units are processed by descending score (ties: lower row first), ``k`` rounds; each takes
    the nearest still-available unit of the pool within the caliper. The candidates are the
    nearest available below the unit's score and the nearest at or above it; an exact distance
    tie goes to the smaller score, and among identical scores to the lower row. Availability is
    kept by two union-find structures ("next available to the left / right", path halving), so
    a whole pass is near-linear.
    """
    si = s[rows]
    g = strata_of(pool, rows)
    p = pool.position(g, si, "left")
    a, b = pool.segment(g, rows.shape[0])
    order = np.lexsort((rows, -si)).tolist()
    c, gstart = pool.c.tolist(), pool.gstart.tolist()
    sl, pl_, al, bl = si.tolist(), p.tolist(), a.tolist(), b.tolist()
    m = len(c)
    up = list(range(m + 1))  # up[x]: smallest available position >= x (m = none)
    down = list(range(m + 1))  # down[x + 1]: largest available position <= x, shifted (0 = none)
    cal = math.inf if width is None else width
    out_unit: list[int] = []
    out_pos: list[int] = []
    total = k * len(order)
    done = 0
    for _ in range(k):
        kept = []
        for i in order:
            done += 1
            if progress is not None and done % 65536 == 0:
                progress("matching", done, total)
            x = pl_[i]  # down-index of position p - 1
            while down[x] != x:
                down[x] = down[down[x]]
                x = down[x]
            left = x - 1
            if left >= al[i]:
                y = gstart[left]  # lowest available position of that tie group
                while up[y] != y:
                    up[y] = up[up[y]]
                    y = up[y]
                left = y
                dl = sl[i] - c[left]
            else:
                dl = math.inf
            y = pl_[i]
            while up[y] != y:
                up[y] = up[up[y]]
                y = up[y]
            dr = c[y] - sl[i] if y < bl[i] else math.inf
            j, dist = (left, dl) if dl <= dr else (y, dr)
            if dist == math.inf or dist > cal:
                continue
            out_unit.append(i)
            out_pos.append(j)
            up[j] = j + 1
            down[j + 1] = j
            kept.append(i)
        order = kept
    if progress is not None:
        progress("matching", total, total)
    return np.asarray(out_unit, dtype=np.int64), np.asarray(out_pos, dtype=np.int64)


def window_means(y: np.ndarray, pool: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  exclude: np.ndarray | None = None) -> np.ndarray:
    """Mean of ``y[pool[lo:hi]]`` (minus ``y[exclude]`` when given) via centred prefix sums."""
    centre = float(y.mean()) if y.size else 0.0
    cs = np.concatenate([[0.0], np.cumsum(y[pool] - centre)])
    total = cs[hi] - cs[lo]
    count = (hi - lo).astype(float)
    if exclude is not None:
        total = total - (y[exclude] - centre)
        count = count - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count + centre
