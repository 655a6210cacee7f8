"""Outcome models ``m_a(x) = E[Y | X = x, T = a]``, fitted separately in each arm.

* ``"linear"``: ordinary least squares; ``"logistic"``: unpenalized logistic regression for 0/1
  outcomes; ``"auto"``: logistic for 0/1 outcomes, linear otherwise. Both are GLMs with the
  canonical link, so the fitted means over the fitting arm equal the arm's outcome mean, and
  their score equations give the influence functions of outcome regression.
* ``"gbm"``: histogram gradient boosting (for AIPW, where cross-fitting keeps a flexible model
  honest).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import expit

from truelift.errors import MethodError
from truelift.observational.logistic import logistic_mle

OUTCOME_MODELS = ("auto", "linear", "logistic", "gbm")


def resolve(kind: str, binary: bool) -> str:
    """The model actually used for an outcome: ``auto`` becomes logistic or linear."""
    if kind not in OUTCOME_MODELS:
        raise MethodError(f"unknown outcome model {kind!r}; choose one of "
                          f"{', '.join(OUTCOME_MODELS)}")
    if kind == "auto":
        return "logistic" if binary else "linear"
    if kind == "logistic" and not binary:
        raise MethodError("the logistic outcome model needs a 0/1 outcome")
    return kind


@dataclasses.dataclass(frozen=True, slots=True)
class GLMFit:
    """A fitted canonical-link GLM on a standardized design ``[1, z]``."""

    kind: str
    beta: np.ndarray
    converged: bool

    def linear_predictor(self, design: np.ndarray) -> np.ndarray:
        """``eta = design @ beta``."""
        return design @ self.beta

    def mean(self, design: np.ndarray) -> np.ndarray:
        """``g^{-1}(eta)``: the predicted outcome mean."""
        return mean_and_derivative(self.linear_predictor(design), self.kind)[0]

    def mean_derivative(self, design: np.ndarray) -> np.ndarray:
        """``d g^{-1}(eta) / d eta``: 1 for linear, ``p(1-p)`` for logistic."""
        return mean_and_derivative(self.linear_predictor(design), self.kind)[1]


def mean_and_derivative(eta: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """``g^{-1}(eta)`` and ``d g^{-1}/d eta`` of the canonical link (1 for linear, ``p(1-p)``
    for logistic)."""
    if kind == "logistic":
        p = expit(eta)
        return p, p * (1.0 - p)
    return eta, np.ones_like(eta)


def fit_glm(design: np.ndarray, y: np.ndarray, kind: str) -> GLMFit:
    """Least squares, or Newton's method for the logistic likelihood (no penalty)."""
    if kind == "linear":
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        return GLMFit(kind=kind, beta=beta, converged=True)
    if kind == "logistic":
        if np.all(y == y[0]):
            raise MethodError("the outcome is constant within a treatment arm; "
                              "a logistic outcome model cannot be fitted")
        _, beta, converged = logistic_mle(design, y, fit_intercept=False)
        return GLMFit(kind=kind, beta=beta, converged=converged)
    raise MethodError(f"fit_glm does not fit {kind!r}")


def fit_predict(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, kind: str,
    rng: np.random.Generator,
) -> np.ndarray:
    """Fit one arm's outcome model on the training rows and predict the test rows."""
    if kind == "gbm":
        from sklearn.ensemble import HistGradientBoostingRegressor

        model = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05,
                                              max_leaf_nodes=15, min_samples_leaf=50,
                                              early_stopping=False,
                                              random_state=int(rng.integers(2**31 - 1)))
        return model.fit(x_train, y_train).predict(x_test)
    d_train = np.column_stack([np.ones(x_train.shape[0]), x_train])
    d_test = np.column_stack([np.ones(x_test.shape[0]), x_test])
    return fit_glm(d_train, y_train, kind).mean(d_test)


def standardized_design(x: np.ndarray) -> np.ndarray:
    """``[1, z]`` with ``z`` the covariates centred and scaled (better conditioned, same fit)."""
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return np.column_stack([np.ones(x.shape[0]), z])
