"""Callaway & Sant'Anna (2021) group-time average treatment effects for staggered adoption, without
covariates, with analytic influence-function standard errors clustered by unit.

Notation. Units ``i = 1..n`` are observed in periods ``t = 0..T-1`` (a balanced panel; periods are
positions, so event time is counted in periods). A unit's cohort ``G_i`` is its first treated
period (``inf`` when never treated); treatment is absorbing.

Group-time effect (the estimand ``ATT(g, t) = E[Y_t(1) - Y_t(0) | G = g]``), estimated as a 2x2
comparison of means against a base period ``b``::

    ATT(g, t) = mean_{G_i = g}(Y_it - Y_ib) - mean_{i in C(g, t)}(Y_it - Y_ib)

* post periods (``t >= g``): ``b = g - 1``, the last period before adoption;
* pre periods (``t < g``): ``b = t - 1`` (``base_period="varying"``, the default of R's ``did``)
  or ``b = g - 1`` (``"universal"``; then ``ATT(g, g - 1) = 0`` is the reference and not returned);
* controls ``C(g, t)``: never-treated units (``control_group="never"``), or units not yet treated
  by ``max(t, b)`` and not of cohort ``g`` (``"notyet"``).

Influence function (per unit, of ``sqrt(n)(ATT_hat - ATT)``), with ``pi_g = n_g / n``::

    psi_i(g, t) = 1{G_i = g} (D_i - mean_g D) / pi_g - 1{i in C} (D_i - mean_C D) / pi_C,
    D_i = Y_it - Y_ib,

so ``Var(ATT_hat) = sum_i psi_i^2 / n^2``; with a cluster coarser than the unit the influence
functions are summed within clusters first (Callaway & Sant'Anna 2021, section 4).

Aggregations follow R's ``did::aggte`` (Callaway & Sant'Anna 2021, section 3):

* ``simple``: ``theta = sum_{t >= g} pi_g ATT(g, t) / sum_{t >= g} pi_g`` over post cells;
* ``dynamic``: ``theta(e) = sum_{t - g = e} pi_g ATT(g, t) / sum_{t - g = e} pi_g``;

whose influence functions add the term for the estimated weights (``did``'s ``wif``).

Sampling weights (constant within a unit) enter every mean and ``pi_g`` as in ``did``.

Reference: Callaway, B. and Sant'Anna, P. H. C. (2021), "Difference-in-differences with multiple
time periods", Journal of Econometrics 225(2), 200-230.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from truelift.errors import DataError, MethodError


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GroupTimeATT:
    """Group-time effects and their influence functions.

    Attributes:
        group: cohort of each cell (period position of adoption), shape (K,).
        time: period position of each cell, shape (K,).
        base: base period position of each cell, shape (K,).
        att: ATT(g, t), shape (K,).
        inf: influence functions, shape (n, K): ``Var = inf.T @ inf / n**2`` (unit clusters).
        n_control: control units of each cell, shape (K,).
        pg: weighted share of each cohort among all units, by cohort (dict position -> share).
        cohort: each unit's cohort position (``inf`` for never treated), shape (n,).
        weights: unit weights normalised to mean 1, shape (n,).
        y: the outcome matrix (n, T) used, kept for treated means.
    """

    group: np.ndarray
    time: np.ndarray
    base: np.ndarray
    att: np.ndarray
    inf: np.ndarray
    n_control: np.ndarray
    pg: dict[int, float]
    cohort: np.ndarray
    weights: np.ndarray
    y: np.ndarray

    @property
    def event(self) -> np.ndarray:
        """Event time ``t - g`` of each cell."""
        return self.time - self.group

    @property
    def n(self) -> int:
        """Units."""
        return int(self.inf.shape[0])


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Aggregate:
    """One aggregated effect: value, its influence function (n,), and the cells it averages."""

    value: float
    inf: np.ndarray
    cells: np.ndarray
    weights: np.ndarray

    def se(self, cluster: np.ndarray | None = None) -> float:
        """Standard error from the influence function, clustered by unit or by ``cluster`` codes."""
        return float(np.sqrt(_cluster_var(self.inf[:, None], cluster)[0, 0]))


def _cluster_var(inf: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """``Cov = S.T @ S / n**2`` where ``S`` sums the unit influence functions within clusters."""
    n = inf.shape[0]
    if cluster is not None:
        codes, _ = _codes(cluster)
        s = np.zeros((int(codes.max()) + 1, inf.shape[1]))
        np.add.at(s, codes, inf)
        inf = s
    return inf.T @ inf / n**2


def _codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, codes = np.unique(x, return_inverse=True)
    return codes.ravel(), uniq


def group_time_att(y: np.ndarray, cohort: np.ndarray, *, control_group: Literal["never", "notyet"] = "never",
                   base_period: Literal["varying", "universal"] = "varying",
                   weights: np.ndarray | None = None) -> GroupTimeATT:
    """ATT(g, t) for every treated cohort and period (see the module docstring).

    Args:
        y: outcomes, shape (n units, T periods), a balanced panel.
        cohort: each unit's adoption period position (0..T-1), ``np.inf`` (or any value >= T) for
            never-treated units.
        control_group: ``"never"`` (never-treated units) or ``"notyet"`` (not yet treated).
        base_period: ``"varying"`` or ``"universal"`` for pre-period cells.
        weights: optional sampling weights per unit (normalised to mean 1 internally).

    Raises :class:`MethodError` for bad settings and :class:`DataError` when there is no control
    unit for any cell or a cohort adopts in the first period.
    """
    if control_group not in ("never", "notyet"):
        raise MethodError(f"control_group must be 'never' or 'notyet', got {control_group!r}")
    if base_period not in ("varying", "universal"):
        raise MethodError(f"base_period must be 'varying' or 'universal', got {base_period!r}")
    y = np.asarray(y, dtype=float)
    n, T = y.shape
    g_of = np.asarray(cohort, dtype=float).copy()
    g_of[~np.isfinite(g_of) | (g_of >= T)] = np.inf
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise MethodError("weights must be finite, non-negative and not all zero")
    w = w / w.mean()
    cohorts = np.unique(g_of[np.isfinite(g_of)]).astype(int)
    if cohorts.size == 0:
        raise DataError(None, "no unit is ever treated")
    if cohorts.min() < 1:
        raise DataError(None, "a cohort adopts in the first period: it has no pre-period")
    never = ~np.isfinite(g_of)
    if control_group == "never" and not never.any():
        raise DataError(None, "there are no never-treated units to compare with; "
                              "use control_group='notyet'")
    pg = {int(g): float(np.mean(w * (g_of == g))) for g in cohorts}

    groups, times, bases, atts, ncs, infs = [], [], [], [], [], []
    periods = np.arange(T)
    for g in cohorts:
        ts = periods[1:] if base_period == "varying" else periods[periods != g - 1]
        b = np.where(ts >= g, g - 1, ts - 1) if base_period == "varying" else np.full(ts.size, g - 1)
        d = y[:, ts] - y[:, b]                                   # (n, K_g)
        treat = (g_of == g)
        wt = w * treat
        if control_group == "never":
            ctrl = np.broadcast_to(never[:, None], d.shape)
        else:
            horizon = np.maximum(ts, b)
            ctrl = (g_of[:, None] > horizon[None, :]) & ~treat[:, None]
        wc = w[:, None] * ctrl
        sc = wc.sum(axis=0)
        keep = sc > 0
        if not keep.any():
            continue
        d, ts, b, wc, sc = d[:, keep], ts[keep], b[keep], wc[:, keep], sc[keep]
        st = wt.sum()
        mt = (wt @ d) / st
        mc = (wc * d).sum(axis=0) / sc
        pt, pc = st / n, sc / n
        inf = wt[:, None] * (d - mt) / pt - wc * (d - mc) / pc
        groups.append(np.full(ts.size, g))
        times.append(ts)
        bases.append(b)
        atts.append(mt - mc)
        ncs.append((ctrl[:, keep]).sum(axis=0))
        infs.append(inf)
    if not atts:
        raise DataError(None, "no cohort has a control unit in any period (no never-treated or "
                              "not-yet-treated units)")
    return GroupTimeATT(group=np.concatenate(groups), time=np.concatenate(times),
                        base=np.concatenate(bases), att=np.concatenate(atts),
                        inf=np.concatenate(infs, axis=1), n_control=np.concatenate(ncs),
                        pg=pg, cohort=g_of, weights=w, y=y)


def _aggregate(gt: GroupTimeATT, cells: np.ndarray) -> Aggregate:
    """Weighted average of the cells ``cells`` (indices) with weights ``pi_g``, with did's ``wif``."""
    if cells.size == 0:
        raise MethodError("no group-time cell to aggregate")
    pgk = np.array([gt.pg[int(g)] for g in gt.group[cells]])
    s = pgk.sum()
    wk = pgk / s
    value = float(wk @ gt.att[cells])
    # influence of the estimated weights (R did's wif): d(pg_k / sum pg) for each unit
    ind = gt.weights[:, None] * (gt.cohort[:, None] == gt.group[cells][None, :]) - pgk[None, :]
    wif = ind / s - ind.sum(axis=1, keepdims=True) * (pgk / s**2)[None, :]
    inf = gt.inf[:, cells] @ wk + wif @ gt.att[cells]
    return Aggregate(value=value, inf=inf, cells=cells, weights=wk)


