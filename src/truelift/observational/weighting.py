"""Inverse propensity weighting, normalized (Hájek), with influence-function standard errors.

Potential-outcome means for the estimand's population, with ``e = e(x)``:

* ATE: ``mu1 = sum T Y / e / sum T / e``, ``mu0 = sum (1-T) Y / (1-e) / sum (1-T) / (1-e)``;
* ATT: ``mu1 = mean(Y | T=1)``, ``mu0 = sum (1-T) w Y / sum (1-T) w`` with ``w = e / (1-e)``;
* ATC: ``mu0 = mean(Y | T=0)``, ``mu1 = sum T w Y / sum T w`` with ``w = (1-e) / e``.

The effect is ``mu1 - mu0`` (Hirano, Imbens & Ridder 2003; Hájek 1971 normalization; the ATT
weights of Imbens 2004). Each mean solves ``sum_i w_i (Y_i - mu) = 0``; its influence function
is ``w_i (Y_i - mu) / mean(w)``. When the propensity is a logistic regression, the term from
estimating it is added by stacking its score equations (Lunceford & Davidian 2004), so the
standard error is the one of statsmodels' ``TreatmentEffect.ipw`` (a GMM fit of the same
equations); for the penalized logistic fit that the default chooses most often, the penalty
enters the sandwich at its chosen value. With a cross-fitted boosted propensity no such term
exists and the plain influence function is used (se_kind says so).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from truelift.data.prepare import Prepared
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence, effect_from_means
from truelift.inference.influence import logistic_score_correction
from truelift.observational.base import Fit, Progress
from truelift.observational.overlap import balancing_weights
from truelift.observational.propensity import FittedPropensity


def _weights_and_derivatives(
    e: np.ndarray, t: np.ndarray, estimand: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row weights of mu1 and mu0, and d(weight)/d(linear predictor) for each."""
    tf = t.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if estimand == "ATE":
            w1, w0 = tf / e, (1 - tf) / (1 - e)
            d1, d0 = -tf * (1 - e) / e, (1 - tf) * e / (1 - e)
        elif estimand == "ATT":
            w1, w0 = tf, (1 - tf) * e / (1 - e)
            d1, d0 = np.zeros_like(tf), w0
        elif estimand == "ATC":
            w1, w0 = tf * (1 - e) / e, 1 - tf
            d1, d0 = -w1, np.zeros_like(tf)
        elif estimand == "ATO":                  # overlap weights (Li, Morgan & Zaslavsky 2018)
            w1, w0 = tf * (1 - e), (1 - tf) * e
            d1, d0 = -tf * e * (1 - e), (1 - tf) * e * (1 - e)
        else:
            raise ValueError(f"unknown estimand {estimand!r}")
    return w1, w0, d1, d0


def ipw_influence(
    y: np.ndarray, t: np.ndarray, propensity: FittedPropensity, estimand: str,
    design: np.ndarray | None = None,
) -> tuple[float, float, np.ndarray]:
    """Hájek IPW means ``(mu1, mu0)`` and their ``n x 2`` influence values.

    ``design`` is the logistic propensity's ``[1, z]`` (built from ``propensity.z`` when not
    given); its score equations correct the influence values.
    """
    e = propensity.scores
    w1, w0, d1, d0 = _weights_and_derivatives(e, t, estimand)
    if not (np.isfinite(w1).all() and np.isfinite(w0).all()):
        raise MethodError("ipw: propensity scores of exactly 0 or 1 give infinite weights; the "
                          "arms do not overlap (trim with trim='crump', or drop the covariate "
                          "that separates them)")
    mu1 = float((w1 * y).sum() / w1.sum())
    mu0 = float((w0 * y).sum() / w0.sum())
    psi = np.column_stack([w1 * (y - mu1), w0 * (y - mu0)])
    if design is None and propensity.z is not None:
        design = logistic_design(propensity)
    if design is not None:
        x = design
        a = np.vstack([((d1 * (y - mu1))[:, None] * x).mean(axis=0),
                       ((d0 * (y - mu0))[:, None] * x).mean(axis=0)])
        psi = psi + logistic_score_correction(x, t, e, a, ridge=propensity.ridge)
    phi = psi / np.array([w1.mean(), w0.mean()])
    return mu1, mu0, phi


def logistic_design(propensity: FittedPropensity) -> np.ndarray | None:
    """``[1, z]``: the design at which a logistic propensity solved its score equations."""
    if propensity.z is None:
        return None
    return np.column_stack([np.ones(propensity.z.shape[0]), propensity.z])


@dataclasses.dataclass(frozen=True, slots=True)
class IPW:
    """Normalized inverse propensity weighting (see the module docstring)."""

    name: ClassVar[str] = "ipw"
    estimands: ClassVar[tuple[str, ...]] = ("ATE", "ATT", "ATC")

    def estimate(
        self,
        data: Prepared,
        *,
        estimand: str,
        level: float,
        propensity: FittedPropensity,
        rng: np.random.Generator,
        progress: Progress | None = None,
    ) -> Fit:
        """Hájek IPW of every outcome for ``estimand``; ``rng`` is unused (deterministic)."""
        t = data.t
        design = logistic_design(propensity)
        se_kind = ("influence_function" if design is not None
                   else "influence_function_propensity_fixed")
        estimates = []
        for name in data.roles.outcomes:
            mu1, mu0, phi = ipw_influence(data.y[name], t, propensity, estimand, design)
            estimates.append(effect_from_means(
                outcome=name, estimand=estimand, method=self.name, mu1=mu1, mu0=mu0,
                cov=covariance_from_influence(phi), level=level, se_kind=se_kind,
                n_treated=data.n_treated, n_control=data.n_control))
        weights = balancing_weights(propensity.scores, t, estimand)
        return Fit(method=self.name, estimand=estimand, estimates=tuple(estimates),
                   weights=weights)
