"""Always-valid inference: the normal-mixture confidence sequence and its p-value.

For an asymptotically normal estimate ``theta_hat`` of a lift with sampling variance ``v`` (which
shrinks as users arrive), the mixture likelihood ratio against ``theta = theta0`` with a
``N(theta0, tau2)`` mixing distribution is (Robbins 1970; Johari, Koomen, Pekelis & Walsh 2022,
the mSPRT)::

    Lambda = sqrt(v / (v + tau2)) * exp(tau2 * (theta_hat - theta0)**2 / (2 v (v + tau2)))

``Lambda`` is a nonnegative martingale under the null, so by Ville's inequality
``P(sup_t Lambda_t >= 1/alpha) <= alpha``: rejecting whenever ``Lambda >= 1/alpha`` keeps the
false-positive rate at ``alpha`` however often one looks. Inverting it gives the confidence
sequence ``theta_hat ± halfwidth(v)`` with::

    halfwidth(v)**2 = v (v + tau2) / tau2 * (2 log(1/alpha) + log((v + tau2) / v))

(Howard, Ramdas, McAuliffe & Sekhon 2021, eq. (14), the normal mixture; Waudby-Smith et al. 2024
show it holds asymptotically for any asymptotically linear estimator, CUPED included).

Over a sequence of looks ``t = 1, 2, ...`` (Johari et al. 2022; Howard et al. 2021)::

    p_t = min(1, min_{s <= t} 1 / Lambda_s)                     the always-valid p-value
    CS_t = intersection_{s <= t} [theta_hat_s - halfwidth(v_s), theta_hat_s + halfwidth(v_s)]

Both are valid simultaneously over all looks: ``P(exists t: p_t <= alpha) <= alpha`` and
``P(for all t: theta in CS_t) >= 1 - alpha``. They are dual: ``p_t <= alpha`` exactly when
``theta0`` lies outside ``CS_t`` (outside the look-``s`` interval for some ``s <= t``). The running
intersection is what :func:`confidence_sequence` reports; it may come out empty
(``lower > upper``), which under the model happens with probability at most ``alpha`` and signals
that the estimates drift more than sampling noise allows (a lift that changes over time, or a
variance that is too small).

The mixing variance ``tau2`` must be fixed before the test starts (typically
``optimal_tau2`` of the variance planned at the horizon); choosing it from the data seen so far
and recomputing the path at every look forfeits the guarantee.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import ArrayLike

from truelift.errors import MethodError
from truelift.schema.values import _ToDict


def halfwidth(variance: ArrayLike, alpha: float, tau2: float) -> np.ndarray:
    """Half-width of the two-sided normal-mixture confidence sequence at estimate variance ``v``."""
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if not (tau2 > 0.0):
        raise ValueError(f"tau2 must be > 0, got {tau2!r}")
    v = np.asarray(variance, dtype=float)
    return np.sqrt(v * (v + tau2) / tau2 * (2.0 * math.log(1.0 / alpha) + np.log((v + tau2) / v)))


def optimal_tau2(variance_at_horizon: float, alpha: float) -> float:
    """The mixing variance ``tau2`` that makes the sequence tightest at variance ``v*``.

    With ``r = tau2 / v*``, ``halfwidth**2 = v* (1 + 1/r) (2 log(1/alpha) + log(1 + r))``; the
    minimiser solves ``r = 2 log(1/alpha) + log(1 + r)``, found by bisection (Howard et al. 2021,
    section 3.5: choose the mixture to be tightest at a planned sample size).
    """
    if not (variance_at_horizon > 0.0):
        raise ValueError(f"variance_at_horizon must be > 0, got {variance_at_horizon!r}")
    a = 2.0 * math.log(1.0 / alpha)
    # d/dr [(1 + 1/r)(a + log(1 + r))] = 0  <=>  r - (a + log(1 + r)) = 0   (multiply by r^2)
    lo, hi = 1e-9, 1e9
    for _ in range(200):  # bisection (in log r) on g(r) = r - a - log(1 + r), increasing in r
        mid = math.sqrt(lo * hi)
        if mid - a - math.log1p(mid) > 0.0:
            hi = mid
        else:
            lo = mid
    return float(math.sqrt(lo * hi) * variance_at_horizon)


def _check_alpha(alpha: float) -> None:
    if not (0.0 < alpha < 1.0):
        raise MethodError(f"alpha must be in (0, 1), got {alpha!r}")


def _check_tau2(tau2: float) -> None:
    if not (math.isfinite(tau2) and tau2 > 0.0):
        raise MethodError(f"tau2 must be finite and > 0, got {tau2!r}")


def _looks(estimates: ArrayLike, variances: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays of estimates and variances, looks along the last axis."""
    est = np.asarray(estimates, dtype=float)
    var = np.asarray(variances, dtype=float)
    if est.ndim == 0 or var.ndim == 0:
        raise MethodError("estimates and variances must be sequences of looks, not scalars")
    if est.shape != var.shape:
        raise MethodError(f"estimates and variances must have the same shape, got {est.shape} and "
                          f"{var.shape}")
    if est.shape[-1] == 0:
        raise MethodError("at least one look is needed")
    if not np.all(np.isfinite(est)):
        raise MethodError("estimates must be finite")
    if not np.all(np.isfinite(var) & (var > 0.0)):
        raise MethodError("variances must be finite and > 0")
    return est, var


