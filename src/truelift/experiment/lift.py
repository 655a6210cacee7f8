"""The lift of one variant over control on one metric, from the two arms' moments.

Estimand: the average treatment effect of assigning a user to the variant rather than to
control, on the metric ``f`` (a mean, a proportion or a ratio of means), ``f(variant) - f(control)``,
and the relative lift ``f(variant) / f(control) - 1``.

Each arm's metric is linearised (delta method): ``f(m_hat) ~ f(m) + g'(m_hat - m)``, so its
variance is ``g' S g / n`` with ``S`` the per-user covariance of the metric's columns.

CUPED (Deng, Xu, Kohavi & Walker 2013) with pre-period covariates ``x``: the adjusted lift is
``(f_t - f_c) - theta'(x_t - x_c)`` with ``theta`` the pooled within-arm regression coefficient
of the linearised metric on ``x``, ``theta = (sum_a C_xx,a)^-1 sum_a C_xf,a`` (co-moments within
each arm). For a mean this is exactly the coefficient of the treatment in the OLS regression
``y ~ T + x``; for a ratio metric it is CUPED applied to the linearised ratio (Deng et al. 2018).
Its variance is ``sum_a (g_a - K theta)' S_a (g_a - K theta) / n_a``; the variance reduction
reported is ``1 - Var(adjusted) / Var(unadjusted)``, which tends to ``rho**2``.

Tests: Welch's t-test for means (Welch 1947, Satterthwaite degrees of freedom); for a proportion
without covariates, the Wald interval with unpooled variances and the two-proportion z-test with
the pooled variance (Pearson's chi-square on the 2x2 table); z (normal) intervals and tests for
ratios and for CUPED-adjusted proportions. The relative interval is by the delta method or,
on request, by Fieller's theorem (Fieller 1954).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from scipy.special import ndtr, stdtr, stdtrit

from truelift.errors import MethodError
from truelift.experiment.cells import Moments
from truelift.experiment.metrics import Metric
from truelift.inference.normal import normal_ci, normal_pvalue, z_critical
from truelift.schema import Estimate, Relative
from truelift.schema.values import _ToDict


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Cuped(_ToDict):
    """The CUPED adjustment of one comparison: covariates, coefficients, variance reduction."""

    covariates: tuple[str, ...]
    theta: tuple[float, ...]
    variance_reduction: float
    imbalance_z: tuple[float, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AlwaysValid(_ToDict):
    """The always-valid (peeking-safe) interval and p-value at the latest look."""

    ci: tuple[float, float]
    pvalue: float
    tau2: float
    looks: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Lift(_ToDict):
    """One metric, one variant against control.

    ``estimate`` carries the (CUPED-adjusted, when covariates were given) lift with its interval
    and raw p-value; ``control_value`` / ``variant_value`` are the unadjusted metric values of the
    arms. ``pvalue_holm`` / ``pvalue_bh`` are filled when the comparison belongs to the family
    being corrected; ``significant`` applies the chosen correction at ``alpha``.
    """

    metric: str
    kind: str
    role: str
    variant: Any
    control: Any
    estimate: Estimate
    control_value: float
    variant_value: float
    df: float | None = None
    cuped: Cuped | None = None
    relative_method: str = "delta"
    pvalue_holm: float | None = None
    pvalue_bh: float | None = None
    significant: bool = False
    always_valid: AlwaysValid | None = None
    higher_is_better: bool = True

    @property
    def decision_pvalue(self) -> float:
        """The p-value the decision uses: adjusted if adjusted, always-valid if sequential."""
        if self.always_valid is not None:
            return self.always_valid.pvalue
        return self.estimate.pvalue


@dataclasses.dataclass(frozen=True, slots=True)
class _Linear:
    """One arm's metric, linearised: value, gradient over (metric columns, covariates), covariance."""

    n: int
    value: float
    gradient: np.ndarray
    cov: np.ndarray
    x_mean: np.ndarray


