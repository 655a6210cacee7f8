"""Influence functions: sampling covariance of asymptotically linear estimators.

An estimator ``theta_hat`` with influence function ``phi_i`` satisfies
``theta_hat - theta = (1/n) sum_i phi_i + o_p(n^-1/2)``, so
``Var(theta_hat) ≈ (1/n^2) sum_i phi_i phi_i'`` (Hampel 1974; Tsiatis 2006, ch. 3).
"""

from __future__ import annotations

import numpy as np


def covariance_from_influence(phi: np.ndarray) -> np.ndarray:
    """Sampling covariance ``(1/n^2) Φ'Φ`` from an ``n x k`` matrix of influence values.

    The influence values must already be centred (mean zero), as they are by construction in
    every estimator here.
    """
    phi = np.asarray(phi, dtype=float)
    if phi.ndim == 1:
        phi = phi[:, None]
    n = phi.shape[0]
    return (phi.T @ phi) / float(n) ** 2


def logistic_score_correction(
    x: np.ndarray, t: np.ndarray, e: np.ndarray, dpsi_dbeta: np.ndarray,
    ridge: np.ndarray | None = None,
) -> np.ndarray:
    """The term that estimating the propensity by logistic regression adds to an estimating function.

    For a moment ``E[psi(Z; theta, beta)] = 0`` whose nuisance ``beta`` solves the logistic score
    ``E[s] = 0``, ``s_i = x_i (t_i - e_i)``, stacking the two estimating equations
    (M-estimation; Stefanski & Boos 2002) gives

        theta_hat - theta ≈ -(1/n) sum_i D^{-1} (psi_i + A H^{-1} s_i),
        A = E[d psi / d beta'],  H = E[e (1 - e) x x'] = -E[d s / d beta'],  D = E[d psi / d theta].

    Since ``E[psi s'] = -A``, ``psi + A H^{-1} s`` is ``psi`` minus its projection on the score,
    which is why an estimated propensity gives IPW a smaller variance than a known one
    (Hirano, Imbens & Ridder 2003). ``dpsi_dbeta`` is ``A`` (``k x p``, averaged over units).
    Returns the ``n x k`` term ``s H^{-1} A'`` to add to ``psi``.

    ``ridge`` (length p, per unit of the mean score) handles an L2-penalized fit, whose estimating
    equation is ``mean(s_i) - ridge * beta = 0``: ``H`` gains ``diag(ridge)`` and each unit's score
    ``- ridge * beta`` (sandwich at a fixed penalty). ``beta`` is recovered from the same equation,
    so pass ``ridge`` only with the scores of that fit.
    """
    n = x.shape[0]
    w = e * (1.0 - e)
    hess = (x * w[:, None]).T @ x / n
    score = x * (t - e)[:, None]
    if ridge is not None:
        ridge = np.asarray(ridge, dtype=float)
        hess = hess + np.diag(ridge)
        score = score - score.mean(axis=0)  # mean(s_i) = ridge * beta at the penalized solution
    sol = np.linalg.solve(hess, np.atleast_2d(dpsi_dbeta).T)  # p x k
    return score @ sol
