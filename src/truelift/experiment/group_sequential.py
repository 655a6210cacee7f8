"""Group-sequential designs: alpha-spending efficacy boundaries, crossing probabilities, planning
and monitoring.

A test looked at ``K`` times, at information fractions ``0 < t_1 < ... < t_K`` (``t_k = I_k / I_max``,
the share of the maximum sample size seen), reports the canonical statistics ``Z_k = theta_hat_k
/ se_k``. Under the canonical joint distribution (Jennison & Turnbull 2000, ch. 3) the score
``S_k = Z_k sqrt(t_k)`` has independent normal increments, ``S_k - S_{k-1} ~ N(delta (t_k -
t_{k-1}), t_k - t_{k-1})``, with drift ``delta = theta sqrt(I_max)``.

* **Spending** (Lan & DeMets 1983): the error spent by information fraction ``t`` is ``alpha(t)``,
  ``alpha(1) = alpha``. O'Brien–Fleming type: ``alpha(t) = 2 - 2 Phi(z_{1-alpha/2} / sqrt(t))``;
  Pocock type: ``alpha(t) = alpha ln(1 + (e - 1) t)``. A two-sided symmetric test spends
  ``alpha / 2`` on each side with the one-sided function at level ``alpha / 2`` (DeMets & Lan 1994;
  the convention of ``ldbounds`` and ``gsDesign``, whose published boundaries
  4.877, 3.357, 2.680, 2.290, 2.031 for K = 5 and two-sided alpha = 0.05 it reproduces; spending
  the O'Brien–Fleming function at the whole two-sided alpha, both sides together, would instead
  start at 4.383).
* **Boundaries**: ``c_k`` solves ``P_0(first crossing at look k) = alpha(t_k) - alpha(t_{k-1})``,
  look by look.
* **Probabilities** are computed exactly, up to quadrature error (about 1e-6 for a few looks,
  1e-5 for 200), by the recursive numerical integration of Armitage, McPherson & Rowe (1969),
  with the grid and Simpson weights of Jennison & Turnbull (2000, ch. 19): the sub-density of
  ``Z_k`` on the continuation region is carried from look to look.
* **Repeated confidence intervals** (Jennison & Turnbull 2000, ch. 9): ``theta_hat_k ± c_k se_k``
  with the boundaries of the two-sided level-``(1 - level)`` test cover ``theta`` at every look
  simultaneously with probability ``level``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from truelift.errors import MethodError
from truelift.schema.values import _ToDict

KINDS: tuple[str, ...] = ("obrien-fleming", "pocock")
"""The spending functions :func:`spending` knows."""

_SQRT_2PI = math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------- spending functions


def spending(kind: str, t: ArrayLike, alpha: float) -> float | np.ndarray:
    """Cumulative type-I error spent by information fraction ``t`` (Lan & DeMets 1983).

    ``"obrien-fleming"``: ``2 - 2 Phi(z_{1-alpha/2} / sqrt(t))``; ``"pocock"``:
    ``alpha ln(1 + (e - 1) t)``. ``alpha`` is the level the function spends in total (at ``t = 1``);
    :func:`boundaries` calls it with ``alpha / 2`` per side for a two-sided test. Fractions beyond
    1 spend nothing more. Returns a float for a scalar ``t``, else an array.
    """
    _check_alpha(alpha)
    arr = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    if kind == "obrien-fleming":
        with np.errstate(divide="ignore"):
            out = 2.0 - 2.0 * ndtr(ndtri(1.0 - alpha / 2.0) / np.sqrt(arr))
    elif kind == "pocock":
        out = alpha * np.log1p((math.e - 1.0) * arr)
    else:
        raise MethodError(f"unknown spending function {kind!r}; choose one of {', '.join(KINDS)}")
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- result types


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Boundaries(_ToDict):
    """Efficacy boundaries of a group-sequential test.

    Attributes:
        kind: the spending function (``"obrien-fleming"`` or ``"pocock"``).
        alpha: the overall type-I error (two-sided when ``sided == 2``).
        sided: 2 for a symmetric two-sided test (reject when ``|Z_k| >= z_k``), 1 for one-sided
            (reject when ``Z_k >= z_k``).
        fractions: the information fraction of each look.
        z: the critical value per look (``inf`` at a look that has no error left to spend).
        alpha_spent: cumulative type-I error spent by each look (both sides together).
        nominal_p: the nominal p-value that stops the test at each look (two-sided for a
            two-sided test, one-sided for a one-sided one).
    """

    kind: str
    alpha: float
    sided: int
    fractions: tuple[float, ...]
    z: tuple[float, ...]
    alpha_spent: tuple[float, ...]
    nominal_p: tuple[float, ...]

    @property
    def looks(self) -> int:
        """The number of looks."""
        return len(self.fractions)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CrossingProbabilities(_ToDict):
    """Probabilities of first crossing each boundary at each look, at drift ``theta sqrt(I_max)``.

    ``upper[k]`` is ``P(Z_k >= upper bound, no crossing before)``, ``lower[k]`` the same for the
    lower bound (all 0 for a one-sided test).
    """

    drift: float
    fractions: tuple[float, ...]
    upper: tuple[float, ...]
    lower: tuple[float, ...]

    @property
    def total(self) -> float:
        """Probability of crossing at any look (the power; alpha at drift 0)."""
        return float(sum(self.upper) + sum(self.lower))

    @property
    def expected_fraction(self) -> float:
        """Expected sample size as a fraction of the maximum: ``sum_k t_k P(stop at k)``."""
        stop = np.asarray(self.upper) + np.asarray(self.lower)
        t = np.asarray(self.fractions)
        return float(stop[:-1] @ t[:-1] + (1.0 - stop[:-1].sum()) * t[-1])


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Design(_ToDict):
    """A group-sequential design with the maximum information it needs for a given power.

    Attributes:
        boundaries: the efficacy boundaries.
        power: the target power (probability of rejecting at the design drift).
        drift: ``theta sqrt(I_max)`` giving that power.
        fixed_drift: ``z_{1-alpha/sided} + z_{power}``, the drift a fixed-horizon test needs.
        inflation: ``R = I_max / I_fixed = (drift / fixed_drift)**2``.
        expected_fraction_h0, expected_fraction_h1: expected sample size as a fraction of the
            fixed-horizon sample size, under ``theta = 0`` and at the design effect.
        stop_probabilities_h1: probability of stopping (rejecting) at each look at the design effect.
    """

    boundaries: Boundaries
    power: float
    drift: float
    fixed_drift: float
    inflation: float
    expected_fraction_h0: float
    expected_fraction_h1: float
    stop_probabilities_h1: tuple[float, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Look(_ToDict):
    """One interim readout: the statistic against its boundary, and the repeated interval."""

    look: int
    fraction: float
    estimate: float
    se: float
    z: float
    boundary: float
    crossed: bool
    rci: tuple[float, float]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Monitoring(_ToDict):
    """A group-sequential readout: every look so far and the first that crossed.

    ``first_crossing`` is the 1-based number of the first look whose statistic reached its
    boundary (``None`` if none has); ``level`` is the simultaneous coverage of the repeated
    confidence intervals.
    """

    boundaries: Boundaries
    level: float
    looks: tuple[Look, ...]
    first_crossing: int | None


# --------------------------------------------------------------------------- numerical integration


def _grid(mu: float, lo: float, hi: float, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Simpson nodes and weights on ``(lo, hi)`` for a density centred near ``mu``.

    Jennison & Turnbull (2000, section 19.2): ``6r - 1`` points, dense within ``mu ± 3`` and
    spreading out logarithmically to ``mu ± (3 + 4 ln r)``; points outside ``(lo, hi)`` are
    replaced by the end points, and midpoints are added for Simpson's rule.
    """
    i = np.arange(1, 6 * r, dtype=float)
    x = np.where(i < r, -3.0 - 4.0 * np.log(r / i),
                 np.where(i <= 5 * r, -3.0 + 3.0 * (i - r) / (2.0 * r),
                          3.0 + 4.0 * np.log(r / np.maximum(6.0 * r - i, 1.0))))
    x = mu + x
    pts = x[(x > lo) & (x < hi)]
    if lo > x[0]:
        pts = np.concatenate(([lo], pts))
    if hi < x[-1]:
        pts = np.concatenate((pts, [hi]))
    if pts.size < 2:
        return np.empty(0), np.empty(0)
    z = np.empty(2 * pts.size - 1)
    z[0::2] = pts
    z[1::2] = 0.5 * (pts[:-1] + pts[1:])
    d = np.diff(pts)
    w = np.zeros_like(z)
    w[0:-1:2] += d / 6.0
    w[2::2] += d / 6.0
    w[1::2] = 4.0 * d / 6.0
    return z, w


