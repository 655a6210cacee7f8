"""Propensity score models: ``e(x) = P(T = 1 | X = x)`` (Rosenbaum & Rubin 1983).

* :class:`LogisticPropensity` (default): unpenalized maximum likelihood, fitted by Newton's
  method (scikit-learn's ``newton-cholesky`` solver) on standardized covariates. It is the same
  estimate as statsmodels' ``Logit``; IPW uses its score to correct the influence function for
  the estimation of ``e`` (stacked estimating equations).
* :class:`BoostedPropensity`: gradient-boosted trees (scikit-learn's histogram GBM), with
  out-of-fold (cross-fitted) predictions so that a flexible model does not score its own
  training rows.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
from scipy.special import expit, logit

from truelift.errors import MethodError
from truelift.observational.crossfit import cross_predict, fold_ids
from truelift.observational.logistic import logistic_mle

# A score this close to 0 or 1 is treated as the edge of the model's range.
EPS = 1e-12


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FittedPropensity:
    """A fitted propensity model: the scores and what IPW needs to correct its standard errors.

    Attributes:
        model: registry key of the model (``"logistic"`` or ``"gbm"``).
        scores: ``e(x_i)`` for every row.
        z: for the logistic model, the standardized covariates at which the score equations
            were solved (the design is ``[1, z]``); ``None`` otherwise.
        coef: logistic coefficients on the original covariate scale (intercept first), or ().
        converged: whether the fit converged.
    """

    model: str
    scores: np.ndarray
    z: np.ndarray | None = None
    coef: tuple[float, ...] = ()
    converged: bool = True

    @property
    def logit(self) -> np.ndarray:
        """``log(e / (1 - e))``, the scale on which matching is done."""
        return logit(np.clip(self.scores, EPS, 1.0 - EPS))


@dataclasses.dataclass(frozen=True, slots=True)
class LogisticPropensity:
    """Logistic regression of the treatment on the covariates, unpenalized (maximum likelihood)."""

    max_iter: int = 100
    name: ClassVar[str] = "logistic"

    def _fit_standardized(self, x: np.ndarray, t: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray, bool]:
        """Fit on ``z = (x - mean) / sd``; returns z (row-major, which the solver is fastest on),
        mean, sd, the intercept and slopes on the z scale, and whether Newton's method converged."""
        n, p = x.shape
        mean = x.mean(axis=0)
        z = np.empty((n, p))
        np.subtract(x, mean, out=z)       # centre first, then the variance (exact two-pass)
        sd = np.sqrt(np.einsum("ij,ij->j", z, z) / n)
        sd = np.where(sd > 0, sd, 1.0)
        z /= sd
        b0, beta_z, converged = logistic_mle(z, t, fit_intercept=True, max_iter=self.max_iter)
        return z, mean, sd, b0, beta_z, converged

    def fit_predict(self, x_train: np.ndarray, t_train: np.ndarray, x_test: np.ndarray,
                    rng: np.random.Generator | None = None) -> np.ndarray:
        """Fit on the training rows and return the scores of the test rows."""
        _, mean, sd, b0, beta_z, _ = self._fit_standardized(x_train, t_train)  # z unused
        return expit(b0 + ((x_test - mean) / sd) @ beta_z)

    def fit(self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None = None
            ) -> FittedPropensity:
        """Fit by Newton's method; ``rng`` is unused (the fit is deterministic)."""
        z, mean, sd, b0, beta_z, converged = self._fit_standardized(x, t)
        beta = beta_z / sd
        intercept = b0 - float(beta @ mean)
        scores = expit(b0 + z @ beta_z)
        return FittedPropensity(model=self.name, scores=scores, z=z,
                                coef=(intercept, *map(float, beta)), converged=converged)


@dataclasses.dataclass(frozen=True, slots=True)
class BoostedPropensity:
    """Gradient-boosted trees, cross-fitted: each row is scored by a model fitted without its fold."""

    folds: int = 5
    max_iter: int = 200
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 50
    name: ClassVar[str] = "gbm"

    def fit_predict(self, x_train: np.ndarray, t_train: np.ndarray, x_test: np.ndarray,
                    rng: np.random.Generator | None = None) -> np.ndarray:
        """Fit one boosted model on the training rows and score the test rows."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        rng = np.random.default_rng(rng)
        model = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            early_stopping=False, random_state=int(rng.integers(2**31 - 1)))
        model.fit(x_train, t_train)
        return model.predict_proba(x_test)[:, 1]

    def fit(self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None = None
            ) -> FittedPropensity:
        """Out-of-fold predicted probabilities from ``folds`` models."""
        rng = np.random.default_rng(rng)
        folds = fold_ids(t, self.folds, rng)
        scores = cross_predict(folds, lambda tr, te: self.fit_predict(x[tr], t[tr], x[te], rng))
        return FittedPropensity(model=self.name, scores=scores)


PROPENSITY_MODELS: dict[str, type[LogisticPropensity] | type[BoostedPropensity]] = {
    "logistic": LogisticPropensity,
    "gbm": BoostedPropensity,
}


def propensity_model(spec: str | LogisticPropensity | BoostedPropensity
                     ) -> LogisticPropensity | BoostedPropensity:
    """Resolve a registry key or an instance to a propensity model."""
    if isinstance(spec, (LogisticPropensity, BoostedPropensity)):
        return spec
    try:
        return PROPENSITY_MODELS[str(spec).lower()]()
    except KeyError:
        raise MethodError(f"unknown propensity model {spec!r}; choose one of "
                          f"{', '.join(PROPENSITY_MODELS)}") from None
