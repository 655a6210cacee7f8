"""Calibration weights: entropy balancing and overlap weights.

**Entropy balancing** (Hainmueller 2012, *Political Analysis* 20). The comparison arm's units get
the weights closest to uniform (in Kullback-Leibler divergence) whose weighted covariate means
equal the target population's exactly: ``w_i ∝ exp(λ' c_i)``, with ``λ`` solving
``sum_i w_i (c_i - m) = 0``, the dual of the convex problem ``min_λ log sum_i exp(λ' (c_i - m))``
(Newton's method). ``c`` are the standardized covariates and ``m`` the target means: the
treated's for the ATT, the controls' for the ATC (the treated arm is reweighted), and the whole
sample's for the ATE (both arms reweighted). The estimate is the difference of the weighted
outcome means. Entropy balancing is doubly robust: consistent if the propensity is logistic in
``c`` or the outcome is linear in ``c`` (Zhao & Percival 2017, *J. Causal Inference* 5).

Standard error: the weights, the target means and the outcome means solve one stack of
estimating equations (per unit ``i``, for a reweighted arm ``a`` with indicator ``A_i``)::

    ψ_m  = P_i (c_i - m)                      (target means, P_i = 1 in the target population)
    ψ_λ  = A_i exp(λ' c_i) (c_i - m)          (exact balance)
    ψ_μa = A_i exp(λ' c_i) (Y_i - μ_a)        (weighted outcome mean)

and the sandwich ``A^{-1} B A^{-T} / n`` of the stack (Stefanski & Boos 2002) is the SE, with
the analytic Jacobian; an arm that is not reweighted contributes ``ψ = 1[arm] (Y_i - μ)``.

**Overlap weights** (Li, Morgan & Zaslavsky 2018, *JASA* 113): treated units weigh ``1 - e(x)``,
controls ``e(x)``. The estimand changes: it is the average effect in the *overlap population*,
whose density is proportional to ``e(x)(1 - e(x))`` times the covariate density: the units that
could have gone either way (ATO). Extreme scores get weights near 0 rather than huge ones. With
a logistic propensity the weights balance the covariate means exactly, and the SE includes the
estimation of the propensity (stacked logistic score, as for IPW).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from truelift.data.prepare import Prepared
from truelift.errors import MethodError
from truelift.inference import covariance_from_influence, effect_from_means
from truelift.observational.base import Fit, Progress
from truelift.observational.propensity import FittedPropensity
from truelift.observational.weighting import ipw_influence, logistic_design
from truelift.schema import Diagnostic, Status

MAX_NEWTON = 100


def entropy_weights(c: np.ndarray, target: np.ndarray, *, tol: float = 1e-10
                    ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Weights ``exp(λ' c_i)`` (normalized to mean 1) with ``sum w (c - target) = 0``.

    Returns ``(weights, λ, converged)``: converged when the largest standardized mean gap is
    below ``tol`` (or below 1e-7 once Newton's steps stop improving in floating point). Newton's
    method on the dual with a backtracking line search; ``c`` should be standardized.
    """
    w, lam, gap = _newton(c, target, tol)
    return w, lam, gap < max(tol, 1e-7)