def _grid_sizes(t: np.ndarray) -> np.ndarray:
    """Grid parameter ``r`` per look: the grid of look ``k`` must resolve the transition to look
    ``k + 1``, a normal of sd ``sqrt((t_{k+1} - t_k) / t_k)`` on the ``Z_k`` scale; a Simpson panel
    of at most half that sd keeps the quadrature error below about 1e-5 even for 200 looks (r is
    kept between 18, the grid of Jennison & Turnbull, and 64)."""
    step_sd = np.sqrt(np.diff(t) / t[:-1])
    r = np.ceil(3.0 / np.append(step_sd, np.inf))
    return np.clip(r, 18, 64).astype(int)


class _Recursion:
    """The sub-density of ``Z_k`` on the continuation region, carried look by look."""

    def __init__(self, t: np.ndarray, drift: float) -> None:
        self.t, self.drift, self.r = t, drift, _grid_sizes(t)
        self.k = 0                                 # next look to evaluate
        self.z: np.ndarray | None = None           # nodes of look k - 1
        self.h: np.ndarray | None = None           # weight * sub-density at those nodes

    def _cond_mean(self) -> tuple[np.ndarray, float, float]:
        tp, tk = self.t[self.k - 1], self.t[self.k]
        assert self.z is not None
        return self.z * math.sqrt(tp) + self.drift * (tk - tp), math.sqrt(tk - tp), math.sqrt(tk)

    def exit(self, lo: float, hi: float) -> tuple[float, float]:
        """``P(first crossing above hi)``, ``P(first crossing below lo)`` at look ``k``."""
        if self.k == 0:
            mu = self.drift * math.sqrt(self.t[0])
            return float(ndtr(mu - hi)), float(ndtr(lo - mu))
        assert self.h is not None
        if self.h.size == 0:
            return 0.0, 0.0
        m, s, sk = self._cond_mean()
        return float(self.h @ ndtr((m - hi * sk) / s)), float(self.h @ ndtr((lo * sk - m) / s))

    def advance(self, lo: float, hi: float) -> None:
        """Move to the next look, keeping the sub-density of ``Z_k`` on ``(lo, hi)``."""
        mu = self.drift * math.sqrt(self.t[self.k])
        zn, wn = _grid(mu, lo, hi, int(self.r[self.k]))
        if self.k == 0:
            f = np.exp(-0.5 * (zn - mu) ** 2) / _SQRT_2PI
        elif self.h is None or self.h.size == 0 or zn.size == 0:
            f = np.zeros_like(zn)
        else:
            m, s, sk = self._cond_mean()
            arg = (zn[:, None] * sk - m[None, :]) / s
            f = (np.exp(-0.5 * arg * arg) @ self.h) * (sk / (s * _SQRT_2PI))
        self.z, self.h = zn, wn * f
        self.k += 1


