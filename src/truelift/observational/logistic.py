"""Unpenalized logistic regression by maximum likelihood, shared by the propensity and outcome models.

Newton's method (scikit-learn's ``newton-cholesky`` solver, no penalty: ``C = inf``); the same
estimate as statsmodels' ``Logit``. Non-convergence (e.g. separation) is reported, not raised.
"""

from __future__ import annotations

import warnings

import numpy as np


def logistic_mle(x: np.ndarray, y: np.ndarray, *, fit_intercept: bool, max_iter: int = 100
                 ) -> tuple[float, np.ndarray, bool]:
    """Fit ``P(y = 1 | x) = expit(b0 + x' b)``; returns ``(b0, b, converged)`` (b0 = 0 without intercept)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=max_iter,
                               fit_intercept=fit_intercept)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(x, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    b0 = float(model.intercept_[0]) if fit_intercept else 0.0
    return b0, model.coef_.ravel(), converged
