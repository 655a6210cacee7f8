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
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


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
