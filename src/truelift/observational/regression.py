"""Outcome regression (g-computation), with stacked-estimating-equation standard errors.

Fit ``m_a(x) = g^{-1}(x' beta_a)`` separately in each arm ``a`` (OLS, or logistic for 0/1
outcomes), then average the predictions over the estimand's population ``P`` (everyone for ATE,
the treated for ATT, the controls for ATC): ``mu_a = mean_{i in P} m_a(x_i)``, effect
``mu1 - mu0`` (Robins 1986; "regression adjustment", Stata's ``teffects ra``).

Standard errors stack the mean equation ``pi_i (m_a(x_i) - mu_a)`` (``pi_i`` = 1 if i is in P)
with the GLM score ``1{T_i = a} x_i (y_i - m_a(x_i))``. The influence value of ``mu_a`` is

    phi_i = [pi_i (m_a(x_i) - mu_a) + A_a H_a^{-1} s_i] / mean(pi),
    A_a = mean(pi g'(eta) x),  H_a = mean(1{T=a} g'(eta) x x'),

which is the sandwich (M-estimation) variance of statsmodels' ``TreatmentEffect.ra``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from truelift.data.prepare import Prepared
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence, effect_from_means
from truelift.observational.base import Fit, Progress
from truelift.observational.outcome_models import fit_glm, resolve, standardized_design
from truelift.observational.propensity import FittedPropensity
from truelift.results import Diagnostic, Status


def regression_influence(
    design: np.ndarray, y: np.ndarray, t: np.ndarray, estimand: str, kind: str
) -> tuple[float, float, np.ndarray, bool]:
    """``(mu1, mu0, n x 2 influence values, converged)`` of g-computation with per-arm GLMs."""
    tb = t.astype(bool)
    pop = {"ATE": np.ones_like(tb), "ATT": tb, "ATC": ~tb}[estimand].astype(float)
    n = y.shape[0]
    mus: list[float] = []
    phis: list[np.ndarray] = []
    converged = True
    for arm in (True, False):
        in_arm = tb == arm
        fit = fit_glm(design[in_arm], y[in_arm], kind)
        converged &= fit.converged
        m = fit.mean(design)
        mu = float((pop * m).sum() / pop.sum())
        gprime = fit.mean_derivative(design)
        a = ((pop * gprime)[:, None] * design).mean(axis=0)
        h = ((in_arm * gprime)[:, None] * design).T @ design / n
        score = design * (in_arm * (y - m))[:, None]
        phi = (pop * (m - mu) + score @ np.linalg.solve(h, a)) / pop.mean()
        mus.append(mu)
        phis.append(phi)
    return mus[0], mus[1], np.column_stack(phis), converged


@dataclasses.dataclass(frozen=True, slots=True)
class Regression:
    """g-computation with one outcome model per arm (``outcome_model``: auto, linear, logistic)."""

    outcome_model: str = "auto"
    name: ClassVar[str] = "regression"
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
        """Regression adjustment of every outcome; the propensity is not used."""
        design = standardized_design(data.x)
        estimates = []
        for name in data.roles.outcomes:
            kind = resolve(self.outcome_model, data.binary[name])
            if kind == "gbm":
                raise MethodError("outcome regression takes a linear or logistic model; "
                                  "use AIPW for a boosted outcome model")
            mu1, mu0, phi, converged = regression_influence(design, data.y[name], data.t,
                                                            estimand, kind)
            diags: tuple[Diagnostic, ...] = ()
            if not converged:
                diags = (Diagnostic(
                    name="outcome_model_converged", value=0.0, status=Status.WARN,
                    message=f"the {kind} outcome model for {name!r} did not converge "
                            "(separation?); its estimate may be unstable"),)
            estimates.append(effect_from_means(
                outcome=name, estimand=estimand, method=self.name, mu1=mu1, mu0=mu0,
                cov=covariance_from_influence(phi), level=level, se_kind="sandwich",
                n_treated=data.n_treated, n_control=data.n_control, diagnostics=diags))
        return Fit(method=self.name, estimand=estimand, estimates=tuple(estimates),
                   weights=None)
