"""The candidate nuisance models, each tuned once by cross-validated loss on the analysis's folds.

Every candidate has one call, ``crossfit(x, y, fit_rows, folds, seed) -> CrossFit``: it chooses
its own tuning parameter by the out-of-fold loss over the same K folds that the estimator then
uses (so the choice is made once for the whole fit, not per fold), and returns, for **every**
row, the prediction of the model fitted on ``fit_rows`` outside that row's fold. Rows outside
``fit_rows`` (e.g. the other treatment arm, for an outcome model of one arm) are predicted by the
model of their own fold too, which is what AIPW needs.

* :class:`PenalizedLogistic` (0/1 targets): L2-penalized logistic regression on standardized
  covariates, the penalty ``C`` chosen from a grid by out-of-fold log loss (a warm-started path;
  le Cessie & van Houwelingen 1992). A penalty keeps scores off 0 and 1 when many one-hot columns
  (nearly) separate the arms, where the unpenalized fit diverges.
* :class:`Ridge` (numeric targets): ridge regression on standardized covariates, the penalty
  chosen by out-of-fold squared error (Hoerl & Kennard 1970); one SVD per fold gives the whole path.
* :class:`Boosted`: LightGBM (Ke et al. 2017), the number of rounds chosen by early stopping on
  the mean out-of-fold loss across the K folds (``lightgbm.cv``); the K fold boosters are kept, so
  the out-of-fold predictions cost no refit. ``linear_tree=True`` ("gbm_linear") fits a ridge
  line in each leaf (piecewise-linear trees, Shi, Li & Li 2019): smooth response surfaces that
  plain trees approximate by steps.
* :class:`Screened`: LightGBM on the covariates that carry at least ``share`` (1%) of a plain
  LightGBM's split gain, the screen made **within each fold** (fold k's covariates come from the
  booster that never saw fold k, so the out-of-fold predictions stay honest). With many
  covariates of which few matter, trees spend splits on noise; screening first is the
  tree-model analogue of variable screening before the final fit (Fan & Lv 2008, sure
  independence screening; here by importance, not marginal correlation, so interactions with no
  main effect survive). On the 60-covariate benchmark design it cut the outcome model's RMSE
  from 0.76 to 0.44 and the AIPW bias from +1 SD to ~0 (``benchmarks/RESULTS.md``).
* :class:`TwoPart` (numeric targets >= 0 with many zeros, e.g. revenue):
  ``E[Y | x] = P(Y > 0 | x) * E[Y | Y > 0, x]`` (Duan et al. 1983), both parts boosted, the
  positive part with a log link (gamma deviance) for a skewed amount.
* :class:`Custom`: any scikit-learn estimator the user passes (``predict_proba`` for 0/1 targets,
  ``predict`` otherwise), cloned and fitted once per fold, not tuned.

For large data ``tune_rows`` restricts the tuning to a stated subsample; the tuned setting is then
fitted on every fold of the full data.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import os
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar, Protocol

import numpy as np
from scipy.special import xlogy

from truelift.errors import MethodError

EPS = 1e-12
THREADS_SMALL = 1
"""LightGBM threads below :data:`ROWS_FOR_THREADS` rows: one (small fits gain nothing from more,
and OpenMP threads that spin on a busy machine make them many times slower)."""
ROWS_FOR_THREADS = 50_000


def threads(rows: int) -> int:
    """Threads for a LightGBM fit on ``rows`` rows (``TRUELIFT_THREADS`` overrides)."""
    forced = int(os.environ.get("TRUELIFT_THREADS", "0") or 0)
    if forced > 0:
        return forced
    return THREADS_SMALL if rows < ROWS_FOR_THREADS else max(1, min(2, os.cpu_count() or 1))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean Bernoulli deviance / 2: ``-mean[y log p + (1-y) log(1-p)]``."""
    p = np.clip(p, EPS, 1.0 - EPS)
    return float(-(xlogy(y, p) + xlogy(1.0 - y, 1.0 - p)).mean())


