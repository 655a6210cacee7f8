"""Meta-learners of the conditional average treatment effect (CATE) for a binary treatment.

Every learner estimates the same estimand, ``tau(x) = E[Y(1) - Y(0) | X = x]``, from rows
``(x_i, t_i, y_i)`` with ``t_i`` in {0, 1}, under unconfoundedness given ``x`` and overlap.

* :class:`SLearner`: one outcome model ``mu(x, t)`` with ``t`` as a feature; ``tau = mu(x, 1) - mu(x, 0)``.
* :class:`TLearner`: one outcome model per arm; ``tau = mu_1(x) - mu_0(x)``.
* :class:`XLearner`: imputed effects per arm, combined with the propensity (Künzel et al. 2019).
* :class:`DRLearner`: regression of the cross-fitted AIPW pseudo-outcome on ``x`` (Kennedy 2023).
* :class:`RLearner`: Robinson residual-on-residual, weighted regression (Nie & Wager 2021).
* :class:`CausalForest`: honest generalized random forest on the same residuals, with per-row
  confidence intervals (Wager & Athey 2018; Athey, Tibshirani & Wager 2019); the algorithm lives in
  :mod:`truelift.hte.forest`, which imports EconML only when a forest is fitted.

Each is a frozen settings dataclass; ``fit(x, t, y, *, propensity=None, seed=0)`` does the work and
returns a new frozen :class:`FittedCATE`; the settings object is never mutated.

Base models (``base``): ``"lightgbm"`` (the default) is LightGBM's gradient boosting and ``"gbm"``
scikit-learn's histogram gradient boosting, both with the same modest settings (``max_iter`` trees,
learning rate 0.1, at most 15 leaves, at least 40 rows per leaf, every row and column in every
tree, no early stopping); ``"linear"`` is ordinary least squares. The second stage of the DR- and
R-learners regresses a noisy pseudo-outcome, and its leaves and rate follow the sample size unless
given: below 100,000 training rows it is smooth (learning rate 0.05, at most 5 leaves, at least
300 rows per leaf; with the first-stage settings it fitted the noise and lost to the S-learner),
from 100,000 rows on rate 0.1, at most 15 leaves and at least ``rows / 800`` rows per leaf (the
noise averages out and the smooth stage underfits). Its number of trees is chosen by early
stopping on the cross-validated DR-loss (or R-loss) over the learner's own folds (patience 20, at
most 2,000; see :func:`_second_stage`) unless ``final_max_iter`` fixes it: a fixed 60 trees left
the DR-learner's PEHE flat from 5,000 to 20,000 rows on Nie & Wager's setups A and D (0.155 /
0.581 at 20,000; 0.135 / 0.267 with early stopping). With LightGBM the covariates are
binned once and every fit of one learner uses those bins (:class:`_Design`). Outcomes (binary or continuous)
are modelled by regression (squared error). ``n_jobs`` sets LightGBM's threads (``None``: its
default, OpenMP's thread count); the two boosters bin features differently, so their numbers agree
in size, not digit for digit. LightGBM and scikit-learn are imported only when a model is fitted.

Propensity: pass ``propensity`` (a number or one value per row, each strictly inside (0, 1)) when it
is known, e.g. in a randomized test; it is then used as given. Otherwise it is estimated on the
learner's folds by the model with the lower out-of-fold log loss, L2-penalized logistic regression
(``C`` by cross-validation) or early-stopped LightGBM (:mod:`truelift.nuisance.select`, the
library ``observe`` uses), and **clipped to [0.01, 0.99]**. On Nie & Wager's setup A, whose
propensity ``sin(pi x1 x2)`` is not logistic, this took the DR-learner's held-out PEHE at 20,000
rows from 0.135 to 0.120 on seed 1 (0.099 over seeds 1-3; ``benchmarks/hte_nie_wager.py``).

Honest scores: ``FittedCATE.oof`` holds out-of-fold CATE for the training rows. For every learner
the folds (stratified by arm, :func:`truelift.nuisance.crossfit.fold_ids`) are used to fit the
whole learner without fold ``k`` and score fold ``k``; ``predict`` uses a final fit on all rows.
For the DR- and R-learners the nuisances are cross-fitted once (so each row's pseudo-outcome or
residual comes from models that never saw it) and the second-stage regression is cross-fitted over
the same folds for ``oof``; their ``predict`` is the mean of those ``K`` fold models.
The causal forest's ``oof`` is out-of-bag instead (see
:mod:`truelift.hte.forest`). Only the forest gives intervals: ``FittedCATE.predict_interval`` and
``FittedCATE.oof_interval``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from truelift.errors import DataError, MethodError
from truelift.nuisance.crossfit import cross_predict, default_folds, fold_ids

PROPENSITY_CLIP = (0.01, 0.99)
BASES = ("lightgbm", "gbm", "linear")

Predictor = Callable[[np.ndarray], np.ndarray]
# (x, level) -> (n, 2) array of lower and upper bounds
IntervalPredictor = Callable[[np.ndarray, float], np.ndarray]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FittedCATE:
    """A fitted CATE learner: scores new rows and holds honest scores of its training rows.

    Attributes:
        learner: registry key of the learner (``"s"``, ``"t"``, ``"x"``, ``"dr"``, ``"r"``, ``"cf"``).
        oof: out-of-fold CATE of every training row (scored by a fit that did not see the row's
            fold; out-of-bag for the causal forest); use these, not ``predict`` on the training
            rows, to evaluate the learner.
        ate: the average effect. For the DR-learner the mean of the AIPW pseudo-outcome (the
            cross-fitted AIPW estimate); for the causal forest the mean of its doubly robust score;
            for the others the mean of ``oof``.
        propensity: the propensity used for the training rows (given, or cross-fitted and clipped).
        n_features: number of covariate columns the learner was fitted on.
        oof_interval: for learners with intervals (the causal forest), the ``level`` confidence
            interval of every training row's CATE, shape ``(n, 2)`` (lower, upper), held out like
            ``oof``; ``None`` for the others.
        level: the confidence level of ``oof_interval`` (``None`` without intervals).
        final_rounds: boosting rounds of the early-stopped second stage (DR- and R-learners with
            the LightGBM base and ``final_max_iter=None``); ``None`` otherwise.
        choice: for the DR-learner, which estimate scores rows: ``"dr"`` (the second stage) or
            ``"t"`` (the cross-fitted outcome models' ``mu_1 - mu_0``), the lower out-of-fold DR-loss;
            ``None`` for the other learners.
        dr_loss: the DR-learner's out-of-fold DR-loss ``mean((phi - tau_oof)^2)`` of the second stage.
        t_dr_loss: the same loss of the T estimate ``mu_1 - mu_0``.
    """

    learner: str
    oof: np.ndarray
    ate: float
    propensity: np.ndarray
    n_features: int
    oof_interval: np.ndarray | None = None
    level: float | None = None
    final_rounds: int | None = None
    choice: str | None = None
    dr_loss: float | None = None
    t_dr_loss: float | None = None
    _predict: Predictor = dataclasses.field(repr=False, compare=False)
    _interval: IntervalPredictor | None = dataclasses.field(default=None, repr=False, compare=False)

    def _rows(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise DataError("x", f"expected a 2-D array with {self.n_features} columns, got shape {x.shape}")
        return x

    def predict(self, x: np.ndarray) -> np.ndarray:
        """CATE ``tau(x)`` of new rows: the learner fitted on all training rows (for the DR- and
        R-learners, the mean of the second stage's fold models)."""
        return np.asarray(self._predict(self._rows(x)), dtype=float)

    def predict_interval(self, x: np.ndarray, level: float | None = None) -> np.ndarray:
        """Confidence interval of ``tau(x)`` for new rows: an ``(n, 2)`` array (lower, upper).

        ``level`` defaults to the level of ``oof_interval``. Only learners with a variance
        estimate give intervals (the causal forest); the others raise :class:`MethodError`.
        """
        if self._interval is None:
            raise MethodError(f"learner {self.learner!r} gives no confidence intervals; "
                              "use the causal forest ('cf')")
        level = self.level if level is None else float(level)
        if level is None or not 0.0 < level < 1.0:
            raise MethodError(f"level must lie strictly between 0 and 1, got {level}")
        return np.asarray(self._interval(self._rows(x), level), dtype=float)


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


def n_folds(folds: int | None, t: Any) -> int:
    """The folds to use: as set, or :func:`~truelift.nuisance.crossfit.default_folds` of the rows."""
    if folds is not None:
        return folds
    return default_folds(int(np.shape(np.asarray(t))[0]))


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def _propensity_fit(x: np.ndarray, t: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, Any]:
    """Cross-fitted propensity (not clipped) from the model chosen by out-of-fold log loss
    (penalized logistic or LightGBM, :func:`truelift.nuisance.select.crossfit_propensity`), and
    the choice.

    Above :data:`~truelift.nuisance.select.MAX_TUNE` rows the candidates are tuned and compared
    on the first rows of a fixed random permutation, and only the winner is cross-fitted on
    every row (a random subsample whatever order the rows came in: a table
    sorted by treatment must not hand the tuning one arm). The learners' folds are random draws
    too (:func:`~truelift.nuisance.crossfit.fold_ids`); ``uplift`` puts the rows in hash order
    before they get here.
    """
    from truelift.nuisance.select import MAX_TUNE, crossfit_propensity

    t_f = t.astype(float)
    if x.shape[0] <= MAX_TUNE:
        return crossfit_propensity(x, t_f, folds, "auto", seed=0, max_tune=MAX_TUNE)
    order = np.random.default_rng(0).permutation(x.shape[0])
    e_perm, choice = crossfit_propensity(x[order], t_f[order], folds[order], "auto", seed=0,
                                         max_tune=MAX_TUNE)
    e = np.empty_like(e_perm)
    e[order] = e_perm
    return e, choice


def _propensity_oof(x: np.ndarray, t: np.ndarray, folds: np.ndarray, *, clip: bool = True) -> np.ndarray:
    """:func:`_propensity_fit`'s scores, clipped to :data:`PROPENSITY_CLIP` (unless ``clip=False``)."""
    e, _ = _propensity_fit(x, t, folds)
    return np.clip(e, *PROPENSITY_CLIP) if clip else e


LARGE_FINAL = 100_000


class _Design:
    """Covariates shared by several LightGBM fits on subsets of their rows, binned once.

    LightGBM turns every feature into at most 255 histogram bins before it grows trees; building
    that binned copy is a large share of a fit on big data. Here it is built once, from ``x``
    alone (bin edges use no outcome, so no fold's labels reach another fold's model), and every
    fit takes the binned rows it needs (``Dataset.subset``) with its own targets and weights.
    """

    __slots__ = ("_binned", "x")

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self._binned: Any = None

    def fit(self, rows: np.ndarray, y: np.ndarray, weight: np.ndarray | None, params: dict[str, Any],
            rounds: int) -> Predictor:
        """Train a booster on the binned ``rows`` (a mask) with targets ``y[rows]``; return predict."""
        import lightgbm as lgb

        # feature_pre_filter=False: the bins must serve every later min_data_in_leaf
        binning = {"verbose": -1, "feature_pre_filter": False}
        if self._binned is None:
            self._binned = lgb.Dataset(self.x, label=np.zeros(self.x.shape[0]), free_raw_data=True,
                                       params=binning).construct()
        data = self._binned.subset(np.flatnonzero(rows), params=binning).construct()
        data.set_label(y[rows])
        if weight is not None:
            data.set_weight(weight[rows])
        booster = lgb.train(params, data, num_boost_round=rounds)
        threads = params.get("num_threads", 0)
        return lambda x_new: booster.predict(x_new, num_threads=threads)

    def cv(self, folds: np.ndarray, y: np.ndarray, weight: np.ndarray | None, params: dict[str, Any],
           max_rounds: int, patience: int) -> tuple[np.ndarray, Predictor, int]:
        """Cross-validated boosting over ``folds`` on all rows, early-stopped on the mean held-out
        (weighted) squared error; return (out-of-fold scores, new rows' mean of the fold boosters,
        rounds)."""
        import lightgbm as lgb

        binning = {"verbose": -1, "feature_pre_filter": False}
        if self._binned is None:
            self._binned = lgb.Dataset(self.x, label=np.zeros(self.x.shape[0]), free_raw_data=True,
                                       params=binning).construct()
        n = self.x.shape[0]
        data = self._binned.subset(np.arange(n), params=binning).construct()
        data.set_label(y)
        if weight is not None:
            data.set_weight(weight)
        ks = np.unique(folds)
        splits = [(np.flatnonzero(folds != k), np.flatnonzero(folds == k)) for k in ks]
        res = lgb.cv({**params, "metric": "l2"}, data, num_boost_round=max_rounds, folds=splits,
                     stratified=False, shuffle=False, return_cvbooster=True,
                     callbacks=[lgb.early_stopping(patience, verbose=False)])
        cvb = res["cvbooster"]
        best = max(int(cvb.best_iteration), 1)
        threads = params.get("num_threads", 0)
        oof = np.empty(n)
        for k, booster in zip(ks, cvb.boosters, strict=True):
            te = folds == k
            oof[te] = booster.predict(self.x[te], num_iteration=best, num_threads=threads)
        boosters = list(cvb.boosters)

        def predict(x_new: np.ndarray) -> np.ndarray:
            return np.mean([b.predict(x_new, num_iteration=best, num_threads=threads)
                            for b in boosters], axis=0)

        return oof, predict, best


@dataclasses.dataclass(frozen=True, slots=True)
class _Learner:
    """Settings shared by all learners (see the module docstring)."""

    folds: int | None = None
    base: str = "lightgbm"
    max_iter: int = 100
    learning_rate: float = 0.1
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    n_jobs: int | None = None
    final_max_iter: int | None = None
    final_learning_rate: float | None = None
    final_max_leaf_nodes: int | None = None
    final_min_samples_leaf: int | None = None
    name: ClassVar[str] = ""
    uses_propensity: ClassVar[bool] = True

    def _final_settings(self, rows: int) -> tuple[int, float, int, int]:
        """Second-stage ``(trees, learning rate, leaves, rows per leaf)`` for ``rows`` training rows.

        Each ``final_*`` setting left at ``None`` follows the sample size: below
        :data:`LARGE_FINAL` rows the smooth stage (60 trees, rate 0.05, 5 leaves, 300 rows per
        leaf); from there on 60 trees, rate 0.1, 15 leaves and ``max(300, rows / 800)`` rows per
        leaf: with more rows the pseudo-outcome's noise averages out and the smooth stage
        underfits (see the module docstring for the figures).
        """
        auto = (60, 0.05, 5, 300) if rows < LARGE_FINAL else (60, 0.1, 15, max(300, rows // 800))
        given = (self.final_max_iter, self.final_learning_rate, self.final_max_leaf_nodes,
                 self.final_min_samples_leaf)
        trees, rate, leaves, leaf = (a if g is None else g for g, a in zip(given, auto, strict=True))
        return int(trees), float(rate), int(leaves), int(leaf)

    def _regress(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                 weight: np.ndarray | None = None, *, final: bool = False) -> Predictor:
        """Fit the base regressor on ``(x, y)`` (with optional weights); return its predict.

        ``final=True`` is the second stage of the DR- and R-learners: a regression of a noisy
        pseudo-outcome, fitted with the smoother ``final_*`` settings (fewer, smaller trees with
        larger leaves) so that it averages the noise instead of fitting it.

        ``x`` is a NumPy array (no column names), so neither booster warns about feature names.
        LightGBM runs silent (``verbose=-1``), deterministic, and col-wise (its automatic choice
        between row- and col-wise histograms is timed, so it could differ between runs).
        """
        max_iter, rate, leaves, leaf = (
            self._final_settings(x.shape[0]) if final else
            (self.max_iter, self.learning_rate, self.max_leaf_nodes, self.min_samples_leaf))
        if self.base == "lightgbm":
            from lightgbm import LGBMRegressor

            model: Any = LGBMRegressor(
                n_estimators=max_iter, learning_rate=rate,
                num_leaves=leaves, min_child_samples=leaf,
                subsample=1.0, colsample_bytree=1.0, n_jobs=_threads(self.n_jobs, x.shape[0]),
                random_state=_seed(rng),
                deterministic=True, force_col_wise=True, verbose=-1)
        elif self.base == "linear":
            from sklearn.linear_model import LinearRegression

            model = LinearRegression()
        else:
            from sklearn.ensemble import HistGradientBoostingRegressor

            model = HistGradientBoostingRegressor(
                max_iter=max_iter, learning_rate=rate,
                max_leaf_nodes=leaves, min_samples_leaf=leaf,
                early_stopping=False, random_state=_seed(rng))
        model.fit(x, y, sample_weight=weight)
        return model.predict

    def _regress_rows(self, design: _Design, rows: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                      weight: np.ndarray | None = None, *, final: bool = False) -> Predictor:
        """:meth:`_regress` on the rows ``rows`` (a mask) of ``design.x``, with targets ``y[rows]``.

        With LightGBM the covariates are binned once for all fits (:class:`_Design`): the same
        model as :meth:`_regress` up to the bin edges, without most of a fit's set-up on large
        data. The other bases fit ``x[rows]`` through :meth:`_regress`.
        """
        if self.base != "lightgbm":
            return self._regress(design.x[rows], y[rows], rng,
                                 None if weight is None else weight[rows], final=final)
        n_rows = int(rows.sum())
        max_iter, rate, leaves, leaf = (
            self._final_settings(n_rows) if final else
            (self.max_iter, self.learning_rate, self.max_leaf_nodes, self.min_samples_leaf))
        return design.fit(rows, y, weight, self._lgb_params(n_rows, rate, leaves, leaf, rng), max_iter)

    def _lgb_params(self, n_rows: int, rate: float, leaves: int, leaf: int,
                    rng: np.random.Generator) -> dict[str, Any]:
        threads = _threads(self.n_jobs, n_rows)
        return {"objective": "regression", "learning_rate": rate, "num_leaves": leaves,
                "min_data_in_leaf": leaf, "seed": _seed(rng), "deterministic": True,
                "force_row_wise": True, "verbose": -1,
                **({} if threads is None else {"num_threads": threads})}

    def _fit_full(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, rng: np.random.Generator
                  ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """Fit the whole learner on these rows; return ``tau(x_new, e_new)``."""
        raise NotImplementedError

    def _residuals(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, e: np.ndarray | None,
                   folds: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cross-fitted Robinson residuals ``(y - m(x), t - e(x), e)`` (Chernozhukov et al. 2018).

        ``m(x) = E[Y | X = x]`` is the base regressor fitted without each row's fold; ``e`` is the
        given propensity, else the cross-fitted chosen one (:func:`_propensity_fit`), clipped.
        Shared by the R-learner and
        the causal forest.
        """
        e_rows = _propensity_oof(x, t, folds) if e is None else e
        design = _Design(x)
        m = cross_predict(folds, lambda tr, te: self._regress_rows(design, tr, y, rng)(x[te]))
        return y - m, t - e_rows, e_rows

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Fit on ``(x, t, y)``: out-of-fold CATE for the training rows and a final fit for new rows.

        The whole learner is fitted ``folds`` times (without fold ``k``, scoring fold ``k``) for
        ``oof``, and once on all rows for ``predict``.
        """
        k = n_folds(self.folds, t)
        x, t, y, e = _validate(x, t, y, propensity, k, self.base)
        rng = np.random.default_rng(seed)
        folds = fold_ids(t, k, rng)
        choice = None
        if e is None:
            e_raw, choice = _propensity_fit(x, t, folds)
            e_rows = np.clip(e_raw, *PROPENSITY_CLIP)
        else:
            e_rows = e
        oof = cross_predict(folds, lambda tr, te: self._fit_full(x[tr], t[tr], y[tr], rng)(
            x[te], e_rows[te]))
        final = self._fit_full(x, t, y, rng)
        if self.uses_propensity:
            e_new = _new_row_propensity(x, t, e, choice, folds)
        else:  # the S- and T-learners ignore it
            def e_new(x_new: np.ndarray) -> np.ndarray:
                return np.full(x_new.shape[0], np.nan)
        return FittedCATE(learner=self.name, oof=oof, ate=float(oof.mean()), propensity=e_rows,
                          n_features=x.shape[1], _predict=lambda x_new: final(x_new, e_new(x_new)))


SMALL_FIT = 50_000


def _threads(n_jobs: int | None, rows: int) -> int | None:
    """LightGBM threads: as set; by default one below :data:`SMALL_FIT` rows, else its default.

    On small fits OpenMP's start-up and spinning cost more than they save, and on a busy machine
    a multi-threaded fit of a few thousand rows was measured 7x slower than a single-threaded one.
    """
    if n_jobs is not None:
        return n_jobs
    return 1 if rows < SMALL_FIT else None


def _new_row_propensity(x: np.ndarray, t: np.ndarray, e: np.ndarray | None, choice: Any,
                        folds: np.ndarray) -> Predictor:
    """Propensity of new rows: the given value when it is one constant, else the chosen model
    refitted on all rows (clipped), built on first use. ``choice`` is the choice behind the
    training rows' scores; when the scores were given (one per row), the model is chosen on the
    learner's ``folds`` at first use."""
    if e is not None and np.ptp(e) == 0:
        c = float(e[0])
        return lambda x_new: np.full(x_new.shape[0], c)
    cache: list[Predictor] = []

    def score(x_new: np.ndarray) -> np.ndarray:
        if not cache:
            from truelift.nuisance.select import propensity_predictor

            chosen = choice if choice is not None else _propensity_fit(x, t, folds)[1]
            model = propensity_predictor(x, t.astype(float), chosen, seed=0)
            cache.append(lambda z: np.clip(model(z), *PROPENSITY_CLIP))
        return cache[0](x_new)

    return score


@dataclasses.dataclass(frozen=True, slots=True)
class SLearner(_Learner):
    """S-learner ("single model") of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]``.

    One regression ``mu(x, t)`` of ``y`` on ``[x, t]``; ``tau(x) = mu(x, 1) - mu(x, 0)``
    (Künzel et al. 2019, PNAS 116(10)). Regularization tends to shrink the effect towards 0; with
    ``base="linear"`` the CATE is one constant. The propensity is not used.
    """

    name: ClassVar[str] = "s"
    uses_propensity: ClassVar[bool] = False

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
    uses_propensity: ClassVar[bool] = False

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
    is the given value when that is one constant, else the chosen propensity model refitted on all
    rows (clipped), built when new rows are first scored.
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

    1. Cross-fitted nuisances: ``mu_0``, ``mu_1`` (outcome per arm) and ``e`` (given, or the chosen model,
       clipped to [0.01, 0.99]); each row is scored by models fitted without its fold.
    2. AIPW pseudo-outcome ``phi = mu_1 - mu_0 + t (y - mu_1) / e - (1 - t) (y - mu_0) / (1 - e)``,
       whose conditional mean given ``x`` is ``tau(x)`` when either nuisance is right.
    3. Regression of ``phi`` on ``x``: cross-fitted over the same folds for ``oof``; ``predict``
       averages the fold models. ``ate`` is the mean of ``phi`` (the cross-fitted AIPW estimate).
    4. Choice by the DR-loss ``mean((phi - f(x))^2)`` (Kennedy 2023): the out-of-fold second stage
       against the T estimate ``mu_1 - mu_0`` of the same cross-fitted outcome models; the lower
       wins (``FittedCATE.choice``, ``dr_loss``, ``t_dr_loss``). The comparison is fair: with the
       propensity right, the expected DR-loss difference between ``f`` and ``tau_T`` equals
       ``PEHE^2(f) - PEHE^2(tau_T)``. When the T estimate wins, new rows get the mean over folds
       of ``mu_1 - mu_0``.
    """

    name: ClassVar[str] = "dr"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Cross-fit the nuisances, form the pseudo-outcome and regress it on ``x``."""
        k = n_folds(self.folds, t)
        x, t, y, e = _validate(x, t, y, propensity, k, self.base)
        rng = np.random.default_rng(seed)
        folds = fold_ids(t, k, rng)
        e_rows = _propensity_oof(x, t, folds) if e is None else e

        design = _Design(x)

        outcome_models: list[tuple[Predictor, Predictor]] = []

        def nuisance(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            x_te = x[te]
            m0 = self._regress_rows(design, tr & (t == 0), y, rng)
            m1 = self._regress_rows(design, tr & (t == 1), y, rng)
            outcome_models.append((m0, m1))
            return np.column_stack([m0(x_te), m1(x_te)])

        mu = cross_predict(folds, nuisance)
        mu0, mu1 = mu[:, 0], mu[:, 1]
        phi = mu1 - mu0 + t * (y - mu1) / e_rows - (1 - t) * (y - mu0) / (1.0 - e_rows)
        oof, predict, rounds = _second_stage(self, design, folds, phi, rng)
        plug = mu1 - mu0
        dr_loss = float(np.mean((phi - oof) ** 2))
        t_loss = float(np.mean((phi - plug) ** 2))
        choice = "t" if t_loss < dr_loss else "dr"
        if choice == "t":
            oof = plug

            def predict(x_new: np.ndarray) -> np.ndarray:
                return np.mean([m1(x_new) - m0(x_new) for m0, m1 in outcome_models], axis=0)

        return FittedCATE(learner=self.name, oof=oof, ate=float(phi.mean()), propensity=e_rows,
                          n_features=x.shape[1], final_rounds=rounds, choice=choice,
                          dr_loss=dr_loss, t_dr_loss=t_loss, _predict=predict)


def _second_stage(learner: _Learner, design: _Design, folds: np.ndarray, target: np.ndarray,
                  rng: np.random.Generator, weight: np.ndarray | None = None
                  ) -> tuple[np.ndarray, Predictor, int | None]:
    """Cross-fitted second stage: out-of-fold scores, new rows scored by the fold models' mean,
    and the number of boosting rounds when they were chosen by early stopping.

    With the LightGBM base and ``final_max_iter=None`` the rounds are chosen by one
    cross-validated boosting over the same ``K`` folds (``lightgbm.cv``; patience
    :data:`FINAL_PATIENCE`, at most :data:`FINAL_MAX_ROUNDS` rounds): the round with the lowest
    mean held-out (weighted) squared error of the target, i.e. the DR-loss
    ``mean((phi - f(x))^2)`` of the DR-learner (Kennedy 2023) or the R-loss
    ``mean((t - e)^2 ((y - m) / (t - e) - f(x))^2)`` of the R-learner (Nie & Wager 2021). Each
    held-out row is scored by its fold's booster at that round, new rows by the mean of the ``K``
    boosters at that round. Learning rate, leaves and rows per leaf follow
    :meth:`_Learner._final_settings`. An explicit ``final_max_iter`` (or another base) fits ``K``
    fixed-round models instead. Averaging the ``K`` fold models replaces one more fit on all rows.
    """
    if learner.base == "lightgbm" and learner.final_max_iter is None:
        n_rows = int(np.mean([(folds != k).sum() for k in np.unique(folds)]))
        _, rate, leaves, leaf = learner._final_settings(n_rows)
        params = learner._lgb_params(n_rows, rate, leaves, leaf, rng)
        return design.cv(folds, target, weight, params, FINAL_MAX_ROUNDS, FINAL_PATIENCE)
    models: list[Predictor] = []

    def fit(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        models.append(learner._regress_rows(design, tr, target, rng, weight, final=True))
        return models[-1](design.x[te])

    oof = cross_predict(folds, fit)
    return oof, lambda x_new: np.mean([m(x_new) for m in models], axis=0), None


FINAL_MAX_ROUNDS = 2_000
FINAL_PATIENCE = 20


@dataclasses.dataclass(frozen=True, slots=True)
class RLearner(_Learner):
    """R-learner of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]`` (Nie & Wager 2021, Biometrika 108(2)).

    1. Cross-fitted nuisances: ``m(x) = E[Y | X = x]`` and ``e`` (given, or the chosen model, clipped to
       [0.01, 0.99]); each row is scored by models fitted without its fold.
    2. Robinson's decomposition ``y - m = tau(x) (t - e) + noise``: minimize
       ``sum ((y - m) - tau(x) (t - e))^2``, i.e. a regression of ``(y - m) / (t - e)`` on ``x``
       with weights ``(t - e)^2``: cross-fitted over the same folds for ``oof``; ``predict``
       averages the fold models. ``ate`` is the mean of ``oof``.
    """

    name: ClassVar[str] = "r"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Cross-fit the nuisances and run the weighted residual regression."""
        k = n_folds(self.folds, t)
        x, t, y, e = _validate(x, t, y, propensity, k, self.base)
        rng = np.random.default_rng(seed)
        folds = fold_ids(t, k, rng)
        y_res, t_res, e_rows = self._residuals(x, t, y, e, folds, rng)
        target = y_res / t_res
        weight = t_res**2
        oof, predict, rounds = _second_stage(self, _Design(x), folds, target, rng, weight)
        return FittedCATE(learner=self.name, oof=oof, ate=float(oof.mean()), propensity=e_rows,
                          n_features=x.shape[1], final_rounds=rounds, _predict=predict)


@dataclasses.dataclass(frozen=True, slots=True)
class CausalForest(_Learner):
    """Causal forest of the CATE ``tau(x) = E[Y(1) - Y(0) | X = x]``, with confidence intervals.

    A generalized random forest (Athey, Tibshirani & Wager 2019, Ann. Stat. 47(2)) solving the
    R-learner moment ``E[(y~ - tau(x) t~ - b(x)) (t~, 1) | X = x] = 0`` on cross-fitted residuals
    ``y~ = y - m(x)`` and ``t~ = t - e(x)`` (Chernozhukov et al. 2018; the residualization of
    EconML's ``CausalForestDML``): honest trees on half-samples give asymptotically normal
    estimates with a consistent variance (Wager & Athey 2018, JASA 113(523)), hence per-row
    intervals. Fitted by :func:`truelift.hte.forest.fit_causal_forest` on ``econml.grf.CausalForest``.

    Settings (besides ``folds``, ``base`` and the base-model settings, used for ``m``):

    * ``n_estimators``: trees, a multiple of ``subforest_size`` (trees sharing one half-sample;
      the variance comes from the spread between these little bags).
    * ``min_node_size``: the forest's minimum rows per leaf (GRF's ``min.node.size``; EconML's
      ``min_samples_leaf``; the base models' ``min_samples_leaf`` is a separate setting).
    * ``max_samples``: each tree's subsample as a share of the rows (below 0.5, as inference
      needs), capped at ``max_subsample`` rows (``None``: no cap). Trees on capped subsamples stay
      within the theory (subsample size ``n^beta`` with ``beta < 1``) and keep big data fast.
    * ``honest``: honest trees (half of each subsample places the splits, the other half fills
      the leaves); ``False`` voids the interval guarantee.
    * ``level``: confidence level of ``oof_interval`` and the default of ``predict_interval``.
    * ``n_jobs``: threads for the forest and LightGBM (``None``: all cores for the forest,
      OpenMP's default for LightGBM).

    ``oof`` is out-of-bag: each training row is scored by the little bags whose trees never drew
    it (GRF's out-of-bag prediction), with an out-of-bag interval; ``ate`` is the mean of the
    doubly robust score ``tau(x) + t~ (y~ - tau(x) t~) / (e (1 - e))`` (GRF's
    ``average_treatment_effect``).
    """

    n_estimators: int = 200
    min_node_size: int = 5
    max_samples: float = 0.45
    max_subsample: int | None = 10_000
    subforest_size: int = 4
    honest: bool = True
    level: float = 0.9
    name: ClassVar[str] = "cf"

    def fit(self, x: np.ndarray, t: np.ndarray, y: np.ndarray, *,
            propensity: np.ndarray | float | None = None, seed: int = 0) -> FittedCATE:
        """Cross-fit the residuals, grow the forest, and score the training rows out of bag."""
        from truelift.hte.forest import fit_causal_forest

        return fit_causal_forest(self, x, t, y, propensity=propensity, seed=seed)


LEARNERS: dict[str, type[_Learner]] = {
    "s": SLearner,
    "t": TLearner,
    "x": XLearner,
    "dr": DRLearner,
    "r": RLearner,
    "cf": CausalForest,
}

__all__ = ["BASES", "LEARNERS", "PROPENSITY_CLIP", "CausalForest", "DRLearner", "FittedCATE",
           "RLearner", "SLearner", "TLearner", "XLearner"]
