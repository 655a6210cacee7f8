"""Meta-learners of the conditional average treatment effect (CATE) for a binary treatment.

Every learner estimates the same estimand, ``tau(x) = E[Y(1) - Y(0) | X = x]``, from rows
``(x_i, t_i, y_i)`` with ``t_i`` in {0, 1}, under unconfoundedness given ``x`` and overlap.

* :class:`SLearner`: one outcome model ``mu(x, t)`` with ``t`` as a feature; ``tau = mu(x, 1) - mu(x, 0)``.
* :class:`TLearner`: one outcome model per arm; ``tau = mu_1(x) - mu_0(x)``.
* :class:`XLearner`: imputed effects per arm, combined with the propensity (Künzel et al. 2019).
* :class:`DRLearner`: regression of the cross-fitted AIPW pseudo-outcome on ``x`` (Kennedy 2023).
* :class:`RLearner`: Robinson residual-on-residual, weighted regression (Nie & Wager 2021).

Each is a frozen settings dataclass; ``fit(x, t, y, *, propensity=None, seed=0)`` does the work and
returns a new frozen :class:`FittedCATE`; the settings object is never mutated.

Base models (``base``): ``"gbm"`` is scikit-learn's histogram gradient boosting with modest defaults
(``max_iter`` trees, learning rate 0.1, at most 15 leaves, at least 40 rows per leaf, no early
stopping); ``"linear"`` is ordinary least squares. Outcomes (binary or continuous) are modelled by
regression (squared error).

Propensity: pass ``propensity`` (a number or one value per row, each strictly inside (0, 1)) when it
is known, e.g. in a randomized test; it is then used as given. Otherwise it is estimated by
cross-fitted logistic regression (the same folds as the learner) and **clipped to [0.01, 0.99]**.

Honest scores: ``FittedCATE.oof`` holds out-of-fold CATE for the training rows. For every learner
the folds (stratified by arm, :func:`truelift.observational.crossfit.fold_ids`) are used to fit the
whole learner without fold ``k`` and score fold ``k``; ``predict`` uses a final fit on all rows.
For the DR- and R-learners the nuisances are cross-fitted once (so each row's pseudo-outcome or
residual comes from models that never saw it) and the second-stage regression is cross-fitted over
the same folds for ``oof``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from truelift.errors import DataError, MethodError
from truelift.observational.crossfit import cross_predict, fold_ids
from truelift.observational.propensity import LogisticPropensity

PROPENSITY_CLIP = (0.01, 0.99)
BASES = ("gbm", "linear")

Predictor = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FittedCATE:
    """A fitted CATE learner: scores new rows and holds honest scores of its training rows.

    Attributes:
        learner: registry key of the learner (``"s"``, ``"t"``, ``"x"``, ``"dr"``, ``"r"``).
        oof: out-of-fold CATE of every training row (scored by a fit that did not see the row's
            fold); use these, not ``predict`` on the training rows, to evaluate the learner.
        ate: the average effect. For the DR-learner the mean of the AIPW pseudo-outcome (the
            cross-fitted AIPW estimate); for the others the mean of ``oof``.
        propensity: the propensity used for the training rows (given, or cross-fitted and clipped).
    """

    learner: str
    oof: np.ndarray
    ate: float
    propensity: np.ndarray
    n_features: int
    _predict: Predictor = dataclasses.field(repr=False, compare=False)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """CATE ``tau(x)`` of new rows, from the learner fitted on all training rows."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise DataError("x", f"expected a 2-D array with {self.n_features} columns, got shape {x.shape}")
        return np.asarray(self._predict(x), dtype=float)


# --------------------------------------------------------------------------------------------------
# validation


