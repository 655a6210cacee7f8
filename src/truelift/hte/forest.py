"""Causal forest with honest trees and per-row confidence intervals, on cross-fitted residuals.

Estimand: the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]`` of a binary treatment, under
unconfoundedness given ``x`` and overlap. The settings are :class:`truelift.hte.learners.CausalForest`
(re-exported here); this module does the work and imports EconML only when called.

1. **Residuals** (Robinson 1988; Chernozhukov et al. 2018, Econometrics J. 21(1)): over the
   learner's folds (stratified by arm), ``m(x) = E[Y | X = x]`` is fitted by the base regressor
   (LightGBM by default) without each row's fold, and ``e(x)`` is the given propensity, else
   cross-fitted by the model with the lower out-of-fold log loss (penalized logistic or
   LightGBM), clipped to [0.01, 0.99]; ``y~ = y - m(x)``, ``t~ = t - e(x)``.
   The same code serves the R-learner (``_Learner._residuals``).
2. **Forest** (Wager & Athey 2018, JASA 113(523); Athey, Tibshirani & Wager 2019, Ann. Stat.
   47(2)): ``econml.grf.CausalForest`` solves the local moment
   ``E[(y~ - tau(x) t~ - b(x)) (t~, 1) | X = x] = 0`` with forest weights. Trees come in little
   bags of ``subforest_size`` that share one half-sample; each tree draws ``s`` rows from it
   (``s = min(max_samples n, max_subsample)``) and, when honest, splits on one half of them and
   fills its leaves with the other. This is EconML's ``CausalForestDML`` final stage, with the
   nuisances done here so they are shared, seeded and fast.
3. **Variance**: the half-sampling ("bootstrap of little bags") estimate of GRF: the spread of the
   little bags' moments, less a within-bag correction (debiased as in EconML), through the inverse
   local Jacobian. Intervals are normal: ``tau(x) +- z sqrt(var)``.
4. **Out-of-bag scores** (``oof``): each training row is scored only by the little bags none of
   whose trees drew it, as R's ``grf`` does for ``predict()`` without new data; point and
   variance are computed from those bags with the formulas of step 3
   (:func:`_oob_point_and_var`). A row lies outside a bag's half-sample with probability 1/2, so
   about half the bags score each row: every row is held out without refitting the forest per
   fold (which would cost ``folds`` more forests).
5. **ATE**: the mean of the doubly robust score
   ``Gamma_i = tau(x_i) + t~_i (y~_i - tau(x_i) t~_i) / (e_i (1 - e_i))`` with the out-of-bag
   ``tau`` (GRF's ``average_treatment_effect``, Athey & Wager 2019, Observational Studies 5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import norm

from truelift.errors import MethodError
from truelift.hte.learners import CausalForest, FittedCATE, _seed, _validate, n_folds
from truelift.nuisance.crossfit import fold_ids

if TYPE_CHECKING:
    from econml.grf import CausalForest as GRFForest

# rows per call when scoring new rows (bounds EconML's per-bag arrays in memory)
_CHUNK = 20_000


def _check_settings(cf: CausalForest) -> None:
    if cf.subforest_size < 2:
        raise MethodError(f"subforest_size must be at least 2 for intervals, got {cf.subforest_size}")
    if cf.n_estimators < 2 * cf.subforest_size or cf.n_estimators % cf.subforest_size:
        raise MethodError(f"n_estimators must be a multiple of subforest_size ({cf.subforest_size}) "
                          f"and hold at least 2 of them, got {cf.n_estimators}")
    if not 0.0 < cf.max_samples < 0.5:
        raise MethodError(f"max_samples must lie strictly between 0 and 0.5, got {cf.max_samples}")
    if cf.max_subsample is not None and cf.max_subsample < 2 * cf.min_node_size:
        raise MethodError(f"max_subsample must be at least 2 * min_node_size, got {cf.max_subsample}")
    if cf.min_node_size < 1:
        raise MethodError(f"min_node_size must be at least 1, got {cf.min_node_size}")
    if not 0.0 < cf.level < 1.0:
        raise MethodError(f"level must lie strictly between 0 and 1, got {cf.level}")


def _subsample_size(cf: CausalForest, n: int) -> int:
    s = int(cf.max_samples * n)
    if cf.max_subsample is not None:
        s = min(s, cf.max_subsample)
    return max(1, min(s, n // 2))


def fit_causal_forest(cf: CausalForest, x: Any, t: Any, y: Any, *,
                      propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
    """Fit the causal forest ``cf`` on ``(x, t, y)``; see the module docstring for the steps."""
    _check_settings(cf)
    k = n_folds(cf.folds, t)
    x, t, y, e = _validate(x, t, y, propensity, k, cf.base)
    from econml.grf import CausalForest as GRFForest

    rng = np.random.default_rng(seed)
    folds = fold_ids(t, k, rng)
    y_res, t_res, e_rows = cf._residuals(x, t, y, e, folds, rng)
    forest = GRFForest(
        n_estimators=cf.n_estimators, min_samples_leaf=cf.min_node_size,
        max_samples=_subsample_size(cf, x.shape[0]), honest=cf.honest, inference=True,
        subforest_size=cf.subforest_size, n_jobs=-1 if cf.n_jobs is None else cf.n_jobs,
        random_state=_seed(rng))
    forest.fit(x, t_res, y_res)
    # EconML sums the trees' predictions over threads in whatever order they finish, which changes
    # the last digit between calls; scoring on one thread keeps the same seed, the same numbers.
    forest.set_params(n_jobs=1)
    oof, oof_var = _oob_point_and_var(forest, x)
    score = oof + t_res * (y_res - oof * t_res) / (e_rows * (1.0 - e_rows))
    return FittedCATE(
        learner=cf.name, oof=oof, ate=float(score.mean()), propensity=e_rows, n_features=x.shape[1],
        oof_interval=_normal_interval(oof, oof_var, cf.level), level=cf.level,
        _predict=lambda x_new: _predict(forest, x_new)[0],
        _interval=lambda x_new, level: _normal_interval(*_predict(forest, x_new, var=True), level))


def _normal_interval(point: np.ndarray, var: np.ndarray, level: float) -> np.ndarray:
    half = norm.ppf(0.5 + level / 2.0) * np.sqrt(var)
    return np.column_stack([point - half, point + half])


def _predict(forest: GRFForest, x: np.ndarray, *, var: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """EconML's point (all trees) and, if asked, its variance for new rows, in chunks."""
    n = x.shape[0]
    point, variance = np.empty(n), np.full(n, np.nan)
    for lo in range(0, n, _CHUNK):
        part = x[lo:lo + _CHUNK]
        if var:
            p, v = forest.predict_and_var(part)
            point[lo:lo + _CHUNK], variance[lo:lo + _CHUNK] = p[:, 0], v[:, 0, 0]
        else:
            point[lo:lo + _CHUNK] = forest.predict(part)[:, 0]
    return point, variance