def _crossing(lower: np.ndarray, upper: np.ndarray, t: np.ndarray, drift: float) -> tuple[np.ndarray,
                                                                                          np.ndarray]:
    rec = _Recursion(t, drift)
    up, lo = np.zeros(t.size), np.zeros(t.size)
    for k in range(t.size):
        up[k], lo[k] = rec.exit(lower[k], upper[k])
        if k < t.size - 1:
            rec.advance(lower[k], upper[k])
    return up, lo


def _check_alpha(alpha: float) -> None:
    if not (0.0 < alpha < 1.0):
        raise MethodError(f"alpha must be in (0, 1), got {alpha!r}")


def _check_sided(sided: int) -> None:
    if sided not in (1, 2):
        raise MethodError(f"sided must be 1 or 2, got {sided!r}")


def _fractions(information_fractions: int | Sequence[float] | ArrayLike) -> np.ndarray:
    if isinstance(information_fractions, (int, np.integer)):
        k = int(information_fractions)
        if k < 1:
            raise MethodError(f"looks must be >= 1, got {k}")
        return np.arange(1, k + 1) / k
    t = np.asarray(information_fractions, dtype=float).ravel()
    if t.size == 0 or not np.all(np.isfinite(t)) or t[0] <= 0.0 or np.any(np.diff(t) <= 0.0):
        raise MethodError("information fractions must be finite, > 0 and strictly increasing")
    return t


