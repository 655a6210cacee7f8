"""Honest evaluation of uplift (CATE) scores on held-out data.

Every function takes the outcome ``y``, the 0/1 treatment ``t`` and a ``score`` (predicted uplift,
larger = more worth treating) for rows that were *not* used to fit the score, and uses only NumPy.

Curves (Radcliffe 2007; Gutierrez & Gérardy 2017). Sort customers by descending score. At a cut
that targets the first ``k`` customers let ``N_t(k), N_c(k)`` be the treated / control counts and
``Y_t(k), Y_c(k)`` their outcome sums. Then

* uplift curve  ``U(k) = (Y_t(k)/N_t(k) − Y_c(k)/N_c(k)) · k``;
* Qini curve    ``Q(k) = Y_t(k) − Y_c(k) · N_t(k)/N_c(k)``.

Customers with equal scores are never split: the cuts are the ends of the runs of equal scores
(or, with ``bins``, the first such end at or after each ``j·n/bins``), so every result is
invariant to the order of the rows. A ratio whose denominator is 0 (no treated, or no control,
customer yet) is taken as 0, the convention of scikit-uplift. Each curve starts at ``(0, 0)``;
the random-targeting line is ``x · V(n)``, ``x = k/n`` the share targeted and ``V(n)`` the
curve's value for the whole population.

Areas (``auuc``, ``qini_coefficient``) use the trapezoid rule over ``x`` and are normalized as
scikit-uplift's ``uplift_auc_score`` / ``qini_auc_score`` (v0.5):

    (A(score) − A(random)) / (A(perfect) − A(random)),

``A(random) = V(n)/2`` and ``A(perfect)`` the area of the same curve for the best possible
ordering of this very sample: for Qini, the score ``y·t − y·(1 − t)`` (treated responders first,
control responders last; scikit-uplift's ``negative_effect=True``); for the uplift curve with a
0/1 outcome, scikit-uplift's ``2·[y = t] + (y if #control responders > #treated non-responders
else t)``; for a non-binary outcome the uplift curve uses the Qini ordering ``y·(2t − 1)``.
Since the ratio is scale free, ``x`` in shares or in counts gives the same number.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from truelift.errors import DataError, MethodError
from truelift.schema.values import _ToDict

__all__ = [
    "BLPResult",
    "CalibrationGroup",
    "CalibrationResult",
    "UpliftAtK",
    "UpliftCurve",
    "auuc",
    "blp_test",
    "calibration_by_decile",
    "qini_coefficient",
    "qini_curve",
    "uplift_at_k",
    "uplift_curve",
]


# --------------------------------------------------------------------------------------------
# results


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UpliftCurve(_ToDict):
    """An uplift or Qini curve: ``values[i]`` at share ``x[i]`` targeted; ``random`` is ``x · values[-1]``."""

    kind: Literal["uplift", "qini"]
    x: np.ndarray
    n_targeted: np.ndarray
    values: np.ndarray
    random: np.ndarray
    n: int

    @property
    def area(self) -> float:
        """Trapezoid area under the curve over ``x`` in [0, 1]."""
        return _trapezoid(self.x, self.values)

    @property
    def area_random(self) -> float:
        """Area under the random-targeting line, ``values[-1] / 2``."""
        return _trapezoid(self.x, self.random)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UpliftAtK(_ToDict):
    """Observed ``mean(y | treated) − mean(y | control)`` among the top ``share`` by score.

    ``share`` can exceed the requested ``k`` because ties at the cut are kept together. ``se`` is
    the Welch standard error ``sqrt(s_t²/n_t + s_c²/n_c)`` (NaN when an arm has one customer).
    """

    k: float
    share: float
    n: int
    n_treated: int
    n_control: int
    uplift: float
    se: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationGroup(_ToDict):
    """One quantile group of predicted uplift: mean prediction against the observed difference."""

    group: int
    n: int
    n_treated: int
    n_control: int
    score_min: float
    score_max: float
    predicted: float
    observed: float
    se: float
    ci: tuple[float, float]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationResult(_ToDict):
    """Predicted vs observed uplift by quantile group of the score.

    ``slope``/``intercept``: weighted least squares of ``observed`` on ``predicted`` across groups,
    weights ``1/se²`` (a calibrated score has slope 1 and intercept 0).
    """

    groups: tuple[CalibrationGroup, ...]
    level: float
    slope: float
    intercept: float


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BLPResult(_ToDict):
    """Best linear predictor of the CATE given the score (Chernozhukov et al. 2018/2023).

    ``beta1`` estimates the ATE, ``beta2`` the heterogeneity loading (1 for a score equal to the
    CATE, 0 for a score unrelated to it); ``pvalue_heterogeneity`` is the two-sided p-value of
    ``H0: beta2 = 0``. Standard errors are HC1 (heteroskedasticity-robust).
    """

    beta1: float
    se1: float
    ci1: tuple[float, float]
    beta2: float
    se2: float
    ci2: tuple[float, float]
    pvalue_heterogeneity: float
    level: float
    n: int
    method: str


# --------------------------------------------------------------------------------------------
# validation and helpers


def _trapezoid(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))


def _validate(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        ya = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise DataError("y", "outcome must be numeric") from None
    try:
        sa = np.asarray(score, dtype=float)
    except (TypeError, ValueError):
        raise DataError("score", "score must be numeric") from None
    ta_raw = np.asarray(t)
    for name, a in (("y", ya), ("t", ta_raw), ("score", sa)):
        if a.ndim != 1:
            raise DataError(name, f"must be one-dimensional, got shape {a.shape}")
    if not (len(ya) == len(ta_raw) == len(sa)):
        lengths = f"{len(ya)}, {len(ta_raw)}, {len(sa)}"
        raise DataError(None, f"y, t and score must have equal lengths, got {lengths}")
    if len(ya) == 0:
        raise DataError(None, "no rows to evaluate")
    try:
        ta = ta_raw.astype(float)
    except (TypeError, ValueError):
        raise DataError("t", "treatment must be 0/1") from None
    if not np.all((ta == 0.0) | (ta == 1.0)):
        raise DataError("t", "treatment must be 0/1")
    if not np.all(np.isfinite(ya)):
        raise DataError("y", "outcome has missing or non-finite values")
    if not np.all(np.isfinite(sa)):
        raise DataError("score", "score has missing or non-finite values")
    n1 = int(ta.sum())
    if n1 == 0 or n1 == len(ta):
        raise DataError("t", "both treated (1) and control (0) rows are needed")
    return ya, ta, sa


def _cut_ends(sorted_score: np.ndarray, bins: int | None) -> np.ndarray:
    """Cumulative counts ``k`` (1-based) at which to cut: ends of runs of equal scores."""
    n = sorted_score.size
    ends = np.r_[np.flatnonzero(np.diff(sorted_score) != 0) + 1, n]
    if bins is None:
        return ends
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise MethodError(f"bins must be a positive integer, got {bins!r}")
    targets = np.ceil(np.arange(1, bins + 1) * n / bins - 1e-9)
    idx = np.searchsorted(ends, targets, side="left")
    return np.unique(ends[np.minimum(idx, ends.size - 1)])


def _curve(
    kind: Literal["uplift", "qini"], y: np.ndarray, t: np.ndarray, score: np.ndarray, bins: int | None
) -> UpliftCurve:
    order = np.argsort(-score, kind="stable")
    ys, ts, ss = y[order], t[order], score[order]
    k = _cut_ends(ss, bins)
    n_t = np.cumsum(ts)[k - 1]
    n_c = k - n_t
    y_t = np.cumsum(ys * ts)[k - 1]
    y_c = np.cumsum(ys * (1.0 - ts))[k - 1]
    if kind == "uplift":
        mean_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
        mean_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
        values = (mean_t - mean_c) * k
    else:
        ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
        values = y_t - y_c * ratio
    n = y.size
    k = np.r_[0, k].astype(np.int64)
    values = np.r_[0.0, values]
    x = k / n
    return UpliftCurve(kind=kind, x=x, n_targeted=k, values=values, random=x * values[-1], n=n)


def _perfect_score(kind: Literal["uplift", "qini"], y: np.ndarray, t: np.ndarray) -> np.ndarray:
    if kind == "uplift" and np.all((y == 0.0) | (y == 1.0)):
        control_responders = np.sum((y == 1.0) & (t == 0.0))
        treated_non_responders = np.sum((y == 0.0) & (t == 1.0))
        summand = y if control_responders > treated_non_responders else t
        return 2.0 * (y == t) + summand
    return y * t - y * (1.0 - t)


def _normalized_area(kind: Literal["uplift", "qini"], y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    ya, ta, sa = _validate(y, t, score)
    actual = _curve(kind, ya, ta, sa, None)
    perfect = _curve(kind, ya, ta, _perfect_score(kind, ya, ta), None)
    base = actual.area_random  # the same for every ordering: values[-1] does not depend on it
    denom = perfect.area - base
    if denom == 0.0:
        raise MethodError(f"{kind} area is not defined: the perfect ordering does no better than random")
    return (actual.area - base) / denom


# --------------------------------------------------------------------------------------------
# public API


def uplift_curve(y: ArrayLike, t: ArrayLike, score: ArrayLike, *, bins: int | None = None) -> UpliftCurve:
    """Uplift curve ``U(k) = (Y_t(k)/N_t(k) − Y_c(k)/N_c(k)) · k`` (Radcliffe 2007; Gutierrez & Gérardy 2017).

    Cuts at every distinct score (ties together) or, with ``bins``, near each ``j/bins`` share.
    """
    ya, ta, sa = _validate(y, t, score)
    return _curve("uplift", ya, ta, sa, bins)


def qini_curve(y: ArrayLike, t: ArrayLike, score: ArrayLike, *, bins: int | None = None) -> UpliftCurve:
    """Qini curve ``Q(k) = Y_t(k) − Y_c(k) · N_t(k)/N_c(k)`` (Radcliffe 2007).

    Cuts at every distinct score (ties together) or, with ``bins``, near each ``j/bins`` share.
    """
    ya, ta, sa = _validate(y, t, score)
    return _curve("qini", ya, ta, sa, bins)


def auuc(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    """Normalized area under the uplift curve, as scikit-uplift's ``uplift_auc_score``.

    ``(A(score) − A(random)) / (A(perfect) − A(random))``: 1 for the best ordering of this
    sample, about 0 for a random one, negative for a harmful one (module docstring for details).
    """
    return _normalized_area("uplift", y, t, score)


def qini_coefficient(y: ArrayLike, t: ArrayLike, score: ArrayLike) -> float:
    """Normalized area between the Qini curve and the random line, as scikit-uplift's ``qini_auc_score``.

    ``(A(score) − A(random)) / (A(perfect) − A(random))`` with the perfect ordering
    ``y·t − y·(1 − t)`` (``negative_effect=True``); Radcliffe (2007) Qini coefficient, normalized.
    """
    return _normalized_area("qini", y, t, score)


def uplift_at_k(y: ArrayLike, t: ArrayLike, score: ArrayLike, k: float) -> UpliftAtK:
    """Observed ``mean(y|t=1) − mean(y|t=0)`` among the top share ``k`` of customers by score.

    The top ``ceil(k·n)`` customers are taken, extended to keep ties at the cut together (unlike
    scikit-uplift's ``uplift_at_k(strategy="overall")``, which cuts at ``floor(k·n)`` and breaks
    ties by row order). Both arms must be present in the top group.
    """
    ya, ta, sa = _validate(y, t, score)
    is_number = isinstance(k, (int, float, np.integer, np.floating)) and not isinstance(k, bool)
    if not is_number or not (0.0 < k <= 1.0):
        raise MethodError(f"k must be a share in (0, 1], got {k!r}")
    n = ya.size
    order = np.argsort(-sa, kind="stable")
    ss = sa[order]
    m = max(1, math.ceil(float(k) * n - 1e-9))
    threshold = ss[m - 1]
    top = sa >= threshold
    yt, yc = ya[top & (ta == 1.0)], ya[top & (ta == 0.0)]
    if yt.size == 0 or yc.size == 0:
        raise MethodError(f"the top {k:g} share has no {'treated' if yt.size == 0 else 'control'} customers")
    var_t = float(np.var(yt, ddof=1)) if yt.size > 1 else math.nan
    var_c = float(np.var(yc, ddof=1)) if yc.size > 1 else math.nan
    return UpliftAtK(
        k=float(k),
        share=float(top.sum()) / n,
        n=int(top.sum()),
        n_treated=int(yt.size),
        n_control=int(yc.size),
        uplift=float(yt.mean() - yc.mean()),
        se=math.sqrt(var_t / yt.size + var_c / yc.size),
    )


def calibration_by_decile(
    y: ArrayLike, t: ArrayLike, score: ArrayLike, *, groups: int = 10, level: float = 0.95
) -> CalibrationResult:
    """Mean predicted uplift against the observed difference in means, by quantile group of score.

    Groups: ``g = floor(groups · (r − 1)/n)`` with ``r`` the (average, so tie-respecting) rank of
    the score; tied scores share a group and empty groups are dropped. In each group the observed
    uplift is ``ȳ_t − ȳ_c`` with Welch standard error ``sqrt(s_t²/n_t + s_c²/n_c)`` and a normal
    interval. Each group needs at least two treated and two control customers.
    """
    from truelift.inference.normal import normal_ci

    ya, ta, sa = _validate(y, t, score)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise MethodError(f"groups must be a positive integer, got {groups!r}")
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    g = _quantile_groups(sa, groups)
    out: list[CalibrationGroup] = []
    for j in np.unique(g):
        m = g == j
        yt, yc = ya[m & (ta == 1.0)], ya[m & (ta == 0.0)]
        if yt.size < 2 or yc.size < 2:
            raise MethodError(f"score group {int(j)} has fewer than two treated or control customers")
        obs = float(yt.mean() - yc.mean())
        se = math.sqrt(float(np.var(yt, ddof=1)) / yt.size + float(np.var(yc, ddof=1)) / yc.size)
        out.append(
            CalibrationGroup(
                group=int(j),
                n=int(m.sum()),
                n_treated=int(yt.size),
                n_control=int(yc.size),
                score_min=float(sa[m].min()),
                score_max=float(sa[m].max()),
                predicted=float(sa[m].mean()),
                observed=obs,
                se=se,
                ci=normal_ci(obs, se, level),
            )
        )
    return _calibration_result(out, level)


def _quantile_groups(score: np.ndarray, groups: int) -> np.ndarray:
    """Group ``floor(groups · (r − 1)/n)`` of every row, ``r`` the average (tie-respecting) rank."""
    ss = np.sort(score, kind="stable")
    rank = (np.searchsorted(ss, score, side="left") + np.searchsorted(ss, score, side="right") + 1) / 2.0
    return np.minimum(np.floor(groups * (rank - 1.0) / score.size).astype(np.int64), groups - 1)


def _calibration_result(out: list[CalibrationGroup], level: float) -> CalibrationResult:
    """The groups with the WLS line of observed on predicted uplift (weights ``1/se²``)."""
    slope, intercept = math.nan, math.nan
    pred = np.array([c.predicted for c in out])
    obs_arr = np.array([c.observed for c in out])
    ses = np.array([c.se for c in out])
    if len(out) >= 2 and np.all(ses > 0) and np.ptp(pred) > 0:
        w = 1.0 / ses**2
        pm = np.sum(w * pred) / w.sum()
        om = np.sum(w * obs_arr) / w.sum()
        slope = float(np.sum(w * (pred - pm) * (obs_arr - om)) / np.sum(w * (pred - pm) ** 2))
        intercept = float(om - slope * pm)
    return CalibrationResult(groups=tuple(out), level=level, slope=slope, intercept=intercept)


def dr_calibration(score: ArrayLike, pseudo: ArrayLike, *, groups: int = 10,
                   level: float = 0.95) -> CalibrationResult:
    """Predicted vs doubly robust observed uplift by quantile group of the predicted CATE ``score``.

    The groups are those of :func:`calibration_by_decile`; the observed uplift of a group is the
    mean of the cross-fitted AIPW pseudo-outcome (valid with a known or an estimated propensity,
    so also on observational data) with standard error ``sd/sqrt(n)`` and a normal interval
    (Chernozhukov et al. 2018's GATES with AIPW scores). Groups of one customer are dropped;
    ``n_treated``/``n_control`` are 0 (every customer contributes to both arms' scores).
    """
    from truelift.inference.normal import normal_ci

    sa = np.asarray(score, dtype=float)
    pa = np.asarray(pseudo, dtype=float)
    if sa.ndim != 1 or pa.shape != sa.shape or not (np.all(np.isfinite(sa)) and np.all(np.isfinite(pa))):
        raise DataError("score", "score and pseudo-outcome must be finite 1-D arrays of one length")
    g = _quantile_groups(sa, groups)
    out: list[CalibrationGroup] = []
    for j in np.unique(g):
        m = g == j
        cnt = int(m.sum())
        if cnt < 2:
            continue
        obs = float(pa[m].mean())
        se = float(pa[m].std(ddof=1)) / math.sqrt(cnt)
        out.append(CalibrationGroup(group=int(j), n=cnt, n_treated=0, n_control=0,
                                    score_min=float(sa[m].min()), score_max=float(sa[m].max()),
                                    predicted=float(sa[m].mean()), observed=obs, se=se,
                                    ci=normal_ci(obs, se, level)))
    return _calibration_result(out, level)


def _wls_hc1(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares with the HC1 sandwich (as statsmodels ``WLS(...).fit(cov_type="HC1")``)."""
    sw = np.sqrt(w)
    xw, yw = x * sw[:, None], y * sw
    n, p = xw.shape
    xtx = xw.T @ xw
    try:
        bread = np.linalg.inv(xtx)
    except np.linalg.LinAlgError:
        raise MethodError("BLP regression is singular (constant score or treatment residual?)") from None
    beta = bread @ (xw.T @ yw)
    e = yw - xw @ beta
    meat = (xw * (e**2)[:, None]).T @ xw
    cov = bread @ meat @ bread * (n / (n - p))
    return beta, cov


def blp_test(
    y: ArrayLike,
    t: ArrayLike,
    score: ArrayLike,
    propensity: ArrayLike | float,
    *,
    baseline: ArrayLike | None = None,
    level: float = 0.95,
) -> BLPResult:
    """Best linear predictor (BLP) of the CATE given the score: is there heterogeneity worth targeting?

    Chernozhukov, Demirer, Duflo & Fernández-Val (2018/2023), "Generic machine learning inference
    on heterogeneous treatment effects in randomized experiments", BLP strategy 1 (weighted
    residual). With ``e = propensity`` (known assignment probability), ``S`` the score and
    ``S̄`` its sample mean, fit by weighted least squares with weights ``w = 1/(e(1 − e))``::

        y = α0 + α1·B + β1·(t − e) + β2·(t − e)·(S − S̄) + ε

    (``B``, the optional ``baseline`` proxy for ``E[y | t = 0, X]``, only reduces noise; without
    it the term is left out). Then ``β1`` is the ATE and ``β2 = Cov(τ, S)/Var(S)``, the BLP slope
    of the true CATE ``τ`` on ``S``: 1 when ``S = τ``, 0 when ``S`` carries no information about
    ``τ``. HC1 standard errors; normal intervals and the two-sided p-value of ``H0: β2 = 0``.
    The score must come from a model not fitted on these rows.
    """
    from truelift.inference.normal import normal_ci, normal_pvalue

    ya, ta, sa = _validate(y, t, score)
    n = ya.size
    e = np.broadcast_to(np.asarray(propensity, dtype=float), (n,)) if np.ndim(propensity) == 0 else None
    if e is None:
        e = np.asarray(propensity, dtype=float)
        if e.ndim != 1 or e.size != n:
            raise DataError("propensity", f"must be a scalar or have length {n}")
    if not np.all(np.isfinite(e)) or np.any((e <= 0.0) | (e >= 1.0)):
        raise DataError("propensity", "must be strictly between 0 and 1")
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    cols: list[np.ndarray] = [np.ones(n)]
    if baseline is not None:
        b = np.asarray(baseline, dtype=float)
        if b.ndim != 1 or b.size != n or not np.all(np.isfinite(b)):
            raise DataError("baseline", f"must be finite with length {n}")
        cols.append(b)
    resid = ta - e
    cols += [resid, resid * (sa - sa.mean())]
    x = np.column_stack(cols)
    beta, cov = _wls_hc1(x, ya, 1.0 / (e * (1.0 - e)))
    b1, b2 = float(beta[-2]), float(beta[-1])
    se1, se2 = math.sqrt(float(cov[-2, -2])), math.sqrt(float(cov[-1, -1]))
    return BLPResult(
        beta1=b1,
        se1=se1,
        ci1=normal_ci(b1, se1, level),
        beta2=b2,
        se2=se2,
        ci2=normal_ci(b2, se2, level),
        pvalue_heterogeneity=normal_pvalue(b2, se2),
        level=level,
        n=n,
        method="CDDF BLP, weighted residual form (WLS, w = 1/(e(1-e))), HC1",
    )