def simple_att(gt: GroupTimeATT) -> Aggregate:
    """Overall ATT: the post-period cells averaged with weights ``pi_g`` (``did``'s ``"simple"``)."""
    return _aggregate(gt, np.flatnonzero(gt.time >= gt.group))


def dynamic_att(gt: GroupTimeATT, events: np.ndarray | None = None,
                cohorts: np.ndarray | None = None) -> dict[int, Aggregate]:
    """Event-time ATT(e) for each event time ``e = t - g`` (``did``'s ``"dynamic"``), optionally
    from the cells of some ``cohorts`` (period positions) only."""
    ev = gt.event
    ok = np.ones(ev.size, bool) if cohorts is None else np.isin(gt.group, cohorts)
    es = np.unique(ev[ok]) if events is None else np.asarray(events)
    return {int(e): _aggregate(gt, np.flatnonzero((ev == e) & ok)) for e in es
            if np.any((ev == e) & ok)}


def treated_mean(gt: GroupTimeATT, agg: Aggregate) -> float:
    """Observed mean outcome of the treated in the aggregate's cells, averaged with its weights."""
    means = []
    for k in agg.cells:
        sel = gt.cohort == gt.group[k]
        w = gt.weights[sel]
        means.append(float(w @ gt.y[sel, gt.time[k]] / w.sum()))
    return float(np.asarray(means) @ agg.weights)


def wald(values: np.ndarray, inf: np.ndarray, cluster: np.ndarray | None = None) -> tuple[float, int, float]:
    """Joint Wald test that ``values`` are all 0: ``W = v' V^+ v ~ chi2(rank V)``; (W, df, p)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    cov = _cluster_var(inf, cluster)
    rank = int(np.linalg.matrix_rank(cov))
    if rank == 0:
        return float("nan"), 0, float("nan")
    stat = float(v @ np.linalg.pinv(cov) @ v)
    return stat, rank, float(stats.chi2.sf(stat, rank))


def covariance(inf: np.ndarray, cluster: np.ndarray | None = None) -> np.ndarray:
    """Covariance of estimates from their unit influence functions (columns of ``inf``)."""
    return _cluster_var(inf, cluster)


__all__ = ["Aggregate", "GroupTimeATT", "covariance", "dynamic_att", "group_time_att", "simple_att",
           "treated_mean", "wald"]