def mse(y: np.ndarray, m: np.ndarray) -> float:
    """Mean squared error."""
    return float(np.mean(np.square(y - m)))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CrossFit:
    """Out-of-fold predictions of one candidate, its loss on the fitted rows and its tuned setting."""

    name: str
    predictions: np.ndarray
    loss: float
    settings: dict[str, Any]


class Candidate(Protocol):
    """A nuisance model that tunes itself on the folds and returns out-of-fold predictions."""

    name: ClassVar[str]

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Tune on ``tune_rows`` (default ``fit_rows``), then out-of-fold predictions of every row."""
        ...


def _standardize(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x[rows].mean(axis=0)
    sd = x[rows].std(axis=0)
    return mean, np.where(sd > 0, sd, 1.0)


def _loss(binary: bool, y: np.ndarray, pred: np.ndarray) -> float:
    return log_loss(y, pred) if binary else mse(y, pred)


def _k(folds: np.ndarray) -> int:
    return int(folds.max()) + 1


@dataclasses.dataclass(frozen=True, slots=True)
class PenalizedLogistic:
    """L2-penalized logistic regression, ``C`` (inverse penalty on the summed log likelihood) by CV."""

    cs: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
    c: float | None = None
    name: ClassVar[str] = "logistic"

    def _path(self, z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
              cs: tuple[float, ...]) -> np.ndarray:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=cs[0], solver="newton-cholesky", max_iter=200, tol=1e-7,
                                   warm_start=True)
        out = np.empty((len(cs), z_test.shape[0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for j, c in enumerate(cs):
                model.set_params(C=c)
                model.fit(z_train, y_train)
                out[j] = model.predict_proba(z_test)[:, 1]
        return out

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Out-of-fold scores at the ``C`` with the lowest out-of-fold log loss."""
        if not binary:
            raise MethodError("the logistic model needs a 0/1 target")
        mean, sd = _standardize(x, fit_rows)
        z = (x - mean) / sd
        cs = tuple(sorted(self.cs)) if self.c is None else (float(self.c),)
        tune = fit_rows if tune_rows is None else tune_rows
        losses = np.zeros(len(cs))
        if len(cs) > 1:
            for k in range(_k(folds)):
                tr, te = tune & (folds != k), tune & (folds == k)
                path = self._path(z[tr], y[tr], z[te], cs)
                for j in range(len(cs)):
                    losses[j] += log_loss(y[te], path[j]) * te.sum()
            losses /= tune.sum()
        best = cs[int(np.argmin(losses))]
        pred = np.empty(x.shape[0])
        for k in range(_k(folds)):
            tr, te = fit_rows & (folds != k), folds == k
            pred[te] = self._path(z[tr], y[tr], z[te], (best,))[0]
        return CrossFit(name=self.name, predictions=pred, loss=log_loss(y[fit_rows], pred[fit_rows]),
                        settings={"C": best})