def _validate(x: Any, t: Any, y: Any, propensity: Any, folds: int, base: str
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    if base not in BASES:
        raise MethodError(f"unknown base model {base!r}; choose one of {', '.join(BASES)}")
    if folds < 2:
        raise MethodError(f"cross-fitting needs at least 2 folds, got {folds}")
    x = np.asarray(x, dtype=float)
    t_raw = np.asarray(t)
    y = np.asarray(y, dtype=float)
    if x.ndim != 2:
        raise DataError("x", f"expected a 2-D array of covariates, got {x.ndim} dimension(s)")
    if t_raw.ndim != 1 or y.ndim != 1:
        raise DataError("t" if t_raw.ndim != 1 else "y", "expected a 1-D array")
    n = x.shape[0]
    if t_raw.shape[0] != n or y.shape[0] != n:
        raise DataError(None, f"lengths differ: x has {n} rows, t {t_raw.shape[0]}, y {y.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise DataError("x", "covariates must be finite (no NaN or inf)")
    if not np.all(np.isfinite(y)):
        raise DataError("y", "outcome must be finite (no NaN or inf)")
    if not np.all(np.isin(t_raw, (0, 1))):
        raise DataError("t", "treatment must be 0 or 1")
    t = t_raw.astype(np.int8)
    for arm in (0, 1):
        m = t == arm
        count = int(m.sum())
        if count < folds:
            raise MethodError(f"arm {arm} has {count} rows: fewer rows than folds ({folds})")
        if np.ptp(y[m]) == 0:
            raise DataError("y", f"outcome is constant in arm {arm}")
    e: np.ndarray | None = None
    if propensity is not None:
        e = np.asarray(propensity, dtype=float)
        if e.ndim == 0:
            e = np.full(n, float(e))
        if e.shape != (n,):
            raise DataError("propensity", f"expected a number or {n} values, got shape {e.shape}")
        if not np.all((e > 0) & (e < 1)):
            raise DataError("propensity", "propensity must lie strictly inside (0, 1)")
    return x, t, y, e


# --------------------------------------------------------------------------------------------------
# base models


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def _propensity_oof(x: np.ndarray, t: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Cross-fitted logistic propensity, clipped to :data:`PROPENSITY_CLIP`."""
    model = LogisticPropensity()
    e = cross_predict(folds, lambda tr, te: model.fit_predict(x[tr], t[tr].astype(float), x[te]))
    return np.clip(e, *PROPENSITY_CLIP)


def _propensity_model(x: np.ndarray, t: np.ndarray) -> Predictor:
    """A logistic propensity fitted on all rows (clipped), to score new rows."""
    model = LogisticPropensity()
    t_f = t.astype(float)
    return lambda x_new: np.clip(model.fit_predict(x, t_f, x_new), *PROPENSITY_CLIP)


@dataclasses.dataclass(frozen=True, slots=True)
class _Learner:
    """Settings shared by all learners (see the module docstring)."""

    folds: int = 5
    base: str = "gbm"
    max_iter: int = 100
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    name: ClassVar[str] = ""

    def _regress(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                 weight: np.ndarray | None = None) -> Predictor:
        """Fit the base regressor on ``(x, y)`` (with optional weights); return its predict."""
        if self.base == "linear":
            from sklearn.linear_model import LinearRegression

            model: Any = LinearRegression()
        else:
            from sklearn.ensemble import HistGradientBoostingRegressor

            model = HistGradientBoostingRegressor(
                max_iter=self.max_iter, learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
                early_stopping=False, random_state=_seed(rng))
        model.fit(x, y, sample_weight=weight)
        return model.predict

    def _fit_full(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, rng: np.random.Generator
                  ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """Fit the whole learner on these rows; return ``tau(x_new, e_new)``."""
        raise NotImplementedError

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Fit on ``(x, t, y)``: out-of-fold CATE for the training rows and a final fit for new rows.

        The whole learner is fitted ``folds`` times (without fold ``k``, scoring fold ``k``) for
        ``oof``, and once on all rows for ``predict``.
        """
        x, t, y, e = _validate(x, t, y, propensity, self.folds, self.base)
        rng = np.random.default_rng(seed)
        folds = fold_ids(t, self.folds, rng)
        e_rows = _propensity_oof(x, t, folds) if e is None else e
        oof = cross_predict(folds, lambda tr, te: self._fit_full(x[tr], t[tr], y[tr], rng)(
            x[te], e_rows[te]))
        final = self._fit_full(x, t, y, rng)
        e_new = _new_row_propensity(x, t, e)
        return FittedCATE(learner=self.name, oof=oof, ate=float(oof.mean()), propensity=e_rows,
                          n_features=x.shape[1], _predict=lambda x_new: final(x_new, e_new(x_new)))


def _new_row_propensity(x: np.ndarray, t: np.ndarray, e: np.ndarray | None) -> Predictor:
    """Propensity of new rows: the given value when it is one constant, else a logistic fit."""
    if e is not None and np.ptp(e) == 0:
        c = float(e[0])
        return lambda x_new: np.full(x_new.shape[0], c)
    return _propensity_model(x, t)


@dataclasses.dataclass(frozen=True, slots=True)
class SLearner(_Learner):
    """S-learner ("single model") of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]``.

    One regression ``mu(x, t)`` of ``y`` on ``[x, t]``; ``tau(x) = mu(x, 1) - mu(x, 0)``
    (Künzel et al. 2019, PNAS 116(10)). Regularization tends to shrink the effect towards 0; with
    ``base="linear"`` the CATE is one constant. The propensity is not used.
    """

    name: ClassVar[str] = "s"

    def _fit_full(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, rng: np.random.Generator
                  ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        mu = self._regress(np.column_stack([x, t]), y, rng)

        def tau(x_new: np.ndarray, e_new: np.ndarray) -> np.ndarray:
            ones = np.ones(x_new.shape[0])
            return mu(np.column_stack([x_new, ones])) - mu(np.column_stack([x_new, 0 * ones]))

        return tau


@dataclasses.dataclass(frozen=True, slots=True)
class TLearner(_Learner):
    """T-learner ("two models") of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]``.

    Separate regressions ``mu_1`` on the treated rows and ``mu_0`` on the controls;
    ``tau(x) = mu_1(x) - mu_0(x)`` (Künzel et al. 2019, PNAS 116(10)). The propensity is not used.
    """

    name: ClassVar[str] = "t"

    def _fit_full(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, rng: np.random.Generator
                  ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        mu0 = self._regress(x[t == 0], y[t == 0], rng)
        mu1 = self._regress(x[t == 1], y[t == 1], rng)
        return lambda x_new, e_new: mu1(x_new) - mu0(x_new)


@dataclasses.dataclass(frozen=True, slots=True)
class XLearner(_Learner):
    """X-learner of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]`` (Künzel et al. 2019, PNAS 116(10)).

    1. Outcome models ``mu_0`` (controls) and ``mu_1`` (treated), as in the T-learner.
    2. Imputed effects ``D_1 = y - mu_0(x)`` on the treated and ``D_0 = mu_1(x) - y`` on the
       controls, regressed on ``x`` within their arm: ``tau_1(x)`` and ``tau_0(x)``.
    3. ``tau(x) = e(x) tau_0(x) + (1 - e(x)) tau_1(x)`` with ``e`` the propensity: the effect
       imputed from the larger arm gets the larger weight.

    ``e`` of the training rows is the given (or cross-fitted, clipped) propensity; for new rows it
    is the given value when that is one constant, else a logistic fit on all rows (clipped).
    """

    name: ClassVar[str] = "x"

    def _fit_full(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, rng: np.random.Generator
                  ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        c, tr = t == 0, t == 1
        mu0 = self._regress(x[c], y[c], rng)
        mu1 = self._regress(x[tr], y[tr], rng)
        tau1 = self._regress(x[tr], y[tr] - mu0(x[tr]), rng)
        tau0 = self._regress(x[c], mu1(x[c]) - y[c], rng)
        return lambda x_new, e_new: e_new * tau0(x_new) + (1.0 - e_new) * tau1(x_new)


@dataclasses.dataclass(frozen=True, slots=True)
class DRLearner(_Learner):
    """DR-learner of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]`` (Kennedy 2023, EJS 17(2)).

    1. Cross-fitted nuisances: ``mu_0``, ``mu_1`` (outcome per arm) and ``e`` (given, or logistic,
       clipped to [0.01, 0.99]); each row is scored by models fitted without its fold.
    2. AIPW pseudo-outcome ``phi = mu_1 - mu_0 + t (y - mu_1) / e - (1 - t) (y - mu_0) / (1 - e)``,
       whose conditional mean given ``x`` is ``tau(x)`` when either nuisance is right.
    3. Regression of ``phi`` on ``x``: cross-fitted over the same folds for ``oof``, on all rows for
       ``predict``. ``ate`` is the mean of ``phi`` (the cross-fitted AIPW estimate).
    """

    name: ClassVar[str] = "dr"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Cross-fit the nuisances, form the pseudo-outcome and regress it on ``x``."""
        x, t, y, e = _validate(x, t, y, propensity, self.folds, self.base)
        rng = np.random.default_rng(seed)
        folds = fold_ids(t, self.folds, rng)
        e_rows = _propensity_oof(x, t, folds) if e is None else e

        def nuisance(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            c, d = tr & (t == 0), tr & (t == 1)
            return np.column_stack([self._regress(x[c], y[c], rng)(x[te]),
                                    self._regress(x[d], y[d], rng)(x[te])])

        mu = cross_predict(folds, nuisance)
        mu0, mu1 = mu[:, 0], mu[:, 1]
        phi = mu1 - mu0 + t * (y - mu1) / e_rows - (1 - t) * (y - mu0) / (1.0 - e_rows)
        oof = cross_predict(folds, lambda tr, te: self._regress(x[tr], phi[tr], rng)(x[te]))
        final = self._regress(x, phi, rng)
        return FittedCATE(learner=self.name, oof=oof, ate=float(phi.mean()), propensity=e_rows,
                          n_features=x.shape[1], _predict=final)


@dataclasses.dataclass(frozen=True, slots=True)
class RLearner(_Learner):
    """R-learner of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]`` (Nie & Wager 2021, Biometrika 108(2)).

    1. Cross-fitted nuisances: ``m(x) = E[Y | X = x]`` and ``e`` (given, or logistic, clipped to
       [0.01, 0.99]); each row is scored by models fitted without its fold.
    2. Robinson's decomposition ``y - m = tau(x) (t - e) + noise``: minimize
       ``sum ((y - m) - tau(x) (t - e))^2``, i.e. a regression of ``(y - m) / (t - e)`` on ``x``
       with weights ``(t - e)^2``: cross-fitted over the same folds for ``oof``, on all rows for
       ``predict``. ``ate`` is the mean of ``oof``.
    """

    name: ClassVar[str] = "r"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Cross-fit the nuisances and run the weighted residual regression."""
        x, t, y, e = _validate(x, t, y, propensity, self.folds, self.base)
        rng = np.random.default_rng(seed)
        folds = fold_ids(t, self.folds, rng)
        e_rows = _propensity_oof(x, t, folds) if e is None else e
        m = cross_predict(folds, lambda tr, te: self._regress(x[tr], y[tr], rng)(x[te]))
        t_res = t - e_rows
        target = (y - m) / t_res
        weight = t_res**2
        oof = cross_predict(folds, lambda tr, te: self._regress(x[tr], target[tr], rng, weight[tr])(x[te]))
        final = self._regress(x, target, rng, weight)
        return FittedCATE(learner=self.name, oof=oof, ate=float(oof.mean()), propensity=e_rows,
                          n_features=x.shape[1], _predict=final)


LEARNERS: dict[str, type[_Learner]] = {
    "s": SLearner,
    "t": TLearner,
    "x": XLearner,
    "dr": DRLearner,
    "r": RLearner,
}

__all__ = ["LEARNERS", "PROPENSITY_CLIP", "DRLearner", "FittedCATE", "RLearner", "SLearner",
           "TLearner", "XLearner"]
