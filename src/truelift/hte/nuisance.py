"""Population nuisances for K treatment arms and a control: the doubly robust pseudo-outcomes.

Every evaluation of an uplift model here (observed effect of a group, calibration, the value of a
targeting policy) is an average of one per-customer quantity, the AIPW score of each arm
(Robins, Rotnitzky & Zhao 1994; for several arms Cattaneo 2010, J. Econometrics 155)::

    Gamma_a(i) = mu_a(x_i) + 1[t_i = a] (y_i - mu_a(x_i)) / e_a(x_i),      a = 0 (control), 1..K

with ``mu_a(x) = E[Y | X = x, T = a]`` and ``e_a(x) = P(T = a | X = x)``. The mean of
``Gamma_a`` over any set of customers chosen without their own outcome estimates the mean
potential outcome ``E[Y(a)]`` of that set; ``Gamma_a - Gamma_0`` (the *pseudo-outcome* of arm
``a``) estimates the set's average effect of ``a`` against control, and its sample standard
deviation over ``sqrt(n)`` is the influence-function standard error.

Both nuisances are cross-fitted (Chernozhukov et al. 2018): rows are split into folds stratified
by arm, and each fold is scored by models fitted on the other folds only.

* ``mu_a``: the learner's base regressor fitted on the rows of arm ``a``.
* ``e_a``: known by design in a randomized test (the arm's share, or a column of known
  probabilities), else estimated: for two arms the learners' cross-fitted model chosen by
  out-of-fold log loss (penalized logistic or LightGBM, :mod:`truelift.nuisance.select`),
  clipped to [0.01, 0.99]; for more, multinomial logistic regression (nearly unpenalized,
  ``C = 1e4``), each arm clipped below at :data:`CLIP` and renormalized to sum to 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from truelift.nuisance.crossfit import cross_predict

CLIP = 0.01

Regress = Callable[[np.ndarray, np.ndarray, np.random.Generator], Callable[[np.ndarray], np.ndarray]]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Nuisances:
    """Cross-fitted outcome models and propensities of every arm (column 0 = control).

    Attributes:
        mu: ``(n, K+1)`` out-of-fold ``E[Y | X, T = a]``.
        e: ``(n, K+1)`` propensity of each arm (given, or out-of-fold estimated and clipped).
        estimated: whether ``e`` was estimated from the covariates.
        clipped: rows whose estimated propensity was clipped at :data:`CLIP` for some arm.
    """

    mu: np.ndarray
    e: np.ndarray
    estimated: bool
    clipped: int

    def gamma(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """AIPW scores ``Gamma_a`` of every row and arm, ``(n, K+1)``."""
        k = self.mu.shape[1]
        hit = t[:, None] == np.arange(k)[None, :]
        return self.mu + hit * (y[:, None] - self.mu) / self.e

    def pseudo(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Pseudo-outcomes ``Gamma_a - Gamma_0`` of the effect of each arm, ``(n, K)``."""
        g = self.gamma(y, t)
        return g[:, 1:] - g[:, :1]


def known_propensity(t: np.ndarray, arms: int, given: np.ndarray | None = None) -> np.ndarray:
    """Propensity by design: ``given`` (for two arms, ``P(T = 1)`` per row), else each arm's share."""
    n = t.shape[0]
    if given is not None:
        return np.column_stack([1.0 - given, given])
    share = np.bincount(t, minlength=arms) / n
    return np.broadcast_to(share, (n, arms)).copy()


def estimated_propensity(x: np.ndarray, t: np.ndarray, arms: int, folds: np.ndarray
                         ) -> tuple[np.ndarray, int]:
    """Cross-fitted propensity (two arms: the chosen model; more: multinomial logistic), clipped
    at :data:`CLIP` and renormalized.

    Returns the ``(n, arms)`` scores and the number of rows where a score was clipped.
    """
    if arms == 2:
        from truelift.hte.learners import PROPENSITY_CLIP, _propensity_oof

        p1 = _propensity_oof(x, t, folds, clip=False)
        clipped = int(np.sum((p1 < PROPENSITY_CLIP[0]) | (p1 > PROPENSITY_CLIP[1])))
        p1 = np.clip(p1, *PROPENSITY_CLIP)  # the learners' rule, so both see the same scores
        return np.column_stack([1.0 - p1, p1]), clipped
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def fit_predict(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1e4, max_iter=2000))
        model.fit(x[tr], t[tr])
        out = np.zeros((int(te.sum()), arms))
        out[:, model.classes_] = model.predict_proba(x[te])
        return out

    raw = cross_predict(folds, fit_predict)
    clipped = int(np.any(raw < CLIP, axis=1).sum())
    e = np.maximum(raw, CLIP)
    return e / e.sum(axis=1, keepdims=True), clipped


def outcome_models(x: np.ndarray, t: np.ndarray, y: np.ndarray, arms: int, folds: np.ndarray,
                   regress: Regress, rng: np.random.Generator) -> np.ndarray:
    """Cross-fitted ``mu_a(x)`` for every row and arm, ``(n, arms)``."""

    def fit_predict(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        cols = []
        for a in range(arms):
            rows = tr & (t == a)
            cols.append(regress(x[rows], y[rows], rng)(x[te]))
        return np.column_stack(cols)

    return cross_predict(folds, fit_predict)


def nuisances(x: np.ndarray, t: np.ndarray, y: np.ndarray, *, arms: int, folds: np.ndarray,
              regress: Regress, rng: np.random.Generator, propensity: np.ndarray | None,
              estimate_propensity: bool) -> Nuisances:
    """Cross-fit ``mu_a`` and (unless known) ``e_a`` for every arm; see the module docstring."""
    if estimate_propensity:
        e, clipped = estimated_propensity(x, t, arms, folds)
    else:
        e, clipped = known_propensity(t, arms, propensity), 0
    mu = outcome_models(x, t, y, arms, folds, regress, rng)
    return Nuisances(mu=mu, e=e, estimated=estimate_propensity, clipped=clipped)


__all__ = ["CLIP", "Nuisances", "estimated_propensity", "known_propensity", "nuisances",
           "outcome_models"]