def _linearise(metric: Metric, m: Moments, ddof: int) -> _Linear:
    names = (*metric.variables, *metric.covariates)
    mean, cov = m.sub(names, ddof=ddof)
    k = len(metric.variables)
    g = np.zeros(len(names))
    g[:k] = metric.gradient(mean[:k])
    return _Linear(n=m.n, value=metric.value(mean[:k]), gradient=g, cov=cov, x_mean=mean[k:])


def pooled_theta(metric: Metric, arms: list[_Linear]) -> np.ndarray:
    """``theta = (sum_a (n_a - 1) S_xx,a)^-1 sum_a (n_a - 1) S_xf,a``: pooled within-arm slope."""
    k = len(metric.variables)
    sxx = sum((a.n - 1) * a.cov[k:, k:] for a in arms)
    sxf = sum((a.n - 1) * (a.cov[k:, :] @ a.gradient) for a in arms)
    theta, *_ = np.linalg.lstsq(np.atleast_2d(sxx), np.atleast_1d(sxf), rcond=None)
    return theta


def _selector(metric: Metric, theta: np.ndarray) -> np.ndarray:
    """``K theta``: the covariates' part of the adjusted gradient, zero on the metric columns."""
    k = len(metric.variables)
    out = np.zeros(k + len(metric.covariates))
    out[k:] = theta
    return out


def _check_arm(metric: Metric, arm: _Linear, label: Any) -> None:
    if arm.n < 2:
        raise MethodError(f"metric {metric.name!r}: variant {label!r} has {arm.n} user(s); at least 2 "
                          "are needed per arm")
    if not math.isfinite(arm.value):
        raise MethodError(f"metric {metric.name!r}: not defined in variant {label!r} (the "
                          "denominator's mean is 0)")


def compare(
    metric: Metric,
    variant: Moments,
    control: Moments,
    *,
    variant_label: Any,
    control_label: Any,
    role: str = "primary",
    level: float = 0.95,
    relative: str = "delta",
) -> Lift:
    """Lift of ``variant`` over ``control`` on ``metric`` (see the module docstring)."""
    try:
        with np.errstate(all="ignore"):
            return _compare(metric, variant, control, variant_label=variant_label,
                            control_label=control_label, role=role, level=level, relative=relative)
    except (OverflowError, FloatingPointError, np.linalg.LinAlgError):
        raise MethodError(f"metric {metric.name!r}: the values are too large (or degenerate) to compute "
                          f"the lift of {variant_label!r}; rescale the column") from None