def mixture_log_likelihood_ratio(
    estimates: ArrayLike, variances: ArrayLike, *, tau2: float, null: float = 0.0
) -> np.ndarray:
    """``log Lambda`` at each look, the normal-mixture likelihood ratio against ``theta = null``.

    ``log Lambda = (log v - log(v + tau2)) / 2 + tau2 (theta_hat - null)**2 / (2 v (v + tau2))``
    (Robbins 1970; Johari et al. 2022, the mSPRT with a normal mixture), computed on the log
    scale so a large ``z`` never overflows. Looks run along the last axis; leading axes
    (replications) broadcast.
    """
    est, var = _looks(estimates, variances)
    _check_tau2(tau2)
    if not math.isfinite(null):
        raise MethodError(f"null must be finite, got {null!r}")
    d = est - null
    return 0.5 * (np.log(var) - np.log(var + tau2)) + tau2 * d * d / (2.0 * var * (var + tau2))


def confidence_sequence(
    estimates: ArrayLike, variances: ArrayLike, *, alpha: float = 0.05, tau2: float
) -> tuple[np.ndarray, np.ndarray]:
    """The running-intersection normal-mixture confidence sequence over a sequence of looks.

    ``estimates[t]`` is the lift estimated at look ``t`` and ``variances[t]`` its sampling
    variance, in time order (looks along the last axis; leading axes broadcast, e.g. one row per
    replication). At each look the interval is ``theta_hat_t ± halfwidth(v_t)`` with
    ``halfwidth(v)**2 = v (v + tau2) / tau2 * (2 log(1/alpha) + log((v + tau2) / v))``
    (Howard et al. 2021, eq. (14)). A confidence sequence stays valid when intersected over time
    (the event "theta in CS_t for all t" is unchanged by it), so the bounds returned are the
    running intersection::

        lower_t = max_{s <= t} (theta_hat_s - halfwidth(v_s)),  upper_t = min_{s <= t} (...)

    which cover the lift at every look at once with probability at least ``1 - alpha``. The
    intersection may be empty (``lower_t > upper_t``); see the module docstring.

    Returns:
        ``(lower, upper)``, float arrays of the shape of ``estimates``.
    """
    est, var = _looks(estimates, variances)
    _check_alpha(alpha)
    _check_tau2(tau2)
    hw = halfwidth(var, alpha, tau2)
    lower = np.maximum.accumulate(est - hw, axis=-1)
    upper = np.minimum.accumulate(est + hw, axis=-1)
    return lower, upper


