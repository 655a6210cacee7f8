"""Propensity score models: ``e(x) = P(T = 1 | X = x)`` (Rosenbaum & Rubin 1983).

* :class:`AutoPropensity` (default): the model chosen by cross-validated log loss among a stated
  library (:mod:`truelift.nuisance.select`), cross-fitted on hash folds.
* :class:`LogisticPropensity`: unpenalized maximum likelihood, fitted by Newton's method
  (scikit-learn's ``newton-cholesky`` solver) on standardized covariates. It is the same
  estimate as statsmodels' ``Logit`` (key ``"mle"``); on many one-hot columns it can push scores
  to 0 or 1, so it is not the default. IPW uses a logistic fit's score to correct the influence
  function for the estimation of ``e`` (stacked estimating equations).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, logit

from truelift.errors import MethodError
from truelift.nuisance.folds import hash_folds, unit_keys
from truelift.nuisance.learners import is_estimator
from truelift.nuisance.select import MAX_TUNE, NuisanceChoice, crossfit_propensity
from truelift.observational.logistic import logistic_mle

# A score this close to 0 or 1 is treated as the edge of the model's range.
EPS = 1e-12


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FittedPropensity:
    """A fitted propensity model: the scores and what IPW needs to correct its standard errors.

    Attributes:
        model: the model (``"logistic"``, ``"gbm"``, ``"custom:..."``, ``"mle"``).
        scores: ``e(x_i)`` for every row, as weighting, matching and the overlap checks use it.
        z: for the logistic model, the standardized covariates at which the score equations
            were solved (the design is ``[1, z]``); ``None`` otherwise.
        coef: logistic coefficients on the original covariate scale (intercept first), or ().
        converged: whether the fit converged.
        ridge: for a penalized logistic fit, the penalty per unit of the mean score (for the
            IPW sandwich); ``None`` unpenalized.
        oof: out-of-fold (cross-fitted) scores for AIPW, when the fit made them.
        choice: the model choice with every candidate's out-of-fold loss.
    """

    model: str
    scores: np.ndarray
    z: np.ndarray | None = None
    coef: tuple[float, ...] = ()
    converged: bool = True
    ridge: np.ndarray | None = None
    oof: np.ndarray | None = None
    choice: NuisanceChoice | None = None

    @property
    def logit(self) -> np.ndarray:
        """``log(e / (1 - e))``, the scale on which matching is done."""
        return logit(np.clip(self.scores, EPS, 1.0 - EPS))


@dataclasses.dataclass(frozen=True, slots=True)
class LogisticPropensity:
    """Logistic regression of the treatment on the covariates, unpenalized (maximum likelihood)."""

    max_iter: int = 100
    name: ClassVar[str] = "mle"

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
class AutoPropensity:
    """The propensity model chosen by cross-validated log loss (the default; ``spec="auto"``).

    The candidates of ``spec`` (:func:`truelift.nuisance.select.propensity_candidates`: an
    L2-penalized logistic regression with ``C`` by CV and LightGBM with early stopping for
    ``"auto"``; one of them for ``"logistic"`` / ``"gbm"``; or a scikit-learn classifier) are
    cross-fitted on the analysis's hash folds and the lowest out-of-fold log loss wins. The
    out-of-fold scores (``oof``) feed AIPW. The scores that weighting, matching and the overlap
    checks use (``scores``) are the in-sample fit of the penalized logistic model when it wins
    (so IPW can correct its standard error for the estimated propensity, with the penalty in the
    sandwich), and the out-of-fold scores otherwise.
    """

    spec: Any = "auto"
    folds: int = 5
    max_tune: int = MAX_TUNE
    name: ClassVar[str] = "auto"

    def fit(self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None = None, *,
            folds: np.ndarray | None = None, seed: int | None = None) -> FittedPropensity:
        """Choose, cross-fit and (for the logistic winner) refit in sample."""
        if folds is None:
            folds = hash_folds(unit_keys(None, [t, *x.T]), t, self.folds)
        if seed is None:
            seed = 0 if rng is None else int(np.random.default_rng(rng).integers(2**31 - 1))
        oof, choice = crossfit_propensity(x, t, folds, self.spec, seed=seed,
                                          max_tune=self.max_tune)
        if choice.chosen != "logistic":
            return FittedPropensity(model=choice.chosen, scores=oof, oof=oof, choice=choice)
        c = next(cd.settings["C"] for cd in choice.candidates if cd.name == "logistic")
        return dataclasses.replace(_penalized_fit(x, t, float(c)), oof=oof, choice=choice)


def _penalized_fit(x: np.ndarray, t: np.ndarray, c: float) -> FittedPropensity:
    """In-sample L2-penalized logistic fit on standardized covariates (sklearn's ``C``)."""
    from sklearn.linear_model import LogisticRegression

    n, p = x.shape
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z = (x - mean) / sd
    model = LogisticRegression(C=c, solver="newton-cholesky", max_iter=200, tol=1e-10)
    model.fit(z, t)
    b0, beta_z = float(model.intercept_[0]), model.coef_.ravel()
    beta = beta_z / sd
    scores = expit(b0 + z @ beta_z)
    # sklearn minimises C * sum(log loss) + |beta|^2 / 2: per unit of the mean score, the
    # penalty's gradient is beta / (n C) (the intercept is not penalized).
    ridge = np.concatenate([[0.0], np.full(p, 1.0 / (n * c))])
    return FittedPropensity(model="logistic", scores=scores, z=z,
                            coef=(b0 - float(beta @ mean), *map(float, beta)), ridge=ridge)


PROPENSITY_MODELS: dict[str, Any] = {
    "auto": AutoPropensity,
    "logistic": lambda: AutoPropensity("logistic"),
    "gbm": lambda: AutoPropensity("gbm"),
    "mle": LogisticPropensity,
}
"""Propensity models: ``auto`` (chosen by CV log loss), ``logistic`` (penalized, C by CV),
``gbm`` (LightGBM, early-stopped), ``mle`` (unpenalized maximum likelihood: the textbook fit,
kept for exact comparisons with statsmodels; it can push scores to 0 or 1)."""


def propensity_model(spec: Any) -> LogisticPropensity | AutoPropensity:
    """Resolve a registry key, a model instance or a scikit-learn classifier."""
    if isinstance(spec, (LogisticPropensity, AutoPropensity)):
        return spec
    if is_estimator(spec):
        if not hasattr(spec, "predict_proba"):
            raise MethodError(f"a propensity model needs predict_proba; {type(spec).__name__} "
                              "has none")
        return AutoPropensity(spec)
    try:
        return PROPENSITY_MODELS[str(spec).lower()]()
    except KeyError:
        raise MethodError(f"unknown propensity model {spec!r}; choose one of "
                          f"{', '.join(PROPENSITY_MODELS)} or pass a scikit-learn classifier"
                          ) from None