@dataclasses.dataclass(frozen=True, slots=True)
class Ridge:
    """Ridge regression; the penalty ``lambda * n_train`` from a relative grid, by out-of-fold MSE."""

    lambdas: tuple[float, ...] = (1e-8, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    name: ClassVar[str] = "linear"

    @staticmethod
    def _path(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray,
              lambdas: tuple[float, ...]) -> np.ndarray:
        zm, ym = z_train.mean(axis=0), y_train.mean()
        u, s, vt = np.linalg.svd(z_train - zm, full_matrices=False)
        uty = u.T @ (y_train - ym)
        n = z_train.shape[0]
        out = np.empty((len(lambdas), z_test.shape[0]))
        zt = (z_test - zm) @ vt.T
        for j, lam in enumerate(lambdas):
            d = s / (s * s + lam * n)
            out[j] = ym + zt @ (d * uty)
        return out

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Out-of-fold predictions at the penalty with the lowest out-of-fold squared error."""
        mean, sd = _standardize(x, fit_rows)
        z = (x - mean) / sd
        tune = fit_rows if tune_rows is None else tune_rows
        lams = tuple(self.lambdas)
        losses = np.zeros(len(lams))
        if len(lams) > 1:
            for k in range(_k(folds)):
                tr, te = tune & (folds != k), tune & (folds == k)
                path = self._path(z[tr], y[tr], z[te], lams)
                losses += np.square(path - y[te]).sum(axis=1)
        best = lams[int(np.argmin(losses))]
        pred = np.empty(x.shape[0])
        for k in range(_k(folds)):
            tr, te = fit_rows & (folds != k), folds == k
            pred[te] = self._path(z[tr], y[tr], z[te], (best,))[0]
        return CrossFit(name=self.name, predictions=pred, loss=mse(y[fit_rows], pred[fit_rows]),
                        settings={"lambda": best})


@dataclasses.dataclass(frozen=True, slots=True)
class Boosted:
    """LightGBM; rounds by early stopping on the mean out-of-fold loss of the K folds."""

    learning_rate: float = 0.1
    num_leaves: int = 15
    min_data_in_leaf: int = 20
    lambda_l2: float = 1.0
    max_rounds: int = 2000
    patience: int = 20
    objective: str | None = None
    linear_tree: bool = False
    name: ClassVar[str] = "gbm"

    def params(self, binary: bool, seed: int, rows: int = 0) -> dict[str, Any]:
        """LightGBM parameters: deterministic, threads by size, no bagging."""
        return {"objective": self.objective or ("binary" if binary else "regression"),
                "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
                "min_data_in_leaf": self.min_data_in_leaf, "lambda_l2": self.lambda_l2,
                "feature_pre_filter": False, "verbose": -1, "deterministic": True,
                "force_col_wise": True, "num_threads": threads(rows), "seed": int(seed),
                **({"linear_tree": True, "linear_lambda": 1.0} if self.linear_tree else {})}

    def tune(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, folds: np.ndarray,
             *, binary: bool, seed: int) -> tuple[int, Any]:
        """``(best rounds, the K fold boosters)`` from ``lightgbm.cv`` on ``rows``.

        Inside :func:`shared_tuning` the same call (same ``x`` object, targets, rows, folds and
        parameters) is computed once: the screened candidate reuses the plain candidate's fit.
        """
        cache = _TUNING.get()
        if cache is None:
            return self._tune(x, y, rows, folds, binary=binary, seed=seed)
        key = (id(x), _digest(y, rows, folds), binary, seed,
               tuple(sorted(self.params(binary, seed).items())), self.max_rounds, self.patience)
        if key not in cache:
            cache[key] = self._tune(x, y, rows, folds, binary=binary, seed=seed)
        return cache[key]

    def _tune(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, folds: np.ndarray,
              *, binary: bool, seed: int) -> tuple[int, Any]:
        import lightgbm as lgb

        idx = np.flatnonzero(rows)
        f = folds[idx]
        splits = [(np.flatnonzero(f != k), np.flatnonzero(f == k)) for k in range(_k(folds))]
        data = lgb.Dataset(x[idx], label=y[idx], free_raw_data=False,
                           params={"verbose": -1, "feature_pre_filter": False})
        res = lgb.cv(self.params(binary, seed, idx.shape[0]), data, num_boost_round=self.max_rounds,
                     folds=splits, callbacks=[lgb.early_stopping(self.patience, verbose=False)],
                     return_cvbooster=True, stratified=False)
        booster = res["cvbooster"]
        return int(booster.best_iteration), booster

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Out-of-fold predictions at the early-stopped number of rounds."""
        import lightgbm as lgb

        rounds, cvb = self.tune(x, y, fit_rows if tune_rows is None else tune_rows, folds,
                                binary=binary, seed=seed)
        rounds = max(rounds, 1)
        pred = np.empty(x.shape[0])
        for k in range(_k(folds)):
            te = folds == k
            if tune_rows is None:
                booster = cvb.boosters[k]
            else:
                tr = fit_rows & (folds != k)
                booster = lgb.train(self.params(binary, seed, int(tr.sum())),
                                    lgb.Dataset(x[tr], label=y[tr]),
                                    num_boost_round=rounds)
            pred[te] = booster.predict(x[te], num_iteration=rounds)
        return CrossFit(name=self.label, predictions=pred,
                        loss=_loss(binary, y[fit_rows], pred[fit_rows]),
                        settings={"rounds": rounds, "learning_rate": self.learning_rate,
                                  "num_leaves": self.num_leaves})

    @property
    def label(self) -> str:
        """``"gbm"``, or ``"gbm_linear"`` with linear models in the leaves."""
        return "gbm_linear" if self.linear_tree else self.name


SCREEN_SHARE = 0.01
"""A covariate is kept by :class:`Screened` when it carries at least this share of the split gain."""


def screen(gain: np.ndarray, share: float = SCREEN_SHARE) -> np.ndarray:
    """Columns whose gain is at least ``share`` of the total (every column when no split was made)."""
    total = float(gain.sum())
    if total <= 0:
        return np.ones(gain.shape[0], dtype=bool)
    return gain >= share * total


_TUNING: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "truelift_lightgbm_tuning", default=None)