def _oob_point_and_var(forest: GRFForest, x: np.ndarray,
                       rows: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Point and variance of ``tau(x_i)`` from the little bags listed for each row.

    ``rows[b]`` are the rows that bag ``b`` may score; by default (the training rows ``x``) those
    none of whose trees drew them: the out-of-bag estimate. With every bag scoring every row this
    is EconML's ``predict_and_var`` (GRF's half-sampling variance, Athey et al. 2019, section 4).
    Memory is O(n) per accumulator; the trees are applied twice (point, then moments).
    """
    n, k = x.shape[0], forest.n_outputs_
    bags = [np.asarray(b) for b in forest.slices_]
    if rows is None:
        drawn_by_tree = forest.get_subsample_inds()
        rows = []
        for bag in bags:
            drawn = np.zeros(n, dtype=bool)
            for tree in bag:
                drawn[drawn_by_tree[tree]] = True
            rows.append(np.flatnonzero(~drawn))
    size = bags[0].shape[0]
    n_bags = np.zeros(n)
    alpha, jac = np.zeros((n, k)), np.zeros((n, k, k))
    for bag, r in zip(bags, rows, strict=True):
        xr = x[r]
        a_bag, j_bag = np.zeros((r.shape[0], k)), np.zeros((r.shape[0], k * k))
        for tree in bag:
            a, j = forest.estimators_[tree].predict_alpha_and_jac(xr)
            a_bag += a
            j_bag += j
        alpha[r] += a_bag
        jac[r] += j_bag.reshape(-1, k, k)
        n_bags[r] += 1
    if n_bags.min() < 2:
        raise MethodError(f"{int((n_bags < 2).sum())} row(s) are out of bag for fewer than 2 little bags "
                          "of trees; raise n_estimators")
    alpha /= (n_bags * size)[:, None]
    jac /= (n_bags * size)[:, None, None]
    inv = np.linalg.pinv(jac)
    theta = np.einsum("ijk,ik->ij", inv, alpha)

    # moments per tree, M = alpha - J theta, at the fitted theta of each row
    mean_bag = np.zeros((n, k))
    between = np.zeros((n, k, k))      # sum over bags of (bag-mean moment)(bag-mean moment)'
    within = np.zeros((n, k, k))       # sum over bags of the bag's mean of M M'
    for bag, r in zip(bags, rows, strict=True):
        xr, th = x[r], theta[r]
        m_bar = np.zeros((r.shape[0], k))
        mm = np.zeros((r.shape[0], k, k))
        for tree in bag:
            a, j = forest.estimators_[tree].predict_alpha_and_jac(xr)
            m = a - np.einsum("ijk,ik->ij", j.reshape(-1, k, k), th)
            m_bar += m
            mm += m[:, :, None] * m[:, None, :]
        m_bar /= size
        mean_bag[r] += m_bar
        between[r] += m_bar[:, :, None] * m_bar[:, None, :]
        within[r] += mm / size
    mean_bag /= n_bags[:, None]
    between /= n_bags[:, None, None]
    within /= n_bags[:, None, None]

    # the same algebra as EconML's _predict_point_and_var, with the row's own number of bags
    var_between = between - mean_bag[:, :, None] * mean_bag[:, None, :]
    inv_t = np.transpose(inv, (0, 2, 1))
    pred_var = np.einsum("ijk,ikl,ilj->ij", inv, var_between, inv_t)[:, 0]
    correction = (within - between) / (size - 1)
    pred_corr = np.einsum("ijk,ikl,ilj->ij", inv, correction, inv_t)[:, 0]
    naive = pred_var - pred_corr
    se = np.maximum(pred_var, pred_corr) * np.sqrt(2.0 / n_bags)
    z = naive / np.clip(se, 1e-10, np.inf)
    # posterior mean of a positive variance (EconML's debiasing): naive + se * phi(z) / Phi(z)
    var = naive + se * np.exp(norm.logpdf(z) - norm.logcdf(z))
    return theta[:, 0], var


__all__ = ["CausalForest", "fit_causal_forest"]