def _compare(metric: Metric, variant: Moments, control: Moments, *, variant_label: Any, control_label: Any,
             role: str, level: float, relative: str) -> Lift:
    has_cov = bool(metric.covariates)
    plain_proportion = metric.kind == "proportion" and not has_cov
    ddof = 0 if plain_proportion else 1
    t = _linearise(metric, variant, ddof)
    c = _linearise(metric, control, ddof)
    _check_arm(metric, t, variant_label)
    _check_arm(metric, c, control_label)
    k = len(metric.variables)
    theta = pooled_theta(metric, [t, c]) if has_cov else np.zeros(0)
    kt = _selector(metric, theta)
    n_t, n_c = t.n, c.n
    w_t, w_c = n_t / (n_t + n_c), n_c / (n_t + n_c)
    # Gradients of each adjusted mean with respect to each arm's means (module docstring).
    grads = {("t", "t"): t.gradient - w_c * kt, ("t", "c"): w_c * kt,
             ("c", "c"): c.gradient - w_t * kt, ("c", "t"): w_t * kt}
    arms = {"t": t, "c": c}

    def cov(i: str, j: str) -> float:
        return float(sum(grads[(i, b)] @ arms[b].cov @ grads[(j, b)] / arms[b].n for b in "tc"))

    x_pool = w_t * t.x_mean + w_c * c.x_mean
    mu_t = t.value - float(theta @ (t.x_mean - x_pool)) if has_cov else t.value
    mu_c = c.value - float(theta @ (c.x_mean - x_pool)) if has_cov else c.value
    v = np.array([[cov("t", "t"), cov("t", "c")], [cov("c", "t"), cov("c", "c")]])
    value = mu_t - mu_c
    v_t = float((t.gradient - kt) @ t.cov @ (t.gradient - kt) / n_t)
    v_c = float((c.gradient - kt) @ c.cov @ (c.gradient - kt) / n_c)
    var = v_t + v_c
    se = math.sqrt(max(var, 0.0))
    df = None
    if metric.kind == "mean":
        df = welch_df(v_t, v_c, n_t, n_c)
        q = float(stdtrit(df, 0.5 + level / 2.0)) if math.isfinite(df) else z_critical(level)
        ci = (value - q * se, value + q * se)
        pvalue = _t_pvalue(value, se, df)
        test = "welch t-test"
    elif plain_proportion:
        ci = normal_ci(value, se, level)
        pvalue = pooled_z_pvalue(variant, control, metric)
        test = "two-proportion z-test"
    else:
        ci = normal_ci(value, se, level)
        pvalue = normal_pvalue(value, se)
        test = "delta method z-test" if metric.kind == "ratio" else "z-test"
    cuped = None
    if has_cov:
        v0 = float(t.gradient @ t.cov @ t.gradient / n_t + c.gradient @ c.cov @ c.gradient / n_c)
        imbalance = _imbalance(t, c, k)
        cuped = Cuped(covariates=tuple(metric.covariates), theta=tuple(float(x) for x in theta),
                      variance_reduction=1.0 - var / v0 if v0 > 0 else 0.0, imbalance_z=imbalance)
        test = f"cuped {test}"
    if not all(math.isfinite(x) for x in (value, se, mu_t, mu_c, t.value, c.value)):
        raise MethodError(f"metric {metric.name!r}: the lift of {variant_label!r} is not finite (values too "
                          "large, or a covariate without variation)")
    # the relative interval uses the same critical value as the absolute one (Welch's t for means)
    welch = df is not None and math.isfinite(df)
    crit = float(stdtrit(df, 0.5 + level / 2.0)) if welch else z_critical(level)
    rel = _relative(mu_t, mu_c, v, level, relative, crit)
    estimate = Estimate(
        outcome=metric.name, estimand="ATE", method=test, value=value, se=se, ci=ci, level=level,
        pvalue=pvalue, se_kind="cuped" if has_cov else ("welch" if df is not None else
                                                        "unpooled" if plain_proportion else "delta"),
        n_treated=n_t, n_control=n_c, mean_treated=mu_t, baseline=mu_c, relative=rel,
        arm=str(variant_label))
    return Lift(metric=metric.name, kind=metric.kind, role=role, variant=variant_label,
                control=control_label, estimate=estimate, control_value=c.value, variant_value=t.value,
                df=df, cuped=cuped, relative_method=relative, higher_is_better=metric.higher_is_better)


def welch_df(v_t: float, v_c: float, n_t: int, n_c: int) -> float:
    """Welch–Satterthwaite degrees of freedom from the two arms' variances of the mean."""
    den = v_t**2 / (n_t - 1) + v_c**2 / (n_c - 1)
    return (v_t + v_c) ** 2 / den if den > 0 else math.inf


def _t_pvalue(value: float, se: float, df: float) -> float:
    if se == 0.0:
        return 1.0 if value == 0.0 else 0.0
    tstat = abs(value / se)
    if not math.isfinite(df):
        return float(2.0 * ndtr(-tstat))
    return float(min(1.0, 2.0 * stdtr(df, -tstat)))


def pooled_z_pvalue(variant: Moments, control: Moments, metric: Metric) -> float:
    """Two-proportion z-test with the pooled proportion (= Pearson chi-square, no correction)."""
    i_t = variant.index(metric.variables)[0]
    i_c = control.index(metric.variables)[0]
    p_t, p_c = float(variant.mean[i_t]), float(control.mean[i_c])
    n_t, n_c = variant.n, control.n
    pooled = (p_t * n_t + p_c * n_c) / (n_t + n_c)
    se0 = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_t + 1.0 / n_c))
    return normal_pvalue(p_t - p_c, se0)