@contextlib.contextmanager
def shared_tuning() -> Iterator[None]:
    """Within this block identical :meth:`Boosted.tune` calls are computed once (the cache
    holds ``id(x)``, so it lives only while the caller holds ``x``: one model selection)."""
    token = _TUNING.set({})
    try:
        yield
    finally:
        _TUNING.reset(token)


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for array in arrays:
        a = np.ascontiguousarray(array)
        h.update(str((a.dtype, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _inner_split(train: np.ndarray, folds: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """An early-stopping split of fold k's training rows: the next fold is the validation set
    (with K = 2 folds, every fifth training row, in the canonical order)."""
    k_all = _k(folds)
    if k_all >= 3:
        v = (k + 1) % k_all
        return train & (folds != v), train & (folds == v)
    idx = np.flatnonzero(train)
    va = np.zeros_like(train)
    va[idx[::5]] = True
    return train & ~va, va


@dataclasses.dataclass(frozen=True, slots=True)
class Screened:
    """``base`` fitted on the covariates a plain LightGBM found useful, screened within each fold.

    For fold k: the covariates with at least ``share`` of the split gain of the plain booster
    trained on the other folds (``lightgbm.cv``), then ``base`` on those covariates and those
    folds, its rounds by early stopping on one of the training folds and refitted on all of them
    at that number of rounds. Nothing of fold k enters its own prediction.
    """

    base: Boosted = dataclasses.field(default_factory=Boosted)
    share: float = SCREEN_SHARE
    name: ClassVar[str] = "screened"

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Out-of-fold predictions of the screened model."""
        import lightgbm as lgb

        tune = fit_rows if tune_rows is None else tune_rows
        _rounds, cvb = Boosted().tune(x, y, tune, folds, binary=binary, seed=seed)
        k_all = _k(folds)
        pred = np.empty(x.shape[0])
        kept: list[int] = []
        rounds: list[int] = []
        for k in range(k_all):
            cols = np.flatnonzero(screen(np.asarray(cvb.boosters[k].feature_importance("gain"),
                                                    dtype=float), self.share))
            inner_tr, inner_va = _inner_split(tune & (folds != k), folds, k)
            params = self.base.params(binary, seed, int(inner_tr.sum()))
            booster = lgb.train(
                params, lgb.Dataset(x[inner_tr][:, cols], label=y[inner_tr]),
                num_boost_round=self.base.max_rounds,
                valid_sets=[lgb.Dataset(x[inner_va][:, cols], label=y[inner_va])],
                callbacks=[lgb.early_stopping(self.base.patience, verbose=False)])
            best = max(int(booster.best_iteration or booster.current_iteration()), 1)
            tr = fit_rows & (folds != k)
            final = lgb.train(self.base.params(binary, seed, int(tr.sum())),
                              lgb.Dataset(x[tr][:, cols], label=y[tr]), num_boost_round=best)
            te = folds == k
            pred[te] = final.predict(x[te][:, cols])
            kept.append(int(cols.shape[0]))
            rounds.append(best)
        return CrossFit(name=self.label, predictions=pred,
                        loss=_loss(binary, y[fit_rows], pred[fit_rows]),
                        settings={"covariates_kept": kept, "rounds": rounds,
                                  "share": self.share})

    @property
    def label(self) -> str:
        """``"gbm_screened"`` or ``"gbm_linear_screened"``."""
        return f"{self.base.label}_screened"


@dataclasses.dataclass(frozen=True, slots=True)
class TwoPart:
    """``P(Y > 0 | x) * E[Y | Y > 0, x]``, both parts boosted (the amount with a log link)."""

    name: ClassVar[str] = "two_part"

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Out-of-fold ``p(x) * m+(x)``."""
        if binary or (y[fit_rows] < 0).any():
            raise MethodError("the two-part model needs a numeric outcome >= 0")
        positive = (y > 0).astype(float)
        part1 = Boosted().crossfit(x, positive, fit_rows, folds, binary=True, seed=seed,
                                   tune_rows=tune_rows)
        pos_rows = fit_rows & (y > 0)
        tune_pos = None if tune_rows is None else tune_rows & (y > 0)
        part2 = Boosted(objective="gamma").crossfit(x, y, pos_rows, folds, binary=False,
                                                    seed=seed, tune_rows=tune_pos)
        pred = part1.predictions * part2.predictions
        return CrossFit(name=self.name, predictions=pred, loss=mse(y[fit_rows], pred[fit_rows]),
                        settings={"rounds_positive": part1.settings["rounds"],
                                  "rounds_amount": part2.settings["rounds"]})


@dataclasses.dataclass(frozen=True, slots=True)
class Custom:
    """A user's scikit-learn estimator, cloned and fitted on each fold (not tuned)."""

    estimator: Any
    name: ClassVar[str] = "custom"

    def crossfit(self, x: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, folds: np.ndarray,
                 *, binary: bool, seed: int, tune_rows: np.ndarray | None = None) -> CrossFit:
        """Out-of-fold predictions of the user's model."""
        from sklearn.base import clone

        pred = np.empty(x.shape[0])
        for k in range(_k(folds)):
            tr, te = fit_rows & (folds != k), folds == k
            model = clone(self.estimator)
            try:
                model.fit(x[tr], y[tr])
                if binary and hasattr(model, "predict_proba"):
                    pred[te] = model.predict_proba(x[te])[:, 1]
                else:
                    pred[te] = model.predict(x[te])
            except Exception as exc:  # a user's model: translate its failure at this boundary
                raise MethodError(f"the model {type(self.estimator).__name__} failed to fit: "
                                  f"{exc}") from exc
        if not np.isfinite(pred).all():
            raise MethodError(f"the model {type(self.estimator).__name__} predicted non-finite "
                              "values")
        return CrossFit(name=f"custom:{type(self.estimator).__name__}", predictions=pred,
                        loss=_loss(binary, y[fit_rows], pred[fit_rows]),
                        settings={"estimator": repr(self.estimator)[:200]})


def is_estimator(obj: Any) -> bool:
    """Whether ``obj`` looks like a scikit-learn estimator (has ``fit`` and ``get_params``)."""
    return hasattr(obj, "fit") and hasattr(obj, "get_params") and not isinstance(obj, type)


__all__ = [
    "SCREEN_SHARE",
    "Boosted",
    "Candidate",
    "CrossFit",
    "Custom",
    "PenalizedLogistic",
    "Ridge",
    "Screened",
    "TwoPart",
    "is_estimator",
    "log_loss",
    "mse",
    "screen",
]
