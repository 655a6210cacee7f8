"""Normal-theory intervals, p-values and the delta method for relative lift.

Every estimator in truelift reduces to a pair of potential-outcome means for the estimand's
population, ``mu1`` (under treatment) and ``mu0`` (under control, the *baseline*), with their
2x2 sampling covariance. From that pair:

* effect ``tau = mu1 - mu0``, ``Var(tau) = V11 + V00 - 2 V10``;
* relative lift ``r = mu1 / mu0 - 1`` with the delta method (Oehlert 1992):
  gradient ``g = (1 / mu0, -mu1 / mu0**2)``, ``Var(r) = g' V g``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

from truelift.errors import MethodError
from truelift.schema import Diagnostic, Estimate, Relative


def z_critical(level: float) -> float:
    """Two-sided standard-normal critical value for a ``level`` interval (1.96 at 0.95)."""
    if not (0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return float(ndtri(0.5 + level / 2.0))


def normal_ci(value: float, se: float, level: float) -> tuple[float, float]:
    """Wald interval ``value ± z * se``."""
    z = z_critical(level)
    return (value - z * se, value + z * se)


def normal_pvalue(value: float, se: float, null: float = 0.0) -> float:
    """Two-sided p-value of ``(value - null) / se`` against N(0, 1); 1 when se is 0 and value = null."""
    if se == 0.0:
        return 1.0 if value == null else 0.0
    return float(2.0 * ndtr(-abs((value - null) / se)))


def relative_lift(
    mu1: float, mu0: float, cov: np.ndarray, level: float
) -> Relative | None:
    """Relative lift ``mu1 / mu0 - 1`` with a delta-method interval; None when mu0 is 0."""
    if mu0 == 0.0 or not math.isfinite(mu0):
        return None
    g = np.array([1.0 / mu0, -mu1 / mu0**2])
    var = float(g @ cov @ g)
    se = math.sqrt(max(var, 0.0))
    value = mu1 / mu0 - 1.0
    return Relative(value=value, se=se, ci=normal_ci(value, se, level))


def effect_from_means(
    *,
    outcome: str,
    estimand: str,
    method: str,
    mu1: float,
    mu0: float,
    cov: np.ndarray,
    level: float,
    se_kind: str,
    n_treated: int,
    n_control: int,
    diagnostics: tuple[Diagnostic, ...] = (),
) -> Estimate:
    """Build an :class:`Estimate` from the two potential-outcome means and their covariance."""
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (2, 2):
        raise ValueError("cov must be 2x2 (order: mu1, mu0)")
    value = float(mu1 - mu0)
    var = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    if not (math.isfinite(value) and math.isfinite(var)):
        raise MethodError(f"{method}: the estimate of {outcome!r} is not finite; propensity scores "
                          "of (nearly) 0 or 1 leave no overlap between the arms (trim with "
                          "trim='crump', or drop the covariate that separates them)")
    se = math.sqrt(max(var, 0.0))
    return Estimate(
        outcome=outcome,
        estimand=estimand,
        method=method,
        value=value,
        se=se,
        ci=normal_ci(value, se, level),
        level=level,
        pvalue=normal_pvalue(value, se),
        se_kind=se_kind,
        n_treated=int(n_treated),
        n_control=int(n_control),
        mean_treated=float(mu1),
        baseline=float(mu0),
        relative=relative_lift(float(mu1), float(mu0), cov, level),
        diagnostics=diagnostics,
    )


def p_phrase(p: float) -> str:
    """A p-value as a message says it: ``"p < 0.001"`` below 0.001, else ``"p = 0.042"``
    (never in scientific notation)."""
    if math.isnan(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"