def crossing_probabilities(z: ArrayLike, fractions: ArrayLike, drift: float, *,
                           sided: int = 2) -> CrossingProbabilities:
    """Probability of first crossing at each look when ``Z_k`` has mean ``drift * sqrt(t_k)``.

    ``z`` are the upper critical values (``inf`` for a look that cannot stop); a two-sided test
    also stops below ``-z``. ``drift = theta sqrt(I_max)``: 0 gives the type-I error spent per
    look, the design drift gives the power (Armitage, McPherson & Rowe 1969; Jennison & Turnbull
    2000, ch. 19).
    """
    _check_sided(sided)
    t = _fractions(fractions)
    c = np.asarray(z, dtype=float).ravel()
    if c.shape != t.shape:
        raise MethodError(f"z has {c.size} values but there are {t.size} information fractions")
    if np.any(np.isnan(c)):
        raise MethodError("z must not contain NaN")
    lower = -c if sided == 2 else np.full(t.size, -np.inf)
    up, lo = _crossing(lower, c, t, float(drift))
    return CrossingProbabilities(drift=float(drift), fractions=tuple(map(float, t)),
                                 upper=tuple(map(float, up)), lower=tuple(map(float, lo)))


# --------------------------------------------------------------------------- boundaries


def boundaries(information_fractions: int | Sequence[float], *, alpha: float = 0.05,
               kind: str = "obrien-fleming", sided: int = 2) -> Boundaries:
    """Efficacy boundaries from an alpha-spending function (Lan & DeMets 1983).

    ``information_fractions`` is the number of equally spaced looks or the fraction of the maximum
    information at each look (strictly increasing; unequal spacing and a last fraction below 1
    are allowed, a look beyond 1 spends nothing more). Look ``k`` spends ``alpha(t_k) -
    alpha(t_{k-1})``: ``c_k`` solves ``P_0(|Z_k| >= c_k, |Z_j| < c_j for j < k)`` equal to it (one
    side only when ``sided == 1``), with the probabilities computed by recursive numerical
    integration (Jennison & Turnbull 2000, ch. 7 and 19). A two-sided test spends ``alpha / 2`` per
    side with the one-sided function at level ``alpha / 2`` (DeMets & Lan 1994).
    """
    _check_alpha(alpha)
    _check_sided(sided)
    if kind not in KINDS:
        raise MethodError(f"unknown spending function {kind!r}; choose one of {', '.join(KINDS)}")
    t = _fractions(information_fractions)
    side_alpha = alpha / sided
    cum_side = np.atleast_1d(spending(kind, t, side_alpha))
    inc_side = np.diff(np.concatenate(([0.0], cum_side)))
    rec = _Recursion(t, 0.0)
    c = np.empty(t.size)
    spent = np.empty(t.size)
    total = 0.0

    def lower_of(b: float) -> float:
        return -b if sided == 2 else -np.inf

    for k in range(t.size):
        target = inc_side[k]
        if target <= 1e-15:
            c[k] = np.inf
        elif k == 0:
            c[k] = float(ndtri(1.0 - target))
        else:
            def excess(b: float, target: float = target) -> float:
                return rec.exit(lower_of(b), b)[0] - target

            lo_b = 0.0 if sided == 2 else -10.0
            c[k] = brentq(excess, lo_b, 40.0, xtol=1e-12, rtol=1e-12) if excess(lo_b) > 0 else lo_b
        up, dn = rec.exit(lower_of(c[k]), c[k])
        total += up + dn
        spent[k] = total
        if k < t.size - 1:
            rec.advance(lower_of(c[k]), c[k])
    nominal = np.where(np.isfinite(c), sided * ndtr(-c), 0.0)
    return Boundaries(kind=kind, alpha=float(alpha), sided=sided, fractions=tuple(map(float, t)),
                      z=tuple(map(float, c)), alpha_spent=tuple(map(float, spent)),
                      nominal_p=tuple(map(float, nominal)))