def _newton(c: np.ndarray, target: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, float]:
    d = c - target
    lam = np.zeros(c.shape[1])

    def dual(lv: np.ndarray) -> float:
        z = d @ lv
        zmax = float(z.max())
        return zmax + float(np.log(np.exp(z - zmax).sum()))

    for _ in range(MAX_NEWTON):
        z = d @ lam
        w = np.exp(z - z.max())
        w /= w.sum()
        grad = d.T @ w
        if float(np.abs(grad).max()) < tol:
            break
        hess = (d * w[:, None]).T @ d - np.outer(grad, grad)
        try:
            step = np.linalg.solve(hess + 1e-12 * np.eye(hess.shape[0]), grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        f0, t = dual(lam), 1.0
        while dual(lam - t * step) > f0 - 1e-4 * t * float(grad @ step) and t > 1e-10:
            t *= 0.5
        if t <= 1e-10:
            break                                  # no further progress in floating point
        lam = lam - t * step
    z = d @ lam
    w = np.exp(z - z.max())
    gap = float(np.abs(d.T @ (w / w.sum())).max())
    return w / w.mean(), lam, gap


def _standardized(x: np.ndarray) -> np.ndarray:
    keep = x.std(axis=0) > 0
    x = x[:, keep]
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _arm_influence(c: np.ndarray, y: np.ndarray, arm: np.ndarray, pop: np.ndarray,
                   ) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """Entropy-balanced mean of ``y`` over ``arm`` to the means of ``pop``, its influence values
    and the weights (on the arm's rows); see the module docstring for the stacked equations."""
    n, p = c.shape
    m = c[pop].mean(axis=0)
    w_arm, _, converged = entropy_weights(c[arm], m)
    w = np.zeros(n)
    w[arm] = w_arm
    mu = float((w * y).sum() / w.sum())
    pf = pop.astype(float)
    dm = c - m
    # psi: [m (p), lambda (p), mu (1)] per unit
    psi = np.column_stack([pf[:, None] * dm, w[:, None] * dm, w * (y - mu)])
    k = 2 * p + 1
    jac = np.zeros((k, k))
    jac[:p, :p] = -pf.mean() * np.eye(p)
    jac[p:2 * p, :p] = -w.mean() * np.eye(p)
    jac[p:2 * p, p:2 * p] = (w[:, None] * dm).T @ c / n
    jac[2 * p, p:2 * p] = (w * (y - mu)) @ c / n
    jac[2 * p, 2 * p] = -w.mean()
    infl = -np.linalg.solve(jac, psi.T).T
    return mu, infl[:, 2 * p], w, converged


@dataclasses.dataclass(frozen=True, slots=True)
class EntropyBalancing:
    """Entropy balancing on the covariate means (see the module docstring)."""

    name: ClassVar[str] = "ebal"
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
        """Exact mean balance by entropy weights; the propensity is not used."""
        c = _standardized(data.x)
        tb = data.t.astype(bool)
        everyone = np.ones_like(tb)
        target = {"ATT": tb, "ATC": ~tb, "ATE": everyone}[estimand]
        estimates = []
        weights = np.ones(data.n)
        converged = True
        for name in data.roles.outcomes:
            y = data.y[name]
            phis, mus = [], []
            for arm in (tb, ~tb):
                if (arm == target).all():            # the target arm itself: its plain mean
                    mu = float(y[arm].mean())
                    phi = arm * (y - mu) / arm.mean()
                    w_arm = arm.astype(float)
                else:
                    mu, phi, w_arm, ok = _arm_influence(c, y, arm, target)
                    converged &= ok
                weights = np.where(arm, w_arm, weights)
                mus.append(mu)
                phis.append(phi)
            estimates.append(effect_from_means(
                outcome=name, estimand=estimand, method=self.name, mu1=mus[0], mu0=mus[1],
                cov=covariance_from_influence(np.column_stack(phis)), level=level,
                se_kind="m_estimation", n_treated=data.n_treated, n_control=data.n_control))
        if not converged:
            raise MethodError("entropy balancing found no weights that balance every covariate "
                              "mean exactly: the target means lie outside the other arm's "
                              "covariate range (poor overlap); trim, or drop the covariate")
        diag = Diagnostic(
            name="ebal_converged", value=1.0, status=Status.OK,
            message="entropy balancing matched every covariate mean of the target population "
                    "exactly")
        return Fit(method=self.name, estimand=estimand, estimates=tuple(estimates),
                   weights=weights, diagnostics=(diag,))


@dataclasses.dataclass(frozen=True, slots=True)
class OverlapWeights:
    """Overlap weights: the average effect in the overlap population (ATO), whatever is asked."""

    name: ClassVar[str] = "overlap"
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
        """Hájek means with weights ``T (1 - e) + (1 - T) e``; the estimand is the ATO."""
        t = data.t
        design = logistic_design(propensity)
        estimates = []
        for name in data.roles.outcomes:
            mu1, mu0, phi = ipw_influence(data.y[name], t, propensity, "ATO", design)
            estimates.append(effect_from_means(
                outcome=name, estimand="ATO", method=self.name, mu1=mu1, mu0=mu0,
                cov=covariance_from_influence(phi), level=level,
                se_kind="influence_function" if design is not None
                else "influence_function_propensity_fixed",
                n_treated=data.n_treated, n_control=data.n_control))
        diag = Diagnostic(
            name="overlap_estimand", value=1.0, status=Status.INFO,
            message=("overlap weights estimate the average effect in the overlap population "
                     "(ATO): units weighted by e(x)(1 - e(x)), those who could have gone either "
                     f"way; it is not the {estimand} the other methods estimate"))
        return Fit(method=self.name, estimand="ATO", estimates=tuple(estimates),
                   weights=np.where(t.astype(bool), 1.0 - propensity.scores, propensity.scores),
                   diagnostics=(diag,))