def _imbalance(t: _Linear, c: _Linear, k: int) -> tuple[float, ...]:
    """z of the difference in each covariate's mean between the arms (randomization check)."""
    out = []
    for j in range(len(t.x_mean)):
        var = t.cov[k + j, k + j] / t.n + c.cov[k + j, k + j] / c.n
        d = t.x_mean[j] - c.x_mean[j]
        out.append(float(d / math.sqrt(var)) if var > 0 else 0.0)
    return tuple(out)


def _relative(mu_t: float, mu_c: float, v: np.ndarray, level: float, method: str,
              crit: float | None = None) -> Relative | None:
    if mu_c == 0.0 or not math.isfinite(mu_c):
        return None
    g = np.array([1.0 / mu_c, -mu_t / mu_c / mu_c])
    var = float(g @ v @ g)
    value = mu_t / mu_c - 1.0
    if not (math.isfinite(var) and math.isfinite(value)):
        return None
    se = math.sqrt(max(var, 0.0))
    if method == "fieller":
        lo, hi = fieller(mu_t, mu_c, v[0, 0], v[1, 1], v[0, 1], level, crit)
        return Relative(value=value, se=se, ci=(float(lo) - 1.0, float(hi) - 1.0))
    if method != "delta":
        raise MethodError(f"relative interval {method!r}: use 'delta' or 'fieller'")
    q = z_critical(level) if crit is None else crit
    return Relative(value=value, se=se, ci=(value - q * se, value + q * se))


def fieller(a: float, b: float, v_aa: float, v_bb: float, v_ab: float, level: float,
            crit: float | None = None) -> tuple[float, float]:
    """Fieller's (1954) interval for the ratio ``a / b`` of two jointly normal estimates.

    The set of ``rho`` with ``(a - rho b)^2 <= z^2 (v_aa - 2 rho v_ab + rho^2 v_bb)``. It is a
    bounded interval when ``b`` is significantly away from 0 (``b^2 > z^2 v_bb``); otherwise the
    ratio is not bounded and ``(-inf, inf)`` is returned. ``crit`` replaces the normal critical
    value ``z`` (e.g. by Welch's t quantile for means).
    """
    z2 = (z_critical(level) if crit is None else crit) ** 2
    qa = b * b - z2 * v_bb
    qb = a * b - z2 * v_ab
    qc = a * a - z2 * v_aa
    disc = qb * qb - qa * qc
    if qa <= 0.0 or disc < 0.0:
        return (-math.inf, math.inf)
    root = math.sqrt(disc)
    return ((qb - root) / qa, (qb + root) / qa)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ArmSummary(_ToDict):
    """One arm's (CUPED-adjusted) metric value and its sampling variance, for the Bayesian readout."""

    label: Any
    n: int
    value: float
    variance: float


def arm_summaries(metric: Metric, arms: dict[Any, Moments]) -> list[ArmSummary]:
    """Every arm's metric, adjusted to the pooled covariate mean with ``theta`` pooled over all arms.

    The variance treats the pooled covariate mean as fixed (its noise is shared by all arms and
    cancels in every difference).
    """
    has_cov = bool(metric.covariates)
    ddof = 0 if (metric.kind == "proportion" and not has_cov) else 1
    lin = {label: _linearise(metric, m, ddof) for label, m in arms.items()}
    theta = pooled_theta(metric, list(lin.values())) if has_cov else np.zeros(0)
    kt = _selector(metric, theta)
    n_all = sum(a.n for a in lin.values())
    x_pool = sum(a.n * a.x_mean for a in lin.values()) / n_all if has_cov else np.zeros(0)
    out = []
    for label, a in lin.items():
        value = a.value - float(theta @ (a.x_mean - x_pool)) if has_cov else a.value
        h = a.gradient - kt
        out.append(ArmSummary(label=label, n=a.n, value=value, variance=float(h @ a.cov @ h / a.n)))
    return out