# --------------------------------------------------------------------------- design


def fixed_drift(alpha: float, power: float, sided: int = 2) -> float:
    """Drift a fixed-horizon z-test needs: ``z_{1-alpha/sided} + z_{power}``."""
    return float(ndtri(1.0 - alpha / sided) + ndtri(power))


def drift_for_power(z: ArrayLike, fractions: ArrayLike, power: float, *, sided: int = 2,
                    alpha: float = 0.05) -> float:
    """The drift ``theta sqrt(I_max)`` at which boundaries ``z`` reject with probability ``power``.

    Solved by secant steps on ``Phi^{-1}(power(drift))``, nearly linear in the drift, from the
    fixed-horizon drift for ``alpha`` (only a starting point); Brent's method on a bracket if the
    secant steps fail.
    """
    if not (0.0 < power < 1.0):
        raise MethodError(f"power must be in (0, 1), got {power!r}")
    _check_sided(sided)
    t = _fractions(fractions)
    c = np.asarray(z, dtype=float).ravel()
    lower = -c if sided == 2 else np.full(t.size, -np.inf)

    def probit_gap(d: float) -> float:
        up, lo = _crossing(lower, c, t, d)
        return float(ndtri(min(float(up.sum() + lo.sum()), 1.0 - 1e-15))) - goal

    goal = float(ndtri(power))
    # the probit of the power is nearly linear in the drift (exactly so for one look): secant steps
    d0 = fixed_drift(min(alpha, 0.5), power, sided)
    d1 = d0 * 1.1
    g0, g1 = probit_gap(d0), probit_gap(d1)
    for _ in range(30):
        if not (math.isfinite(g0) and math.isfinite(g1)) or g1 == g0:
            break
        d0, g0, d1 = d1, g1, d1 - g1 * (d1 - d0) / (g1 - g0)
        if not (0.0 < d1 < 1e3):
            break
        g1 = probit_gap(d1)
        if abs(d1 - d0) < 1e-9 * max(1.0, d1) or abs(g1) < 1e-12:
            return float(d1)
    # fallback: bracket the root and bisect with Brent's method
    if probit_gap(0.0) >= 0.0:
        raise MethodError("power must exceed the type-I error the boundaries spend")
    lo_d, hi_d = 0.0, 1.0
    while probit_gap(hi_d) < 0.0:
        lo_d, hi_d = hi_d, hi_d * 2.0
        if hi_d > 1e3:
            raise MethodError("these boundaries cannot reach the requested power")
    return float(brentq(probit_gap, lo_d, hi_d, xtol=1e-10, rtol=1e-12))