def always_valid_pvalue(
    estimates: ArrayLike, variances: ArrayLike, *, tau2: float, null: float = 0.0
) -> np.ndarray:
    """The always-valid p-value ``p_t = min(1, min_{s <= t} 1 / Lambda_s)`` at each look.

    ``Lambda`` is the normal-mixture likelihood ratio of the module docstring (Johari, Koomen,
    Pekelis & Walsh 2022, "Always valid inference", Operations Research 70(3));
    ``p_t = exp(-max(0, max_{s <= t} log Lambda_s))`` is computed on the log scale. It never
    increases over looks, and rejecting the first time ``p_t <= alpha`` keeps the
    false-positive rate at ``alpha`` under continuous monitoring.
    """
    log_lr = mixture_log_likelihood_ratio(estimates, variances, tau2=tau2, null=null)
    return np.exp(-np.maximum.accumulate(np.maximum(log_lr, 0.0), axis=-1))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SequentialLook(_ToDict):
    """One interim look at an A/B test: the fixed-horizon and the always-valid readouts side by side.

    Attributes:
        n: users so far (both arms).
        estimate: the lift estimated at this look.
        se: its standard error.
        ci: the naive (fixed-horizon) interval ``estimate ± z_{1 - alpha/2} se``, valid at this
            look only if it is the only look.
        cs: the confidence sequence at this look (running intersection, valid at every look at
            once); may be empty (``cs[0] > cs[1]``), see the module docstring.
        pvalue_naive: the two-sided z-test p-value, ``2 Phi(-|estimate| / se)``.
        pvalue_always_valid: ``min(1, min_{s <= t} 1 / Lambda_s)``.
        level: ``1 - alpha``, the coverage of ``ci`` and ``cs``.
        tau2: the mixing variance of the sequence.
    """

    n: int
    estimate: float
    se: float
    ci: tuple[float, float]
    cs: tuple[float, float]
    pvalue_naive: float
    pvalue_always_valid: float
    level: float
    tau2: float

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"n must be >= 0, got {self.n!r}")
        if not (math.isfinite(self.se) and self.se >= 0.0):
            raise ValueError(f"se must be finite and >= 0, got {self.se!r}")
        for name in ("pvalue_naive", "pvalue_always_valid"):
            p = getattr(self, name)
            if not (0.0 <= p <= 1.0):
                raise ValueError(f"{name} must be in [0, 1], got {p!r}")
        if not (self.ci[0] <= self.ci[1]):
            raise ValueError(f"ci lower {self.ci[0]!r} > upper {self.ci[1]!r}")
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))
        object.__setattr__(self, "cs", (float(self.cs[0]), float(self.cs[1])))


def sequential_path(
    ns: ArrayLike,
    estimates: ArrayLike,
    variances: ArrayLike,
    *,
    alpha: float = 0.05,
    tau2: float | None = None,
    horizon_variance: float | None = None,
) -> tuple[SequentialLook, ...]:
    """The readout at every look: naive interval and p-value next to the always-valid ones.

    ``ns``, ``estimates`` and ``variances`` are 1-D, one entry per look in time order. When
    ``tau2`` is None it is ``optimal_tau2(horizon_variance, alpha)``, the mixture tightest at the
    planned horizon (Howard et al. 2021, section 3.5); without ``horizon_variance`` the last
    look's variance stands in, which suits a retrospective path but not live monitoring (the
    mixture must not depend on the data; see the module docstring).
    """
    from scipy.special import ndtr, ndtri

    est, var = _looks(estimates, variances)
    if est.ndim != 1:
        raise MethodError(f"sequential_path takes 1-D looks, got shape {est.shape}")
    n = np.asarray(ns)
    if n.shape != est.shape:
        raise MethodError(f"ns must have one entry per look ({est.size}), got shape {n.shape}")
    if not (np.issubdtype(n.dtype, np.integer) or np.all(np.isfinite(n) & (n == np.round(n)))):
        raise MethodError("ns must be whole numbers of users")
    n = n.astype(np.int64)
    if np.any(n < 0) or np.any(np.diff(n) < 0):
        raise MethodError("ns must be >= 0 and non-decreasing (looks in time order)")
    _check_alpha(alpha)
    if tau2 is None:
        v_star = var[-1] if horizon_variance is None else horizon_variance
        if not (math.isfinite(v_star) and v_star > 0.0):
            raise MethodError(f"horizon_variance must be finite and > 0, got {horizon_variance!r}")
        tau2 = optimal_tau2(float(v_star), alpha)
    _check_tau2(tau2)

    se = np.sqrt(var)
    z = float(ndtri(1.0 - alpha / 2.0))
    p_naive = np.minimum(1.0, 2.0 * ndtr(-np.abs(est) / se))
    lower, upper = confidence_sequence(est, var, alpha=alpha, tau2=tau2)
    p_av = always_valid_pvalue(est, var, tau2=tau2)
    return tuple(
        SequentialLook(
            n=int(n[t]),
            estimate=float(est[t]),
            se=float(se[t]),
            ci=(float(est[t] - z * se[t]), float(est[t] + z * se[t])),
            cs=(float(lower[t]), float(upper[t])),
            pvalue_naive=float(p_naive[t]),
            pvalue_always_valid=float(p_av[t]),
            level=1.0 - alpha,
            tau2=float(tau2),
        )
        for t in range(est.size)
    )