def design(looks: int | Sequence[float] = 5, *, alpha: float = 0.05, power: float = 0.8,
           kind: str = "obrien-fleming", sided: int = 2) -> Design:
    """Boundaries and the maximum information a group-sequential test needs for ``power``.

    ``looks``: number of equally spaced looks or the information fractions. The inflation factor
    is ``R = I_max / I_fixed = (delta / (z_{1-alpha/sided} + z_{power}))**2`` where the drift
    ``delta`` makes the total crossing probability equal ``power`` (Jennison & Turnbull 2000,
    ch. 2 and 7). Expected sample sizes are ``R sum_k t_k P(stop at k)`` in units of the fixed
    sample size, under ``theta = 0`` and at the design effect.
    """
    b = boundaries(looks, alpha=alpha, kind=kind, sided=sided)
    delta = drift_for_power(b.z, b.fractions, power, sided=sided, alpha=alpha)
    df = fixed_drift(alpha, power, sided)
    inflation = (delta / df) ** 2
    h0 = crossing_probabilities(b.z, b.fractions, 0.0, sided=sided)
    h1 = crossing_probabilities(b.z, b.fractions, delta, sided=sided)
    stop = tuple(float(u + lo) for u, lo in zip(h1.upper, h1.lower, strict=True))
    return Design(boundaries=b, power=float(power), drift=delta, fixed_drift=df,
                  inflation=float(inflation),
                  expected_fraction_h0=float(inflation * h0.expected_fraction),
                  expected_fraction_h1=float(inflation * h1.expected_fraction),
                  stop_probabilities_h1=stop)


# --------------------------------------------------------------------------- monitoring


def monitor(estimates: ArrayLike, ses: ArrayLike, information_fractions: ArrayLike, *,
            alpha: float = 0.05, kind: str = "obrien-fleming", sided: int = 2,
            level: float = 0.95) -> Monitoring:
    """Read out the looks so far of a group-sequential test.

    At look ``k`` the statistic ``z_k = estimate_k / se_k`` is compared with the spending boundary
    ``c_k`` at the observed information fractions (so unplanned timing is handled, Lan & DeMets
    1983); ``crossed`` is ``|z_k| >= c_k`` (``z_k >= c_k`` one-sided). The repeated confidence
    interval is ``estimate_k ± c'_k se_k`` with ``c'_k`` the boundaries of the two-sided test at
    ``1 - level`` (Jennison & Turnbull 2000, ch. 9): all of them cover the effect simultaneously
    with probability ``level``, however the looks turn out.
    """
    est = np.asarray(estimates, dtype=float).ravel()
    se = np.asarray(ses, dtype=float).ravel()
    t = _fractions(information_fractions)
    if not (est.size == se.size == t.size):
        raise MethodError("estimates, ses and information fractions must have the same length")
    if not (np.all(np.isfinite(est)) and np.all(np.isfinite(se)) and np.all(se > 0)):
        raise MethodError("estimates must be finite and ses finite and > 0")
    if not (0.0 < level < 1.0):
        raise MethodError(f"level must be in (0, 1), got {level!r}")
    b = boundaries(t, alpha=alpha, kind=kind, sided=sided)
    ci_b = b if (sided == 2 and math.isclose(1.0 - level, alpha)) else boundaries(
        t, alpha=1.0 - level, kind=kind, sided=2)
    looks = []
    first = None
    for k in range(t.size):
        z = float(est[k] / se[k])
        crossed = bool((abs(z) if sided == 2 else z) >= b.z[k])
        if crossed and first is None:
            first = k + 1
        half = ci_b.z[k] * se[k]
        looks.append(Look(look=k + 1, fraction=float(t[k]), estimate=float(est[k]),
                          se=float(se[k]), z=z, boundary=b.z[k], crossed=crossed,
                          rci=(float(est[k] - half), float(est[k] + half))))
    return Monitoring(boundaries=b, level=float(level), looks=tuple(looks), first_crossing=first)
